//! Content blocks of the Gemini stream: thinking, text and tool_use, one open at a time,
//! with the holding and signature rules described in the parent module.

use serde_json::{Value, json};
use sha2::Digest;

use super::{GeminiStreamTranslator, HOLD_LIMIT};
use crate::anthropic::{BlockStart, Delta, MessageDeltaBody, StreamEvent};
use crate::gemini::read::{call_arguments, empty_stop_note, stop_reason};
use crate::gemini::response::PLACEHOLDER_THINKING;
use crate::gemini::signature;
use crate::openai::stream::fields::signature_from_digest;
use crate::openai::stream::tools::finish_call;

/// The block currently open (tool blocks never stay open: they are emitted whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Open {
    Text(usize),
    Thinking(usize),
}

/// Why held text is released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flush {
    /// A call arrived: its signature (if any) signs the thinking block.
    Call,
    /// Too much text held: stream on; a text part's signature is not used, since a call
    /// may still come and its signature must not be confused with another.
    Limit,
    /// The message ended without calls: any signature seen may sign the thinking block.
    End,
}

impl GeminiStreamTranslator {
    /// A thought summary: into the leading thinking block, or dropped once content began.
    pub(super) fn thought(
        &mut self,
        text: &str,
        signature: Option<&str>,
        out: &mut Vec<StreamEvent>,
    ) {
        self.other_signature_seen(signature);
        if text.is_empty() {
            return;
        }
        if self.content_started {
            let note = "thoughts after text or tool calls dropped";
            if !self.notes.iter().any(|n| n == note) {
                self.notes.push(note.to_owned());
            }
            return;
        }
        // Whitespace before the thoughts is not an answer.
        self.held.clear();
        self.pending_whitespace.clear();
        let index = match self.open {
            Some(Open::Thinking(index)) => index,
            _ => {
                self.close_open(out);
                let start = BlockStart::Thinking {
                    thinking: String::new(),
                };
                let index = self.open_block(start, out);
                self.open = Some(Open::Thinking(index));
                index
            }
        };
        self.thinking.update(text.as_bytes());
        self.output_chars += text.chars().count() as u64;
        out.push(StreamEvent::ContentBlockDelta {
            index,
            delta: Delta::ThinkingDelta {
                thinking: text.to_owned(),
            },
        });
    }

    /// Answer text: held at first, then streamed.
    pub(super) fn text_part(
        &mut self,
        text: &str,
        signature: Option<&str>,
        out: &mut Vec<StreamEvent>,
    ) {
        self.other_signature_seen(signature);
        if text.is_empty() {
            return;
        }
        self.output_chars += text.chars().count() as u64;
        if !self.holding {
            return self.stream_text(text, out);
        }
        self.held.push_str(text);
        if !self.held.trim().is_empty() {
            self.content_started = true;
        }
        if self.held.len() > HOLD_LIMIT {
            self.flush(Flush::Limit, out);
        }
    }

    /// A whole `functionCall` part: held text goes first, then the tool_use block.
    pub(super) fn call(
        &mut self,
        id: Option<&str>,
        name: Option<&str>,
        args: &Value,
        signature: Option<&str>,
        out: &mut Vec<StreamEvent>,
    ) {
        if let Some(signature) = signature {
            if self.holding && self.call_signature.is_none() {
                self.call_signature = Some(signature.to_owned());
            } else if self.call_signature.as_deref() != Some(signature) {
                self.notes
                    .push("thought signature of a call after the answer began dropped".to_owned());
            }
        }
        self.flush(Flush::Call, out);
        self.pending_whitespace.clear();
        self.close_open(out);
        self.content_started = true;
        let arguments = call_arguments(args);
        let call = finish_call(
            id,
            name,
            &arguments,
            &self.names,
            &mut self.used_ids,
            &mut self.notes,
        );
        let Some(call) = call else { return };
        let json = call.input.to_string();
        self.output_chars += (call.name.chars().count() + json.chars().count()) as u64;
        let start = BlockStart::ToolUse {
            id: call.id,
            name: call.name,
            input: json!({}),
        };
        let index = self.open_block(start, out);
        out.push(StreamEvent::ContentBlockDelta {
            index,
            delta: Delta::InputJsonDelta { partial_json: json },
        });
        out.push(StreamEvent::ContentBlockStop { index });
        self.tools_emitted += 1;
    }

    /// Normal end: held text, `message_delta` with the stop reason and full usage (the
    /// client only trusts input counts found there), `message_stop`.
    pub(super) fn complete(&mut self, out: &mut Vec<StreamEvent>) {
        self.flush(Flush::End, out);
        self.pending_whitespace.clear();
        self.close_open(out);
        let prompt_blocked = self.block_reason.is_some() && !self.saw_candidate;
        let stop = if prompt_blocked {
            crate::anthropic::StopReason::Refusal
        } else {
            stop_reason(self.finish_reason.as_deref(), self.tools_emitted > 0)
        };
        if self.next_index == 0 {
            let reason = match &self.block_reason {
                Some(reason) if prompt_blocked => Some(format!("prompt blocked: {reason}")),
                _ => self.finish_reason.clone(),
            };
            if let Some(note) = empty_stop_note(reason.as_deref(), self.finish_message.as_deref()) {
                self.stream_text(&note, out);
                self.close_open(out);
            }
        }
        out.push(StreamEvent::MessageDelta {
            delta: MessageDeltaBody {
                stop_reason: Some(stop),
                stop_sequence: None,
            },
            usage: self.usage(),
        });
        out.push(StreamEvent::MessageStop);
        self.stop_reason = Some(stop);
        self.terminal = true;
    }

    /// Closes the open text or thinking block; a thinking block gets the synthetic signature
    /// of its text.
    pub(super) fn close_open(&mut self, out: &mut Vec<StreamEvent>) {
        self.close_with(None, out);
    }

    pub(super) fn other_signature_seen(&mut self, signature: Option<&str>) {
        if let Some(signature) = signature
            && self.other_signature.is_none()
        {
            self.other_signature = Some(signature.to_owned());
        }
    }

    /// Releases the held text, first closing (or, for a call's signature, creating) the
    /// leading thinking block with the signature that belongs there.
    fn flush(&mut self, reason: Flush, out: &mut Vec<StreamEvent>) {
        if !self.holding {
            return;
        }
        self.holding = false;
        let signature = match reason {
            Flush::Call => self.call_signature.clone(),
            Flush::Limit => None,
            Flush::End => self
                .call_signature
                .clone()
                .or_else(|| self.other_signature.clone()),
        };
        match (self.open, signature) {
            (Some(Open::Thinking(_)), signature) => self.close_with(signature.as_deref(), out),
            (None, Some(signature)) if reason == Flush::Call && self.next_index == 0 => {
                let start = BlockStart::Thinking {
                    thinking: String::new(),
                };
                let index = self.open_block(start, out);
                for delta in [
                    Delta::ThinkingDelta {
                        thinking: PLACEHOLDER_THINKING.to_owned(),
                    },
                    Delta::SignatureDelta {
                        signature: signature::wrap(&signature),
                    },
                ] {
                    out.push(StreamEvent::ContentBlockDelta { index, delta });
                }
                out.push(StreamEvent::ContentBlockStop { index });
            }
            _ => {}
        }
        let held = std::mem::take(&mut self.held);
        if !held.is_empty() {
            self.stream_text(&held, out);
        }
    }

    /// Visible text: whitespace waits for real text.
    fn stream_text(&mut self, text: &str, out: &mut Vec<StreamEvent>) {
        let index = match self.open {
            Some(Open::Text(index)) => index,
            _ if text.trim().is_empty() => {
                self.pending_whitespace.push_str(text);
                return;
            }
            _ => {
                self.close_open(out);
                let start = BlockStart::Text {
                    text: String::new(),
                };
                let index = self.open_block(start, out);
                self.open = Some(Open::Text(index));
                self.content_started = true;
                index
            }
        };
        let mut text_out = std::mem::take(&mut self.pending_whitespace);
        text_out.push_str(text);
        out.push(StreamEvent::ContentBlockDelta {
            index,
            delta: Delta::TextDelta { text: text_out },
        });
    }

    fn open_block(&mut self, content_block: BlockStart, out: &mut Vec<StreamEvent>) -> usize {
        let index = self.next_index;
        self.next_index += 1;
        out.push(StreamEvent::ContentBlockStart {
            index,
            content_block,
        });
        index
    }

    /// Closes the open block; a thinking block is signed with Gemini's `signature` when
    /// given, else synthetically from its text.
    fn close_with(&mut self, signature: Option<&str>, out: &mut Vec<StreamEvent>) {
        match self.open.take() {
            None => {}
            Some(Open::Text(index)) => out.push(StreamEvent::ContentBlockStop { index }),
            Some(Open::Thinking(index)) => {
                let digest = std::mem::take(&mut self.thinking).finalize();
                let signature =
                    signature.map_or_else(|| signature_from_digest(&digest), signature::wrap);
                out.push(StreamEvent::ContentBlockDelta {
                    index,
                    delta: Delta::SignatureDelta { signature },
                });
                out.push(StreamEvent::ContentBlockStop { index });
            }
        }
    }
}
