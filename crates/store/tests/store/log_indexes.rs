//! The listing and stats queries on a million log rows: their plans use the indexes, and
//! they answer well under a second.

use std::time::Instant;

use sqlx::PgPool;
use store::log_queries::{self, Cursor, LogFilter};
use store::stats::{self, Granularity};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// User 0 has half the rows; users 1 to 19 share the other half.
fn user(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// One million rows over the last 30 days: one statement, so the test stays fast.
const LOGS: &str = r#"
    with u as (select array_agg(('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid order by n) a
               from generate_series(0, 19) n),
         k as (select array_agg(('00000000-0000-0000-0001-' || lpad(n::text, 12, '0'))::uuid order by n) a
               from generate_series(0, 2) n)
    insert into gateway_logs (id, created_at, user_id, upstream_key_id, requested_model, target_model,
                              stream, status_code, success, input_tokens, output_tokens, latency_ms)
    select gen_random_uuid(), now() - i * interval '2592 milliseconds',
           u.a[case when i % 2 = 0 then 1 else 2 + i % 19 end],
           k.a[1 + i / 3 % 3],
           (array['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1'])[1 + i % 3],
           (array['gpt-5', 'gpt-5-mini', 'o3'])[1 + i % 3],
           i % 4 <> 0, case when i % 25 = 1 then 502 else 200 end, i % 25 <> 1,
           i % 5000, i % 700, (i::int8 * 7919 % 20000)::int
    from generate_series(1, 1000000) as i, u, k"#;

/// Their hourly rollups: 20 users, 720 hours, 3 keys x 3 models, 87 requests each.
const ROLLUPS: &str = r#"
    insert into gateway_log_rollups (user_id, hour, upstream_key_id, requested_model, target_model,
                                     requests, errors, input_tokens, output_tokens, latency_ms_sum,
                                     latency_buckets)
    select ('00000000-0000-0000-0000-' || lpad((n % 20)::text, 12, '0'))::uuid,
           date_trunc('hour', now(), 'UTC') - (n / 180) * interval '1 hour',
           ('00000000-0000-0000-0001-' || lpad((n / 20 % 3)::text, 12, '0'))::uuid,
           (array['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1'])[1 + n / 60 % 3],
           (array['gpt-5', 'gpt-5-mini', 'o3'])[1 + n / 60 % 3],
           87, 2, 87000, 8700, 87 * 900, array_fill(3::int8, array[29])
    from generate_series(0, 720 * 180 - 1) as n"#;

fn assert_indexed(plan: &str, table: &str) {
    assert!(
        plan.contains("Index Scan") || plan.contains("Index Only Scan"),
        "no index used:\n{plan}"
    );
    assert!(
        !plan.contains(&format!("Seq Scan on {table}")),
        "a sequential scan of {table}:\n{plan}"
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn listing_and_stats_use_their_indexes_on_a_million_rows(pool: PgPool) {
    let today = OffsetDateTime::now_utc().date();
    store::gateway_logs::create_partitions(&pool, today - Duration::days(31), 33)
        .await
        .expect("partitions");
    let mut conn = pool.acquire().await.expect("connection");
    sqlx::query(LOGS).execute(&mut *conn).await.expect("logs");
    sqlx::query(ROLLUPS)
        .execute(&mut *conn)
        .await
        .expect("rollups");
    // Coarse statistics are enough for the planner and much quicker to gather.
    sqlx::query("set default_statistics_target = 10")
        .execute(&mut *conn)
        .await
        .expect("set");
    sqlx::query("analyze gateway_logs, gateway_log_rollups")
        .execute(&mut *conn)
        .await
        .expect("analyze");
    drop(conn);

    let now = OffsetDateTime::now_utc();
    let page = log_queries::list(&pool, user(0), &LogFilter::default(), None, 50)
        .await
        .expect("page");
    let cursor: Cursor = page.next.expect("more pages");
    let listings = [
        (user(0), LogFilter::default(), None),
        (user(0), LogFilter::default(), Some(cursor)),
        (
            user(7),
            LogFilter {
                success: Some(false),
                ..LogFilter::default()
            },
            None,
        ),
        (
            user(0),
            LogFilter {
                since: Some(now - Duration::days(3)),
                until: Some(now - Duration::days(1)),
                requested_model: Some("claude-opus-4-1".into()),
                upstream_key_id: Some(Uuid::from_u128((1 << 48) | 2)),
                stream: Some(true),
                ..LogFilter::default()
            },
            None,
        ),
    ];
    for (user, filter, after) in &listings {
        let plan = log_queries::explain_list(&pool, *user, filter, *after, 50)
            .await
            .expect("explain");
        assert_indexed(&plan, "gateway_logs");
        let started = Instant::now();
        let page = log_queries::list(&pool, *user, filter, *after, 50)
            .await
            .expect("list");
        assert!(!page.rows.is_empty(), "{filter:?}");
        assert!(
            started.elapsed().as_millis() < 1000,
            "{filter:?} took {:?}",
            started.elapsed()
        );
    }

    let from = now - Duration::days(30);
    let plan = stats::explain_stats(&pool, user(0), from, now, Granularity::Day)
        .await
        .expect("explain");
    assert_indexed(&plan, "gateway_log_rollups");
    assert!(plan.contains("gateway_log_rollups_key"), "{plan}");
    let started = Instant::now();
    let s = stats::stats(&pool, user(0), from, now, Granularity::Day)
        .await
        .expect("stats");
    let elapsed = started.elapsed();
    assert!(
        elapsed.as_millis() < 1000,
        "30 days of stats took {elapsed:?}"
    );
    assert_eq!(s.totals.requests, 720 * 9 * 87);
    assert_eq!(s.per_key.len(), 3);
    assert_eq!(s.per_model.len(), 3);
    assert_eq!(s.series.len(), 31);
}
