//! A successful upstream answer, handed to the client in the shape it asked for:
//! translated streams chunk by chunk, whole answers at once, Anthropic answers unchanged.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use relay::anthropic::passthrough::UsageSniffer;
use relay::anthropic::{ErrorBody, ErrorType, MessagesResponse, StreamEvent, Usage};
use relay::gemini::GeminiStreamTranslator;
use relay::openai::stream::StreamTranslator;
use tokio::sync::mpsc;

use super::attempt::{Attempt, Wire, transport_error};
use super::error::GatewayError;
use super::pool::classify::{Failure, Verdict, classify};
use super::record::Record;
use crate::app::AppState;

/// A ping goes out after this much silence, so proxies and the client keep the stream.
const PING_AFTER: Duration = Duration::from_secs(15);

pub async fn deliver(
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
    if matches!(attempt.wire, Wire::Anthropic { .. }) {
        return passthrough(state, attempt, response, record, is_sse).await;
    }
    match (wants_stream, is_sse) {
        (true, true) => stream(state, attempt, response, record),
        // Some servers ignore `stream: true` and answer whole: the client still gets a stream.
        (true, false) => complete(state, attempt, response, record, true).await,
        (false, _) => complete(state, attempt, response, record, false).await,
    }
}

/// An upstream that answered with something unusable counts against the key.
fn bad_answer() -> Verdict {
    classify(&Failure::Status {
        status: 502,
        message: String::new(),
        retry_after: None,
    })
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

async fn complete(
    state: AppState,
    attempt: Attempt,
    response: reqwest::Response,
    mut record: Record,
    as_events: bool,
) -> Response {
    let key_id = attempt.key.key.id;
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(err) => {
            let failure = if err.is_timeout() {
                Failure::Timeout
            } else {
                Failure::Connect
            };
            let err = transport_error(&attempt.provider_label(), err);
            state
                .pools
                .failed(key_id, &classify(&failure), err.message(), now());
            state
                .logs
                .record(record.failed(err.status, err.kind(), err.message()));
            return err.into_response();
        }
    };
    let model = &attempt.request.model;
    let translated: Result<MessagesResponse, ErrorBody> = match &attempt.wire {
        Wire::OpenAi { tool_names, .. } => relay::openai::response::translate_response(
            &body,
            model,
            tool_names,
            attempt.input_estimate,
        ),
        Wire::Gemini { tool_names, .. } => relay::gemini::response::translate_response(
            &body,
            model,
            tool_names,
            attempt.input_estimate,
        ),
        Wire::Anthropic { .. } => unreachable!("Anthropic answers are passed through"),
    };
    match translated {
        Ok(message) => {
            state.pools.succeeded(key_id, now());
            record.usage(&message.usage);
            state.logs.record(record.succeeded(200));
            if as_events {
                let text: String = message
                    .to_events()
                    .iter()
                    .map(StreamEvent::to_sse)
                    .collect();
                sse_response(Body::from(text))
            } else {
                (StatusCode::OK, axum::Json(message)).into_response()
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

/// The stream translators of the translated protocols, behind one face.
enum Translator {
    OpenAi(StreamTranslator),
    Gemini(GeminiStreamTranslator),
}

macro_rules! each {
    ($self:ident, $t:ident => $e:expr) => {
        match $self {
            Translator::OpenAi($t) => $e,
            Translator::Gemini($t) => $e,
        }
    };
}

impl Translator {
    fn start(&mut self) -> Vec<StreamEvent> {
        each!(self, t => t.start())
    }
    fn push(&mut self, bytes: &[u8]) -> Vec<StreamEvent> {
        each!(self, t => t.push(bytes))
    }
    fn finish(&mut self) -> Vec<StreamEvent> {
        each!(self, t => t.finish())
    }
    fn abort(&mut self, reason: &str) -> Vec<StreamEvent> {
        each!(self, t => t.abort(reason))
    }
    fn usage(&self) -> Usage {
        each!(self, t => t.usage())
    }
    fn error_message(&self) -> Option<String> {
        each!(self, t => t.error_message())
    }
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
    sse_response(body_from(rx))
}

fn body_from(rx: mpsc::Receiver<Bytes>) -> Body {
    Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, Infallible>(chunk), rx))
    }))
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
    let model = attempt.request.model.clone();
    let label = attempt.provider_label();
    let mut translator = match attempt.wire {
        Wire::OpenAi { tool_names, .. } => Translator::OpenAi(
            StreamTranslator::new(model, attempt.input_estimate, tool_names).with_provider(&label),
        ),
        Wire::Gemini { tool_names, .. } => Translator::Gemini(
            GeminiStreamTranslator::new(model, attempt.input_estimate, tool_names)
                .with_provider(&label),
        ),
        Wire::Anthropic { .. } => unreachable!("Anthropic answers are passed through"),
    };
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
    finish_stream(
        &state,
        attempt.key.key.id,
        record,
        client_gone,
        translator.error_message(),
    );
}

/// Accounts for a finished stream: in the key's health and in the log.
fn finish_stream(
    state: &AppState,
    key_id: uuid::Uuid,
    record: Record,
    client_gone: bool,
    error: Option<String>,
) {
    let entry = if client_gone {
        // The upstream was answering: the key is fine.
        state.pools.succeeded(key_id, now());
        record.failed(
            499,
            ErrorType::InvalidRequestError,
            "the client closed the connection",
        )
    } else if let Some(message) = error {
        // Bytes already reached the client, so no retry; the key answered badly.
        state.pools.failed(key_id, &bad_answer(), &message, now());
        record.failed(200, ErrorType::ApiError, &message)
    } else {
        state.pools.succeeded(key_id, now());
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

/// An Anthropic upstream's answer goes back byte for byte; usage is read on the way.
async fn passthrough(
    state: AppState,
    attempt: Attempt,
    response: reqwest::Response,
    mut record: Record,
    is_sse: bool,
) -> Response {
    let key_id = attempt.key.key.id;
    if !is_sse {
        let status = response.status();
        return match response.bytes().await {
            Ok(body) => {
                let mut sniffer = UsageSniffer::default();
                sniffer.whole(&body);
                record.usage(&sniffer.usage);
                state.pools.succeeded(key_id, now());
                state.logs.record(record.succeeded(status.as_u16()));
                (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
            }
            Err(err) => {
                let err = transport_error(&attempt.provider_label(), err);
                state
                    .pools
                    .failed(key_id, &bad_answer(), err.message(), now());
                state
                    .logs
                    .record(record.failed(err.status, err.kind(), err.message()));
                err.into_response()
            }
        };
    }
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    tokio::spawn(async move {
        let mut sniffer = UsageSniffer::default();
        let mut upstream = response.bytes_stream();
        let mut client_gone = false;
        let mut broke = None;
        loop {
            tokio::select! {
                chunk = upstream.next() => match chunk {
                    Some(Ok(bytes)) => {
                        sniffer.push(&bytes);
                        if tx.send(bytes).await.is_err() {
                            client_gone = true;
                            break;
                        }
                    }
                    Some(Err(err)) => {
                        let message = format!("{}: the upstream stream broke: {}", attempt.provider_label(), err.without_url());
                        let event = StreamEvent::Error { error: ErrorBody::new(ErrorType::ApiError, &message).error };
                        let _ = tx.send(Bytes::from(event.to_sse())).await;
                        broke = Some(message);
                        break;
                    }
                    None => break,
                },
                () = tx.closed() => {
                    client_gone = true;
                    break;
                }
            }
        }
        record.usage(&sniffer.usage);
        let error = broke.or(sniffer.error.clone()).or_else(|| {
            (!sniffer.stopped).then(|| {
                format!(
                    "{}: the stream ended before message_stop",
                    attempt.provider_label()
                )
            })
        });
        finish_stream(&state, key_id, record, client_gone, error);
    });
    sse_response(body_from(rx))
}
