//! The sanitizer against Claude Code's real tool schemas and the constructs of §4.2.

use super::*;

/// Every distinct tool schema Claude Code sent in the recorded sessions (two client
/// versions, so some names appear with two schemas).
fn recorded_tools() -> Vec<(String, Value)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code");
    let mut tools: Vec<(String, Value)> = Vec::new();
    for entry in std::fs::read_dir(dir).expect("fixtures directory") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read fixture");
        for line in text.lines() {
            let record: Value = serde_json::from_str(line).expect("jsonl");
            for tool in record["body"]["tools"].as_array().into_iter().flatten() {
                let name = tool["name"].as_str().expect("tool name").to_owned();
                let schema = tool["input_schema"].clone();
                if !tools.iter().any(|(n, s)| *n == name && *s == schema) {
                    tools.push((name, schema));
                }
            }
        }
    }
    tools
}

/// The cleaned schema of the recorded tool `name` whose original contains `marker`.
fn cleaned_tool(name: &str, marker: &str) -> Value {
    let (_, schema) = recorded_tools()
        .into_iter()
        .find(|(n, s)| n == name && s.to_string().contains(marker))
        .unwrap_or_else(|| panic!("no recorded {name} with {marker}"));
    clean_schema(&schema)
}

/// Checks one schema node (and everything under it) against the Gemini subset.
fn assert_gemini_subset(node: &Value, path: &str) {
    let map = node
        .as_object()
        .unwrap_or_else(|| panic!("{path}: schema is not an object"));
    for key in map.keys() {
        assert!(KEPT.contains(&key.as_str()), "{path}: keyword {key} kept");
    }
    match (map.get("type"), map.get("anyOf")) {
        (Some(Value::String(_)), None) | (None, Some(Value::Array(_))) => {}
        other => panic!("{path}: needs one string type or anyOf, got {other:?}"),
    }
    if let Some(format) = map.get("format") {
        assert_eq!(format, "date-time", "{path}: format");
    }
    if let Some(values) = map.get("enum") {
        assert!(
            values
                .as_array()
                .expect("enum array")
                .iter()
                .all(Value::is_string),
            "{path}: enum"
        );
        assert_eq!(map["type"], "string", "{path}: enum type");
    }
    for bound in ["minimum", "maximum"] {
        if let Some(b) = map.get(bound) {
            assert!(
                b.as_f64().expect("number").abs() < UNBOUNDED,
                "{path}: {bound} {b}"
            );
        }
    }
    if map.get("type") == Some(&json!("array")) {
        assert!(map.contains_key("items"), "{path}: array without items");
    }
    let props = map.get("properties").and_then(Value::as_object);
    for required in map
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = required.as_str().expect("required name");
        assert!(
            props.is_some_and(|p| p.contains_key(name)),
            "{path}: required {name} undefined"
        );
    }
    for (name, prop) in props.into_iter().flatten() {
        assert_gemini_subset(prop, &format!("{path}.{name}"));
    }
    if let Some(items) = map.get("items") {
        assert_gemini_subset(items, &format!("{path}[]"));
    }
    for (i, branch) in map
        .get("anyOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        assert_gemini_subset(branch, &format!("{path}|{i}"));
    }
}

#[test]
fn every_recorded_claude_code_schema_cleans_to_the_gemini_subset() {
    let tools = recorded_tools();
    assert!(tools.len() >= 20, "only {} tools recorded", tools.len());
    for (name, schema) in &tools {
        let cleaned = clean_schema(schema);
        assert_eq!(cleaned["type"], "object", "{name}");
        assert!(cleaned["properties"].is_object(), "{name}");
        assert_gemini_subset(&cleaned, name);
    }
}

#[test]
fn read_tool_keeps_integer_bounds_without_the_huge_ones() {
    let read = cleaned_tool("Read", "exclusiveMinimum");
    assert!(read.get("$schema").is_none() && read.get("additionalProperties").is_none());
    // `exclusiveMinimum: 0` on an integer means at least 1.
    assert_eq!(
        read["properties"]["limit"],
        json!({
            "type": "integer",
            "minimum": 1,
            "description": "The number of lines to read. Only provide if the file is too large to read at once."
        })
    );
    let offset = &read["properties"]["offset"];
    assert_eq!(offset["minimum"], 0);
    assert!(
        offset.get("maximum").is_none(),
        "9007199254740991 is no bound"
    );
    assert_eq!(read["required"], json!(["file_path"]));
}

#[test]
fn uri_format_is_dropped() {
    let fetch = cleaned_tool("WebFetch", "\"uri\"");
    assert_eq!(fetch["properties"]["url"]["type"], "string");
    assert!(fetch["properties"]["url"].get("format").is_none());
    let dated = clean_schema(
        &json!({"type":"object","properties":{"at":{"type":"string","format":"date-time"}}}),
    );
    assert_eq!(dated["properties"]["at"]["format"], "date-time");
}

#[test]
fn all_of_is_merged() {
    let send = cleaned_tool("SendMessage", "allOf");
    let to = &send["properties"]["to"];
    assert!(to.get("allOf").is_none());
    assert_eq!(to["type"], "string");
    assert_eq!(
        to["pattern"], "^[^\\n\\r]*$",
        "first subschema's keyword wins"
    );

    let merged = clean_schema(&json!({
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"b": {"type": "integer"}}, "required": ["b"]}
        ]
    }));
    assert_eq!(merged["properties"]["a"]["type"], "string");
    assert_eq!(merged["properties"]["b"]["type"], "integer");
    assert_eq!(merged["required"], json!(["a", "b"]));
}

#[test]
fn property_without_type_accepts_any_value() {
    let workflow = cleaned_tool("Workflow", "args");
    let args = &workflow["properties"]["args"];
    assert!(
        args["description"]
            .as_str()
            .expect("description kept")
            .starts_with("Optional input value")
    );
    let types: Vec<&str> = args["anyOf"]
        .as_array()
        .expect("anyOf")
        .iter()
        .filter_map(|b| b["type"].as_str())
        .collect();
    assert_eq!(types, ["string", "number", "boolean", "object", "array"]);
}

#[test]
fn const_becomes_enum_and_maps_lose_property_names() {
    let update = cleaned_tool("TaskUpdate", "const");
    let branches = update["properties"]["status"]["anyOf"]
        .as_array()
        .expect("anyOf");
    assert_eq!(branches[1], json!({"type": "string", "enum": ["deleted"]}));
    let metadata = &update["properties"]["metadata"];
    assert_eq!(metadata["type"], "object");
    assert!(
        metadata.get("propertyNames").is_none() && metadata.get("additionalProperties").is_none()
    );

    let ask = cleaned_tool("AskUserQuestion", "propertyNames");
    assert_eq!(ask["properties"]["answers"]["type"], "object");
    assert!(ask["properties"]["answers"].get("propertyNames").is_none());
}

#[test]
fn refs_are_inlined_and_recursion_is_cut() {
    let schema = json!({
        "type": "object",
        "$defs": {
            "point": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]},
            "tree": {"type": "object", "properties": {"child": {"$ref": "#/$defs/tree"}}}
        },
        "definitions": {"name": {"type": "string", "minLength": 1}},
        "properties": {
            "at": {"$ref": "#/$defs/point", "description": "where"},
            "who": {"$ref": "#/definitions/name"},
            "tree": {"$ref": "#/$defs/tree"},
            "elsewhere": {"$ref": "https://example.com/schema.json"}
        }
    });
    let cleaned = clean_schema(&schema);
    assert!(cleaned.get("$defs").is_none() && cleaned.get("definitions").is_none());
    let props = &cleaned["properties"];
    assert_eq!(
        props["at"],
        json!({
            "type": "object", "description": "where",
            "properties": {"x": {"type": "number"}}, "required": ["x"]
        })
    );
    assert_eq!(props["who"], json!({"type": "string", "minLength": 1}));
    assert_eq!(props["tree"]["type"], "object");
    assert!(
        props["tree"]["properties"]["child"]["anyOf"].is_array(),
        "second level is generic"
    );
    assert!(props["elsewhere"]["anyOf"].is_array());
    assert_gemini_subset(&cleaned, "root");
}

#[test]
fn type_arrays_and_null_branches_become_nullable() {
    let cleaned = clean_schema(&json!({
        "type": "object",
        "properties": {
            "a": {"type": ["string", "null"]},
            "b": {"type": ["string", "integer"]},
            "c": {"oneOf": [{"type": "integer"}, {"type": "null"}], "description": "count"},
            "d": {"anyOf": [{"type": "string"}, {"type": "boolean"}]}
        }
    }));
    let props = &cleaned["properties"];
    assert_eq!(props["a"], json!({"type": "string", "nullable": true}));
    assert_eq!(
        props["b"],
        json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})
    );
    assert_eq!(
        props["c"],
        json!({"type": "integer", "nullable": true, "description": "count"})
    );
    assert_eq!(
        props["d"],
        json!({"anyOf": [{"type": "string"}, {"type": "boolean"}]})
    );
}

#[test]
fn tuples_become_plain_items() {
    let cleaned = clean_schema(&json!({
        "type": "object",
        "properties": {
            "pair": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}]},
            "mixed": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
            "bare": {"type": "array"}
        }
    }));
    let props = &cleaned["properties"];
    assert_eq!(
        props["pair"],
        json!({"type": "array", "items": {"type": "number"}})
    );
    assert_eq!(
        props["mixed"]["items"],
        json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})
    );
    assert_eq!(props["bare"]["items"], json!({"type": "string"}));
}

#[test]
fn non_string_enums_move_into_the_description() {
    let cleaned = clean_schema(&json!({
        "type": "object",
        "properties": {
            "level": {"type": "integer", "enum": [1, 2, 3], "description": "How loud."},
            "flag": {"const": true},
            "mode": {"enum": ["a", "b"]}
        }
    }));
    let props = &cleaned["properties"];
    assert_eq!(
        props["level"],
        json!({"type": "integer", "description": "How loud. Allowed values: 1, 2, 3."})
    );
    assert_eq!(
        props["flag"],
        json!({"type": "boolean", "description": "Allowed values: true."})
    );
    assert_eq!(props["mode"], json!({"type": "string", "enum": ["a", "b"]}));
}

#[test]
fn normalization_gives_every_tool_an_object_schema() {
    let empty = json!({"type": "object", "properties": {}});
    assert_eq!(normalize_schema(&json!({})), empty);
    assert_eq!(normalize_schema(&Value::Null), empty);
    assert_eq!(normalize_schema(&json!({"type": "object"})), empty);
    assert_eq!(normalize_schema(&json!("nonsense")), empty);
    assert_eq!(clean_schema(&json!({})), empty);
    // Light: what OpenAI accepts stays as the client wrote it.
    let read = recorded_tools()
        .into_iter()
        .find(|(n, _)| n == "Read")
        .expect("Read")
        .1;
    assert_eq!(normalize_schema(&read), read);
    let deferred = recorded_tools()
        .into_iter()
        .find(|(n, _)| n == "DeferredToolPlaceholder")
        .expect("deferred")
        .1;
    assert_eq!(normalize_schema(&deferred), empty);
}
