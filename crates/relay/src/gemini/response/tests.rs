//! Complete Gemini responses (shapes as the API returns them) → Anthropic responses, and the
//! protocol §8 rows that concern them (5, 7, 13, 14).

use serde_json::{Value, json};

use super::{PLACEHOLDER_THINKING, translate_response};
use crate::anthropic::{ErrorType, MessagesResponse, ResponseBlock, StopReason, Usage};
use crate::gemini::is_gemini_signature;
use crate::gemini::request::translate_request;
use crate::openai::stream::is_synthetic_signature;
use crate::tool_names::ToolNameMap;

const ESTIMATE: u64 = 1000;

fn translate(body: &Value) -> MessagesResponse {
    translate_response(
        body.to_string().as_bytes(),
        "claude-sonnet-5-5",
        &ToolNameMap::default(),
        ESTIMATE,
    )
    .expect("translates")
}

fn candidate(parts: Value, finish: &str) -> Value {
    let mut candidate = json!({"content": {"role": "model"}, "finishReason": finish, "index": 0});
    candidate["content"]["parts"] = parts;
    candidate
}

/// Gemini 2.5 Flash with `includeThoughts`: a thought summary, the answer, cache hits.
fn flash_text() -> Value {
    json!({
        "candidates": [candidate(json!([
            {"text": "**Greeting the user**\n\nA simple hello; answer briefly.", "thought": true},
            {"text": "Hello! How can I help"},
            {"text": " you today?"}
        ]), "STOP")],
        "usageMetadata": {"promptTokenCount": 1520, "candidatesTokenCount": 9, "totalTokenCount": 1650,
                          "cachedContentTokenCount": 1024, "thoughtsTokenCount": 121,
                          "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 1520}],
                          "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 1024}]},
        "modelVersion": "gemini-2.5-flash",
        "responseId": "mIBRaPq8Lo6bnvgP4qfkkAM"
    })
}

/// Gemini 3 Pro calling two tools in parallel: the signature is on the first call only.
fn pro_calls() -> Value {
    json!({
        "candidates": [candidate(json!([
            {"text": "**Planning the listing**\n\nI'll check the directory first.", "thought": true},
            {"text": "Let me look at the project."},
            {"functionCall": {"name": "Bash", "args": {"command": "ls -la", "description": "List files"}},
             "thoughtSignature": "CiQB0e2Kb7Xy+/Qz1Ab2Cd3Ef4Gh5Ij6Kl7Mn8Op9Qr0St=="},
            {"functionCall": {"id": "call-7", "name": "Read", "args": {"file_path": "/work/README.md"}}}
        ]), "STOP")],
        "usageMetadata": {"promptTokenCount": 20130, "candidatesTokenCount": 61, "totalTokenCount": 20402,
                          "thoughtsTokenCount": 211},
        "modelVersion": "gemini-3-pro-preview",
        "responseId": "Xk9Ra-abc"
    })
}

#[test]
fn thoughts_text_usage_and_id() {
    let response = translate(&flash_text());
    assert_eq!(response.id, "msg_mIBRaPq8Lo6bnvgP4qfkkAM");
    assert_eq!(response.model, "claude-sonnet-5-5");
    let [
        ResponseBlock::Thinking {
            thinking,
            signature,
        },
        ResponseBlock::Text { text },
    ] = &response.content[..]
    else {
        panic!("thinking then text: {:?}", response.content)
    };
    assert!(thinking.starts_with("**Greeting"));
    assert!(
        is_synthetic_signature(signature),
        "no Gemini signature: synthetic"
    );
    assert_eq!(text, "Hello! How can I help you today?");
    assert_eq!(response.stop_reason, Some(StopReason::EndTurn));
}

#[test]
fn pitfall_07_stop_with_calls_is_tool_use() {
    let response = translate(&pro_calls());
    assert_eq!(response.stop_reason, Some(StopReason::ToolUse));
    let [
        ResponseBlock::Thinking { signature, .. },
        ResponseBlock::Text { text },
        ResponseBlock::ToolUse {
            id: first_id,
            name: first,
            input,
        },
        ResponseBlock::ToolUse {
            id: second_id,
            name: second,
            ..
        },
    ] = &response.content[..]
    else {
        panic!("thinking, text, two calls: {:?}", response.content)
    };
    assert_eq!(
        signature,
        "gemini.CiQB0e2Kb7Xy+/Qz1Ab2Cd3Ef4Gh5Ij6Kl7Mn8Op9Qr0St=="
    );
    assert_eq!(text, "Let me look at the project.");
    assert!(first_id.starts_with("toolu_"), "{first_id}");
    assert_eq!(
        (first.as_str(), input),
        (
            "Bash",
            &json!({"command": "ls -la", "description": "List files"})
        )
    );
    assert_eq!((second_id.as_str(), second.as_str()), ("call-7", "Read"));
}

#[test]
fn pitfall_05_signature_round_trip() {
    // The response's blocks, echoed by Claude Code as the assistant turn of the next request,
    // put Gemini's signature back onto the call that carried it.
    let mut names = ToolNameMap::default();
    let long = format!("mcp__{}__search", "server".repeat(12));
    let short = names.upstream_name(&long);
    let body = json!({"candidates": [candidate(json!([
        {"functionCall": {"name": short, "args": {"q": "x"}}, "thoughtSignature": "SIG_ONLY"},
    ]), "STOP")]});
    let response = translate_response(body.to_string().as_bytes(), "m", &names, 5).expect("ok");
    let [
        ResponseBlock::Thinking {
            thinking,
            signature,
        },
        ResponseBlock::ToolUse { id, name, .. },
    ] = &response.content[..]
    else {
        panic!("placeholder thinking then the call: {:?}", response.content)
    };
    assert_eq!((thinking.as_str(), name), (PLACEHOLDER_THINKING, &long));
    assert!(is_gemini_signature(signature));
    let assistant = serde_json::to_value(&response.content).expect("blocks");
    let next = json!({"model": "m", "max_tokens": 100, "messages": [
        {"role": "user", "content": "search"},
        {"role": "assistant", "content": assistant},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": id, "content": "found"}]}]});
    let request =
        crate::anthropic::parse_request(next.to_string().as_bytes(), true).expect("request");
    let out = translate_request(&request, "gemini-3-pro-preview").body;
    assert_eq!(
        out["contents"][1]["parts"],
        json!([{"functionCall": {"name": short, "args": {"q": "x"}}, "thoughtSignature": "SIG_ONLY"}])
    );
    assert_eq!(
        out["contents"][2]["parts"][0]["functionResponse"]["name"],
        json!(short)
    );

    // Without calls, a signature only signs existing thoughts; no placeholder block.
    let body = json!({"candidates": [candidate(json!([{"text": "Done."}, {"text": "", "thoughtSignature": "S"}]), "STOP")]});
    assert_eq!(
        translate(&body).content,
        vec![ResponseBlock::Text {
            text: "Done.".into()
        }]
    );
}

#[test]
fn pitfall_13_no_empty_text_blocks() {
    let body = json!({"candidates": [candidate(json!([{"text": ""}, {"text": "\n "},
        {"functionCall": {"name": "Bash", "args": {"command": "ls"}}}, {"text": "  "}]), "STOP")]});
    let response = translate(&body);
    assert!(
        matches!(&response.content[..], [ResponseBlock::ToolUse { .. }]),
        "{:?}",
        response.content
    );
    let body = json!({"candidates": [candidate(json!([{"text": ""}]), "STOP")]});
    assert!(translate(&body).content.is_empty());
}

#[test]
fn pitfall_14_usage_from_usage_metadata() {
    let usage = translate(&flash_text()).usage;
    let expected = Usage {
        input_tokens: 496,
        output_tokens: 130,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 1024,
    };
    assert_eq!(usage, expected, "prompt − cached; candidates + thoughts");
    let mut body = pro_calls();
    body["usageMetadata"]["toolUsePromptTokenCount"] = json!(30);
    assert_eq!(translate(&body).usage.input_tokens, 20160);
    let body = json!({"candidates": [candidate(json!([{"text": "12345678"}]), "STOP")]});
    let usage = translate(&body).usage;
    assert_eq!(
        (usage.input_tokens, usage.output_tokens),
        (ESTIMATE, 2),
        "estimates, never 0"
    );
}

#[test]
fn finish_reasons() {
    let cases = [
        ("MAX_TOKENS", StopReason::MaxTokens),
        ("SAFETY", StopReason::Refusal),
        ("RECITATION", StopReason::Refusal),
        ("PROHIBITED_CONTENT", StopReason::Refusal),
        ("SPII", StopReason::Refusal),
        ("MALFORMED_FUNCTION_CALL", StopReason::EndTurn),
        ("OTHER", StopReason::EndTurn),
        ("FINISH_REASON_UNSPECIFIED", StopReason::EndTurn),
    ];
    for (reason, stop) in cases {
        let body = json!({"candidates": [candidate(json!([{"text": "partial"}]), reason)]});
        assert_eq!(translate(&body).stop_reason, Some(stop), "{reason}");
    }
    // An abnormal stop with nothing to show says why.
    let body = json!({"candidates": [{"finishReason": "MALFORMED_FUNCTION_CALL", "index": 0,
        "finishMessage": "Malformed function call: print(default_api.Bash(command='ls'"}]});
    let response = translate(&body);
    let [ResponseBlock::Text { text }] = &response.content[..] else {
        panic!("a note: {:?}", response.content)
    };
    assert!(
        text.contains("MALFORMED_FUNCTION_CALL") && text.contains("Malformed function call"),
        "{text}"
    );
    let body = json!({"candidates": [{"finishReason": "SAFETY", "index": 0,
        "safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": true}]}]});
    let response = translate(&body);
    assert_eq!(response.stop_reason, Some(StopReason::Refusal));
    assert_eq!(response.content.len(), 1);
}

#[test]
fn blocked_prompt_is_a_refusal() {
    let body = json!({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
                      "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12}, "modelVersion": "gemini-2.5-pro"});
    let response = translate(&body);
    assert_eq!(response.stop_reason, Some(StopReason::Refusal));
    let [ResponseBlock::Text { text }] = &response.content[..] else {
        panic!("a note: {:?}", response.content)
    };
    assert!(
        text.contains("prompt blocked: PROHIBITED_CONTENT"),
        "{text}"
    );
    assert_eq!(response.usage.input_tokens, 12);
}

#[test]
fn error_bodies_and_garbage() {
    let names = ToolNameMap::default();
    let map = |body: &str| translate_response(body.as_bytes(), "m", &names, 1).expect_err(body);
    let error = map(
        r#"{"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}"#,
    );
    assert_eq!(error.error.kind, ErrorType::RateLimitError);
    assert_eq!(
        error.error.message,
        "gemini: Resource has been exhausted (e.g. check quota)."
    );
    let error = map(
        r#"{"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}"#,
    );
    assert_eq!(error.error.kind, ErrorType::OverloadedError);
    let error = map(
        r#"[{"error": {"code": 400, "message": "Function call is missing a thought_signature in functionCall parts.", "status": "INVALID_ARGUMENT"}}]"#,
    );
    assert_eq!(error.error.kind, ErrorType::InvalidRequestError);
    assert_eq!(map("<html>502</html>").error.kind, ErrorType::ApiError);
    assert_eq!(
        map(r#"{"modelVersion": "x"}"#).error.kind,
        ErrorType::ApiError
    );
}

#[test]
fn streamed_array_body_read_whole() {
    let chunks = json!([
        {"candidates": [{"content": {"parts": [{"text": "Par"}], "role": "model"}, "index": 0}], "responseId": "r1"},
        {"candidates": [{"content": {"parts": [{"text": "is"}], "role": "model"}, "index": 0}]},
        {"candidates": [{"content": {"parts": [{"text": ""}], "role": "model"}, "finishReason": "STOP", "index": 0}],
         "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 2, "totalTokenCount": 10}}
    ]);
    let response = translate(&chunks);
    assert_eq!(
        response.content,
        vec![ResponseBlock::Text {
            text: "Paris".into()
        }]
    );
    assert_eq!(response.id, "msg_r1");
    assert_eq!(
        (response.usage.input_tokens, response.usage.output_tokens),
        (8, 2)
    );
}
