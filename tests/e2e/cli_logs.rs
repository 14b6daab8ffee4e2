//! `nexus logs`, `nexus stats` and `nexus logs prune` against a test database.

use serde_json::Value;
use sqlx::PgPool;
use store::gateway_logs::{self, LogEntry};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::{Cli, user_with_upstream};

fn row(user_id: Uuid, key: Uuid, at: OffsetDateTime, model: &str, ok: bool) -> LogEntry {
    LogEntry {
        id: Uuid::now_v7(),
        created_at: at,
        user_id,
        api_key_id: None,
        upstream_key_id: Some(key),
        requested_model: model.to_owned(),
        target_model: Some("mock-large".to_owned()),
        provider: Some("openai".to_owned()),
        stream: ok,
        status_code: if ok { 200 } else { 502 },
        success: ok,
        error_type: (!ok).then(|| "api_error".to_owned()),
        error_message: (!ok).then(|| "upstream said no\n  second line".to_owned()),
        input_tokens: 100,
        output_tokens: 20,
        cache_read_tokens: 30,
        cache_write_tokens: 0,
        latency_ms: 1200,
        ttfb_ms: ok.then_some(300),
        attempts: 1,
        upstream_keys_tried: vec![key],
    }
}

/// alice with an upstream key `mock` and 8 requests: 5 ok ten minutes ago, 2 failed two
/// hours ago, 1 ok three days ago. carol has none.
async fn setup(pool: &PgPool) -> Cli {
    let (_, user) = user_with_upstream(pool, "alice", "https://api.openai.com/v1").await;
    let key = store::upstream_keys::by_name(pool, user, "mock")
        .await
        .expect("key")
        .id;
    let now = OffsetDateTime::now_utc();
    gateway_logs::create_partitions(pool, now.date() - Duration::days(3), 4)
        .await
        .expect("partitions");
    let mut rows: Vec<LogEntry> = (0..5)
        .map(|n| {
            let at = now - Duration::minutes(10) + Duration::seconds(n);
            row(user, key, at, "claude-sonnet-4-5", true)
        })
        .collect();
    for n in 0..2 {
        let at = now - Duration::hours(2) + Duration::seconds(n);
        rows.push(row(user, key, at, "claude-haiku-4-5", false));
    }
    rows.push(row(
        user,
        key,
        now - Duration::days(3),
        "claude-sonnet-4-5",
        true,
    ));
    gateway_logs::insert_batch(pool, &rows).await.expect("logs");
    let cli = Cli::new(pool).await;
    cli.ok(&["user", "add", "carol"]);
    cli
}

/// Data lines of a table (the header left out).
fn lines(out: &str) -> Vec<&str> {
    out.lines()
        .skip(1)
        .filter(|l| !l.starts_with('('))
        .collect()
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn logs_lists_filters_and_prints_json(pool: PgPool) {
    let cli = setup(&pool).await;
    let out = cli.ok(&["logs", "alice"]);
    assert!(out.starts_with("TIME"), "{out}");
    assert_eq!(lines(&out).len(), 8, "{out}");
    assert!(out.contains("claude-sonnet-4-5 -> mock-large"), "{out}");
    assert!(out.contains("200 ok") && out.contains("502 error"), "{out}");
    assert!(out.contains("upstream said no second line"), "{out}");
    assert!(out.contains("1200ms") && out.contains("30/0"), "{out}");
    assert!(lines(&out).iter().all(|l| l.contains("mock")), "{out}");

    let errors = cli.ok(&["logs", "alice", "--errors"]);
    assert_eq!(lines(&errors).len(), 2, "{errors}");
    assert!(lines(&errors).iter().all(|l| l.contains("502 error")));
    assert_eq!(lines(&cli.ok(&["logs", "alice", "--since", "1h"])).len(), 5);
    assert_eq!(
        lines(&cli.ok(&["logs", "alice", "--since", "2026-01-01"])).len(),
        8
    );
    let model = cli.ok(&["logs", "alice", "--model", "claude-haiku-4-5"]);
    assert_eq!(lines(&model).len(), 2);
    assert_eq!(lines(&cli.ok(&["logs", "alice", "--key", "mock"])).len(), 8);
    let limited = cli.ok(&["logs", "alice", "--limit", "3"]);
    assert_eq!(lines(&limited).len(), 3);
    assert!(limited.contains("(the newest 3 shown"), "{limited}");
    assert!(
        cli.ok(&["logs", "carol"])
            .contains("no gateway logs for carol")
    );

    let json = cli.json(&["logs", "alice"]);
    let rows = json.as_array().expect("array");
    assert_eq!(rows.len(), 8);
    assert_eq!(rows[0]["upstream_key_name"], "mock");
    assert_eq!(rows[0]["requested_model"], "claude-sonnet-4-5");
    let times: Vec<OffsetDateTime> = rows
        .iter()
        .map(|r| {
            let text = r["created_at"].as_str().expect("time");
            OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .expect("RFC 3339")
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(rows[7]["error_message"], Value::Null);
    let failed = cli.json(&["logs", "alice", "--errors"]);
    assert_eq!(failed[0]["status_code"], 502);
    assert_eq!(failed[0]["success"], false);

    let err = cli.fails(&["logs", "bob"]);
    assert!(err.contains("no user named bob"), "{err}");
    let err = cli.fails(&["logs", "alice", "--key", "nope"]);
    assert!(err.contains("no upstream key named nope"), "{err}");
    let err = cli.fails(&["logs", "alice", "--since", "soon"]);
    assert!(err.contains("--since"), "{err}");
    let err = cli.fails(&["logs", "alice", "--limit", "0"]);
    assert!(err.contains("--limit"), "{err}");
    let out = cli.run(&["logs", "alice", "--since", "1h"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        cli.run(&["logs", "alice", "--since", "3"]).status.code(),
        Some(2)
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn stats_sums_up_a_range(pool: PgPool) {
    let cli = setup(&pool).await;
    let out = cli.ok(&["stats", "alice"]);
    assert!(
        out.contains("requests  8 (6 ok, 2 failed, 75.0% success"),
        "{out}"
    );
    assert!(
        out.contains("tokens    800 in, 160 out, 240 cache read"),
        "{out}"
    );
    assert!(out.contains("latency   1200ms average"), "{out}");
    assert!(out.contains("claude-haiku-4-5 -> mock-large"), "{out}");
    let recent = cli.ok(&["stats", "alice", "--since", "1d"]);
    assert!(recent.contains("requests  7 (5 ok, 2 failed"), "{recent}");

    let json = cli.json(&["stats", "alice"]);
    assert_eq!(json["totals"]["requests"], 8);
    assert_eq!(json["totals"]["success_rate"], 0.75);
    assert_eq!(json["granularity"], "day");
    assert_eq!(json["series"].as_array().expect("series").len(), 8);
    assert_eq!(json["per_key"][0]["name"], "mock");
    assert_eq!(json["per_key"][0]["requests"], 8);
    assert_eq!(json["per_model"].as_array().expect("models").len(), 2);
    assert!(json["totals"]["p95_latency_ms"].as_f64().expect("p95") >= 1000.0);
    let hourly = cli.json(&["stats", "alice", "--since", "6h"]);
    assert_eq!(hourly["granularity"], "hour");
    assert_eq!(hourly["totals"]["requests"], 7);

    assert!(
        cli.ok(&["stats", "carol"])
            .contains("no requests in this range")
    );
    let err = cli.fails(&["stats", "bob"]);
    assert!(err.contains("no user named bob"), "{err}");
    let err = cli.fails(&["stats", "alice", "--since", "2999-01-01"]);
    assert!(err.contains("future"), "{err}");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn logs_prune_drops_what_is_past_retention(pool: PgPool) {
    let cli = setup(&pool).await;
    let today = OffsetDateTime::now_utc().date();
    let old = today - Duration::days(45);
    gateway_logs::create_partitions(&pool, old, 2)
        .await
        .expect("partitions");
    let user = store::users::by_login(&pool, "alice")
        .await
        .expect("alice")
        .id;
    let mut ancient = row(
        user,
        Uuid::now_v7(),
        old.midnight().assume_utc(),
        "claude-x",
        true,
    );
    ancient.upstream_key_id = None;
    gateway_logs::insert_batch(&pool, &[ancient])
        .await
        .expect("old row");
    let name = |d: time::Date| {
        format!(
            "gateway_logs_{:04}{:02}{:02}",
            d.year(),
            d.month() as u8,
            d.day()
        )
    };

    let out = cli.ok(&["logs", "prune"]);
    assert!(
        out.contains(&format!(
            "dropped 2 log partition(s) before {} 00:00:00Z: {}, {}",
            today - Duration::days(30),
            name(old),
            name(old + Duration::days(1))
        )),
        "{out}"
    );
    assert!(out.contains("deleted 0 stats rollup row(s)"), "{out}");
    assert_eq!(
        lines(&cli.ok(&["logs", "alice"])).len(),
        8,
        "recent logs stay"
    );

    let json = cli.json(&["logs", "prune", "--stats-retention-days", "40"]);
    assert_eq!(json["dropped_partitions"], serde_json::json!([]));
    assert_eq!(json["rollups_deleted"], 1);

    let err = cli.fails(&[
        "logs",
        "prune",
        "--log-retention-days",
        "50",
        "--stats-retention-days",
        "40",
    ]);
    assert!(
        err.contains("NEXUS_STATS_RETENTION_DAYS must be at least"),
        "{err}"
    );
}
