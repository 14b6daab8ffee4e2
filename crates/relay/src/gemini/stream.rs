//! Gemini `streamGenerateContent?alt=sse` → Anthropic Messages stream events (protocol.md
//! §6.2, with the output grammar of §2.1 and the block rules of §5.1).
//!
//! Each `data:` line is a complete `GenerateContentResponse` holding only the new parts.
//! There is no `[DONE]`: the end of the body is the end, and a body that ends before any
//! `finishReason` was cut, which gives an `error` event so the client retries (pitfall 19).
//! `functionCall` parts arrive whole and become a tool_use block at once (start, one
//! `input_json_delta`, stop: pitfall 17). Usage is the last `usageMetadata` seen.
//!
//! Choices made where the protocol leaves room:
//! - Thoughts only become a thinking block before any text or tool block (Anthropic wants
//!   thinking to lead the message, pitfall 18); later ones are dropped and noted.
//! - The leading thinking block carries the thought signature of the first `functionCall`
//!   (see `signature`), which Gemini sends on the call, after any text before it. So the
//!   first text of a message is held back until a call arrives (then: thinking block with
//!   the call's signature, the text, the call), the message ends, or [`HOLD_LIMIT`] bytes
//!   are held (then the text streams on, and a later call's signature is lost: the next
//!   request sends the sentinel for that call). Text before a call is usually one sentence.
//! - Whitespace-only text never forms a block (pitfall 13).

mod blocks;
#[cfg(test)]
mod scenario_tests;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use serde_json::Value;
use sha2::{Digest, Sha256};

use self::blocks::Open;
use super::read::{GeminiUsage, PartKind, first_candidate, parts};
use crate::anthropic::{
    ErrorBody, ErrorDetail, ErrorType, MessagesResponse, StopReason, StreamEvent, Usage,
};
use crate::openai::error::in_band_error;
use crate::openai::stream::fields::random_id;
use crate::openai::stream::sse::{Frame, SseDecoder, snippet};
use crate::tool_names::ToolNameMap;

/// Bytes of leading text held back while waiting for a call's thought signature.
pub(crate) const HOLD_LIMIT: usize = 1024;
/// Notes kept per stream (the first ones tell what went wrong).
const MAX_NOTES: usize = 64;

/// Translates one Gemini stream. Feed it the upstream bytes as they arrive; every call
/// returns the Anthropic events to send now (possibly none). Same interface as
/// [`crate::openai::stream::StreamTranslator`].
#[derive(Debug)]
pub struct GeminiStreamTranslator {
    model: String,
    provider: String,
    input_estimate: u64,
    names: ToolNameMap,
    message_id: String,
    decoder: SseDecoder,
    started: bool,
    /// `message_stop` or `error` was emitted: nothing follows.
    terminal: bool,
    next_index: usize,
    open: Option<Open>,
    /// Hash of the open thinking block's text, for a synthetic signature.
    thinking: Sha256,
    /// Leading text held back (see the module docs) while `holding`.
    held: String,
    holding: bool,
    /// Text was held or a text or tool block started: thoughts are no longer accepted.
    content_started: bool,
    pending_whitespace: String,
    call_signature: Option<String>,
    other_signature: Option<String>,
    used_ids: HashSet<String>,
    tools_emitted: usize,
    saw_candidate: bool,
    finish_reason: Option<String>,
    finish_message: Option<String>,
    block_reason: Option<String>,
    gemini_usage: GeminiUsage,
    output_chars: u64,
    stop_reason: Option<StopReason>,
    error: Option<ErrorDetail>,
    notes: Vec<String>,
}

impl GeminiStreamTranslator {
    /// `requested_model` is the model name the client asked for (echoed in `message_start`);
    /// `input_estimate` the local token estimate of the request, used until (or unless)
    /// Gemini reports usage; `tool_names` restores shortened tool names.
    pub fn new(requested_model: String, input_estimate: u64, tool_names: ToolNameMap) -> Self {
        Self {
            model: requested_model,
            provider: "gemini".to_owned(),
            input_estimate,
            names: tool_names,
            message_id: random_id("msg_"),
            decoder: SseDecoder::default(),
            started: false,
            terminal: false,
            next_index: 0,
            open: None,
            thinking: Sha256::new(),
            held: String::new(),
            holding: true,
            content_started: false,
            pending_whitespace: String::new(),
            call_signature: None,
            other_signature: None,
            used_ids: HashSet::new(),
            tools_emitted: 0,
            saw_candidate: false,
            finish_reason: None,
            finish_message: None,
            block_reason: None,
            gemini_usage: GeminiUsage::default(),
            output_chars: 0,
            stop_reason: None,
            error: None,
            notes: Vec::new(),
        }
    }

    /// Names the provider in error messages (default "gemini").
    #[must_use]
    pub fn with_provider(mut self, provider: &str) -> Self {
        provider.clone_into(&mut self.provider);
        self
    }

    /// `message_start` (usage: the input estimate, output 1, cache fields 0) and a `ping`.
    /// Send these as soon as Gemini answered 200. Later calls return nothing; `push` and
    /// `finish` emit them first if this was never called.
    pub fn start(&mut self) -> Vec<StreamEvent> {
        if self.started {
            return Vec::new();
        }
        self.started = true;
        let usage = Usage {
            input_tokens: self.input_estimate,
            output_tokens: 1,
            ..Usage::default()
        };
        let mut message = MessagesResponse::new(
            self.message_id.clone(),
            self.model.clone(),
            Vec::new(),
            StopReason::EndTurn,
            usage,
        );
        message.stop_reason = None;
        vec![StreamEvent::MessageStart { message }, StreamEvent::Ping]
    }

    /// Feeds upstream bytes, split anywhere.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<StreamEvent> {
        let mut out = self.start();
        if self.terminal {
            return out;
        }
        let mut frames = Vec::new();
        self.decoder.push(bytes, &mut frames, &mut self.notes);
        self.frames(frames, &mut out);
        self.notes.truncate(MAX_NOTES);
        out
    }

    /// The upstream body ended. After a `finishReason` (or a prompt block reason) the message
    /// is closed normally; otherwise the stream was cut and an `error` event (api_error) ends
    /// it, so the client retries instead of taking a truncated answer.
    pub fn finish(&mut self) -> Vec<StreamEvent> {
        let mut out = self.start();
        if self.terminal {
            return out;
        }
        let mut frames = Vec::new();
        self.decoder.finish(&mut frames, &mut self.notes);
        self.frames(frames, &mut out);
        if !self.terminal && !self.decoder.saw_data() && !self.decoder.raw().trim().is_empty() {
            self.plain_body(&mut out);
        }
        if self.terminal {
            return out;
        }
        if self.finish_reason.is_some() || self.block_reason.is_some() {
            self.complete(&mut out);
        } else {
            let mut message = format!(
                "{}: stream ended before the response was complete",
                self.provider
            );
            let raw = self.decoder.raw().trim();
            if !raw.is_empty() {
                message = format!("{message}: {}", snippet(raw));
            }
            self.fail(ErrorBody::new(ErrorType::ApiError, message).error, &mut out);
        }
        out
    }

    /// Ends the stream with an `error` event (api_error) for a failure the gateway saw itself,
    /// such as a read error or timeout; the open block is closed first.
    pub fn abort(&mut self, reason: &str) -> Vec<StreamEvent> {
        let mut out = self.start();
        if !self.terminal {
            let message = format!("{}: {reason}", self.provider);
            self.fail(ErrorBody::new(ErrorType::ApiError, message).error, &mut out);
        }
        out
    }

    /// The message id sent in `message_start`.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// Usage as sent (or to be sent) in `message_delta`: Gemini's counts, or estimates.
    pub fn usage(&self) -> Usage {
        self.gemini_usage
            .to_anthropic(self.input_estimate, self.output_chars)
    }

    /// The stop reason, once the message completed normally.
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stop_reason
    }

    /// Gemini's own `finishReason`, if it sent one.
    pub fn finish_reason(&self) -> Option<&str> {
        self.finish_reason.as_deref()
    }

    /// Whether the stream ended with an `error` event.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// The error sent to the client, if any.
    pub fn error(&self) -> Option<&ErrorDetail> {
        self.error.as_ref()
    }

    /// The message of the error sent to the client, for the request log.
    pub fn error_message(&self) -> Option<String> {
        self.error.as_ref().map(|e| e.message.clone())
    }

    /// Whether `message_stop` or `error` was emitted.
    pub fn is_done(&self) -> bool {
        self.terminal
    }

    /// Drops and repairs worth logging (late thoughts, lost signatures, odd parts…).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    fn frames(&mut self, frames: Vec<Frame>, out: &mut Vec<StreamEvent>) {
        for frame in frames {
            if self.terminal {
                return;
            }
            // `[DONE]` is not Gemini's; where a proxy adds one, the end of the body decides.
            if let Frame::Chunk(chunk) = frame {
                self.chunk(&chunk, out);
            }
        }
    }

    /// A JSON body where a stream was expected: an error, a whole response, or the JSON
    /// array `streamGenerateContent` sends without `alt=sse`.
    fn plain_body(&mut self, out: &mut Vec<StreamEvent>) {
        let Ok(body) = serde_json::from_str::<Value>(self.decoder.raw()) else {
            return;
        };
        let chunks = match body {
            Value::Array(items) => items,
            other => vec![other],
        };
        self.notes
            .push("gemini sent a JSON body instead of an event stream".to_owned());
        for chunk in &chunks {
            if self.terminal {
                return;
            }
            self.chunk(chunk, out);
        }
    }

    fn chunk(&mut self, chunk: &Value, out: &mut Vec<StreamEvent>) {
        if let Some(error) = chunk.get("error").filter(|e| !e.is_null()) {
            let body = in_band_error(error, &self.provider);
            return self.fail(body.error, out);
        }
        if let Some(usage) = chunk.get("usageMetadata").filter(|u| u.is_object()) {
            self.gemini_usage.update(usage);
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
            match part.kind {
                PartKind::Thought(text) => self.thought(text, part.signature, out),
                PartKind::Text(text) => self.text_part(text, part.signature, out),
                PartKind::Call { id, name, args } => {
                    self.call(id, name, args, part.signature, out);
                }
                PartKind::Other(key) => {
                    self.other_signature_seen(part.signature);
                    let note = format!("unsupported part `{key}` dropped");
                    if !self.notes.contains(&note) {
                        self.notes.push(note);
                    }
                }
            }
        }
        let field = |key: &str| {
            candidate
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        if let Some(reason) = field("finishReason").filter(|r| !r.is_empty()) {
            self.finish_reason = Some(reason);
            self.finish_message = field("finishMessage");
        }
    }

    /// Failure end: close the open block, drop held text, `error`, no `message_stop`.
    fn fail(&mut self, error: ErrorDetail, out: &mut Vec<StreamEvent>) {
        self.held.clear();
        self.holding = false;
        self.pending_whitespace.clear();
        self.close_open(out);
        out.push(StreamEvent::Error {
            error: error.clone(),
        });
        self.error = Some(error);
        self.terminal = true;
    }
}
