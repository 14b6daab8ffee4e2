//! A complete (non-streaming) OpenAI Chat Completions body → Anthropic Messages response
//! (protocol §5). Blocks come in Anthropic's order: thinking, text, tool_use.
//!
//! Field readers, the finish-reason and usage rules and the argument repair are shared with
//! the stream translator (`stream::fields`, `stream::tools`), so both paths agree.

use std::collections::HashSet;

use serde_json::Value;

use super::error::in_band_error;
use super::stream::fields::{
    anthropic_usage, first_choice, random_id, read_usage, reasoning_text, stop_reason, text_of,
    tool_call_parts,
};
use super::stream::synthetic_signature;
use super::stream::tools::finish_call;
use crate::anthropic::{ErrorBody, ErrorType, MessagesResponse, ResponseBlock};
use crate::tool_names::ToolNameMap;

/// Translates `body`, the upstream's 200 response. `requested_model` is the model name the
/// client asked for (echoed back), `tool_names` restores shortened tool names, and
/// `input_estimate` stands in for the input count when the upstream reports no usage.
///
/// A body that is not JSON, carries a top-level `error`, or has no choice → `Err` (an
/// `api_error`, or the error's own kind when it has an HTTP status `code`).
pub fn translate_response(
    body: &[u8],
    requested_model: &str,
    tool_names: &ToolNameMap,
    input_estimate: u64,
) -> Result<MessagesResponse, ErrorBody> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let text = String::from_utf8_lossy(body);
        let head: String = text.chars().take(200).collect();
        ErrorBody::new(
            ErrorType::ApiError,
            format!("upstream returned a body that is not JSON ({e}): {head}"),
        )
    })?;
    if let Some(error) = value.get("error").filter(|e| !e.is_null()) {
        return Err(in_band_error(error, "upstream"));
    }
    let choice = first_choice(&value)
        .ok_or_else(|| ErrorBody::new(ErrorType::ApiError, "upstream response has no choices"))?;
    let empty = Value::Null;
    let message = choice
        .get("message")
        .or_else(|| choice.get("delta"))
        .unwrap_or(&empty);

    let mut content = Vec::new();
    let mut output_chars = 0u64;
    let thinking = reasoning_text(message);
    if !thinking.is_empty() {
        output_chars += thinking.chars().count() as u64;
        content.push(ResponseBlock::Thinking {
            signature: synthetic_signature(&thinking),
            thinking,
        });
    }
    let text = text_of(message);
    // Whitespace-only text would be rejected by Anthropic when Claude Code sends it back.
    if !text.trim().is_empty() {
        output_chars += text.chars().count() as u64;
        content.push(ResponseBlock::Text { text });
    }
    // Each entry is a whole call here: no slot merging by index (ids may all be "").
    let mut used_ids = HashSet::new();
    let mut notes = Vec::new();
    for part in tool_call_parts(message) {
        let call = finish_call(
            part.id.as_deref(),
            part.name.as_deref(),
            &part.arguments,
            tool_names,
            &mut used_ids,
            &mut notes,
        );
        if let Some(call) = call {
            output_chars +=
                (call.name.chars().count() + call.input.to_string().chars().count()) as u64;
            content.push(ResponseBlock::ToolUse {
                id: call.id,
                name: call.name,
                input: call.input,
            });
        }
    }

    let has_tools = content
        .iter()
        .any(|b| matches!(b, ResponseBlock::ToolUse { .. }));
    let stop = stop_reason(
        choice.get("finish_reason").and_then(Value::as_str),
        has_tools,
    );
    let usage = anthropic_usage(
        value.get("usage").and_then(read_usage),
        input_estimate,
        output_chars,
    );
    let id = match value.get("id").and_then(Value::as_str) {
        Some(id) if id.starts_with("msg_") => id.to_owned(),
        Some(id) if !id.is_empty() => format!("msg_{id}"),
        _ => random_id("msg_"),
    };
    Ok(MessagesResponse::new(
        id,
        requested_model.to_owned(),
        content,
        stop,
        usage,
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::anthropic::{StopReason, Usage};
    use crate::openai::stream::is_synthetic_signature;

    fn translate(body: &Value) -> MessagesResponse {
        translate_response(
            body.to_string().as_bytes(),
            "claude-sonnet-5-5",
            &ToolNameMap::default(),
            1000,
        )
        .expect("translates")
    }

    #[test]
    fn text_usage_and_id() {
        let body = json!({
            "id": "chatcmpl-1", "model": "gpt-5",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 7, "prompt_tokens_details": {"cached_tokens": 100}}
        });
        let response = translate(&body);
        assert_eq!(response.id, "msg_chatcmpl-1");
        assert_eq!(response.model, "claude-sonnet-5-5");
        assert_eq!(
            response.content,
            vec![ResponseBlock::Text {
                text: "Hello".into()
            }]
        );
        assert_eq!(response.stop_reason, Some(StopReason::EndTurn));
        let usage = Usage {
            input_tokens: 20,
            output_tokens: 7,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 100,
        };
        assert_eq!(response.usage, usage);
    }

    #[test]
    fn deepseek_reasoning_then_text_and_cache_hits() {
        let body = json!({
            "id": "x",
            "choices": [{"message": {"reasoning_content": "Think.", "content": "Answer"}, "finish_reason": "length"}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 9, "prompt_cache_hit_tokens": 30}
        });
        let response = translate(&body);
        assert_eq!(
            response.content,
            vec![
                ResponseBlock::Thinking {
                    thinking: "Think.".into(),
                    signature: synthetic_signature("Think.")
                },
                ResponseBlock::Text {
                    text: "Answer".into()
                },
            ]
        );
        assert!(is_synthetic_signature(&synthetic_signature("Think.")));
        assert_eq!(response.stop_reason, Some(StopReason::MaxTokens));
        assert_eq!(
            (
                response.usage.input_tokens,
                response.usage.cache_read_input_tokens
            ),
            (20, 30)
        );
    }

    #[test]
    fn pitfall_01_tool_calls_become_tool_use_blocks() {
        let mut names = ToolNameMap::default();
        let long = format!("mcp__{}__search", "server".repeat(12));
        let short = names.upstream_name(&long);
        let body = json!({"choices": [{"message": {"content": null, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "Bash", "arguments": "{\"command\":\"ls\"}"}},
            {"id": "", "type": "function", "function": {"name": short, "arguments": "{\"q\":1}{\"q\":1}"}},
            {"id": 7, "type": "function", "function": {"name": "Read", "arguments": "{broken"}},
            {"id": "call_4", "type": "function", "function": {"arguments": "{}"}}
        ]}, "finish_reason": "tool_calls"}]});
        let response =
            translate_response(body.to_string().as_bytes(), "m", &names, 10).expect("translates");
        assert_eq!(response.stop_reason, Some(StopReason::ToolUse));
        let calls: Vec<(String, String, Value)> = response
            .content
            .iter()
            .map(|b| match b {
                ResponseBlock::ToolUse { id, name, input } => {
                    (id.clone(), name.clone(), input.clone())
                }
                other => panic!("unexpected block {other:?}"),
            })
            .collect();
        assert_eq!(
            calls.len(),
            3,
            "the nameless call is dropped, null content gives no text block"
        );
        assert_eq!(
            calls[0],
            ("call_1".into(), "Bash".into(), json!({"command": "ls"}))
        );
        assert!(calls[1].0.starts_with("toolu_"), "{}", calls[1].0);
        assert_eq!(
            (calls[1].1.as_str(), &calls[1].2),
            (long.as_str(), &json!({"q": 1}))
        );
        assert_eq!(
            (calls[2].0.as_str(), calls[2].1.as_str(), &calls[2].2),
            ("7", "Read", &json!({}))
        );
    }

    #[test]
    fn pitfall_07_stop_with_tool_calls_is_tool_use() {
        let body = json!({"choices": [{"message": {"content": "Running it.", "tool_calls": [
            {"id": "c", "function": {"name": "Bash", "arguments": {"command": "pwd"}}}
        ]}, "finish_reason": "stop"}]});
        let response = translate(&body);
        assert_eq!(response.stop_reason, Some(StopReason::ToolUse));
        assert_eq!(response.content.len(), 2);
        assert_eq!(
            response.content[1],
            ResponseBlock::ToolUse {
                id: "c".into(),
                name: "Bash".into(),
                input: json!({"command": "pwd"})
            }
        );
    }

    #[test]
    fn pitfall_13_no_empty_text_blocks() {
        for content in [json!(""), json!(null), json!("  \n")] {
            let body =
                json!({"choices": [{"message": {"content": content}, "finish_reason": "stop"}]});
            assert!(translate(&body).content.is_empty(), "{content}");
        }
    }

    #[test]
    fn pitfall_14_usage_is_estimated_not_zero() {
        let body =
            json!({"choices": [{"message": {"content": "12345678"}, "finish_reason": "stop"}]});
        let usage = translate(&body).usage;
        assert_eq!((usage.input_tokens, usage.output_tokens), (1000, 2));
        let body = json!({"choices": [{"message": {"content": "x"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 0}});
        assert_eq!(translate(&body).usage.input_tokens, 1000);
    }

    #[test]
    fn refusal_and_content_filter() {
        let body = json!({"choices": [{"message": {"content": null, "refusal": "I can't help."}, "finish_reason": "content_filter"}]});
        let response = translate(&body);
        assert_eq!(response.stop_reason, Some(StopReason::Refusal));
        assert_eq!(
            response.content,
            vec![ResponseBlock::Text {
                text: "I can't help.".into()
            }]
        );
    }

    #[test]
    fn openrouter_reasoning_details_and_random_id() {
        let body = json!({"choices": [{"message": {"content": "ok",
            "reasoning_details": [{"type": "reasoning.text", "text": "a"}, {"type": "reasoning.summary", "summary": "b"}]}}]});
        let response = translate(&body);
        assert!(
            matches!(&response.content[0], ResponseBlock::Thinking { thinking, .. } if thinking == "ab")
        );
        assert!(response.id.starts_with("msg_") && response.id.len() > 10);
    }

    #[test]
    fn errors_and_garbage_are_api_errors() {
        let names = ToolNameMap::default();
        let error =
            translate_response(b"<html>bad gateway</html>", "m", &names, 1).expect_err("not json");
        assert_eq!(error.error.kind, ErrorType::ApiError);
        let body = br#"{"error":{"message":"Internal failure","type":"server_error"}}"#;
        let error = translate_response(body, "m", &names, 1).expect_err("error body");
        assert_eq!(error.error.kind, ErrorType::ApiError);
        assert!(error.error.message.contains("Internal failure"));
        let error =
            translate_response(br#"{"choices":[]}"#, "m", &names, 1).expect_err("no choice");
        assert_eq!(error.error.kind, ErrorType::ApiError);
    }
}
