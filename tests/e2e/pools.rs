//! Upstream key pools end to end: failover in every way a key can fail, counters, health,
//! strategies, and live changes across two Nexus processes on one database.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::{Cli, TestApp, keyring, user_with_upstream};
use crate::mock_upstream::{MockUpstream, Reply, sse};

const OK: fn() -> Value = || {
    json!({"id": "x", "object": "chat.completion",
           "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
           "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}})
};

async fn add_key(
    pool: &PgPool,
    user_id: uuid::Uuid,
    name: &str,
    base_url: &str,
    priority: i32,
    weight: i32,
) -> uuid::Uuid {
    let input = nexus::upstreams::UpstreamInput {
        name: name.into(),
        provider: store::upstream_keys::Provider::Openai,
        base_url: base_url.to_owned(),
        secret: format!("sk-{name}-secret-value"),
        priority,
        weight,
        enabled: true,
    };
    nexus::upstreams::add(pool, &keyring(), user_id, input)
        .await
        .expect("key")
        .id
}

fn request() -> Value {
    json!({"model": "claude-sonnet-5-5", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]})
}

async fn post(app: &TestApp, key: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/v1/messages", app.address))
        .header("x-api-key", key)
        .json(body)
        .send()
        .await
        .expect("send")
}

/// Waits until the counters of `key_id` reach `total` requests (flushed once a second).
async fn counters(
    pool: &PgPool,
    user_id: uuid::Uuid,
    name: &str,
    total: i64,
) -> store::upstream_keys::UpstreamKey {
    for _ in 0..60 {
        let key = store::upstream_keys::by_name(pool, user_id, name)
            .await
            .expect("key");
        if key.total_requests >= total {
            return key;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("counters of {name} never reached {total}");
}

async fn latest_log(pool: &PgPool, user_id: uuid::Uuid, n: usize) -> store::gateway_logs::LogEntry {
    for _ in 0..100 {
        let rows = store::gateway_logs::recent(pool, user_id, 100)
            .await
            .expect("logs");
        if rows.len() >= n {
            return rows[0].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} log rows");
}

/// A first key (priority 90) failing as scripted, a second (priority 10) answering.
struct Pair {
    app: TestApp,
    key: String,
    user_id: uuid::Uuid,
    first: MockUpstream,
    second: MockUpstream,
    pool: PgPool,
}

async fn pair(pool: PgPool, options: &[&str]) -> Pair {
    let first = MockUpstream::start().await;
    let second = MockUpstream::start().await;
    let (key, user_id) = user_with_upstream(&pool, "alice", &first.base_url).await;
    let mock = store::upstream_keys::by_name(&pool, user_id, "mock")
        .await
        .expect("mock key");
    let edit = nexus::upstreams::UpstreamEdit {
        priority: Some(90),
        ..Default::default()
    };
    nexus::upstreams::edit(&pool, &keyring(), &mock, edit)
        .await
        .expect("priority");
    add_key(&pool, user_id, "backup", &second.base_url, 10, 1).await;
    let mut all = vec!["--allow-private-upstreams", "true"];
    all.extend_from_slice(options);
    let app = TestApp::spawn_with(pool.clone(), &all).await;
    Pair {
        app,
        key,
        user_id,
        first,
        second,
        pool,
    }
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn every_retryable_failure_fails_over_to_the_next_key(pool: PgPool) {
    let p = pair(pool, &["--upstream-timeout-secs", "1"]).await;
    let failures: Vec<(&str, Reply)> = vec![
        (
            "401",
            Reply::Error(
                401,
                r#"{"error":{"message":"Incorrect API key provided"}}"#.into(),
                vec![],
            ),
        ),
        (
            "429",
            Reply::Error(
                429,
                r#"{"error":{"message":"Rate limit"}}"#.into(),
                vec![("retry-after", "1")],
            ),
        ),
        ("500", Reply::Error(500, "internal".into(), vec![])),
        (
            "quota-400",
            Reply::Error(
                400,
                r#"{"error":{"message":"Insufficient Balance"}}"#.into(),
                vec![],
            ),
        ),
        ("timeout", Reply::Slow(Duration::from_secs(3), OK())),
    ];
    let mut served = 0;
    for (what, failure) in failures {
        // Reset the first key's health so it is tried first each time, once the previous
        // failure has reached the database (flushed within a second).
        counters(&p.pool, p.user_id, "mock", served as i64).await;
        store::upstream_keys::reset_health(&p.pool, p.user_id)
            .await
            .expect("reset");
        let fresh = TestApp::spawn_with(
            p.pool.clone(),
            &[
                "--allow-private-upstreams",
                "true",
                "--upstream-timeout-secs",
                "1",
            ],
        )
        .await;
        p.first.reply(failure);
        p.second.reply(Reply::Json(200, OK()));
        let response = post(&fresh, &p.key, &request()).await;
        assert_eq!(
            response.status(),
            200,
            "{what}: the client never sees the failure"
        );
        served += 1;
        let log = latest_log(&p.pool, p.user_id, served).await;
        assert_eq!(log.attempts, 2, "{what}");
        assert_eq!(log.upstream_keys_tried.len(), 2, "{what}");
        assert!(log.success, "{what}");
    }
    let first = counters(&p.pool, p.user_id, "mock", 5).await;
    assert_eq!(first.success_requests, 0);
    assert!(first.last_error.is_some());
    let second = counters(&p.pool, p.user_id, "backup", 5).await;
    assert_eq!(second.success_requests, 5);
    drop(p.app);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn connection_refused_fails_over_and_trips_the_key(pool: PgPool) {
    let second = MockUpstream::start().await;
    second.think(true);
    let port = crate::helpers::free_port();
    let (key, user_id) =
        user_with_upstream(&pool, "alice", &format!("http://127.0.0.1:{port}/v1")).await;
    add_key(&pool, user_id, "backup", &second.base_url, 50, 1).await;
    let app = TestApp::spawn_with(
        pool.clone(),
        &[
            "--allow-private-upstreams",
            "true",
            "--failure-threshold",
            "2",
        ],
    )
    .await;
    for _ in 0..10 {
        assert_eq!(post(&app, &key, &request()).await.status(), 200);
    }
    let dead = counters(&pool, user_id, "mock", 2).await;
    assert_eq!(
        dead.total_requests, 2,
        "after two failures the dead key is cooling down and skipped"
    );
    assert!(
        dead.cooldown_until
            .is_some_and(|t| t > time::OffsetDateTime::now_utc())
    );
    assert_eq!(dead.consecutive_failures, 2);
    let text = Cli::new(&pool).await.ok(&["upstream", "list", "alice"]);
    assert!(text.contains("cooldown until"), "{text}");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn retry_after_sets_the_cooldown(pool: PgPool) {
    let p = pair(pool, &[]).await;
    p.first.reply(Reply::Error(
        429,
        "slow down".into(),
        vec![("retry-after", "3600")],
    ));
    p.second.reply(Reply::Json(200, OK()));
    assert_eq!(post(&p.app, &p.key, &request()).await.status(), 200);
    let first = counters(&p.pool, p.user_id, "mock", 1).await;
    let until = first.cooldown_until.expect("cooling down");
    let left = until - time::OffsetDateTime::now_utc();
    assert!(left > time::Duration::minutes(55), "{left}");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn non_retryable_errors_and_late_failures_are_not_retried(pool: PgPool) {
    let p = pair(pool, &[]).await;
    p.first.reply(Reply::Error(
        400,
        r#"{"error":{"message":"messages: bad role"}}"#.into(),
        vec![],
    ));
    let response = post(&p.app, &p.key, &request()).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("bad role")
    );
    assert!(
        p.second.requests().is_empty(),
        "a genuine 400 is not retried"
    );

    // A stream cut after bytes reached the client: an error event, no retry.
    let body = sse(&[
        json!({"choices": [{"index": 0, "delta": {"content": "partial"}, "finish_reason": null}]}),
    ]);
    let cut = body[..body.len() - "data: [DONE]\n\n".len()].to_vec();
    p.first.reply(Reply::Sse(vec![cut], Duration::ZERO));
    let mut streaming = request();
    streaming["stream"] = json!(true);
    let text = post(&p.app, &p.key, &streaming)
        .await
        .text()
        .await
        .expect("body");
    assert!(text.contains("event: error"), "{text}");
    assert!(
        p.second.requests().is_empty(),
        "bytes had reached the client: no retry"
    );
    let log = latest_log(&p.pool, p.user_id, 2).await;
    assert_eq!(log.attempts, 1);
    assert!(!log.success);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn when_every_key_fails_the_last_error_is_returned(pool: PgPool) {
    let p = pair(pool, &[]).await;
    p.first
        .reply(Reply::Error(500, "first broke".into(), vec![]));
    p.second.reply(Reply::Error(
        503,
        r#"{"error":{"message":"second overloaded"}}"#.into(),
        vec![],
    ));
    let response = post(&p.app, &p.key, &request()).await;
    assert_eq!(response.status(), 529);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("second overloaded")
    );
    let log = latest_log(&p.pool, p.user_id, 1).await;
    assert_eq!((log.attempts, log.success), (2, false));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn parallel_requests_add_up_exactly(pool: PgPool) {
    let mocks = [
        MockUpstream::start().await,
        MockUpstream::start().await,
        MockUpstream::start().await,
    ];
    for mock in &mocks {
        mock.think(true);
    }
    let (key, user_id) = user_with_upstream(&pool, "alice", &mocks[0].base_url).await;
    add_key(&pool, user_id, "b", &mocks[1].base_url, 50, 2).await;
    add_key(&pool, user_id, "c", &mocks[2].base_url, 50, 3).await;
    let app = TestApp::spawn_with(pool.clone(), &["--allow-private-upstreams", "true"]).await;
    let body = request();
    let calls = (0..300).map(|_| post(&app, &key, &body));
    let responses = futures_util::future::join_all(calls).await;
    assert!(responses.iter().all(|r| r.status() == 200));
    let served: Vec<usize> = mocks.iter().map(|m| m.requests().len()).collect();
    assert_eq!(
        served,
        vec![50, 100, 150],
        "weights 1:2:3 share 300 requests exactly"
    );
    let mut total = 0;
    for name in ["mock", "b", "c"] {
        for _ in 0..50 {
            let k = store::upstream_keys::by_name(&pool, user_id, name)
                .await
                .expect("key");
            if k.total_requests > 0 && k.total_requests == k.success_requests {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let k = store::upstream_keys::by_name(&pool, user_id, name)
            .await
            .expect("key");
        assert_eq!(k.total_requests, k.success_requests);
        total += k.total_requests;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sum: i64 = sqlx::query_scalar("select sum(total_requests)::int8 from upstream_keys")
        .fetch_one(&pool)
        .await
        .expect("sum");
    assert_eq!(
        sum, 300,
        "counters add up to what was sent ({total} seen earlier)"
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_key_disabled_through_one_process_is_dropped_by_another(pool: PgPool) {
    let p = pair(pool, &[]).await;
    let other = TestApp::spawn_with(p.pool.clone(), &["--allow-private-upstreams", "true"]).await;
    p.first.think(true);
    p.second.think(true);
    assert_eq!(post(&other, &p.key, &request()).await.status(), 200);
    assert_eq!(p.first.requests().len(), 1);
    Cli::new(&p.pool)
        .await
        .ok(&["upstream", "disable", "alice", "mock"]);
    for _ in 0..5 {
        assert_eq!(post(&other, &p.key, &request()).await.status(), 200);
    }
    assert_eq!(
        p.first.requests().len(),
        1,
        "the disabled key got nothing more"
    );
    assert_eq!(p.second.requests().len(), 5);
    drop(p.app);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn strategy_and_test_commands(pool: PgPool) {
    let mock = MockUpstream::start().await;
    user_with_upstream(&pool, "alice", &mock.base_url).await;
    let cli = Cli::new(&pool)
        .await
        .env("NEXUS_ALLOW_PRIVATE_UPSTREAMS", "true");
    assert_eq!(
        cli.ok(&["pool", "strategy", "alice"]).trim(),
        "alice: priority"
    );
    assert_eq!(
        cli.ok(&["pool", "strategy", "alice", "round-robin"]).trim(),
        "alice: round-robin"
    );
    assert_eq!(
        cli.json(&["pool", "strategy", "alice"])["strategy"],
        "round-robin"
    );
    let err = cli.fails(&["pool", "strategy", "alice", "fastest"]);
    assert!(err.contains("unknown strategy"), "{err}");

    mock.reply(Reply::Json(200, OK()));
    let args = ["upstream", "test", "alice", "mock"];
    let out = crate::helpers::expect_ok(&args, &cli.run_async(&args).await);
    assert!(
        out.contains("mock: ok in") && out.contains("mock-large"),
        "{out}"
    );
    assert_eq!(mock.requests()[0]["max_tokens"], 16);
    mock.reply(Reply::Error(
        401,
        r#"{"error":{"message":"Incorrect API key"}}"#.into(),
        vec![],
    ));
    let err = crate::helpers::expect_failure(&args, &cli.run_async(&args).await);
    assert!(
        err.contains("HTTP 401") && err.contains("Incorrect API key"),
        "{err}"
    );
    assert!(!err.contains("sk-mock-upstream-secret"));
    let err = Cli::new(&pool)
        .await
        .fails(&["upstream", "test", "alice", "mock"]);
    assert!(err.contains("NEXUS_ALLOW_PRIVATE_UPSTREAMS"), "{err}");
}
