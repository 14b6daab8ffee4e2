//! The stats page over HTTP: totals that match what went through the gateway, ranges and
//! their bars, failovers and the per key / per model tables, bad ranges, empty states, and
//! nobody else's traffic.

use std::time::Duration as StdDuration;

use serde_json::json;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use crate::browser::{Browser, assert_redirect, local_user};
use crate::helpers::{TestApp, user_with_upstream};
use crate::mock_upstream::{MockUpstream, Reply};
use crate::seed;

async fn body(browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// The text of the element with `id` (up to its first tag).
fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\">");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no #{id}")) + marker.len();
    let end = start + html[start..].find('<').expect("end of text");
    &html[start..end]
}

/// The markup of the section with `id`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let end = start + html[start..].find("</section>").expect("section end");
    &html[start..end]
}

/// The cells of the table row whose first cell mentions `first`.
fn row<'a>(html: &'a str, table: &str, first: &str) -> Vec<&'a str> {
    let start = html
        .find(&format!("<table class=\"data\" id=\"{table}\">"))
        .unwrap_or_else(|| panic!("no table {table}"));
    let table = &html[start..start + html[start..].find("</table>").expect("table end")];
    let row = table
        .split("<tr>")
        .find(|row| {
            row.split("</td>")
                .next()
                .is_some_and(|cell| cell.contains(first))
        })
        .unwrap_or_else(|| panic!("no row for {first} in {table}"));
    row.split("<td class=\"num\">")
        .skip(1)
        .map(|cell| &cell[..cell.find('<').expect("cell end")])
        .collect()
}

fn bars(html: &str, chart: &str) -> usize {
    section(html, chart).matches("<g class=\"bar\">").count()
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn totals_and_tables_match_what_went_through_the_gateway(pool: PgPool) {
    let upstream = MockUpstream::start().await;
    let (key, alice) = user_with_upstream(&pool, "alice", &upstream.base_url).await;
    let app = TestApp::spawn_with(pool.clone(), &["--allow-private-upstreams", "true"]).await;
    for (prompt, completion) in [(20, 3), (30, 5), (25, 4)] {
        upstream.reply(Reply::Json(
            200,
            json!({
                "id": "chatcmpl-1", "object": "chat.completion", "model": "mock-large",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
            }),
        ));
    }
    upstream.reply(Reply::Error(429, "slow down".into(), vec![]));
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for model in [
        "claude-sonnet-4-5",
        "claude-sonnet-4-5",
        "claude-haiku-4-5",
        "claude-sonnet-4-5",
    ] {
        let response = client
            .post(format!("{}/v1/messages", app.address))
            .header("x-api-key", &key)
            .header("anthropic-version", "2023-06-01")
            .json(&json!({"model": model, "max_tokens": 64,
                          "messages": [{"role": "user", "content": "Say hi"}]}))
            .send()
            .await
            .expect("request");
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    // The log writer stores rows (and their rollups) in the background.
    let mut logged = Vec::new();
    for _ in 0..100 {
        logged = store::gateway_logs::recent(&pool, alice, 10)
            .await
            .expect("logs");
        if logged.len() == 4 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert_eq!(logged.len(), 4, "every request logged");
    let browser = Browser::signed_in(&app, &pool, alice).await;

    let (status, html) = body(&browser, "/stats?range=24h").await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&html, "total-requests"), "4");
    assert_eq!(text_of(&html, "total-errors"), "1");
    assert_eq!(text_of(&html, "total-success-rate"), "75.0%");
    assert_eq!(text_of(&html, "total-failovers"), "0");
    assert_eq!(text_of(&html, "total-tokens-in"), "75");
    assert_eq!(text_of(&html, "total-tokens-out"), "12");
    let latency: i64 = logged.iter().map(|l| i64::from(l.latency_ms)).sum();
    assert_eq!(
        text_of(&html, "total-avg-latency"),
        format!("{:.0} ms", latency as f64 / 4.0)
    );
    assert!(text_of(&html, "total-p95-latency").ends_with(" ms"));

    // 24 hourly bars in each chart, with tooltips; this hour's bar holds everything.
    assert_eq!(bars(&html, "requests"), 24);
    assert_eq!(bars(&html, "tokens"), 24);
    assert_eq!(
        section(&html, "requests")
            .matches("class=\"bar-ok\"")
            .count(),
        1
    );
    assert_eq!(
        section(&html, "requests")
            .matches("class=\"bar-err\"")
            .count(),
        1
    );
    assert!(html.contains(": 4 requests, 1 failed</title>"));
    assert!(html.contains(": 75 in, 0 cached, 12 out</title>"));
    assert!(html.contains("role=\"img\" aria-labelledby=\"requests-chart-title\""));
    assert!(html.contains("Requests per hour, "));

    // Per key: the mock answered all four; per model: where each went.
    assert_eq!(row(&html, "per-key", "mock")[..3], ["4", "75.0%", "0"]);
    let mock_key = logged[0].upstream_key_id.expect("key");
    // Askama writes `&` as `&#38;`.
    assert!(html.contains(&format!("href=\"/logs?key={mock_key}&#38;range=24h\"")));
    let sonnet = row(&html, "per-model", "claude-sonnet-4-5");
    assert_eq!(sonnet[..3], ["3", "66.7%", "1"]);
    assert_eq!(sonnet[3], "50", "tokens in");
    let haiku = row(&html, "per-model", "claude-haiku-4-5");
    assert_eq!(haiku[..3], ["1", "100.0%", "0"]);
    assert!(html.contains("claude-haiku-4-5</a> <span class=\"muted\">→ mock-small</span>"));
    assert!(html.contains("href=\"/logs?model=claude-haiku-4-5&#38;range=24h\""));

    // The same traffic over 7 days: one bar per day, today's holding it.
    let (_, html) = body(&browser, "/stats").await;
    assert_eq!(bars(&html, "requests"), 7);
    assert_eq!(text_of(&html, "total-requests"), "4");
    assert!(html.contains("Requests per day"));
    assert_eq!(
        row(
            &html,
            "periods",
            &OffsetDateTime::now_utc().date().to_string()
        )[0],
        "4"
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn ranges_choose_the_bars_and_failovers_count_per_key(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (alice, _) = local_user(&pool, "alice", None).await;
    let (bob, _) = local_user(&pool, "bob", None).await;
    let primary = seed::upstream_key(&pool, alice, "primary").await;
    let backup = seed::upstream_key(&pool, alice, "backup").await;
    let now = OffsetDateTime::now_utc();

    let mut recent = seed::entry(alice, now - Duration::minutes(1));
    recent.upstream_key_id = Some(primary);
    recent.upstream_keys_tried = vec![primary];
    // Failed on the primary, answered by the backup.
    let mut failed_over = seed::entry(alice, now - Duration::days(3));
    failed_over.upstream_key_id = Some(backup);
    failed_over.upstream_keys_tried = vec![primary, backup];
    failed_over.attempts = 2;
    failed_over.cache_read_tokens = 1000;
    let broken = seed::failed(seed::entry(alice, now - Duration::days(3)), 500, "boom");
    let older = seed::entry(alice, now - Duration::days(20));
    let oldest = seed::entry(alice, now - Duration::days(60));
    let bobs: Vec<_> = (0..5).map(|_| seed::entry(bob, now)).collect();
    let mut entries = vec![recent, failed_over, broken, older, oldest.clone()];
    entries.extend(bobs);
    seed::store(&pool, &entries, 61).await;
    let browser = Browser::signed_in(&app, &pool, alice).await;

    let (_, html) = body(&browser, "/stats?range=24h").await;
    assert_eq!(
        text_of(&html, "total-requests"),
        "1",
        "never bob's requests"
    );
    assert_eq!(bars(&html, "requests"), 24);

    let (_, html) = body(&browser, "/stats?range=7d").await;
    assert_eq!(text_of(&html, "total-requests"), "3");
    assert_eq!(text_of(&html, "total-errors"), "1");
    assert_eq!(text_of(&html, "total-failovers"), "1");
    assert_eq!(bars(&html, "requests"), 7);
    assert!(html.contains("1,000 cache read"));
    // The primary answered one request and passed one on; the backup answered one.
    assert_eq!(row(&html, "per-key", "primary")[..3], ["1", "100.0%", "1"]);
    assert_eq!(row(&html, "per-key", "backup")[..3], ["1", "100.0%", "0"]);
    assert_eq!(row(&html, "per-key", "no key reached")[..2], ["1", "0.0%"]);
    assert!(
        html.contains("aria-pressed=\"true\">Last 7 days"),
        "the chosen range is marked"
    );

    let (_, html) = body(&browser, "/stats?range=30d").await;
    assert_eq!(text_of(&html, "total-requests"), "4");
    assert_eq!(bars(&html, "requests"), 30);
    assert_eq!(bars(&html, "tokens"), 30);

    // Chosen days: one day is drawn per hour, longer spans per day.
    let day = oldest.created_at.date().to_string();
    let (status, html) = body(
        &browser,
        &format!("/stats?range=custom&from={day}&to={day}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        text_of(&html, "total-requests"),
        "1",
        "rollups outlive the logs"
    );
    assert_eq!(bars(&html, "requests"), 24);
    assert!(
        html.contains(&format!("value=\"{day}\"")),
        "the dates stay in the form"
    );
    let from = (now - Duration::days(3)).date();
    let to = (now - Duration::days(2)).date();
    let (_, html) = body(&browser, &format!("/stats?from={from}&to={to}")).await;
    assert_eq!(text_of(&html, "total-requests"), "2");
    assert_eq!(bars(&html, "requests"), 48);
    let from = (now - Duration::days(70)).date();
    let (_, html) = body(&browser, &format!("/stats?range=custom&from={from}")).await;
    assert_eq!(text_of(&html, "total-requests"), "5");
    assert_eq!(bars(&html, "requests"), 71, "seventy days back and today");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn bad_ranges_get_a_readable_message_keeping_what_was_typed(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (alice, _) = local_user(&pool, "alice", None).await;
    seed::store(&pool, &[seed::entry(alice, OffsetDateTime::now_utc())], 0).await;
    let browser = Browser::signed_in(&app, &pool, alice).await;
    let tomorrow = (OffsetDateTime::now_utc() + Duration::days(1)).date();
    let far = (OffsetDateTime::now_utc() - Duration::days(500)).date();
    for (path, message) in [
        (
            "/stats?range=forever".to_owned(),
            "Choose a time range from the list.",
        ),
        ("/stats?range=custom".to_owned(), "Choose a start date."),
        (
            "/stats?range=custom&from=yesterday".to_owned(),
            "The start date is not a date.",
        ),
        (
            "/stats?from=2026-01-01&to=2026-13-01".to_owned(),
            "The end date is not a date.",
        ),
        (
            "/stats?from=2026-11-05&to=2026-11-01".to_owned(),
            "The end date is before the start date.",
        ),
        (
            format!("/stats?from={tomorrow}"),
            "The start date is in the future.",
        ),
        (format!("/stats?from={far}"), "Choose at most 400 days."),
    ] {
        let (status, html) = body(&browser, &path).await;
        assert_eq!(status, 400, "{path}");
        assert!(html.contains(message), "{path}");
        assert!(
            html.contains("class=\"flash err\" role=\"alert\""),
            "{path}"
        );
        assert!(!html.contains("<svg class=\"chart"), "{path}: no charts");
    }
    let (_, html) = body(&browser, "/stats?range=custom&from=yesterday&to=2026-11-01").await;
    assert!(html.contains("value=\"yesterday\"") && html.contains("value=\"2026-11-01\""));
    assert!(html.contains("aria-invalid=\"true\""));

    assert_redirect(&Browser::new(&app).get("/stats").await, "/login");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn empty_ranges_say_what_to_do(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (alice, _) = local_user(&pool, "alice", None).await;
    let browser = Browser::signed_in(&app, &pool, alice).await;

    let (status, html) = body(&browser, "/stats").await;
    assert_eq!(status, 200);
    assert!(html.contains("No requests yet"));
    assert!(html.contains("href=\"/console\""), "the way to set up");
    assert!(!html.contains("id=\"totals\"") && !html.contains("<svg class=\"chart"));

    seed::store(
        &pool,
        &[seed::entry(
            alice,
            OffsetDateTime::now_utc() - Duration::days(10),
        )],
        11,
    )
    .await;
    let (status, html) = body(&browser, "/stats").await;
    assert_eq!(status, 200);
    assert!(html.contains("No requests in this range"));
    assert!(html.contains("href=\"/stats?range=30d\""));
    let (_, html) = body(&browser, "/stats?range=30d").await;
    assert_eq!(text_of(&html, "total-requests"), "1");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn the_page_speaks_chinese(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (alice, _) = local_user(&pool, "alice", None).await;
    seed::store(&pool, &[seed::entry(alice, OffsetDateTime::now_utc())], 0).await;
    let browser = Browser::signed_in(&app, &pool, alice).await;
    assert_redirect(&browser.get("/lang/zh?back=/stats").await, "/stats");

    let (_, html) = body(&browser, "/stats?range=24h").await;
    for text in [
        "每小时请求数",
        "按上游密钥",
        "按模型",
        "成功率",
        "平均延迟",
        "：1 个请求，失败 0 个",
    ] {
        assert!(html.contains(text), "{text}");
    }
    let (status, html) = body(&browser, "/stats?range=forever").await;
    assert_eq!(status, 400);
    assert!(html.contains("请从列表中选择时间范围。"));
}
