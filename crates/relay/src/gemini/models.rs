//! `GET {base}/v1beta/models` ("fetch models"): `{"models": [{"name": "models/…",
//! "supportedGenerationMethods": […], …}], "nextPageToken": "…"}`. Ask with
//! `?pageSize=1000` (the maximum) and follow [`next_page_token`] for the rest.

use serde_json::Value;

use crate::anthropic::{ErrorBody, ErrorType};
use crate::openai::error::in_band_error;

/// The ids of the models that can generate content, without the `models/` prefix, in the
/// order listed. Embedding, AQA and other models whose `supportedGenerationMethods` lack
/// `generateContent` are left out; a model without that list (some proxies omit it) is kept,
/// since nothing says it cannot chat. An `{"error":…}` body or a body that is not a model
/// list → `Err`.
pub fn parse_model_list(body: &[u8]) -> Result<Vec<String>, ErrorBody> {
    let value = parse(body)?;
    let Some(models) = value.get("models") else {
        // An account without models gets `{}`.
        return if value.as_object().is_some_and(|o| o.is_empty()) {
            Ok(Vec::new())
        } else {
            Err(ErrorBody::new(
                ErrorType::ApiError,
                "gemini: the model list has no `models` array",
            ))
        };
    };
    let models = models
        .as_array()
        .ok_or_else(|| ErrorBody::new(ErrorType::ApiError, "gemini: `models` is not an array"))?;
    let mut ids: Vec<String> = Vec::new();
    for model in models {
        let Some(name) = model.get("name").and_then(Value::as_str) else {
            continue;
        };
        let id = name.strip_prefix("models/").unwrap_or(name).trim();
        let generates = match model.get("supportedGenerationMethods") {
            Some(Value::Array(methods)) => methods.iter().any(|m| m == "generateContent"),
            _ => true,
        };
        if generates && !id.is_empty() && !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

/// The token for the next page, when the list continues.
pub fn next_page_token(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value
        .get("nextPageToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn parse(body: &[u8]) -> Result<Value, ErrorBody> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let text = String::from_utf8_lossy(body);
        let head: String = text.chars().take(200).collect();
        ErrorBody::new(
            ErrorType::ApiError,
            format!("gemini: the model list is not JSON ({e}): {head}"),
        )
    })?;
    match value.get("error").filter(|e| !e.is_null()) {
        Some(error) => Err(in_band_error(error, "gemini")),
        None => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of a real `GET /v1beta/models` page (fields trimmed).
    const PAGE: &str = r#"{
      "models": [
        {"name": "models/embedding-001", "version": "001", "displayName": "Embedding 001",
         "inputTokenLimit": 2048, "outputTokenLimit": 1, "supportedGenerationMethods": ["embedContent"]},
        {"name": "models/gemini-2.5-flash", "version": "001", "displayName": "Gemini 2.5 Flash",
         "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
         "supportedGenerationMethods": ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"],
         "temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2, "thinking": true},
        {"name": "models/gemini-3-pro-preview", "supportedGenerationMethods": ["generateContent", "countTokens"]},
        {"name": "models/aqa", "supportedGenerationMethods": ["generateAnswer"]},
        {"name": "models/gemini-2.5-flash", "supportedGenerationMethods": ["generateContent"]},
        {"name": "proxy-model"},
        {"displayName": "no name"}
      ],
      "nextPageToken": "Ch5tb2RlbHMvZ2VtaW5pLTIuNS1mbGFzaA=="
    }"#;

    #[test]
    fn lists_generating_models_without_prefix() {
        let ids = parse_model_list(PAGE.as_bytes()).expect("parses");
        assert_eq!(
            ids,
            vec!["gemini-2.5-flash", "gemini-3-pro-preview", "proxy-model"]
        );
        assert_eq!(
            next_page_token(PAGE.as_bytes()).as_deref(),
            Some("Ch5tb2RlbHMvZ2VtaW5pLTIuNS1mbGFzaA==")
        );
        assert_eq!(next_page_token(br#"{"models": []}"#), None);
        assert_eq!(
            parse_model_list(b"{}").expect("empty"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn errors_are_mapped() {
        let body = br#"{"error": {"code": 403, "message": "Method doesn't allow unregistered callers.", "status": "PERMISSION_DENIED"}}"#;
        let error = parse_model_list(body).expect_err("error body");
        assert_eq!(error.error.kind, ErrorType::PermissionError);
        assert!(error.error.message.contains("unregistered callers"));
        let error = parse_model_list(b"<html>").expect_err("not json");
        assert_eq!(error.error.kind, ErrorType::ApiError);
        let error = parse_model_list(br#"{"data": []}"#).expect_err("not a model list");
        assert_eq!(error.error.kind, ErrorType::ApiError);
    }
}
