//! Request translation: conversation shape, tools, generation settings and the protocol §8
//! pitfalls that concern Gemini requests (rows 4, 5, 6).

mod recorded;
mod thinking;

use serde_json::{Value, json};

use super::translate_request;
use crate::anthropic::{MessagesRequest, parse_request};
use crate::gemini::signature::wrap;
use crate::openai::stream::synthetic_signature;

pub(super) fn request(body: &Value) -> MessagesRequest {
    parse_request(body.to_string().as_bytes(), false).expect("valid request")
}

pub(super) fn translate(body: &Value, model: &str) -> Value {
    translate_request(&request(body), model).body
}

fn roles(body: &Value) -> Vec<&str> {
    body["contents"]
        .as_array()
        .expect("contents")
        .iter()
        .map(|c| c["role"].as_str().expect("role"))
        .collect()
}

/// A tool loop as Claude Code sends it: the assistant turn echoed, then the results.
fn tool_loop(assistant: Value, results: Value) -> Value {
    let mut body = json!({"model": "claude-sonnet-5-5", "max_tokens": 1000, "messages": [
        {"role": "user", "content": "List the files."},
        {"role": "assistant"},
        {"role": "user"},
    ]});
    body["messages"][1]["content"] = assistant;
    body["messages"][2]["content"] = results;
    body
}

#[test]
fn system_roles_and_merged_turns() {
    let body = json!({"model": "m", "max_tokens": 10,
    "system": [{"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1"},
               {"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}}],
    "messages": [
        {"role": "user", "content": [{"type": "text", "text": "<reminder>"}, {"type": "text", "text": "hi"}]},
        {"role": "system", "content": [{"type": "text", "text": "# Environment"}]},
        {"role": "user", "content": "again"},
        {"role": "assistant", "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": " "}]},
        {"role": "assistant", "content": "there"},
        {"role": "user", "content": [{"type": "text", "text": "  "}]},
        {"role": "system", "content": "late"},
    ]});
    let out = translate(&body, "gemini-2.5-pro");
    assert_eq!(
        out["systemInstruction"],
        json!({"parts": [{"text": "You are Claude Code."}, {"text": "# Environment"}, {"text": "late"}]})
    );
    assert_eq!(roles(&out), vec!["user", "model"]);
    assert_eq!(
        out["contents"][0]["parts"],
        json!([{"text": "<reminder>"}, {"text": "hi"}, {"text": "again"}])
    );
    assert_eq!(
        out["contents"][1]["parts"],
        json!([{"text": "Hello"}, {"text": "there"}])
    );
    assert!(out.get("model").is_none() && out.get("stream").is_none());
    assert!(!out.to_string().contains("cache_control"));
}

#[test]
fn model_first_and_empty_conversations_get_a_user_turn() {
    let body = json!({"model": "m", "max_tokens": 10, "messages": [
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "ls"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "a.rs"}]}]});
    let out = translate(&body, "gemini-3-pro-preview");
    assert_eq!(roles(&out), vec!["user", "model", "user"]);
    let body =
        json!({"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": " "}]});
    let out = translate(&body, "gemini-2.5-pro");
    assert_eq!(roles(&out), vec!["user"]);
    assert!(out["contents"][0]["parts"][0]["text"].is_string());
}

#[test]
fn tool_round_trip_with_errors_and_images() {
    let out = translate(
        &tool_loop(
            json!([{"type": "text", "text": "Looking."},
                   {"type": "tool_use", "id": "toolu_a", "name": "Bash", "input": {"command": "ls"}},
                   {"type": "tool_use", "id": "toolu_b", "name": "Read", "input": {"file_path": "/a.png"}}]),
            json!([{"type": "tool_result", "tool_use_id": "toolu_b", "content": [
                        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}}]},
                   {"type": "tool_result", "tool_use_id": "toolu_a", "is_error": true,
                    "content": "Permission denied", "cache_control": {"type": "ephemeral"}},
                   {"type": "text", "text": "Go on."}]),
        ),
        "gemini-2.5-flash",
    );
    assert_eq!(roles(&out), vec!["user", "model", "user"]);
    assert_eq!(
        out["contents"][1]["parts"],
        json!([{"text": "Looking."},
               {"functionCall": {"name": "Bash", "args": {"command": "ls"}}},
               {"functionCall": {"name": "Read", "args": {"file_path": "/a.png"}}}])
    );
    assert_eq!(
        out["contents"][2]["parts"],
        json!([{"functionResponse": {"name": "Bash", "response": {"error": "Permission denied"}}},
               {"functionResponse": {"name": "Read", "response": {"output": "(the result is attached below)"}}},
               {"inlineData": {"mimeType": "image/png", "data": "iVBOR"}},
               {"text": "Go on."}])
    );
}

#[test]
fn pitfall_04_schema_keywords_are_cleaned() {
    let body = json!({"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}],
    "tools": [
        {"name": "WebFetch", "description": "Fetch", "input_schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "additionalProperties": false,
            "properties": {
                "url": {"type": "string", "format": "uri"},
                "limit": {"type": "integer", "exclusiveMinimum": 0, "maximum": 9_007_199_254_740_991_i64},
                "mode": {"const": "fast"},
                "tags": {"type": "object", "propertyNames": {"pattern": "^a"}, "additionalProperties": {"type": "string"}},
                "note": {"type": ["string", "null"]},
                "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}]},
                "opts": {"type": "object", "properties": {}},
                "anything": {}
            },
            "required": ["url"]}},
        {"name": "ToolSearch", "input_schema": {"type": "object", "properties": {}}, "defer_loading": true},
        {"name": "Empty", "input_schema": {}}
    ]});
    let out = translate(&body, "gemini-2.5-pro");
    let declarations = out["tools"][0]["functionDeclarations"]
        .as_array()
        .expect("declarations");
    assert_eq!(declarations.len(), 3);
    let parameters = &declarations[0]["parameters"];
    let text = parameters.to_string();
    for banned in [
        "$schema",
        "additionalProperties",
        "exclusiveMinimum",
        "propertyNames",
        "\"const\"",
        "prefixItems",
        "\"uri\"",
        "9007199254740991",
    ] {
        assert!(!text.contains(banned), "{banned} left in {text}");
    }
    assert_eq!(parameters["properties"]["limit"]["minimum"], 1);
    assert_eq!(parameters["properties"]["mode"]["enum"], json!(["fast"]));
    assert_eq!(
        parameters["properties"]["note"],
        json!({"type": "string", "nullable": true})
    );
    assert_eq!(parameters["properties"]["opts"], json!({"type": "object"}));
    assert_eq!(parameters["required"], json!(["url"]));
    // A tool without parameters is declared without `parameters` ("properties: should be
    // non-empty for OBJECT type").
    assert_eq!(declarations[1], json!({"name": "ToolSearch"}));
    assert_eq!(declarations[2], json!({"name": "Empty"}));
    assert_eq!(declarations[0]["description"], "Fetch");
}

#[test]
fn tool_choice_server_tools_and_long_names() {
    let long = format!("mcp__{}__query", "database".repeat(9));
    let tools = json!([{"name": "Bash", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}},
                       {"name": long, "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}},
                       {"type": "web_search_20250305", "name": "web_search", "max_uses": 8},
                       {"type": "bash_20250124", "name": "bash"}]);
    let with_choice = |choice: Value| {
        let body = json!({"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}],
                          "tools": tools, "tool_choice": choice});
        translate_request(&request(&body), "gemini-2.5-flash")
    };
    let auto = with_choice(json!({"type": "auto", "disable_parallel_tool_use": true}));
    assert_eq!(
        auto.body["toolConfig"],
        json!({"functionCallingConfig": {"mode": "AUTO"}})
    );
    assert_eq!(auto.body["tools"][1], json!({"googleSearch": {}}));
    assert_eq!(auto.body["tools"].as_array().map(Vec::len), Some(2));
    let short = auto.body["tools"][0]["functionDeclarations"][1]["name"]
        .as_str()
        .expect("name");
    assert!(short.len() <= 64 && short != long, "{short}");
    assert_eq!(auto.tool_names.client_name(short), long);
    assert_eq!(
        with_choice(json!({"type": "any"})).body["toolConfig"]["functionCallingConfig"]["mode"],
        "ANY"
    );
    assert_eq!(
        with_choice(json!({"type": "none"})).body["toolConfig"]["functionCallingConfig"]["mode"],
        "NONE"
    );
    assert_eq!(
        with_choice(json!({"type": "tool", "name": long})).body["toolConfig"],
        json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [short]}})
    );
    // Pitfall 11: a choice naming a dropped server tool is dropped too.
    assert!(
        with_choice(json!({"type": "tool", "name": "web_search"}))
            .body
            .get("toolConfig")
            .is_none()
    );
    // Only a server tool: no functions, no functionCallingConfig.
    let body = json!({"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "news?"}],
                      "tools": [{"type": "web_search_20250305", "name": "web_search"}], "tool_choice": {"type": "any"}});
    let out = translate(&body, "gemini-3-flash-preview");
    assert_eq!(out["tools"], json!([{"googleSearch": {}}]));
    assert!(out.get("toolConfig").is_none());
}

#[test]
fn generation_settings_are_mapped_and_clamped() {
    let body = json!({"model": "m", "max_tokens": 128000, "temperature": 0.2, "top_p": 0.9, "top_k": 40,
        "stop_sequences": ["a", "", "b", "c", "d", "e", "f"],
        "messages": [{"role": "user", "content": "hi"}]});
    let config = translate(&body, "gemini-2.5-pro")["generationConfig"].clone();
    assert_eq!(
        config,
        json!({"maxOutputTokens": 65536, "temperature": 0.2, "topP": 0.9, "topK": 40,
               "stopSequences": ["a", "b", "c", "d", "e"]})
    );
    assert_eq!(
        translate(&body, "gemini-2.0-flash")["generationConfig"]["maxOutputTokens"],
        8192
    );
    let prewarm =
        json!({"model": "m", "max_tokens": 0, "messages": [{"role": "user", "content": "hi"}]});
    assert_eq!(
        translate(&prewarm, "gemini-3-pro-preview")["generationConfig"],
        json!({"maxOutputTokens": 1})
    );
}

#[test]
fn json_output_only_without_functions() {
    let format = json!({"type": "json_schema", "schema": {"type": "object", "additionalProperties": false,
                        "properties": {"title": {"type": "string"}}, "required": ["title"]}});
    let body = json!({"model": "m", "max_tokens": 100, "output_config": {"effort": "medium", "format": format},
                      "messages": [{"role": "user", "content": "Title?"}]});
    let config = translate(&body, "gemini-2.5-flash")["generationConfig"].clone();
    assert_eq!(config["responseMimeType"], "application/json");
    assert_eq!(
        config["responseSchema"],
        json!({"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]})
    );
    let mut with_tools = body;
    with_tools["tools"] = json!([{"name": "Bash", "input_schema": {"type": "object", "properties": {"c": {"type": "string"}}}}]);
    assert!(
        translate(&with_tools, "gemini-2.5-flash")["generationConfig"]
            .get("responseMimeType")
            .is_none()
    );
}

#[test]
fn pitfall_05_thought_signatures_are_restored() {
    // Parallel calls of one step: the signature goes back onto the first call only.
    let assistant = json!([
        {"type": "thinking", "thinking": "Plan", "signature": wrap("SIG_A")},
        {"type": "text", "text": "Reading both."},
        {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {"file_path": "/a"}},
        {"type": "tool_use", "id": "toolu_2", "name": "Read", "input": {"file_path": "/b"}}]);
    let results = json!([{"type": "tool_result", "tool_use_id": "toolu_1", "content": "a"},
                         {"type": "tool_result", "tool_use_id": "toolu_2", "content": "b"}]);
    let out = translate(
        &tool_loop(assistant, results.clone()),
        "gemini-3-pro-preview",
    );
    let parts = &out["contents"][1]["parts"];
    assert_eq!(
        parts[0],
        json!({"text": "Reading both."}),
        "thinking is not re-sent"
    );
    assert_eq!(parts[1]["thoughtSignature"], "SIG_A");
    assert!(parts[2].get("thoughtSignature").is_none());

    // Sequential steps: each model turn's first call has its own signature.
    let body = json!({"model": "m", "max_tokens": 100, "messages": [
        {"role": "user", "content": "Go"},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "(no content)", "signature": wrap("S1")},
            {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "ls"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "x"}]},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "more", "signature": wrap("S2")},
            {"type": "tool_use", "id": "t2", "name": "Bash", "input": {"command": "pwd"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t2", "content": "/"}]}]});
    let out = translate(&body, "gemini-3-flash-preview");
    assert_eq!(out["contents"][1]["parts"][0]["thoughtSignature"], "S1");
    assert_eq!(out["contents"][3]["parts"][0]["thoughtSignature"], "S2");

    // One response split over several assistant messages keeps its signature.
    let body = json!({"model": "m", "max_tokens": 100, "messages": [
        {"role": "user", "content": "Go"},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "t", "signature": wrap("S3")}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t3", "name": "Bash", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t3", "content": "ok"}]}]});
    let out = translate(&body, "gemini-3-pro-preview");
    assert_eq!(
        out["contents"][1]["parts"],
        json!([{"functionCall": {"name": "Bash", "args": {}}, "thoughtSignature": "S3"}])
    );

    // No Gemini signature (another provider's history, a synthetic or an Anthropic one):
    // the documented sentinel on Gemini 3, nothing on 2.5, which does not check.
    for signature in [synthetic_signature("Plan"), "EqQBCkYIBRgC".to_owned()] {
        let assistant = json!([{"type": "thinking", "thinking": "Plan", "signature": signature},
            {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {}},
            {"type": "tool_use", "id": "toolu_2", "name": "Read", "input": {}}]);
        let body = tool_loop(assistant, results.clone());
        let out = translate(&body, "gemini-3-pro-preview");
        let parts = &out["contents"][1]["parts"];
        assert_eq!(
            parts[0]["thoughtSignature"],
            "skip_thought_signature_validator"
        );
        assert!(parts[1].get("thoughtSignature").is_none());
        let out = translate(&body, "gemini-2.5-pro");
        assert!(!out.to_string().contains("thoughtSignature"));
    }
}

#[test]
fn pitfall_06_one_function_response_per_call() {
    // Results in another order, one missing (Esc interrupt), one duplicated, one unknown,
    // and text before the results: one response per call, in call order, first in the turn.
    let assistant = json!([
        {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "a"}},
        {"type": "tool_use", "id": "toolu_2", "name": "Bash", "input": {"command": "b"}},
        {"type": "tool_use", "id": "toolu_3", "name": "Grep", "input": {"pattern": "c"}}]);
    let results = json!([
        {"type": "text", "text": "[Request interrupted by user]"},
        {"type": "tool_result", "tool_use_id": "toolu_3", "content": [{"type": "text", "text": "c1"}, {"type": "text", "text": "c2"}]},
        {"type": "tool_result", "tool_use_id": "toolu_1"},
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "again"},
        {"type": "tool_result", "tool_use_id": "toolu_old", "content": "stale"}]);
    let out = translate(&tool_loop(assistant, results), "gemini-2.5-pro");
    let parts = out["contents"][2]["parts"].as_array().expect("parts");
    let responses: Vec<&Value> = parts
        .iter()
        .take_while(|p| p.get("functionResponse").is_some())
        .collect();
    assert_eq!(
        responses,
        vec![
            &json!({"functionResponse": {"name": "Bash", "response": {"output": "(no output)"}}}),
            &json!({"functionResponse": {"name": "Bash", "response": {"output": "(interrupted by user)"}}}),
            &json!({"functionResponse": {"name": "Grep", "response": {"output": "c1\nc2"}}}),
        ]
    );
    assert_eq!(
        parts
            .iter()
            .filter(|p| p.get("functionResponse").is_some())
            .count(),
        3
    );
    let texts: Vec<&str> = parts[3..]
        .iter()
        .map(|p| p["text"].as_str().expect("text"))
        .collect();
    assert_eq!(texts[0], "[Request interrupted by user]");
    assert_eq!(texts[1], "[Result of tool call Bash (toolu_1)]\nagain");
    assert_eq!(texts[2], "[Result of tool call toolu_old]\nstale");

    // Results split over two user messages are merged into one turn.
    let body = json!({"model": "m", "max_tokens": 10, "messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "a", "name": "Bash", "input": {}},
                                           {"type": "tool_use", "id": "b", "name": "Bash", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "a", "content": "1"}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "b", "content": "2"}]}]});
    let out = translate(&body, "gemini-2.5-pro");
    assert_eq!(roles(&out), vec!["user", "model", "user"]);
    assert_eq!(
        out["contents"][2]["parts"],
        json!([{"functionResponse": {"name": "Bash", "response": {"output": "1"}}},
               {"functionResponse": {"name": "Bash", "response": {"output": "2"}}}])
    );
}
