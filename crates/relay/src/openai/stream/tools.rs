//! Streamed tool calls: fragments are gathered into slots (protocol §5.1 step 5) and each
//! slot is handed out once, complete, with validated arguments.
//!
//! Slot rules: the key is the fragment's `index` (default 0). A new non-empty id at an index
//! bound to a different id opens a new slot (Ollama reuses index 0 for parallel calls); an
//! empty or absent id continues the slot (Qwen sends `id: ""`). Names are assigned, not
//! appended (some providers resend the name in every fragment). Arguments may come with the
//! first fragment (Mistral).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::args::{ArgsFix, is_complete, parse_arguments};
use super::fields::{CallPart, tool_use_id};
use crate::tool_names::ToolNameMap;

/// A finished tool call, ready to become a tool_use block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ToolCall {
    pub id: String,
    /// The client's name (shortened upstream names restored).
    pub name: String,
    pub input: Value,
}

#[derive(Debug, Default)]
struct Slot {
    id: Option<String>,
    name: Option<String>,
    args: String,
}

/// The tool-call slots of one streamed message.
#[derive(Debug, Default)]
pub(crate) struct Slots {
    slots: Vec<Slot>,
    /// `index` → the slot it currently continues.
    by_index: HashMap<u64, usize>,
    /// `slots[..handed_out]` have been returned already.
    handed_out: usize,
    used_ids: HashSet<String>,
}

impl Slots {
    /// Whether fragments are waiting to be handed out.
    pub fn has_pending(&self) -> bool {
        self.handed_out < self.slots.len()
    }

    /// Adds one `tool_calls[]` fragment.
    pub fn apply(&mut self, part: CallPart, notes: &mut Vec<String>) {
        let index = part.index.unwrap_or(0);
        let slot = match self.by_index.get(&index) {
            Some(&slot) if !self.starts_new_call(slot, &part) => slot,
            _ => {
                self.slots.push(Slot::default());
                let slot = self.slots.len() - 1;
                self.by_index.insert(index, slot);
                slot
            }
        };
        if slot < self.handed_out {
            // The call was already emitted (text or the next call came in between): a block
            // cannot be reopened, so the late fragment is lost. Say so in the log.
            notes.push(format!("late tool-call fragment for index {index} dropped"));
            return;
        }
        let entry = &mut self.slots[slot];
        if entry.id.is_none() {
            entry.id = part.id;
        }
        if part.name.is_some() {
            entry.name = part.name;
        }
        entry.args.push_str(&part.arguments);
    }

    /// A new id at a bound index is a new call when the slot has another id, or when the slot
    /// had no id yet but already holds a complete named call and the fragment names one too.
    fn starts_new_call(&self, slot: usize, part: &CallPart) -> bool {
        let entry = &self.slots[slot];
        match (&part.id, &entry.id) {
            (Some(new), Some(old)) => new != old,
            (Some(_), None) => {
                entry.name.is_some() && part.name.is_some() && is_complete(&entry.args)
            }
            (None, _) => false,
        }
    }

    /// The calls known to be finished: every slot before the newest one whose index has moved
    /// on to another slot or whose arguments already form a complete JSON value. Calls are
    /// handed out in order, so an unfinished earlier call (interleaved fragments) holds back
    /// the later ones until it completes or the message ends.
    pub fn take_ready(&mut self, names: &ToolNameMap, notes: &mut Vec<String>) -> Vec<ToolCall> {
        let mut ready = Vec::new();
        while self.handed_out + 1 < self.slots.len() {
            let slot = self.handed_out;
            let rebound = !self.by_index.values().any(|s| *s == slot);
            if !rebound && !is_complete(&self.slots[slot].args) {
                break;
            }
            self.handed_out += 1;
            ready.extend(self.finish_slot(slot, names, notes));
        }
        ready
    }

    /// Every remaining call (the message ended, or text follows the calls).
    pub fn take_all(&mut self, names: &ToolNameMap, notes: &mut Vec<String>) -> Vec<ToolCall> {
        let mut calls = Vec::new();
        while self.handed_out < self.slots.len() {
            let slot = self.handed_out;
            self.handed_out += 1;
            calls.extend(self.finish_slot(slot, names, notes));
        }
        calls
    }

    /// Forgets the pending calls (the stream failed); returns how many there were.
    pub fn discard(&mut self) -> usize {
        let pending = self.slots.len() - self.handed_out;
        self.handed_out = self.slots.len();
        pending
    }

    fn finish_slot(
        &mut self,
        slot: usize,
        names: &ToolNameMap,
        notes: &mut Vec<String>,
    ) -> Option<ToolCall> {
        let entry = std::mem::take(&mut self.slots[slot]);
        finish_call(
            entry.id.as_deref(),
            entry.name.as_deref(),
            &entry.args,
            names,
            &mut self.used_ids,
            notes,
        )
    }
}

/// Builds a complete call: id (kept, cleaned or synthesised), restored name, arguments parsed
/// or repaired. A call without a name cannot be run by the client and is dropped.
pub(crate) fn finish_call(
    id: Option<&str>,
    name: Option<&str>,
    arguments: &str,
    names: &ToolNameMap,
    used_ids: &mut HashSet<String>,
    notes: &mut Vec<String>,
) -> Option<ToolCall> {
    let Some(name) = name else {
        notes.push(format!(
            "tool call without a name dropped (arguments: {} bytes)",
            arguments.len()
        ));
        return None;
    };
    let name = names.client_name(name);
    let (input, fix) = parse_arguments(arguments);
    match fix {
        ArgsFix::None => {}
        ArgsFix::Unwrapped => {
            notes.push(format!("arguments of {name} were a JSON string; unwrapped"));
        }
        ArgsFix::Deduplicated => {
            notes.push(format!(
                "arguments of {name} were repeated objects; kept one"
            ));
        }
        ArgsFix::Replaced => {
            notes.push(format!(
                "arguments of {name} were not a JSON object ({} bytes); sent {{}}",
                arguments.len()
            ));
        }
    }
    Some(ToolCall {
        id: tool_use_id(id, used_ids),
        name,
        input,
    })
}
