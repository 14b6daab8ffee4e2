//! The Anthropic Messages response and its streaming events.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why the model stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    EndTurn,
    MaxTokens,
    StopSequence,
    ToolUse,
    PauseTurn,
    Refusal,
    ModelContextWindowExceeded,
}

/// Token counts. `input_tokens` excludes cache reads and writes; `output_tokens` includes
/// thinking.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    #[serde(default)]
    pub cache_creation_input_tokens: u64,
    #[serde(default)]
    pub cache_read_input_tokens: u64,
}

/// A block of the response.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseBlock {
    Text {
        text: String,
    },
    Thinking {
        thinking: String,
        signature: String,
    },
    RedactedThinking {
        data: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
}

/// A complete (non-streaming) response.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct MessagesResponse {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub role: String,
    pub model: String,
    pub content: Vec<ResponseBlock>,
    pub stop_reason: Option<StopReason>,
    pub stop_sequence: Option<String>,
    pub usage: Usage,
}

impl MessagesResponse {
    pub fn new(
        id: String,
        model: String,
        content: Vec<ResponseBlock>,
        stop_reason: StopReason,
        usage: Usage,
    ) -> Self {
        Self {
            id,
            kind: "message".to_owned(),
            role: "assistant".to_owned(),
            model,
            content,
            stop_reason: Some(stop_reason),
            stop_sequence: None,
            usage,
        }
    }
}

/// One server-sent event of a streamed response.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    MessageStart {
        message: MessagesResponse,
    },
    ContentBlockStart {
        index: usize,
        content_block: BlockStart,
    },
    ContentBlockDelta {
        index: usize,
        delta: Delta,
    },
    ContentBlockStop {
        index: usize,
    },
    MessageDelta {
        delta: MessageDeltaBody,
        usage: Usage,
    },
    MessageStop,
    Ping,
    Error {
        error: super::error::ErrorDetail,
    },
}

impl StreamEvent {
    /// The SSE `event:` name, which is the `type`.
    pub fn name(&self) -> &'static str {
        match self {
            StreamEvent::MessageStart { .. } => "message_start",
            StreamEvent::ContentBlockStart { .. } => "content_block_start",
            StreamEvent::ContentBlockDelta { .. } => "content_block_delta",
            StreamEvent::ContentBlockStop { .. } => "content_block_stop",
            StreamEvent::MessageDelta { .. } => "message_delta",
            StreamEvent::MessageStop => "message_stop",
            StreamEvent::Ping => "ping",
            StreamEvent::Error { .. } => "error",
        }
    }

    /// The event as SSE bytes: `event: <type>\ndata: <json>\n\n`.
    pub fn to_sse(&self) -> String {
        let data = serde_json::to_string(self).expect("stream events always serialise");
        format!("event: {}\ndata: {data}\n\n", self.name())
    }
}

/// How a block begins in a stream (its content arrives in deltas).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockStart {
    Text {
        text: String,
    },
    Thinking {
        thinking: String,
    },
    RedactedThinking {
        data: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Delta {
    TextDelta { text: String },
    InputJsonDelta { partial_json: String },
    ThinkingDelta { thinking: String },
    SignatureDelta { signature: String },
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct MessageDeltaBody {
    pub stop_reason: Option<StopReason>,
    pub stop_sequence: Option<String>,
}

impl MessagesResponse {
    /// The stream events that deliver this complete message, for a client that asked for a
    /// stream from an upstream that answered with one JSON body.
    pub fn to_events(&self) -> Vec<StreamEvent> {
        let mut start = self.clone();
        start.content = Vec::new();
        start.stop_reason = None;
        start.stop_sequence = None;
        start.usage = Usage {
            output_tokens: 1.min(self.usage.output_tokens),
            ..self.usage
        };
        let mut events = vec![
            StreamEvent::MessageStart { message: start },
            StreamEvent::Ping,
        ];
        for (index, block) in self.content.iter().enumerate() {
            let (content_block, deltas) = match block {
                ResponseBlock::Text { text } => (
                    BlockStart::Text {
                        text: String::new(),
                    },
                    vec![Delta::TextDelta { text: text.clone() }],
                ),
                ResponseBlock::Thinking {
                    thinking,
                    signature,
                } => (
                    BlockStart::Thinking {
                        thinking: String::new(),
                    },
                    vec![
                        Delta::ThinkingDelta {
                            thinking: thinking.clone(),
                        },
                        Delta::SignatureDelta {
                            signature: signature.clone(),
                        },
                    ],
                ),
                ResponseBlock::RedactedThinking { data } => {
                    (BlockStart::RedactedThinking { data: data.clone() }, vec![])
                }
                ResponseBlock::ToolUse { id, name, input } => (
                    BlockStart::ToolUse {
                        id: id.clone(),
                        name: name.clone(),
                        input: Value::Object(Default::default()),
                    },
                    vec![Delta::InputJsonDelta {
                        partial_json: input.to_string(),
                    }],
                ),
            };
            events.push(StreamEvent::ContentBlockStart {
                index,
                content_block,
            });
            events.extend(
                deltas
                    .into_iter()
                    .map(|delta| StreamEvent::ContentBlockDelta { index, delta }),
            );
            events.push(StreamEvent::ContentBlockStop { index });
        }
        events.push(StreamEvent::MessageDelta {
            delta: MessageDeltaBody {
                stop_reason: self.stop_reason,
                stop_sequence: self.stop_sequence.clone(),
            },
            usage: self.usage,
        });
        events.push(StreamEvent::MessageStop);
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_message_becomes_a_well_formed_stream() {
        let message = MessagesResponse::new(
            "msg_1".into(),
            "claude-sonnet-5-5".into(),
            vec![
                ResponseBlock::Thinking {
                    thinking: "hmm".into(),
                    signature: "sig".into(),
                },
                ResponseBlock::Text { text: "Hi".into() },
                ResponseBlock::ToolUse {
                    id: "toolu_1".into(),
                    name: "Bash".into(),
                    input: serde_json::json!({"command": "ls"}),
                },
            ],
            StopReason::ToolUse,
            Usage {
                input_tokens: 10,
                output_tokens: 5,
                ..Default::default()
            },
        );
        let events = message.to_events();
        let names: Vec<&str> = events.iter().map(StreamEvent::name).collect();
        assert_eq!(names.first(), Some(&"message_start"));
        assert_eq!(names.last(), Some(&"message_stop"));
        assert_eq!(
            names
                .iter()
                .filter(|n| **n == "content_block_start")
                .count(),
            3
        );
        let StreamEvent::MessageDelta { delta, usage } = &events[events.len() - 2] else {
            panic!("message_delta")
        };
        assert_eq!(delta.stop_reason, Some(StopReason::ToolUse));
        assert_eq!(usage.input_tokens, 10);
        assert!(events.iter().any(|e| matches!(e,
            StreamEvent::ContentBlockDelta { index: 2, delta: Delta::InputJsonDelta { partial_json } } if partial_json == r#"{"command":"ls"}"#)));
    }
}
