//! `POST /v1/messages/count_tokens`. When the user's first key is an Anthropic one, its own
//! endpoint counts (exactly); otherwise, or when it fails, a local estimate answers —
//! cheap enough for the bursts Claude Code sends (about 25 at once for `/context`). Never
//! a 404: the client would then guess.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use relay::anthropic::{estimate_input_tokens, parse_request};
use serde_json::{Value, json};
use store::upstream_keys::Provider;

use super::auth::Caller;
use super::error::GatewayError;
use super::routing;
use super::upstream::check_literal_host;
use crate::app::AppState;

pub async fn count_tokens(
    State(state): State<AppState>,
    Caller(owner): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, GatewayError> {
    let request = parse_request(&body, false).map_err(|body| GatewayError::from_body(400, body))?;
    if let Some(counted) = count_upstream(&state, owner.user_id, &headers, &body).await {
        return Ok(Json(counted));
    }
    Ok(Json(
        json!({ "input_tokens": estimate_input_tokens(&request) }),
    ))
}

/// Asks the user's first key when it is an Anthropic one; `None` on any failure.
async fn count_upstream(
    state: &AppState,
    user_id: uuid::Uuid,
    headers: &HeaderMap,
    body: &Bytes,
) -> Option<Value> {
    let pool = routing::load_pool(state, user_id).await.ok()?;
    let key = pool.keys.iter().find(|k| {
        k.cooldown_until
            .is_none_or(|t| t <= time::OffsetDateTime::now_utc())
    })?;
    if key.provider != Provider::Anthropic {
        return None;
    }
    let chosen = routing::unlock(state, key).ok()?;
    let base = chosen.key.base_url.trim_end_matches('/');
    let base = base.strip_suffix("/v1").unwrap_or(base);
    let url = reqwest::Url::parse(&format!("{base}/v1/messages/count_tokens")).ok()?;
    check_literal_host(&url, state.config.allow_private_upstreams).ok()?;
    let version = headers
        .get("anthropic-version")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("2023-06-01");
    let mut request = state
        .http
        .post(url)
        .header("x-api-key", &chosen.secret)
        .bearer_auth(&chosen.secret)
        .header("anthropic-version", version)
        .header("content-type", "application/json")
        .body(body.clone());
    if let Some(beta) = headers.get("anthropic-beta").and_then(|v| v.to_str().ok()) {
        request = request.header("anthropic-beta", beta);
    }
    let response = request.send().await.ok()?;
    if !response.status().is_success() {
        tracing::debug!(status = %response.status(), "upstream count_tokens failed; estimating locally");
        return None;
    }
    let counted: Value = response.json().await.ok()?;
    counted["input_tokens"].is_u64().then_some(counted)
}
