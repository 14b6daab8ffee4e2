//! The landing page: what Nexus does, for people who are not signed in.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::i18n::Ui;
use super::pages::render;
use super::session::SessionUser;
use crate::app::AppState;

#[derive(Template)]
#[template(path = "landing.html")]
struct LandingPage {
    ui: Ui,
    github: bool,
}

/// `GET /`: the landing page, or the console for someone signed in.
pub async fn page(State(state): State<AppState>, ui: Ui, user: Option<SessionUser>) -> Response {
    if user.is_some() {
        return Redirect::to("/console").into_response();
    }
    render(&LandingPage {
        ui,
        github: state.config.github_enabled(),
    })
}
