//! Retention: whole daily partitions of logs, hours of rollups, one process at a time.

use sqlx::PgPool;
use store::gateway_logs::{self, create_partitions, partitions};
use store::retention::{self, RETENTION_LOCK, Retention};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::log_fixtures::entry;

fn name(day: Date) -> String {
    format!(
        "gateway_logs_{:04}{:02}{:02}",
        day.year(),
        day.month() as u8,
        day.day()
    )
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .expect("count")
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn retention_drops_exactly_the_partitions_past_the_limit(pool: PgPool) {
    let today = OffsetDateTime::now_utc().date();
    let first = today - Duration::days(40);
    create_partitions(&pool, first, 41)
        .await
        .expect("partitions");
    // One request at noon of each of the 41 days, and so one rollup row per day.
    let user = Uuid::now_v7();
    let rows: Vec<_> = (0..=40)
        .map(|d| {
            let day = first + Duration::days(d);
            entry(user, day.with_time(time::macros::time!(12:00)).assume_utc())
        })
        .collect();
    gateway_logs::insert_batch(&pool, &rows)
        .await
        .expect("insert");
    let before = partitions(&pool).await.expect("partitions");

    let policy = Retention {
        log_days: 30,
        stats_days: 35,
    };
    let report = retention::prune(&pool, policy, today)
        .await
        .expect("prune")
        .expect("nobody else prunes");
    let expected: Vec<String> = (0..10).map(|d| name(first + Duration::days(d))).collect();
    assert_eq!(report.dropped_partitions, expected);
    assert_eq!(report.rollups_deleted, 5, "days 40 to 36 back");
    assert_eq!(
        report.logs_before,
        (today - Duration::days(30)).midnight().assume_utc()
    );

    let after = partitions(&pool).await.expect("partitions");
    let mut kept = before.clone();
    kept.retain(|p| !expected.contains(p));
    assert_eq!(after, kept, "nothing else is dropped");
    assert!(after.contains(&name(today - Duration::days(30))));
    assert!(after.contains(&name(today)));
    assert_eq!(count(&pool, "select count(*) from gateway_logs").await, 31);
    assert_eq!(
        count(&pool, "select count(*) from gateway_log_rollups").await,
        36
    );
    let oldest: OffsetDateTime = sqlx::query_scalar("select min(hour) from gateway_log_rollups")
        .fetch_one(&pool)
        .await
        .expect("oldest");
    assert_eq!(
        oldest,
        (today - Duration::days(35))
            .with_time(time::macros::time!(12:00))
            .assume_utc()
    );

    // Nothing more to do the second time.
    let again = retention::prune(&pool, policy, today)
        .await
        .expect("prune")
        .expect("lock");
    assert!(again.dropped_partitions.is_empty());
    assert_eq!(again.rollups_deleted, 0);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn pruning_leaves_the_work_to_the_process_holding_the_lock(pool: PgPool) {
    let today = OffsetDateTime::now_utc().date();
    create_partitions(&pool, today - Duration::days(45), 3)
        .await
        .expect("partitions");
    let policy = Retention {
        log_days: 30,
        stats_days: 400,
    };
    // Another process is pruning: this one does nothing.
    let mut other = pool.acquire().await.expect("connection");
    sqlx::query("select pg_advisory_lock($1)")
        .bind(RETENTION_LOCK)
        .execute(&mut *other)
        .await
        .expect("lock");
    let skipped = retention::prune(&pool, policy, today).await.expect("prune");
    assert!(skipped.is_none());
    assert!(
        partitions(&pool)
            .await
            .expect("partitions")
            .contains(&name(today - Duration::days(45)))
    );

    sqlx::query("select pg_advisory_unlock($1)")
        .bind(RETENTION_LOCK)
        .execute(&mut *other)
        .await
        .expect("unlock");
    let report = retention::prune(&pool, policy, today)
        .await
        .expect("prune")
        .expect("the lock is free");
    assert_eq!(report.dropped_partitions.len(), 3);
    // The lock went with the pruning connection: it is free again.
    let free: bool = sqlx::query_scalar("select pg_try_advisory_lock($1)")
        .bind(RETENTION_LOCK)
        .fetch_one(&mut *other)
        .await
        .expect("try lock");
    assert!(free);
}
