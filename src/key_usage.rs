//! When each `ak-` key was last used: noted in memory on every request, written to the
//! database in one statement every few seconds, so the hot path never waits on a write.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use store::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

const FLUSH_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
pub struct KeyUsage {
    pending: Mutex<HashMap<Uuid, OffsetDateTime>>,
}

impl KeyUsage {
    pub fn record(&self, key_id: Uuid) {
        self.lock().insert(key_id, OffsetDateTime::now_utc());
    }

    /// Writes what was noted since the last flush. On failure the times are kept for the
    /// next attempt (a newer use of the same key wins).
    pub async fn flush(&self, pool: &PgPool) {
        let batch = std::mem::take(&mut *self.lock());
        if batch.is_empty() {
            return;
        }
        let (ids, times): (Vec<Uuid>, Vec<OffsetDateTime>) = batch.iter().unzip();
        if let Err(err) = store::api_keys::record_last_used(pool, &ids, &times).await {
            tracing::warn!("recording when keys were last used failed: {err}");
            let mut pending = self.lock();
            for (id, at) in batch {
                pending.entry(id).or_insert(at);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, OffsetDateTime>> {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

pub async fn flush_periodically(usage: Arc<KeyUsage>, pool: PgPool) {
    let mut ticker = tokio::time::interval(FLUSH_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticker.tick().await;
        usage.flush(&pool).await;
    }
}
