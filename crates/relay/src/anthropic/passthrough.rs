//! Anthropic upstreams get the client's body as it came, byte for byte, with two exceptions:
//! the model name when the user mapped it, and thinking blocks whose signatures Anthropic
//! did not make (Nexus's synthetic ones, Gemini's), which Anthropic would reject.
//! The answer goes back unchanged; `UsageSniffer` reads the token counts from it on the way.

use serde_json::Value;

/// Byte range of the top-level `"model"` string value in a JSON object, quotes included.
fn model_span(body: &[u8]) -> Option<(usize, usize)> {
    let mut i = skip_ws(body, 0);
    if body.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_ws(body, i);
        match body.get(i)? {
            b'}' => return None,
            b',' => {
                i += 1;
                continue;
            }
            b'"' => {}
            _ => return None,
        }
        let key_end = string_end(body, i)?;
        let key = &body[i + 1..key_end - 1];
        i = skip_ws(body, key_end);
        if body.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(body, i + 1);
        let value_end = value_end(body, i)?;
        if key == b"model" && body.get(i) == Some(&b'"') {
            return Some((i, value_end));
        }
        i = value_end;
    }
}

fn skip_ws(body: &[u8], mut i: usize) -> usize {
    while body.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

/// End (exclusive) of the string starting at `start` (a `"`).
fn string_end(body: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        match body.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// End (exclusive) of the JSON value starting at `start`.
fn value_end(body: &[u8], start: usize) -> Option<usize> {
    match body.get(start)? {
        b'"' => string_end(body, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = start;
            loop {
                match body.get(i)? {
                    b'"' => {
                        i = string_end(body, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let mut i = start;
            while body
                .get(i)
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
            {
                i += 1;
            }
            Some(i)
        }
    }
}

/// The body with its top-level `model` replaced by `model`; every other byte unchanged.
pub fn replace_model(body: &[u8], model: &str) -> Option<Vec<u8>> {
    let (start, end) = model_span(body)?;
    let quoted = serde_json::to_string(model).ok()?;
    let mut out = Vec::with_capacity(body.len() + quoted.len());
    out.extend_from_slice(&body[..start]);
    out.extend_from_slice(quoted.as_bytes());
    out.extend_from_slice(&body[end..]);
    Some(out)
}

/// Drops thinking blocks whose signature `foreign` says Anthropic did not make, and returns
/// the new body; `None` when there are none (the body then stays byte-exact). When that
/// leaves the last assistant turn of an active tool loop without its leading thinking
/// block, thinking is switched off for this request, as Anthropic requires.
pub fn strip_foreign_thinking(body: &[u8], foreign: impl Fn(&str) -> bool) -> Option<Vec<u8>> {
    let mut value: Value = serde_json::from_slice(body).ok()?;
    let messages = value.get_mut("messages")?.as_array_mut()?;
    let mut stripped = false;
    let mut last_assistant_lost_lead = false;
    let count = messages.len();
    for (n, message) in messages.iter_mut().enumerate() {
        if message["role"] != "assistant" {
            continue;
        }
        let Some(blocks) = message.get_mut("content").and_then(Value::as_array_mut) else {
            continue;
        };
        let led_with_thinking = blocks.first().is_some_and(|b| b["type"] == "thinking");
        let before = blocks.len();
        blocks.retain(|b| {
            !(b["type"] == "thinking" && b["signature"].as_str().is_some_and(&foreign))
        });
        if blocks.len() != before {
            stripped = true;
            if blocks.is_empty() {
                blocks.push(serde_json::json!({"type": "text", "text": "(thinking omitted)"}));
            }
            let still_leads = blocks.first().is_some_and(|b| b["type"] == "thinking");
            if n + 2 >= count && led_with_thinking && !still_leads {
                last_assistant_lost_lead = true;
            }
        }
    }
    if !stripped {
        return None;
    }
    if last_assistant_lost_lead && let Some(object) = value.as_object_mut() {
        object.remove("thinking");
    }
    serde_json::to_vec(&value).ok()
}

/// Reads usage from an Anthropic answer as it streams past (or from a whole body).
#[derive(Debug, Default)]
pub struct UsageSniffer {
    pending: Vec<u8>,
    pub usage: super::Usage,
    pub error: Option<String>,
    pub stopped: bool,
}

impl UsageSniffer {
    /// Feeds SSE bytes in any chunking.
    pub fn push(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        while let Some(end) = find_frame_end(&self.pending) {
            let frame: Vec<u8> = self.pending.drain(..end).collect();
            let text = String::from_utf8_lossy(&frame);
            for line in text.lines() {
                if let Some(data) = line.strip_prefix("data:")
                    && let Ok(event) = serde_json::from_str::<Value>(data.trim())
                {
                    self.event(&event);
                }
            }
        }
    }

    /// Reads a complete (non-streaming) message body.
    pub fn whole(&mut self, body: &[u8]) {
        if let Ok(message) = serde_json::from_slice::<Value>(body) {
            self.merge_usage(&message["usage"]);
            self.stopped = message["stop_reason"].is_string();
        }
    }

    fn event(&mut self, event: &Value) {
        match event["type"].as_str() {
            Some("message_start") => self.merge_usage(&event["message"]["usage"]),
            Some("message_delta") => self.merge_usage(&event["usage"]),
            Some("message_stop") => self.stopped = true,
            Some("error") => self.error = event["error"]["message"].as_str().map(str::to_owned),
            _ => {}
        }
    }

    /// Counts are cumulative: a later non-zero value replaces an earlier one.
    fn merge_usage(&mut self, usage: &Value) {
        let take = |field: &str, into: &mut u64| {
            if let Some(n) = usage[field].as_u64().filter(|n| *n > 0) {
                *into = n;
            }
        };
        take("input_tokens", &mut self.usage.input_tokens);
        take("output_tokens", &mut self.usage.output_tokens);
        take(
            "cache_read_input_tokens",
            &mut self.usage.cache_read_input_tokens,
        );
        take(
            "cache_creation_input_tokens",
            &mut self.usage.cache_creation_input_tokens,
        );
    }
}

fn find_frame_end(bytes: &[u8]) -> Option<usize> {
    bytes.windows(2).position(|w| w == b"\n\n").map(|i| i + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_model_changes() {
        let body = br#"{ "messages":[{"role":"user","content":"model \"x\""}],
            "model" : "claude-sonnet-5-5", "metadata":{"model":"keep"}, "max_tokens": 5 }"#;
        let out = replace_model(body, "claude-opus-4-1").expect("replaced");
        let expected =
            String::from_utf8_lossy(body).replace("\"claude-sonnet-5-5\"", "\"claude-opus-4-1\"");
        assert_eq!(String::from_utf8_lossy(&out), expected);
        assert!(replace_model(b"[1,2]", "m").is_none());
        assert!(replace_model(br#"{"model": 5}"#, "m").is_none());
    }

    #[test]
    fn foreign_thinking_is_stripped_and_thinking_switched_off_when_the_lead_is_lost() {
        let body = serde_json::json!({
            "model": "claude-sonnet-5-5", "max_tokens": 10, "thinking": {"type": "enabled", "budget_tokens": 2000},
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "t", "signature": "nexus.abc"},
                    {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}]}
            ]
        })
        .to_string();
        let out =
            strip_foreign_thinking(body.as_bytes(), |s| s.starts_with("nexus.")).expect("stripped");
        let value: Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(value["messages"][1]["content"][0]["type"], "tool_use");
        assert!(value.get("thinking").is_none());
        let genuine = body.replace("nexus.abc", "EqQBCkYIBxgCKkB");
        assert!(strip_foreign_thinking(genuine.as_bytes(), |s| s.starts_with("nexus.")).is_none());
    }

    #[test]
    fn usage_is_read_from_any_chunking() {
        let stream = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":12,\"output_tokens\":1,\"cache_read_input_tokens\":4}}}\n\n\
            event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n\
            event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}\n\n\
            event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        for size in [1, 7, 1000] {
            let mut sniffer = UsageSniffer::default();
            for chunk in stream.as_bytes().chunks(size) {
                sniffer.push(chunk);
            }
            assert_eq!(
                (sniffer.usage.input_tokens, sniffer.usage.output_tokens),
                (12, 9)
            );
            assert_eq!(sniffer.usage.cache_read_input_tokens, 4);
            assert!(sniffer.stopped && sniffer.error.is_none());
        }
    }
}
