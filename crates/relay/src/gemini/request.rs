//! Anthropic Messages request → Gemini `GenerateContentRequest` (protocol.md §6.1).
//!
//! The body is rebuilt from the typed request field by field, so `cache_control`,
//! `context_management` and anything else unknown never reaches Gemini (pitfall 12). The
//! model and the stream flag are not part of the body: they are in the URL
//! ([`crate::gemini::endpoint`]).

mod contents;
mod parts;
#[cfg(test)]
mod tests;
mod tools;

use serde_json::{Map, Value, json};

use super::model::{Generation, ModelInfo, Tier};
use crate::anthropic::{MessagesRequest, Thinking};
use crate::openai::request::Effort;
use crate::tool_names::ToolNameMap;

/// Gemini accepts at most five stop sequences.
const MAX_STOP_SEQUENCES: usize = 5;

/// A translated request: the JSON body for `…:generateContent` or
/// `…:streamGenerateContent`, and the tool names that had to be shortened, to restore them
/// in the response.
#[derive(Debug, Clone)]
pub struct TranslatedRequest {
    /// The `GenerateContentRequest` body.
    pub body: Value,
    /// Client tool name ⇄ name sent upstream, for names that had to be shortened.
    pub tool_names: ToolNameMap,
}

/// Translates `req` for the Gemini model `target_model` (which decides the output cap, the
/// thinking control and whether unsigned tool calls get the signature sentinel).
pub fn translate_request(req: &MessagesRequest, target_model: &str) -> TranslatedRequest {
    let info = ModelInfo::of(target_model);
    let mut names = ToolNameMap::default();
    let mut body = Map::new();
    let conversation = contents::translate(req, info.needs_signatures(), &mut names);
    body.insert("contents".into(), Value::Array(conversation.contents));
    if !conversation.system.is_empty() {
        let parts: Vec<Value> = conversation
            .system
            .iter()
            .map(|text| json!({ "text": text }))
            .collect();
        body.insert("systemInstruction".into(), json!({ "parts": parts }));
    }
    let tools = tools::translate(req, &mut names);
    if !tools.tools.is_empty() {
        body.insert("tools".into(), Value::Array(tools.tools));
    }
    if let Some(config) = tools.config {
        body.insert("toolConfig".into(), config);
    }
    let generation = generation_config(req, info, tools.has_functions);
    if !generation.is_empty() {
        body.insert("generationConfig".into(), Value::Object(generation));
    }
    TranslatedRequest {
        body: Value::Object(body),
        tool_names: names,
    }
}

fn generation_config(
    req: &MessagesRequest,
    info: ModelInfo,
    has_functions: bool,
) -> Map<String, Value> {
    let mut config = Map::new();
    // At least 1: Claude Code's cache pre-warm sends 0, which Gemini rejects.
    let max_tokens = req.max_tokens.map(|n| n.clamp(1, info.max_output_tokens()));
    if let Some(n) = max_tokens {
        config.insert("maxOutputTokens".into(), json!(n));
    }
    if let Some(t) = req.temperature {
        config.insert("temperature".into(), json!(t));
    }
    if let Some(p) = req.top_p {
        config.insert("topP".into(), json!(p));
    }
    if let Some(k) = req.top_k {
        config.insert("topK".into(), json!(k));
    }
    let stops: Vec<&String> = req
        .stop_sequences
        .iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .take(MAX_STOP_SEQUENCES)
        .collect();
    if !stops.is_empty() {
        config.insert("stopSequences".into(), json!(stops));
    }
    if let Some(thinking) = thinking_config(req, info, max_tokens) {
        config.insert("thinkingConfig".into(), thinking);
    }
    // Claude Code asks for session titles as JSON (`output_config.format`). Gemini's JSON
    // mode cannot be combined with function calling, so it is only used without functions;
    // the prompt itself asks for JSON either way.
    let schema = req
        .output_config
        .as_ref()
        .and_then(|c| c.format.as_ref())
        .filter(|f| f.get("type").and_then(Value::as_str) == Some("json_schema"))
        .and_then(|f| f.get("schema"));
    if let Some(schema) = schema.filter(|_| !has_functions) {
        config.insert("responseMimeType".into(), json!("application/json"));
        if let Some(schema) = tools::parameters(Some(schema)) {
            config.insert("responseSchema".into(), schema);
        }
    }
    config
}

/// `thinking` → `thinkingConfig`: a budget for 2.5 models, a level for Gemini 3, never both
/// (a 400). `includeThoughts` asks for the thought summaries that become thinking blocks.
/// Absent thinking is left to the model's default.
fn thinking_config(
    req: &MessagesRequest,
    info: ModelInfo,
    max_tokens: Option<u64>,
) -> Option<Value> {
    let thinking = req.thinking.as_ref()?;
    let effort = req.output_config.as_ref().and_then(|c| c.effort.as_deref());
    match info.generation {
        Generation::Legacy => None,
        Generation::V25 => budget_config(thinking, info, max_tokens),
        Generation::V3 => level_config(thinking, effort, info.tier),
        // A level or budget the model might reject is not guessed; thoughts are still asked
        // for, which every thinking model accepts.
        Generation::Unknown => match thinking {
            Thinking::Disabled => None,
            _ => Some(json!({ "includeThoughts": true })),
        },
    }
}

fn budget_config(thinking: &Thinking, info: ModelInfo, max_tokens: Option<u64>) -> Option<Value> {
    let (min, max, can_disable) = info.budget_range();
    match thinking {
        Thinking::Disabled if can_disable => Some(json!({ "thinkingBudget": 0 })),
        // 2.5 Pro cannot stop thinking: its default (dynamic) is the closest.
        Thinking::Disabled => None,
        Thinking::Adaptive { .. } => Some(json!({ "includeThoughts": true, "thinkingBudget": -1 })),
        Thinking::Enabled { budget_tokens } => {
            // The budget is part of the output limit: keep room for the answer.
            let cap = max_tokens.map_or(*budget_tokens, |m| m.saturating_sub(1));
            let budget = (*budget_tokens).min(cap).clamp(min, max);
            Some(json!({ "includeThoughts": true, "thinkingBudget": budget }))
        }
    }
}

fn level_config(thinking: &Thinking, effort: Option<&str>, tier: Tier) -> Option<Value> {
    let effort = match thinking {
        // Flash models have a `minimal` level; Pro cannot stop thinking.
        Thinking::Disabled => {
            return (tier != Tier::Pro).then(|| json!({ "thinkingLevel": "minimal" }));
        }
        Thinking::Enabled { budget_tokens } => Some(Effort::from_budget(*budget_tokens)),
        Thinking::Adaptive { .. } => effort.map(|e| Effort::from_name(Some(e))),
    };
    let Some(effort) = effort else {
        // Adaptive without an effort: the model's own dynamic level.
        return Some(json!({ "includeThoughts": true }));
    };
    let level = match (effort, tier) {
        (Effort::Low, _) => "low",
        // Pro has only `low` and `high`; `high` is also its default.
        (Effort::Medium, Tier::Flash | Tier::FlashLite) => "medium",
        _ => "high",
    };
    Some(json!({ "includeThoughts": true, "thinkingLevel": level }))
}
