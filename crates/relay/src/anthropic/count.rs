//! A local estimate of a request's input tokens, for `count_tokens` and for the input
//! count announced at the start of a stream, before the upstream reports real usage.
//!
//! Claude's tokenizer is not public. About four characters per token holds for English
//! prose and code; JSON schemas and other punctuation-dense text run closer to three, so
//! structured parts are counted at that rate. Images count as Anthropic documents them:
//! roughly width×height/750 tokens, which for an unknown size is taken as a typical
//! screenshot (about 1,600 tokens).

use super::{Block, Content, MessagesRequest, Source, ToolResultContent};

const CHARS_PER_TOKEN: usize = 4;
const CHARS_PER_TOKEN_STRUCTURED: usize = 3;
const IMAGE_TOKENS: u64 = 1_600;
/// Role markers and separators around each message.
const MESSAGE_OVERHEAD: u64 = 4;
/// Tool-use scaffolding Anthropic adds when tools are present.
const TOOLS_OVERHEAD: u64 = 350;

/// Estimated input tokens of everything the model reads: system, messages (every block
/// kind), and tool definitions.
pub fn estimate_input_tokens(request: &MessagesRequest) -> u64 {
    let mut tokens = 0;
    if let Some(system) = &request.system {
        tokens += system.texts().iter().map(|t| prose(t)).sum::<u64>();
    }
    for message in &request.messages {
        tokens += MESSAGE_OVERHEAD + content(&message.content);
    }
    if let Some(tools) = request.tools.as_deref().filter(|t| !t.is_empty()) {
        tokens += TOOLS_OVERHEAD;
        for tool in tools {
            tokens += prose(&tool.name) + tool.description.as_deref().map_or(0, prose);
            tokens += tool
                .input_schema
                .as_ref()
                .map_or(0, |schema| structured(&schema.to_string()));
        }
    }
    tokens.max(1)
}

fn content(content: &Content) -> u64 {
    match content {
        Content::Text(text) => prose(text),
        Content::Blocks(blocks) => blocks.iter().map(block).sum(),
    }
}

fn block(block: &Block) -> u64 {
    match block {
        Block::Text { text } => prose(text),
        Block::Image { .. } => IMAGE_TOKENS,
        Block::Document {
            source,
            title,
            context,
        } => {
            source_tokens(source)
                + title.as_deref().map_or(0, prose)
                + context.as_deref().map_or(0, prose)
        }
        Block::ToolUse { name, input, .. } => prose(name) + structured(&input.to_string()),
        Block::ToolResult { content, .. } => match content {
            Some(ToolResultContent::Text(text)) => prose(text),
            Some(ToolResultContent::Blocks(blocks)) => blocks.iter().map(self::block).sum(),
            None => 0,
        },
        Block::Thinking { thinking, .. } => prose(thinking),
        Block::RedactedThinking { data } => structured(data),
        Block::Other => 0,
    }
}

fn source_tokens(source: &Source) -> u64 {
    match source {
        Source::Text { data, .. } => prose(data),
        Source::Content { content: inner } => content(inner),
        // A PDF page costs about as much as an image plus its text. The base64 size is the
        // only measure at hand; a text-heavy page takes a few kilobytes.
        Source::Base64 { data, .. } => (data.len() as u64 / 3_000).max(1) * (IMAGE_TOKENS + 500),
        Source::Url { .. } | Source::File { .. } => IMAGE_TOKENS,
    }
}

fn prose(text: &str) -> u64 {
    text.chars().count().div_ceil(CHARS_PER_TOKEN) as u64
}

fn structured(text: &str) -> u64 {
    text.chars().count().div_ceil(CHARS_PER_TOKEN_STRUCTURED) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anthropic::parse_request;

    fn estimate(body: &str) -> u64 {
        estimate_input_tokens(&parse_request(body.as_bytes(), false).expect("valid"))
    }

    #[test]
    fn counts_system_messages_and_tools() {
        let bare =
            estimate(r#"{"model":"m","messages":[{"role":"user","content":"hello there"}]}"#);
        let with_system = estimate(
            &serde_json::json!({"model":"m","system":"x".repeat(400),"messages":[{"role":"user","content":"hello there"}]})
                .to_string(),
        );
        assert!(with_system >= bare + 100, "{bare} {with_system}");
        let with_tools = estimate(
            r#"{"model":"m","messages":[{"role":"user","content":"hello there"}],
               "tools":[{"name":"Bash","description":"Run a shell command","input_schema":{"type":"object","properties":{"command":{"type":"string"}}}}]}"#,
        );
        assert!(with_tools > bare + TOOLS_OVERHEAD, "{bare} {with_tools}");
    }

    #[test]
    fn counts_every_block_kind() {
        let body = r#"{"model":"m","messages":[
            {"role":"user","content":[{"type":"text","text":"look"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]},
            {"role":"assistant","content":[{"type":"thinking","thinking":"hmm let me think","signature":"s"},{"type":"tool_use","id":"t","name":"Read","input":{"file_path":"/etc/hosts"}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"127.0.0.1 localhost"}]}]}]}"#;
        let total = estimate(body);
        assert!(total > IMAGE_TOKENS + 10, "{total}");
    }

    #[test]
    fn a_large_file_read_is_counted_in_proportion() {
        let big = "fn main() { println!(\"hello\"); }\n".repeat(2_000);
        let body = serde_json::json!({"model":"m","messages":[{"role":"user","content":[
            {"type":"tool_result","tool_use_id":"t","content": big}]}]});
        let total = estimate(&body.to_string());
        let chars = big.len() as u64;
        assert!(
            total >= chars / 5 && total <= chars / 3,
            "{total} for {chars} chars"
        );
    }
}
