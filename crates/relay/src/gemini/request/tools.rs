//! `tools` and `tool_choice` → Gemini `tools` and `toolConfig` (protocol.md §6.1).
//!
//! Custom tools become one `functionDeclarations` list with schemas cleaned by
//! [`clean_schema`] (pitfall 4). Gemini also rejects an object schema whose `properties`
//! is empty ("should be non-empty for OBJECT type"), so a tool without parameters is
//! declared without `parameters`, and nested empty `properties` are dropped. The
//! `web_search` server tool becomes Gemini's own `googleSearch`; other server tools
//! (`bash_…`, `text_editor_…`, `code_execution_…`) have no Gemini equivalent and are
//! dropped, and so is a `tool_choice` naming one (pitfall 11).

use serde_json::{Map, Value, json};

use crate::anthropic::{MessagesRequest, ToolChoice};
use crate::openai::schema::clean_schema;
use crate::tool_names::ToolNameMap;

/// The `tools` array and the `toolConfig`, if any.
pub(super) struct Tools {
    pub tools: Vec<Value>,
    pub config: Option<Value>,
    /// Whether any function is declared (JSON output mode cannot be combined with them).
    pub has_functions: bool,
}

pub(super) fn translate(req: &MessagesRequest, names: &mut ToolNameMap) -> Tools {
    let all = req.tools.as_deref().unwrap_or_default();
    let custom: Vec<_> = all.iter().filter(|t| t.is_custom()).collect();
    let declarations: Vec<Value> = custom
        .iter()
        .map(|tool| {
            let mut declaration = Map::new();
            declaration.insert("name".into(), json!(names.upstream_name(&tool.name)));
            if let Some(description) = tool.description.as_deref().filter(|d| !d.is_empty()) {
                declaration.insert("description".into(), json!(description));
            }
            if let Some(parameters) = parameters(tool.input_schema.as_ref()) {
                declaration.insert("parameters".into(), parameters);
            }
            Value::Object(declaration)
        })
        .collect();
    let web_search = all
        .iter()
        .any(|t| !t.is_custom() && t.kind.as_deref().is_some_and(is_web_search));
    let mut tools = Vec::new();
    let has_functions = !declarations.is_empty();
    if has_functions {
        tools.push(json!({ "functionDeclarations": declarations }));
    }
    if web_search {
        tools.push(json!({ "googleSearch": {} }));
    }
    // `functionCallingConfig` only makes sense with functions; `disable_parallel_tool_use`
    // has no Gemini equivalent and is left out.
    let mode = match req.tool_choice.as_ref().filter(|_| has_functions) {
        None => None,
        Some(ToolChoice::Auto { .. }) => Some(json!({ "mode": "AUTO" })),
        Some(ToolChoice::Any { .. }) => Some(json!({ "mode": "ANY" })),
        Some(ToolChoice::None) => Some(json!({ "mode": "NONE" })),
        // Names are only valid with ANY: "call this tool" is ANY limited to it.
        Some(ToolChoice::Tool { name, .. }) => custom
            .iter()
            .any(|t| t.name == *name)
            .then(|| json!({ "mode": "ANY", "allowedFunctionNames": [names.upstream_name(name)] })),
    };
    Tools {
        tools,
        config: mode.map(|m| json!({ "functionCallingConfig": m })),
        has_functions,
    }
}

/// `web_search_20250305` and later versions.
fn is_web_search(kind: &str) -> bool {
    kind.starts_with("web_search")
}

/// The cleaned schema, or `None` when the tool takes no parameters.
pub(super) fn parameters(schema: Option<&Value>) -> Option<Value> {
    let mut cleaned = clean_schema(schema.unwrap_or(&Value::Null));
    drop_empty_properties(&mut cleaned);
    cleaned.get("properties").is_some().then_some(cleaned)
}

/// Removes every `properties: {}` (an object with no declared fields is any object).
fn drop_empty_properties(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if map
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
    {
        map.remove("properties");
        map.remove("required");
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        properties.values_mut().for_each(drop_empty_properties);
    }
    if let Some(items) = map.get_mut("items") {
        drop_empty_properties(items);
    }
    if let Some(Value::Array(branches)) = map.get_mut("anyOf") {
        branches.iter_mut().for_each(drop_empty_properties);
    }
}
