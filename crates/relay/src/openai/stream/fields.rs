//! Reading an OpenAI `message` (complete response) or `delta` (stream chunk). Both carry the
//! same reasoning / content / refusal / tool_calls shapes, so `response` and `stream` share
//! these readers, and with them the finish-reason and usage rules of protocol §5.

use std::collections::HashSet;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::anthropic::{StopReason, Usage};

/// Prefix of the signatures Nexus puts on thinking blocks built from OpenAI-compatible
/// reasoning. Upstreams other than Anthropic issue no signature, but Claude Code needs one to
/// echo the block back; the prefix lets the passthrough path recognise and drop these blocks
/// before they reach Anthropic, which would reject them (protocol §7, pitfall 16).
pub const SYNTHETIC_SIGNATURE_PREFIX: &str = "nexus.";

/// The synthetic signature for a thinking text: the prefix and the hex SHA-256 of the text, so
/// it is stable and shows whether the text was changed on its way back.
pub fn synthetic_signature(thinking: &str) -> String {
    signature_from_digest(&Sha256::digest(thinking.as_bytes()))
}

/// Whether `signature` is one Nexus made up (never valid at Anthropic).
pub fn is_synthetic_signature(signature: &str) -> bool {
    signature.starts_with(SYNTHETIC_SIGNATURE_PREFIX)
}

/// The signature from an already computed digest (the stream hashes as text arrives).
pub(crate) fn signature_from_digest(digest: &[u8]) -> String {
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{SYNTHETIC_SIGNATURE_PREFIX}{hex}")
}

/// `prefix` followed by 32 random-ish hex digits (UUIDv7: time plus random bits).
pub(crate) fn random_id(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::now_v7().simple())
}

/// A non-negative integer field; some servers send counts as floats (`12.0`).
pub(crate) fn number(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| *f >= 0.0)
            .map(|f| f.round() as u64)
    })
}

/// The choice to translate: the one with `index` 0 (or no index), else the first. `choices`
/// may be missing, `null` or empty (the usage-only chunk): then there is none.
pub(crate) fn first_choice(body: &Value) -> Option<&Value> {
    let choices = body.get("choices")?.as_array()?;
    choices
        .iter()
        .find(|c| c.get("index").and_then(number).unwrap_or(0) == 0)
        .or_else(|| choices.first())
}

/// Reasoning text of a message or delta. DeepSeek/vLLM use `reasoning_content`, OpenRouter
/// `reasoning` and `reasoning_details` — with the same text in both, so the first non-empty
/// source wins rather than concatenating them. Mistral's Magistral puts `thinking` parts in
/// `content`.
pub(crate) fn reasoning_text(message: &Value) -> String {
    for key in ["reasoning_content", "reasoning"] {
        if let Some(text) = message.get(key).and_then(Value::as_str)
            && !text.is_empty()
        {
            return text.to_owned();
        }
    }
    let mut out = String::new();
    if let Some(details) = message.get("reasoning_details").and_then(Value::as_array) {
        // `reasoning.text` items carry `text`, `reasoning.summary` items `summary`;
        // `reasoning.encrypted` items have no readable text.
        for item in details {
            for key in ["text", "summary"] {
                if let Some(text) = item.get(key).and_then(Value::as_str) {
                    out.push_str(text);
                }
            }
        }
    }
    if out.is_empty()
        && let Some(parts) = message.get("content").and_then(Value::as_array)
    {
        for part in parts.iter().filter(|p| part_type(p) == Some("thinking")) {
            match part.get("thinking") {
                Some(Value::String(text)) => out.push_str(text),
                Some(Value::Array(inner)) => {
                    inner
                        .iter()
                        .filter_map(|p| p.get("text").and_then(Value::as_str))
                        .for_each(|t| out.push_str(t));
                }
                _ => {}
            }
        }
    }
    out
}

/// Visible text of a message or delta: `content` (a string, or `text` parts of an array) and
/// `refusal`, which OpenAI sends instead of content when the model declines.
pub(crate) fn text_of(message: &Value) -> String {
    let mut out = String::new();
    match message.get("content") {
        Some(Value::String(text)) => out.push_str(text),
        Some(Value::Array(parts)) => {
            for part in parts.iter().filter(|p| part_type(p) == Some("text")) {
                if let Some(text) = part.get("text").and_then(Value::as_str) {
                    out.push_str(text);
                }
            }
        }
        _ => {}
    }
    if let Some(refusal) = message.get("refusal").and_then(Value::as_str) {
        out.push_str(refusal);
    }
    out
}

fn part_type(part: &Value) -> Option<&str> {
    part.get("type").and_then(Value::as_str)
}

/// One entry of `tool_calls` (a whole call in a response, a fragment in a stream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallPart {
    pub index: Option<u64>,
    /// Non-empty id; integer ids (Poolside) are stringified, `""` (Qwen, Gemini) is none.
    pub id: Option<String>,
    /// Non-empty name.
    pub name: Option<String>,
    /// Argument text; an object sent instead of a string is serialised.
    pub arguments: String,
}

/// The `tool_calls` of a message or delta, or the legacy `function_call` as one call.
pub(crate) fn tool_call_parts(message: &Value) -> Vec<CallPart> {
    if let Some(calls) = message.get("tool_calls").and_then(Value::as_array) {
        return calls
            .iter()
            .map(|call| call_part(call, call.get("function")))
            .collect();
    }
    match message.get("function_call") {
        Some(function) if function.is_object() => vec![call_part(&Value::Null, Some(function))],
        _ => Vec::new(),
    }
}

fn call_part(call: &Value, function: Option<&Value>) -> CallPart {
    let id = match call.get("id") {
        Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
        Some(Value::Number(id)) => Some(id.to_string()),
        _ => None,
    };
    let name = function
        .and_then(|f| f.get("name"))
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty());
    let arguments = match function.and_then(|f| f.get("arguments")) {
        Some(Value::String(args)) => args.clone(),
        None | Some(Value::Null) => String::new(),
        Some(other) => other.to_string(),
    };
    CallPart {
        index: call.get("index").and_then(number),
        id,
        name: name.map(str::to_owned),
        arguments,
    }
}

/// The id to give a tool_use block. Anthropic ids match `^[a-zA-Z0-9_-]+$`, and Claude Code
/// echoes the id in both the tool_use and its tool_result, so replacing other characters is
/// safe; an empty or (within this message) repeated id gets a fresh `toolu_` id.
pub(crate) fn tool_use_id(upstream: Option<&str>, used: &mut HashSet<String>) -> String {
    let cleaned = crate::tool_names::word_characters(upstream.unwrap_or_default());
    let id = if cleaned.is_empty() || used.contains(&cleaned) {
        random_id("toolu_")
    } else {
        cleaned
    };
    used.insert(id.clone());
    id
}

/// `finish_reason` → `stop_reason` (protocol §5). `stop` with emitted tool calls is
/// `tool_use` (Gemini-compat and even OpenAI do that, pitfall 7); `tool_calls` without any
/// tool block emitted (all dropped) is `end_turn`, since `tool_use` promises tool blocks.
/// A missing or unknown reason is treated like `stop`.
pub(crate) fn stop_reason(finish_reason: Option<&str>, emitted_tools: bool) -> StopReason {
    match finish_reason {
        Some("length" | "max_tokens") => StopReason::MaxTokens,
        Some("content_filter") => StopReason::Refusal,
        _ if emitted_tools => StopReason::ToolUse,
        _ => StopReason::EndTurn,
    }
}

/// Token counts as the upstream reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct UpstreamUsage {
    prompt: Option<u64>,
    completion: Option<u64>,
    cached: u64,
}

/// Reads `usage` when it is an object (OpenAI sends `usage: null` on ordinary chunks).
/// Cached tokens: `prompt_tokens_details.cached_tokens` (OpenAI), `prompt_cache_hit_tokens`
/// (DeepSeek) or `cached_tokens` (Moonshot).
pub(crate) fn read_usage(usage: &Value) -> Option<UpstreamUsage> {
    usage.as_object()?;
    let cached = usage
        .get("prompt_tokens_details")
        .and_then(|d| d.get("cached_tokens"))
        .and_then(number)
        .or_else(|| usage.get("prompt_cache_hit_tokens").and_then(number))
        .or_else(|| usage.get("cached_tokens").and_then(number))
        .unwrap_or(0);
    Some(UpstreamUsage {
        prompt: usage.get("prompt_tokens").and_then(number),
        completion: usage.get("completion_tokens").and_then(number),
        cached,
    })
}

/// Anthropic usage: `input_tokens` excludes cache reads. A missing or zero count is replaced
/// by an estimate (the request estimate, chars/4 of the output), since a zero breaks Claude
/// Code's context accounting and auto-compact (pitfall 14).
pub(crate) fn anthropic_usage(
    upstream: Option<UpstreamUsage>,
    input_estimate: u64,
    output_chars: u64,
) -> Usage {
    let upstream = upstream.unwrap_or_default();
    let (input, cached) = match upstream.prompt.filter(|p| *p > 0) {
        Some(prompt) => {
            let cached = upstream.cached.min(prompt);
            (prompt - cached, cached)
        }
        None => (input_estimate, 0),
    };
    let output = upstream
        .completion
        .filter(|c| *c > 0)
        .unwrap_or_else(|| output_chars.div_ceil(4));
    Usage {
        input_tokens: input,
        output_tokens: output,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: cached,
    }
}
