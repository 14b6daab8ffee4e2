//! `POST /v1/messages`: authenticate, parse, map the model, then try the user's keys in
//! pool order until one answers; the answer goes back in the shape the client asked for.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use relay::anthropic::{estimate_input_tokens, parse_request};
use store::model_mappings;

use super::attempt::{Attempt, ClientHeaders, call, prepare};
use super::auth::Caller;
use super::deliver::deliver;
use super::error::GatewayError;
use super::mapping::target_for_key;
use super::pool::classify::classify;
use super::record::Record;
use super::routing;
use crate::app::AppState;

pub async fn create_message(
    State(state): State<AppState>,
    Caller(owner): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut record = Record::start(&owner);
    let client = ClientHeaders {
        anthropic_version: header(&headers, "anthropic-version"),
        anthropic_beta: header(&headers, "anthropic-beta"),
    };
    match route(&state, &owner, &body, &client, &mut record).await {
        Ok((attempt, response)) => deliver(state, attempt, response, record).await,
        Err(err) => {
            state
                .logs
                .record(record.failed(err.status, err.kind(), err.message()));
            err.into_response()
        }
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Parses and maps the request, then tries keys until one answers with a success status:
/// a retryable failure (no connection, no answer in time, auth, quota, rate limit, 5xx)
/// moves on to the next key, at most `NEXUS_MAX_ATTEMPTS` times, across provider kinds.
/// Nothing has reached the client yet, so a retry is invisible to it. The last failure is
/// what the client gets.
async fn route(
    state: &AppState,
    owner: &store::api_keys::KeyOwner,
    body: &Bytes,
    client: &ClientHeaders,
    record: &mut Record,
) -> Result<(Attempt, reqwest::Response), GatewayError> {
    let request = parse_request(body, true).map_err(|body| GatewayError::from_body(400, body))?;
    record.request(&request.model, request.stream.unwrap_or(false));
    let mapping = model_mappings::get(&state.pool, owner.user_id).await?;
    let system = state.config.system_mapping();
    let pool = routing::load_pool(state, owner.user_id).await?;
    let request = Arc::new(request);
    let input_estimate = estimate_input_tokens(&request);
    let mut tried = HashSet::new();
    let mut last_error = None;
    for _ in 0..state.pools.max_attempts {
        let now = time::OffsetDateTime::now_utc();
        let Some(key) = state
            .pools
            .choose(owner.user_id, pool.strategy, &pool.keys, &tried, now)
        else {
            break;
        };
        tried.insert(key.id);
        // A key that cannot serve this request (no mapping for its kind, unusable URL,
        // undecryptable secret) is skipped like a failed one.
        let attempt = target_for_key(key.provider, &request.model, &mapping, &system)
            .map_err(GatewayError::invalid)
            .and_then(|target| {
                let chosen = routing::unlock(state, key)?;
                record.route(&target, &chosen);
                prepare(
                    state,
                    &request,
                    body,
                    client,
                    &target,
                    chosen,
                    input_estimate,
                )
            });
        let attempt = match attempt {
            Ok(attempt) => attempt,
            Err(err) => {
                last_error = Some(err);
                continue;
            }
        };
        match call(state, &attempt).await {
            Ok(response) => {
                record.first_byte();
                return Ok((attempt, response));
            }
            Err((failure, err)) => {
                let verdict = classify(&failure);
                state.pools.failed(
                    attempt.key.key.id,
                    &verdict,
                    err.message(),
                    time::OffsetDateTime::now_utc(),
                );
                if !verdict.retry {
                    return Err(err);
                }
                tracing::info!(key = %attempt.key.key.name, status = err.status, "upstream failed; trying the next key");
                last_error = Some(err);
            }
        }
    }
    Err(last_error.unwrap_or_else(routing::no_key))
}
