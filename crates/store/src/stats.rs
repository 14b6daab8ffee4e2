//! Stats of a user's gateway traffic over any range, read from the hourly rollups (so a
//! year costs about as much as a day): totals, a series per hour or day, per key and per
//! model, with average and 95th-percentile latency from the rollups' histograms.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::PgExecutor;
use time::{Duration, OffsetDateTime, Time};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Lower bounds, in ms, of the latency histogram's buckets: the same list as the
/// database's `gateway_latency_bounds()`, which does the bucketing (a test holds them equal).
pub const LATENCY_BOUNDS_MS: [i64; 29] = [
    0, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000, 7500,
    10_000, 15_000, 20_000, 30_000, 45_000, 60_000, 90_000, 120_000, 180_000, 300_000, 600_000,
];

/// The width of one point of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Hour,
    Day,
}

impl Granularity {
    /// Hours for up to two days, days beyond: a readable number of points either way.
    pub fn for_range(from: OffsetDateTime, to: OffsetDateTime) -> Self {
        if to - from <= Duration::days(2) {
            Self::Hour
        } else {
            Self::Day
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hour => "hour",
            Self::Day => "day",
        }
    }

    fn step(self) -> Duration {
        match self {
            Self::Hour => Duration::HOUR,
            Self::Day => Duration::DAY,
        }
    }

    /// The start of the UTC hour or day holding `at`.
    pub fn truncate(self, at: OffsetDateTime) -> OffsetDateTime {
        let at = at.to_offset(time::UtcOffset::UTC);
        let time = match self {
            Self::Hour => Time::from_hms(at.hour(), 0, 0).unwrap_or(Time::MIDNIGHT),
            Self::Day => Time::MIDNIGHT,
        };
        at.replace_time(time)
    }
}

/// Counters of a set of requests. Latencies are of whole requests, as the client saw them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub requests: i64,
    pub successes: i64,
    pub errors: i64,
    /// Attempts that failed and were retried on another key (see the per-key breakdown).
    pub failovers: i64,
    /// Successes over requests; none without requests.
    pub success_rate: Option<f64>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_write_tokens: i64,
    pub avg_latency_ms: Option<f64>,
    /// Estimated from the histogram: exact to within its bucket.
    pub p95_latency_ms: Option<f64>,
    #[serde(skip)]
    latency_ms_sum: i64,
    #[serde(skip)]
    histogram: Vec<i64>,
}

impl Totals {
    fn add(&mut self, row: &Row) {
        self.requests += row.requests;
        self.errors += row.errors;
        self.failovers += row.failovers;
        self.input_tokens += row.input_tokens;
        self.output_tokens += row.output_tokens;
        self.cache_read_tokens += row.cache_read_tokens;
        self.cache_write_tokens += row.cache_write_tokens;
        self.latency_ms_sum += row.latency_ms_sum;
        if self.histogram.len() < row.latency_buckets.len() {
            self.histogram.resize(row.latency_buckets.len(), 0);
        }
        for (sum, n) in self.histogram.iter_mut().zip(&row.latency_buckets) {
            *sum += n;
        }
    }

    /// Computes the derived figures once every row is in.
    fn finish(&mut self) {
        self.successes = self.requests - self.errors;
        if self.requests > 0 {
            let requests = self.requests as f64;
            self.success_rate = Some(self.successes as f64 / requests);
            self.avg_latency_ms = Some(self.latency_ms_sum as f64 / requests);
        }
        self.p95_latency_ms = percentile(&self.histogram, 0.95);
    }

    /// Attempts made on a key: requests that ended on it plus those that left it. This is
    /// what the pool's per-key counters count.
    pub fn attempts(&self) -> i64 {
        self.requests + self.failovers
    }
}

/// One point of a series: the totals of the hour or day starting at `start`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    #[serde(flatten)]
    pub totals: Totals,
}

/// The totals of one upstream key (none: requests that reached no key).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyStats {
    pub upstream_key_id: Option<Uuid>,
    /// Its current name; none once deleted.
    pub name: Option<String>,
    #[serde(flatten)]
    pub totals: Totals,
}

/// The totals of one requested model and where it was sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelStats {
    pub requested_model: String,
    pub target_model: Option<String>,
    #[serde(flatten)]
    pub totals: Totals,
}

/// Everything the stats page shows for one range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// The range, its start rounded down to the hour (rollups are hourly).
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub to: OffsetDateTime,
    pub granularity: Granularity,
    pub totals: Totals,
    /// Every hour or day of the range, oldest first, empty ones included.
    pub series: Vec<Point>,
    /// Busiest first.
    pub per_key: Vec<KeyStats>,
    /// Busiest first.
    pub per_model: Vec<ModelStats>,
}

/// The rollups of one bucket, key and model: a row of `queries/stats.sql`.
struct Row {
    bucket: OffsetDateTime,
    upstream_key_id: Option<Uuid>,
    upstream_key_name: Option<String>,
    requested_model: String,
    target_model: Option<String>,
    requests: i64,
    errors: i64,
    failovers: i64,
    input_tokens: i64,
    output_tokens: i64,
    cache_read_tokens: i64,
    cache_write_tokens: i64,
    latency_ms_sum: i64,
    latency_buckets: Vec<i64>,
}

/// `user_id`'s stats over `[from, to)`, with a series of `granularity` points.
pub async fn stats(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    from: OffsetDateTime,
    to: OffsetDateTime,
    granularity: Granularity,
) -> Result<Stats> {
    let from = Granularity::Hour.truncate(from);
    if from >= to {
        return Err(Error::Invalid(
            "the stats range must end after it starts".to_owned(),
        ));
    }
    let rows = sqlx::query_file_as!(
        Row,
        "queries/stats.sql",
        user_id,
        from,
        to,
        granularity.as_str()
    )
    .fetch_all(db)
    .await?;
    Ok(fold(from, to, granularity, &rows))
}

/// The plan PostgreSQL chooses for [`stats`] (`EXPLAIN` text): to check that stats stay
/// on the rollups' index.
pub async fn explain_stats(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    from: OffsetDateTime,
    to: OffsetDateTime,
    granularity: Granularity,
) -> Result<String> {
    const EXPLAIN: &str = concat!("explain ", include_str!("../queries/stats.sql"));
    let lines: Vec<String> = sqlx::query_scalar(EXPLAIN)
        .bind(user_id)
        .bind(Granularity::Hour.truncate(from))
        .bind(to)
        .bind(granularity.as_str())
        .fetch_all(db)
        .await?;
    Ok(lines.join("\n"))
}

fn fold(from: OffsetDateTime, to: OffsetDateTime, granularity: Granularity, rows: &[Row]) -> Stats {
    let mut totals = Totals::default();
    let mut series: BTreeMap<OffsetDateTime, Totals> = BTreeMap::new();
    let mut start = granularity.truncate(from);
    while start < to {
        series.insert(start, Totals::default());
        start += granularity.step();
    }
    let mut keys: BTreeMap<Option<Uuid>, KeyStats> = BTreeMap::new();
    let mut models: BTreeMap<(String, Option<String>), Totals> = BTreeMap::new();
    for row in rows {
        totals.add(row);
        series.entry(row.bucket).or_default().add(row);
        keys.entry(row.upstream_key_id)
            .or_insert_with(|| KeyStats {
                upstream_key_id: row.upstream_key_id,
                name: row.upstream_key_name.clone(),
                totals: Totals::default(),
            })
            .totals
            .add(row);
        models
            .entry((row.requested_model.clone(), row.target_model.clone()))
            .or_default()
            .add(row);
    }
    totals.finish();
    let series = series
        .into_iter()
        .map(|(start, mut totals)| {
            totals.finish();
            Point { start, totals }
        })
        .collect();
    let mut per_key: Vec<KeyStats> = keys.into_values().collect();
    for key in &mut per_key {
        key.totals.finish();
    }
    per_key.sort_by_key(|k| std::cmp::Reverse(k.totals.attempts()));
    let mut per_model: Vec<ModelStats> = models
        .into_iter()
        .map(|((requested_model, target_model), mut totals)| {
            totals.finish();
            ModelStats {
                requested_model,
                target_model,
                totals,
            }
        })
        .collect();
    per_model.sort_by_key(|m| std::cmp::Reverse(m.totals.requests));
    Stats {
        from,
        to,
        granularity,
        totals,
        series,
        per_key,
        per_model,
    }
}

/// The `q`-quantile (0 to 1) of the latencies counted in `histogram` (buckets of
/// [`LATENCY_BOUNDS_MS`]), interpolated linearly inside its bucket; the open-ended last
/// bucket yields its lower bound. None for an empty histogram.
pub fn percentile(histogram: &[i64], q: f64) -> Option<f64> {
    let total: i64 = histogram.iter().sum();
    if total <= 0 {
        return None;
    }
    let rank = q.clamp(0.0, 1.0) * total as f64;
    let mut below = 0i64;
    for (i, &count) in histogram.iter().enumerate() {
        if count > 0 && (below + count) as f64 >= rank {
            let lower = LATENCY_BOUNDS_MS.get(i).copied().unwrap_or(0) as f64;
            let Some(&upper) = LATENCY_BOUNDS_MS.get(i + 1) else {
                return Some(lower);
            };
            let fraction = (rank - below as f64) / count as f64;
            return Some(lower + fraction * (upper as f64 - lower));
        }
        below += count;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn histogram_of(latencies: &[i64]) -> Vec<i64> {
        let mut histogram = vec![0; LATENCY_BOUNDS_MS.len()];
        for &ms in latencies {
            let bucket = LATENCY_BOUNDS_MS
                .iter()
                .rposition(|&b| b <= ms)
                .unwrap_or(0);
            histogram[bucket] += 1;
        }
        histogram
    }

    #[test]
    fn percentiles_land_in_the_right_bucket() {
        // 100 requests: 1..=100 ms. The exact p95 is 95 ms, inside the [75, 100) bucket.
        let latencies: Vec<i64> = (1..=100).collect();
        let p95 = percentile(&histogram_of(&latencies), 0.95).expect("p95");
        assert!((75.0..100.0).contains(&p95), "{p95}");
        // Interpolation: 95th of 100 is the 21st of the 25 values in [75, 100).
        assert!((p95 - 96.0).abs() < 1e-9, "{p95}");
        assert_eq!(percentile(&histogram_of(&[]), 0.95), None);
        // Everything past the last bound reports that bound.
        assert_eq!(
            percentile(&histogram_of(&[700_000, 900_000]), 0.95),
            Some(600_000.0)
        );
        // A single value: the quantile stays within its bucket.
        let p = percentile(&histogram_of(&[420]), 0.95).expect("p");
        assert!((400.0..=500.0).contains(&p), "{p}");
    }

    #[test]
    fn series_cover_the_range_and_totals_add_up() {
        let from = datetime!(2026-11-20 10:30 UTC);
        let to = datetime!(2026-11-20 13:10 UTC);
        let row = |hour: u8, key: u128, requests: i64, errors: i64| Row {
            bucket: datetime!(2026-11-20 00:00 UTC) + Duration::hours(i64::from(hour)),
            upstream_key_id: Some(Uuid::from_u128(key)),
            upstream_key_name: Some(format!("key{key}")),
            requested_model: "claude-sonnet".into(),
            target_model: Some("gpt".into()),
            requests,
            errors,
            failovers: 1,
            input_tokens: 10 * requests,
            output_tokens: 2 * requests,
            cache_read_tokens: 0,
            cache_write_tokens: 0,
            latency_ms_sum: 100 * requests,
            latency_buckets: histogram_of(&vec![100; usize::try_from(requests).expect("n")]),
        };
        let rows = [row(10, 1, 3, 1), row(12, 1, 1, 0), row(12, 2, 4, 0)];
        let stats = fold(
            Granularity::Hour.truncate(from),
            to,
            Granularity::Hour,
            &rows,
        );
        let starts: Vec<u8> = stats.series.iter().map(|p| p.start.hour()).collect();
        assert_eq!(starts, vec![10, 11, 12, 13]);
        assert_eq!(stats.series[1].totals.requests, 0);
        assert_eq!(stats.series[2].totals.requests, 5);
        assert_eq!(stats.totals.requests, 8);
        assert_eq!(stats.totals.successes, 7);
        assert_eq!(stats.totals.success_rate, Some(7.0 / 8.0));
        assert_eq!(stats.totals.input_tokens, 80);
        assert_eq!(stats.totals.avg_latency_ms, Some(100.0));
        assert_eq!(stats.per_key.len(), 2);
        assert_eq!(stats.per_key[0].name.as_deref(), Some("key1"));
        assert_eq!(stats.per_key[0].totals.attempts(), 4 + 2);
        assert_eq!(stats.per_model[0].totals.requests, 8);
    }
}
