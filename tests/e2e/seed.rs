//! Gateway traffic written straight into the logs (and their rollups) for dashboard tests:
//! exact numbers at exact times, without running requests through a mock upstream.

use sqlx::PgPool;
use store::gateway_logs::{self, LogEntry};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// A successful non-streamed request of `user_id` at `at`: 10 tokens in, 2 out, 120 ms.
pub fn entry(user_id: Uuid, at: OffsetDateTime) -> LogEntry {
    LogEntry {
        id: Uuid::now_v7(),
        created_at: at,
        user_id,
        api_key_id: None,
        upstream_key_id: None,
        requested_model: "claude-sonnet-4-5".into(),
        target_model: Some("gpt-5".into()),
        provider: Some("openai".into()),
        stream: false,
        status_code: 200,
        success: true,
        error_type: None,
        error_message: None,
        input_tokens: 10,
        output_tokens: 2,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        latency_ms: 120,
        ttfb_ms: None,
        attempts: 1,
        upstream_keys_tried: vec![],
    }
}

/// The same request failed upstream with `status` and `message`.
pub fn failed(mut entry: LogEntry, status: i32, message: &str) -> LogEntry {
    entry.success = false;
    entry.status_code = status;
    entry.error_type = Some("api_error".into());
    entry.error_message = Some(message.into());
    entry.output_tokens = 0;
    entry
}

/// Stores `entries`, making the daily partitions of the last `days` days first.
pub async fn store(pool: &PgPool, entries: &[LogEntry], days: i64) {
    let today = OffsetDateTime::now_utc().date();
    gateway_logs::create_partitions(pool, today - Duration::days(days), days as i32 + 2)
        .await
        .expect("partitions");
    gateway_logs::insert_batch(pool, entries)
        .await
        .expect("logs");
}

/// An upstream key named `name` for `user_id` (the address is never called).
pub async fn upstream_key(pool: &PgPool, user_id: Uuid, name: &str) -> Uuid {
    let input = nexus::upstreams::UpstreamInput {
        name: name.into(),
        provider: store::upstream_keys::Provider::Openai,
        base_url: "https://api.example.com/v1".into(),
        secret: format!("sk-{name}-secret-value"),
        priority: 50,
        weight: 1,
        enabled: true,
    };
    nexus::upstreams::add(pool, &crate::helpers::keyring(), user_id, input)
        .await
        .expect("upstream key")
        .id
}
