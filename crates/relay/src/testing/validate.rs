//! The grammar of an Anthropic Messages stream (protocol §2.1), as Claude Code relies on it.

use serde_json::Value;

use crate::anthropic::{BlockStart, Delta, StreamEvent};

/// Checks `events`: `message_start` first and once; blocks opened one at a time with indexes
/// 0, 1, 2…, each closed once; deltas only for the open block and of its kind; no empty or
/// whitespace-only text block; every thinking block signed once, last; tool_use blocks start
/// with input `{}` and their `partial_json` pieces join into a JSON object; then a
/// `message_delta` with a stop reason and `message_stop` last — or, instead, an `error` event
/// last and no `message_stop`. `ping` may come anywhere after `message_start`.
pub fn validate_stream(events: &[StreamEvent]) -> Result<(), String> {
    let mut state = State::default();
    for (position, event) in events.iter().enumerate() {
        state
            .event(event)
            .map_err(|e| format!("event {position} ({}): {e}", event.name()))?;
    }
    match state.phase {
        Phase::Ended => Ok(()),
        Phase::Start => Err("empty stream".to_owned()),
        _ => Err("the stream ends without message_stop or error".to_owned()),
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
enum Phase {
    #[default]
    Start,
    Blocks,
    /// After a `message_delta`: only more deltas, pings, and `message_stop`.
    Delta,
    Ended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Thinking,
    ToolUse,
    Redacted,
}

#[derive(Debug)]
struct Block {
    index: usize,
    kind: Kind,
    /// Text, thinking, or joined partial JSON so far.
    content: String,
    signed: bool,
}

#[derive(Debug, Default)]
struct State {
    phase: Phase,
    blocks: usize,
    open: Option<Block>,
}

impl State {
    fn event(&mut self, event: &StreamEvent) -> Result<(), String> {
        match (&self.phase, event) {
            (Phase::Ended, _) => return Err("event after the end of the stream".to_owned()),
            (Phase::Start, StreamEvent::MessageStart { message }) => {
                if !message.content.is_empty()
                    || message.stop_reason.is_some()
                    || message.role != "assistant"
                {
                    return Err("message_start must hold an empty assistant message".to_owned());
                }
                self.phase = Phase::Blocks;
                return Ok(());
            }
            (Phase::Start, _) => return Err("the stream must begin with message_start".to_owned()),
            (_, StreamEvent::MessageStart { .. }) => return Err("second message_start".to_owned()),
            _ => {}
        }
        match event {
            StreamEvent::Ping | StreamEvent::MessageStart { .. } => Ok(()),
            StreamEvent::ContentBlockStart {
                index,
                content_block,
            } => self.start(*index, content_block),
            StreamEvent::ContentBlockDelta { index, delta } => self.delta(*index, delta),
            StreamEvent::ContentBlockStop { index } => self.stop(*index),
            StreamEvent::MessageDelta { delta, .. } => {
                self.no_open_block()?;
                if delta.stop_reason.is_none() {
                    return Err("message_delta without stop_reason".to_owned());
                }
                self.phase = Phase::Delta;
                Ok(())
            }
            StreamEvent::MessageStop => {
                self.no_open_block()?;
                if self.phase != Phase::Delta {
                    return Err("message_stop without a message_delta before it".to_owned());
                }
                self.phase = Phase::Ended;
                Ok(())
            }
            StreamEvent::Error { error } => {
                self.no_open_block()?;
                if error.message.trim().is_empty() {
                    return Err("error without a message".to_owned());
                }
                self.phase = Phase::Ended;
                Ok(())
            }
        }
    }

    fn no_open_block(&self) -> Result<(), String> {
        match &self.open {
            Some(block) => Err(format!("block {} is still open", block.index)),
            None => Ok(()),
        }
    }

    fn start(&mut self, index: usize, start: &BlockStart) -> Result<(), String> {
        if self.phase != Phase::Blocks {
            return Err("block after message_delta".to_owned());
        }
        self.no_open_block()?;
        if index != self.blocks {
            return Err(format!("index {index}, expected {}", self.blocks));
        }
        let (kind, content) = match start {
            BlockStart::Text { text } => (Kind::Text, text.clone()),
            BlockStart::Thinking { thinking } => (Kind::Thinking, thinking.clone()),
            BlockStart::RedactedThinking { data } if !data.is_empty() => {
                (Kind::Redacted, String::new())
            }
            BlockStart::RedactedThinking { .. } => {
                return Err("redacted_thinking without data".to_owned());
            }
            BlockStart::ToolUse { id, name, input } => {
                if id.is_empty() || name.is_empty() {
                    return Err("tool_use needs an id and a name".to_owned());
                }
                if input.as_object().is_none_or(|o| !o.is_empty()) {
                    return Err(format!("tool_use must start with input {{}}, not {input}"));
                }
                (Kind::ToolUse, String::new())
            }
        };
        self.blocks += 1;
        self.open = Some(Block {
            index,
            kind,
            content,
            signed: false,
        });
        Ok(())
    }

    fn delta(&mut self, index: usize, delta: &Delta) -> Result<(), String> {
        let block = self
            .open
            .as_mut()
            .filter(|b| b.index == index)
            .ok_or(format!("delta for block {index}, which is not open"))?;
        match (block.kind, delta) {
            (Kind::Text, Delta::TextDelta { text }) => block.content.push_str(text),
            (Kind::ToolUse, Delta::InputJsonDelta { partial_json }) => {
                block.content.push_str(partial_json);
            }
            (Kind::Thinking, Delta::ThinkingDelta { thinking }) if !block.signed => {
                block.content.push_str(thinking);
            }
            (Kind::Thinking, Delta::ThinkingDelta { .. }) => {
                return Err("thinking after the signature".to_owned());
            }
            (Kind::Thinking, Delta::SignatureDelta { signature })
                if !block.signed && !signature.is_empty() =>
            {
                block.signed = true;
            }
            (Kind::Thinking, Delta::SignatureDelta { .. }) => {
                return Err("second or empty signature".to_owned());
            }
            (kind, delta) => return Err(format!("{delta:?} in a {kind:?} block")),
        }
        Ok(())
    }

    fn stop(&mut self, index: usize) -> Result<(), String> {
        let block = self
            .open
            .take()
            .filter(|b| b.index == index)
            .ok_or(format!("stop for block {index}, which is not open"))?;
        match block.kind {
            Kind::Text if block.content.trim().is_empty() => {
                Err("empty or whitespace-only text block".to_owned())
            }
            Kind::Thinking if !block.signed => Err("thinking block without signature".to_owned()),
            Kind::ToolUse if !block.content.is_empty() => {
                match serde_json::from_str::<Value>(&block.content) {
                    Ok(Value::Object(_)) => Ok(()),
                    _ => Err(format!(
                        "tool input is not a JSON object: {}",
                        block.content
                    )),
                }
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::anthropic::{
        ErrorBody, ErrorType, MessageDeltaBody, MessagesResponse, StopReason, Usage,
    };

    fn start() -> StreamEvent {
        let mut message = MessagesResponse::new(
            "msg_1".into(),
            "m".into(),
            Vec::new(),
            StopReason::EndTurn,
            Usage::default(),
        );
        message.stop_reason = None;
        StreamEvent::MessageStart { message }
    }

    fn end() -> Vec<StreamEvent> {
        let delta = MessageDeltaBody {
            stop_reason: Some(StopReason::EndTurn),
            stop_sequence: None,
        };
        vec![
            StreamEvent::MessageDelta {
                delta,
                usage: Usage::default(),
            },
            StreamEvent::MessageStop,
        ]
    }

    fn text(index: usize, text: &str) -> Vec<StreamEvent> {
        vec![
            StreamEvent::ContentBlockStart {
                index,
                content_block: BlockStart::Text {
                    text: String::new(),
                },
            },
            StreamEvent::ContentBlockDelta {
                index,
                delta: Delta::TextDelta { text: text.into() },
            },
            StreamEvent::ContentBlockStop { index },
        ]
    }

    fn stream(parts: Vec<Vec<StreamEvent>>) -> Vec<StreamEvent> {
        std::iter::once(vec![start()])
            .chain(parts)
            .flatten()
            .collect()
    }

    #[test]
    fn accepts_well_formed_streams() {
        validate_stream(&stream(vec![
            text(0, "hi"),
            vec![StreamEvent::Ping],
            text(1, "there"),
            end(),
        ]))
        .expect("valid");
        let error = StreamEvent::Error {
            error: ErrorBody::new(ErrorType::ApiError, "cut").error,
        };
        validate_stream(&stream(vec![text(0, "hi"), vec![error]])).expect("error ending is valid");
        let tool = vec![
            StreamEvent::ContentBlockStart {
                index: 0,
                content_block: BlockStart::ToolUse {
                    id: "t".into(),
                    name: "Bash".into(),
                    input: json!({}),
                },
            },
            StreamEvent::ContentBlockDelta {
                index: 0,
                delta: Delta::InputJsonDelta {
                    partial_json: "{\"a\":".into(),
                },
            },
            StreamEvent::ContentBlockDelta {
                index: 0,
                delta: Delta::InputJsonDelta {
                    partial_json: "1}".into(),
                },
            },
            StreamEvent::ContentBlockStop { index: 0 },
        ];
        validate_stream(&stream(vec![tool, end()])).expect("valid tool");
    }

    #[test]
    fn rejects_grammar_violations() {
        let cases: Vec<(&str, Vec<StreamEvent>)> = vec![
            ("empty", Vec::new()),
            ("no start", [text(0, "a"), end()].concat()),
            ("no end", stream(vec![text(0, "a")])),
            ("gap in indexes", stream(vec![text(1, "a"), end()])),
            (
                "repeated index",
                stream(vec![text(0, "a"), text(0, "b"), end()]),
            ),
            ("empty text", stream(vec![text(0, " \n"), end()])),
            ("unclosed", stream(vec![text(0, "a")[..2].to_vec(), end()])),
            ("after stop", stream(vec![end(), vec![StreamEvent::Ping]])),
            ("two starts", stream(vec![vec![start()], end()])),
        ];
        for (name, events) in cases {
            assert!(validate_stream(&events).is_err(), "{name} accepted");
        }
        let wrong_kind = stream(vec![
            vec![StreamEvent::ContentBlockStart {
                index: 0,
                content_block: BlockStart::Thinking {
                    thinking: String::new(),
                },
            }],
            vec![StreamEvent::ContentBlockDelta {
                index: 0,
                delta: Delta::TextDelta { text: "x".into() },
            }],
        ]);
        assert!(
            validate_stream(&wrong_kind)
                .expect_err("rejected")
                .contains("TextDelta")
        );
        let unsigned = stream(vec![
            vec![StreamEvent::ContentBlockStart {
                index: 0,
                content_block: BlockStart::Thinking {
                    thinking: "t".into(),
                },
            }],
            vec![StreamEvent::ContentBlockStop { index: 0 }],
            end(),
        ]);
        assert!(
            validate_stream(&unsigned)
                .expect_err("rejected")
                .contains("signature")
        );
        let bad_json = stream(vec![
            vec![StreamEvent::ContentBlockStart {
                index: 0,
                content_block: BlockStart::ToolUse {
                    id: "t".into(),
                    name: "n".into(),
                    input: json!({}),
                },
            }],
            vec![StreamEvent::ContentBlockDelta {
                index: 0,
                delta: Delta::InputJsonDelta {
                    partial_json: "{\"a\"".into(),
                },
            }],
            vec![StreamEvent::ContentBlockStop { index: 0 }],
            end(),
        ]);
        assert!(
            validate_stream(&bad_json)
                .expect_err("rejected")
                .contains("JSON")
        );
    }
}
