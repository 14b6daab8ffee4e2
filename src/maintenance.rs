//! Background upkeep, hourly: daily log partitions are created ahead of time, so an insert
//! never meets a day without one; log partitions and rollups past their retention are
//! removed, and sessions that ended more than a day ago are deleted. Every Nexus process
//! runs it; the database makes sure the work is done once (partition creation is
//! serialised, pruning takes an advisory lock).

use std::time::Duration;

use store::PgPool;
use store::retention::{PruneReport, Retention};

use crate::config::Config;

/// Partitions are kept this many days ahead of today.
const DAYS_AHEAD: i32 = 7;
const INTERVAL: Duration = Duration::from_secs(3600);

/// The retention the configuration asks for.
pub fn retention(config: &Config) -> Retention {
    Retention {
        log_days: config.log_retention_days,
        stats_days: config.stats_retention_days,
    }
}

/// Creates the partitions of yesterday to a week ahead that are missing.
pub async fn run_once(pool: &PgPool) -> anyhow::Result<()> {
    let yesterday = today().previous_day().unwrap_or(time::Date::MIN);
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

/// Drops what is past `retention` and logs it. `None`: another process is pruning.
pub async fn prune(pool: &PgPool, retention: Retention) -> anyhow::Result<Option<PruneReport>> {
    let report = store::retention::prune(pool, retention, today()).await?;
    match &report {
        Some(report) => {
            if !report.dropped_partitions.is_empty() || report.rollups_deleted > 0 {
                tracing::info!(
                    partitions = ?report.dropped_partitions,
                    rollups = report.rollups_deleted,
                    "removed gateway logs past their retention"
                );
            }
        }
        None => tracing::debug!("another Nexus process is pruning gateway logs"),
    }
    Ok(report)
}

pub async fn run_periodically(pool: PgPool, retention: Retention) {
    let mut ticker = tokio::time::interval(INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticker.tick().await;
        if let Err(err) = run_once(&pool).await {
            tracing::error!("gateway upkeep (partitions, sessions) failed: {err:#}");
        }
        if let Err(err) = prune(&pool, retention).await {
            tracing::error!("pruning gateway logs failed: {err:#}");
        }
    }
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}
