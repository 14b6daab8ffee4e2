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
    Text { text: String },
    Thinking { thinking: String, signature: String },
    RedactedThinking { data: String },
    ToolUse { id: String, name: String, input: Value },
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
    pub fn new(id: String, model: String, content: Vec<ResponseBlock>, stop_reason: StopReason, usage: Usage) -> Self {
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
    MessageStart { message: MessagesResponse },
    ContentBlockStart { index: usize, content_block: BlockStart },
    ContentBlockDelta { index: usize, delta: Delta },
    ContentBlockStop { index: usize },
    MessageDelta { delta: MessageDeltaBody, usage: Usage },
    MessageStop,
    Ping,
    Error { error: super::error::ErrorDetail },
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
    Text { text: String },
    Thinking { thinking: String },
    RedactedThinking { data: String },
    ToolUse { id: String, name: String, input: Value },
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
