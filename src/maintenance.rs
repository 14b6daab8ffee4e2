//! Background upkeep: daily log partitions are created ahead of time, so an insert never
//! meets a day without one; sessions that ended more than a day ago are deleted.

use std::time::Duration;

use store::PgPool;

/// Partitions are kept this many days ahead of today.
const DAYS_AHEAD: i32 = 7;
const INTERVAL: Duration = Duration::from_secs(3600);

pub async fn run_once(pool: &PgPool) -> anyhow::Result<()> {
    let yesterday = time::OffsetDateTime::now_utc()
        .date()
        .previous_day()
        .unwrap_or(time::Date::MIN);
    let created = store::gateway_logs::create_partitions(pool, yesterday, DAYS_AHEAD + 2).await?;
    if created > 0 {
        tracing::info!(created, "created gateway log partitions");
    }
    let deleted = store::sessions::delete_stale(pool).await?;
    if deleted > 0 {
        tracing::info!(deleted, "deleted ended sessions");
    }
    Ok(())
}

pub async fn run_periodically(pool: PgPool) {
    let mut ticker = tokio::time::interval(INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    ticker.tick().await; // the first tick is immediate; start-up already ran it
    loop {
        ticker.tick().await;
        if let Err(err) = run_once(&pool).await {
            tracing::error!("creating gateway log partitions failed: {err:#}");
        }
    }
}
