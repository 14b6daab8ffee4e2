//! The admin page: global totals, each user's traffic and last activity, paging.

use sqlx::PgPool;
use store::gateway_logs::LogEntry;
use uuid::Uuid;

use crate::browser::{Browser, local_user};
use crate::helpers::TestApp;
use crate::seed;

fn entry(user_id: Uuid, success: bool, input: i32, output: i32) -> LogEntry {
    let mut entry = seed::entry(user_id, time::OffsetDateTime::now_utc());
    if !success {
        entry = seed::failed(entry, 502, "upstream broke");
    }
    entry.input_tokens = input;
    entry.output_tokens = output;
    entry
}

async fn admin(pool: &PgPool, login: &str) -> Uuid {
    let (id, _) = local_user(pool, login, None).await;
    store::users::set_admin(pool, id, true)
        .await
        .expect("promote");
    id
}

/// The cells of the table row that holds `login`.
fn row_of(html: &str, login: &str) -> Vec<String> {
    let start = html
        .find(&format!("<td>{login}"))
        .unwrap_or_else(|| panic!("no row for {login}"));
    let end = start + html[start..].find("</tr>").expect("row end");
    html[start..end]
        .split("<td")
        .skip(1)
        .map(|cell| {
            let inner = &cell[cell.find('>').expect("cell") + 1..];
            let inner = &inner[..inner.find("</td>").unwrap_or(inner.len())];
            inner.trim().to_owned()
        })
        .collect()
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn admins_see_each_users_traffic_and_the_gateway_totals(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let root = admin(&pool, "root").await;
    let (busy, _) = local_user(&pool, "busy", None).await;
    let (quiet, _) = local_user(&pool, "quiet", None).await;
    store::users::set_disabled(&pool, quiet, true)
        .await
        .expect("disable");
    let today = time::OffsetDateTime::now_utc().date();
    let mut entries: Vec<LogEntry> = (0..1200).map(|_| entry(busy, true, 10, 2)).collect();
    entries.push(entry(busy, false, 5, 0));
    seed::store(&pool, &entries, 0).await;

    let browser = Browser::signed_in(&app, &pool, root).await;
    let html = browser.get("/admin").await.text().await.expect("body");

    // Totals: 3 users (1 disabled, 1 active), 1,201 requests of which 1 failed.
    let totals = &html[html.find("id=\"totals\"").expect("totals")..];
    let totals = &totals[..totals.find("</section>").expect("end")];
    assert!(totals.contains(">3<"), "{totals}");
    assert!(totals.contains("1 with requests, 1 disabled"), "{totals}");
    assert!(totals.contains("1,201"), "{totals}");
    assert!(totals.contains("1 errors"), "{totals}");
    assert!(totals.contains("99.9%"), "{totals}");
    assert!(totals.contains("12,005"), "input tokens: {totals}");

    let busy_row = row_of(&html, "busy");
    assert_eq!(&busy_row[6..9], ["1,201", "1", "14,405"], "{busy_row:?}");
    let quiet_row = row_of(&html, "quiet");
    assert!(quiet_row[3].contains("disabled"));
    assert_eq!(quiet_row[5], "never");
    assert_eq!(&quiet_row[6..9], ["0", "0", "0"]);
    // The admin's own session counts as activity today.
    let root_row = row_of(&html, "root");
    assert!(root_row[0].contains("(you)"));
    assert!(root_row[5].starts_with(&today.to_string()), "{root_row:?}");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn many_users_are_paged(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let root = admin(&pool, "root").await;
    for n in 0..60 {
        local_user(&pool, &format!("user-{n:02}"), None).await;
    }
    let browser = Browser::signed_in(&app, &pool, root).await;
    let first = browser.get("/admin").await.text().await.expect("body");
    assert!(first.contains("Page 1 of 2"));
    assert!(first.contains("<td>user-48") && !first.contains("<td>user-49"));
    assert!(first.contains("href=\"/admin?page=2\""));

    let second = browser
        .get("/admin?page=2")
        .await
        .text()
        .await
        .expect("body");
    assert!(second.contains("Page 2 of 2"));
    assert!(second.contains("<td>user-49") && second.contains("<td>user-59"));
    assert!(!second.contains("<td>user-48"));

    // Past the end goes to the last page; nonsense reads as the first.
    let past = browser.get("/admin?page=9").await;
    crate::browser::assert_redirect(&past, "/admin?page=2");
    let nonsense = browser.get("/admin?page=x").await;
    assert_eq!(nonsense.status(), 200);
    assert!(nonsense.text().await.expect("body").contains("Page 1 of 2"));
}
