//! The request translation: one test per pitfall of protocol.md §8 that concerns it, the
//! §4 mappings, and every recorded Claude Code request.

use serde_json::{Value, json};

use super::messages::{INTERRUPTED, NO_OUTPUT, SKIP_SIGNATURE, call_id};
use super::*;
use crate::anthropic::parse_request;
use crate::openai::quirks::{ToolCallIds, quirks_for};

mod recorded;

fn request(body: &Value) -> MessagesRequest {
    let bytes = serde_json::to_vec(body).expect("serialise");
    parse_request(&bytes, false).unwrap_or_else(|e| panic!("{}", e.error.message))
}

fn translate(body: &Value, quirks: &Quirks) -> Value {
    translate_request(&request(body), "target-model", quirks).body
}

fn openai() -> Quirks {
    quirks_for("https://api.openai.com/v1", "gpt-4.1")
}

fn deepseek() -> Quirks {
    quirks_for("https://api.deepseek.com", "deepseek-v4-flash")
}

fn gemini() -> Quirks {
    quirks_for(
        "https://generativelanguage.googleapis.com/v1beta/openai/",
        "gemini-2.5-pro",
    )
}

fn openrouter() -> Quirks {
    quirks_for(
        "https://openrouter.ai/api/v1",
        "anthropic/claude-sonnet-4.5",
    )
}

fn mistral() -> Quirks {
    quirks_for("https://api.mistral.ai/v1", "mistral-large-latest")
}

/// A conversation with a tool call, ready for a user turn to be appended.
fn with_call(ids: &[&str], user: &Value) -> Value {
    let mut blocks = vec![json!({"type":"text","text":"Listing."})];
    blocks.extend(
        ids.iter()
            .map(|id| json!({"type":"tool_use","id":id,"name":"Bash","input":{"command":"ls"}})),
    );
    json!({
        "model": "claude-sonnet-5-5", "max_tokens": 1000,
        "tools": [{"name":"Bash","input_schema":{"type":"object","properties":{"command":{"type":"string"}}}}],
        "messages": [
            {"role":"user","content":"list files"},
            {"role":"assistant","content":blocks},
            user
        ]
    })
}

fn roles(body: &Value) -> Vec<&str> {
    body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["role"].as_str().expect("role"))
        .collect()
}

/// Every object key anywhere in `value`.
fn all_keys(value: &Value, keys: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                keys.push(key.clone());
                all_keys(inner, keys);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| all_keys(v, keys)),
        _ => {}
    }
}

#[test]
fn pitfall_02_tool_messages_come_first() {
    let user = json!({"role":"user","content":[
        {"type":"text","text":"before"},
        {"type":"tool_result","tool_use_id":"toolu_b","content":"b out"},
        {"type":"tool_result","tool_use_id":"toolu_a","content":"a out"},
        {"type":"text","text":"after"}
    ]});
    let body = translate(&with_call(&["toolu_a", "toolu_b"], &user), &openai());
    assert_eq!(roles(&body), ["user", "assistant", "tool", "tool", "user"]);
    let m = &body["messages"];
    assert_eq!(
        m[2],
        json!({"role":"tool","tool_call_id":"toolu_a","content":"a out"})
    );
    assert_eq!(
        m[3],
        json!({"role":"tool","tool_call_id":"toolu_b","content":"b out"})
    );
    assert_eq!(m[4]["content"], "before\n\nafter");
}

#[test]
fn pitfall_02_interrupt_and_system_messages_move_after_the_results() {
    let mut body = with_call(
        &["toolu_a"],
        &json!({"role":"system","content":"env changed"}),
    );
    let messages = body["messages"].as_array_mut().expect("messages");
    messages.push(json!({"role":"user","content":"stop, use -la"}));
    messages.push(json!({"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_a","content":"x"}]}));
    let out = translate(&body, &openai());
    assert_eq!(roles(&out), ["user", "assistant", "tool", "system", "user"]);
    assert_eq!(out["messages"][2]["content"], "x");
    assert_eq!(out["messages"][4]["content"], "stop, use -la");
}

#[test]
fn pitfall_02_unanswered_calls_and_unknown_results_are_repaired() {
    let user = json!({"role":"user","content":[
        {"type":"tool_result","tool_use_id":"toolu_a","content":"a out"},
        {"type":"tool_result","tool_use_id":"toolu_zzz","content":"stray"}
    ]});
    let mut body = with_call(&["toolu_a", "toolu_b"], &user);
    // A final assistant call with no answer at all (Esc before the tool ran).
    let messages = body["messages"].as_array_mut().expect("messages");
    messages.push(json!({"role":"assistant","content":[{"type":"tool_use","id":"toolu_c","name":"Bash","input":{}}]}));
    let out = translate(&body, &deepseek());
    assert_eq!(
        roles(&out),
        [
            "user",
            "assistant",
            "tool",
            "tool",
            "user",
            "assistant",
            "tool"
        ]
    );
    let m = &out["messages"];
    assert_eq!(
        m[3],
        json!({"role":"tool","tool_call_id":"toolu_b","content":INTERRUPTED})
    );
    assert_eq!(m[4]["content"], "[Result of tool call toolu_zzz]\nstray");
    assert_eq!(m[6]["tool_call_id"], "toolu_c");
}

#[test]
fn pitfall_03_every_part_of_a_tool_turn_is_kept() {
    let user = json!({"role":"user","content":[
        {"type":"tool_result","tool_use_id":"toolu_a","is_error":true,"content":[
            {"type":"text","text":"line 1"},
            {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}},
            {"type":"text","text":"line 2"}
        ]},
        {"type":"text","text":"The user doesn't want to proceed. Reason: wrong dir"}
    ]});
    let out = translate(&with_call(&["toolu_a"], &user), &openai());
    let m = &out["messages"];
    assert_eq!(
        m[2]["content"],
        "Error: line 1\nline 2\n(attachment in the next message)"
    );
    assert_eq!(
        m[3]["content"],
        json!([
            {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}},
            {"type":"text","text":"The user doesn't want to proceed. Reason: wrong dir"}
        ])
    );
    let empty = json!({"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_a","content":[]}]});
    let out = translate(&with_call(&["toolu_a"], &empty), &openai());
    assert_eq!(out["messages"][2]["content"], NO_OUTPUT);
}

#[test]
fn pitfall_04_gemini_gets_cleaned_schemas_and_openai_the_original() {
    let schema = json!({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
        "properties":{"url":{"type":"string","format":"uri"},"n":{"type":["integer","null"],"exclusiveMinimum":0}},
        "additionalProperties":false});
    let body = json!({"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],
        "tools":[{"name":"Fetch","input_schema":schema}]});
    let cleaned = &translate(&body, &gemini())["tools"][0]["function"]["parameters"];
    assert_eq!(
        cleaned,
        &json!({"type":"object","properties":{
        "url":{"type":"string"},"n":{"type":"integer","nullable":true,"minimum":1}}})
    );
    assert_eq!(
        translate(&body, &openai())["tools"][0]["function"]["parameters"],
        schema
    );
}

#[test]
fn pitfall_08_deepseek_reasoning_content_round_trips() {
    let body = json!({"model":"m","max_tokens":1000,"thinking":{"type":"adaptive"},
    "output_config":{"effort":"medium"},
    "tools":[{"name":"Bash","input_schema":{"type":"object"}}],
    "messages":[
        {"role":"user","content":"go"},
        {"role":"assistant","content":[{"type":"thinking","thinking":"I should list.","signature":"sig"},
            {"type":"tool_use","id":"toolu_a","name":"Bash","input":{}}]},
        {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_a","content":"ok"}]},
        {"role":"assistant","content":[{"type":"text","text":"Done."}]},
        {"role":"user","content":"again"}
    ]});
    let out = translate(&body, &deepseek());
    assert_eq!(out["thinking"], json!({"type":"enabled"}));
    assert_eq!(out["reasoning_effort"], "high");
    let m = &out["messages"];
    assert_eq!(m[1]["reasoning_content"], "I should list.");
    assert_eq!(m[1]["content"], Value::Null);
    assert_eq!(
        m[3]["reasoning_content"], "",
        "DeepSeek V4 wants it on every assistant turn"
    );
    // Elsewhere the thinking text is dropped: OpenAI rejects unknown message fields.
    let mut keys = Vec::new();
    all_keys(&translate(&body, &openai()), &mut keys);
    assert!(!keys.iter().any(|k| k == "reasoning_content"));
    let mut off = body;
    off["thinking"] = json!({"type":"disabled"});
    assert_eq!(
        translate(&off, &deepseek())["thinking"],
        json!({"type":"disabled"})
    );
    assert!(
        translate(&off, &deepseek())
            .get("reasoning_effort")
            .is_none()
    );
}

#[test]
fn pitfall_09_token_limits_and_reasoning_model_parameters() {
    let body = json!({"model":"m","max_tokens":128000,"temperature":0.5,"top_p":0.9,"top_k":40,
        "stop_sequences":["END"],"thinking":{"type":"enabled","budget_tokens":20000},
        "messages":[{"role":"user","content":"hi"}]});
    let gpt5 = translate(&body, &quirks_for("https://api.openai.com/v1", "gpt-5"));
    assert_eq!(gpt5["max_completion_tokens"], 128000);
    assert!(gpt5.get("max_tokens").is_none());
    for absent in ["temperature", "top_p", "top_k", "stop"] {
        assert!(gpt5.get(absent).is_none(), "{absent} sent to gpt-5");
    }
    assert_eq!(gpt5["reasoning_effort"], "high");
    let chat = translate(
        &body,
        &quirks_for("https://api.deepseek.com", "deepseek-chat"),
    );
    assert_eq!(chat["max_tokens"], 8192);
    assert_eq!(chat["temperature"], 0.5);
    assert_eq!(chat["stop"], json!(["END"]));
    let unknown = translate(&body, &Quirks::default());
    assert_eq!(unknown["max_tokens"], 32768);
    assert!(unknown.get("top_k").is_none() && unknown.get("reasoning_effort").is_none());
    assert_eq!(translate(&body, &openrouter())["top_k"], 40);
    let mut prewarm = body;
    prewarm["max_tokens"] = json!(0);
    assert_eq!(translate(&prewarm, &Quirks::default())["max_tokens"], 1);
}

#[test]
fn pitfall_10_long_tool_names_are_shortened_everywhere() {
    let long = format!(
        "mcp__{}__search_everything",
        "very_long_server_name".repeat(3)
    );
    let body = json!({"model":"m","max_tokens":10,
        "tools":[{"name":long,"input_schema":{"type":"object"}}],
        "tool_choice":{"type":"tool","name":long},
        "messages":[{"role":"user","content":"hi"},
            {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":long,"input":{"q":1}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"r"}]}]});
    let translated = translate_request(&request(&body), "t", &openai());
    let out = &translated.body;
    let short = out["tools"][0]["function"]["name"].as_str().expect("name");
    assert!(short.len() <= 64 && short != long);
    assert_eq!(out["tool_choice"]["function"]["name"], short);
    assert_eq!(
        out["messages"][1]["tool_calls"][0]["function"]["name"],
        short
    );
    assert_eq!(
        out["messages"][1]["tool_calls"][0]["function"]["arguments"],
        r#"{"q":1}"#
    );
    assert_eq!(translated.tool_names.client_name(short), long);
}

#[test]
fn pitfall_11_server_tools_and_a_choice_naming_them_are_dropped() {
    let body = json!({"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],
        "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":8},
            {"name":"Bash","input_schema":{"type":"object"}}],
        "tool_choice":{"type":"tool","name":"web_search","disable_parallel_tool_use":true}});
    let out = translate(&body, &openai());
    assert_eq!(out["tools"].as_array().expect("tools").len(), 1);
    assert_eq!(out["tools"][0]["function"]["name"], "Bash");
    assert!(out.get("tool_choice").is_none());
    assert_eq!(out["parallel_tool_calls"], false);
    let mut only_server = body;
    only_server["tools"] = json!([{"type":"web_search_20250305","name":"web_search"}]);
    let out = translate(&only_server, &openai());
    for absent in ["tools", "tool_choice", "parallel_tool_calls"] {
        assert!(out.get(absent).is_none(), "{absent} without tools");
    }
}

#[test]
fn pitfall_12_unknown_fields_are_never_copied() {
    let cache = json!({"type":"ephemeral","ttl":"1h","scope":"global"});
    let body = json!({"model":"m","max_tokens":10,"service_tier":"auto","context_management":{"edits":[]},
        "safeguards":[{"x":1}],"cache_control":cache,"container":"c",
        "system":[{"type":"text","text":"sys","cache_control":cache}],
        "tools":[{"name":"Bash","input_schema":{"type":"object"},"cache_control":cache,"strict":true,
            "input_examples":[{}]}],
        "messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":cache,
            "citations":[{"type":"char_location"}]},
            {"type":"document","source":{"type":"text","media_type":"text/plain","data":"doc"},
             "citations":{"enabled":true},"cache_control":cache}]},
            {"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s","cache_control":cache},
                {"type":"tool_use","id":"toolu_1","name":"Bash","input":{},"cache_control":cache}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok",
                "cache_control":cache}]}]});
    for quirks in [
        openai(),
        deepseek(),
        gemini(),
        openrouter(),
        mistral(),
        Quirks::default(),
    ] {
        let mut keys = Vec::new();
        all_keys(&translate(&body, &quirks), &mut keys);
        for banned in [
            "cache_control",
            "citations",
            "scope",
            "ttl",
            "context_management",
            "safeguards",
            "service_tier",
            "container",
            "strict",
            "input_examples",
            "signature",
        ] {
            assert!(
                !keys.iter().any(|k| k == banned),
                "{banned} copied for {quirks:?}"
            );
        }
    }
}

#[test]
fn pitfall_13_no_empty_text_and_null_assistant_content() {
    let user = json!({"role":"user","content":[
        {"type":"tool_result","tool_use_id":"toolu_a","content":"out"},
        {"type":"text","text":""}, {"type":"text","text":"  \n"}
    ]});
    let mut body = with_call(&["toolu_a"], &user);
    body["messages"][1]["content"][0]["text"] = json!("");
    body["messages"]
        .as_array_mut()
        .expect("messages")
        .push(json!({"role":"assistant","content":[
        {"type":"thinking","thinking":"only thoughts","signature":"s"}]}));
    let out = translate(&body, &openai());
    assert_eq!(
        roles(&out),
        ["user", "assistant", "tool"],
        "empty user text and thinking-only turns vanish"
    );
    let assistant = out["messages"][1].as_object().expect("assistant");
    assert_eq!(
        assistant.get("content"),
        Some(&Value::Null),
        "null, not \"\""
    );
}

#[test]
fn system_prompt_and_in_message_system_entries() {
    let body = json!({"model":"m","max_tokens":10,
        "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.330.f86;"},
            {"type":"text","text":"You are Claude Code."},{"type":"text","text":"Be brief."}],
        "messages":[{"role":"user","content":"hi"},
            {"role":"system","content":[{"type":"text","text":"# Environment"}]},
            {"role":"assistant","content":"hello"},{"role":"system","content":"later note"},
            {"role":"user","content":"bye"}]});
    let out = translate(&body, &openai());
    assert_eq!(
        out["messages"][0],
        json!({"role":"system","content":"You are Claude Code.\n\nBe brief."})
    );
    assert_eq!(
        roles(&out),
        ["system", "user", "system", "assistant", "system", "user"]
    );
    assert_eq!(out["messages"][2]["content"], "# Environment");
    assert_eq!(out["messages"][3]["content"], "hello");
    // Mistral refuses late system messages: they join the user text around them.
    let out = translate(&body, &mistral());
    assert_eq!(roles(&out), ["system", "user", "assistant", "user"]);
    assert_eq!(out["messages"][1]["content"], "hi\n\n# Environment");
    assert_eq!(out["messages"][3]["content"], "later note\n\nbye");
}

#[test]
fn images_and_documents() {
    let pdf = json!({"type":"document","title":"spec","source":{"type":"base64","media_type":"application/pdf","data":"JVBER"}});
    let body = json!({"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
        {"type":"image","source":{"type":"url","url":"https://x/y.png"}},
        {"type":"document","title":"notes","context":"from the wiki",
         "source":{"type":"text","media_type":"text/plain","data":"body text"}},
        pdf, {"type":"document","source":{"type":"url","url":"https://x/z.pdf"}}]}]});
    let parts = translate(&body, &openai())["messages"][0]["content"].clone();
    assert_eq!(
        parts[0],
        json!({"type":"image_url","image_url":{"url":"https://x/y.png"}})
    );
    assert_eq!(
        parts[1],
        json!({"type":"text","text":"notes\n\nfrom the wiki\n\nbody text"})
    );
    assert_eq!(
        parts[2],
        json!({"type":"file","file":{"filename":"spec.pdf","file_data":"data:application/pdf;base64,JVBER"}})
    );
    assert_eq!(
        parts[3],
        json!({"type":"text","text":"[Document at https://x/z.pdf]"})
    );
    let parts = translate(&body, &deepseek())["messages"][0]["content"].clone();
    let placeholder = parts[2]["text"].as_str().expect("placeholder");
    assert!(
        placeholder.starts_with("spec\n\n[application/pdf document \"spec\" omitted"),
        "{placeholder}"
    );
}

#[test]
fn tool_choice_parallel_stop_stream_and_user() {
    let base = json!({"model":"m","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}],
        "metadata":{"user_id":"{\"device_id\":\"abc\",\"session_id\":\"s\"}"},
        "stop_sequences":["a","b","c","d","e"],"tools":[{"name":"Bash","input_schema":{}}]});
    for (choice, expected) in [
        (json!({"type":"auto"}), json!("auto")),
        (json!({"type":"any"}), json!("required")),
        (json!({"type":"none"}), json!("none")),
        (
            json!({"type":"tool","name":"Bash"}),
            json!({"type":"function","function":{"name":"Bash"}}),
        ),
    ] {
        let mut body = base.clone();
        body["tool_choice"] = choice;
        let out = translate(&body, &openai());
        assert_eq!(out["tool_choice"], expected);
        assert!(out.get("parallel_tool_calls").is_none());
    }
    let out = translate(&base, &openai());
    assert_eq!(
        out["tools"][0]["function"]["parameters"],
        json!({"type":"object","properties":{}})
    );
    assert_eq!(out["stop"], json!(["a", "b", "c", "d"]));
    assert_eq!(out["stream"], true);
    assert_eq!(out["stream_options"], json!({"include_usage": true}));
    let user = out["user"].as_str().expect("user");
    assert!(
        user.len() == 32 && user.bytes().all(|b| b.is_ascii_hexdigit()),
        "{user}"
    );
    let out = translate(&base, &mistral());
    assert!(out.get("stream_options").is_none() && out.get("user").is_none());
    assert_eq!(out["stream"], true);
}

#[test]
fn thinking_maps_to_each_reasoning_control() {
    let with = |thinking: Value, effort: Option<&str>| {
        let mut body = json!({"model":"m","max_tokens":16000,"messages":[{"role":"user","content":"hi"}],
            "thinking":thinking});
        if let Some(effort) = effort {
            body["output_config"] = json!({"effort": effort});
        }
        body
    };
    let gpt5 = quirks_for("https://api.openai.com/v1", "gpt-5");
    for (budget, expected) in [(1024, "low"), (8192, "medium"), (8193, "high")] {
        let out = translate(
            &with(json!({"type":"enabled","budget_tokens":budget}), None),
            &gpt5,
        );
        assert_eq!(out["reasoning_effort"], expected, "budget {budget}");
    }
    let adaptive = json!({"type":"adaptive","display":"omitted"});
    assert_eq!(
        translate(&with(adaptive.clone(), None), &gpt5)["reasoning_effort"],
        "medium"
    );
    assert_eq!(
        translate(&with(adaptive.clone(), Some("low")), &gemini())["reasoning_effort"],
        "low"
    );
    assert_eq!(
        translate(&with(adaptive.clone(), Some("max")), &gpt5)["reasoning_effort"],
        "high"
    );
    assert_eq!(
        translate(&with(adaptive.clone(), Some("xhigh")), &deepseek())["reasoning_effort"],
        "max"
    );
    assert!(
        translate(&with(json!({"type":"disabled"}), None), &gpt5)
            .get("reasoning_effort")
            .is_none()
    );
    let out = translate(
        &with(json!({"type":"enabled","budget_tokens":30000}), None),
        &openrouter(),
    );
    assert_eq!(
        out["reasoning"],
        json!({"max_tokens": 15999, "exclude": false}),
        "kept below max_tokens"
    );
    let out = translate(&with(adaptive.clone(), Some("high")), &openrouter());
    assert_eq!(
        out["reasoning"],
        json!({"effort": "high", "exclude": false})
    );
    let none = translate(&with(adaptive, Some("high")), &Quirks::default());
    for absent in ["reasoning_effort", "reasoning", "thinking"] {
        assert!(
            none.get(absent).is_none(),
            "{absent} sent to an unknown upstream"
        );
    }
}

#[test]
fn gemini_tool_calls_carry_thought_signatures() {
    let user = json!({"role":"user","content":[
        {"type":"tool_result","tool_use_id":"toolu_a","content":"1"},
        {"type":"tool_result","tool_use_id":"toolu_b","content":"2"}]});
    let mut body = with_call(&["toolu_a", "toolu_b"], &user);
    let out = translate(&body, &gemini());
    let calls = &out["messages"][1]["tool_calls"];
    assert_eq!(
        calls[0]["extra_content"]["google"]["thought_signature"],
        SKIP_SIGNATURE
    );
    assert!(
        calls[1].get("extra_content").is_none(),
        "only the first call of a step"
    );
    body["messages"][1]["content"]
        .as_array_mut()
        .expect("blocks")
        .insert(
            0,
            json!(
        {"type":"thinking","thinking":"","signature":"Cs4BAVSoXO"}),
        );
    let out = translate(&body, &gemini());
    assert_eq!(
        out["messages"][1]["tool_calls"][0]["extra_content"]["google"]["thought_signature"],
        "Cs4BAVSoXO"
    );
    assert!(
        translate(&body, &openai())["messages"][1]["tool_calls"][0]
            .get("extra_content")
            .is_none()
    );
}

#[test]
fn tool_call_ids_fit_the_upstream() {
    let long = format!("toolu_{}", "x".repeat(60));
    let user =
        json!({"role":"user","content":[{"type":"tool_result","tool_use_id":long,"content":"r"}]});
    let body = with_call(&[long.as_str()], &user);
    for quirks in [openai(), mistral()] {
        let out = translate(&body, &quirks);
        let id = out["messages"][1]["tool_calls"][0]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        assert_eq!(
            out["messages"][2]["tool_call_id"],
            id.as_str(),
            "call and result agree"
        );
        match quirks.tool_call_ids {
            ToolCallIds::Standard => assert!(id.starts_with("call_") && id.len() <= 40, "{id}"),
            ToolCallIds::Alnum9 => assert!(
                id.len() == 9 && id.bytes().all(|b| b.is_ascii_alphanumeric()),
                "{id}"
            ),
        }
    }
    assert_eq!(call_id("toolu_01AbC", ToolCallIds::Standard), "toolu_01AbC");
    assert_eq!(call_id("a1B2c3D4e", ToolCallIds::Alnum9), "a1B2c3D4e");
}

#[test]
fn json_schema_output_becomes_response_format_where_supported() {
    let schema = json!({"type":"object","properties":{"title":{"type":"string"}},"required":["title"],
        "additionalProperties":false});
    let body = json!({"model":"m","max_tokens":10,"messages":[{"role":"user","content":"name it"}],
        "output_config":{"effort":"medium","format":{"type":"json_schema","schema":schema}}});
    let out = translate(&body, &openai());
    assert_eq!(
        out["response_format"],
        json!({"type":"json_schema","json_schema":{"name":"response","schema":schema}})
    );
    assert!(
        translate(&body, &deepseek())
            .get("response_format")
            .is_none()
    );
    let cleaned = &translate(&body, &gemini())["response_format"]["json_schema"]["schema"];
    assert!(cleaned.get("additionalProperties").is_none());
}
