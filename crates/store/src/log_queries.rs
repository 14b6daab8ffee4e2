//! Reading a user's gateway logs: filtered, newest first, in pages.
//!
//! Pages are keyset-paginated on `(created_at, id)`: a page starts strictly after the last
//! row of the previous one, so rows written meanwhile never shift, repeat or hide the rows
//! of later pages (an offset would).

use serde::Serialize;
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::gateway_logs::LogEntry;

/// Largest page.
pub const MAX_PAGE: i64 = 1000;

/// Which rows to list. Every field narrows the listing; `Default` lists everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Rows at or after this instant.
    pub since: Option<OffsetDateTime>,
    /// Rows before this instant.
    pub until: Option<OffsetDateTime>,
    /// Only successes (`Some(true)`) or only failures (`Some(false)`).
    pub success: Option<bool>,
    pub requested_model: Option<String>,
    pub upstream_key_id: Option<Uuid>,
    pub stream: Option<bool>,
}

/// The position after which the next page starts: the last row of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: OffsetDateTime,
    pub id: Uuid,
}

impl Cursor {
    /// An opaque text form for URLs and scripts: `<unix microseconds>_<id>`. Stored times
    /// have microsecond precision, so the round trip is exact.
    pub fn encode(&self) -> String {
        let micros = self.created_at.unix_timestamp_nanos() / 1000;
        format!("{micros}_{}", self.id.simple())
    }

    pub fn decode(text: &str) -> Result<Self> {
        let invalid = || Error::Invalid(format!("invalid page cursor {text:?}"));
        let (micros, id) = text.split_once('_').ok_or_else(invalid)?;
        let micros: i128 = micros.parse().map_err(|_| invalid())?;
        let created_at =
            OffsetDateTime::from_unix_timestamp_nanos(micros * 1000).map_err(|_| invalid())?;
        let id = Uuid::try_parse(id).map_err(|_| invalid())?;
        Ok(Self { created_at, id })
    }
}

/// One listed row: the entry and the current name of the key that answered it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct LogRow {
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub entry: LogEntry,
    /// Null when the request reached no key, or the key was deleted since.
    pub upstream_key_name: Option<String>,
}

/// A page of rows, newest first, and where the next one starts (none: this is the last).
#[derive(Debug, Clone, PartialEq)]
pub struct LogPage {
    pub rows: Vec<LogRow>,
    pub next: Option<Cursor>,
}

/// Lists `user_id`'s rows matching `filter`, newest first: at most `limit` (1 to
/// [`MAX_PAGE`]) of them, after `after` when given.
pub async fn list(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    filter: &LogFilter,
    after: Option<Cursor>,
    limit: i64,
) -> Result<LogPage> {
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::Invalid(format!(
            "the page size must be between 1 and {MAX_PAGE}"
        )));
    }
    // One row more than asked tells whether another page follows.
    let mut query = list_query(user_id, filter, after, limit + 1);
    let mut rows: Vec<LogRow> = query.build_query_as().fetch_all(db).await?;
    let next = if rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        rows.pop();
        rows.last().map(|row| Cursor {
            created_at: row.entry.created_at,
            id: row.entry.id,
        })
    } else {
        None
    };
    Ok(LogPage { rows, next })
}

/// The plan PostgreSQL chooses for [`list`] with these arguments (`EXPLAIN` text, one line
/// per row): to check that listings stay on their indexes.
pub async fn explain_list(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    filter: &LogFilter,
    after: Option<Cursor>,
    limit: i64,
) -> Result<String> {
    let mut query = QueryBuilder::new("explain ");
    push_list(&mut query, user_id, filter, after, limit);
    let lines: Vec<String> = query.build_query_scalar().fetch_all(db).await?;
    Ok(lines.join("\n"))
}

fn list_query(
    user_id: Uuid,
    filter: &LogFilter,
    after: Option<Cursor>,
    limit: i64,
) -> QueryBuilder<Postgres> {
    let mut query = QueryBuilder::new("");
    push_list(&mut query, user_id, filter, after, limit);
    query
}

/// `user_id`'s entry `id`, if it exists and is theirs.
///
/// Log ids are UUIDv7, minted when the request arrived: their timestamp bounds
/// `created_at`, so the lookup prunes to the partitions of a couple of days and uses the
/// user's time index instead of visiting every partition.
pub async fn get(db: impl PgExecutor<'_>, user_id: Uuid, id: Uuid) -> Result<Option<LogRow>> {
    let mut query = QueryBuilder::new("");
    push_select(&mut query, user_id);
    query.push(" and l.id = ").push_bind(id);
    if let Some(minted) = minted_at(id) {
        query
            .push(" and l.created_at >= ")
            .push_bind(minted - time::Duration::DAY)
            .push(" and l.created_at < ")
            .push_bind(minted + time::Duration::DAY);
    }
    Ok(query.build_query_as().fetch_optional(db).await?)
}

/// When a UUIDv7 was made; none for other versions.
fn minted_at(id: Uuid) -> Option<OffsetDateTime> {
    let (seconds, nanos) = id.get_timestamp()?.to_unix();
    let seconds = i64::try_from(seconds).ok()?;
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .map(|at| at + time::Duration::nanoseconds(i64::from(nanos)))
}

fn push_list(
    query: &mut QueryBuilder<Postgres>,
    user_id: Uuid,
    filter: &LogFilter,
    after: Option<Cursor>,
    limit: i64,
) {
    push_select(query, user_id);
    push_filter(query, filter);
    if let Some(cursor) = after {
        // The plain bound on created_at is what the index range uses; the row comparison
        // then orders rows of the same instant by id.
        query
            .push(" and l.created_at <= ")
            .push_bind(cursor.created_at)
            .push(" and (l.created_at, l.id) < (")
            .push_bind(cursor.created_at)
            .push(", ")
            .push_bind(cursor.id)
            .push(")");
    }
    query
        .push(" order by l.created_at desc, l.id desc limit ")
        .push_bind(limit);
}

/// Every column of a listed row, for `user_id`'s rows; conditions follow with `and`.
fn push_select(query: &mut QueryBuilder<Postgres>, user_id: Uuid) {
    query.push(
        "select l.id, l.created_at, l.user_id, l.api_key_id, l.upstream_key_id, l.requested_model, \
         l.target_model, l.provider, l.stream, l.status_code, l.success, l.error_type, \
         l.error_message, l.input_tokens, l.output_tokens, l.cache_read_tokens, \
         l.cache_write_tokens, l.latency_ms, l.ttfb_ms, l.attempts, l.upstream_keys_tried, \
         k.name as upstream_key_name \
         from gateway_logs l left join upstream_keys k on k.id = l.upstream_key_id \
         where l.user_id = ",
    );
    query.push_bind(user_id);
}

fn push_filter(query: &mut QueryBuilder<Postgres>, filter: &LogFilter) {
    if let Some(since) = filter.since {
        query.push(" and l.created_at >= ").push_bind(since);
    }
    if let Some(until) = filter.until {
        query.push(" and l.created_at < ").push_bind(until);
    }
    match filter.success {
        // Written as the partial index's predicate, so that the planner can use it.
        Some(false) => query.push(" and not l.success"),
        Some(true) => query.push(" and l.success"),
        None => query,
    };
    if let Some(model) = &filter.requested_model {
        query
            .push(" and l.requested_model = ")
            .push_bind(model.clone());
    }
    if let Some(key) = filter.upstream_key_id {
        query.push(" and l.upstream_key_id = ").push_bind(key);
    }
    if let Some(stream) = filter.stream {
        query.push(" and l.stream = ").push_bind(stream);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor {
            created_at: OffsetDateTime::from_unix_timestamp_nanos(1_763_800_000_123_456_000)
                .expect("time"),
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()).expect("decodes"), cursor);
        for bad in [
            "",
            "12",
            "x_y",
            "12_not-a-uuid",
            "99999999999999999999999_0",
        ] {
            let err = Cursor::decode(bad).expect_err(bad);
            assert!(err.to_string().contains("invalid page cursor"), "{err}");
        }
    }
}
