//! `GET /v1/models` and `GET /v1/models/{id}`: the Claude model names a user can ask for,
//! in Anthropic's list shape. Every Claude family maps to one of the user's targets, so
//! these are the current Claude models Claude Code knows; names outside the list work too.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Caller;
use super::error::GatewayError;
use super::mapping::target_model;
use crate::app::AppState;

/// (id, display name, release date).
const MODELS: [(&str, &str, &str); 8] = [
    ("claude-opus-5-5", "Claude Opus 5.5", "2026-09-01T00:00:00Z"),
    (
        "claude-sonnet-5-5",
        "Claude Sonnet 5.5",
        "2026-09-01T00:00:00Z",
    ),
    (
        "claude-haiku-5-5",
        "Claude Haiku 5.5",
        "2026-09-01T00:00:00Z",
    ),
    (
        "claude-fable-5-2",
        "Claude Fable 5.2",
        "2026-07-01T00:00:00Z",
    ),
    (
        "claude-opus-4-1-20250805",
        "Claude Opus 4.1",
        "2025-08-05T00:00:00Z",
    ),
    (
        "claude-sonnet-4-5-20250929",
        "Claude Sonnet 4.5",
        "2025-09-29T00:00:00Z",
    ),
    (
        "claude-haiku-4-5-20251001",
        "Claude Haiku 4.5",
        "2025-10-01T00:00:00Z",
    ),
    (
        "claude-3-5-haiku-20241022",
        "Claude Haiku 3.5",
        "2024-10-22T00:00:00Z",
    ),
];

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    before_id: Option<String>,
    after_id: Option<String>,
    limit: Option<usize>,
}

fn model(id: &str, name: &str, created: &str) -> Value {
    json!({ "type": "model", "id": id, "display_name": name, "created_at": created })
}

/// The models whose family maps to a target for this user.
async fn usable(state: &AppState, user_id: uuid::Uuid) -> Result<Vec<Value>, GatewayError> {
    let mapping = store::model_mappings::get(&state.pool, user_id).await?;
    let system = state.config.system_mapping();
    Ok(MODELS
        .iter()
        .filter(|(id, ..)| target_model(id, &mapping, &system).is_ok())
        .map(|(id, name, created)| model(id, name, created))
        .collect())
}

pub async fn list(
    State(state): State<AppState>,
    Caller(owner): Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, GatewayError> {
    let limit = query.limit.unwrap_or(20);
    if !(1..=1000).contains(&limit) {
        return Err(GatewayError::invalid("limit: must be between 1 and 1000"));
    }
    let all = usable(&state, owner.user_id).await?;
    let position = |id: &str| all.iter().position(|m| m["id"] == id);
    let (start, end) = match (&query.after_id, &query.before_id) {
        (Some(after), _) => {
            let start = position(after).map(|i| i + 1).unwrap_or(all.len());
            (start, (start + limit).min(all.len()))
        }
        (None, Some(before)) => {
            let end = position(before).unwrap_or(0);
            (end.saturating_sub(limit), end)
        }
        (None, None) => (0, limit.min(all.len())),
    };
    let page = &all[start..end];
    Ok(Json(json!({
        "data": page,
        "has_more": end < all.len(),
        "first_id": page.first().map(|m| m["id"].clone()),
        "last_id": page.last().map(|m| m["id"].clone()),
    })))
}

pub async fn get(
    State(state): State<AppState>,
    Caller(owner): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GatewayError> {
    usable(&state, owner.user_id)
        .await?
        .into_iter()
        .find(|m| m["id"] == id.as_str())
        .map(Json)
        .ok_or_else(|| {
            GatewayError::new(
                relay::anthropic::ErrorType::NotFoundError,
                format!("model: {id}"),
            )
        })
}
