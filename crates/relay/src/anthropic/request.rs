//! The Anthropic Messages request, as Claude Code and the SDKs send it.
//!
//! Parsing is permissive where Anthropic's API is (unknown top-level fields and unknown
//! block types are accepted: new client versions add them first) and strict where a
//! translation needs a value (a field of the wrong type is an error naming its path).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ErrorBody, ErrorType};

/// `POST /v1/messages` (and, with `max_tokens` optional, `count_tokens`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MessagesRequest {
    pub model: String,
    #[serde(default)]
    pub max_tokens: Option<u64>,
    pub messages: Vec<Message>,
    #[serde(default)]
    pub system: Option<System>,
    #[serde(default)]
    pub tools: Option<Vec<Tool>>,
    #[serde(default)]
    pub tool_choice: Option<ToolChoice>,
    #[serde(default)]
    pub stop_sequences: Option<Vec<String>>,
    #[serde(default)]
    pub temperature: Option<f64>,
    #[serde(default)]
    pub top_p: Option<f64>,
    #[serde(default)]
    pub top_k: Option<u64>,
    #[serde(default)]
    pub stream: Option<bool>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub thinking: Option<Thinking>,
    #[serde(default)]
    pub output_config: Option<OutputConfig>,
    /// Everything else (`context_management`, `safeguards`, `service_tier`, …): only an
    /// Anthropic upstream can use these.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
    /// Claude Code puts `role: "system"` entries inside `messages`.
    System,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Message {
    pub role: Role,
    pub content: Content,
}

/// A string, or a list of blocks.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Content {
    Text(String),
    Blocks(Vec<Block>),
}

impl Content {
    /// The blocks, with a plain string seen as one text block.
    pub fn blocks(&self) -> Vec<Block> {
        match self {
            Content::Text(text) => vec![Block::Text { text: text.clone() }],
            Content::Blocks(blocks) => blocks.clone(),
        }
    }
}

/// `system`: a string or text blocks.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum System {
    Text(String),
    Blocks(Vec<Block>),
}

impl System {
    /// The text of every text block, in order.
    pub fn texts(&self) -> Vec<String> {
        match self {
            System::Text(text) => vec![text.clone()],
            System::Blocks(blocks) => blocks
                .iter()
                .filter_map(Block::text)
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// A content block. `cache_control`, `citations` and other annotations are accepted and
/// not kept: translations rebuild blocks from the fields below only.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Text {
        text: String,
    },
    Image {
        source: Source,
    },
    Document {
        source: Source,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        context: Option<String>,
    },
    ToolUse {
        id: String,
        name: String,
        #[serde(default)]
        input: Value,
    },
    ToolResult {
        tool_use_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<ToolResultContent>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        is_error: Option<bool>,
    },
    Thinking {
        thinking: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
    RedactedThinking {
        data: String,
    },
    /// Server-tool blocks (`server_tool_use`, `web_search_tool_result`, …) and types this
    /// version does not know: meaningful to Anthropic only, dropped by translations.
    #[serde(other)]
    Other,
}

impl Block {
    pub fn text(&self) -> Option<&str> {
        match self {
            Block::Text { text } => Some(text),
            _ => None,
        }
    }
}

/// The source of an image or document.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Source {
    Base64 {
        media_type: String,
        data: String,
    },
    Url {
        url: String,
    },
    Text {
        #[serde(default)]
        media_type: Option<String>,
        data: String,
    },
    Content {
        content: Content,
    },
    File {
        file_id: String,
    },
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ToolResultContent {
    Text(String),
    Blocks(Vec<Block>),
}

/// A tool definition: a custom tool with a schema, or a server tool (`web_search_…`,
/// `bash_…`, …) that has a versioned `type` and no schema.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Tool {
    pub name: String,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<Value>,
    /// Deferred tools are loaded by the client on demand; they are still real tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defer_loading: Option<bool>,
}

impl Tool {
    /// Custom tools are the ones an upstream other than Anthropic can call.
    pub fn is_custom(&self) -> bool {
        matches!(self.kind.as_deref(), None | Some("custom")) && self.input_schema.is_some()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolChoice {
    Auto {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disable_parallel_tool_use: Option<bool>,
    },
    Any {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disable_parallel_tool_use: Option<bool>,
    },
    Tool {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disable_parallel_tool_use: Option<bool>,
    },
    None,
}

impl ToolChoice {
    pub fn disables_parallel_tool_use(&self) -> bool {
        match self {
            ToolChoice::Auto {
                disable_parallel_tool_use,
            }
            | ToolChoice::Any {
                disable_parallel_tool_use,
            }
            | ToolChoice::Tool {
                disable_parallel_tool_use,
                ..
            } => disable_parallel_tool_use.unwrap_or(false),
            ToolChoice::None => false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Metadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Thinking {
    Enabled {
        budget_tokens: u64,
    },
    Disabled,
    Adaptive {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        display: Option<String>,
    },
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct OutputConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Value>,
}

/// Parses a request body, or returns the `invalid_request_error` naming the field.
/// `need_max_tokens` is false for `count_tokens`.
pub fn parse_request(body: &[u8], need_max_tokens: bool) -> Result<MessagesRequest, ErrorBody> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let request: MessagesRequest = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = if inner.is_syntax() || inner.is_eof() {
            format!("Request body is not valid JSON: {inner}")
        } else if path == "." || path.is_empty() {
            format!("Invalid request: {inner}")
        } else {
            format!("{path}: {inner}")
        };
        ErrorBody::new(ErrorType::InvalidRequestError, message)
    })?;
    validate(&request, need_max_tokens)?;
    Ok(request)
}

fn validate(request: &MessagesRequest, need_max_tokens: bool) -> Result<(), ErrorBody> {
    let invalid = |message: String| Err(ErrorBody::new(ErrorType::InvalidRequestError, message));
    if request.model.trim().is_empty() {
        return invalid("model: field required".to_owned());
    }
    if need_max_tokens && request.max_tokens.is_none() {
        return invalid("max_tokens: field required".to_owned());
    }
    if request.messages.is_empty() {
        return invalid("messages: at least one message is required".to_owned());
    }
    if let Some(t) = request.temperature
        && !(0.0..=2.0).contains(&t)
    {
        return invalid(format!("temperature: must be between 0 and 1, got {t}"));
    }
    if let Some(p) = request.top_p
        && !(0.0..=1.0).contains(&p)
    {
        return invalid(format!("top_p: must be between 0 and 1, got {p}"));
    }
    for (i, tool) in request.tools.iter().flatten().enumerate() {
        if tool.name.trim().is_empty() {
            return invalid(format!("tools.{i}.name: must not be empty"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recorded_claude_code_request_parses() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code");
        let Ok(entries) = std::fs::read_dir(dir) else {
            panic!("fixtures not found at {dir}");
        };
        let mut parsed = 0;
        for entry in entries {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read");
            for line in text.lines() {
                let record: Value = serde_json::from_str(line).expect("jsonl");
                let Some(body) = record.get("body").filter(|b| b.is_object()) else {
                    continue;
                };
                let count_tokens = record["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("count_tokens"));
                let bytes = serde_json::to_vec(body).expect("serialise");
                let request = parse_request(&bytes, !count_tokens)
                    .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.error.message));
                assert!(!request.messages.is_empty());
                parsed += 1;
            }
        }
        assert!(parsed > 40, "only {parsed} requests parsed");
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (
                r#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":5}]}"#,
                "messages[0].content",
            ),
            (
                r#"{"model":"m","max_tokens":"x","messages":[]}"#,
                "max_tokens",
            ),
            (r#"{"max_tokens":5,"messages":[]}"#, "model"),
            (
                r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#,
                "max_tokens: field required",
            ),
            (
                r#"{"model":"m","max_tokens":5,"messages":[{"role":"robot","content":"hi"}]}"#,
                "messages[0].role",
            ),
            (
                r#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64"}}]}]}"#,
                "messages[0].content",
            ),
            (
                r#"{"model":"m","max_tokens":5,"messages":[]}"#,
                "messages: at least one",
            ),
            (r#"{"model":"m", "#, "not valid JSON"),
        ];
        for (body, expected) in cases {
            let err = parse_request(body.as_bytes(), true).expect_err(body);
            assert_eq!(err.error.kind, ErrorType::InvalidRequestError);
            assert!(
                err.error.message.contains(expected),
                "{body}: {}",
                err.error.message
            );
        }
    }

    #[test]
    fn unknown_fields_and_block_types_are_accepted() {
        let body = r#"{"model":"claude-sonnet-5-5","max_tokens":5,"safeguards":[{"x":1}],
            "context_management":{"edits":[]},"thinking":{"type":"adaptive","display":"omitted"},
            "output_config":{"effort":"medium"},
            "messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral","scope":"x"}},
              {"type":"server_tool_use","id":"s","name":"web_search","input":{}}]},
              {"role":"system","content":"be brief"}],
            "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":8},
              {"name":"Bash","input_schema":{"type":"object"},"defer_loading":true}]}"#;
        let request = parse_request(body.as_bytes(), true).expect("parses");
        assert!(request.extra.contains_key("safeguards"));
        assert!(request.extra.contains_key("context_management"));
        let tools = request.tools.expect("tools");
        assert!(!tools[0].is_custom());
        assert!(tools[1].is_custom());
        assert_eq!(request.messages[1].role, Role::System);
        let Content::Blocks(blocks) = &request.messages[0].content else {
            panic!("blocks")
        };
        assert!(matches!(blocks[1], Block::Other));
    }
}
