//! Harness for the Gemini stream translator: every scenario is fed whole, byte by byte and
//! in many random chunkings; all must give the same events, and every sequence must pass the
//! grammar check of `testing::validate_stream`. Chunks have the shape Gemini streams: each a
//! `GenerateContentResponse` with the new parts, `usageMetadata` on every chunk (complete on
//! the last), `\r\n\r\n` between events.

use serde_json::{Value, json};

use super::GeminiStreamTranslator;
use crate::anthropic::{ResponseBlock, StopReason, StreamEvent};
use crate::openai::stream::tests::{blocks, normalise, outcome, text};
use crate::testing::{parse_sse, random_chunks, to_sse, validate_stream};
use crate::tool_names::ToolNameMap;

pub(super) const ESTIMATE: u64 = 4321;

/// A chunk with `parts` and early usage (prompt count only, as Gemini sends mid-stream).
pub(super) fn chunk(parts: Value) -> Value {
    let mut chunk = json!({"candidates": [{"content": {"role": "model"}, "index": 0}],
           "usageMetadata": {"promptTokenCount": 9000, "totalTokenCount": 9000},
           "modelVersion": "gemini-3-pro-preview", "responseId": "r-1"});
    chunk["candidates"][0]["content"]["parts"] = parts;
    chunk
}

/// The last chunk: `parts`, `finishReason` and complete usage.
pub(super) fn last(parts: Value, finish: &str) -> Value {
    let mut chunk = chunk(parts);
    chunk["candidates"][0]["finishReason"] = json!(finish);
    chunk["usageMetadata"] = json!({"promptTokenCount": 9000, "candidatesTokenCount": 40, "totalTokenCount": 9140,
                                    "cachedContentTokenCount": 8000, "thoughtsTokenCount": 100});
    chunk
}

/// SSE text for the chunks, as `streamGenerateContent?alt=sse` sends it (no `[DONE]`).
pub(super) fn sse(chunks: &[Value]) -> String {
    chunks
        .iter()
        .map(|c| format!("data: {c}\r\n\r\n"))
        .collect()
}

fn feed(pieces: &[&[u8]], names: &ToolNameMap) -> (Vec<StreamEvent>, GeminiStreamTranslator) {
    let mut translator =
        GeminiStreamTranslator::new("claude-sonnet-5-5".to_owned(), ESTIMATE, names.clone());
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

/// Runs `input` in every chunking; checks they agree and are valid; returns the events and
/// the translator of the whole-input run.
pub(super) fn run_with(
    input: &str,
    names: &ToolNameMap,
) -> (Vec<StreamEvent>, GeminiStreamTranslator) {
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

pub(super) fn run(input: &str) -> (Vec<StreamEvent>, GeminiStreamTranslator) {
    run_with(input, &ToolNameMap::default())
}

pub(super) fn thinking(thinking: &str, signature: &str) -> ResponseBlock {
    ResponseBlock::Thinking {
        thinking: thinking.to_owned(),
        signature: signature.to_owned(),
    }
}

/// Position of the first event matching `f`.
pub(super) fn position(events: &[StreamEvent], f: impl Fn(&StreamEvent) -> bool) -> usize {
    events.iter().position(f).expect("event present")
}

#[test]
fn plain_text() {
    let input = sse(&[
        chunk(json!([{"text": "Hel"}])),
        chunk(json!([{"text": "lo, wörld"}])),
        last(json!([{"text": "!"}]), "STOP"),
    ]);
    let (events, translator) = run(&input);
    assert!(matches!(
        &events[..2],
        [StreamEvent::MessageStart { .. }, StreamEvent::Ping]
    ));
    assert_eq!(blocks(&events), vec![text("Hello, wörld!")]);
    assert_eq!(outcome(&events).0, StopReason::EndTurn);
    assert!(matches!(events.last(), Some(StreamEvent::MessageStop)));
    assert_eq!(translator.stop_reason(), Some(StopReason::EndTurn));
    assert_eq!(translator.finish_reason(), Some("STOP"));
    assert!(!translator.failed() && translator.is_done());
}

#[test]
fn thoughts_then_answer_signed_by_the_last_part() {
    // Gemini 3 without calls: the signature comes on a last, empty text part.
    let input = sse(&[
        chunk(json!([{"text": "**Recalling facts**\n\n", "thought": true}])),
        chunk(json!([{"text": "The capital is well known.", "thought": true}])),
        chunk(json!([{"text": "Paris is the capital"}])),
        last(
            json!([{"text": " of France."}, {"text": "", "thoughtSignature": "SIG_END"}]),
            "STOP",
        ),
    ]);
    let (events, _) = run(&input);
    assert_eq!(
        blocks(&events),
        vec![
            thinking(
                "**Recalling facts**\n\nThe capital is well known.",
                "gemini.SIG_END"
            ),
            text("Paris is the capital of France."),
        ]
    );
}

#[test]
fn thoughts_without_signature_get_a_synthetic_one() {
    let input = sse(&[
        chunk(json!([{"text": "Plan.", "thought": true}])),
        last(json!([{"text": "Answer."}]), "STOP"),
    ]);
    let (events, _) = run(&input);
    let signature = crate::openai::stream::synthetic_signature("Plan.");
    assert_eq!(
        blocks(&events),
        vec![thinking("Plan.", &signature), text("Answer.")]
    );
}

#[test]
fn short_answers_are_released_at_the_end_long_ones_stream() {
    // A long answer streams once the hold limit is passed, before the stream ends.
    let mut translator = GeminiStreamTranslator::new("m".to_owned(), 1, ToolNameMap::default());
    let mut events = translator.start();
    let piece = "word ".repeat(60);
    let mut streamed_before_end = false;
    for _ in 0..6 {
        let frame = format!("data: {}\r\n\r\n", chunk(json!([{"text": piece}])));
        let new = translator.push(frame.as_bytes());
        streamed_before_end |= new
            .iter()
            .any(|e| matches!(e, StreamEvent::ContentBlockDelta { .. }));
        events.extend(new);
    }
    assert!(
        streamed_before_end,
        "text streams after {} bytes",
        super::HOLD_LIMIT
    );
    events.extend(translator.push(format!("data: {}\r\n\r\n", last(json!([]), "STOP")).as_bytes()));
    events.extend(translator.finish());
    validate_stream(&events).expect("valid");
    assert_eq!(blocks(&events), vec![text(&piece.repeat(6))]);
}

#[test]
fn json_bodies_instead_of_a_stream() {
    // Without `alt=sse`, Gemini streams one JSON array.
    let array = json!([
        chunk(json!([{"text": "Who"}])),
        last(json!([{"text": "le"}]), "STOP")
    ]);
    let (events, translator) = run(&serde_json::to_string_pretty(&array).expect("json"));
    assert_eq!(blocks(&events), vec![text("Whole")]);
    assert!(!translator.notes().is_empty());
    let error = r#"{"error": {"code": 403, "message": "Permission denied on resource project x.", "status": "PERMISSION_DENIED"}}"#;
    let (events, translator) = run(error);
    let error = translator.error().expect("error").clone();
    assert_eq!(error.kind, crate::anthropic::ErrorType::PermissionError);
    assert!(matches!(events.last(), Some(StreamEvent::Error { .. })));
}

#[test]
fn abort_closes_the_open_block() {
    let mut translator = GeminiStreamTranslator::new("m".to_owned(), 1, ToolNameMap::default())
        .with_provider("gemini-key-2");
    let frame = format!(
        "data: {}\r\n\r\n",
        chunk(json!([{"text": "hm", "thought": true}]))
    );
    let mut events = translator.push(frame.as_bytes());
    events.extend(translator.abort("read timeout"));
    validate_stream(&events).expect("valid");
    assert_eq!(
        translator.error_message().as_deref(),
        Some("gemini-key-2: read timeout")
    );
    assert!(translator.finish().is_empty() && translator.is_done());
    assert!(!translator.message_id().is_empty());
}

#[test]
fn unsupported_parts_are_noted() {
    let input = sse(&[last(
        json!([{"executableCode": {"language": "PYTHON", "code": "print(1)"}}, {"text": "1"}]),
        "STOP",
    )]);
    let (events, translator) = run(&input);
    assert_eq!(blocks(&events), vec![text("1")]);
    assert!(
        translator
            .notes()
            .iter()
            .any(|n| n.contains("executableCode")),
        "{:?}",
        translator.notes()
    );
}
