//! The gateway log writer against a real PostgreSQL: nothing is lost when the database
//! goes away and comes back, at shutdown, or when the database refuses a row.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nexus::log_writer::{LogWriter, WriterOptions, WriterStatus};
use sqlx::PgPool;
use store::embedded::EmbeddedPostgres;
use store::gateway_logs::LogEntry;
use uuid::Uuid;

use crate::helpers::{TestApp, database_url, kill_postmaster, temp_data_dir};
use crate::seed;

fn entry(user_id: Uuid, n: usize) -> LogEntry {
    let key = Uuid::from_u128(n as u128 % 3 + 1);
    let mut entry = seed::entry(user_id, time::OffsetDateTime::now_utc());
    entry.upstream_key_id = Some(key);
    entry.upstream_keys_tried = vec![key];
    entry.stream = n.is_multiple_of(2);
    entry.latency_ms = i32::try_from(n % 5000).expect("latency");
    entry
}

async fn stored(pool: &PgPool, user: Uuid) -> i64 {
    sqlx::query_scalar("select count(*) from gateway_logs where user_id = $1")
        .bind(user)
        .fetch_one(pool)
        .await
        .expect("count")
}

async fn rolled_up(pool: &PgPool, user: Uuid) -> i64 {
    sqlx::query_scalar(
        "select coalesce(sum(requests), 0)::int8 from gateway_log_rollups where user_id = $1",
    )
    .bind(user)
    .fetch_one(pool)
    .await
    .expect("sum")
}

fn spool_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

/// Polls until `user` has `n` rows (or fails after 30 s).
async fn wait_for_rows(pool: &PgPool, user: Uuid, n: i64) {
    for _ in 0..300 {
        if stored(pool, user).await == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{n} rows expected, {} stored", stored(pool, user).await);
}

async fn open_cluster(data: &Path) -> EmbeddedPostgres {
    let data = data.to_owned();
    tokio::task::spawn_blocking(move || EmbeddedPostgres::open(&data, None))
        .await
        .expect("join")
        .expect("embedded PostgreSQL")
}

async fn close_cluster(cluster: EmbeddedPostgres) {
    tokio::task::spawn_blocking(move || cluster.close())
        .await
        .expect("join")
        .expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_row_is_lost_when_postgres_stops_and_starts_during_writes() {
    let (_tmp, data) = temp_data_dir();
    let first = open_cluster(&data).await;
    first.ensure_database().await.expect("database");
    let pool = store::connect(first.connect_options(), 4)
        .await
        .expect("connect");
    store::migrate(&pool).await.expect("migrate");
    let spool = data.join("spool");
    // A small memory bound, so that the outage spills to the spool.
    let options = WriterOptions {
        memory_rows: 400,
        ..WriterOptions::new(spool.clone())
    };
    let (writer, task) = LogWriter::spawn(pool.clone(), options);

    // A steady stream of requests: about 2.5 s of them.
    let user = Uuid::now_v7();
    let sent = 2500;
    let producer = {
        let writer = writer.clone();
        tokio::spawn(async move {
            for n in 0..sent {
                writer.record(entry(user, n));
                if n % 10 == 9 {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    // An immediate stop, as a crash or a failover does it.
    kill_postmaster(&data);
    let mut spilled = false;
    for _ in 0..15 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let status = writer.status();
        spilled |= status.spooled > 0;
    }
    assert!(spilled, "rows held back were spilled to the spool");
    assert!(!spool_files(&spool).is_empty());
    let second = open_cluster(&data).await;
    producer.await.expect("producer");

    wait_for_rows(&pool, user, sent as i64).await;
    // Retried batches are not counted twice.
    assert_eq!(rolled_up(&pool, user).await, sent as i64);
    for _ in 0..50 {
        if writer.status() == WriterStatus::default() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(writer.status(), WriterStatus::default());
    assert!(spool_files(&spool).is_empty(), "the spool was replayed");
    drop(writer);
    let last = task.await.expect("writer");
    assert_eq!(last, WriterStatus::default());
    pool.close().await;
    close_cluster(first).await;
    close_cluster(second).await;
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn shutdown_under_load_loses_nothing(pool: PgPool) {
    let spool = tempfile::tempdir().expect("spool");
    let (writer, task) = LogWriter::spawn(pool.clone(), WriterOptions::new(spool.path().into()));
    let user = Uuid::now_v7();
    let producers: Vec<_> = (0..8)
        .map(|p| {
            let writer = writer.clone();
            tokio::spawn(async move {
                for n in 0..2500 {
                    writer.record(entry(user, p * 2500 + n));
                    if n % 50 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    for producer in producers {
        producer.await.expect("producer");
    }
    // Shut down at once, with most rows still queued.
    drop(writer);
    let last = tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("the writer stops in time")
        .expect("writer");
    assert_eq!(last.lost, 0);
    // Rows the database did not take in its shutdown budget are in the spool.
    let stored_now = stored(&pool, user).await;
    assert_eq!(stored_now + last.spooled as i64, 20_000);
    if last.spooled > 0 {
        let (writer, task) =
            LogWriter::spawn(pool.clone(), WriterOptions::new(spool.path().into()));
        wait_for_rows(&pool, user, 20_000).await;
        drop(writer);
        task.await.expect("writer");
    }
    assert_eq!(stored(&pool, user).await, 20_000);
    assert_eq!(rolled_up(&pool, user).await, 20_000);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn shutdown_with_the_database_down_spools_and_the_next_start_replays(pool: PgPool) {
    let spool = tempfile::tempdir().expect("spool");
    let url = database_url(&pool).await;
    let doomed = store::connect(store::parse_url(&url).expect("url"), 2)
        .await
        .expect("connect");
    let (writer, task) = LogWriter::spawn(doomed.clone(), WriterOptions::new(spool.path().into()));
    let user = Uuid::now_v7();
    // The database is gone before the writer gets to these rows.
    doomed.close().await;
    for n in 0..1000 {
        writer.record(entry(user, n));
    }
    drop(writer);
    let last = task.await.expect("writer");
    assert_eq!((last.spooled, last.lost), (1000, 0));
    assert_eq!(stored(&pool, user).await, 0);
    assert_eq!(spool_files(spool.path()).len(), 1);

    // The next start writes them back and empties the spool.
    let (writer, task) = LogWriter::spawn(pool.clone(), WriterOptions::new(spool.path().into()));
    wait_for_rows(&pool, user, 1000).await;
    assert_eq!(rolled_up(&pool, user).await, 1000);
    drop(writer);
    assert_eq!(task.await.expect("writer"), WriterStatus::default());
    assert!(spool_files(spool.path()).is_empty());
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn rows_that_cannot_be_stored_are_counted_never_silently_dropped(pool: PgPool) {
    // The database refuses one row of a batch: the others are stored, it is counted.
    let spool = tempfile::tempdir().expect("spool");
    let (writer, task) = LogWriter::spawn(pool.clone(), WriterOptions::new(spool.path().into()));
    let user = Uuid::now_v7();
    for n in 0..50 {
        let mut row = entry(user, n);
        if n == 20 {
            row.requested_model = "claude\0sonnet".into();
        }
        if n == 30 {
            // A day with no partition yet gets one.
            row.created_at += time::Duration::days(60);
        }
        writer.record(row);
    }
    wait_for_rows(&pool, user, 49).await;
    assert_eq!(writer.status().lost, 1);
    drop(writer);
    assert_eq!(task.await.expect("writer").lost, 1);

    // Neither the database nor the spool can take anything: memory holds ten times its
    // bound, what exceeds it is counted lost, and so is the rest at shutdown.
    let down = store::connect(
        store::parse_url(&database_url(&pool).await).expect("url"),
        1,
    )
    .await
    .expect("connect");
    down.close().await;
    let options = WriterOptions {
        memory_rows: 10,
        ..WriterOptions::new(PathBuf::from("/dev/null/spool"))
    };
    let (writer, task) = LogWriter::spawn(down, options);
    for n in 0..150 {
        writer.record(entry(user, n));
    }
    for _ in 0..50 {
        if writer.status().lost == 50 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        writer.status(),
        WriterStatus {
            queued: 100,
            spooled: 0,
            lost: 50
        }
    );
    drop(writer);
    let last = task.await.expect("writer");
    assert_eq!((last.spooled, last.lost), (0, 150));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn health_shows_the_log_writer(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let health: serde_json::Value = reqwest::get(format!("{}/health", app.address))
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(
        health["logs"],
        serde_json::json!({"queued": 0, "spooled": 0, "lost": 0})
    );
}
