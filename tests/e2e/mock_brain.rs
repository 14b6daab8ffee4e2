//! A tiny deterministic "model" behind the mock upstream, in each dialect: after a tool
//! result it reports the result's first line; a prompt containing `run-echo` gets a Bash
//! call, `read-file PATH` a Read call; anything else a greeting.

use std::time::Duration;

use serde_json::{Value, json};

use crate::mock_upstream::{Reply, cut, sse};

#[derive(Debug, Clone, Copy)]
pub enum Dialect {
    OpenAi,
    Gemini { stream: bool },
    Anthropic,
}

/// What the model says: text, and maybe one tool call.
struct Answer {
    text: String,
    call: Option<(&'static str, Value)>,
}

pub fn reply(dialect: Dialect, request: &Value, json_only: bool) -> Reply {
    let (tool_result, user_text) = match dialect {
        Dialect::OpenAi => read_openai(request),
        Dialect::Gemini { .. } => read_gemini(request),
        Dialect::Anthropic => read_anthropic(request),
    };
    let answer = decide(tool_result, &user_text);
    let prompt_tokens = request.to_string().len() / 4;
    match dialect {
        Dialect::OpenAi => openai(
            &answer,
            prompt_tokens,
            json_only || request["stream"] != true,
            &request["model"],
        ),
        Dialect::Gemini { stream } => gemini(&answer, prompt_tokens, stream && !json_only),
        Dialect::Anthropic => anthropic(
            &answer,
            prompt_tokens,
            request["stream"] == true && !json_only,
            &request["model"],
        ),
    }
}

fn decide(tool_result: Option<String>, user_text: &str) -> Answer {
    if let Some(result) = tool_result {
        let first = result.lines().next().unwrap_or("").to_owned();
        return Answer {
            text: format!("The tool said: {first}"),
            call: None,
        };
    }
    if user_text.contains("run-echo") {
        let input =
            json!({"command": "echo hello-from-tool", "description": "Run the requested command"});
        return Answer {
            text: "I will run it.".into(),
            call: Some(("Bash", input)),
        };
    }
    if let Some(at) = user_text.find("read-file ") {
        let path = user_text[at + 10..]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_owned();
        return Answer {
            text: "Reading it.".into(),
            call: Some(("Read", json!({"file_path": path}))),
        };
    }
    Answer {
        text: "Hello from the mock model.".into(),
        call: None,
    }
}

fn texts(parts: &Value, field: &str) -> String {
    match parts {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(|p| p[field].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn read_openai(request: &Value) -> (Option<String>, String) {
    let messages = request["messages"].as_array().cloned().unwrap_or_default();
    let last = messages.iter().rev().find(|m| m["role"] != "system");
    let result = last
        .filter(|m| m["role"] == "tool")
        .map(|m| m["content"].as_str().unwrap_or("").to_owned());
    let user = messages
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| texts(&m["content"], "text"));
    (result, user.collect::<Vec<_>>().join("\n"))
}

fn read_gemini(request: &Value) -> (Option<String>, String) {
    let contents = request["contents"].as_array().cloned().unwrap_or_default();
    let result = contents.last().and_then(|c| {
        c["parts"].as_array()?.iter().find_map(|p| {
            let response = &p["functionResponse"]["response"];
            response["output"]
                .as_str()
                .or(response["error"].as_str())
                .map(str::to_owned)
        })
    });
    let user = contents
        .iter()
        .filter(|c| c["role"] == "user")
        .map(|c| texts(&c["parts"], "text"));
    (result, user.collect::<Vec<_>>().join("\n"))
}

fn read_anthropic(request: &Value) -> (Option<String>, String) {
    let messages = request["messages"].as_array().cloned().unwrap_or_default();
    let last = messages.iter().rev().find(|m| m["role"] != "system");
    let result = last.filter(|m| m["role"] == "user").and_then(|m| {
        m["content"]
            .as_array()?
            .iter()
            .find(|b| b["type"] == "tool_result")
            .map(|b| texts(&b["content"], "text"))
    });
    let user = messages
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| texts(&m["content"], "text"));
    (result, user.collect::<Vec<_>>().join("\n"))
}

fn openai(answer: &Answer, prompt_tokens: usize, whole: bool, model: &Value) -> Reply {
    let finish = if answer.call.is_some() {
        "tool_calls"
    } else {
        "stop"
    };
    let usage = json!({"prompt_tokens": prompt_tokens, "completion_tokens": 12, "total_tokens": prompt_tokens + 12});
    if whole {
        let mut message = json!({"role": "assistant", "content": answer.text});
        if let Some((name, args)) = &answer.call {
            message["tool_calls"] = json!([{"id": "call_1", "type": "function", "function": {"name": name, "arguments": args.to_string()}}]);
        }
        let choice = json!({"index": 0, "message": message, "finish_reason": finish});
        return Reply::Json(
            200,
            json!({"id": "chatcmpl-brain", "object": "chat.completion", "model": model,
            "choices": [choice], "usage": usage}),
        );
    }
    let chunk = |delta: Value, finish: Option<&str>| {
        let choice = json!({"index": 0, "delta": delta, "finish_reason": finish});
        json!({"id": "chatcmpl-brain", "object": "chat.completion.chunk", "choices": [choice]})
    };
    let mut chunks = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
    for word in answer.text.split_inclusive(' ') {
        chunks.push(chunk(json!({"content": word}), None));
    }
    if let Some((name, args)) = &answer.call {
        let args = args.to_string();
        let (a, b) = args.split_at(args.len() / 2);
        let first = json!([{"index": 0, "id": "call_1", "type": "function", "function": {"name": name, "arguments": a}}]);
        chunks.push(chunk(json!({"tool_calls": first}), None));
        chunks.push(chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": b}}]}),
            None,
        ));
    }
    chunks.push(chunk(json!({}), Some(finish)));
    chunks.push(json!({"id": "chatcmpl-brain", "object": "chat.completion.chunk", "choices": [], "usage": usage}));
    Reply::Sse(cut(&sse(&chunks), &[64, 17]), Duration::from_millis(1))
}

fn gemini(answer: &Answer, prompt_tokens: usize, stream: bool) -> Reply {
    let usage = json!({"promptTokenCount": prompt_tokens, "candidatesTokenCount": 12, "totalTokenCount": prompt_tokens + 12});
    let call_part = answer
        .call
        .as_ref()
        .map(|(name, args)| json!({"functionCall": {"name": name, "args": args}}));
    let candidate = |parts: Vec<Value>, finish: Option<&str>| {
        let mut c = json!({"content": {"role": "model", "parts": parts}, "index": 0});
        if let Some(f) = finish {
            c["finishReason"] = json!(f);
        }
        c
    };
    if !stream {
        let mut parts = vec![json!({"text": answer.text})];
        parts.extend(call_part);
        return Reply::Json(
            200,
            json!({"candidates": [candidate(parts, Some("STOP"))], "usageMetadata": usage}),
        );
    }
    let mut chunks: Vec<Value> = answer
        .text
        .split_inclusive(' ')
        .map(|word| json!({"candidates": [candidate(vec![json!({"text": word})], None)]}))
        .collect();
    let mut last = json!({"candidates": [candidate(call_part.into_iter().collect(), Some("STOP"))], "usageMetadata": usage});
    if last["candidates"][0]["content"]["parts"]
        .as_array()
        .is_some_and(Vec::is_empty)
    {
        last["candidates"][0]["content"]["parts"] = json!([{"text": ""}]);
    }
    chunks.push(last);
    let body: String = chunks
        .iter()
        .map(|c| format!("data: {c}\r\n\r\n"))
        .collect();
    Reply::Sse(cut(body.as_bytes(), &[50, 13]), Duration::from_millis(1))
}

fn anthropic(answer: &Answer, prompt_tokens: usize, stream: bool, model: &Value) -> Reply {
    let stop = if answer.call.is_some() {
        "tool_use"
    } else {
        "end_turn"
    };
    let mut content = vec![json!({"type": "text", "text": answer.text})];
    if let Some((name, args)) = &answer.call {
        content
            .push(json!({"type": "tool_use", "id": "toolu_brain1", "name": name, "input": args}));
    }
    let usage = json!({"input_tokens": prompt_tokens, "output_tokens": 12, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0});
    if !stream {
        return Reply::Json(
            200,
            json!({"id": "msg_brain", "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop, "stop_sequence": null, "usage": usage}),
        );
    }
    let mut events = vec![(
        "message_start",
        json!({"type": "message_start", "message": {"id": "msg_brain", "type": "message", "role": "assistant",
            "model": model, "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": prompt_tokens, "output_tokens": 1}}}),
    )];
    events.push(("content_block_start", json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})));
    events.push(("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": answer.text}})));
    events.push((
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    ));
    if let Some((name, args)) = &answer.call {
        events.push(("content_block_start", json!({"type": "content_block_start", "index": 1,
            "content_block": {"type": "tool_use", "id": "toolu_brain1", "name": name, "input": {}}})));
        events.push((
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": args.to_string()}}),
        ));
        events.push((
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 1}),
        ));
    }
    events.push((
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
        "usage": {"output_tokens": 12}}),
    ));
    events.push(("message_stop", json!({"type": "message_stop"})));
    let body: String = events
        .iter()
        .map(|(name, data)| format!("event: {name}\ndata: {data}\n\n"))
        .collect();
    Reply::Sse(cut(body.as_bytes(), &[40, 11]), Duration::from_millis(1))
}
