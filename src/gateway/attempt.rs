//! One try of a request on one upstream key: the request in that key's protocol, sent.

use std::sync::Arc;

use axum::body::Bytes;
use futures_util::StreamExt as _;
use relay::anthropic::{ErrorType, MessagesRequest};
use relay::tool_names::ToolNameMap;
use serde_json::Value;
use store::upstream_keys::Provider;

use super::endpoints::{ANTHROPIC_VERSION, authorize, generate_url};
use super::error::GatewayError;
use super::pool::classify::{Failure, parse_retry_after};
use super::routing::ChosenKey;
use super::upstream::check_literal_host;
use crate::app::AppState;

/// Most of an upstream error body read into the message.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// What the client sent beyond the body, for Anthropic upstreams.
#[derive(Debug, Clone, Default)]
pub struct ClientHeaders {
    pub anthropic_version: Option<String>,
    pub anthropic_beta: Option<String>,
}

/// The request in the key's protocol.
pub enum Wire {
    OpenAi {
        body: Value,
        tool_names: ToolNameMap,
    },
    Gemini {
        body: Value,
        tool_names: ToolNameMap,
    },
    /// The client's bytes (model replaced when mapped, foreign thinking stripped).
    Anthropic { body: Bytes, headers: ClientHeaders },
}

pub struct Attempt {
    pub request: Arc<MessagesRequest>,
    pub key: ChosenKey,
    pub url: reqwest::Url,
    pub wire: Wire,
    pub input_estimate: u64,
}

impl Attempt {
    pub fn provider_label(&self) -> String {
        format!("upstream {}", self.key.key.name)
    }
}

/// Builds the attempt for `key`: `target` is the model to ask for, `raw` the client's body.
pub fn prepare(
    state: &AppState,
    request: &Arc<MessagesRequest>,
    raw: &Bytes,
    headers: &ClientHeaders,
    target: &str,
    key: ChosenKey,
    input_estimate: u64,
) -> Result<Attempt, GatewayError> {
    let stream = request.stream.unwrap_or(false);
    let url = generate_url(key.key.provider, &key.key.base_url, target, stream);
    let url = reqwest::Url::parse(&url).map_err(|_| {
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
    let wire = match key.key.provider {
        Provider::Openai => {
            let quirks = relay::openai::quirks::quirks_for(&key.key.base_url, target);
            let t = relay::openai::request::translate_request(request, target, &quirks);
            Wire::OpenAi {
                body: t.body,
                tool_names: t.tool_names,
            }
        }
        Provider::Gemini => {
            let t = relay::gemini::request::translate_request(request, target);
            Wire::Gemini {
                body: t.body,
                tool_names: t.tool_names,
            }
        }
        Provider::Anthropic => {
            let foreign = |s: &str| {
                relay::openai::stream::is_synthetic_signature(s)
                    || relay::gemini::is_gemini_signature(s)
            };
            let mut body = relay::anthropic::passthrough::strip_foreign_thinking(raw, foreign)
                .map_or_else(|| raw.clone(), Bytes::from);
            if target != request.model {
                body = relay::anthropic::passthrough::replace_model(&body, target)
                    .map(Bytes::from)
                    .unwrap_or(body);
            }
            Wire::Anthropic {
                body,
                headers: headers.clone(),
            }
        }
    };
    Ok(Attempt {
        request: request.clone(),
        key,
        url,
        wire,
        input_estimate,
    })
}

/// Sends the attempt; a non-success answer comes back as the failure it is and the error
/// the client would get.
pub async fn call(
    state: &AppState,
    attempt: &Attempt,
) -> Result<reqwest::Response, (Failure, GatewayError)> {
    let secret = &attempt.key.secret;
    let builder = authorize(
        state.http.post(attempt.url.clone()),
        attempt.key.key.provider,
        secret,
    );
    let builder = match &attempt.wire {
        Wire::OpenAi { body, .. } | Wire::Gemini { body, .. } => builder.json(body),
        Wire::Anthropic { body, headers } => {
            let mut b = builder.header("content-type", "application/json").header(
                "anthropic-version",
                headers
                    .anthropic_version
                    .as_deref()
                    .unwrap_or(ANTHROPIC_VERSION),
            );
            if let Some(beta) = &headers.anthropic_beta {
                b = b.header("anthropic-beta", beta);
            }
            b.body(body.clone())
        }
    };
    let provider = attempt.provider_label();
    let response = match builder.send().await {
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
    let (mapped, error_body) =
        relay::openai::error::upstream_error(status.as_u16(), &body, &provider);
    let failure = Failure::Status {
        status: status.as_u16(),
        message: error_body.error.message.clone(),
        retry_after: retry_after.as_deref().and_then(parse_retry_after),
    };
    let mut err = GatewayError::from_body(mapped, error_body);
    err.retry_after = retry_after;
    Err((failure, err))
}

pub fn transport_error(provider: &str, err: reqwest::Error) -> GatewayError {
    // Never the URL: it is the user's, but errors may end up in shared logs.
    let err = err.without_url();
    let what = if err.is_timeout() {
        "did not answer in time"
    } else if err.is_connect() {
        "could not be reached"
    } else {
        "failed"
    };
    let detail = super::endpoints::with_causes(err.to_string(), &err);
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
