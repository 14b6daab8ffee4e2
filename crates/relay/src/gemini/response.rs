//! A complete Gemini `GenerateContentResponse` → Anthropic Messages response (protocol.md
//! §6.2). Blocks come in Anthropic's order: one thinking block first, then text and tool_use
//! blocks in Gemini's order.
//!
//! The thinking block carries Gemini's thought signature (see `signature`): the one on the
//! first `functionCall` when the response has calls, which is the one Gemini checks on the
//! next request. Without thought text but with such a signature, a thinking block with
//! placeholder text carries it. Other thinking blocks get Nexus's synthetic signature.

use std::collections::HashSet;

use serde_json::Value;

use super::read::{
    GeminiUsage, PartKind, call_arguments, empty_stop_note, first_candidate, parts, stop_reason,
};
use super::signature;
use crate::anthropic::{ErrorBody, ErrorType, MessagesResponse, ResponseBlock, StopReason};
use crate::openai::error::in_band_error;
use crate::openai::stream::fields::random_id;
use crate::openai::stream::synthetic_signature;
use crate::openai::stream::tools::finish_call;
use crate::tool_names::ToolNameMap;

/// The text of a thinking block that exists only to carry a signature (Gemini sent no thought
/// summary); Claude Code echoes it back, and the translation never sends it to Gemini.
pub(crate) const PLACEHOLDER_THINKING: &str = "(no content)";

/// Translates `body`, Gemini's 200 response. `requested_model` is the model name the client
/// asked for (echoed back), `tool_names` restores shortened tool names, and `input_estimate`
/// stands in for the input count when Gemini reports no usage.
///
/// A body that is not JSON, an `{"error":…}` body (mapped like an HTTP error with its
/// `code`), or a body without candidates and without a prompt block reason → `Err`. A JSON
/// array (what `streamGenerateContent` sends without `alt=sse`) is read as its chunks in turn.
pub fn translate_response(
    body: &[u8],
    requested_model: &str,
    tool_names: &ToolNameMap,
    input_estimate: u64,
) -> Result<MessagesResponse, ErrorBody> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let text = String::from_utf8_lossy(body);
        let head: String = text.chars().take(200).collect();
        ErrorBody::new(
            ErrorType::ApiError,
            format!("gemini returned a body that is not JSON ({e}): {head}"),
        )
    })?;
    let chunks: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut message = Collected::default();
    for chunk in chunks {
        if let Some(error) = chunk.get("error").filter(|e| !e.is_null()) {
            return Err(in_band_error(error, "gemini"));
        }
        message.chunk(chunk, tool_names);
    }
    if !message.saw_candidate && message.block_reason.is_none() {
        return Err(ErrorBody::new(
            ErrorType::ApiError,
            "gemini response has no candidates",
        ));
    }
    let id = value
        .get("responseId")
        .or_else(|| value.get(0).and_then(|v| v.get("responseId")))
        .and_then(Value::as_str)
        .map(crate::tool_names::word_characters)
        .filter(|id| !id.is_empty())
        .map_or_else(|| random_id("msg_"), |id| format!("msg_{id}"));
    Ok(message.finish(id, requested_model, input_estimate))
}

#[derive(Default)]
struct Collected {
    saw_candidate: bool,
    thoughts: String,
    /// The signature of the first call that carried one, and any other signature.
    call_signature: Option<String>,
    other_signature: Option<String>,
    blocks: Vec<ResponseBlock>,
    used_ids: HashSet<String>,
    finish_reason: Option<String>,
    finish_message: Option<String>,
    block_reason: Option<String>,
    usage: GeminiUsage,
    output_chars: u64,
}

impl Collected {
    fn chunk(&mut self, chunk: &Value, tool_names: &ToolNameMap) {
        if let Some(usage) = chunk.get("usageMetadata").filter(|u| u.is_object()) {
            self.usage.update(usage);
        }
        if let Some(reason) = chunk
            .get("promptFeedback")
            .and_then(|f| f.get("blockReason"))
            .and_then(Value::as_str)
        {
            self.block_reason = Some(reason.to_owned());
        }
        let Some(candidate) = first_candidate(chunk) else {
            return;
        };
        self.saw_candidate = true;
        for part in parts(candidate) {
            let is_call = matches!(part.kind, PartKind::Call { .. });
            if let Some(signature) = part.signature {
                let slot = if is_call {
                    &mut self.call_signature
                } else {
                    &mut self.other_signature
                };
                slot.get_or_insert_with(|| signature.to_owned());
            }
            match part.kind {
                PartKind::Thought(text) => self.thoughts.push_str(text),
                PartKind::Text(text) => self.text(text),
                PartKind::Call { id, name, args } => {
                    let mut notes = Vec::new();
                    let arguments = call_arguments(args);
                    if let Some(call) = finish_call(
                        id,
                        name,
                        &arguments,
                        tool_names,
                        &mut self.used_ids,
                        &mut notes,
                    ) {
                        self.output_chars += (call.name.chars().count()
                            + call.input.to_string().chars().count())
                            as u64;
                        self.blocks.push(ResponseBlock::ToolUse {
                            id: call.id,
                            name: call.name,
                            input: call.input,
                        });
                    }
                }
                PartKind::Other(_) => {}
            }
        }
        let field = |key: &str| {
            candidate
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        if let Some(reason) = field("finishReason") {
            self.finish_reason = Some(reason);
            self.finish_message = field("finishMessage");
        }
    }

    /// Adjacent text parts (stream chunks read whole) form one block.
    fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.output_chars += text.chars().count() as u64;
        match self.blocks.last_mut() {
            Some(ResponseBlock::Text { text: existing }) => existing.push_str(text),
            _ => self.blocks.push(ResponseBlock::Text {
                text: text.to_owned(),
            }),
        }
    }

    fn finish(mut self, id: String, model: &str, input_estimate: u64) -> MessagesResponse {
        // Whitespace-only text would be rejected by Anthropic when Claude Code sends it back
        // (pitfall 13).
        self.blocks
            .retain(|b| !matches!(b, ResponseBlock::Text { text } if text.trim().is_empty()));
        let has_tools = self
            .blocks
            .iter()
            .any(|b| matches!(b, ResponseBlock::ToolUse { .. }));
        // With calls, only the call's signature may travel: it goes back onto the first call.
        let signature = match (self.call_signature, has_tools) {
            (Some(signature), _) => Some(signature),
            (None, false) => self.other_signature,
            (None, true) => None,
        };
        let mut content = Vec::with_capacity(self.blocks.len() + 1);
        self.output_chars += self.thoughts.chars().count() as u64;
        if !self.thoughts.is_empty() {
            let signature = signature.map_or_else(
                || synthetic_signature(&self.thoughts),
                |s| signature::wrap(&s),
            );
            content.push(ResponseBlock::Thinking {
                thinking: self.thoughts,
                signature,
            });
        } else if let Some(signature) = signature.filter(|_| has_tools) {
            content.push(ResponseBlock::Thinking {
                thinking: PLACEHOLDER_THINKING.to_owned(),
                signature: signature::wrap(&signature),
            });
        }
        content.extend(self.blocks);
        let stop = if self.block_reason.is_some() && !self.saw_candidate {
            StopReason::Refusal
        } else {
            stop_reason(self.finish_reason.as_deref(), has_tools)
        };
        if content.is_empty() {
            let reason = match &self.block_reason {
                Some(reason) if !self.saw_candidate => Some(format!("prompt blocked: {reason}")),
                _ => self.finish_reason,
            };
            if let Some(note) = empty_stop_note(reason.as_deref(), self.finish_message.as_deref()) {
                content.push(ResponseBlock::Text { text: note });
            }
        }
        let usage = self.usage.to_anthropic(input_estimate, self.output_chars);
        MessagesResponse::new(id, model.to_owned(), content, stop, usage)
    }
}

#[cfg(test)]
mod tests;
