//! Dashboard sessions, password sign-in and its throttling, and CSRF.

use sqlx::PgPool;

use crate::browser::{Browser, assert_redirect, local_user};
use crate::helpers::TestApp;

const PASSWORD: &str = "correct horse battery staple";

async fn sign_in(browser: &Browser, login: &str, password: &str) -> reqwest::Response {
    browser
        .post("/login", &[("login", login), ("password", password)])
        .await
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn password_sign_in_sets_a_safe_cookie_and_lands_on_the_console(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    local_user(&pool, "alice", Some(PASSWORD)).await;
    let browser = Browser::new(&app);
    assert_redirect(&browser.get("/console").await, "/login");
    let page = browser.get("/login").await.text().await.expect("body");
    assert!(page.contains("name=\"password\""), "local accounts exist");

    let response = sign_in(&browser, "ALICE", PASSWORD).await;
    assert_redirect(&response, "/console");
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("cookie")
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.starts_with("nexus_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(cookie.contains("Max-Age=2592000"), "30 days: {cookie}");
    assert!(!cookie.contains("Secure"), "plain http public URL");
    let token = browser.session().expect("session");
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("select token_hash from sessions")
        .fetch_all(&pool)
        .await
        .expect("sessions");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token.as_bytes(), "only a hash is stored");

    assert_eq!(browser.get("/console").await.status(), 200);
    assert_redirect(&browser.get("/login").await, "/console");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn cookies_are_secure_behind_https(pool: PgPool) {
    let app = TestApp::spawn_with(pool.clone(), &["--public-url", "https://nexus.example"]).await;
    local_user(&pool, "bob", Some(PASSWORD)).await;
    let response = sign_in(&Browser::new(&app), "bob", PASSWORD).await;
    let cookie = response.headers().get("set-cookie").expect("cookie");
    assert!(cookie.to_str().expect("ascii").contains("Secure"));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn wrong_passwords_are_throttled_per_account_and_address(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    local_user(&pool, "carol", Some(PASSWORD)).await;
    let browser = Browser::new(&app);
    for _ in 0..5 {
        let response = sign_in(&browser, "carol", "guess").await;
        assert_eq!(response.status(), 401);
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("Wrong login or password")
        );
    }
    // Locked: even the right password is refused, with a readable wait.
    let response = sign_in(&browser, "carol", PASSWORD).await;
    assert_eq!(response.status(), 429);
    let html = response.text().await.expect("body");
    assert!(
        html.contains("Too many failed sign-ins. Wait 15 minutes"),
        "{html}"
    );
    assert!(browser.session().is_none());
    // The address is locked too, for every account.
    local_user(&pool, "dave", Some(PASSWORD)).await;
    assert_eq!(sign_in(&browser, "dave", PASSWORD).await.status(), 429);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn unknown_logins_and_passwordless_users_cannot_sign_in(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    local_user(&pool, "nopass", None).await;
    let browser = Browser::new(&app);
    assert_eq!(sign_in(&browser, "nobody", PASSWORD).await.status(), 401);
    assert_eq!(sign_in(&browser, "nopass", "").await.status(), 401);
    assert!(browser.session().is_none());
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn logout_revokes_the_session_on_the_server(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    local_user(&pool, "erin", Some(PASSWORD)).await;
    let browser = Browser::new(&app);
    sign_in(&browser, "erin", PASSWORD).await;
    let token = browser.session().expect("session");
    assert_redirect(&browser.post("/logout", &[]).await, "/login");
    assert!(browser.session().is_none(), "cookie cleared");
    // A copy of the old cookie no longer works.
    let copy = Browser::new(&app);
    copy.set_session(&token);
    assert_redirect(&copy.get("/console").await, "/login");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn signing_out_everywhere_ends_every_session(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (frank, _) = local_user(&pool, "frank", None).await;
    let (other, _) = local_user(&pool, "other", None).await;
    let laptop = Browser::signed_in(&app, &pool, frank).await;
    let phone = Browser::signed_in(&app, &pool, frank).await;
    let someone_else = Browser::signed_in(&app, &pool, other).await;
    assert_redirect(&laptop.post("/logout/everywhere", &[]).await, "/login");
    assert_redirect(&phone.get("/console").await, "/login");
    assert_eq!(someone_else.get("/console").await.status(), 200);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn sessions_expire_and_slide_forward_with_use(pool: PgPool) {
    let app = TestApp::spawn_with(pool.clone(), &["--session-days", "2"]).await;
    let (user, _) = local_user(&pool, "gina", None).await;
    let browser = Browser::signed_in(&app, &pool, user).await;

    // Nearly over: a visit extends it to the full two days and resends the cookie.
    sqlx::query("update sessions set expires_at = now() + interval '1 hour'")
        .execute(&pool)
        .await
        .expect("age");
    let response = browser.get("/console").await;
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("refreshed cookie");
    assert!(cookie.to_str().expect("ascii").contains("Max-Age=172800"));
    let left: f64 =
        sqlx::query_scalar("select extract(epoch from expires_at - now())::float8 from sessions")
            .fetch_one(&pool)
            .await
            .expect("expiry");
    assert!(left > 47.0 * 3600.0, "slid to two days: {left}");

    sqlx::query("update sessions set expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .expect("expire");
    assert_redirect(&browser.get("/console").await, "/login");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_disabled_users_session_stops_at_once(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (user, _) = local_user(&pool, "hank", None).await;
    let browser = Browser::signed_in(&app, &pool, user).await;
    assert_eq!(browser.get("/console").await.status(), 200);
    store::users::set_disabled(&pool, user, true)
        .await
        .expect("disable");
    assert_redirect(&browser.get("/console").await, "/login");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn cross_site_posts_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (user, _) = local_user(&pool, "ivy", Some(PASSWORD)).await;
    let browser = Browser::signed_in(&app, &pool, user).await;
    let url = |path: &str| format!("{}{path}", app.address);
    for path in [
        "/console/keys",
        "/logout/everywhere",
        "/console/key/regenerate",
        "/login",
    ] {
        let response = browser
            .client
            .post(url(path))
            .header("sec-fetch-site", "cross-site")
            .form(&[("name", "evil"), ("confirm", "yes")])
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 403, "{path}");
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("another site")
        );
        let response = browser
            .client
            .post(url(path))
            .header("origin", "https://evil.example")
            .form(&[("name", "evil"), ("confirm", "yes")])
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 403, "{path} with a foreign Origin");
    }
    assert_eq!(
        browser.get("/console").await.status(),
        200,
        "still signed in"
    );
    let keys = store::api_keys::list(&pool, user).await.expect("keys");
    assert_eq!(keys.len(), 1, "nothing was changed");
    // The same form from the site itself goes through.
    let response = browser
        .client
        .post(url("/console/keys"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", &app.address)
        .form(&[("name", "laptop")])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
}
