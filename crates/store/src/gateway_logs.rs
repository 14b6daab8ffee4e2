//! The `gateway_logs` table: daily partitions.

use sqlx::PgExecutor;
use time::Date;

use crate::error::Result;

/// Creates the missing daily partitions for `days` days from `first_day` (UTC) and
/// returns how many it created. Safe to run from several processes at once.
pub async fn create_partitions(db: impl PgExecutor<'_>, first_day: Date, days: i32) -> Result<i32> {
    Ok(sqlx::query_scalar!(
        r#"select gateway_logs_create_partitions($1, $2) as "created!""#,
        first_day,
        days
    )
    .fetch_one(db)
    .await?)
}

/// Names of the existing partitions, oldest first.
pub async fn partitions(db: impl PgExecutor<'_>) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        r#"select c.relname as "name!"
           from pg_inherits i
           join pg_class c on c.oid = i.inhrelid
           join pg_class p on p.oid = i.inhparent
           where p.relname = 'gateway_logs'
           order by c.relname"#
    )
    .fetch_all(db)
    .await?)
}

/// One gateway request, as recorded.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub id: uuid::Uuid,
    pub created_at: time::OffsetDateTime,
    pub user_id: uuid::Uuid,
    pub api_key_id: Option<uuid::Uuid>,
    pub upstream_key_id: Option<uuid::Uuid>,
    pub requested_model: String,
    pub target_model: Option<String>,
    pub provider: Option<String>,
    pub stream: bool,
    pub status_code: i32,
    pub success: bool,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub input_tokens: i32,
    pub output_tokens: i32,
    pub cache_read_tokens: i32,
    pub cache_write_tokens: i32,
    pub latency_ms: i32,
    pub ttfb_ms: Option<i32>,
    pub attempts: i16,
    /// Every upstream key tried, in order; the last one gave the answer.
    pub upstream_keys_tried: Vec<uuid::Uuid>,
}

/// Inserts many entries in one statement (one round trip, one transaction).
pub async fn insert_batch(db: impl PgExecutor<'_>, entries: &[LogEntry]) -> Result<u64> {
    if entries.is_empty() {
        return Ok(0);
    }
    macro_rules! column {
        ($field:ident) => {
            entries.iter().map(|e| e.$field.clone()).collect::<Vec<_>>()
        };
    }
    let result = sqlx::query!(
        r#"insert into gateway_logs
               (id, created_at, user_id, api_key_id, upstream_key_id, requested_model, target_model,
                provider, stream, status_code, success, error_type, error_message, input_tokens,
                output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, ttfb_ms, attempts,
                upstream_keys_tried)
           select id, created_at, user_id, api_key_id, upstream_key_id, requested_model, target_model,
                  provider, stream, status_code, success, error_type, error_message, input_tokens,
                  output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, ttfb_ms, attempts,
                  coalesce((select array_agg(k) from jsonb_array_elements_text(tried) k)::uuid[], '{}')
           from unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::uuid[], $5::uuid[],
                                $6::text[], $7::text[], $8::text[], $9::bool[], $10::int4[], $11::bool[],
                                $12::text[], $13::text[], $14::int4[], $15::int4[], $16::int4[],
                                $17::int4[], $18::int4[], $19::int4[], $20::int2[], $21::jsonb[])
                as t(id, created_at, user_id, api_key_id, upstream_key_id, requested_model, target_model,
                     provider, stream, status_code, success, error_type, error_message, input_tokens,
                     output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, ttfb_ms, attempts,
                     tried)"#,
        &column!(id),
        &column!(created_at),
        &column!(user_id),
        &column!(api_key_id) as &[Option<uuid::Uuid>],
        &column!(upstream_key_id) as &[Option<uuid::Uuid>],
        &column!(requested_model),
        &column!(target_model) as &[Option<String>],
        &column!(provider) as &[Option<String>],
        &column!(stream),
        &column!(status_code),
        &column!(success),
        &column!(error_type) as &[Option<String>],
        &column!(error_message) as &[Option<String>],
        &column!(input_tokens),
        &column!(output_tokens),
        &column!(cache_read_tokens),
        &column!(cache_write_tokens),
        &column!(latency_ms),
        &column!(ttfb_ms) as &[Option<i32>],
        &column!(attempts),
        // unnest cannot take a two-dimensional array of uneven rows: each row's list travels
        // as one JSON array.
        &entries
            .iter()
            .map(|e| serde_json::json!(e.upstream_keys_tried))
            .collect::<Vec<_>>(),
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// The most recent entries of a user, newest first.
pub async fn recent(
    db: impl PgExecutor<'_>,
    user_id: uuid::Uuid,
    limit: i64,
) -> Result<Vec<LogEntry>> {
    Ok(sqlx::query_as!(
        LogEntry,
        r#"select id, created_at, user_id, api_key_id, upstream_key_id, requested_model, target_model,
                  provider, stream, status_code, success, error_type, error_message, input_tokens,
                  output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, ttfb_ms, attempts,
                  upstream_keys_tried
           from gateway_logs where user_id = $1
           order by created_at desc, id desc limit $2"#,
        user_id,
        limit
    )
    .fetch_all(db)
    .await?)
}
