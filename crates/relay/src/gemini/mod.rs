//! Anthropic Messages ⇄ Gemini native API (generativelanguage `v1beta`), protocol.md §6.
//!
//! Request side: `model` (what a model name tells: output cap, thinking control, whether
//! tool calls need thought signatures), `request` (the translation, with `contents` and
//! `parts` below it). Response side: `read` (part, finish-reason and usage readers shared by
//! both paths), `response` (complete bodies), `stream` (the SSE state machine), `models`
//! (`GET /v1beta/models`). `signature` holds the format of the thought signatures handed to
//! Claude Code.
//!
//! Errors: an upstream HTTP error goes through [`crate::openai::error::upstream_error`], which
//! already reads Gemini's `{"error":{"code","message","status"}}` bodies.

mod model;
pub mod models;
mod read;
pub mod request;
pub mod response;
mod signature;
pub mod stream;

pub use signature::{GEMINI_SIGNATURE_PREFIX, is_gemini_signature};
pub use stream::GeminiStreamTranslator;

/// The URL of a generate call: `{base}/v1beta/models/{model}:generateContent`, or
/// `…:streamGenerateContent?alt=sse` for a stream (without `alt=sse` Gemini streams one JSON
/// array instead of server-sent events). `base_url` may already end with `/v1beta`, and the
/// model may carry the `models/` prefix that `GET /v1beta/models` reports.
pub fn endpoint(base_url: &str, model: &str, stream: bool) -> String {
    let base = base_url.trim().trim_end_matches('/');
    let base = base.strip_suffix("/v1beta").unwrap_or(base);
    let model = model.trim();
    let model = model.strip_prefix("models/").unwrap_or(model);
    if stream {
        format!("{base}/v1beta/models/{model}:streamGenerateContent?alt=sse")
    } else {
        format!("{base}/v1beta/models/{model}:generateContent")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_for_plain_and_versioned_base_urls() {
        let expected = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent";
        for base in [
            "https://generativelanguage.googleapis.com",
            "https://generativelanguage.googleapis.com/",
            "https://generativelanguage.googleapis.com/v1beta",
            " https://generativelanguage.googleapis.com/v1beta/ ",
        ] {
            assert_eq!(endpoint(base, "gemini-2.5-pro", false), expected, "{base}");
        }
        assert_eq!(
            endpoint(
                "http://127.0.0.1:9000/gemini",
                "models/gemini-3-pro-preview",
                true
            ),
            "http://127.0.0.1:9000/gemini/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse"
        );
    }
}
