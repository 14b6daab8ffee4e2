//! Who is calling: the `ak-` key from `x-api-key` or `Authorization: Bearer` (Claude Code
//! may send both; either one that is valid is enough).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use store::api_keys::KeyOwner;

use super::error::GatewayError;
use crate::app::AppState;

/// The authenticated caller of a gateway route.
#[derive(Debug, Clone)]
pub struct Caller(pub KeyOwner);

impl FromRequestParts<AppState> for Caller {
    type Rejection = GatewayError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let headers = &parts.headers;
        let from_header = headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim);
        let from_bearer = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        for presented in [from_header, from_bearer].into_iter().flatten() {
            match state.keyring.authenticate(&state.pool, presented).await {
                Ok(Some(owner)) => {
                    tracing::Span::current().record("user", owner.login.as_str());
                    state.key_usage.record(owner.key_id);
                    return Ok(Caller(owner));
                }
                Ok(None) => {}
                Err(auth::KeyError::Store(err)) => return Err(err.into()),
                Err(err) => {
                    tracing::error!("authenticating a key failed: {err}");
                    return Err(GatewayError::internal(
                        "Internal error while checking the API key",
                    ));
                }
            }
        }
        tracing::debug!("rejected a request with a missing or unknown API key");
        Err(GatewayError::unauthorized())
    }
}
