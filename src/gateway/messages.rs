//! `POST /v1/messages`: authenticate, parse, map the model, choose a key, translate, send,
//! and translate the answer back — streamed chunk by chunk, or whole.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use relay::anthropic::{
    ErrorType, MessagesRequest, StreamEvent, estimate_input_tokens, parse_request,
};
use relay::openai::stream::StreamTranslator;
use relay::openai::{
    error::upstream_error, quirks::quirks_for, request::translate_request,
    response::translate_response,
};
use store::model_mappings;
use tokio::sync::mpsc;

use super::auth::Caller;
use super::error::GatewayError;
use super::mapping::target_model;
use super::pool::classify::{Failure, classify, parse_retry_after};
use super::record::Record;
use super::routing::{self, ChosenKey};
use super::upstream::check_literal_host;
use crate::app::AppState;

/// A ping goes out after this much silence, so proxies and the client keep the stream.
const PING_AFTER: Duration = Duration::from_secs(15);
/// Most of an upstream error body read into the message.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn create_message(
    State(state): State<AppState>,
    Caller(owner): Caller,
    body: Bytes,
) -> Response {
    let mut record = Record::start(&owner);
    match route(&state, &owner, &body, &mut record).await {
        Ok((attempt, response)) => deliver(state, attempt, response, record).await,
        Err(err) => {
            state
                .logs
                .record(record.failed(err.status, err.kind(), err.message()));
            err.into_response()
        }
    }
}

/// One try of the request on one upstream key.
struct Attempt {
    request: Arc<MessagesRequest>,
    key: ChosenKey,
    url: reqwest::Url,
    body: serde_json::Value,
    tool_names: relay::tool_names::ToolNameMap,
    input_estimate: u64,
}

/// Parses and maps the request, then tries keys until one answers with a success status:
/// a retryable failure (no connection, no answer in time, auth, quota, rate limit, 5xx)
/// moves on to the next key, at most `NEXUS_MAX_ATTEMPTS` times. Nothing has reached the
/// client yet, so a retry is invisible to it. The last failure is what the client gets.
async fn route(
    state: &AppState,
    owner: &store::api_keys::KeyOwner,
    body: &[u8],
    record: &mut Record,
) -> Result<(Attempt, reqwest::Response), GatewayError> {
    let request = parse_request(body, true).map_err(|body| GatewayError::from_body(400, body))?;
    record.request(&request.model, request.stream.unwrap_or(false));
    let mapping = model_mappings::get(&state.pool, owner.user_id).await?;
    let target = target_model(&request.model, &mapping, &state.config.system_mapping())
        .map_err(GatewayError::invalid)?;
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
        let chosen = match routing::unlock(state, key) {
            Ok(chosen) => chosen,
            Err(err) => {
                last_error = Some(err);
                continue;
            }
        };
        record.route(&target, &chosen);
        // A key whose URL cannot be used is skipped like a failed one.
        let attempt = match prepare(state, &request, &target, chosen, input_estimate) {
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

fn prepare(
    state: &AppState,
    request: &Arc<MessagesRequest>,
    target: &str,
    key: ChosenKey,
    input_estimate: u64,
) -> Result<Attempt, GatewayError> {
    let url = chat_completions_url(&key.key.base_url).ok_or_else(|| {
        GatewayError::invalid(format!(
            "The base URL of upstream key {} is not valid",
            key.key.name
        ))
    })?;
    check_literal_host(&url, state.config.allow_private_upstreams).map_err(|why| {
        GatewayError::new(
            ErrorType::PermissionError,
            format!("Upstream key {}: {why}", key.key.name),
        )
    })?;
    let quirks = quirks_for(&key.key.base_url, target);
    let translated = translate_request(request, target, &quirks);
    Ok(Attempt {
        request: request.clone(),
        key,
        url,
        body: translated.body,
        tool_names: translated.tool_names,
        input_estimate,
    })
}

/// `{base}/chat/completions`, unless the base URL already names the endpoint.
fn chat_completions_url(base: &str) -> Option<reqwest::Url> {
    let base = base.trim_end_matches('/');
    let full = if base.ends_with("/chat/completions") {
        base.to_owned()
    } else {
        format!("{base}/chat/completions")
    };
    reqwest::Url::parse(&full).ok()
}

/// Sends the attempt; a non-success answer comes back as the failure it is and the error
/// the client would get.
async fn call(
    state: &AppState,
    attempt: &Attempt,
) -> Result<reqwest::Response, (Failure, GatewayError)> {
    let provider = format!("upstream {}", attempt.key.key.name);
    let sent = state
        .http
        .post(attempt.url.clone())
        .bearer_auth(&attempt.key.secret)
        .json(&attempt.body)
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(err) => {
            let failure = if err.is_timeout() {
                Failure::Timeout
            } else {
                Failure::Connect
            };
            return Err((failure, transport_error(&provider, err)));
        }
    };
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = read_capped(response, MAX_ERROR_BODY).await;
    let (mapped, error_body) = upstream_error(status.as_u16(), &body, &provider);
    let failure = Failure::Status {
        status: status.as_u16(),
        message: error_body.error.message.clone(),
        retry_after: retry_after.as_deref().and_then(parse_retry_after),
    };
    let mut err = GatewayError::from_body(mapped, error_body);
    err.retry_after = retry_after;
    Err((failure, err))
}

/// Hands a successful upstream answer to the client in the shape it asked for.
async fn deliver(
    state: AppState,
    attempt: Attempt,
    response: reqwest::Response,
    record: Record,
) -> Response {
    let wants_stream = attempt.request.stream.unwrap_or(false);
    let is_sse = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    match (wants_stream, is_sse) {
        (true, true) => stream(state, attempt, response, record),
        // Some servers ignore `stream: true` and answer whole: the client still gets a stream.
        (true, false) => complete(state, attempt, response, record, Shape::Events).await,
        (false, _) => complete(state, attempt, response, record, Shape::Json).await,
    }
}

fn transport_error(provider: &str, err: reqwest::Error) -> GatewayError {
    // Never the URL: it is the user's, but errors may end up in shared logs.
    let err = err.without_url();
    let what = if err.is_timeout() {
        "did not answer in time"
    } else if err.is_connect() {
        "could not be reached"
    } else {
        "failed"
    };
    let mut source = std::error::Error::source(&err);
    let mut detail = err.to_string();
    while let Some(inner) = source {
        detail = format!("{detail}: {inner}");
        source = inner.source();
    }
    let status = if err.is_timeout() { 504 } else { 502 };
    GatewayError::from_body(
        status,
        relay::anthropic::ErrorBody::new(
            ErrorType::ApiError,
            format!("The {provider} {what} ({detail})"),
        ),
    )
}

async fn read_capped(response: reqwest::Response, cap: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunks = response.bytes_stream();
    while let Some(Ok(chunk)) = chunks.next().await {
        out.extend_from_slice(&chunk[..chunk.len().min(cap - out.len())]);
        if out.len() >= cap {
            break;
        }
    }
    out
}

/// How a complete upstream answer goes to the client.
enum Shape {
    Json,
    Events,
}

async fn complete(
    state: AppState,
    attempt: Attempt,
    response: reqwest::Response,
    mut record: Record,
    shape: Shape,
) -> Response {
    let provider = format!("upstream {}", attempt.key.key.name);
    let key_id = attempt.key.key.id;
    let now = time::OffsetDateTime::now_utc;
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(err) => {
            let failure = if err.is_timeout() {
                Failure::Timeout
            } else {
                Failure::Connect
            };
            let err = transport_error(&provider, err);
            state
                .pools
                .failed(key_id, &classify(&failure), err.message(), now());
            state
                .logs
                .record(record.failed(err.status, err.kind(), err.message()));
            return err.into_response();
        }
    };
    match translate_response(
        &body,
        &attempt.request.model,
        &attempt.tool_names,
        attempt.input_estimate,
    ) {
        Ok(message) => {
            state.pools.succeeded(key_id, now());
            record.usage(&message.usage);
            state.logs.record(record.succeeded(200));
            match shape {
                Shape::Json => (StatusCode::OK, axum::Json(message)).into_response(),
                Shape::Events => {
                    let text: String = message
                        .to_events()
                        .iter()
                        .map(StreamEvent::to_sse)
                        .collect();
                    sse_response(Body::from(text))
                }
            }
        }
        Err(body) => {
            let err = GatewayError::from_body(502, body);
            state
                .pools
                .failed(key_id, &bad_answer(), err.message(), now());
            state
                .logs
                .record(record.failed(err.status, err.kind(), err.message()));
            err.into_response()
        }
    }
}

/// An upstream that answered with something unusable counts against the key.
fn bad_answer() -> super::pool::classify::Verdict {
    classify(&Failure::Status {
        status: 502,
        message: String::new(),
        retry_after: None,
    })
}

/// Streams the translation: a task reads the upstream, translates each chunk as it comes
/// and hands it to the response body. When the client goes away the body is dropped, the
/// task notices and drops the upstream response, which cancels the upstream request.
fn stream(
    state: AppState,
    attempt: Attempt,
    response: reqwest::Response,
    record: Record,
) -> Response {
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    tokio::spawn(relay_stream(state, attempt, response, record, tx));
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, Infallible>(chunk), rx))
    });
    sse_response(Body::from_stream(body))
}

fn sse_response(body: Body) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        // Tell reverse proxies (nginx) not to buffer the stream.
        .header("x-accel-buffering", "no")
        .body(body)
        .unwrap_or_else(|_| GatewayError::internal("could not start the stream").into_response())
}

async fn relay_stream(
    state: AppState,
    attempt: Attempt,
    response: reqwest::Response,
    mut record: Record,
    tx: mpsc::Sender<Bytes>,
) {
    let mut translator = StreamTranslator::new(
        attempt.request.model.clone(),
        attempt.input_estimate,
        attempt.tool_names,
    )
    .with_provider(&format!("upstream {}", attempt.key.key.name));
    let mut upstream = response.bytes_stream();
    let mut client_gone = !emit(&tx, translator.start()).await;
    let idle = tokio::time::sleep(PING_AFTER);
    tokio::pin!(idle);
    while !client_gone {
        tokio::select! {
            chunk = upstream.next() => {
                let finished = !matches!(chunk, Some(Ok(_)));
                let events = match chunk {
                    Some(Ok(bytes)) => translator.push(&bytes),
                    Some(Err(err)) => translator.abort(&format!("the upstream stream broke: {}", err.without_url())),
                    None => translator.finish(),
                };
                client_gone = !emit(&tx, events).await;
                idle.as_mut().reset(tokio::time::Instant::now() + PING_AFTER);
                if finished {
                    break;
                }
            }
            () = &mut idle => {
                client_gone = !emit(&tx, vec![StreamEvent::Ping]).await;
                idle.as_mut().reset(tokio::time::Instant::now() + PING_AFTER);
            }
            () = tx.closed() => client_gone = true,
        }
    }
    record.usage(&translator.usage());
    let now = time::OffsetDateTime::now_utc();
    let key_id = attempt.key.key.id;
    let entry = if client_gone {
        // The upstream was answering: the key is fine.
        state.pools.succeeded(key_id, now);
        record.failed(
            499,
            ErrorType::InvalidRequestError,
            "the client closed the connection",
        )
    } else if let Some(message) = translator.error_message() {
        // Bytes already reached the client, so no retry; the key answered badly.
        state.pools.failed(key_id, &bad_answer(), &message, now);
        record.failed(200, ErrorType::ApiError, &message)
    } else {
        state.pools.succeeded(key_id, now);
        record.succeeded(200)
    };
    state.logs.record(entry);
}

/// Sends events to the client; false once the client is gone.
async fn emit(tx: &mpsc::Sender<Bytes>, events: Vec<StreamEvent>) -> bool {
    if events.is_empty() {
        return !tx.is_closed();
    }
    let text: String = events.iter().map(StreamEvent::to_sse).collect();
    tx.send(Bytes::from(text)).await.is_ok()
}
