//! Upstream errors → Anthropic errors (protocol §2.2). Claude Code and the SDKs decide on
//! retries by status and `error.type`, so the mapping matters: 429/500/529 are retried, 401 is
//! retried for minutes, a 400 is retried with features removed.
//!
//! Status mapping: 400/401/403/404/413/429 kept; 402 (payment or quota) stays 402 with
//! `permission_error`, since `billing_error` is not among our error types and the request
//! itself is fine (a 400 would make Claude Code strip features and retry); 503, 529, a 5xx
//! saying "overloaded" or Gemini's `UNAVAILABLE` → 529 `overloaded_error`; 408 and other 5xx →
//! 500 `api_error`; other 4xx → 400 `invalid_request_error`.
//!
//! The message is the upstream's own text (OpenAI `{"error":{"message"}}`, Gemini
//! `{"error":{"message","status"}}`, OpenRouter's `metadata.raw`, FastAPI `{"detail"}`, HTML
//! title or plain text), cut to about 500 characters, with anything that looks like a key
//! masked, prefixed with the provider name. Context-overflow messages also get Anthropic's
//! wording, "prompt is too long", which is what Claude Code looks for to compact.

use serde_json::Value;

use crate::anthropic::{ErrorBody, ErrorType};

const MAX_MESSAGE_CHARS: usize = 500;

/// Maps an upstream HTTP error to the status and body to return to the client.
pub fn upstream_error(status: u16, body: &[u8], provider: &str) -> (u16, ErrorBody) {
    let found = from_body(body);
    let (status_out, kind) = classify(status, &found);
    let mut text = found.message;
    if text.is_empty() {
        text = format!("HTTP {status} with an empty body");
    }
    let message = finish_message(
        &format!("{provider} returned HTTP {status}: {text}"),
        status_out,
        found.code.as_deref(),
    );
    (status_out, ErrorBody::new(kind, message))
}

/// An error object inside a 200 response (a stream chunk or a JSON body with top-level
/// `error`): its numeric `code` is used as the status when it is an HTTP error status.
pub(crate) fn in_band_error(error: &Value, provider: &str) -> ErrorBody {
    let found = from_error_value(error);
    let code = error
        .get("code")
        .and_then(Value::as_u64)
        .and_then(|c| u16::try_from(c).ok());
    let status = code.filter(|c| (400..=599).contains(c)).unwrap_or(500);
    let (status_out, kind) = classify(status, &found);
    let text = if found.message.is_empty() {
        "error without a message".to_owned()
    } else {
        found.message
    };
    ErrorBody::new(
        kind,
        finish_message(
            &format!("{provider}: {text}"),
            status_out,
            found.code.as_deref(),
        ),
    )
}

#[derive(Debug, Default)]
struct Found {
    message: String,
    /// Gemini's status name (`UNAVAILABLE`, `RESOURCE_EXHAUSTED`…).
    status: Option<String>,
    /// OpenAI's `code` / `type` (`context_length_exceeded`, `insufficient_quota`…).
    code: Option<String>,
}

fn classify(status: u16, found: &Found) -> (u16, ErrorType) {
    let overloaded = found.status.as_deref() == Some("UNAVAILABLE")
        || found.message.to_ascii_lowercase().contains("overloaded");
    match status {
        401 => (401, ErrorType::AuthenticationError),
        402 => (402, ErrorType::PermissionError),
        403 => (403, ErrorType::PermissionError),
        404 => (404, ErrorType::NotFoundError),
        413 => (413, ErrorType::RequestTooLarge),
        429 => (429, ErrorType::RateLimitError),
        503 | 529 => (529, ErrorType::OverloadedError),
        500..=599 if overloaded => (529, ErrorType::OverloadedError),
        408 | 500..=599 => (500, ErrorType::ApiError),
        // 400 itself, 409, 422…: the client's request, as far as Claude Code can tell.
        400..=499 => (400, ErrorType::InvalidRequestError),
        // Not an error status at all, yet handed here as a failure.
        _ => (500, ErrorType::ApiError),
    }
}

fn from_body(body: &[u8]) -> Found {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return Found::default();
    }
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Found {
            message: plain_text(text),
            ..Found::default()
        };
    };
    // Gemini's OpenAI endpoint sometimes wraps the error in a one-element array.
    let value = match &value {
        Value::Array(items) if !items.is_empty() => &items[0],
        other => other,
    };
    if let Some(error) = value.get("error").filter(|e| !e.is_null()) {
        return from_error_value(error);
    }
    for key in ["message", "detail", "msg"] {
        if let Some(message) = value.get(key).and_then(Value::as_str) {
            return Found {
                message: message.to_owned(),
                ..Found::default()
            };
        }
    }
    Found {
        message: value.to_string(),
        ..Found::default()
    }
}

fn from_error_value(error: &Value) -> Found {
    if let Some(message) = error.as_str() {
        return Found {
            message: message.to_owned(),
            ..Found::default()
        };
    }
    let str_field = |key: &str| {
        error
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut message = str_field("message").unwrap_or_else(|| error.to_string());
    // OpenRouter: "Provider returned error" with the provider's own text in metadata.raw.
    if let Some(raw) = error
        .get("metadata")
        .and_then(|m| m.get("raw"))
        .and_then(Value::as_str)
        && !raw.is_empty()
    {
        message = format!("{message} ({raw})");
    }
    let code = str_field("code").or_else(|| str_field("type"));
    Found {
        message,
        status: str_field("status"),
        code,
    }
}

/// Plain-text bodies; for an HTML error page (proxies, gateways) only its title.
fn plain_text(text: &str) -> String {
    if text.starts_with('<') {
        let lower = text.to_ascii_lowercase();
        if let (Some(start), Some(end)) = (lower.find("<title>"), lower.find("</title>"))
            && start + 7 <= end
        {
            return text[start + 7..end].trim().to_owned();
        }
    }
    text.to_owned()
}

fn finish_message(message: &str, status: u16, code: Option<&str>) -> String {
    let mut message = truncate(&redact(message));
    if matches!(status, 400 | 413) && is_context_overflow(&message, code) {
        message = format!("prompt is too long: {message}");
    }
    message
}

fn is_context_overflow(message: &str, code: Option<&str>) -> bool {
    if code == Some("context_length_exceeded") {
        return true;
    }
    let lower = message.to_ascii_lowercase();
    [
        "maximum context length",
        "context length",
        "context window",
        "prompt is too long",
        "too many tokens",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

fn truncate(message: &str) -> String {
    let mut chars = message.chars();
    let head: String = chars.by_ref().take(MAX_MESSAGE_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// Masks words that look like credentials: some upstreams echo the key they were given.
fn redact(message: &str) -> String {
    const PREFIXES: [&str; 7] = ["sk-", "sk_", "AIza", "ak-", "xai-", "gsk_", "hf_"];
    let mut out = String::with_capacity(message.len());
    let mut after_bearer = false;
    for (i, word) in message.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let token = word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_');
        let secret =
            token.len() >= 12 && (after_bearer || PREFIXES.iter().any(|p| token.starts_with(p)));
        if secret {
            out.push_str(&word.replace(token, "[redacted]"));
        } else {
            out.push_str(word);
        }
        after_bearer = word.eq_ignore_ascii_case("bearer");
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(status: u16, body: &str) -> (u16, ErrorType, String) {
        let (status, error) = upstream_error(status, body.as_bytes(), "deepseek");
        (status, error.error.kind, error.error.message)
    }

    #[test]
    fn openai_error_keeps_status_and_message() {
        let body = r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#;
        let (status, kind, message) = map(429, body);
        assert_eq!((status, kind), (429, ErrorType::RateLimitError));
        assert_eq!(message, "deepseek returned HTTP 429: Rate limit reached");
        for (code, kind) in [
            (400, ErrorType::InvalidRequestError),
            (401, ErrorType::AuthenticationError),
            (403, ErrorType::PermissionError),
            (404, ErrorType::NotFoundError),
            (413, ErrorType::RequestTooLarge),
        ] {
            let (status, mapped, _) = map(code, body);
            assert_eq!((status, mapped), (code, kind));
        }
    }

    #[test]
    fn server_errors_become_overloaded_or_api_error() {
        assert_eq!(map(503, "Service Unavailable").0, 529);
        assert_eq!(
            map(503, "Service Unavailable").1,
            ErrorType::OverloadedError
        );
        let gemini =
            r#"[{"error":{"code":500,"message":"The model is busy","status":"UNAVAILABLE"}}]"#;
        assert_eq!(
            (map(500, gemini).0, map(500, gemini).1),
            (529, ErrorType::OverloadedError)
        );
        assert!(
            map(500, gemini).2.ends_with("The model is busy"),
            "{}",
            map(500, gemini).2
        );
        let openai =
            r#"{"error":{"message":"That model is currently overloaded with other requests."}}"#;
        assert_eq!(map(500, openai).0, 529);
        assert_eq!(
            (map(502, "Bad Gateway").0, map(502, "Bad Gateway").1),
            (500, ErrorType::ApiError)
        );
        assert_eq!(map(408, "").0, 500);
        assert_eq!(
            map(408, "").2,
            "deepseek returned HTTP 408: HTTP 408 with an empty body"
        );
    }

    #[test]
    fn payment_and_other_client_errors() {
        let (status, kind, message) = map(402, r#"{"error":{"message":"Insufficient Balance"}}"#);
        assert_eq!((status, kind), (402, ErrorType::PermissionError));
        assert!(message.contains("Insufficient Balance"));
        let (status, kind, message) = map(422, r#"{"detail":"bad field"}"#);
        assert_eq!((status, kind), (400, ErrorType::InvalidRequestError));
        assert_eq!(message, "deepseek returned HTTP 422: bad field");
    }

    #[test]
    fn plain_html_and_openrouter_bodies() {
        let long = "x".repeat(2000);
        let message = map(500, &long).2;
        assert!(
            message.chars().count() <= MAX_MESSAGE_CHARS + 1,
            "{}",
            message.len()
        );
        let html = "<html><head><title>502 Bad Gateway</title></head><body>…</body></html>";
        assert_eq!(
            map(502, html).2,
            "deepseek returned HTTP 502: 502 Bad Gateway"
        );
        let openrouter = r#"{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"upstream busy"}}}"#;
        assert_eq!(
            map(429, openrouter).2,
            "deepseek returned HTTP 429: Provider returned error (upstream busy)"
        );
    }

    #[test]
    fn keys_are_never_echoed() {
        let body = r#"{"error":{"message":"Incorrect API key provided: sk-proj-abcdefghijklmnop1234. Header was Bearer abcdefghijklmnopqrstuv"}}"#;
        let message = map(401, body).2;
        assert!(!message.contains("abcdefghijklmnop"), "{message}");
        assert!(message.contains("[redacted]"), "{message}");
    }

    #[test]
    fn context_overflow_uses_anthropic_wording() {
        let body = r#"{"error":{"message":"This model's maximum context length is 128000 tokens.","code":"context_length_exceeded"}}"#;
        let (status, kind, message) = map(400, body);
        assert_eq!((status, kind), (400, ErrorType::InvalidRequestError));
        assert!(
            message.starts_with("prompt is too long: deepseek"),
            "{message}"
        );
    }

    #[test]
    fn in_band_errors_use_their_code() {
        let error = in_band_error(
            &json!({"message": "Rate limited", "code": 429}),
            "openrouter",
        );
        assert_eq!(error.error.kind, ErrorType::RateLimitError);
        assert_eq!(error.error.message, "openrouter: Rate limited");
        let error = in_band_error(
            &json!({"message": "boom", "code": "server_error"}),
            "openrouter",
        );
        assert_eq!(error.error.kind, ErrorType::ApiError);
        assert_eq!(
            in_band_error(&json!("plain"), "x").error.message,
            "x: plain"
        );
    }
}
