//! `POST /v1/messages`: authenticate, parse, map the model, choose a key, translate, send,
//! and translate the answer back — streamed chunk by chunk, or whole.

use std::convert::Infallible;
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
    match prepare(&state, &owner, &body, &mut record).await {
        Ok(prepared) => send(state, prepared, record).await,
        Err(err) => {
            state
                .logs
                .record(record.failed(err.status, err.kind(), err.message()));
            err.into_response()
        }
    }
}

/// Everything decided before the upstream is called.
struct Prepared {
    request: MessagesRequest,
    key: ChosenKey,
    url: reqwest::Url,
    body: serde_json::Value,
    tool_names: relay::tool_names::ToolNameMap,
    input_estimate: u64,
}

async fn prepare(
    state: &AppState,
    owner: &store::api_keys::KeyOwner,
    body: &[u8],
    record: &mut Record,
) -> Result<Prepared, GatewayError> {
    let request = parse_request(body, true).map_err(|body| GatewayError::from_body(400, body))?;
    record.request(&request.model, request.stream.unwrap_or(false));
    let mapping = model_mappings::get(&state.pool, owner.user_id).await?;
    let target = target_model(&request.model, &mapping, &state.config.system_mapping())
        .map_err(GatewayError::invalid)?;
    let key = routing::choose(state, owner.user_id).await?;
    record.route(&target, &key);
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
    let quirks = quirks_for(&key.key.base_url, &target);
    let translated = translate_request(&request, &target, &quirks);
    let input_estimate = estimate_input_tokens(&request);
    Ok(Prepared {
        request,
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

async fn send(state: AppState, prepared: Prepared, mut record: Record) -> Response {
    let provider = format!("upstream {}", prepared.key.key.name);
    let sent = state
        .http
        .post(prepared.url.clone())
        .bearer_auth(&prepared.key.secret)
        .json(&prepared.body)
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(err) => {
            let err = transport_error(&provider, err);
            state
                .logs
                .record(record.failed(err.status, err.kind(), err.message()));
            return err.into_response();
        }
    };
    record.first_byte();
    let status = response.status();
    if !status.is_success() {
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_capped(response, MAX_ERROR_BODY).await;
        let (status, body) = upstream_error(status.as_u16(), &body, &provider);
        let mut err = GatewayError::from_body(status, body);
        err.retry_after = retry_after;
        state
            .logs
            .record(record.failed(err.status, err.kind(), err.message()));
        return err.into_response();
    }
    let wants_stream = prepared.request.stream.unwrap_or(false);
    let is_sse = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    match (wants_stream, is_sse) {
        (true, true) => stream(state, prepared, response, record),
        // Some servers ignore `stream: true` and answer whole: the client still gets a stream.
        (true, false) => {
            complete(state, prepared, response, record, &provider, Shape::Events).await
        }
        (false, _) => complete(state, prepared, response, record, &provider, Shape::Json).await,
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
    prepared: Prepared,
    response: reqwest::Response,
    mut record: Record,
    provider: &str,
    shape: Shape,
) -> Response {
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(err) => {
            let err = transport_error(provider, err);
            state
                .logs
                .record(record.failed(err.status, err.kind(), err.message()));
            return err.into_response();
        }
    };
    match translate_response(
        &body,
        &prepared.request.model,
        &prepared.tool_names,
        prepared.input_estimate,
    ) {
        Ok(message) => {
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
                .logs
                .record(record.failed(err.status, err.kind(), err.message()));
            err.into_response()
        }
    }
}

/// Streams the translation: a task reads the upstream, translates each chunk as it comes
/// and hands it to the response body. When the client goes away the body is dropped, the
/// task notices and drops the upstream response, which cancels the upstream request.
fn stream(
    state: AppState,
    prepared: Prepared,
    response: reqwest::Response,
    record: Record,
) -> Response {
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    tokio::spawn(relay_stream(state, prepared, response, record, tx));
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
    prepared: Prepared,
    response: reqwest::Response,
    mut record: Record,
    tx: mpsc::Sender<Bytes>,
) {
    let mut translator = StreamTranslator::new(
        prepared.request.model.clone(),
        prepared.input_estimate,
        prepared.tool_names,
    )
    .with_provider(&format!("upstream {}", prepared.key.key.name));
    let mut upstream = response.bytes_stream();
    let mut client_gone = !emit(&tx, translator.start()).await;
    let idle = tokio::time::sleep(PING_AFTER);
    tokio::pin!(idle);
    let mut upstream_error: Option<String> = None;
    while !client_gone {
        tokio::select! {
            chunk = upstream.next() => {
                let finished = !matches!(chunk, Some(Ok(_)));
                let events = match chunk {
                    Some(Ok(bytes)) => translator.push(&bytes),
                    Some(Err(err)) => {
                        let reason = format!("the upstream stream broke: {}", err.without_url());
                        let events = translator.abort(&reason);
                        upstream_error = Some(reason);
                        events
                    }
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
    let entry = if client_gone {
        record.failed(
            499,
            ErrorType::InvalidRequestError,
            "the client closed the connection",
        )
    } else if let Some(message) = translator.error_message().or(upstream_error) {
        record.failed(200, ErrorType::ApiError, &message)
    } else {
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
