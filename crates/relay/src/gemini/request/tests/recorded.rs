//! Every recorded Claude Code request, translated for Gemini 2.5 and 3, with the structural
//! invariants Gemini enforces.

use serde_json::Value;

use super::super::translate_request;
use super::request;

/// Schema keywords Gemini rejects (pitfall 4).
const REJECTED: &[&str] = &[
    "$schema",
    "$defs",
    "$ref",
    "additionalProperties",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "propertyNames",
    "const",
    "prefixItems",
    "allOf",
    "oneOf",
];

/// Checks a schema node: no rejected keyword, `type` a single string, no empty
/// `properties`; recurses into properties, items and anyOf branches.
fn check_schema(schema: &Value, context: &str) {
    let map = schema
        .as_object()
        .unwrap_or_else(|| panic!("{context}: schema {schema} is not an object"));
    for key in map.keys() {
        assert!(
            !REJECTED.contains(&key.as_str()),
            "{context}: `{key}` in {schema}"
        );
    }
    if let Some(kind) = map.get("type") {
        assert!(kind.is_string(), "{context}: type {kind}");
    }
    if let Some(format) = map.get("format") {
        assert!(
            matches!(format.as_str(), Some("date-time" | "enum")),
            "{context}: format {format}"
        );
    }
    if let Some(properties) = map.get("properties") {
        let properties = properties.as_object().expect("properties object");
        assert!(!properties.is_empty(), "{context}: empty properties");
        for (name, property) in properties {
            check_schema(property, &format!("{context}.{name}"));
        }
    }
    if let Some(items) = map.get("items") {
        check_schema(items, &format!("{context}[]"));
    }
    for branch in map
        .get("anyOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        check_schema(branch, &format!("{context}|"));
    }
}

fn check_invariants(body: &Value, context: &str) {
    let contents = body["contents"]
        .as_array()
        .unwrap_or_else(|| panic!("{context}: no contents"));
    assert_eq!(contents[0]["role"], "user", "{context}: starts with user");
    let mut previous_role = "";
    let mut previous_calls = 0;
    for (i, content) in contents.iter().enumerate() {
        let role = content["role"].as_str().expect("role");
        assert!(matches!(role, "user" | "model"), "{context}: role {role}");
        assert_ne!(
            role, previous_role,
            "{context}: roles do not alternate at {i}"
        );
        let parts = content["parts"].as_array().expect("parts");
        assert!(!parts.is_empty(), "{context}: empty parts at {i}");
        for part in parts {
            if let Some(text) = part.get("text") {
                assert!(
                    !text.as_str().expect("text").trim().is_empty(),
                    "{context}: empty text at {i}"
                );
            }
        }
        let count = |key: &str| parts.iter().filter(|p| p.get(key).is_some()).count();
        let responses = count("functionResponse");
        if role == "user" {
            assert_eq!(responses, previous_calls, "{context}: responses at {i}");
            let leading = parts
                .iter()
                .take_while(|p| p.get("functionResponse").is_some())
                .count();
            assert_eq!(leading, responses, "{context}: responses first at {i}");
        } else {
            assert_eq!(responses, 0, "{context}: response in a model turn");
        }
        previous_calls = if role == "model" {
            count("functionCall")
        } else {
            0
        };
        previous_role = role;
    }
    for tool in body["tools"].as_array().into_iter().flatten() {
        for declaration in tool["functionDeclarations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let name = declaration["name"].as_str().expect("name");
            assert!(
                (1..=64).contains(&name.len())
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b)),
                "{context}: name {name}"
            );
            if let Some(parameters) = declaration.get("parameters") {
                assert_eq!(parameters["type"], "object", "{context}: {name}");
                check_schema(parameters, &format!("{context}: {name}"));
            }
        }
    }
    assert!(
        !body.to_string().contains("cache_control"),
        "{context}: cache_control copied"
    );
}

#[test]
fn recorded_claude_code_requests_translate_with_invariants() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code");
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
            for model in [
                "gemini-2.5-pro",
                "gemini-3-pro-preview",
                "gemini-3-flash-preview",
            ] {
                let context = format!("{}:{} {model}", path.display(), line_no + 1);
                let out = translate_request(&req, model).body;
                check_invariants(&out, &context);
                let system = out["systemInstruction"].to_string();
                assert!(!system.contains("x-anthropic-billing-header"), "{context}");
                assert!(system.contains("Claude"), "{context}: system prompt kept");
                let thinking = &out["generationConfig"]["thinkingConfig"];
                assert!(
                    !(thinking.get("thinkingBudget").is_some()
                        && thinking.get("thinkingLevel").is_some()),
                    "{context}: budget and level"
                );
                let calls = out["contents"]
                    .as_array()
                    .expect("contents")
                    .iter()
                    .filter(|c| c["role"] == "model")
                    .flat_map(|c| c["parts"].as_array().cloned().unwrap_or_default())
                    .filter(|p| p.get("functionCall").is_some())
                    .collect::<Vec<_>>();
                if model.starts_with("gemini-3") && !calls.is_empty() {
                    // Another provider's history: the first call carries the sentinel.
                    assert_eq!(
                        calls[0]["thoughtSignature"], "skip_thought_signature_validator",
                        "{context}"
                    );
                }
                saw_tool_round |= !calls.is_empty();
                translated += 1;
            }
        }
    }
    assert!(translated > 40, "only {translated} translations");
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
    let out = translate_request(&request(&record["body"]), "gemini-2.5-flash").body;
    let response = out["contents"]
        .as_array()
        .expect("contents")
        .iter()
        .flat_map(|c| c["parts"].as_array().cloned().unwrap_or_default())
        .find_map(|p| p.get("functionResponse").cloned())
        .expect("a function response");
    assert_eq!(response["name"], "Bash");
    let error = response["response"]["error"].as_str().expect("error text");
    assert!(
        error.starts_with("This Bash command contains multiple operations."),
        "{error}"
    );
    assert_eq!(out["generationConfig"]["maxOutputTokens"], 65536);
    assert_eq!(
        out["generationConfig"]["thinkingConfig"],
        serde_json::json!({"includeThoughts": true, "thinkingBudget": -1})
    );
}
