//! The log row of one gateway request, filled in as the request goes.

use std::time::Instant;

use relay::anthropic::{ErrorType, Usage};
use store::api_keys::KeyOwner;
use store::gateway_logs::LogEntry;
use uuid::Uuid;

use super::routing::ChosenKey;

pub struct Record {
    entry: LogEntry,
    started: Instant,
}

impl Record {
    pub fn start(owner: &KeyOwner) -> Self {
        Self {
            entry: LogEntry {
                id: Uuid::now_v7(),
                created_at: time::OffsetDateTime::now_utc(),
                user_id: owner.user_id,
                api_key_id: Some(owner.key_id),
                upstream_key_id: None,
                requested_model: String::new(),
                target_model: None,
                provider: None,
                stream: false,
                status_code: 0,
                success: false,
                error_type: None,
                error_message: None,
                input_tokens: 0,
                output_tokens: 0,
                cache_read_tokens: 0,
                cache_write_tokens: 0,
                latency_ms: 0,
                ttfb_ms: None,
                attempts: 0,
                upstream_keys_tried: Vec::new(),
            },
            started: Instant::now(),
        }
    }

    pub fn request(&mut self, model: &str, stream: bool) {
        self.entry.requested_model = model.to_owned();
        self.entry.stream = stream;
    }

    pub fn route(&mut self, target: &str, key: &ChosenKey) {
        self.entry.target_model = Some(target.to_owned());
        self.entry.upstream_key_id = Some(key.key.id);
        self.entry.provider = Some(key.key.provider.to_string());
        self.entry.attempts += 1;
        self.entry.upstream_keys_tried.push(key.key.id);
    }

    pub fn first_byte(&mut self) {
        if self.entry.ttfb_ms.is_none() {
            self.entry.ttfb_ms = Some(millis(self.started));
        }
    }

    pub fn usage(&mut self, usage: &Usage) {
        self.entry.input_tokens = clamp(usage.input_tokens);
        self.entry.output_tokens = clamp(usage.output_tokens);
        self.entry.cache_read_tokens = clamp(usage.cache_read_input_tokens);
        self.entry.cache_write_tokens = clamp(usage.cache_creation_input_tokens);
    }

    pub fn succeeded(mut self, status: u16) -> LogEntry {
        self.entry.status_code = i32::from(status);
        self.entry.success = true;
        self.finish()
    }

    pub fn failed(mut self, status: u16, kind: ErrorType, message: &str) -> LogEntry {
        self.entry.status_code = i32::from(status);
        self.entry.success = false;
        self.entry.error_type = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned));
        // Long upstream bodies are cut: the log keeps what a person reads.
        self.entry.error_message = Some(message.chars().take(2000).collect());
        self.finish()
    }

    fn finish(mut self) -> LogEntry {
        self.entry.latency_ms = millis(self.started);
        self.entry
    }
}

fn millis(since: Instant) -> i32 {
    i32::try_from(since.elapsed().as_millis()).unwrap_or(i32::MAX)
}

fn clamp(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
