//! Content blocks of the stream: thinking, text and tool_use, one open at a time, with the
//! ordering and emptiness rules described in the parent module.

use serde_json::json;
use sha2::Digest;

use super::StreamTranslator;
use super::fields::{self, CallPart};
use super::tools::ToolCall;
use crate::anthropic::{BlockStart, Delta, StreamEvent};

/// The block currently open (tool blocks never stay open: they are emitted whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Open {
    Text(usize),
    Thinking(usize),
}

impl StreamTranslator {
    /// Reasoning text: into the leading thinking block, or dropped once content began.
    pub(super) fn reasoning(&mut self, text: &str, out: &mut Vec<StreamEvent>) {
        if text.is_empty() {
            return;
        }
        if self.content_started || self.slots.has_pending() {
            if !self.notes.iter().any(|n| n.starts_with("reasoning after")) {
                self.notes
                    .push("reasoning after text or tool calls dropped".to_owned());
            }
            return;
        }
        self.pending_whitespace.clear();
        let index = match self.open {
            Some(Open::Thinking(index)) => index,
            _ => {
                self.close_open(out);
                let index = self.open_block(
                    BlockStart::Thinking {
                        thinking: String::new(),
                    },
                    out,
                );
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

    /// Visible text: whitespace waits for real text; pending tool calls are emitted first.
    pub(super) fn text(&mut self, text: &str, out: &mut Vec<StreamEvent>) {
        if text.is_empty() {
            return;
        }
        self.output_chars += text.chars().count() as u64;
        let index = match self.open {
            Some(Open::Text(index)) => index,
            _ if text.trim().is_empty() => {
                self.pending_whitespace.push_str(text);
                return;
            }
            _ => {
                self.close_open(out);
                // Calls that came before this text go first, finished as they are.
                let calls = self.slots.take_all(&self.names, &mut self.notes);
                self.emit_tools(calls, out);
                let index = self.open_block(
                    BlockStart::Text {
                        text: String::new(),
                    },
                    out,
                );
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

    /// Tool-call fragments: close the open block, gather, emit the calls known complete.
    pub(super) fn tool_parts(&mut self, parts: Vec<CallPart>, out: &mut Vec<StreamEvent>) {
        self.pending_whitespace.clear();
        self.close_open(out);
        self.content_started = true;
        for part in parts {
            self.slots.apply(part, &mut self.notes);
        }
        let ready = self.slots.take_ready(&self.names, &mut self.notes);
        self.emit_tools(ready, out);
    }

    pub(super) fn emit_tools(&mut self, calls: Vec<ToolCall>, out: &mut Vec<StreamEvent>) {
        for call in calls {
            let json = call.input.to_string();
            self.output_chars += (call.name.chars().count() + json.chars().count()) as u64;
            let block = BlockStart::ToolUse {
                id: call.id,
                name: call.name,
                input: json!({}),
            };
            let index = self.open_block(block, out);
            out.push(StreamEvent::ContentBlockDelta {
                index,
                delta: Delta::InputJsonDelta { partial_json: json },
            });
            out.push(StreamEvent::ContentBlockStop { index });
            self.tools_emitted += 1;
        }
    }

    pub(super) fn open_block(
        &mut self,
        content_block: BlockStart,
        out: &mut Vec<StreamEvent>,
    ) -> usize {
        let index = self.next_index;
        self.next_index += 1;
        out.push(StreamEvent::ContentBlockStart {
            index,
            content_block,
        });
        index
    }

    /// Closes the open text or thinking block; a thinking block gets its signature first.
    pub(super) fn close_open(&mut self, out: &mut Vec<StreamEvent>) {
        match self.open.take() {
            None => {}
            Some(Open::Text(index)) => out.push(StreamEvent::ContentBlockStop { index }),
            Some(Open::Thinking(index)) => {
                let digest = std::mem::take(&mut self.thinking).finalize();
                let signature = fields::signature_from_digest(&digest);
                out.push(StreamEvent::ContentBlockDelta {
                    index,
                    delta: Delta::SignatureDelta { signature },
                });
                out.push(StreamEvent::ContentBlockStop { index });
            }
        }
    }
}
