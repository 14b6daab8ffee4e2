//! OpenAI Chat Completions SSE → Anthropic Messages stream events: the state machine of
//! protocol §5.1.
//!
//! Output grammar (§2.1): `message_start`, `ping`, then blocks one at a time with indexes
//! 0, 1, 2…, then `message_delta` (stop reason and full usage) and `message_stop`; or, when
//! the upstream fails or the stream is cut, an `error` event after closing the open block.
//!
//! Choices made where the protocol leaves room:
//! - Reasoning is only turned into a thinking block before any text or tool block: Anthropic
//!   requires thinking to lead the message (pitfall 18). Later reasoning is dropped (noted),
//!   not folded into the text, where it would read as part of the answer.
//! - Text that is only whitespace is held back until real text follows, and dropped when a
//!   thinking or tool block or the end comes first: Anthropic rejects whitespace-only text
//!   blocks when Claude Code sends the turn back (pitfall 13).
//! - Tool calls are emitted whole (start, one validated `input_json_delta`, stop) once known
//!   to be complete, so no partial or duplicated JSON reaches the client (pitfall 17).
//! - Thinking signatures are always synthetic ([`synthetic_signature`]), even when a provider
//!   relays one: a foreign signature could not be told apart from Anthropic's later.

mod args;
mod blocks;
pub(crate) mod fields;
pub(crate) mod sse;
pub(crate) mod tools;

#[cfg(test)]
mod scenario_tests;
#[cfg(test)]
pub(crate) mod tests;

use serde_json::Value;
use sha2::{Digest, Sha256};

pub use fields::{SYNTHETIC_SIGNATURE_PREFIX, is_synthetic_signature, synthetic_signature};

use self::blocks::Open;
use self::fields::{
    UpstreamUsage, anthropic_usage, first_choice, random_id, read_usage, reasoning_text, text_of,
};
use self::sse::{Frame, SseDecoder, snippet};
use self::tools::Slots;
use super::error::in_band_error;
use crate::anthropic::{
    ErrorBody, ErrorDetail, ErrorType, MessageDeltaBody, MessagesResponse, StopReason, StreamEvent,
    Usage,
};
use crate::tool_names::ToolNameMap;

/// Notes kept per stream (the first ones tell what went wrong).
const MAX_NOTES: usize = 64;

/// Translates one upstream stream. Feed it the upstream bytes as they arrive; every call
/// returns the Anthropic events to send now (possibly none).
#[derive(Debug)]
pub struct StreamTranslator {
    model: String,
    provider: String,
    input_estimate: u64,
    names: ToolNameMap,
    message_id: String,
    decoder: SseDecoder,
    slots: Slots,
    started: bool,
    /// `message_stop` or `error` was emitted: nothing follows.
    terminal: bool,
    next_index: usize,
    open: Option<Open>,
    /// Hash of the open thinking block's text, for its signature.
    thinking: Sha256,
    /// A text or tool block was started: reasoning is no longer accepted.
    content_started: bool,
    pending_whitespace: String,
    tools_emitted: usize,
    finish_reason: Option<String>,
    upstream_usage: Option<UpstreamUsage>,
    output_chars: u64,
    stop_reason: Option<StopReason>,
    error: Option<ErrorDetail>,
    notes: Vec<String>,
}

impl StreamTranslator {
    /// `requested_model` is the model name the client asked for (echoed in `message_start`);
    /// `input_estimate` the local token estimate of the request, used until (or unless) the
    /// upstream reports usage; `tool_names` restores shortened tool names.
    pub fn new(requested_model: String, input_estimate: u64, tool_names: ToolNameMap) -> Self {
        Self {
            model: requested_model,
            provider: "upstream".to_owned(),
            input_estimate,
            names: tool_names,
            message_id: random_id("msg_"),
            decoder: SseDecoder::default(),
            slots: Slots::default(),
            started: false,
            terminal: false,
            next_index: 0,
            open: None,
            thinking: Sha256::new(),
            content_started: false,
            pending_whitespace: String::new(),
            tools_emitted: 0,
            finish_reason: None,
            upstream_usage: None,
            output_chars: 0,
            stop_reason: None,
            error: None,
            notes: Vec::new(),
        }
    }

    /// Names the provider in error messages (default "upstream").
    #[must_use]
    pub fn with_provider(mut self, provider: &str) -> Self {
        provider.clone_into(&mut self.provider);
        self
    }

    /// `message_start` (usage: the input estimate, output 1, cache fields 0) and a `ping`.
    /// Send these as soon as the upstream answered 200. Later calls return nothing; `push`
    /// and `finish` emit them first if this was never called.
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
        let message = MessagesResponse {
            id: self.message_id.clone(),
            kind: "message".to_owned(),
            role: "assistant".to_owned(),
            model: self.model.clone(),
            content: Vec::new(),
            stop_reason: None,
            stop_sequence: None,
            usage,
        };
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
        // A misbehaving upstream must not grow the log notes without bound.
        self.notes.truncate(MAX_NOTES);
        out
    }

    /// The upstream body ended. With a finish_reason or `[DONE]` seen, the message is closed
    /// normally; otherwise the stream was cut and an `error` event (api_error) ends it, so the
    /// client retries instead of taking a truncated answer (protocol §5).
    pub fn finish(&mut self) -> Vec<StreamEvent> {
        let mut out = self.start();
        if self.terminal {
            return out;
        }
        let mut frames = Vec::new();
        self.decoder.finish(&mut frames, &mut self.notes);
        self.frames(frames, &mut out);
        if self.terminal {
            return out;
        }
        if !self.decoder.saw_data() && !self.decoder.raw().trim().is_empty() {
            self.plain_body(&mut out);
            if self.terminal {
                return out;
            }
        }
        if self.finish_reason.is_some() {
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

    /// Usage as sent (or to be sent) in `message_delta`: the upstream's counts, or estimates.
    pub fn usage(&self) -> Usage {
        anthropic_usage(self.upstream_usage, self.input_estimate, self.output_chars)
    }

    /// The stop reason, once the message completed normally.
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stop_reason
    }

    /// The upstream's own finish_reason, if it sent one.
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

    /// Repairs and drops worth logging (bad arguments, late reasoning, garbage lines…).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    fn frames(&mut self, frames: Vec<Frame>, out: &mut Vec<StreamEvent>) {
        for frame in frames {
            if self.terminal {
                return;
            }
            match frame {
                Frame::Chunk(chunk) => self.chunk(&chunk, out),
                Frame::Done => {
                    // `[DONE]` ends the message even without a finish_reason.
                    self.complete(out);
                }
            }
        }
    }

    /// A JSON body where a stream was expected: an error, or a whole completion.
    fn plain_body(&mut self, out: &mut Vec<StreamEvent>) {
        let Ok(body) = serde_json::from_str::<Value>(self.decoder.raw()) else {
            return;
        };
        let body = match body {
            Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
            other => other,
        };
        if body.get("error").is_some_and(|e| !e.is_null()) || body.get("choices").is_some() {
            self.notes
                .push("upstream sent a JSON body instead of an event stream".to_owned());
            self.chunk(&body, out);
        }
    }

    fn chunk(&mut self, chunk: &Value, out: &mut Vec<StreamEvent>) {
        if let Some(error) = chunk.get("error").filter(|e| !e.is_null()) {
            let body = in_band_error(error, &self.provider);
            return self.fail(body.error, out);
        }
        // Groq without stream_options puts the totals in `x_groq.usage` of the last chunk.
        let usage = chunk
            .get("usage")
            .filter(|u| u.is_object())
            .or_else(|| chunk.get("x_groq")?.get("usage"));
        if let Some(usage) = usage.and_then(read_usage) {
            self.upstream_usage = Some(usage);
        }
        let Some(choice) = first_choice(chunk) else {
            return;
        };
        // A complete message stands in for a delta when a server answers with one.
        let delta = choice
            .get("delta")
            .filter(|d| d.is_object())
            .or_else(|| choice.get("message"));
        if let Some(delta) = delta {
            self.reasoning(&reasoning_text(delta), out);
            self.text(&text_of(delta), out);
            let parts = fields::tool_call_parts(delta);
            if !parts.is_empty() {
                self.tool_parts(parts, out);
            }
        }
        match choice.get("finish_reason").and_then(Value::as_str) {
            None | Some("") => {}
            Some("error") => {
                // OpenRouter: the provider failed mid-stream (no top-level error object).
                let message = format!(
                    "{}: the provider reported an error mid-stream",
                    self.provider
                );
                self.fail(ErrorBody::new(ErrorType::ApiError, message).error, out);
            }
            // Recorded only: the usage chunk comes after it (stream_options.include_usage).
            Some(reason) => self.finish_reason = Some(reason.to_owned()),
        }
    }

    /// Normal end: remaining calls, `message_delta` with the stop reason and full usage (the
    /// client only trusts input counts found there), `message_stop`.
    fn complete(&mut self, out: &mut Vec<StreamEvent>) {
        self.pending_whitespace.clear();
        self.close_open(out);
        let calls = self.slots.take_all(&self.names, &mut self.notes);
        self.emit_tools(calls, out);
        let stop_reason =
            fields::stop_reason(self.finish_reason.as_deref(), self.tools_emitted > 0);
        let delta = MessageDeltaBody {
            stop_reason: Some(stop_reason),
            stop_sequence: None,
        };
        out.push(StreamEvent::MessageDelta {
            delta,
            usage: self.usage(),
        });
        out.push(StreamEvent::MessageStop);
        self.stop_reason = Some(stop_reason);
        self.terminal = true;
    }

    /// Failure end: close the open block, drop unfinished calls, `error`, no `message_stop`.
    fn fail(&mut self, error: ErrorDetail, out: &mut Vec<StreamEvent>) {
        self.pending_whitespace.clear();
        self.close_open(out);
        let dropped = self.slots.discard();
        if dropped > 0 {
            self.notes.push(format!(
                "{dropped} unfinished tool call(s) dropped by the failure"
            ));
        }
        out.push(StreamEvent::Error {
            error: error.clone(),
        });
        self.error = Some(error);
        self.terminal = true;
    }
}
