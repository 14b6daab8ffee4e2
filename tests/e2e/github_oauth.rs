//! Sign-in with GitHub against the mock GitHub: state and PKCE, first sign-in, renames,
//! and every way it can fail with a readable page.

use serde_json::json;
use sqlx::PgPool;

use crate::browser::{Browser, assert_redirect, local_user, location};
use crate::helpers::{TestApp, free_port};
use crate::mock_github::{CLIENT_ID, MockGithub, github_options};

async fn app_with(pool: PgPool, options: &[String], extra: &[&str]) -> TestApp {
    let mut all: Vec<&str> = options.iter().map(String::as_str).collect();
    all.extend_from_slice(extra);
    TestApp::spawn_with(pool, &all).await
}

/// `GET /auth/github`: returns the state and PKCE challenge sent to GitHub.
async fn begin(browser: &Browser) -> (String, String) {
    let response = browser.get("/auth/github").await;
    assert_eq!(response.status(), 303);
    let target = reqwest::Url::parse(&location(&response)).expect("authorize url");
    assert!(target.path().ends_with("/login/oauth/authorize"));
    let param = |name: &str| {
        target
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("no {name} in {target}"))
    };
    assert_eq!(param("client_id"), CLIENT_ID);
    assert_eq!(param("code_challenge_method"), "S256");
    assert!(param("redirect_uri").ends_with("/auth/github/callback"));
    assert!(param("scope").contains("read:user"));
    (param("state"), param("code_challenge"))
}

async fn callback(browser: &Browser, query: &str) -> reqwest::Response {
    browser.get(&format!("/auth/github/callback?{query}")).await
}

fn octocat(id: i64, login: &str) -> serde_json::Value {
    json!({"id": id, "login": login, "name": "Mona Lisa", "email": "mona@example.com",
           "avatar_url": "https://avatars.example/u/1"})
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn first_sign_in_creates_the_user_and_key_and_lands_on_the_console(pool: PgPool) {
    let github = MockGithub::start().await;
    let app = app_with(
        pool.clone(),
        &github.options(),
        &["--admin-logins", "octocat"],
    )
    .await;
    let browser = Browser::new(&app);
    let login_page = browser.get("/login").await.text().await.expect("body");
    assert!(login_page.contains("Sign in with GitHub"));

    let (state, challenge) = begin(&browser).await;
    let code = github.approve(octocat(583231, "octocat"), &challenge);
    let response = callback(&browser, &format!("code={code}&state={state}")).await;
    assert_redirect(&response, "/console");
    assert!(browser.session().is_some());
    assert!(
        github
            .user_agents()
            .iter()
            .all(|ua| ua.starts_with("nexus/"))
    );

    let user = store::users::by_github_id(&pool, 583231)
        .await
        .expect("query")
        .expect("user created");
    assert_eq!(user.login, "octocat");
    assert_eq!(user.email.as_deref(), Some("mona@example.com"));
    let keys = store::api_keys::list(&pool, user.id).await.expect("keys");
    assert_eq!(keys.len(), 1, "the first sign-in issues one key");

    let console = browser.get("/console").await;
    assert_eq!(console.status(), 200);
    let html = console.text().await.expect("body");
    assert!(
        html.contains(&format!("{}…", keys[0].prefix)),
        "masked key shown"
    );
    assert!(
        html.contains("href=\"/admin\""),
        "NEXUS_ADMIN_LOGINS makes an admin"
    );
    assert_eq!(browser.get("/admin").await.status(), 200);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_renamed_github_login_keeps_its_account(pool: PgPool) {
    let github = MockGithub::start().await;
    let app = app_with(pool.clone(), &github.options(), &[]).await;
    for login in ["mona", "mona-renamed"] {
        let browser = Browser::new(&app);
        let (state, challenge) = begin(&browser).await;
        let code = github.approve(octocat(77, login), &challenge);
        let response = callback(&browser, &format!("code={code}&state={state}")).await;
        assert_redirect(&response, "/console");
    }
    let users = store::users::list(&pool).await.expect("users");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].login, "mona-renamed");
    assert_eq!(
        store::api_keys::list(&pool, users[0].id)
            .await
            .expect("keys")
            .len(),
        1,
        "no second key on the second sign-in"
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn denied_consent_and_bad_state_give_readable_pages(pool: PgPool) {
    let github = MockGithub::start().await;
    let app = app_with(pool.clone(), &github.options(), &[]).await;

    let browser = Browser::new(&app);
    let (state, _) = begin(&browser).await;
    let response = callback(&browser, &format!("error=access_denied&state={state}")).await;
    assert_eq!(response.status(), 403);
    let html = response.text().await.expect("body");
    assert!(html.contains("Sign-in cancelled"), "{html}");

    let browser = Browser::new(&app);
    let (_, challenge) = begin(&browser).await;
    let code = github.approve(octocat(1, "eve"), &challenge);
    let response = callback(&browser, &format!("code={code}&state=forged")).await;
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Sign-in expired")
    );

    // No state cookie at all: a callback opened in another browser.
    let stranger = Browser::new(&app);
    let response = callback(&stranger, &format!("code={code}&state=whatever")).await;
    assert_eq!(response.status(), 400);
    assert!(browser.session().is_none() && stranger.session().is_none());
    assert_eq!(store::users::count(&pool).await.expect("count"), 0);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_replayed_code_is_refused(pool: PgPool) {
    let github = MockGithub::start().await;
    let app = app_with(pool.clone(), &github.options(), &[]).await;
    let browser = Browser::new(&app);
    let (state, challenge) = begin(&browser).await;
    let code = github.approve(octocat(5, "replay"), &challenge);
    let query = format!("code={code}&state={state}");
    assert_redirect(&callback(&browser, &query).await, "/console");

    // The same callback URL again: the state was single-use.
    let response = callback(&browser, &query).await;
    assert_eq!(response.status(), 400);

    // A fresh sign-in whose callback carries the old code: GitHub refuses it.
    let attacker = Browser::new(&app);
    let (state, _) = begin(&attacker).await;
    let response = callback(&attacker, &format!("code={code}&state={state}")).await;
    assert_eq!(response.status(), 400);
    let html = response.text().await.expect("body");
    assert!(html.contains("Sign-in not accepted"), "{html}");
    assert!(attacker.session().is_none());
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn github_unreachable_gives_a_readable_page(pool: PgPool) {
    let closed = format!("http://127.0.0.1:{}", free_port());
    let app = app_with(pool, &github_options(&closed), &[]).await;
    let browser = Browser::new(&app);
    let (state, _) = begin(&browser).await;
    let response = callback(&browser, &format!("code=abc&state={state}")).await;
    assert_eq!(response.status(), 502);
    let html = response.text().await.expect("body");
    assert!(html.contains("GitHub unreachable"), "{html}");
    assert!(!html.contains("mock-client-secret"));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn disabled_users_and_taken_logins_are_turned_away(pool: PgPool) {
    let github = MockGithub::start().await;
    let app = app_with(pool.clone(), &github.options(), &[]).await;
    local_user(&pool, "taken", Some("pw-of-the-local-account")).await;

    let browser = Browser::new(&app);
    let (state, challenge) = begin(&browser).await;
    let code = github.approve(octocat(9, "taken"), &challenge);
    let response = callback(&browser, &format!("code={code}&state={state}")).await;
    assert_eq!(response.status(), 409);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("already uses the login taken")
    );

    let (state, challenge) = begin(&browser).await;
    let code = github.approve(octocat(10, "gone"), &challenge);
    assert_redirect(
        &callback(&browser, &format!("code={code}&state={state}")).await,
        "/console",
    );
    let user = store::users::by_login(&pool, "gone").await.expect("user");
    store::users::set_disabled(&pool, user.id, true)
        .await
        .expect("disable");
    assert_redirect(&browser.get("/console").await, "/login");
    let (state, challenge) = begin(&browser).await;
    let code = github.approve(octocat(10, "gone"), &challenge);
    let response = callback(&browser, &format!("code={code}&state={state}")).await;
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Account disabled")
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn github_routes_are_off_without_a_client_id(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let browser = Browser::new(&app);
    assert_eq!(browser.get("/auth/github").await.status(), 404);
    let html = browser.get("/login").await.text().await.expect("body");
    assert!(!html.contains("Sign in with GitHub"));
    assert!(
        html.contains("nexus user add"),
        "says how to make an account"
    );
}
