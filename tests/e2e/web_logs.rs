//! The logs page over HTTP: keyset paging, every filter, the detail view, bad input and
//! empty states, and nobody else's requests.

use std::collections::HashSet;

use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::browser::{Browser, assert_redirect, local_user};
use crate::helpers::TestApp;
use crate::seed;

async fn body(browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// The ids of the requests listed on a page, in order.
fn listed(html: &str) -> Vec<Uuid> {
    html.split("href=\"/logs/")
        .skip(1)
        .filter_map(|rest| Uuid::try_parse(&rest[..36]).ok())
        .collect()
}

/// The link to the next (older) page, unescaped.
fn older_link(html: &str) -> Option<String> {
    let end = html.find("\" rel=\"next\"")?;
    let start = html[..end].rfind("href=\"")? + 6;
    Some(html[start..end].replace("&amp;", "&"))
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn pages_go_back_in_time_without_repeats_or_gaps(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (alice, _) = local_user(&pool, "alice", None).await;
    let (bob, _) = local_user(&pool, "bob", None).await;
    let now = OffsetDateTime::now_utc();
    let mut entries: Vec<_> = (0..120)
        .map(|i| seed::entry(alice, now - Duration::seconds(i * 60)))
        .collect();
    // Three requests in the same microsecond: the id orders them.
    let same = now - Duration::minutes(30) + Duration::microseconds(7);
    entries.extend((0..3).map(|_| seed::entry(alice, same)));
    let bobs = seed::entry(bob, now);
    entries.push(bobs.clone());
    seed::store(&pool, &entries, 1).await;
    let browser = Browser::signed_in(&app, &pool, alice).await;

    let mut seen = Vec::new();
    let mut path = "/logs".to_owned();
    let mut pages = 0;
    loop {
        let (status, html) = body(&browser, &path).await;
        assert_eq!(status, 200, "{path}");
        pages += 1;
        let ids = listed(&html);
        assert!(ids.len() <= 50);
        seen.extend(ids);
        if pages > 1 {
            assert!(html.contains("Newest"), "a way back to the newest");
        }
        match older_link(&html) {
            Some(next) => path = next,
            None => {
                assert!(html.contains("No older requests"));
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 123);
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 123, "no request twice");
    assert!(!seen.contains(&bobs.id), "never another user's request");
    assert_eq!(seen[0], entries[0].id, "newest first");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn every_filter_narrows_the_list_and_stays_in_the_form(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (alice, _) = local_user(&pool, "alice", None).await;
    let primary = seed::upstream_key(&pool, alice, "primary").await;
    let backup = seed::upstream_key(&pool, alice, "backup").await;
    let now = OffsetDateTime::now_utc();

    let mut ok = seed::entry(alice, now - Duration::minutes(5));
    ok.upstream_key_id = Some(primary);
    let mut streamed = seed::entry(alice, now - Duration::minutes(10));
    streamed.stream = true;
    streamed.upstream_key_id = Some(backup);
    streamed.requested_model = "claude-haiku-4-5".into();
    let broken = seed::failed(
        seed::entry(alice, now - Duration::minutes(20)),
        429,
        "rate limited",
    );
    let old = seed::entry(alice, now - Duration::days(3));
    seed::store(
        &pool,
        &[ok.clone(), streamed.clone(), broken.clone(), old.clone()],
        4,
    )
    .await;
    let browser = Browser::signed_in(&app, &pool, alice).await;

    let cases: Vec<(String, Vec<Uuid>)> = vec![
        ("/logs".into(), vec![ok.id, streamed.id, broken.id, old.id]),
        ("/logs?result=error".into(), vec![broken.id]),
        ("/logs?result=ok".into(), vec![ok.id, streamed.id, old.id]),
        ("/logs?stream=yes".into(), vec![streamed.id]),
        ("/logs?model=claude-haiku-4-5".into(), vec![streamed.id]),
        (format!("/logs?key={backup}"), vec![streamed.id]),
        (
            "/logs?range=24h".into(),
            vec![ok.id, streamed.id, broken.id],
        ),
        (
            format!(
                "/logs?from={}&to={}",
                old.created_at.date(),
                old.created_at.date()
            ),
            vec![old.id],
        ),
    ];
    for (path, expected) in cases {
        let (status, html) = body(&browser, &path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(listed(&html), expected, "{path}");
    }

    let (_, html) = body(
        &browser,
        &format!("/logs?result=error&key={primary}&model=x%20y"),
    )
    .await;
    assert!(html.contains("<option value=\"error\" selected>"));
    assert!(html.contains(&format!(
        "<option value=\"{primary}\" selected>primary</option>"
    )));
    assert!(html.contains("value=\"x y\""));
    assert!(html.contains("No requests match these filters"));
    assert!(html.contains("Clear filters"));

    // The failed row says what went wrong; the retried one shows its attempts.
    let (_, html) = body(&browser, "/logs?result=error").await;
    assert!(html.contains("badge err\">429") && html.contains("rate limited"));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn the_detail_page_has_every_field_and_the_whole_error(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (alice, _) = local_user(&pool, "alice", None).await;
    let (bob, _) = local_user(&pool, "bob", None).await;
    let primary = seed::upstream_key(&pool, alice, "primary").await;
    let backup = seed::upstream_key(&pool, alice, "backup").await;
    let message = format!("upstream said: {} the end", "quota exceeded; ".repeat(20));
    let mut entry = seed::failed(seed::entry(alice, OffsetDateTime::now_utc()), 503, &message);
    entry.upstream_keys_tried = vec![primary, Uuid::now_v7(), backup];
    entry.upstream_key_id = Some(backup);
    entry.attempts = 3;
    entry.stream = true;
    entry.ttfb_ms = Some(1500);
    entry.cache_read_tokens = 4096;
    let bobs = seed::entry(bob, OffsetDateTime::now_utc());
    seed::store(&pool, &[entry.clone(), bobs.clone()], 0).await;
    let browser = Browser::signed_in(&app, &pool, alice).await;

    let (_, list) = body(&browser, "/logs").await;
    assert!(
        !list.contains("the end"),
        "the list shows the start of the error"
    );
    assert!(list.contains("badge warn"), "the failover is visible");

    let (status, html) = body(&browser, &format!("/logs/{}", entry.id)).await;
    assert_eq!(status, 200);
    assert!(html.contains(&message), "the full error text");
    assert!(html.contains("primary → deleted key → backup"));
    assert!(html.contains("4,096"));
    assert!(html.contains("1.5 s"));
    assert!(html.contains("claude-sonnet-4-5") && html.contains("gpt-5"));

    for path in [
        format!("/logs/{}", bobs.id),
        format!("/logs/{}", Uuid::now_v7()),
        "/logs/not-an-id".to_owned(),
    ] {
        let (status, html) = body(&browser, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(!html.contains("claude-sonnet"), "{path}");
        // A readable page in the signed-in frame: the navigation stays.
        assert!(html.contains("There is nothing here, or it is not yours."));
        assert!(
            html.contains("href=\"/stats\"") && html.contains("Sign out"),
            "{path}"
        );
    }
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn bad_input_gets_a_readable_message_and_empty_pages_say_what_to_do(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (alice, _) = local_user(&pool, "alice", None).await;
    let browser = Browser::signed_in(&app, &pool, alice).await;

    let (status, html) = body(&browser, "/logs").await;
    assert_eq!(status, 200);
    assert!(html.contains("No requests yet") && html.contains("href=\"/console\""));

    for (path, message) in [
        ("/logs?after=garbage", "This page link is broken"),
        ("/logs?from=yesterday", "The start date is not a date."),
        (
            "/logs?from=2026-11-05&to=2026-11-01",
            "The end date is before the start date.",
        ),
        ("/logs?result=maybe", "Choose ok, error or all."),
        ("/logs?key=nope", "Choose an upstream key from the list."),
        ("/logs?range=forever", "Choose a time range from the list."),
    ] {
        let (status, html) = body(&browser, path).await;
        assert_eq!(status, 400, "{path}");
        assert!(html.contains(message), "{path}: {html}");
    }
    let (_, html) = body(&browser, "/logs?from=yesterday").await;
    assert!(
        html.contains("value=\"yesterday\""),
        "the form keeps what was typed"
    );

    assert_redirect(&Browser::new(&app).get("/logs").await, "/login");
}
