//! The dashboard: sign-in (GitHub or password), sessions, the console with the user's
//! keys, and administration. Every state-changing route is a POST behind the CSRF layer.

mod account;
mod admin;
mod charts;
mod console;
mod fetched_models;
mod format;
mod github;
pub mod i18n;
mod keys;
mod landing;
mod login;
mod logs;
mod mapping;
mod oauth_http;
mod pages;
mod session;
mod stats;
mod throttle;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::csrf::CsrfLayer;

pub use oauth_http::github_client;
pub use session::SessionUser;
pub use throttle::Throttle;

use crate::app::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(landing::page))
        .route("/lang/{code}", get(i18n::switch))
        .route("/login", get(login::page).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/logout/everywhere", post(login::logout_everywhere))
        .route("/auth/github", get(github::start))
        .route("/auth/github/callback", get(github::callback))
        .route("/console", get(console::page))
        .route("/console/key/reveal", post(console::reveal))
        .route("/console/key/regenerate", post(console::regenerate))
        .route("/console/keys", post(console::add_key))
        .route("/console/keys/{id}/reveal", post(console::reveal_key))
        .route("/console/keys/{id}/revoke", post(console::revoke_key))
        .route("/keys", get(keys::page).post(keys::add))
        .route("/keys/strategy", post(keys::strategy))
        .route("/keys/{id}", post(keys::save))
        .route("/keys/{id}/edit", get(keys::edit_page))
        .route("/keys/{id}/delete", post(keys::delete))
        .route("/keys/{id}/enable", post(keys::enable))
        .route("/keys/{id}/disable", post(keys::disable))
        .route("/keys/{id}/test", post(keys::test))
        .route("/keys/{id}/models", post(keys::models))
        .route("/mapping", get(mapping::page).post(mapping::save))
        .route("/mapping/reset", post(mapping::reset))
        .route("/mapping/models", post(mapping::load_models))
        .route("/logs", get(logs::page))
        .route("/logs/{id}", get(logs::detail))
        .route("/stats", get(stats::page))
        .route("/admin", get(admin::page))
        .route("/admin/users/{id}/disable", post(admin::disable))
        .route("/admin/users/{id}/enable", post(admin::enable))
        .route("/static/style.css", get(stylesheet))
        .route("/static/app.js", get(script))
        .layer(from_fn(pages::frame))
        .layer(from_fn_with_state(state.clone(), session::load))
        .layer(from_fn(i18n::scope))
        .layer(csrf_layer(state))
}

/// Refuses cross-site form posts (Sec-Fetch-Site / Origin); same-site pages and
/// non-browser clients pass. The public URL counts as same-site behind a proxy that
/// rewrites Host.
fn csrf_layer(state: &AppState) -> CsrfLayer<fn(tower_http::csrf::ProtectionError) -> Response> {
    let layer = CsrfLayer::new().with_rejection_response(
        pages::csrf_rejected as fn(tower_http::csrf::ProtectionError) -> Response,
    );
    let origin = state.config.public_url().origin().ascii_serialization();
    match layer.clone().add_trusted_origin(&origin) {
        Ok(layer) => layer,
        Err(err) => {
            tracing::warn!("public URL not usable as a trusted origin: {err}");
            layer
        }
    }
}

async fn stylesheet() -> Response {
    asset(
        include_str!("../../static/style.css"),
        "text/css; charset=utf-8",
    )
}

async fn script() -> Response {
    asset(
        include_str!("../../static/app.js"),
        "text/javascript; charset=utf-8",
    )
}

/// A file compiled into the binary, cached for an hour.
fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
