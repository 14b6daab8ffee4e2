//! Anthropic Messages request → OpenAI Chat Completions request (protocol.md §4).
//!
//! The body is rebuilt from the typed request field by field, so `cache_control`,
//! `citations`, `context_management` and anything else unknown never reaches the upstream
//! (pitfall 12). What the upstream accepts comes from [`Quirks`] only.

pub(crate) mod messages;
mod parts;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::quirks::{Quirks, ThinkingStyle};
use super::schema::{clean_schema, normalize_schema};
use crate::anthropic::{MessagesRequest, Thinking, ToolChoice};
use crate::tool_names::ToolNameMap;

/// A translated request: the JSON body for `POST …/chat/completions`, and the tool names
/// that had to be shortened, to restore them in the response.
#[derive(Debug, Clone)]
pub struct TranslatedRequest {
    /// The Chat Completions request body.
    pub body: Value,
    /// Client tool name ⇄ name sent upstream, for names that had to be shortened.
    pub tool_names: ToolNameMap,
}

/// Translates `req` for `target_model` on an upstream with `quirks`.
pub fn translate_request(
    req: &MessagesRequest,
    target_model: &str,
    quirks: &Quirks,
) -> TranslatedRequest {
    let mut names = ToolNameMap::default();
    let mut body = Map::new();
    body.insert("model".into(), json!(target_model));
    body.insert(
        "messages".into(),
        Value::Array(messages::translate(req, quirks, &mut names)),
    );

    // At least 1: Claude Code's cache pre-warm sends 0, which OpenAI-style APIs reject.
    let max_tokens = req
        .max_tokens
        .map(|n| n.min(quirks.max_output_tokens).max(1));
    if let Some(n) = max_tokens {
        body.insert(quirks.max_tokens_field.as_str().into(), json!(n));
    }
    if quirks.sampling {
        if let Some(t) = req.temperature {
            body.insert("temperature".into(), json!(t));
        }
        if let Some(p) = req.top_p {
            body.insert("top_p".into(), json!(p));
        }
    }
    if quirks.top_k
        && let Some(k) = req.top_k
    {
        body.insert("top_k".into(), json!(k));
    }
    let stops: Vec<&String> = req
        .stop_sequences
        .iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .take(quirks.max_stop_sequences)
        .collect();
    if !stops.is_empty() {
        body.insert("stop".into(), json!(stops));
    }
    if req.stream == Some(true) {
        body.insert("stream".into(), json!(true));
        if quirks.stream_usage {
            body.insert("stream_options".into(), json!({ "include_usage": true }));
        }
    }
    if quirks.user
        && let Some(user_id) = req
            .metadata
            .as_ref()
            .and_then(|m| m.user_id.as_deref())
            .filter(|u| !u.is_empty())
    {
        body.insert("user".into(), json!(hashed_user(user_id)));
    }
    add_tools(req, quirks, &mut names, &mut body);
    add_thinking(req, quirks, max_tokens, &mut body);
    add_response_format(req, quirks, &mut body);
    TranslatedRequest {
        body: Value::Object(body),
        tool_names: names,
    }
}

/// Claude Code's `user_id` is a JSON string of device and session ids, longer than
/// OpenAI's 64-character limit and more than an upstream needs: a hash keeps the
/// per-user signal (abuse attribution, cache routing) without the identifiers.
fn hashed_user(user_id: &str) -> String {
    let digest = Sha256::digest(user_id.as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Custom tools as functions; server tools (`web_search_…`, no schema) are dropped, and
/// so is a `tool_choice` naming one (pitfall 11).
fn add_tools(
    req: &MessagesRequest,
    quirks: &Quirks,
    names: &mut ToolNameMap,
    body: &mut Map<String, Value>,
) {
    let custom: Vec<_> = req
        .tools
        .iter()
        .flatten()
        .filter(|t| t.is_custom())
        .collect();
    if custom.is_empty() {
        // `tool_choice` and `parallel_tool_calls` without tools are 400s on OpenAI.
        return;
    }
    let tools: Vec<Value> = custom
        .iter()
        .map(|tool| {
            let schema = tool.input_schema.as_ref().unwrap_or(&Value::Null);
            let parameters = if quirks.clean_schema {
                clean_schema(schema)
            } else {
                normalize_schema(schema)
            };
            let mut function = Map::new();
            function.insert("name".into(), json!(names.upstream_name(&tool.name)));
            if let Some(description) = tool.description.as_deref().filter(|d| !d.is_empty()) {
                function.insert("description".into(), json!(description));
            }
            function.insert("parameters".into(), parameters);
            json!({ "type": "function", "function": function })
        })
        .collect();
    body.insert("tools".into(), Value::Array(tools));

    let Some(choice) = &req.tool_choice else {
        return;
    };
    let mapped = match choice {
        ToolChoice::Auto { .. } => Some(json!("auto")),
        ToolChoice::Any { .. } => Some(json!("required")),
        ToolChoice::None => Some(json!("none")),
        ToolChoice::Tool { name, .. } => custom.iter().any(|t| t.name == *name).then(
            || json!({ "type": "function", "function": { "name": names.upstream_name(name) } }),
        ),
    };
    if let Some(mapped) = mapped {
        body.insert("tool_choice".into(), mapped);
    }
    if choice.disables_parallel_tool_use() && quirks.parallel_tool_calls {
        body.insert("parallel_tool_calls".into(), json!(false));
    }
}

/// Reasoning effort as Anthropic expresses it (`output_config.effort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effort {
    Low,
    Medium,
    High,
    XHigh,
    Max,
}

impl Effort {
    /// CCR's buckets (§4.3): ≤1024 low, ≤8192 medium, else high.
    pub(crate) fn from_budget(budget: u64) -> Effort {
        match budget {
            0..=1024 => Effort::Low,
            1025..=8192 => Effort::Medium,
            _ => Effort::High,
        }
    }

    pub(crate) fn from_name(name: Option<&str>) -> Effort {
        match name {
            Some("low") => Effort::Low,
            Some("high") => Effort::High,
            Some("xhigh") => Effort::XHigh,
            Some("max") => Effort::Max,
            _ => Effort::Medium,
        }
    }

    /// OpenAI's scale stops at `high` for most models; higher requests get the top.
    fn openai(self) -> &'static str {
        match self {
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High | Effort::XHigh | Effort::Max => "high",
        }
    }

    /// DeepSeek maps low and medium to high itself; `max` is its extra level.
    fn deepseek(self) -> &'static str {
        match self {
            Effort::Low | Effort::Medium | Effort::High => "high",
            Effort::XHigh | Effort::Max => "max",
        }
    }
}

/// `thinking` → the upstream's reasoning control (§4.3). Absent thinking is left to the
/// upstream's default; `disabled` is only sent where a switch exists.
fn add_thinking(
    req: &MessagesRequest,
    quirks: &Quirks,
    max_tokens: Option<u64>,
    body: &mut Map<String, Value>,
) {
    let Some(thinking) = &req.thinking else {
        return;
    };
    let requested_effort = req.output_config.as_ref().and_then(|c| c.effort.as_deref());
    let effort = match thinking {
        Thinking::Enabled { budget_tokens } => Some(Effort::from_budget(*budget_tokens)),
        Thinking::Adaptive { .. } => Some(Effort::from_name(requested_effort)),
        Thinking::Disabled => None,
    };
    match (quirks.thinking, effort) {
        (ThinkingStyle::None, _)
        | (ThinkingStyle::ReasoningEffort | ThinkingStyle::OpenRouter, None) => {}
        (ThinkingStyle::ReasoningEffort, Some(effort)) => {
            body.insert("reasoning_effort".into(), json!(effort.openai()));
        }
        (ThinkingStyle::DeepSeek, None) => {
            body.insert("thinking".into(), json!({ "type": "disabled" }));
        }
        (ThinkingStyle::DeepSeek, Some(effort)) => {
            body.insert("thinking".into(), json!({ "type": "enabled" }));
            body.insert("reasoning_effort".into(), json!(effort.deepseek()));
        }
        (ThinkingStyle::OpenRouter, Some(effort)) => {
            let reasoning = match thinking {
                // The budget must stay below the output limit it is part of.
                Thinking::Enabled { budget_tokens } => {
                    let cap = max_tokens.map_or(*budget_tokens, |m| m.saturating_sub(1).max(1));
                    json!({ "max_tokens": (*budget_tokens).min(cap), "exclude": false })
                }
                _ => json!({ "effort": effort.openai(), "exclude": false }),
            };
            body.insert("reasoning".into(), reasoning);
        }
    }
}

/// `output_config.format` (a JSON schema, used by Claude Code for session titles) →
/// `response_format`, where the upstream supports structured output. Elsewhere the
/// prompt alone asks for JSON.
fn add_response_format(req: &MessagesRequest, quirks: &Quirks, body: &mut Map<String, Value>) {
    if !quirks.json_schema_output {
        return;
    }
    let Some(format) = req.output_config.as_ref().and_then(|c| c.format.as_ref()) else {
        return;
    };
    if format.get("type").and_then(Value::as_str) != Some("json_schema") {
        return;
    }
    let Some(schema) = format.get("schema") else {
        return;
    };
    let schema = if quirks.clean_schema {
        clean_schema(schema)
    } else {
        schema.clone()
    };
    body.insert(
        "response_format".into(),
        json!({ "type": "json_schema", "json_schema": { "name": "response", "schema": schema } }),
    );
}
