//! `system` + `messages` → OpenAI `messages` (protocol.md §4.1, §4.4).
//!
//! Three steps: each Anthropic turn becomes a few [`Out`] messages (tool results first,
//! then what the user wrote); the history is repaired so that every tool call is answered
//! right after the assistant message that made it (pitfall 2); the result is written as
//! JSON with the provider's id, name and reasoning conventions.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::parts::{Part, content_parts, user_content};
use crate::anthropic::{Block, MessagesRequest, Role, ToolResultContent};
use crate::openai::quirks::{Quirks, ReasoningReplay, ToolCallIds};
use crate::tool_names::ToolNameMap;

/// Tool message for a call the client never answered (an Esc interrupt).
pub(crate) const INTERRUPTED: &str = "(interrupted by user)";
/// Tool message for a result with no content.
pub(crate) const NO_OUTPUT: &str = "(no output)";
/// Gemini's documented stand-in when a tool call's thought signature is unknown.
pub(crate) const SKIP_SIGNATURE: &str = "skip_thought_signature_validator";
/// Claude Code's first system block: billing data that changes on every request. It means
/// nothing to another model and would defeat the upstream's prefix caching.
pub(crate) const BILLING_PREFIX: &str = "x-anthropic-billing-header:";

/// One OpenAI message before serialisation.
#[derive(Debug, Clone)]
enum Out {
    System(String),
    User(Vec<Part>),
    Assistant(Assistant),
    Tool { id: String, content: String },
}

#[derive(Debug, Clone, Default)]
struct Assistant {
    texts: Vec<String>,
    reasoning: Vec<String>,
    signature: Option<String>,
    calls: Vec<Call>,
}

#[derive(Debug, Clone)]
struct Call {
    id: String,
    name: String,
    arguments: String,
}

/// The OpenAI `messages` array for `req`.
pub(super) fn translate(
    req: &MessagesRequest,
    quirks: &Quirks,
    names: &mut ToolNameMap,
) -> Vec<Value> {
    let mut out = Vec::new();
    let system: Vec<String> = req
        .system
        .iter()
        .flat_map(|s| s.texts())
        .filter(|t| !t.trim().is_empty() && !t.starts_with(BILLING_PREFIX))
        .collect();
    if !system.is_empty() {
        out.push(Out::System(system.join("\n\n")));
    }
    for (role, blocks) in merged_turns(req) {
        match role {
            Role::System => system_turn(&blocks, quirks, &mut out),
            Role::User => user_turn(blocks, quirks, &mut out),
            Role::Assistant => assistant_turn(blocks, &mut out),
        }
    }
    let repaired = merge_users(repair(out));
    repaired
        .into_iter()
        .map(|m| serialize(m, quirks, names))
        .collect()
}

/// Consecutive user (or assistant) turns as one, as Anthropic itself reads them.
fn merged_turns(req: &MessagesRequest) -> Vec<(Role, Vec<Block>)> {
    let mut turns: Vec<(Role, Vec<Block>)> = Vec::new();
    for message in &req.messages {
        let blocks = message.content.blocks();
        match turns.last_mut() {
            Some((role, existing)) if *role == message.role && *role != Role::System => {
                existing.extend(blocks);
            }
            _ => turns.push((message.role, blocks)),
        }
    }
    turns
}

/// Claude Code's `role: "system"` entries: a system message in place, or user text where
/// the upstream refuses late system messages.
fn system_turn(blocks: &[Block], quirks: &Quirks, out: &mut Vec<Out>) {
    let texts: Vec<&str> = blocks
        .iter()
        .filter_map(Block::text)
        .filter(|t| !t.trim().is_empty())
        .collect();
    if texts.is_empty() {
        return;
    }
    let text = texts.join("\n\n");
    out.push(if quirks.inline_system {
        Out::System(text)
    } else {
        Out::User(vec![Part::Text(text)])
    });
}

fn user_turn(blocks: Vec<Block>, quirks: &Quirks, out: &mut Vec<Out>) {
    // Images inside tool results cannot go in tool messages (text only): they lead the
    // user message that follows.
    let mut parts = Vec::new();
    let mut rest = Vec::new();
    for block in blocks {
        match block {
            Block::ToolResult {
                tool_use_id,
                content,
                is_error,
            } => {
                let mut texts = Vec::new();
                let images_before = parts.len();
                let blocks = match content {
                    Some(ToolResultContent::Text(text)) => vec![Block::Text { text }],
                    Some(ToolResultContent::Blocks(blocks)) => blocks,
                    None => Vec::new(),
                };
                for block in blocks {
                    let mut converted = Vec::new();
                    content_parts(block, quirks, &mut converted);
                    for part in converted {
                        match part {
                            Part::Text(text) => texts.push(text),
                            other => parts.push(other),
                        }
                    }
                }
                let mut content = texts.join("\n");
                if parts.len() > images_before {
                    let note = "(attachment in the next message)";
                    content = if content.is_empty() {
                        note.to_owned()
                    } else {
                        format!("{content}\n{note}")
                    };
                } else if content.trim().is_empty() {
                    content = NO_OUTPUT.to_owned();
                }
                if is_error == Some(true) {
                    content = format!("Error: {content}");
                }
                out.push(Out::Tool {
                    id: tool_use_id,
                    content,
                });
            }
            other => rest.push(other),
        }
    }
    for block in rest {
        content_parts(block, quirks, &mut parts);
    }
    if !parts.is_empty() {
        out.push(Out::User(parts));
    }
}

fn assistant_turn(blocks: Vec<Block>, out: &mut Vec<Out>) {
    let mut message = Assistant::default();
    for block in blocks {
        match block {
            Block::Text { text } if !text.trim().is_empty() => message.texts.push(text),
            Block::ToolUse { id, name, input } => {
                let arguments = if input.is_null() {
                    "{}".to_owned()
                } else {
                    input.to_string()
                };
                message.calls.push(Call {
                    id,
                    name,
                    arguments,
                });
            }
            Block::Thinking {
                thinking,
                signature,
            } => {
                if !thinking.is_empty() {
                    message.reasoning.push(thinking);
                }
                if let Some(signature) = signature.filter(|s| !s.is_empty()) {
                    message.signature = Some(signature);
                }
            }
            // Redacted thinking is encrypted for Anthropic; server blocks and unknown
            // types mean nothing elsewhere.
            _ => {}
        }
    }
    // A turn with only thinking or server blocks has nothing an upstream could read (an
    // assistant message needs content or tool calls).
    if !message.texts.is_empty() || !message.calls.is_empty() {
        out.push(Out::Assistant(message));
    }
}

/// Puts the answers to each assistant's tool calls right after it, in call order; a call
/// without an answer gets [`INTERRUPTED`]; user text and system messages found before the
/// answers move after them; a result answering no pending call becomes user text.
fn repair(messages: Vec<Out>) -> Vec<Out> {
    let mut out = Vec::with_capacity(messages.len());
    let mut iter = messages.into_iter().peekable();
    while let Some(message) = iter.next() {
        match message {
            Out::Assistant(assistant) if !assistant.calls.is_empty() => {
                let ids: Vec<String> = assistant.calls.iter().map(|c| c.id.clone()).collect();
                out.push(Out::Assistant(assistant));
                let mut answers: Vec<Option<String>> = vec![None; ids.len()];
                let mut deferred = Vec::new();
                while let Some(next) = iter.next_if(|m| !matches!(m, Out::Assistant(_))) {
                    match next {
                        Out::Tool { id, content } => match ids.iter().position(|i| *i == id) {
                            Some(slot) if answers[slot].is_none() => answers[slot] = Some(content),
                            _ => deferred.push(orphan_result(&id, &content)),
                        },
                        other => deferred.push(other),
                    }
                }
                for (id, answer) in ids.into_iter().zip(answers) {
                    out.push(Out::Tool {
                        id,
                        content: answer.unwrap_or_else(|| INTERRUPTED.to_owned()),
                    });
                }
                out.extend(deferred);
            }
            Out::Tool { id, content } => out.push(orphan_result(&id, &content)),
            other => out.push(other),
        }
    }
    out
}

fn orphan_result(id: &str, content: &str) -> Out {
    Out::User(vec![Part::Text(format!(
        "[Result of tool call {id}]\n{content}"
    ))])
}

/// Adjacent user messages as one (repair can leave several in a row).
fn merge_users(messages: Vec<Out>) -> Vec<Out> {
    let mut out: Vec<Out> = Vec::with_capacity(messages.len());
    for message in messages {
        match (out.last_mut(), message) {
            (Some(Out::User(existing)), Out::User(parts)) => existing.extend(parts),
            (_, message) => out.push(message),
        }
    }
    out
}

fn serialize(message: Out, quirks: &Quirks, names: &mut ToolNameMap) -> Value {
    match message {
        Out::System(text) => json!({ "role": "system", "content": text }),
        Out::Tool { id, content } => {
            json!({ "role": "tool", "tool_call_id": call_id(&id, quirks.tool_call_ids), "content": content })
        }
        Out::User(parts) => json!({ "role": "user", "content": user_content(parts) }),
        Out::Assistant(assistant) => assistant_json(&assistant, quirks, names),
    }
}

fn assistant_json(assistant: &Assistant, quirks: &Quirks, names: &mut ToolNameMap) -> Value {
    let mut map = Map::new();
    map.insert("role".into(), json!("assistant"));
    // `null`, never "": an empty string comes back as an empty text block (pitfall 13).
    let content = if assistant.texts.is_empty() {
        Value::Null
    } else {
        json!(assistant.texts.join("\n\n"))
    };
    map.insert("content".into(), content);
    let reasoning = (!assistant.reasoning.is_empty()).then(|| assistant.reasoning.join("\n\n"));
    let has_calls = !assistant.calls.is_empty();
    let replay = match quirks.reasoning_replay {
        ReasoningReplay::Drop => None,
        ReasoningReplay::WhenPresent => reasoning,
        ReasoningReplay::ToolCallTurns => reasoning.or_else(|| has_calls.then(String::new)),
        ReasoningReplay::EveryTurn => Some(reasoning.unwrap_or_default()),
    };
    if let Some(replay) = replay {
        map.insert("reasoning_content".into(), json!(replay));
    }
    if has_calls {
        let calls: Vec<Value> = assistant
            .calls
            .iter()
            .enumerate()
            .map(|(i, call)| {
                let mut value = json!({
                    "id": call_id(&call.id, quirks.tool_call_ids),
                    "type": "function",
                    "function": { "name": names.upstream_name(&call.name), "arguments": call.arguments },
                });
                // Gemini checks the signature on the first call of a step only.
                if quirks.thought_signatures && i == 0 {
                    let signature = assistant.signature.as_deref().unwrap_or(SKIP_SIGNATURE);
                    value["extra_content"] = json!({ "google": { "thought_signature": signature } });
                }
                value
            })
            .collect();
        map.insert("tool_calls".into(), Value::Array(calls));
    }
    Value::Object(map)
}

/// The id sent upstream for a client's tool-use id. Acceptable ids pass unchanged;
/// others get a stable hash, the same for the call and its result.
pub(super) fn call_id(id: &str, style: ToolCallIds) -> String {
    let digest = Sha256::digest(id.as_bytes());
    match style {
        ToolCallIds::Standard => {
            let ok = !id.is_empty()
                && id.len() <= 40
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if ok {
                return id.to_owned();
            }
            let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
            format!("call_{hex}")
        }
        ToolCallIds::Alnum9 => {
            if id.len() == 9 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return id.to_owned();
            }
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            digest
                .iter()
                .take(9)
                .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
                .collect()
        }
    }
}
