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
