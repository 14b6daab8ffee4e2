//! `cargo bench -p relay`: how fast, and with how much memory, the hot path translates.
//!
//! Inputs are real: the largest `/v1/messages` request Claude Code sent in the recorded
//! sessions (tools, system prompt, history), and an OpenAI-style stream of a long answer with
//! a tool call, fed in 1 KiB reads. Each case reports the mean time per operation, the
//! throughput over the input bytes, and the allocations (count and bytes) per operation,
//! measured by `stats_alloc`'s counting allocator. No framework: a warm-up, then a fixed time box.

use std::alloc::System;
use std::hint::black_box;
use std::time::{Duration, Instant};

use relay::anthropic::parse_request;
use relay::openai::quirks::quirks_for;
use relay::openai::request::translate_request;
use relay::openai::stream::StreamTranslator;
use relay::tool_names::ToolNameMap;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

// Counts every allocation, so each case can report its allocations and bytes per operation.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const TIME_BOX: Duration = Duration::from_secs(2);

/// Runs `op` repeatedly for the time box and prints its figures.
fn bench(name: &str, input_bytes: usize, mut op: impl FnMut()) {
    for _ in 0..3 {
        op();
    }
    let region = Region::new(GLOBAL);
    let start = Instant::now();
    let mut runs = 0u64;
    while start.elapsed() < TIME_BOX {
        op();
        runs += 1;
    }
    let elapsed = start.elapsed();
    let per_op = elapsed / u32::try_from(runs).unwrap_or(u32::MAX);
    let mib_per_s = input_bytes as f64 * runs as f64 / elapsed.as_secs_f64() / (1024.0 * 1024.0);
    let change = region.change();
    let allocs = (change.allocations + change.reallocations) as u64 / runs;
    let bytes = change.bytes_allocated as u64 / runs;
    println!(
        "{name:<44} {runs:>7} runs  {per_op:>12.2?}/op  {mib_per_s:>8.1} MiB/s  \
         {allocs:>7} allocs/op  {:>9.1} KiB/op",
        bytes as f64 / 1024.0
    );
}

/// The largest recorded Claude Code `/v1/messages` body.
fn largest_request() -> Vec<u8> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code");
    let mut best: Vec<u8> = Vec::new();
    for entry in std::fs::read_dir(dir).expect("fixtures folder") {
        let text = std::fs::read_to_string(entry.expect("fixture").path()).expect("fixture");
        for line in text.lines() {
            let record: serde_json::Value = serde_json::from_str(line).expect("fixture line");
            if record["path"] == "/v1/messages" {
                let body = serde_json::to_vec(&record["body"]).expect("body");
                if body.len() > best.len() {
                    best = body;
                }
            }
        }
    }
    assert!(!best.is_empty(), "no /v1/messages request in the fixtures");
    best
}

/// An OpenAI-style stream: `words` text deltas, then a tool call in 50 argument pieces,
/// usage, and `[DONE]`.
fn openai_stream(words: usize) -> Vec<u8> {
    let mut out = String::new();
    let chunk = |delta: serde_json::Value, finish: serde_json::Value| {
        serde_json::json!({
            "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1,
            "model": "bench-model",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
        })
    };
    let mut push = |value: serde_json::Value| {
        out.push_str("data: ");
        out.push_str(&value.to_string());
        out.push_str("\n\n");
    };
    push(chunk(
        serde_json::json!({"role": "assistant", "content": ""}),
        serde_json::Value::Null,
    ));
    for i in 0..words {
        push(chunk(
            serde_json::json!({"content": format!("word{i} ")}),
            serde_json::Value::Null,
        ));
    }
    push(chunk(
        serde_json::json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
            "function": {"name": "Bash", "arguments": ""}}]}),
        serde_json::Value::Null,
    ));
    for i in 0..50 {
        let piece = if i == 0 {
            "{\"command\": \"echo ".to_owned()
        } else {
            format!("part{i} ")
        };
        push(chunk(
            serde_json::json!({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}),
            serde_json::Value::Null,
        ));
    }
    push(chunk(
        serde_json::json!({"tool_calls": [{"index": 0, "function": {"arguments": "\"}"}}]}),
        serde_json::json!("tool_calls"),
    ));
    push(
        serde_json::json!({"id": "chatcmpl-bench", "object": "chat.completion.chunk",
        "choices": [], "usage": {"prompt_tokens": 1000, "completion_tokens": words + 60}}),
    );
    out.push_str("data: [DONE]\n\n");
    out.into_bytes()
}

fn main() {
    let body = largest_request();
    let request = parse_request(&body, true).expect("the recorded request parses");
    let quirks = quirks_for("https://api.deepseek.com/v1", "deepseek-chat");
    println!(
        "request: {} bytes; stream: 2000 text chunks and a tool call",
        body.len()
    );

    bench("parse Claude Code request", body.len(), || {
        black_box(parse_request(black_box(&body), true).expect("parses"));
    });
    bench("translate request to Chat Completions", body.len(), || {
        black_box(translate_request(
            black_box(&request),
            "deepseek-chat",
            &quirks,
        ));
    });
    bench("parse + translate + serialise request", body.len(), || {
        let request = parse_request(black_box(&body), true).expect("parses");
        let translated = translate_request(&request, "deepseek-chat", &quirks);
        black_box(serde_json::to_vec(&translated.body).expect("serialises"));
    });

    let stream = openai_stream(2000);
    bench(
        "translate stream to Anthropic SSE (1 KiB reads)",
        stream.len(),
        || {
            let mut translator =
                StreamTranslator::new("claude-sonnet-4-5".to_owned(), 1000, ToolNameMap::default());
            let mut sse = 0usize;
            for event in translator.start() {
                sse += event.to_sse().len();
            }
            for read in stream.chunks(1024) {
                for event in translator.push(read) {
                    sse += event.to_sse().len();
                }
            }
            for event in translator.finish() {
                sse += event.to_sse().len();
            }
            assert!(translator.is_done(), "the stream ended well");
            black_box(sse);
        },
    );
}
