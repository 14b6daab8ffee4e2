//! An upstream key as the table shows it: settings, health and counters, never the secret.

use store::upstream_keys::UpstreamKey;
use time::OffsetDateTime;
use time::macros::format_description;

use super::presets;
use crate::web::format::{percent, preview, when};

/// Longest last error shown in the table before "more".
const ERROR_PREVIEW_CHARS: usize = 80;

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub provider: &'static str,
    pub kind: &'static str,
    pub base_url: String,
    pub secret_hint: String,
    pub priority: i32,
    pub weight: i32,
    pub enabled: bool,
    /// When the cooldown ends, while the key is cooling down.
    pub cooling_until: Option<String>,
    pub requests: i64,
    pub success_rate: Option<String>,
    pub last_used: String,
    pub failures: i32,
    pub last_error: Option<LastError>,
}

pub struct LastError {
    pub when: String,
    pub preview: String,
    /// The whole text when the preview is cut.
    pub full: Option<String>,
}

impl KeyRow {
    pub fn of(key: &UpstreamKey, now: OffsetDateTime) -> KeyRow {
        KeyRow {
            id: key.id.to_string(),
            name: key.name.clone(),
            provider: presets::of_key(key.provider, &key.base_url).label(),
            kind: key.provider.as_str(),
            base_url: key.base_url.clone(),
            secret_hint: key.secret_hint.clone(),
            priority: key.priority,
            weight: key.weight,
            enabled: key.enabled,
            cooling_until: key
                .cooldown_until
                .filter(|until| *until > now)
                .map(|until| until_text(until, now)),
            requests: key.total_requests,
            success_rate: success_rate(key.success_requests, key.total_requests),
            last_used: when(key.last_used_at),
            failures: key.consecutive_failures,
            last_error: key.last_error.as_deref().map(|text| LastError {
                when: when(key.last_failure_at),
                preview: preview(text, ERROR_PREVIEW_CHARS),
                full: (text.chars().count() > ERROR_PREVIEW_CHARS).then(|| text.to_owned()),
            }),
        }
    }
}

/// None before the first request (the table shows "–" without "ok").
pub fn success_rate(successes: i64, total: i64) -> Option<String> {
    (total > 0).then(|| percent(successes, total))
}

/// The end of a cooldown: the time of day when it is today, else the full moment.
fn until_text(until: OffsetDateTime, now: OffsetDateTime) -> String {
    let clock = format_description!("[hour]:[minute] UTC");
    match until.format(&clock) {
        Ok(text) if until.date() == now.date() => text,
        _ => when(Some(until)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_errors_are_cut_and_rates_rounded() {
        assert_eq!(preview("short", ERROR_PREVIEW_CHARS), "short");
        let long = "x".repeat(200);
        assert_eq!(
            preview(&long, ERROR_PREVIEW_CHARS).chars().count(),
            ERROR_PREVIEW_CHARS + 1
        );
        assert_eq!(success_rate(2, 3).as_deref(), Some("66.7%"));
        assert_eq!(success_rate(0, 0), None);
    }
}
