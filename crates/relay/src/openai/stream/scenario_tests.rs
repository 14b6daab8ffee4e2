//! Provider quirks and the protocol §8 pitfalls that concern OpenAI-compatible responses
//! (rows 1, 7, 13, 14, 17, 19, 20). Each runs through the full harness of `tests`.

use serde_json::json;

use super::tests::{
    ESTIMATE, blocks, delta, error_of, finish, outcome, run, run_with, sse, sse_open, text, tool,
    usage_chunk,
};
use crate::anthropic::{ErrorType, ResponseBlock, StopReason, StreamEvent, Usage};
use crate::tool_names::ToolNameMap;

fn call(index: u64, id: serde_json::Value, name: Option<&str>, args: &str) -> serde_json::Value {
    let mut function = json!({"arguments": args});
    if let Some(name) = name {
        function["name"] = json!(name);
    }
    let mut part = json!({"index": index, "type": "function", "function": function});
    part["id"] = id;
    json!({"tool_calls": [part]})
}

#[test]
fn pitfall_01_tool_calls_are_tool_use_blocks() {
    let input = sse(&[
        delta(json!({"content": "Let me look."})),
        delta(call(0, json!("call_a"), Some("Bash"), "")),
        delta(call(0, json!(null), None, "{\"command\":")),
        delta(call(0, json!(null), None, "\"ls\"}")),
        finish("tool_calls"),
    ]);
    let (events, translator) = run(&input);
    assert_eq!(
        blocks(&events),
        vec![
            text("Let me look."),
            tool("call_a", "Bash", json!({"command": "ls"}))
        ]
    );
    assert_eq!(outcome(&events).0, StopReason::ToolUse);
    assert_eq!(translator.stop_reason(), Some(StopReason::ToolUse));
}

#[test]
fn several_tool_calls_interleaved_by_index() {
    let input = sse(&[
        delta(json!({"tool_calls": [
            {"index": 0, "id": "call_a", "function": {"name": "Read", "arguments": ""}},
            {"index": 1, "id": "call_b", "function": {"name": "Grep", "arguments": "{\"pattern\":"}}]})),
        delta(call(0, json!(null), None, "{\"file_path\":")),
        delta(call(1, json!(null), None, "\"fn main\"}")),
        delta(call(0, json!(null), None, "\"/a.rs\"}")),
        finish("tool_calls"),
    ]);
    let (events, _) = run(&input);
    assert_eq!(
        blocks(&events),
        vec![
            tool("call_a", "Read", json!({"file_path": "/a.rs"})),
            tool("call_b", "Grep", json!({"pattern": "fn main"})),
        ]
    );
}

#[test]
fn index_reuse_with_new_ids_ollama() {
    let input = sse(&[
        delta(call(
            0,
            json!("call_1"),
            Some("Read"),
            "{\"file_path\":\"/a\"}",
        )),
        delta(call(
            0,
            json!("call_2"),
            Some("Read"),
            "{\"file_path\":\"/b\"}",
        )),
        finish("stop"),
    ]);
    let (events, _) = run(&input);
    assert_eq!(
        blocks(&events),
        vec![
            tool("call_1", "Read", json!({"file_path": "/a"})),
            tool("call_2", "Read", json!({"file_path": "/b"})),
        ]
    );
    // The first call is emitted as soon as the second starts, before the end.
    let first_stop = events
        .iter()
        .position(|e| matches!(e, StreamEvent::ContentBlockStop { index: 0 }));
    let second_start = events
        .iter()
        .position(|e| matches!(e, StreamEvent::ContentBlockStart { index: 1, .. }));
    assert!(first_stop < second_start);
}

#[test]
fn empty_string_ids_qwen_and_integer_ids() {
    let input = sse(&[
        delta(call(0, json!("call_q"), Some("Bash"), "")),
        delta(call(0, json!(""), None, "{\"command\":\"pwd\"}")),
        delta(call(1, json!(""), Some("Read"), "{\"file_path\":\"/x\"}")),
        delta(call(2, json!(7), Some("Glob"), "{\"pattern\":\"*\"}")),
        finish("tool_calls"),
    ]);
    let (events, _) = run(&input);
    assert_eq!(
        blocks(&events),
        vec![
            tool("call_q", "Bash", json!({"command": "pwd"})),
            tool("toolu_1", "Read", json!({"file_path": "/x"})),
            tool("7", "Glob", json!({"pattern": "*"})),
        ]
    );
}

#[test]
fn names_resent_in_every_chunk() {
    let input = sse(&[
        delta(call(0, json!("call_r"), Some("Bash"), "{\"command\"")),
        delta(call(0, json!("call_r"), Some("Bash"), ":\"echo hi\"}")),
        delta(call(0, json!(""), Some("Bash"), "")),
        finish("tool_calls"),
    ]);
    assert_eq!(
        blocks(&run(&input).0),
        vec![tool("call_r", "Bash", json!({"command": "echo hi"}))]
    );
}

#[test]
fn arguments_in_the_first_chunk_mistral() {
    let input = sse(&[
        delta(json!({"content": "", "tool_calls": [
            {"id": "AbC123xyZ", "function": {"name": "Bash", "arguments": "{\"command\": \"date\"}"}, "index": 0},
            {"id": "DeF456uvW", "function": {"name": "Bash", "arguments": "{\"command\": \"whoami\"}"}, "index": 1}]})),
        finish("tool_calls"),
    ]);
    assert_eq!(
        blocks(&run(&input).0),
        vec![
            tool("AbC123xyZ", "Bash", json!({"command": "date"})),
            tool("DeF456uvW", "Bash", json!({"command": "whoami"})),
        ]
    );
}

#[test]
fn pitfall_07_stop_with_tool_calls_is_tool_use() {
    let input = sse(&[
        delta(call(0, json!(""), Some("Bash"), "{\"command\":\"ls\"}")),
        finish("stop"),
    ]);
    let (events, _) = run(&input);
    assert_eq!(outcome(&events).0, StopReason::ToolUse);
    assert!(
        matches!(&blocks(&events)[..], [ResponseBlock::ToolUse { id, .. }] if id.starts_with("toolu_"))
    );
}

#[test]
fn shortened_tool_names_restored() {
    let mut names = ToolNameMap::default();
    let long = format!("mcp__{}__query", "database".repeat(9));
    let short = names.upstream_name(&long);
    let input = sse(&[
        delta(call(0, json!("c1"), Some(&short), "{}")),
        finish("tool_calls"),
    ]);
    assert_eq!(
        blocks(&run_with(&input, &names).0),
        vec![tool("c1", &long, json!({}))]
    );
}

#[test]
fn pitfall_13_no_empty_text_blocks() {
    let input = sse(&[
        delta(json!({"role": "assistant", "content": ""})),
        delta(json!({"content": "\n"})),
        delta(json!({"reasoning_content": "Plan."})),
        delta(json!({"content": ""})),
        delta(json!({"content": "  "})),
        delta(call(0, json!("c"), Some("Bash"), "{\"command\":\"ls\"}")),
        delta(json!({"content": "\n\n"})),
        finish("tool_calls"),
    ]);
    let (events, _) = run(&input);
    let blocks = blocks(&events);
    assert_eq!(blocks.len(), 2, "{blocks:?}");
    assert!(matches!(&blocks[0], ResponseBlock::Thinking { thinking, .. } if thinking == "Plan."));
    assert_eq!(blocks[1], tool("c", "Bash", json!({"command": "ls"})));
    let (events, _) = run(&sse(&[delta(json!({"content": " "})), finish("stop")]));
    assert!(
        blocks_of_kind(&events) == 0,
        "a whitespace-only answer gives no block"
    );
}

fn blocks_of_kind(events: &[StreamEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, StreamEvent::ContentBlockStart { .. }))
        .count()
}

#[test]
fn pitfall_14_usage_after_finish_reason_is_reported() {
    let input = sse(&[
        delta(json!({"content": "Hi"})),
        finish("stop"),
        usage_chunk(
            json!({"prompt_tokens": 1200, "completion_tokens": 30, "total_tokens": 1230,
                           "prompt_tokens_details": {"cached_tokens": 1000}}),
        ),
    ]);
    let (events, translator) = run(&input);
    let expected = Usage {
        input_tokens: 200,
        output_tokens: 30,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 1000,
    };
    assert_eq!(outcome(&events).1, expected);
    assert_eq!(translator.usage(), expected);
    // DeepSeek reports cache hits as prompt_cache_hit_tokens.
    let input = sse(&[
        delta(json!({"content": "Hi"})),
        finish("stop"),
        usage_chunk(
            json!({"prompt_tokens": 500, "completion_tokens": 4, "prompt_cache_hit_tokens": 384,
                           "prompt_cache_miss_tokens": 116}),
        ),
    ]);
    let usage = outcome(&run(&input).0).1;
    assert_eq!(
        (
            usage.input_tokens,
            usage.cache_read_input_tokens,
            usage.output_tokens
        ),
        (116, 384, 4)
    );
}

#[test]
fn missing_done_with_finish_reason_ends_normally() {
    let input = sse_open(&[
        delta(json!({"content": "Bye"})),
        finish("stop"),
        usage_chunk(json!({"prompt_tokens": 10, "completion_tokens": 2})),
    ]);
    let (events, _) = run(&input);
    assert!(matches!(events.last(), Some(StreamEvent::MessageStop)));
    assert_eq!(outcome(&events).1.input_tokens, 10);
}

#[test]
fn pitfall_17_tool_arguments_arrive_as_valid_json() {
    // Duplicated arguments (the same object twice) are repaired; garbage becomes {}.
    let input = sse(&[
        delta(call(0, json!("a"), Some("Write"), "{\"file_path\":\"/t\",")),
        delta(call(0, json!(null), None, "\"content\":\"x\"}")),
        delta(call(
            0,
            json!(null),
            None,
            "{\"file_path\":\"/t\",\"content\":\"x\"}",
        )),
        delta(call(1, json!("b"), Some("Bash"), "{\"command\": tru")),
        finish("tool_calls"),
    ]);
    let (events, translator) = run(&input);
    assert_eq!(
        blocks(&events),
        vec![
            tool("a", "Write", json!({"file_path": "/t", "content": "x"})),
            tool("b", "Bash", json!({})),
        ]
    );
    let json_deltas = events
        .iter()
        .filter(|e| matches!(e, StreamEvent::ContentBlockDelta { .. }))
        .count();
    assert_eq!(json_deltas, 2, "one validated input_json_delta per call");
    assert_eq!(translator.notes().len(), 2, "{:?}", translator.notes());
}

#[test]
fn pitfall_19_midstream_error_is_an_error_event() {
    // Cut before any finish_reason: the client must not take the partial answer as complete.
    let input = sse_open(&[
        delta(json!({"reasoning_content": "Hm"})),
        delta(json!({"content": "Half"})),
    ]);
    let (events, translator) = run(&input);
    let error = error_of(&events).expect("error event");
    assert_eq!(error.kind, ErrorType::ApiError);
    assert!(!events.iter().any(|e| matches!(
        e,
        StreamEvent::MessageStop | StreamEvent::MessageDelta { .. }
    )));
    assert!(translator.failed() && translator.stop_reason().is_none());
    // A pending tool call is not emitted when the stream is cut.
    let (events, _) = run(&sse_open(&[delta(call(
        0,
        json!("x"),
        Some("Bash"),
        "{\"comm",
    ))]));
    assert_eq!(blocks_of_kind(&events), 0);
    assert!(error_of(&events).is_some());
    // A top-level error chunk (OpenRouter) ends the stream with its message and kind.
    let error_chunk = json!({"id": "gen-1", "error": {"code": 502, "message": "Provider disconnected"},
                             "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]});
    let (events, translator) = run(&sse(&[delta(json!({"content": "Partial"})), error_chunk]));
    let error = error_of(&events).expect("error event");
    assert_eq!(
        (error.kind, error.message.as_str()),
        (ErrorType::ApiError, "upstream: Provider disconnected")
    );
    assert_eq!(translator.error(), Some(&error));
    let overloaded = json!({"error": {"code": 503, "message": "overloaded"}});
    assert_eq!(
        error_of(&run(&sse(&[overloaded])).0).map(|e| e.kind),
        Some(ErrorType::OverloadedError)
    );
    // finish_reason "error" alone is an error too.
    assert!(error_of(&run(&sse(&[delta(json!({"content": "a"})), finish("error")])).0).is_some());
}

#[test]
fn pitfall_20_usage_in_message_start_and_delta() {
    let (events, _) = run(&sse(&[delta(json!({"content": "x"})), finish("stop")]));
    let StreamEvent::MessageStart { message } = &events[0] else {
        panic!("message_start first")
    };
    let start = Usage {
        input_tokens: ESTIMATE,
        output_tokens: 1,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
    };
    assert_eq!(message.usage, start);
    assert_eq!(message.model, "claude-sonnet-5-5");
    let data = serde_json::to_value(&events[events.len() - 2]).expect("json");
    for key in [
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
    ] {
        assert!(
            data["usage"][key].is_u64(),
            "message_delta usage lacks {key}: {data}"
        );
    }
    assert_eq!(data["usage"]["input_tokens"], ESTIMATE);
}

#[test]
fn legacy_function_call_is_a_tool_call() {
    let input = sse(&[
        delta(json!({"function_call": {"name": "Bash", "arguments": "{\"command\""}})),
        delta(json!({"function_call": {"arguments": ":\"ls\"}"}})),
        finish("function_call"),
    ]);
    let (events, _) = run(&input);
    assert!(
        matches!(&blocks(&events)[..], [ResponseBlock::ToolUse { name, input, .. }]
        if name == "Bash" && input == &json!({"command": "ls"}))
    );
    assert_eq!(outcome(&events).0, StopReason::ToolUse);
}
