//! Hourly rollups, maintained by the batch insert, against a recomputation from raw rows;
//! stats read from them against counts over raw rows.

use std::collections::BTreeMap;

use sqlx::PgPool;
use store::gateway_logs::{self, LogEntry};
use store::stats::{self, Granularity, LATENCY_BOUNDS_MS};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::log_fixtures::{Rng, random_entry};

type RollupKey = (Uuid, OffsetDateTime, Option<Uuid>, String, Option<String>);

/// The counters of one rollup row, in table order.
#[derive(Debug, Default, PartialEq, Eq, sqlx::FromRow)]
struct Counts {
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

#[derive(sqlx::FromRow)]
struct Rollup {
    user_id: Uuid,
    hour: OffsetDateTime,
    upstream_key_id: Option<Uuid>,
    requested_model: String,
    target_model: Option<String>,
    #[sqlx(flatten)]
    counts: Counts,
}

fn bucket_of(latency_ms: i64) -> usize {
    LATENCY_BOUNDS_MS
        .iter()
        .rposition(|&bound| bound <= latency_ms.max(0))
        .expect("the first bound is 0")
}

fn hour_of(at: OffsetDateTime) -> OffsetDateTime {
    Granularity::Hour.truncate(at)
}

fn slot(map: &mut BTreeMap<RollupKey, Counts>, key: RollupKey) -> &mut Counts {
    map.entry(key).or_insert_with(|| Counts {
        latency_buckets: vec![0; LATENCY_BOUNDS_MS.len()],
        ..Counts::default()
    })
}

/// What the rollups must hold, recomputed from raw rows in Rust: each request counts on
/// the key that answered it, each key it failed over from gets a failover.
fn recompute(rows: &[LogEntry]) -> BTreeMap<RollupKey, Counts> {
    let mut expected = BTreeMap::new();
    for row in rows {
        let key = |k: Option<Uuid>| {
            (
                row.user_id,
                hour_of(row.created_at),
                k,
                row.requested_model.clone(),
                row.target_model.clone(),
            )
        };
        let c = slot(&mut expected, key(row.upstream_key_id));
        c.requests += 1;
        c.errors += i64::from(!row.success);
        c.input_tokens += i64::from(row.input_tokens);
        c.output_tokens += i64::from(row.output_tokens);
        c.cache_read_tokens += i64::from(row.cache_read_tokens);
        c.cache_write_tokens += i64::from(row.cache_write_tokens);
        c.latency_ms_sum += i64::from(row.latency_ms);
        c.latency_buckets[bucket_of(i64::from(row.latency_ms))] += 1;
        let tried = &row.upstream_keys_tried;
        for &left in tried.iter().take(tried.len().saturating_sub(1)) {
            slot(&mut expected, key(Some(left))).failovers += 1;
        }
    }
    expected
}

async fn raw_rows(pool: &PgPool) -> Vec<LogEntry> {
    sqlx::query_as("select * from gateway_logs")
        .fetch_all(pool)
        .await
        .expect("raw rows")
}

async fn rollups(pool: &PgPool) -> BTreeMap<RollupKey, Counts> {
    let rows: Vec<Rollup> = sqlx::query_as("select * from gateway_log_rollups")
        .fetch_all(pool)
        .await
        .expect("rollups");
    rows.into_iter()
        .map(|r| {
            let key = (
                r.user_id,
                r.hour,
                r.upstream_key_id,
                r.requested_model,
                r.target_model,
            );
            (key, r.counts)
        })
        .collect()
}

/// `n` generated rows over the last 70 hours (partitions included), for 3 users and 4
/// keys; returns them with the users and keys.
async fn generated(pool: &PgPool, n: usize) -> (Vec<LogEntry>, Vec<Uuid>, Vec<Uuid>) {
    let now = OffsetDateTime::now_utc();
    gateway_logs::create_partitions(pool, now.date() - Duration::days(3), 5)
        .await
        .expect("partitions");
    let users: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
    let keys: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
    let mut rng = Rng::new(0x5eed_0001);
    let from = now - Duration::hours(70);
    let rows = (0..n)
        .map(|_| random_entry(&mut rng, &users, &keys, from, Duration::hours(70)))
        .collect();
    (rows, users, keys)
}

/// Inserts `rows` in batches of uneven sizes from four concurrent writers, as several
/// Nexus processes would.
async fn insert_concurrently(pool: &PgPool, rows: &[LogEntry]) {
    let mut rng = Rng::new(7);
    let mut batches: Vec<Vec<LogEntry>> = Vec::new();
    let mut rest = rows;
    while !rest.is_empty() {
        let size = (1 + usize::try_from(rng.below(300)).expect("size")).min(rest.len());
        let (batch, tail) = rest.split_at(size);
        batches.push(batch.to_vec());
        rest = tail;
    }
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let pool = pool.clone();
            let mine: Vec<Vec<LogEntry>> = batches.iter().skip(w).step_by(4).cloned().collect();
            tokio::spawn(async move {
                for batch in mine {
                    let inserted = gateway_logs::insert_batch(&pool, &batch)
                        .await
                        .expect("insert");
                    assert_eq!(inserted, batch.len() as u64);
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer");
    }
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn rollups_equal_a_recomputation_from_raw_rows(pool: PgPool) {
    let (rows, _, _) = generated(&pool, 3000).await;
    insert_concurrently(&pool, &rows).await;
    // A batch sent again (its commit went unacknowledged, say) changes nothing.
    for again in [&rows[..1], &rows[100..400], &rows[2990..]] {
        let inserted = gateway_logs::insert_batch(&pool, again)
            .await
            .expect("insert again");
        assert_eq!(inserted, 0);
    }
    let raw = raw_rows(&pool).await;
    assert_eq!(raw.len(), rows.len());
    let expected = recompute(&raw);
    let actual = rollups(&pool).await;
    assert_eq!(actual.len(), expected.len());
    for (key, counts) in &expected {
        assert_eq!(actual.get(key), Some(counts), "rollup {key:?}");
    }
    let total: i64 = actual.values().map(|c| c.requests).sum();
    assert_eq!(total, 3000);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn latency_bounds_match_the_database(pool: PgPool) {
    let bounds: Vec<i32> = sqlx::query_scalar("select gateway_latency_bounds()")
        .fetch_one(&pool)
        .await
        .expect("bounds");
    let bounds: Vec<i64> = bounds.into_iter().map(i64::from).collect();
    assert_eq!(bounds, LATENCY_BOUNDS_MS);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn stats_match_counts_over_raw_rows(pool: PgPool) {
    let (rows, users, keys) = generated(&pool, 2000).await;
    insert_concurrently(&pool, &rows).await;
    let user = users[0];
    let mine: Vec<&LogEntry> = rows.iter().filter(|r| r.user_id == user).collect();
    let now = OffsetDateTime::now_utc();
    let s = stats::stats(&pool, user, now - Duration::days(4), now, Granularity::Day)
        .await
        .expect("stats");

    assert_eq!(s.totals.requests, mine.len() as i64);
    let ok = mine.iter().filter(|r| r.success).count() as i64;
    assert_eq!(s.totals.successes, ok);
    assert_eq!(s.totals.errors, mine.len() as i64 - ok);
    let input: i64 = mine.iter().map(|r| i64::from(r.input_tokens)).sum();
    assert_eq!(s.totals.input_tokens, input);
    let latency: i64 = mine.iter().map(|r| i64::from(r.latency_ms)).sum();
    let average = s.totals.avg_latency_ms.expect("average");
    assert!((average - latency as f64 / mine.len() as f64).abs() < 1e-6);

    // The p95 estimate falls in the bucket of the exact p95.
    let mut latencies: Vec<i64> = mine.iter().map(|r| i64::from(r.latency_ms)).collect();
    latencies.sort_unstable();
    let rank = (0.95 * latencies.len() as f64).ceil() as usize;
    let exact = latencies[rank - 1];
    let estimate = s.totals.p95_latency_ms.expect("p95");
    assert_eq!(
        bucket_of(estimate as i64),
        bucket_of(exact),
        "{estimate} vs {exact}"
    );

    // Per key: what ended on the key, and every attempt on it (the pool's counters).
    for key in &keys {
        let k = s
            .per_key
            .iter()
            .find(|k| k.upstream_key_id == Some(*key))
            .expect("every key was used");
        let answered = mine
            .iter()
            .filter(|r| r.upstream_key_id == Some(*key))
            .count() as i64;
        let attempts = mine
            .iter()
            .flat_map(|r| &r.upstream_keys_tried)
            .filter(|k| *k == key)
            .count() as i64;
        let succeeded = mine
            .iter()
            .filter(|r| r.upstream_key_id == Some(*key) && r.success)
            .count() as i64;
        assert_eq!(k.totals.requests, answered);
        assert_eq!(k.totals.attempts(), attempts);
        assert_eq!(k.totals.successes, succeeded);
    }
    let no_key = mine.iter().filter(|r| r.upstream_key_id.is_none()).count() as i64;
    let none = s.per_key.iter().find(|k| k.upstream_key_id.is_none());
    assert_eq!(none.map_or(0, |k| k.totals.requests), no_key);

    let per_model: i64 = s.per_model.iter().map(|m| m.totals.requests).sum();
    assert_eq!(per_model, mine.len() as i64);
    let series: i64 = s.series.iter().map(|p| p.totals.requests).sum();
    assert_eq!(series, mine.len() as i64);
    assert_eq!(
        s.series.len(),
        5,
        "four days back from now touch five UTC days"
    );

    // A shorter range counts the hours it covers, whole.
    let from = now - Duration::hours(24);
    let s = stats::stats(&pool, user, from, now, Granularity::Hour)
        .await
        .expect("stats");
    let start = hour_of(from);
    let recent = mine.iter().filter(|r| r.created_at >= start).count() as i64;
    assert_eq!(s.totals.requests, recent);
    assert_eq!(s.from, start);
    assert_eq!(s.series.len(), 25);

    let err = stats::stats(
        &pool,
        user,
        now,
        now - Duration::hours(1),
        Granularity::Hour,
    )
    .await
    .expect_err("backwards");
    assert!(
        err.to_string().contains("must end after it starts"),
        "{err}"
    );
}
