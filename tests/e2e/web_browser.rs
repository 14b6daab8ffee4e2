//! The dashboard in a real headless Chromium: a new user goes from the landing page to a
//! working Claude Code setup with only the browser, then reads their requests. Every page
//! is photographed at laptop and phone widths under `target/screenshots/` for review.

use serde_json::json;
use sqlx::PgPool;

use crate::chrome::Chrome;
use crate::helpers::TestApp;
use crate::mock_github::MockGithub;

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
