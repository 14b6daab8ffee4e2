//! Retention: raw logs go by whole daily partitions, rollups by hour. Several Nexus
//! processes may run the job at once; an advisory lock lets exactly one of them work.

use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};

use crate::PgPool;
use crate::error::Result;
use crate::gateway_logs;

/// Key of the session advisory lock held while pruning ("nexus-rt" in ASCII). Another tool
/// holding it pauses pruning.
pub const RETENTION_LOCK: i64 = 0x6e65_7875_732d_7274;
/// Dropping a partition waits for the queries reading the table; rather than make every
/// insert queue behind it for long, give up and try again at the next run.
const LOCK_TIMEOUT: &str = "5s";

/// How long each kind of data is kept, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub log_days: u32,
    pub stats_days: u32,
}

/// What a prune removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    /// Log partitions of days before this instant (a UTC midnight) were dropped.
    #[serde(with = "time::serde::rfc3339")]
    pub logs_before: OffsetDateTime,
    /// Rollups of hours before this instant were deleted.
    #[serde(with = "time::serde::rfc3339")]
    pub stats_before: OffsetDateTime,
    /// Names of the dropped partitions, oldest first.
    pub dropped_partitions: Vec<String>,
    pub rollups_deleted: u64,
}

impl Retention {
    /// The first UTC day whose logs are kept, `today` counting as the newest day.
    pub fn logs_before(&self, today: Date) -> Date {
        today - Duration::days(i64::from(self.log_days))
    }

    /// The first instant whose rollups are kept (a UTC midnight).
    pub fn stats_before(&self, today: Date) -> OffsetDateTime {
        (today - Duration::days(i64::from(self.stats_days)))
            .midnight()
            .assume_utc()
    }
}

/// Drops the log partitions and deletes the rollups older than `retention`, counted back
/// from `today` (UTC). Returns `None` without doing anything when another process holds
/// the retention lock (it is doing the same work).
pub async fn prune(
    pool: &PgPool,
    retention: Retention,
    today: Date,
) -> Result<Option<PruneReport>> {
    let mut conn = pool.acquire().await?;
    // A session lock lives as long as its connection: never hand this one back to the
    // pool, so that a failed unlock cannot leave the lock held by an idle connection.
    conn.close_on_drop();
    let locked = sqlx::query_scalar!(
        r#"select pg_try_advisory_lock($1) as "locked!""#,
        RETENTION_LOCK
    )
    .fetch_one(&mut *conn)
    .await?;
    if !locked {
        return Ok(None);
    }
    let logs_before = retention.logs_before(today);
    let stats_before = retention.stats_before(today);

    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query!(
        r#"select set_config('lock_timeout', $1, true) as "setting!""#,
        LOCK_TIMEOUT
    )
    .fetch_one(&mut *tx)
    .await?;
    let dropped_partitions = gateway_logs::drop_partitions_before(&mut *tx, logs_before).await?;
    tx.commit().await?;

    let rollups_deleted = sqlx::query!(
        "delete from gateway_log_rollups where hour < $1",
        stats_before
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();

    sqlx::query_scalar!(
        r#"select pg_advisory_unlock($1) as "unlocked!""#,
        RETENTION_LOCK
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(PruneReport {
        logs_before: logs_before.midnight().assume_utc(),
        stats_before,
        dropped_partitions,
        rollups_deleted,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn cutoffs_count_back_whole_utc_days() {
        let retention = Retention {
            log_days: 30,
            stats_days: 400,
        };
        let today = date!(2026 - 11 - 22);
        assert_eq!(retention.logs_before(today), date!(2026 - 10 - 23));
        assert_eq!(
            retention.stats_before(today),
            datetime!(2025-10-18 00:00 UTC)
        );
    }
}
