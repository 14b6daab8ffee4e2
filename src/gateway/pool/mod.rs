//! Upstream key pools: which key serves a request (strategy, priority, weight, health),
//! what a failure means (classify), and per-key counters merged into the database in
//! batches, once a second, never on the request path.

pub mod classify;
pub mod health;
pub mod selector;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use store::PgPool;
use store::upstream_keys::{KeyActivity, UpstreamKey};
use time::OffsetDateTime;
use uuid::Uuid;

use self::classify::Verdict;
use self::health::{Health, HealthPolicy, activity, merge_activity};
use self::selector::{Candidate, Pick, SelectorState, Strategy};
use crate::config::Config;

/// How often counters and health reach the database.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

pub struct Pools {
    policy: HealthPolicy,
    pub max_attempts: u32,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    selectors: HashMap<Uuid, SelectorState>,
    health: HashMap<Uuid, Health>,
    pending: HashMap<Uuid, KeyActivity>,
}

impl Pools {
    pub fn new(config: &Config) -> Self {
        Self {
            policy: HealthPolicy {
                threshold: config.failure_threshold,
                base: Duration::from_secs(config.cooldown_secs),
                max: Duration::from_secs(config.cooldown_max_secs.max(config.cooldown_secs)),
            },
            max_attempts: config.max_attempts,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain counters behind: still usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The key for the next attempt among `keys` (enabled, in routing order) not yet
    /// `tried`; `None` when every key was tried. When every untried key is cooling down,
    /// their health is reset and they are all tried again.
    pub fn choose<'a>(
        &self,
        user_id: Uuid,
        strategy: Strategy,
        keys: &'a [UpstreamKey],
        tried: &HashSet<Uuid>,
        now: OffsetDateTime,
    ) -> Option<&'a UpstreamKey> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let candidates: Vec<Candidate> = keys
            .iter()
            .map(|key| {
                let health = inner.health.entry(key.id).or_insert_with(|| {
                    let mut seeded = Health::default();
                    seeded.merge_stored(key);
                    seeded
                });
                // Other processes' cooldowns arrive through the stored row.
                health.cooldown_until = health.cooldown_until.max(key.cooldown_until);
                Candidate {
                    id: key.id,
                    priority: key.priority,
                    weight: key.weight,
                    healthy: health.healthy(now),
                }
            })
            .collect();
        let seed = user_id.as_u64_pair().0 ^ now.unix_timestamp_nanos() as u64;
        let state = inner
            .selectors
            .entry(user_id)
            .or_insert_with(|| SelectorState::new(seed));
        let mut pick = selector::pick(strategy, state, &candidates, tried, false);
        if pick == Pick::AllCoolingDown {
            tracing::warn!(%user_id, "every upstream key is cooling down; resetting their health");
            for candidate in candidates.iter().filter(|c| !tried.contains(&c.id)) {
                inner.health.insert(candidate.id, Health::default());
                let reset = KeyActivity {
                    reset_failures: true,
                    cooldown_trips: Some(0),
                    ..activity(candidate.id)
                };
                merge_activity(
                    inner
                        .pending
                        .entry(candidate.id)
                        .or_insert_with(|| activity(candidate.id)),
                    reset,
                );
            }
            let state = inner
                .selectors
                .entry(user_id)
                .or_insert_with(|| SelectorState::new(seed));
            pick = selector::pick(strategy, state, &candidates, tried, true);
        }
        match pick {
            Pick::Key(id) => keys.iter().find(|k| k.id == id),
            Pick::AllCoolingDown | Pick::Exhausted => None,
        }
    }

    /// The key answered well.
    pub fn succeeded(&self, key_id: Uuid, now: OffsetDateTime) {
        let mut inner = self.lock();
        inner.health.entry(key_id).or_default().succeeded();
        let done = KeyActivity {
            requests: 1,
            successes: 1,
            reset_failures: true,
            last_used_at: Some(now),
            cooldown_trips: Some(0),
            ..activity(key_id)
        };
        merge_activity(
            inner
                .pending
                .entry(key_id)
                .or_insert_with(|| activity(key_id)),
            done,
        );
    }

    /// The key failed as `verdict` says; `message` is what the log shows.
    pub fn failed(&self, key_id: Uuid, verdict: &Verdict, message: &str, now: OffsetDateTime) {
        let mut inner = self.lock();
        let mut done = KeyActivity {
            requests: 1,
            last_used_at: Some(now),
            ..activity(key_id)
        };
        if verdict.key_failure {
            let health = inner.health.entry(key_id).or_default();
            let cooldown = health.failed(verdict, &self.policy, now);
            if let Some(until) = cooldown {
                tracing::warn!(%key_id, %until, "upstream key cooling down");
            }
            done.failures = 1;
            done.last_failure_at = Some(now);
            done.last_error = Some(message.chars().take(500).collect());
            done.cooldown_until = cooldown;
            done.cooldown_trips = Some(i32::try_from(health.trips).unwrap_or(i32::MAX));
        }
        merge_activity(
            inner
                .pending
                .entry(key_id)
                .or_insert_with(|| activity(key_id)),
            done,
        );
    }

    fn take_activity(&self) -> Vec<KeyActivity> {
        self.lock().pending.drain().map(|(_, a)| a).collect()
    }

    /// Puts back activity that could not be written, before anything newer.
    fn restore_activity(&self, older: Vec<KeyActivity>) {
        let mut inner = self.lock();
        for mut old in older {
            if let Some(newer) = inner.pending.remove(&old.key_id) {
                merge_activity(&mut old, newer);
            }
            inner.pending.insert(old.key_id, old);
        }
    }

    /// Writes pending counters and health to the database.
    pub async fn flush(&self, pool: &PgPool) {
        let batch = self.take_activity();
        if batch.is_empty() {
            return;
        }
        if let Err(err) = store::upstream_keys::record_activity(pool, &batch).await {
            tracing::warn!("writing upstream key counters failed, will retry: {err}");
            self.restore_activity(batch);
        }
    }
}

/// Flushes every second until the process ends (the server flushes once more at shutdown).
pub async fn flush_periodically(pools: Arc<Pools>, pool: PgPool) {
    let mut ticker = tokio::time::interval(FLUSH_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticker.tick().await;
        pools.flush(&pool).await;
    }
}
