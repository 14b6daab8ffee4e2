//! Throttling of failed password sign-ins, per account and per address, in memory (each
//! Nexus process keeps its own count; that still caps guessing at a few tries a minute).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed within [`WINDOW`] before a lockout.
const MAX_FAILURES: u32 = 5;
const WINDOW: Duration = Duration::from_secs(15 * 60);
const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Past this many tracked names and addresses, stale entries are swept.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Default)]
pub struct Throttle {
    entries: Mutex<HashMap<Subject, Entry>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Subject {
    Account(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    since: Instant,
    locked_until: Option<Instant>,
}

impl Throttle {
    /// `Err(wait)` while the account or the address is locked out.
    pub fn check(&self, login: &str, addr: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let entries = self.lock();
        subjects(login, addr)
            .filter_map(|subject| entries.get(&subject)?.locked_until)
            .filter(|until| *until > now)
            .max()
            .map_or(Ok(()), |until| Err(until - now))
    }

    /// Counts a failed attempt against the account and the address.
    pub fn failed(&self, login: &str, addr: Option<IpAddr>) {
        let now = Instant::now();
        let mut entries = self.lock();
        if entries.len() > SWEEP_ABOVE {
            entries.retain(|_, e| {
                now - e.since < WINDOW || e.locked_until.is_some_and(|until| until > now)
            });
        }
        for subject in subjects(login, addr) {
            let entry = entries.entry(subject).or_insert(Entry {
                failures: 0,
                since: now,
                locked_until: None,
            });
            let lock_over = entry.locked_until.is_some_and(|until| until <= now);
            if lock_over || now - entry.since >= WINDOW {
                *entry = Entry {
                    failures: 0,
                    since: now,
                    locked_until: None,
                };
            }
            entry.failures += 1;
            if entry.failures >= MAX_FAILURES {
                entry.locked_until = Some(now + LOCKOUT);
            }
        }
    }

    /// A successful sign-in clears the account's count (not the address's).
    pub fn succeeded(&self, login: &str) {
        self.lock()
            .remove(&Subject::Account(login.to_ascii_lowercase()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Subject, Entry>> {
        // A panic while holding the lock leaves counts that are still usable.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn subjects(login: &str, addr: Option<IpAddr>) -> impl Iterator<Item = Subject> {
    let account = Subject::Account(login.to_ascii_lowercase());
    std::iter::once(account).chain(addr.map(Subject::Address))
}

/// "15 minutes", "1 minute": how long to wait, rounded up.
pub fn describe_wait(wait: Duration) -> String {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    if minutes == 1 {
        "1 minute".to_owned()
    } else {
        format!("{minutes} minutes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, last]))
    }

    #[test]
    fn five_failures_lock_the_account_from_any_address() {
        let throttle = Throttle::default();
        for n in 0..MAX_FAILURES {
            assert!(
                throttle
                    .check("Alice", ip(u8::try_from(n).expect("small")))
                    .is_ok()
            );
            throttle.failed("Alice", ip(u8::try_from(n).expect("small")));
        }
        let wait = throttle.check("alice", ip(99)).expect_err("locked");
        assert!(wait > Duration::from_secs(14 * 60));
        assert!(throttle.check("bob", ip(99)).is_ok(), "others unaffected");
    }

    #[test]
    fn five_failures_lock_the_address_for_every_account() {
        let throttle = Throttle::default();
        for n in 0..MAX_FAILURES {
            throttle.failed(&format!("user{n}"), ip(1));
        }
        assert!(throttle.check("someone-else", ip(1)).is_err());
        assert!(throttle.check("someone-else", ip(2)).is_ok());
    }

    #[test]
    fn success_clears_the_account_count() {
        let throttle = Throttle::default();
        for _ in 0..MAX_FAILURES - 1 {
            throttle.failed("carol", None);
        }
        throttle.succeeded("carol");
        throttle.failed("carol", None);
        assert!(throttle.check("carol", None).is_ok());
    }

    #[test]
    fn waits_read_in_whole_minutes() {
        assert_eq!(describe_wait(Duration::from_secs(5)), "1 minute");
        assert_eq!(
            describe_wait(Duration::from_secs(14 * 60 + 1)),
            "15 minutes"
        );
    }
}
