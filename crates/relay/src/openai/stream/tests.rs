//! Harness for the stream translator: every scenario is fed whole, byte by byte and in many
//! random chunkings; all must give the same events, and every sequence must pass the grammar
//! check of `testing::validate_stream`.

use serde_json::{Value, json};

use super::StreamTranslator;
use crate::anthropic::{
    BlockStart, Delta, ErrorDetail, ResponseBlock, StopReason, StreamEvent, Usage,
};
use crate::testing::{parse_sse, random_chunks, to_sse, validate_stream};
use crate::tool_names::ToolNameMap;

pub(super) const ESTIMATE: u64 = 4321;

/// One ordinary chunk with `delta` for choice 0.
pub(super) fn delta(delta: Value) -> Value {
    let mut chunk = json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "up",
                           "choices": [{"index": 0, "finish_reason": null}], "usage": null});
    chunk["choices"][0]["delta"] = delta;
    chunk
}

/// The chunk carrying `finish_reason` (with an empty delta, as OpenAI sends it).
pub(super) fn finish(reason: &str) -> Value {
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "up",
           "choices": [{"index": 0, "delta": {}, "finish_reason": reason}], "usage": null})
}

/// The extra chunk of `stream_options.include_usage`: `choices: []` and the totals.
pub(super) fn usage_chunk(usage: Value) -> Value {
    let mut chunk = json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "up", "choices": []});
    chunk["usage"] = usage;
    chunk
}

/// SSE text for the chunks, ending with `data: [DONE]`.
pub(super) fn sse(chunks: &[Value]) -> String {
    let mut text: String = chunks.iter().map(|c| format!("data: {c}\n\n")).collect();
    text.push_str("data: [DONE]\n\n");
    text
}

/// SSE text without `[DONE]`.
pub(super) fn sse_open(chunks: &[Value]) -> String {
    chunks.iter().map(|c| format!("data: {c}\n\n")).collect()
}

fn feed(pieces: &[&[u8]], names: &ToolNameMap) -> (Vec<StreamEvent>, StreamTranslator) {
    let mut translator =
        StreamTranslator::new("claude-sonnet-5-5".to_owned(), ESTIMATE, names.clone());
    let mut events = translator.start();
    for piece in pieces {
        events.extend(translator.push(piece));
    }
    events.extend(translator.finish());
    assert!(
        translator.finish().is_empty() && translator.push(b"data: {}\n\n").is_empty(),
        "nothing after the end"
    );
    (events, translator)
}

/// Random ids differ between runs: replace them by stable ones.
pub(crate) fn normalise(mut events: Vec<StreamEvent>) -> Vec<StreamEvent> {
    let mut synthesised = 0;
    for event in &mut events {
        match event {
            StreamEvent::MessageStart { message } => "msg_test".clone_into(&mut message.id),
            StreamEvent::ContentBlockStart {
                content_block: BlockStart::ToolUse { id, .. },
                ..
            } if id.starts_with("toolu_") => {
                synthesised += 1;
                *id = format!("toolu_{synthesised}");
            }
            _ => {}
        }
    }
    events
}

/// Runs `input` in every chunking; checks they agree and are valid; returns the events and
/// the translator of the whole-input run.
pub(super) fn run_with(input: &str, names: &ToolNameMap) -> (Vec<StreamEvent>, StreamTranslator) {
    let bytes = input.as_bytes();
    let (whole, translator) = feed(&[bytes], names);
    validate_stream(&whole).unwrap_or_else(|e| panic!("invalid stream: {e}\n{whole:#?}"));
    let whole = normalise(whole);
    let singles: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(normalise(feed(&singles, names).0), whole, "byte by byte");
    for seed in 1..=24 {
        let pieces = random_chunks(bytes, seed, 1 + (seed as usize * 7) % 97);
        let (events, _) = feed(&pieces, names);
        validate_stream(&events).unwrap_or_else(|e| panic!("seed {seed}: invalid stream: {e}"));
        assert_eq!(normalise(events), whole, "seed {seed}");
    }
    let reparsed = parse_sse(&to_sse(&whole)).expect("our SSE parses back");
    assert_eq!(reparsed, whole, "SSE round trip");
    (whole, translator)
}

pub(super) fn run(input: &str) -> (Vec<StreamEvent>, StreamTranslator) {
    run_with(input, &ToolNameMap::default())
}

/// The content the client ends up with, rebuilt from the events.
pub(crate) fn blocks(events: &[StreamEvent]) -> Vec<ResponseBlock> {
    let mut blocks = Vec::new();
    let mut json = String::new();
    for event in events {
        match event {
            StreamEvent::ContentBlockStart { content_block, .. } => {
                json.clear();
                blocks.push(match content_block.clone() {
                    BlockStart::Text { text } => ResponseBlock::Text { text },
                    BlockStart::Thinking { thinking } => ResponseBlock::Thinking {
                        thinking,
                        signature: String::new(),
                    },
                    BlockStart::RedactedThinking { data } => {
                        ResponseBlock::RedactedThinking { data }
                    }
                    BlockStart::ToolUse { id, name, input } => {
                        ResponseBlock::ToolUse { id, name, input }
                    }
                });
            }
            StreamEvent::ContentBlockDelta { delta, .. } => match (blocks.last_mut(), delta) {
                (Some(ResponseBlock::Text { text }), Delta::TextDelta { text: more }) => {
                    text.push_str(more);
                }
                (
                    Some(ResponseBlock::Thinking { thinking, .. }),
                    Delta::ThinkingDelta { thinking: more },
                ) => {
                    thinking.push_str(more);
                }
                (
                    Some(ResponseBlock::Thinking { signature, .. }),
                    Delta::SignatureDelta { signature: s },
                ) => {
                    signature.clone_from(s);
                }
                (
                    Some(ResponseBlock::ToolUse { input, .. }),
                    Delta::InputJsonDelta { partial_json },
                ) => {
                    json.push_str(partial_json);
                    *input = serde_json::from_str(&json).unwrap_or(Value::Null);
                }
                other => panic!("unexpected delta {other:?}"),
            },
            _ => {}
        }
    }
    blocks
}

/// Stop reason and usage of the `message_delta`.
pub(crate) fn outcome(events: &[StreamEvent]) -> (StopReason, Usage) {
    events
        .iter()
        .find_map(|e| match e {
            StreamEvent::MessageDelta { delta, usage } => {
                Some((delta.stop_reason.expect("stop reason"), *usage))
            }
            _ => None,
        })
        .expect("a message_delta")
}

/// The error event, if the stream ended with one.
pub(crate) fn error_of(events: &[StreamEvent]) -> Option<ErrorDetail> {
    match events.last() {
        Some(StreamEvent::Error { error }) => Some(error.clone()),
        _ => None,
    }
}

pub(crate) fn text(text: &str) -> ResponseBlock {
    ResponseBlock::Text {
        text: text.to_owned(),
    }
}

pub(crate) fn tool(id: &str, name: &str, input: Value) -> ResponseBlock {
    ResponseBlock::ToolUse {
        id: id.to_owned(),
        name: name.to_owned(),
        input,
    }
}

#[test]
fn plain_text() {
    let input = sse(&[
        delta(json!({"role": "assistant", "content": ""})),
        delta(json!({"content": "Hello"})),
        delta(json!({"content": ", wörld"})),
        finish("stop"),
    ]);
    let (events, translator) = run(&input);
    assert!(matches!(
        &events[..2],
        [StreamEvent::MessageStart { .. }, StreamEvent::Ping]
    ));
    assert_eq!(blocks(&events), vec![text("Hello, wörld")]);
    let (stop, usage) = outcome(&events);
    assert_eq!(stop, StopReason::EndTurn);
    assert_eq!(
        (usage.input_tokens, usage.output_tokens),
        (ESTIMATE, 3),
        "estimated: no usage chunk"
    );
    assert!(matches!(events.last(), Some(StreamEvent::MessageStop)));
    assert_eq!(translator.stop_reason(), Some(StopReason::EndTurn));
    assert!(!translator.failed() && translator.is_done());
}

#[test]
fn reasoning_then_text_deepseek() {
    let input = sse(&[
        delta(json!({"role": "assistant", "content": null, "reasoning_content": "Let me "})),
        delta(json!({"content": null, "reasoning_content": "think."})),
        delta(json!({"content": "\n\n", "reasoning_content": null})),
        delta(json!({"content": "Done."})),
        finish("stop"),
    ]);
    let (events, _) = run(&input);
    let signature = super::synthetic_signature("Let me think.");
    assert_eq!(
        blocks(&events),
        vec![
            ResponseBlock::Thinking {
                thinking: "Let me think.".into(),
                signature
            },
            text("\n\nDone."),
        ]
    );
}

#[test]
fn reasoning_after_text_is_dropped_and_noted() {
    let input = sse(&[
        delta(json!({"content": "Answer"})),
        delta(json!({"reasoning": "late thought"})),
        delta(json!({"content": " continues"})),
        finish("stop"),
    ]);
    let (events, translator) = run(&input);
    assert_eq!(blocks(&events), vec![text("Answer continues")]);
    assert!(
        translator
            .notes()
            .iter()
            .any(|n| n.contains("reasoning after")),
        "{:?}",
        translator.notes()
    );
}

#[test]
fn openrouter_reasoning_is_not_doubled() {
    let input = sse(&[
        delta(
            json!({"reasoning": "Hm", "reasoning_details": [{"type": "reasoning.text", "text": "Hm"}]}),
        ),
        delta(json!({"reasoning_details": [{"type": "reasoning.text", "text": "."}]})),
        delta(json!({"content": "Yes"})),
        finish("stop"),
    ]);
    let blocks = blocks(&run(&input).0);
    assert!(
        matches!(&blocks[0], ResponseBlock::Thinking { thinking, .. } if thinking == "Hm."),
        "{blocks:?}"
    );
}

#[test]
fn sse_noise_crlf_and_comments() {
    let input = format!(
        ": OPENROUTER PROCESSING\r\n\r\nevent: message\r\ndata: {}\r\n\r\n: ping\r\n\r\ndata: {}\r\n\r\ndata: [DONE]\r\n\r\n",
        delta(json!({"content": "ok"})),
        finish("stop")
    );
    assert_eq!(blocks(&run(&input).0), vec![text("ok")]);
}

#[test]
fn done_without_finish_reason_ends_normally() {
    let input = sse(&[delta(json!({"content": "ok"}))]);
    let (events, _) = run(&input);
    assert_eq!(outcome(&events).0, StopReason::EndTurn);
}

#[test]
fn length_and_content_filter() {
    let (events, _) = run(&sse(&[
        delta(json!({"content": "Trunc"})),
        finish("length"),
    ]));
    assert_eq!(outcome(&events).0, StopReason::MaxTokens);
    let (events, _) = run(&sse(&[
        delta(json!({"refusal": "I can't."})),
        finish("content_filter"),
    ]));
    assert_eq!(outcome(&events).0, StopReason::Refusal);
    assert_eq!(blocks(&events), vec![text("I can't.")]);
}

#[test]
fn json_body_instead_of_stream() {
    let body = json!({"id": "c", "choices": [{"index": 0, "message": {"content": "Whole"}, "finish_reason": "stop"}]});
    let (events, translator) = run(&serde_json::to_string_pretty(&body).expect("json"));
    assert_eq!(blocks(&events), vec![text("Whole")]);
    assert!(!translator.notes().is_empty());
    let (events, _) = run(r#"{"error": {"message": "Insufficient credits", "code": 402}}"#);
    let error = error_of(&events).expect("error event");
    assert!(
        error.message.contains("Insufficient credits"),
        "{}",
        error.message
    );
}

#[test]
fn abort_closes_the_open_block() {
    let mut translator = StreamTranslator::new("m".to_owned(), 1, ToolNameMap::default());
    let mut events = translator
        .push(format!("data: {}\n\n", delta(json!({"reasoning_content": "hm"}))).as_bytes());
    events.extend(translator.abort("read timeout"));
    validate_stream(&events).expect("valid");
    assert_eq!(
        translator.error().map(|e| e.message.as_str()),
        Some("upstream: read timeout")
    );
    assert_eq!(
        translator.error_message().as_deref(),
        Some("upstream: read timeout")
    );
    assert!(translator.finish().is_empty());
}

#[test]
fn groq_usage_without_stream_options() {
    let mut last = finish("stop");
    last["x_groq"] = json!({"usage": {"prompt_tokens": 77, "completion_tokens": 5}});
    let (events, _) = run(&sse(&[delta(json!({"content": "Hey"})), last]));
    assert_eq!(
        (
            outcome(&events).1.input_tokens,
            outcome(&events).1.output_tokens
        ),
        (77, 5)
    );
}
