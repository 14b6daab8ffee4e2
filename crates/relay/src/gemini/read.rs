//! Reading a `GenerateContentResponse` (a complete body or one stream chunk: both have the
//! same shape), shared by `response` and `stream` so both paths agree on parts, finish
//! reasons and usage (protocol.md §6.2).

use serde_json::Value;

use crate::anthropic::{StopReason, Usage};
use crate::openai::stream::fields::number;

/// What one part of `candidates[0].content.parts` holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PartKind<'a> {
    /// `{text, thought: true}`: a thought summary.
    Thought(&'a str),
    /// `{text}` (possibly empty, e.g. a last part that only carries a signature).
    Text(&'a str),
    /// `{functionCall: {name, args, id?}}`, whole (the Gemini API does not split calls).
    Call {
        id: Option<&'a str>,
        name: Option<&'a str>,
        args: &'a Value,
    },
    /// Anything else (`inlineData`, `executableCode`, …), by its key, for the log.
    Other(String),
}

/// One part and its `thoughtSignature`, if it carries a non-empty one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PartView<'a> {
    pub kind: PartKind<'a>,
    pub signature: Option<&'a str>,
}

/// The candidate to translate: the one with `index` 0 (or none), else the first.
pub(crate) fn first_candidate(body: &Value) -> Option<&Value> {
    let candidates = body.get("candidates")?.as_array()?;
    candidates
        .iter()
        .find(|c| c.get("index").and_then(number).unwrap_or(0) == 0)
        .or_else(|| candidates.first())
}

/// The parts of a candidate, in order.
pub(crate) fn parts(candidate: &Value) -> Vec<PartView<'_>> {
    let Some(parts) = candidate
        .get("content")
        .and_then(|c| c.get("parts"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    parts.iter().map(part).collect()
}

fn part(part: &Value) -> PartView<'_> {
    let signature = part
        .get("thoughtSignature")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let kind = if let Some(call) = part.get("functionCall").filter(|c| c.is_object()) {
        let text = |key: &str| {
            call.get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        PartKind::Call {
            id: text("id"),
            name: text("name"),
            args: call.get("args").unwrap_or(&Value::Null),
        }
    } else if let Some(text) = part.get("text").and_then(Value::as_str) {
        if part.get("thought").and_then(Value::as_bool) == Some(true) {
            PartKind::Thought(text)
        } else {
            PartKind::Text(text)
        }
    } else if signature.is_some()
        && part
            .as_object()
            .is_some_and(|o| o.keys().all(|k| k == "thoughtSignature" || k == "thought"))
    {
        // A part made of nothing but a signature.
        PartKind::Text("")
    } else {
        let key = part
            .as_object()
            .and_then(|o| {
                o.keys()
                    .find(|k| *k != "thoughtSignature" && *k != "thought")
            })
            .map_or_else(|| "empty part".to_owned(), Clone::clone);
        PartKind::Other(key)
    };
    PartView { kind, signature }
}

/// `functionCall.args` as argument text for the shared call builder (which parses and, where
/// possible, repairs it): an object is serialised, a string (JSON text, as some proxies send
/// it) is kept, none is "".
pub(crate) fn call_arguments(args: &Value) -> String {
    match args {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `finishReason` → `stop_reason` (protocol.md §6.2). Gemini reports `STOP` for tool turns,
/// so emitted tool blocks decide (pitfall 7); reasons that are neither a limit nor a
/// refusal (`MALFORMED_FUNCTION_CALL`, `OTHER`, unknown ones) are treated like `STOP`.
pub(crate) fn stop_reason(finish_reason: Option<&str>, emitted_tools: bool) -> StopReason {
    match finish_reason {
        Some("MAX_TOKENS") => StopReason::MaxTokens,
        Some(reason) if is_refusal(reason) => StopReason::Refusal,
        _ if emitted_tools => StopReason::ToolUse,
        _ => StopReason::EndTurn,
    }
}

/// Safety and policy stops (and the prompt-level `blockReason` values).
fn is_refusal(reason: &str) -> bool {
    matches!(
        reason,
        "SAFETY"
            | "RECITATION"
            | "BLOCKLIST"
            | "PROHIBITED_CONTENT"
            | "SPII"
            | "IMAGE_SAFETY"
            | "IMAGE_PROHIBITED_CONTENT"
            | "IMAGE_RECITATION"
            | "LANGUAGE"
            | "OTHER_BLOCK"
    )
}

/// The text shown when a response ends abnormally with nothing in it, so the user learns
/// why instead of seeing an empty answer. `None` for normal ends.
pub(crate) fn empty_stop_note(reason: Option<&str>, message: Option<&str>) -> Option<String> {
    let reason = reason.filter(|r| !matches!(*r, "STOP" | "MAX_TOKENS"))?;
    let detail = message
        .filter(|m| !m.trim().is_empty())
        .map_or_else(String::new, |m| format!(": {}", m.trim()));
    Some(format!(
        "[Gemini stopped without an answer ({reason}){detail}]"
    ))
}

/// `usageMetadata` as Gemini reported it; in a stream each chunk may carry a copy, the
/// last one complete.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct GeminiUsage {
    prompt: Option<u64>,
    candidates: Option<u64>,
    cached: Option<u64>,
    thoughts: Option<u64>,
    tool_prompt: Option<u64>,
}

impl GeminiUsage {
    /// Takes the counts present in `usage`; absent ones keep their earlier value.
    pub fn update(&mut self, usage: &Value) {
        let count = |key: &str| usage.get(key).and_then(number);
        for (slot, key) in [
            (&mut self.prompt, "promptTokenCount"),
            (&mut self.candidates, "candidatesTokenCount"),
            (&mut self.cached, "cachedContentTokenCount"),
            (&mut self.thoughts, "thoughtsTokenCount"),
            (&mut self.tool_prompt, "toolUsePromptTokenCount"),
        ] {
            if let Some(value) = count(key) {
                *slot = Some(value);
            }
        }
    }

    /// Anthropic usage: `input_tokens` = prompt − cached + tool-use prompt, cache reads =
    /// cached, output = candidates + thoughts (Gemini counts thoughts separately, Anthropic
    /// inside the output). A missing or zero count is replaced by an estimate (the request
    /// estimate, chars/4 of the output): a zero breaks Claude Code's context accounting and
    /// auto-compact (pitfall 14).
    pub fn to_anthropic(self, input_estimate: u64, output_chars: u64) -> Usage {
        let (input, cached) = match self.prompt.filter(|p| *p > 0) {
            Some(prompt) => {
                let cached = self.cached.unwrap_or(0).min(prompt);
                (prompt - cached + self.tool_prompt.unwrap_or(0), cached)
            }
            None => (input_estimate, 0),
        };
        let output = self.candidates.unwrap_or(0) + self.thoughts.unwrap_or(0);
        let output = if output > 0 {
            output
        } else {
            output_chars.div_ceil(4)
        };
        Usage {
            input_tokens: input,
            output_tokens: output,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: cached,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn parts_are_classified_with_their_signatures() {
        let candidate = json!({"content": {"role": "model", "parts": [
            {"text": "t", "thought": true, "thoughtSignature": "A"},
            {"text": "answer"},
            {"functionCall": {"id": "", "name": "Bash", "args": {"command": "ls"}}, "thoughtSignature": "B"},
            {"thought": true, "thoughtSignature": "C"},
            {"thoughtSignature": ""},
            {"inlineData": {"mimeType": "image/png", "data": "x"}}
        ]}});
        let views = parts(&candidate);
        let kinds: Vec<&PartKind> = views.iter().map(|v| &v.kind).collect();
        let args = json!({"command": "ls"});
        assert_eq!(
            kinds,
            vec![
                &PartKind::Thought("t"),
                &PartKind::Text("answer"),
                &PartKind::Call {
                    id: None,
                    name: Some("Bash"),
                    args: &args
                },
                &PartKind::Text(""),
                &PartKind::Other("empty part".to_owned()),
                &PartKind::Other("inlineData".to_owned()),
            ]
        );
        let signatures: Vec<Option<&str>> = views.iter().map(|v| v.signature).collect();
        assert_eq!(
            signatures,
            vec![Some("A"), None, Some("B"), Some("C"), None, None]
        );
    }

    #[test]
    fn usage_updates_keep_earlier_counts() {
        let mut usage = GeminiUsage::default();
        usage.update(&json!({"promptTokenCount": 100, "cachedContentTokenCount": 60}));
        usage.update(&json!({"candidatesTokenCount": 7, "thoughtsTokenCount": 3, "toolUsePromptTokenCount": 5}));
        let usage = usage.to_anthropic(1, 0);
        assert_eq!(
            (
                usage.input_tokens,
                usage.cache_read_input_tokens,
                usage.output_tokens
            ),
            (45, 60, 10)
        );
    }
}
