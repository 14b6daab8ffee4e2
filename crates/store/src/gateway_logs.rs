//! The `gateway_logs` table: daily partitions, and batched inserts that also maintain
//! the hourly rollups (`gateway_log_rollups`).

use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;
use time::Date;

use crate::error::{Error, Result};

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

/// Drops the partitions of days before `before` (UTC) and returns their names, oldest
/// first. Dropping a partition briefly locks the whole table: run it in a transaction with
/// a `lock_timeout` (see [`crate::retention`]).
pub async fn drop_partitions_before(db: impl PgExecutor<'_>, before: Date) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        r#"select name as "name!" from gateway_logs_drop_partitions($1) as name"#,
        before
    )
    .fetch_all(db)
    .await?)
}

/// One gateway request, as recorded. Serialised as JSON for the CLI and for the writer's
/// spool file, so a spooled entry comes back identical (same key: replays are no-ops).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct LogEntry {
    pub id: uuid::Uuid,
    #[serde(with = "time::serde::rfc3339")]
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

/// Inserts many entries in one statement (one round trip, one transaction) and adds them
/// to the hourly rollups in the same statement, and returns how many were new.
///
/// Idempotent: an entry already stored (same `created_at` and `id`) is skipped and not
/// counted again, so a batch whose commit went unacknowledged can simply be sent again.
pub async fn insert_batch(db: impl PgExecutor<'_>, entries: &[LogEntry]) -> Result<u64> {
    if entries.is_empty() {
        return Ok(0);
    }
    macro_rules! column {
        ($field:ident) => {
            entries.iter().map(|e| e.$field.clone()).collect::<Vec<_>>()
        };
    }
    // The rollups are computed from what the insert returns, i.e. only the new rows. A
    // request that failed over adds a `failovers` count to each key it left. Rollup rows
    // are upserted in key order so that concurrent batches lock them in the same order.
    let inserted = sqlx::query_scalar!(
        r#"with input as (
               select * from unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::uuid[], $5::uuid[],
                                    $6::text[], $7::text[], $8::text[], $9::bool[], $10::int4[], $11::bool[],
                                    $12::text[], $13::text[], $14::int4[], $15::int4[], $16::int4[],
                                    $17::int4[], $18::int4[], $19::int4[], $20::int2[], $21::jsonb[])
                   as t(id, created_at, user_id, api_key_id, upstream_key_id, requested_model, target_model,
                        provider, stream, status_code, success, error_type, error_message, input_tokens,
                        output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, ttfb_ms, attempts,
                        tried)
           ),
           logged as (
               insert into gateway_logs
                   (id, created_at, user_id, api_key_id, upstream_key_id, requested_model, target_model,
                    provider, stream, status_code, success, error_type, error_message, input_tokens,
                    output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, ttfb_ms, attempts,
                    upstream_keys_tried)
               select id, created_at, user_id, api_key_id, upstream_key_id, requested_model, target_model,
                      provider, stream, status_code, success, error_type, error_message, input_tokens,
                      output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, ttfb_ms, attempts,
                      coalesce((select array_agg(k::uuid) from jsonb_array_elements_text(tried) k), '{}')
               from input
               on conflict do nothing
               returning created_at, user_id, upstream_key_id, requested_model, target_model, success,
                         input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, latency_ms,
                         upstream_keys_tried
           ),
           contributions as (
               select created_at, user_id, upstream_key_id, requested_model, target_model,
                      1 as requests, (not success)::int4 as errors, 0 as failovers, input_tokens,
                      output_tokens, cache_read_tokens, cache_write_tokens, latency_ms
               from logged
               union all
               select l.created_at, l.user_id, f.key_id, l.requested_model, l.target_model,
                      0, 0, 1, 0, 0, 0, 0, null
               from logged l
               cross join lateral
                   unnest(l.upstream_keys_tried[1:cardinality(l.upstream_keys_tried) - 1]) as f(key_id)
           ),
           rolled_up as (
               insert into gateway_log_rollups as r
                   (user_id, hour, upstream_key_id, requested_model, target_model, requests, errors,
                    failovers, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                    latency_ms_sum, latency_buckets)
               select user_id, date_trunc('hour', created_at, 'UTC'), upstream_key_id, requested_model,
                      target_model, sum(requests), sum(errors), sum(failovers), sum(input_tokens),
                      sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens),
                      coalesce(sum(latency_ms), 0), gateway_latency_histogram(latency_ms)
               from contributions
               group by 1, 2, 3, 4, 5
               order by 1, 2, 3, 4, 5
               on conflict (user_id, hour, upstream_key_id, requested_model, target_model) do update set
                   requests = r.requests + excluded.requests,
                   errors = r.errors + excluded.errors,
                   failovers = r.failovers + excluded.failovers,
                   input_tokens = r.input_tokens + excluded.input_tokens,
                   output_tokens = r.output_tokens + excluded.output_tokens,
                   cache_read_tokens = r.cache_read_tokens + excluded.cache_read_tokens,
                   cache_write_tokens = r.cache_write_tokens + excluded.cache_write_tokens,
                   latency_ms_sum = r.latency_ms_sum + excluded.latency_ms_sum,
                   latency_buckets = gateway_histogram_add(r.latency_buckets, excluded.latency_buckets)
               returning 1
           )
           select count(*) as "inserted!" from logged"#,
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
    .fetch_one(db)
    .await?;
    Ok(u64::try_from(inserted).unwrap_or(0))
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

/// Whether the database refused the rows themselves (bad data, a constraint, no partition
/// for their day) rather than being unreachable or busy: sending the same rows again
/// cannot succeed.
pub fn rows_rejected(err: &Error) -> bool {
    match err {
        Error::Sqlx(sqlx::Error::Database(db)) => db
            .code()
            .is_some_and(|code| code.starts_with("22") || code.starts_with("23")),
        _ => false,
    }
}

/// Whether an insert failed because no partition holds a row's day.
pub fn missing_partition(err: &Error) -> bool {
    match err {
        Error::Sqlx(sqlx::Error::Database(db)) => {
            db.code().as_deref() == Some("23514") && db.message().contains("no partition")
        }
        _ => false,
    }
}
