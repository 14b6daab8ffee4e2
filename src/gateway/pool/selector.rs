//! Which key of a user's pool takes the next request: pure, deterministic given its
//! state, so shares and tiers are tested without a network.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use uuid::Uuid;

/// How a user's requests are spread over their keys (`nexus pool strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Highest priority first; within a priority, smooth weighted round-robin by weight.
    Priority,
    /// Every healthy key in turn, whatever its priority.
    RoundRobin,
    /// A random healthy key, in proportion to weight.
    Random,
    /// Always the first healthy key in priority order.
    Failover,
}

impl Strategy {
    pub const NAMES: [&'static str; 4] = ["priority", "round-robin", "random", "failover"];

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Priority => "priority",
            Strategy::RoundRobin => "round-robin",
            Strategy::Random => "random",
            Strategy::Failover => "failover",
        }
    }
}

impl FromStr for Strategy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "priority" => Ok(Strategy::Priority),
            "round-robin" => Ok(Strategy::RoundRobin),
            "random" => Ok(Strategy::Random),
            "failover" => Ok(Strategy::Failover),
            other => Err(format!(
                "unknown strategy {other:?}: expected priority, round-robin, random or failover"
            )),
        }
    }
}

/// A key as the selector sees it. Candidates come in routing order (priority descending,
/// then name), enabled keys only.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: Uuid,
    pub priority: i32,
    pub weight: i32,
    /// Not in cooldown.
    pub healthy: bool,
}

/// The outcome of a pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pick {
    Key(Uuid),
    /// Every key not yet tried is cooling down: reset their health and pick again.
    AllCoolingDown,
    /// Every key was tried (or there are none).
    Exhausted,
}

/// A user's selector memory in this process.
#[derive(Debug, Clone)]
pub struct SelectorState {
    /// Smooth weighted round-robin: each key's running score.
    current: HashMap<Uuid, i64>,
    /// Round-robin position.
    cursor: usize,
    /// xorshift64 state for the random strategy.
    rng: u64,
}

impl SelectorState {
    pub fn new(seed: u64) -> Self {
        Self {
            current: HashMap::new(),
            cursor: 0,
            rng: seed | 1,
        }
    }

    fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }
}

/// Picks a key among `candidates` not in `tried`. `ignore_health` treats every key as
/// healthy (after an all-cooling-down reset).
pub fn pick(
    strategy: Strategy,
    state: &mut SelectorState,
    candidates: &[Candidate],
    tried: &HashSet<Uuid>,
    ignore_health: bool,
) -> Pick {
    let open: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| !tried.contains(&c.id))
        .collect();
    if open.is_empty() {
        return Pick::Exhausted;
    }
    let healthy: Vec<&Candidate> = open
        .iter()
        .copied()
        .filter(|c| ignore_health || c.healthy)
        .collect();
    if healthy.is_empty() {
        return Pick::AllCoolingDown;
    }
    let chosen = match strategy {
        Strategy::Priority => {
            let top = healthy.iter().map(|c| c.priority).max().unwrap_or_default();
            let tier: Vec<&Candidate> = healthy
                .iter()
                .copied()
                .filter(|c| c.priority == top)
                .collect();
            smooth_weighted(state, &tier)
        }
        Strategy::Failover => healthy[0].id,
        Strategy::RoundRobin => {
            let chosen = healthy[state.cursor % healthy.len()].id;
            state.cursor = state.cursor.wrapping_add(1);
            chosen
        }
        Strategy::Random => {
            let total: u64 = healthy.iter().map(|c| weight(c) as u64).sum();
            let mut roll = state.next_random() % total;
            let mut chosen = healthy[0].id;
            for c in &healthy {
                let w = weight(c) as u64;
                if roll < w {
                    chosen = c.id;
                    break;
                }
                roll -= w;
            }
            chosen
        }
    };
    Pick::Key(chosen)
}

fn weight(c: &Candidate) -> i64 {
    i64::from(c.weight.max(1))
}

/// Nginx's smooth weighted round-robin: every key gains its weight, the highest score
/// wins and pays the total back. Shares follow the weights exactly over each cycle and
/// picks interleave; with equal weights it is strict rotation, i.e. least used first.
fn smooth_weighted(state: &mut SelectorState, tier: &[&Candidate]) -> Uuid {
    let total: i64 = tier.iter().map(|c| weight(c)).sum();
    let mut best: Option<(i64, Uuid)> = None;
    for c in tier {
        let score = state.current.entry(c.id).or_insert(0);
        *score += weight(c);
        if best.is_none_or(|(s, _)| *score > s) {
            best = Some((*score, c.id));
        }
    }
    let (_, chosen) = best.expect("a tier is never empty");
    *state.current.get_mut(&chosen).expect("scored above") -= total;
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u128, priority: i32, weight: i32) -> Candidate {
        Candidate {
            id: Uuid::from_u128(n),
            priority,
            weight,
            healthy: true,
        }
    }

    fn shares(strategy: Strategy, candidates: &[Candidate], picks: usize) -> HashMap<Uuid, usize> {
        let mut state = SelectorState::new(42);
        let mut counts = HashMap::new();
        for _ in 0..picks {
            let Pick::Key(id) = pick(strategy, &mut state, candidates, &HashSet::new(), false)
            else {
                panic!("no key")
            };
            *counts.entry(id).or_insert(0) += 1;
        }
        counts
    }

    #[test]
    fn weights_share_traffic_exactly_within_the_top_priority() {
        let keys = [key(1, 90, 1), key(2, 90, 3), key(3, 90, 6), key(4, 10, 100)];
        let counts = shares(Strategy::Priority, &keys, 1000);
        assert_eq!(counts.get(&Uuid::from_u128(1)), Some(&100));
        assert_eq!(counts.get(&Uuid::from_u128(2)), Some(&300));
        assert_eq!(counts.get(&Uuid::from_u128(3)), Some(&600));
        assert_eq!(
            counts.get(&Uuid::from_u128(4)),
            None,
            "a lower tier gets nothing while the top is healthy"
        );
    }

    #[test]
    fn equal_weights_rotate_least_used_first() {
        let keys = [key(1, 50, 5), key(2, 50, 5), key(3, 50, 5)];
        let mut state = SelectorState::new(1);
        let picks: Vec<Pick> = (0..6)
            .map(|_| {
                pick(
                    Strategy::Priority,
                    &mut state,
                    &keys,
                    &HashSet::new(),
                    false,
                )
            })
            .collect();
        let ids: HashSet<_> = picks[..3].iter().collect();
        assert_eq!(ids.len(), 3, "three picks use three keys");
        assert_eq!(picks[..3], picks[3..], "then the same rotation again");
    }

    #[test]
    fn cooling_keys_are_skipped_and_the_next_tier_serves() {
        let mut keys = [key(1, 90, 1), key(2, 50, 1)];
        keys[0].healthy = false;
        let counts = shares(Strategy::Priority, &keys, 10);
        assert_eq!(counts.get(&Uuid::from_u128(2)), Some(&10));
    }

    #[test]
    fn all_cooling_down_asks_for_a_reset_and_tried_keys_are_excluded() {
        let mut keys = [key(1, 90, 1), key(2, 50, 1)];
        keys[0].healthy = false;
        keys[1].healthy = false;
        let mut state = SelectorState::new(1);
        assert_eq!(
            pick(
                Strategy::Priority,
                &mut state,
                &keys,
                &HashSet::new(),
                false
            ),
            Pick::AllCoolingDown
        );
        assert_eq!(
            pick(Strategy::Priority, &mut state, &keys, &HashSet::new(), true),
            Pick::Key(Uuid::from_u128(1))
        );
        let tried: HashSet<Uuid> = [Uuid::from_u128(1)].into();
        assert_eq!(
            pick(Strategy::Priority, &mut state, &keys, &tried, true),
            Pick::Key(Uuid::from_u128(2))
        );
        let tried: HashSet<Uuid> = [Uuid::from_u128(1), Uuid::from_u128(2)].into();
        assert_eq!(
            pick(Strategy::Priority, &mut state, &keys, &tried, true),
            Pick::Exhausted
        );
        assert_eq!(
            pick(Strategy::Priority, &mut state, &[], &HashSet::new(), false),
            Pick::Exhausted
        );
    }

    #[test]
    fn failover_always_takes_the_first_healthy_key() {
        let mut keys = [key(1, 90, 1), key(2, 90, 100), key(3, 10, 1)];
        assert_eq!(
            shares(Strategy::Failover, &keys, 20).get(&Uuid::from_u128(1)),
            Some(&20)
        );
        keys[0].healthy = false;
        assert_eq!(
            shares(Strategy::Failover, &keys, 20).get(&Uuid::from_u128(2)),
            Some(&20)
        );
    }

    #[test]
    fn round_robin_ignores_priority() {
        let keys = [key(1, 90, 1), key(2, 10, 1), key(3, 0, 9)];
        let counts = shares(Strategy::RoundRobin, &keys, 300);
        assert!(counts.values().all(|n| *n == 100), "{counts:?}");
    }

    #[test]
    fn random_follows_weights_within_tolerance() {
        let keys = [key(1, 90, 1), key(2, 10, 3)];
        let counts = shares(Strategy::Random, &keys, 40_000);
        let share = counts[&Uuid::from_u128(2)] as f64 / 40_000.0;
        assert!((share - 0.75).abs() < 0.01, "{share}");
    }

    #[test]
    fn strategies_parse_and_print() {
        for name in Strategy::NAMES {
            assert_eq!(name.parse::<Strategy>().expect("known").as_str(), name);
        }
        assert!("fastest".parse::<Strategy>().is_err());
    }
}
