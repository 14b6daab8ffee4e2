//! `system` + `messages` → `systemInstruction` texts and `contents` (protocol.md §6.1).
//!
//! Steps: system entries go to the system texts; consecutive messages of one role become one
//! user or model turn of parts; turns left empty are dropped and their neighbours merged, so
//! roles alternate; then each model turn's calls are answered by exactly one
//! `functionResponse` each, first in the next user turn, in call order (pitfall 6): results
//! are matched by tool-use id, a call without a result gets [`INTERRUPTED`], and a result
//! matching no call of the previous turn becomes text.
//!
//! Thought signatures: a thinking block whose signature is one of ours
//! ([`crate::gemini::is_gemini_signature`]) gives its Gemini signature back to the first
//! call of the same assistant message, where Gemini put it (pitfall 5). A model turn whose
//! first call has none gets the documented sentinel when the model checks signatures.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::parts::{Part, block_parts};
use crate::anthropic::{Block, MessagesRequest, Role, ToolResultContent};
use crate::gemini::signature;
use crate::openai::request::messages::{BILLING_PREFIX, INTERRUPTED, NO_OUTPUT, SKIP_SIGNATURE};
use crate::tool_names::ToolNameMap;

/// Tool-result text when the result is only images (which follow as parts).
const ATTACHED: &str = "(the result is attached below)";
/// Opens a conversation whose history starts with the model: Gemini wants a function call
/// to follow a user turn, and trimmed histories (compaction) can start with the model.
const EARLIER_OMITTED: &str = "(earlier conversation omitted)";
/// The only part of a request whose messages hold nothing Gemini can read.
const NO_CONTENT: &str = "(no content)";

/// The translated conversation.
pub(super) struct Translated {
    /// `systemInstruction` texts, in order: `system`, then the in-message system entries.
    pub system: Vec<String>,
    /// `contents`: user and model turns, alternating, starting with a user turn.
    pub contents: Vec<Value>,
}

enum UserItem {
    Part(Part),
    Result {
        id: String,
        text: String,
        error: bool,
    },
}

enum Turn {
    User(Vec<UserItem>),
    /// Parts, and the tool-use id of each `Part::Call` among them, in order.
    Model(Vec<Part>, Vec<String>),
}

/// Translates the conversation of `req`. `needs_signatures` adds the sentinel to unsigned
/// calls; `names` shortens tool names.
pub(super) fn translate(
    req: &MessagesRequest,
    needs_signatures: bool,
    names: &mut ToolNameMap,
) -> Translated {
    let mut system: Vec<String> = req
        .system
        .iter()
        .flat_map(|s| s.texts())
        .filter(|t| !t.trim().is_empty() && !t.starts_with(BILLING_PREFIX))
        .collect();
    // Consecutive messages of one role are one turn, as Anthropic reads them: an assistant
    // turn split over several messages still has its signature and its calls together.
    let mut grouped: Vec<(Role, Vec<Block>)> = Vec::new();
    for message in &req.messages {
        let blocks = message.content.blocks();
        match (message.role, grouped.last_mut()) {
            (Role::System, _) => system.extend(
                blocks
                    .iter()
                    .filter_map(Block::text)
                    .filter(|t| !t.trim().is_empty())
                    .map(str::to_owned),
            ),
            (role, Some((last, existing))) if *last == role => existing.extend(blocks),
            (role, _) => grouped.push((role, blocks)),
        }
    }
    let mut tool_names = HashMap::new();
    let mut turns: Vec<Turn> = Vec::new();
    for (role, blocks) in grouped {
        if role == Role::User {
            push(&mut turns, Turn::User(user_items(blocks)));
            continue;
        }
        for block in &blocks {
            if let Block::ToolUse { id, name, .. } = block {
                tool_names.insert(id.clone(), name.clone());
            }
        }
        push(&mut turns, model_turn(blocks));
    }
    let mut contents = pair(turns, &tool_names, needs_signatures, names);
    if contents.first().is_some_and(|c| c["role"] == "model") {
        contents.insert(0, user_text(EARLIER_OMITTED));
    }
    if contents.is_empty() {
        contents.push(user_text(NO_CONTENT));
    }
    Translated { system, contents }
}

fn user_text(text: &str) -> Value {
    json!({ "role": "user", "parts": [{ "text": text }] })
}

/// Adds a turn: an empty one is dropped, one of the same role as the last is merged into it.
fn push(turns: &mut Vec<Turn>, turn: Turn) {
    match (turns.last_mut(), turn) {
        (_, Turn::User(items)) if items.is_empty() => {}
        (_, Turn::Model(parts, _)) if parts.is_empty() => {}
        (Some(Turn::User(existing)), Turn::User(items)) => existing.extend(items),
        (Some(Turn::Model(parts, ids)), Turn::Model(more, more_ids)) => {
            parts.extend(more);
            ids.extend(more_ids);
        }
        (_, turn) => turns.push(turn),
    }
}

fn user_items(blocks: Vec<Block>) -> Vec<UserItem> {
    let mut items = Vec::new();
    for block in blocks {
        let Block::ToolResult {
            tool_use_id,
            content,
            is_error,
        } = block
        else {
            let mut parts = Vec::new();
            block_parts(block, &mut parts);
            items.extend(parts.into_iter().map(UserItem::Part));
            continue;
        };
        let blocks = match content {
            Some(ToolResultContent::Text(text)) => vec![Block::Text { text }],
            Some(ToolResultContent::Blocks(blocks)) => blocks,
            None => Vec::new(),
        };
        let mut texts = Vec::new();
        let mut attachments = Vec::new();
        for block in blocks {
            let mut parts = Vec::new();
            block_parts(block, &mut parts);
            for part in parts {
                match part {
                    Part::Text(text) => texts.push(text),
                    // A functionResponse holds JSON only: images and files follow it.
                    other => attachments.push(UserItem::Part(other)),
                }
            }
        }
        let text = match texts.join("\n") {
            text if !text.trim().is_empty() => text,
            _ if attachments.is_empty() => NO_OUTPUT.to_owned(),
            _ => ATTACHED.to_owned(),
        };
        items.push(UserItem::Result {
            id: tool_use_id,
            text,
            error: is_error == Some(true),
        });
        items.extend(attachments);
    }
    items
}

fn model_turn(blocks: Vec<Block>) -> Turn {
    let mut parts = Vec::new();
    let mut ids = Vec::new();
    let mut thought_signature = None;
    for block in blocks {
        match block {
            Block::Text { text } if !text.trim().is_empty() => parts.push(Part::Text(text)),
            Block::ToolUse { id, name, input } => {
                // Gemini wants an object; Anthropic inputs are objects, `null` means none.
                let args = if input.is_object() {
                    input
                } else {
                    Value::Object(Map::new())
                };
                parts.push(Part::Call {
                    name,
                    args,
                    signature: None,
                });
                ids.push(id);
            }
            // Thinking text is not sent back (Gemini keeps its reasoning in the signature);
            // redacted thinking and server blocks mean nothing to Gemini.
            Block::Thinking {
                signature: Some(sig),
                ..
            } => {
                if let Some(gemini) = signature::unwrap(&sig) {
                    thought_signature.get_or_insert_with(|| gemini.to_owned());
                }
            }
            _ => {}
        }
    }
    if let Some(found) = thought_signature
        && let Some(Part::Call { signature, .. }) =
            parts.iter_mut().find(|p| matches!(p, Part::Call { .. }))
    {
        *signature = Some(found);
    }
    Turn::Model(parts, ids)
}

/// Serialises the turns, answering every call of a model turn in the user turn after it.
fn pair(
    turns: Vec<Turn>,
    tool_names: &HashMap<String, String>,
    needs_signatures: bool,
    names: &mut ToolNameMap,
) -> Vec<Value> {
    let mut contents = Vec::with_capacity(turns.len());
    let mut pending: Vec<(String, String)> = Vec::new();
    for turn in turns {
        let (role, parts) = match turn {
            Turn::Model(mut parts, ids) => {
                if needs_signatures
                    && let Some(Part::Call { signature, .. }) =
                        parts.iter_mut().find(|p| matches!(p, Part::Call { .. }))
                    && signature.is_none()
                {
                    *signature = Some(SKIP_SIGNATURE.to_owned());
                }
                let call_names = parts.iter().filter_map(|p| match p {
                    Part::Call { name, .. } => Some(name.clone()),
                    _ => None,
                });
                pending = ids.into_iter().zip(call_names).collect();
                ("model", parts)
            }
            Turn::User(items) => (
                "user",
                answer(std::mem::take(&mut pending), items, tool_names),
            ),
        };
        let parts: Vec<Value> = parts.iter().map(|p| p.to_json(names)).collect();
        contents.push(json!({ "role": role, "parts": parts }));
    }
    contents
}

/// The parts of a user turn after a model turn with `calls` (id, name): one response per
/// call, in call order, then everything else.
fn answer(
    calls: Vec<(String, String)>,
    items: Vec<UserItem>,
    tool_names: &HashMap<String, String>,
) -> Vec<Part> {
    let mut answers: Vec<Option<(String, bool)>> = vec![None; calls.len()];
    let mut rest = Vec::new();
    for item in items {
        match item {
            UserItem::Part(part) => rest.push(part),
            UserItem::Result { id, text, error } => {
                match calls.iter().position(|(call_id, _)| *call_id == id) {
                    Some(slot) if answers[slot].is_none() => answers[slot] = Some((text, error)),
                    _ => rest.push(orphan(&id, &text, error, tool_names)),
                }
            }
        }
    }
    let mut parts: Vec<Part> = calls
        .into_iter()
        .zip(answers)
        .map(|((_, name), answer)| {
            let (text, error) = answer.unwrap_or_else(|| (INTERRUPTED.to_owned(), false));
            Part::Response { name, text, error }
        })
        .collect();
    parts.extend(rest);
    parts
}

/// A tool result that answers no call of the turn before: kept as text, so nothing the user
/// saw is lost, without breaking Gemini's one-response-per-call rule.
fn orphan(id: &str, text: &str, error: bool, tool_names: &HashMap<String, String>) -> Part {
    let tool = tool_names
        .get(id)
        .map_or_else(|| id.to_owned(), |name| format!("{name} ({id})"));
    let status = if error { " (error)" } else { "" };
    Part::Text(format!("[Result of tool call {tool}{status}]\n{text}"))
}
