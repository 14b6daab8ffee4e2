//! Listing gateway logs: filters, and keyset pages that stay stable under inserts.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::PgPool;
use store::gateway_logs::{self, LogEntry};
use store::log_queries::{self, Cursor, LogFilter};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::log_fixtures::{Rng, entry, random_entry};

/// Every page of `filter`, `size` rows at a time.
async fn all_pages(pool: &PgPool, user: Uuid, filter: &LogFilter, size: i64) -> Vec<LogEntry> {
    let mut rows = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let page = log_queries::list(pool, user, filter, after, size)
            .await
            .expect("page");
        assert!(page.rows.len() as i64 <= size);
        rows.extend(page.rows.into_iter().map(|r| r.entry));
        match page.next {
            // Through its text form, as a web page would carry it.
            Some(next) => after = Some(Cursor::decode(&next.encode()).expect("cursor")),
            None => return rows,
        }
    }
}

/// Which generated rows a filter must list.
type Wanted = Box<dyn Fn(&LogEntry) -> bool>;

fn assert_newest_first(rows: &[LogEntry]) {
    for pair in rows.windows(2) {
        assert!(
            (pair[0].created_at, pair[0].id) > (pair[1].created_at, pair[1].id),
            "out of order: {:?} then {:?}",
            (pair[0].created_at, pair[0].id),
            (pair[1].created_at, pair[1].id)
        );
    }
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn pagination_is_stable_while_rows_are_inserted(pool: PgPool) {
    let user = Uuid::now_v7();
    let now = OffsetDateTime::now_utc();
    // Three rows per instant: ties are ordered by id.
    let rows: Vec<LogEntry> = (0..600)
        .map(|i| {
            let mut row = entry(user, now - Duration::seconds(i / 3));
            row.success = i % 7 != 0;
            row
        })
        .collect();
    gateway_logs::insert_batch(&pool, &rows)
        .await
        .expect("insert");

    // Meanwhile, new rows keep coming: at the top, and (late writes) among older ones.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (pool, stop) = (pool.clone(), stop.clone());
        tokio::spawn(async move {
            let mut rng = Rng::new(3);
            let mut written = 0;
            while !stop.load(Ordering::Relaxed) || written < 20 {
                let at = if rng.chance(50) {
                    OffsetDateTime::now_utc()
                } else {
                    now - Duration::seconds(i64::try_from(rng.below(200)).expect("secs"))
                };
                let mut late = entry(user, at);
                late.success = rng.chance(50);
                gateway_logs::insert_batch(&pool, &[late])
                    .await
                    .expect("insert");
                written += 1;
                tokio::task::yield_now().await;
            }
            written
        })
    };

    let seen = all_pages(&pool, user, &LogFilter::default(), 37).await;
    let errors = LogFilter {
        success: Some(false),
        ..LogFilter::default()
    };
    let seen_errors = all_pages(&pool, user, &errors, 11).await;
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.expect("writer");
    assert!(written >= 20);

    for (listing, expected) in [
        (&seen, rows.iter().collect::<Vec<_>>()),
        (&seen_errors, rows.iter().filter(|r| !r.success).collect()),
    ] {
        assert_newest_first(listing);
        let ids: HashSet<Uuid> = listing.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), listing.len(), "no row twice");
        for row in expected {
            assert!(ids.contains(&row.id), "row {} was skipped", row.id);
        }
    }
    assert!(seen_errors.iter().all(|r| !r.success));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn filters_narrow_the_listing(pool: PgPool) {
    let now = OffsetDateTime::now_utc();
    gateway_logs::create_partitions(&pool, now.date() - Duration::days(2), 3)
        .await
        .expect("partitions");
    let users = [Uuid::now_v7(), Uuid::now_v7()];
    let keys = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
    let mut rng = Rng::new(11);
    let rows: Vec<LogEntry> = (0..800)
        .map(|_| {
            random_entry(
                &mut rng,
                &users,
                &keys,
                now - Duration::hours(40),
                Duration::hours(40),
            )
        })
        .collect();
    gateway_logs::insert_batch(&pool, &rows)
        .await
        .expect("insert");
    let user = users[0];

    let cases: Vec<(LogFilter, Wanted)> = vec![
        (LogFilter::default(), Box::new(|_| true)),
        (
            LogFilter {
                since: Some(now - Duration::hours(10)),
                until: Some(now - Duration::hours(2)),
                ..LogFilter::default()
            },
            Box::new(move |r| {
                r.created_at >= now - Duration::hours(10) && r.created_at < now - Duration::hours(2)
            }),
        ),
        (
            LogFilter {
                success: Some(false),
                ..LogFilter::default()
            },
            Box::new(|r| !r.success),
        ),
        (
            LogFilter {
                success: Some(true),
                stream: Some(true),
                ..LogFilter::default()
            },
            Box::new(|r| r.success && r.stream),
        ),
        (
            LogFilter {
                requested_model: Some("claude-opus-4-1".into()),
                upstream_key_id: Some(keys[1]),
                ..LogFilter::default()
            },
            Box::new(move |r| {
                r.requested_model == "claude-opus-4-1" && r.upstream_key_id == Some(keys[1])
            }),
        ),
    ];
    for (filter, wanted) in cases {
        let listed = all_pages(&pool, user, &filter, 50).await;
        let mut expected: Vec<&LogEntry> = rows
            .iter()
            .filter(|r| r.user_id == user && wanted(r))
            .collect();
        expected.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
        let expected: Vec<LogEntry> = expected.into_iter().cloned().collect();
        assert!(!expected.is_empty(), "{filter:?} selects something");
        assert_eq!(listed, expected, "{filter:?}");
    }

    let page = log_queries::list(&pool, user, &LogFilter::default(), None, 5)
        .await
        .expect("page");
    assert_eq!(page.rows.len(), 5);
    assert!(page.next.is_some());
    for bad in [0, log_queries::MAX_PAGE + 1] {
        let err = log_queries::list(&pool, user, &LogFilter::default(), None, bad)
            .await
            .expect_err("page size");
        assert!(err.to_string().contains("page size"), "{err}");
    }
    let nobody = log_queries::list(&pool, Uuid::now_v7(), &LogFilter::default(), None, 10)
        .await
        .expect("empty");
    assert!(nobody.rows.is_empty() && nobody.next.is_none());
}
