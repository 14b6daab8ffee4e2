//! Administration: every user, and switching them off and on. Admins only.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use super::i18n::Ui;
use super::pages::{Problem, render};
use super::session::{AdminUser, is_admin};
use crate::app::AppState;

struct UserView {
    id: String,
    login: String,
    kind: &'static str,
    is_admin: bool,
    disabled: bool,
    is_me: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    ui: Ui,
    users: Vec<UserView>,
}

pub async fn page(State(state): State<AppState>, ui: Ui, AdminUser(me): AdminUser) -> Response {
    let users = match store::users::list(&state.pool).await {
        Ok(users) => users,
        Err(err) => return Problem::from(err).into_response(),
    };
    let users = users
        .iter()
        .map(|u| UserView {
            id: u.id.to_string(),
            login: u.login.clone(),
            kind: if u.github_id.is_some() {
                "GitHub"
            } else {
                "local"
            },
            is_admin: is_admin(&state.config, u),
            disabled: u.is_disabled(),
            is_me: u.id == me.user.id,
            created: u.created_at.date().to_string(),
        })
        .collect();
    render(&AdminPage { ui, users })
}

/// `POST /admin/users/{id}/disable`: the user's keys and sessions stop working at once.
pub async fn disable(state: State<AppState>, admin: AdminUser, id: Path<String>) -> Response {
    set_disabled(state, admin, id, true).await
}

/// `POST /admin/users/{id}/enable`.
pub async fn enable(state: State<AppState>, admin: AdminUser, id: Path<String>) -> Response {
    set_disabled(state, admin, id, false).await
}

async fn set_disabled(
    State(state): State<AppState>,
    AdminUser(me): AdminUser,
    Path(id): Path<String>,
    disabled: bool,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return Problem::not_found().into_response();
    };
    if disabled && id == me.user.id {
        return Problem::new(
            StatusCode::BAD_REQUEST,
            "That is you",
            "You cannot disable your own account.",
        )
        .into_response();
    }
    let user = match store::users::by_id(&state.pool, id).await {
        Ok(user) => user,
        Err(err) => return Problem::from(err).into_response(),
    };
    let result = async {
        store::users::set_disabled(&state.pool, id, disabled).await?;
        // Sessions already stop with the user; ending them also keeps them dead on re-enable.
        if disabled {
            auth::end_all_sessions(&state.pool, id).await?;
        }
        Ok::<_, store::Error>(())
    }
    .await;
    match result {
        Ok(()) => {
            tracing::info!(admin = %me.user.login, user = %user.login, disabled, "user switched");
            Redirect::to("/admin").into_response()
        }
        Err(err) => Problem::from(err).into_response(),
    }
}
