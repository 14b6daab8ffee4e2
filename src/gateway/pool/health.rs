//! Key health in this process: consecutive failures, cooldowns that double on repeated
//! trips, and the activity waiting to be flushed into the key's counters.

use std::time::Duration;

use store::upstream_keys::{KeyActivity, UpstreamKey};
use time::OffsetDateTime;
use uuid::Uuid;

use super::classify::Verdict;

/// When a key is put aside, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct HealthPolicy {
    /// Consecutive failures that trip a cooldown.
    pub threshold: u32,
    /// The first cooldown; each further trip in a row doubles it.
    pub base: Duration,
    /// The longest cooldown.
    pub max: Duration,
}

impl HealthPolicy {
    /// Cooldown for the trip after `trips` earlier ones in a row.
    pub fn cooldown(&self, trips: u32) -> Duration {
        let factor = 2u32.saturating_pow(trips.min(20));
        self.base.saturating_mul(factor).min(self.max)
    }
}

/// What this process knows of one key beyond what the database said.
#[derive(Debug, Clone, Default)]
pub struct Health {
    pub consecutive: u32,
    pub trips: u32,
    pub cooldown_until: Option<OffsetDateTime>,
}

impl Health {
    /// Seeds the local view from the stored row, keeping whichever is worse.
    pub fn merge_stored(&mut self, key: &UpstreamKey) {
        self.consecutive = self
            .consecutive
            .max(u32::try_from(key.consecutive_failures).unwrap_or(0));
        self.trips = self
            .trips
            .max(u32::try_from(key.cooldown_trips).unwrap_or(0));
        self.cooldown_until = self.cooldown_until.max(key.cooldown_until);
    }

    pub fn healthy(&self, now: OffsetDateTime) -> bool {
        self.cooldown_until.is_none_or(|until| until <= now)
    }

    pub fn succeeded(&mut self) {
        *self = Health::default();
    }

    /// Records a failure; returns the cooldown it started, if any.
    pub fn failed(
        &mut self,
        verdict: &Verdict,
        policy: &HealthPolicy,
        now: OffsetDateTime,
    ) -> Option<OffsetDateTime> {
        self.consecutive += 1;
        let tripped = self.consecutive >= policy.threshold;
        let cooldown = match verdict.cool_down {
            Some(retry_after) => Some(
                policy
                    .cooldown(self.trips)
                    .max(retry_after.unwrap_or_default()),
            ),
            None if tripped => Some(policy.cooldown(self.trips)),
            None => None,
        }?;
        self.trips += 1;
        let until = now + cooldown;
        self.cooldown_until = Some(self.cooldown_until.map_or(until, |old| old.max(until)));
        Some(until)
    }
}

/// Folds `later` into `earlier`: both describe the same key, `later` happened after.
pub fn merge_activity(earlier: &mut KeyActivity, later: KeyActivity) {
    earlier.requests += later.requests;
    earlier.successes += later.successes;
    if later.reset_failures {
        earlier.reset_failures = true;
        earlier.failures = later.failures;
    } else {
        earlier.failures += later.failures;
    }
    earlier.last_used_at = earlier.last_used_at.max(later.last_used_at);
    earlier.last_failure_at = earlier.last_failure_at.max(later.last_failure_at);
    if later.last_error.is_some() {
        earlier.last_error = later.last_error;
    }
    if later.reset_failures && later.failures == 0 {
        earlier.cooldown_until = None;
    }
    earlier.cooldown_until = earlier.cooldown_until.max(later.cooldown_until);
    if later.cooldown_trips.is_some() {
        earlier.cooldown_trips = later.cooldown_trips;
    }
}

/// An empty activity record for `key_id`.
pub fn activity(key_id: Uuid) -> KeyActivity {
    KeyActivity {
        key_id,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> HealthPolicy {
        HealthPolicy {
            threshold: 3,
            base: Duration::from_secs(60),
            max: Duration::from_secs(600),
        }
    }

    const PLAIN: Verdict = Verdict {
        retry: true,
        key_failure: true,
        cool_down: None,
    };

    #[test]
    fn threshold_trips_and_repeated_trips_double_up_to_the_cap() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut h = Health::default();
        assert_eq!(h.failed(&PLAIN, &policy(), now), None);
        assert_eq!(h.failed(&PLAIN, &policy(), now), None);
        assert_eq!(
            h.failed(&PLAIN, &policy(), now),
            Some(now + Duration::from_secs(60))
        );
        assert!(!h.healthy(now + Duration::from_secs(59)));
        // Cooldown over (a controllable clock: just a later `now`), it fails again at once.
        let later = now + Duration::from_secs(61);
        assert!(h.healthy(later));
        assert_eq!(
            h.failed(&PLAIN, &policy(), later),
            Some(later + Duration::from_secs(120))
        );
        let mut when = later;
        for expected in [240, 480, 600, 600] {
            when += Duration::from_secs(1000);
            assert_eq!(
                h.failed(&PLAIN, &policy(), when),
                Some(when + Duration::from_secs(expected))
            );
        }
        h.succeeded();
        assert!(h.healthy(when) && h.consecutive == 0 && h.trips == 0);
    }

    #[test]
    fn auth_and_quota_errors_cool_down_at_once_honouring_retry_after() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut h = Health::default();
        let quota = Verdict {
            cool_down: Some(Some(Duration::from_secs(300))),
            ..PLAIN
        };
        assert_eq!(
            h.failed(&quota, &policy(), now),
            Some(now + Duration::from_secs(300))
        );
        let mut h = Health::default();
        let auth = Verdict {
            cool_down: Some(None),
            ..PLAIN
        };
        assert_eq!(
            h.failed(&auth, &policy(), now),
            Some(now + Duration::from_secs(60))
        );
    }

    #[test]
    fn activity_merges_in_order() {
        let id = Uuid::from_u128(1);
        let mut a = KeyActivity {
            key_id: id,
            requests: 2,
            failures: 2,
            ..Default::default()
        };
        merge_activity(
            &mut a,
            KeyActivity {
                key_id: id,
                requests: 1,
                successes: 1,
                reset_failures: true,
                ..Default::default()
            },
        );
        assert_eq!(
            (a.requests, a.successes, a.failures, a.reset_failures),
            (3, 1, 0, true)
        );
        merge_activity(
            &mut a,
            KeyActivity {
                key_id: id,
                requests: 1,
                failures: 1,
                ..Default::default()
            },
        );
        assert_eq!((a.requests, a.failures, a.reset_failures), (4, 1, true));
    }
}
