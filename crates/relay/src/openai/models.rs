//! `GET {base}/models` ("fetch models"): `{"object": "list", "data": [{"id": "…"}, …]}`.
//! Anthropic's `GET /v1/models` has the same `data[].id` shape, paged with `has_more` and
//! `last_id` ([`next_after_id`]); some compatible servers answer a bare array.

use serde_json::Value;

use super::error::in_band_error;
use crate::anthropic::{ErrorBody, ErrorType};

/// The model ids in the order listed, without duplicates and without the `models/` prefix
/// Gemini's OpenAI endpoint puts on them. An `{"error":…}` body or a body that is not a
/// model list → `Err`, with `provider` naming the upstream in the message.
pub fn parse_model_list(body: &[u8], provider: &str) -> Result<Vec<String>, ErrorBody> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let text = String::from_utf8_lossy(body);
        let head: String = text.chars().take(200).collect();
        ErrorBody::new(
            ErrorType::ApiError,
            format!("{provider}: the model list is not JSON ({e}): {head}"),
        )
    })?;
    if let Some(error) = value.get("error").filter(|e| !e.is_null()) {
        return Err(in_band_error(error, provider));
    }
    let items = match &value {
        Value::Array(items) => items,
        other => other.get("data").and_then(Value::as_array).ok_or_else(|| {
            ErrorBody::new(
                ErrorType::ApiError,
                format!("{provider}: the answer has no `data` list of models"),
            )
        })?,
    };
    let mut ids: Vec<String> = Vec::new();
    for item in items {
        let Some(id) = item.get("id").and_then(Value::as_str) else {
            continue;
        };
        let id = id.strip_prefix("models/").unwrap_or(id).trim();
        if !id.is_empty() && !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

/// Anthropic's cursor for the next page, when `has_more` says there is one.
pub fn next_after_id(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    if value.get("has_more").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    value
        .get("last_id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_ids_of_openai_anthropic_and_bare_lists() {
        let openai = br#"{"object":"list","data":[
            {"id":"gpt-5","object":"model","owned_by":"openai"},
            {"id":"models/gemini-2.5-flash","object":"model"},
            {"id":"gpt-5"},
            {"object":"model"}
        ]}"#;
        assert_eq!(
            parse_model_list(openai, "openai").expect("list"),
            vec!["gpt-5", "gemini-2.5-flash"]
        );
        let anthropic =
            br#"{"data":[{"type":"model","id":"claude-opus-4-6","display_name":"Claude Opus 4.6"}],
            "has_more":true,"first_id":"claude-opus-4-6","last_id":"claude-opus-4-6"}"#;
        assert_eq!(
            parse_model_list(anthropic, "anthropic").expect("list"),
            vec!["claude-opus-4-6"]
        );
        assert_eq!(next_after_id(anthropic).as_deref(), Some("claude-opus-4-6"));
        assert_eq!(next_after_id(openai), None);
        assert_eq!(
            parse_model_list(br#"[{"id":"local-model"}]"#, "local").expect("list"),
            vec!["local-model"]
        );
    }

    #[test]
    fn errors_and_other_bodies_are_refused() {
        let error = parse_model_list(
            br#"{"error":{"message":"Invalid API key","code":401}}"#,
            "openai",
        )
        .expect_err("error body");
        assert!(error.error.message.contains("Invalid API key"));
        let error = parse_model_list(b"<html>", "openai").expect_err("not json");
        assert!(error.error.message.contains("not JSON"));
        let error = parse_model_list(br#"{"models":[]}"#, "openai").expect_err("other shape");
        assert!(error.error.message.contains("no `data` list"));
    }
}
