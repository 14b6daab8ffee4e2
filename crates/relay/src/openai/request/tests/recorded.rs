//! Every recorded Claude Code request, translated for each kind of upstream.

use super::*;

/// Structural invariants of a translated body that every upstream relies on.
fn check_invariants(body: &Value, context: &str) {
    let messages = body["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("{context}: no messages"));
    let valid_name = |n: &str| {
        (1..=64).contains(&n.len())
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    for tool in body["tools"].as_array().into_iter().flatten() {
        let name = tool["function"]["name"].as_str().expect("tool name");
        assert!(valid_name(name), "{context}: tool name {name}");
        assert_eq!(
            tool["function"]["parameters"]["type"], "object",
            "{context}: {name}"
        );
    }
    let mut pending: Vec<String> = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let role = message["role"].as_str().expect("role");
        if role == "tool" {
            let id = message["tool_call_id"].as_str().expect("tool_call_id");
            let slot = pending.iter().position(|p| p == id);
            assert!(
                slot.is_some(),
                "{context}: message {i} answers no pending call {id}"
            );
            pending.retain(|p| p != id);
            assert!(
                !message["content"]
                    .as_str()
                    .expect("tool content")
                    .is_empty(),
                "{context}: empty tool result"
            );
            continue;
        }
        assert!(
            pending.is_empty(),
            "{context}: message {i} ({role}) before results for {pending:?}"
        );
        match &message["content"] {
            Value::String(text) => assert!(
                !text.trim().is_empty(),
                "{context}: empty {role} text at {i}"
            ),
            Value::Array(parts) => {
                assert!(!parts.is_empty(), "{context}: no parts at {i}");
                for part in parts {
                    if part["type"] == "text" {
                        assert!(
                            !part["text"].as_str().expect("text").trim().is_empty(),
                            "{context}: empty part"
                        );
                    }
                }
            }
            Value::Null => assert!(
                message.get("tool_calls").is_some(),
                "{context}: null content, no calls at {i}"
            ),
            other => panic!("{context}: content {other}"),
        }
        for call in message["tool_calls"].as_array().into_iter().flatten() {
            let name = call["function"]["name"].as_str().expect("call name");
            assert!(valid_name(name), "{context}: call name {name}");
            let arguments = call["function"]["arguments"]
                .as_str()
                .expect("arguments string");
            serde_json::from_str::<Value>(arguments).expect("arguments are JSON");
            pending.push(call["id"].as_str().expect("call id").to_owned());
        }
    }
    assert!(pending.is_empty(), "{context}: unanswered {pending:?}");
    let mut keys = Vec::new();
    all_keys(body, &mut keys);
    assert!(
        !keys.iter().any(|k| k == "cache_control"),
        "{context}: cache_control copied"
    );
}

#[test]
fn recorded_claude_code_requests_translate_with_invariants() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code");
    let upstreams = [
        openai(),
        quirks_for("https://api.openai.com/v1", "gpt-5"),
        deepseek(),
        gemini(),
        openrouter(),
        mistral(),
        Quirks::default(),
    ];
    let mut translated = 0;
    let mut saw_tool_round = false;
    for entry in std::fs::read_dir(dir).expect("fixtures directory") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read fixture");
        for (line_no, line) in text.lines().enumerate() {
            let record: Value = serde_json::from_str(line).expect("jsonl");
            let count_tokens = record["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("count_tokens"));
            let Some(body) = record
                .get("body")
                .filter(|b| b.is_object() && !count_tokens)
            else {
                continue;
            };
            let req = request(body);
            for quirks in &upstreams {
                let context = format!("{}:{} {quirks:?}", path.display(), line_no + 1);
                let out = translate_request(&req, "target", quirks).body;
                check_invariants(&out, &context);
                let messages = out["messages"].as_array().expect("messages");
                assert_eq!(messages[0]["role"], "system", "{context}");
                let system = messages[0]["content"].as_str().expect("system text");
                assert!(!system.contains("x-anthropic-billing-header"), "{context}");
                saw_tool_round |= messages.iter().any(|m| m["role"] == "tool");
                translated += 1;
            }
        }
    }
    assert!(translated > 100, "only {translated} translations");
    assert!(saw_tool_round, "fixtures include a tool round trip");
}

#[test]
fn recorded_denied_tool_keeps_the_error() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/claude-code/tool-denied.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("fixture");
    let last = text.lines().last().expect("a request");
    let record: Value = serde_json::from_str(last).expect("jsonl");
    let out = translate(&record["body"], &deepseek());
    let tool = out["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("tool");
    let content = tool["content"].as_str().expect("content");
    assert!(
        content.starts_with("Error: This Bash command contains multiple operations."),
        "{content}"
    );
    assert_eq!(out["stream_options"], json!({"include_usage": true}));
    assert_eq!(out["max_tokens"], 128000);
    assert_eq!(out["thinking"], json!({"type":"enabled"}));
}
