//! Generated gateway log rows for the log tests: varied, but the same on every run.

use store::gateway_logs::LogEntry;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub const MODELS: [(&str, &str); 3] = [
    ("claude-sonnet-4-5", "gpt-5"),
    ("claude-haiku-4-5", "gpt-5-mini"),
    ("claude-opus-4-1", "o3"),
];

/// A small deterministic generator (xorshift64*): no dependency, same rows every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).expect("index")]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// `at` as PostgreSQL stores it (microseconds).
pub fn micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1000 * 1000)
        .expect("valid nanoseconds")
}

/// A successful request of `user_id` at `at`, on no key in particular.
pub fn entry(user_id: Uuid, at: OffsetDateTime) -> LogEntry {
    LogEntry {
        id: Uuid::now_v7(),
        created_at: micros(at),
        user_id,
        api_key_id: None,
        upstream_key_id: None,
        requested_model: MODELS[0].0.to_owned(),
        target_model: Some(MODELS[0].1.to_owned()),
        provider: Some("openai".to_owned()),
        stream: false,
        status_code: 200,
        success: true,
        error_type: None,
        error_message: None,
        input_tokens: 10,
        output_tokens: 5,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        latency_ms: 300,
        ttfb_ms: Some(100),
        attempts: 1,
        upstream_keys_tried: Vec::new(),
    }
}

/// A request of one of `users` within `span` after `from`: on one of `keys` or on none,
/// maybe after failing over from others, succeeding or not, streamed or not.
pub fn random_entry(
    rng: &mut Rng,
    users: &[Uuid],
    keys: &[Uuid],
    from: OffsetDateTime,
    span: Duration,
) -> LogEntry {
    let offset = rng.below(u64::try_from(span.whole_microseconds()).expect("span"));
    let at = from + Duration::microseconds(i64::try_from(offset).expect("offset"));
    let mut e = entry(*rng.pick(users), at);
    let (requested, target) = *rng.pick(&MODELS);
    e.requested_model = requested.to_owned();
    e.stream = rng.chance(60);
    e.success = rng.chance(85);
    if rng.chance(10) {
        // Refused before any upstream (bad request, no mapping).
        e.target_model = None;
        e.provider = None;
        e.success = false;
    } else {
        e.target_model = Some(target.to_owned());
        let tries = match rng.below(100) {
            0..=74 => 1,
            75..=94 => 2,
            _ => 3,
        };
        e.upstream_keys_tried = (0..tries).map(|_| *rng.pick(keys)).collect();
        e.upstream_key_id = e.upstream_keys_tried.last().copied();
        e.attempts = i16::try_from(tries).expect("tries");
    }
    e.status_code = if e.success {
        200
    } else {
        *rng.pick(&[400, 429, 500, 502])
    };
    if !e.success {
        e.error_type = Some("api_error".to_owned());
        e.error_message = Some(format!("upstream said no ({})", e.status_code));
    }
    e.input_tokens = i32::try_from(rng.below(20_000)).expect("tokens");
    e.output_tokens = i32::try_from(rng.below(4_000)).expect("tokens");
    e.cache_read_tokens = i32::try_from(rng.below(3) * rng.below(10_000)).expect("tokens");
    e.cache_write_tokens = i32::try_from(rng.below(2) * rng.below(5_000)).expect("tokens");
    // Mostly fast, with a long tail.
    e.latency_ms = i32::try_from(match rng.below(10) {
        0..=6 => rng.below(2_000),
        7 | 8 => 2_000 + rng.below(20_000),
        _ => 20_000 + rng.below(700_000),
    })
    .expect("latency");
    e.ttfb_ms = e.stream.then_some(e.latency_ms / 4);
    e
}
