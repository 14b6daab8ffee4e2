//! Tool calls, thought signatures and the protocol §8 pitfalls that concern Gemini streams
//! (rows 5, 7, 13, 14, 17, 19, 20). Each runs through the full harness of `tests`.

use serde_json::json;

use super::tests::{ESTIMATE, chunk, last, position, run, run_with, sse, thinking};
use crate::anthropic::{
    BlockStart, Delta, ErrorType, ResponseBlock, StopReason, StreamEvent, Usage,
};
use crate::gemini::response::PLACEHOLDER_THINKING;
use crate::openai::stream::tests::{blocks, error_of, outcome, text, tool};
use crate::tool_names::ToolNameMap;

const SIG: &str = "CiQB0e2Kb7Xy+/Qz1Ab2Cd3Ef4Gh5Ij6Kl7Mn8Op9Qr0St==";

#[test]
fn pitfall_05_call_signature_leads_the_message() {
    // Gemini 3: thoughts, a sentence, then the call carrying the step's signature. The
    // sentence is held until the call, so the thinking block can carry the signature.
    let input = sse(&[
        chunk(json!([{"text": "**Checking files**\n\nList the directory.", "thought": true}])),
        chunk(json!([{"text": "Let me look."}])),
        last(
            json!([{"functionCall": {"name": "Bash", "args": {"command": "ls"}}, "thoughtSignature": SIG}]),
            "STOP",
        ),
    ]);
    let (events, translator) = run(&input);
    let found = blocks(&events);
    assert_eq!(
        found[0],
        thinking(
            "**Checking files**\n\nList the directory.",
            &format!("gemini.{SIG}")
        )
    );
    assert_eq!(found[1], text("Let me look."));
    assert!(
        matches!(&found[2], ResponseBlock::ToolUse { name, input, .. } if name == "Bash" && input == &json!({"command": "ls"}))
    );
    assert_eq!(found.len(), 3);
    assert!(translator.notes().is_empty(), "{:?}", translator.notes());

    // No thoughts: a placeholder thinking block carries the signature.
    let input = sse(&[last(
        json!([{"functionCall": {"name": "Read", "args": {"file_path": "/a"}}, "thoughtSignature": SIG},
               {"functionCall": {"name": "Read", "args": {"file_path": "/b"}}}]),
        "STOP",
    )]);
    let (events, _) = run(&input);
    let found = blocks(&events);
    assert_eq!(
        found[0],
        thinking(PLACEHOLDER_THINKING, &format!("gemini.{SIG}"))
    );
    assert_eq!(
        found.len(),
        3,
        "parallel calls share the one signature: {found:?}"
    );
}

#[test]
fn pitfall_05_signature_after_long_text_is_dropped_and_noted() {
    let long = "x".repeat(super::HOLD_LIMIT + 10);
    let input = sse(&[
        chunk(json!([{"text": "Plan.", "thought": true}])),
        chunk(json!([{"text": long}])),
        last(
            json!([{"functionCall": {"name": "Bash", "args": {}}, "thoughtSignature": SIG}]),
            "STOP",
        ),
    ]);
    let (events, translator) = run(&input);
    let found = blocks(&events);
    let ResponseBlock::Thinking { signature, .. } = &found[0] else {
        panic!("thinking first: {found:?}")
    };
    assert!(
        crate::openai::stream::is_synthetic_signature(signature),
        "{signature}"
    );
    assert!(
        translator
            .notes()
            .iter()
            .any(|n| n.contains("thought signature")),
        "{:?}",
        translator.notes()
    );
    assert_eq!(outcome(&events).0, StopReason::ToolUse);
}

#[test]
fn pitfall_07_stop_with_calls_is_tool_use() {
    let mut names = ToolNameMap::default();
    let long = format!("mcp__{}__query", "database".repeat(9));
    let short = names.upstream_name(&long);
    let input = sse(&[
        chunk(
            json!([{"functionCall": {"id": "fc-1", "name": short, "args": {"sql": "select 1"}}}]),
        ),
        last(
            json!([{"functionCall": {"name": "Bash", "args": {"command": "pwd"}}}]),
            "STOP",
        ),
    ]);
    let (events, translator) = run_with(&input, &names);
    assert_eq!(outcome(&events).0, StopReason::ToolUse);
    assert_eq!(translator.stop_reason(), Some(StopReason::ToolUse));
    assert_eq!(
        blocks(&events),
        vec![
            tool("fc-1", &long, json!({"sql": "select 1"})),
            tool("toolu_1", "Bash", json!({"command": "pwd"}))
        ]
    );
    // The first call is emitted as soon as it arrives, not at the end.
    let first_stop = position(&events, |e| {
        matches!(e, StreamEvent::ContentBlockStop { index: 0 })
    });
    let second_start = position(&events, |e| {
        matches!(e, StreamEvent::ContentBlockStart { index: 1, .. })
    });
    assert!(first_stop < second_start);
}

#[test]
fn pitfall_13_no_empty_text_blocks() {
    let input = sse(&[
        chunk(json!([{"text": ""}])),
        chunk(json!([{"text": "\n"}])),
        chunk(json!([{"text": "Plan.", "thought": true}])),
        chunk(json!([{"text": "  "}])),
        chunk(json!([{"functionCall": {"name": "Bash", "args": {"command": "ls"}}}])),
        last(
            json!([{"text": "\n\n"}, {"text": "", "thoughtSignature": "S"}]),
            "STOP",
        ),
    ]);
    let (events, _) = run(&input);
    let found = blocks(&events);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(matches!(&found[0], ResponseBlock::Thinking { thinking, .. } if thinking == "Plan."));
    assert!(matches!(&found[1], ResponseBlock::ToolUse { .. }));
    let (events, _) = run(&sse(&[last(json!([{"text": " "}]), "STOP")]));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, StreamEvent::ContentBlockStart { .. }))
    );
}

#[test]
fn thoughts_after_the_answer_are_dropped() {
    let input = sse(&[
        chunk(json!([{"text": "Answer"}])),
        chunk(json!([{"text": "late thought", "thought": true}])),
        last(json!([{"text": " continues"}]), "STOP"),
    ]);
    let (events, translator) = run(&input);
    assert_eq!(blocks(&events), vec![text("Answer continues")]);
    assert!(
        translator
            .notes()
            .iter()
            .any(|n| n.contains("thoughts after"))
    );
}

#[test]
fn pitfall_14_usage_from_the_last_usage_metadata() {
    let input = sse(&[chunk(json!([{"text": "Hi"}])), last(json!([]), "STOP")]);
    let (events, translator) = run(&input);
    let expected = Usage {
        input_tokens: 1000,
        output_tokens: 140,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 8000,
    };
    assert_eq!(outcome(&events).1, expected);
    assert_eq!(translator.usage(), expected);
    // No usage at all: estimates, never zero.
    let bare = json!({"candidates": [{"content": {"parts": [{"text": "12345678"}], "role": "model"},
                                      "finishReason": "STOP", "index": 0}]});
    let usage = outcome(&run(&sse(&[bare])).0).1;
    assert_eq!((usage.input_tokens, usage.output_tokens), (ESTIMATE, 2));
}

#[test]
fn pitfall_17_call_arguments_are_one_valid_json_delta() {
    let input = sse(&[last(
        json!([{"functionCall": {"name": "Write", "args": {"file_path": "/t", "content": "a\"b\n"}}},
               {"functionCall": {"name": "Bash", "args": "{\"command\":\"ls\"}"}},
               {"functionCall": {"name": "ToolSearch"}},
               {"functionCall": {"args": {"orphan": true}}}]),
        "STOP",
    )]);
    let (events, translator) = run(&input);
    assert_eq!(
        blocks(&events),
        vec![
            tool(
                "toolu_1",
                "Write",
                json!({"file_path": "/t", "content": "a\"b\n"})
            ),
            tool("toolu_2", "Bash", json!({"command": "ls"})),
            tool("toolu_3", "ToolSearch", json!({})),
        ]
    );
    let json_deltas = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                StreamEvent::ContentBlockDelta {
                    delta: Delta::InputJsonDelta { .. },
                    ..
                }
            )
        })
        .count();
    assert_eq!(json_deltas, 3, "one input_json_delta per call");
    assert_eq!(
        translator.notes().len(),
        1,
        "the nameless call: {:?}",
        translator.notes()
    );
}

#[test]
fn pitfall_19_cut_stream_and_midstream_errors_are_error_events() {
    // No finishReason before the body ended: cut.
    let (events, translator) = run(&sse(&[
        chunk(json!([{"text": "Hm", "thought": true}])),
        chunk(json!([{"text": "Half an answer"}])),
    ]));
    let error = error_of(&events).expect("error event");
    assert_eq!(error.kind, ErrorType::ApiError);
    assert!(error.message.contains("stream ended"), "{}", error.message);
    assert!(!events.iter().any(|e| matches!(
        e,
        StreamEvent::MessageStop | StreamEvent::MessageDelta { .. }
    )));
    assert!(translator.failed() && translator.stop_reason().is_none());
    assert!(
        blocks(&events)
            .iter()
            .all(|b| !matches!(b, ResponseBlock::Text { .. })),
        "held text dropped"
    );
    // An error object in the stream (Gemini's own shape) ends it with the mapped kind.
    let overloaded = json!({"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}});
    let (events, translator) = run(&sse(&[chunk(json!([{"text": "Par"}])), overloaded]));
    let error = error_of(&events).expect("error event");
    assert_eq!(error.kind, ErrorType::OverloadedError);
    assert_eq!(
        error.message,
        "gemini: The model is overloaded. Please try again later."
    );
    assert_eq!(translator.error(), Some(&error));
    // An empty body is a cut too.
    assert!(error_of(&run("").0).is_some());
}

#[test]
fn pitfall_20_usage_in_message_start_and_delta() {
    let (events, _) = run(&sse(&[last(json!([{"text": "x"}]), "STOP")]));
    let StreamEvent::MessageStart { message } = &events[0] else {
        panic!("message_start first")
    };
    assert_eq!(
        message.usage,
        Usage {
            input_tokens: ESTIMATE,
            output_tokens: 1,
            ..Usage::default()
        }
    );
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
}

#[test]
fn limits_and_refusals() {
    let (events, _) = run(&sse(&[
        chunk(json!([{"text": "Trunc"}])),
        last(json!([]), "MAX_TOKENS"),
    ]));
    assert_eq!(outcome(&events).0, StopReason::MaxTokens);
    let safety = json!({"candidates": [{"finishReason": "SAFETY", "index": 0}]});
    let (events, _) = run(&sse(&[safety]));
    assert_eq!(outcome(&events).0, StopReason::Refusal);
    let [ResponseBlock::Text { text }] = &blocks(&events)[..] else {
        panic!("a note")
    };
    assert!(text.contains("SAFETY"), "{text}");
    let blocked = json!({"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 7}});
    let (events, _) = run(&sse(&[blocked]));
    assert_eq!(outcome(&events).0, StopReason::Refusal);
    assert!(events.iter().any(|e| matches!(
        e,
        StreamEvent::ContentBlockStart {
            content_block: BlockStart::Text { .. },
            ..
        }
    )));
}
