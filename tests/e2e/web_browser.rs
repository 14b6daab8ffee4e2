//! The dashboard in a real headless Chromium: a new user goes from the landing page to a
//! working Claude Code setup with only the browser, then reads their requests. Every page
//! is photographed at laptop and phone widths under `target/screenshots/` for review.

use serde_json::json;
use sqlx::PgPool;

use crate::chrome::Chrome;
use crate::claude_code::run_claude;
use crate::helpers::TestApp;
use crate::mock_github::MockGithub;
use crate::mock_upstream::MockUpstream;

fn octocat() -> serde_json::Value {
    json!({"id": 583231, "login": "octocat", "name": "Mona Lisa",
           "email": "mona@example.com", "avatar_url": null})
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_new_user_signs_in_with_github_and_gets_a_claude_code_setup(pool: PgPool) {
    let github = MockGithub::start().await;
    github.sign_in_as(octocat());
    let mut options = github.options();
    options.extend(["--admin-logins".to_owned(), "octocat".to_owned()]);
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let app = TestApp::spawn_with(pool.clone(), &options).await;
    let chrome = Chrome::start().await;

    chrome.goto(&format!("{}/", app.address)).await;
    let landing = chrome.page_text().await;
    assert!(landing.contains("Sign in with GitHub"), "{landing}");
    chrome.screenshots("landing").await;

    chrome.click("a[href='/auth/github']").await;
    chrome.wait_for_text("Authorize Nexus").await;
    chrome.click("#authorize").await;
    chrome.wait_for_text("Signed in as octocat").await;
    assert_eq!(chrome.current_path().await, "/console");
    let masked = chrome.text("#primary-key").await;
    assert!(
        masked.starts_with("ak-") && masked.contains('…'),
        "{masked}"
    );
    chrome.screenshots("console").await;

    // Reveal: the full key, and the snippets filled with it and the public URL.
    chrome
        .click("form[action='/console/key/reveal'] button")
        .await;
    chrome.wait_for_text("export ANTHROPIC_API_KEY").await;
    let key = chrome.text("#primary-key").await;
    assert!(key.starts_with("ak-") && !key.contains('…'), "{key}");
    let page = chrome.page_text().await;
    assert!(
        page.contains(&format!("ANTHROPIC_BASE_URL={}", app.address)),
        "{page}"
    );
    assert!(page.contains(&key));
    // It is the user's real key: the gateway takes it.
    let models = reqwest::Client::new()
        .get(format!("{}/v1/models", app.address))
        .header("x-api-key", &key)
        .send()
        .await
        .expect("models");
    assert_eq!(models.status(), 200);

    // A second key for another machine, shown once.
    chrome
        .fill("form[action='/console/keys'] input[name=name]", "laptop")
        .await;
    chrome.click("form[action='/console/keys'] button").await;
    let page = chrome.wait_for_text("laptop").await;
    assert!(page.contains("ak-"), "{page}");

    // The switch to Chinese sticks across pages.
    chrome.click("a.lang-switch").await;
    chrome.wait_for_text("控制台").await;
    chrome.goto(&format!("{}/console", app.address)).await;
    chrome.wait_for_text("控制台").await;
    chrome.screenshots("console-zh").await;
    chrome.click("a.lang-switch").await;
    chrome.wait_for_text("Console").await;

    // octocat is an admin here.
    chrome.goto(&format!("{}/admin", app.address)).await;
    let admin = chrome.page_text().await;
    assert!(admin.contains("octocat"), "{admin}");
    chrome.screenshots("admin").await;

    // Signing out leads back to the landing page; the console is closed.
    chrome.goto(&format!("{}/console", app.address)).await;
    chrome.click("form[action='/logout'] button").await;
    chrome.wait_for_text("Sign in with GitHub").await;
    chrome.goto(&format!("{}/console", app.address)).await;
    let path = chrome.current_path().await;
    assert!(path.starts_with("/login"), "{path}");
    chrome.screenshots("login").await;
}

/// Signs in through the mock GitHub's consent page; lands on the console.
async fn sign_in(chrome: &Chrome, app: &TestApp) {
    chrome.goto(&format!("{}/", app.address)).await;
    chrome.click("a[href='/auth/github']").await;
    chrome.wait_for_text("Authorize Nexus").await;
    chrome.click("#authorize").await;
    chrome.wait_for_text("Signed in as octocat").await;
}

/// The value of the form field `css`.
async fn value(chrome: &Chrome, css: &str) -> String {
    let script = format!("return document.querySelector({css:?}).value;");
    chrome
        .script(&script)
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn from_the_landing_page_to_claude_code_and_its_requests_on_the_logs(pool: PgPool) {
    let upstream = MockUpstream::start().await;
    upstream.think(false);
    upstream.set_models(&["mock-large", "mock-small", "mock-reasoner"]);
    let github = MockGithub::start().await;
    github.sign_in_as(octocat());
    let mut options = github.options();
    options.extend(["--allow-private-upstreams".to_owned(), "true".to_owned()]);
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let app = TestApp::spawn_with(pool.clone(), &options).await;
    let chrome = Chrome::start().await;
    sign_in(&chrome, &app).await;

    // No upstream yet: the console leads to the keys page, which says what to do.
    chrome.click("main a.button.primary[href='/keys']").await;
    chrome.wait_for_text("No upstream keys yet").await;
    chrome.screenshots("keys-empty").await;

    // A preset fills the provider's address; this user's provider lives at the mock.
    chrome.click("a[href='/keys?preset=openai#add']").await;
    chrome.wait_for_text("Add a key").await;
    assert_eq!(
        value(&chrome, "#key-base-url").await,
        "https://api.openai.com/v1"
    );
    chrome.fill("#key-name", "mock").await;
    chrome.fill("#key-base-url", &upstream.base_url).await;
    chrome.fill("#key-secret", "sk-browser-secret-9876").await;
    chrome.click("form[action='/keys'] button.primary").await;
    chrome.wait_for_text("…9876").await;
    let source = chrome
        .script("return document.documentElement.outerHTML;")
        .await;
    assert!(
        !source.to_string().contains("sk-browser-secret"),
        "the secret never comes back"
    );

    // Test the key, then ask it for its models.
    chrome.click("form[action$='/test'] button").await;
    chrome.wait_for_text("Answered in").await;
    chrome.click("form[action$='/models'] button").await;
    chrome.wait_for_text("mock-reasoner").await;
    chrome.screenshots("keys").await;

    // The edit form shows the settings, never the secret.
    chrome.click("a.button[href$='/edit']").await;
    chrome.wait_for_text("…9876").await;
    assert_eq!(value(&chrome, "#key-base-url").await, upstream.base_url);
    assert_eq!(value(&chrome, "#key-secret").await, "");
    chrome.screenshots("key-edit").await;

    // Somebody else's (or no) key: a readable page, not a bare error.
    chrome
        .goto(&format!(
            "{}/keys/{}/edit",
            app.address,
            uuid::Uuid::now_v7()
        ))
        .await;
    chrome
        .wait_for_text("There is nothing here, or it is not yours.")
        .await;
    chrome.screenshots("not-found").await;

    // The mapping: the families to the models the key offers.
    chrome.goto(&format!("{}/mapping", app.address)).await;
    chrome.fill("#target-haiku", "mock-small").await;
    chrome.fill("#target-sonnet", "mock-large").await;
    chrome.fill("#target-opus", "mock-reasoner").await;
    chrome.click("form[action='/mapping'] button.primary").await;
    chrome.wait_for_text("Your mapping is saved").await;
    chrome.screenshots("mapping").await;

    // The console's settings.json, pasted as is, is all Claude Code needs.
    chrome.goto(&format!("{}/console", app.address)).await;
    chrome
        .click("form[action='/console/key/reveal'] button")
        .await;
    chrome.wait_for_text("export ANTHROPIC_API_KEY").await;
    let settings = chrome.text("#snippet-5").await;
    assert!(settings.contains("ANTHROPIC_BASE_URL"), "{settings}");
    let home = tempfile::tempdir().expect("home");
    std::fs::create_dir_all(home.path().join(".claude")).expect(".claude");
    std::fs::write(home.path().join(".claude/settings.json"), &settings).expect("settings");
    let work = tempfile::tempdir().expect("workdir");
    let before = upstream.recorded().len();
    let result = run_claude(home.path(), &[], "Say hello", work.path(), &[]).await;
    let answer = result["result"].as_str().unwrap_or_default();
    assert!(answer.contains("Hello from the mock model."), "{result}");
    // Every request reached the upstream under a model the user mapped in the browser.
    let models: Vec<String> = upstream.requests()[before..]
        .iter()
        .map(|r| r["model"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(!models.is_empty());
    assert!(
        models
            .iter()
            .all(|m| ["mock-small", "mock-large", "mock-reasoner"].contains(&m.as_str())),
        "{models:?}"
    );

    // The requests on the logs page (the log writer flushes within a second or two).
    chrome.goto(&format!("{}/logs", app.address)).await;
    let mut page = chrome.page_text().await;
    let answered_by = models.last().cloned().unwrap_or_default();
    for _ in 0..50 {
        if page.contains(&answered_by) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        chrome.goto(&format!("{}/logs", app.address)).await;
        page = chrome.page_text().await;
    }
    assert!(page.contains(&format!("→ {answered_by}")), "{page}");
    chrome.screenshots("logs").await;
    chrome.click("#logs tbody tr td a").await;
    chrome.wait_for_text("Keys tried").await;
    assert!(chrome.current_path().await.starts_with("/logs/"));
    chrome.screenshots("log-detail").await;

    // And on the stats page: the same count of requests as the upstream answered, its
    // model in the breakdown, and the chart drawn.
    chrome.goto(&format!("{}/stats", app.address)).await;
    let requests = chrome.text("#total-requests").await;
    assert_eq!(requests, models.len().to_string());
    assert_eq!(chrome.text("#total-success-rate").await, "100.0%");
    assert!(chrome.text("#per-model").await.contains(&answered_by));
    assert!(chrome.text("#per-key").await.contains("mock"));
    let bars = chrome
        .script("return document.querySelectorAll('#requests svg rect').length;")
        .await;
    assert!(
        bars.as_i64().unwrap_or(0) > 0,
        "the requests chart has bars"
    );
    chrome.screenshots("stats").await;

    // The same pages in Chinese, for the first users; the choice sticks from page to page.
    chrome.click("a.lang-switch").await;
    chrome.wait_for_text("请求").await;
    for (path, name) in [
        ("/console", "console"),
        ("/keys", "keys"),
        ("/mapping", "mapping"),
        ("/logs", "logs"),
        ("/stats", "stats"),
    ] {
        chrome.goto(&format!("{}{path}", app.address)).await;
        let lang = chrome.script("return document.documentElement.lang;").await;
        assert_eq!(lang, "zh", "{path}");
        chrome.screenshots(&format!("{name}-zh")).await;
    }
}
