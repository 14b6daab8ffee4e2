//! The Anthropic-compatible gateway API that Claude Code talks to.

mod attempt;
mod auth;
mod count_tokens;
mod deliver;
pub mod endpoints;
mod error;
pub mod mapping;
mod messages;
mod models;
pub mod pool;
pub mod probe;
mod record;
mod routing;
pub mod upstream;
pub mod upstream_models;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;

pub use error::GatewayError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/messages", post(messages::create_message))
        .route(
            "/v1/messages/count_tokens",
            post(count_tokens::count_tokens),
        )
        .route("/v1/models", get(models::list))
        .route("/v1/models/{id}", get(models::get))
}
