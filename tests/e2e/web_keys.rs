//! The upstream keys page: the pool table, adding from presets, validation, editing that
//! keeps the secret, delete / enable / disable, test and fetch models against the mock
//! upstream for all three kinds of key, the pool strategy, and isolation between users.

use sqlx::PgPool;
use store::upstream_keys::{self, Provider, UpstreamKey};
use uuid::Uuid;

use crate::browser::{Browser, assert_redirect, local_user};
use crate::helpers::{TestApp, free_port, keyring, user_with_upstream};
use crate::mock_upstream::{MockUpstream, Reply};

/// The secret `user_with_upstream` gives its `mock` key.
const MOCK_SECRET: &str = "sk-mock-upstream-secret";
const SECRET: &str = "sk-web-form-secret-0123456789";

async fn body(response: reqwest::Response) -> String {
    response.text().await.expect("body")
}

async fn keys(pool: &PgPool, user: Uuid) -> Vec<UpstreamKey> {
    upstream_keys::list(pool, user).await.expect("keys")
}

fn secret_of(key: &UpstreamKey) -> String {
    keyring()
        .secret_box()
        .decrypt_string(auth::Purpose::UpstreamSecret, key.id, &key.secret_encrypted)
        .expect("decrypts")
}

/// Adds a key straight to the store.
async fn add_key(pool: &PgPool, user: Uuid, name: &str, provider: Provider, base: &str) -> Uuid {
    add_key_with(pool, user, name, provider, base, SECRET).await
}

async fn add_key_with(
    pool: &PgPool,
    user: Uuid,
    name: &str,
    provider: Provider,
    base: &str,
    secret: &str,
) -> Uuid {
    let input = nexus::upstreams::UpstreamInput {
        name: name.into(),
        provider,
        base_url: base.into(),
        secret: secret.into(),
        priority: 50,
        weight: 1,
        enabled: true,
    };
    nexus::upstreams::add(pool, &keyring(), user, input)
        .await
        .expect("key")
        .id
}

fn assert_no_secret(html: &str) {
    for secret in [SECRET, MOCK_SECRET] {
        assert!(!html.contains(secret), "a secret reached the page");
    }
}

async fn get_zh(browser: &Browser, path: &str) -> String {
    let response = browser
        .client
        .get(format!("{}{path}", browser.base))
        .header("accept-language", "zh-CN,zh;q=0.9")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), 200);
    body(response).await
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn the_pool_is_listed_without_secrets_and_an_empty_pool_says_what_to_do(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (new_user, _) = local_user(&pool, "newbie", None).await;
    let newbie = Browser::signed_in(&app, &pool, new_user).await;
    let html = body(newbie.get("/keys").await).await;
    assert!(html.contains("No upstream keys yet"), "empty state");
    assert!(html.contains(r##"href="#add""##) && html.contains(r#"action="/keys""#));
    assert!(html.contains("/keys?preset=deepseek#add"), "preset links");
    let html = get_zh(&newbie, "/keys").await;
    assert!(
        html.contains("还没有上游密钥") && html.contains("硅基流动"),
        "in Chinese"
    );

    let (_, user) = user_with_upstream(&pool, "alice", "https://api.example.com/v1").await;
    let key = keys(&pool, user).await.remove(0);
    let activity = upstream_keys::KeyActivity {
        key_id: key.id,
        requests: 4,
        successes: 3,
        failures: 1,
        last_used_at: Some(time::OffsetDateTime::now_utc()),
        last_failure_at: Some(time::OffsetDateTime::now_utc()),
        last_error: Some(format!(
            "upstream mock returned HTTP 429: {}",
            "slow down ".repeat(20)
        )),
        cooldown_until: Some(time::OffsetDateTime::now_utc() + time::Duration::minutes(5)),
        ..Default::default()
    };
    upstream_keys::record_activity(&pool, &[activity])
        .await
        .expect("activity");
    let browser = Browser::signed_in(&app, &pool, user).await;
    let response = browser.get("/keys").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = body(response).await;
    for shown in [
        "mock",
        "…cret",
        "https://api.example.com/v1",
        "Other OpenAI-compatible API",
        "75.0%",
        "Cooling down until",
        "HTTP 429: slow down",
        "<details",
        &format!("/keys/{}/edit", key.id),
        &format!("/keys/{}/test", key.id),
        &format!("/keys/{}/models", key.id),
        &format!("/keys/{}/disable", key.id),
        &format!("/keys/{}/delete", key.id),
        "data-confirm",
        "class=\"table-wrap\"",
    ] {
        assert!(html.contains(shown), "the page shows {shown:?}");
    }
    assert!(!html.contains("No upstream keys yet"));
    assert_no_secret(&html);
    let html = get_zh(&browser, "/keys").await;
    assert!(html.contains("冷却中") && html.contains("密钥池策略"));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn keys_are_added_from_presets(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (user, _) = local_user(&pool, "bob", None).await;
    let browser = Browser::signed_in(&app, &pool, user).await;

    // The preset link fills the form without any script.
    let html = body(browser.get("/keys?preset=deepseek").await).await;
    assert!(html.contains(r#"value="deepseek" data-base-url="https://api.deepseek.com" selected"#));
    assert!(html.contains(r#"name="base_url" value="https://api.deepseek.com""#));
    assert!(html.contains(r#"name="name" value="deepseek""#));

    // The base URL left empty: the preset's.
    let response = browser
        .post(
            "/keys",
            &[
                ("name", "ds"),
                ("preset", "deepseek"),
                ("base_url", ""),
                ("secret", SECRET),
                ("priority", "70"),
                ("weight", "3"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert_redirect(&response, "/keys?done=added");
    let form = |name: &'static str, preset: &'static str, base: &'static str| {
        vec![
            ("name", name),
            ("preset", preset),
            ("base_url", base),
            ("secret", SECRET),
            ("priority", "50"),
            ("weight", "1"),
        ]
    };
    // Gemini native, switched off (no `enabled` box).
    let response = browser
        .post(
            "/keys",
            &form("gem", "gemini", "https://generativelanguage.googleapis.com"),
        )
        .await;
    assert_redirect(&response, "/keys?done=added");
    let mut relay = form("relay", "custom-anthropic", "https://relay.example.com/");
    relay.push(("enabled", "on"));
    assert_redirect(&browser.post("/keys", &relay).await, "/keys?done=added");

    let stored = keys(&pool, user).await;
    let find = |name: &str| stored.iter().find(|k| k.name == name).expect(name);
    let ds = find("ds");
    assert_eq!(
        (
            ds.provider,
            ds.base_url.as_str(),
            ds.priority,
            ds.weight,
            ds.enabled
        ),
        (Provider::Openai, "https://api.deepseek.com", 70, 3, true)
    );
    assert_eq!(secret_of(ds), SECRET);
    assert_eq!(ds.secret_hint, "…6789");
    let gem = find("gem");
    assert_eq!((gem.provider, gem.enabled), (Provider::Gemini, false));
    let relay = find("relay");
    assert_eq!(
        (relay.provider, relay.base_url.as_str()),
        (Provider::Anthropic, "https://relay.example.com")
    );

    let html = body(browser.get("/keys?done=added").await).await;
    assert!(html.contains("Key added."), "notice");
    assert!(html.contains("DeepSeek") && html.contains("Google Gemini (native API)"));
    assert!(html.contains("Other Anthropic-compatible API"));
    assert!(html.contains("…6789"));
    assert!(
        html.contains(&format!("/keys/{}/enable", gem.id)),
        "gem is off"
    );
    assert_no_secret(&html);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn refused_forms_keep_their_values_and_store_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (user, _) = local_user(&pool, "carol", None).await;
    let browser = Browser::signed_in(&app, &pool, user).await;
    let response = browser
        .post(
            "/keys",
            &[
                ("name", "keep-me"),
                ("preset", "openai"),
                ("base_url", "ftp://files.example.com"),
                ("secret", "sk-with a space"),
                ("priority", "500"),
                ("weight", "0"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = body(response).await;
    for shown in [
        r#"value="keep-me""#,
        r#"value="ftp://files.example.com""#,
        r#"value="500""#,
        "The URL must start with https://",
        "An API key has no spaces",
        "Priority is a whole number from 0 to 100.",
        "Weight is a whole number from 1 to 100.",
        r#"aria-invalid="true""#,
    ] {
        assert!(html.contains(shown), "{shown:?} in the refused form");
    }
    assert!(
        !html.contains("sk-with a space"),
        "the secret is not echoed"
    );
    // The box was not ticked: it stays unticked.
    assert!(!html.contains(r#"name="enabled" value="on" checked"#));

    for (form, message) in [
        (
            vec![("name", ""), ("preset", "openai"), ("secret", SECRET)],
            "A name has 1 to 64 characters.",
        ),
        (
            vec![("name", "x"), ("preset", "azure"), ("secret", SECRET)],
            "Choose a provider from the list.",
        ),
        (
            vec![
                ("name", "x"),
                ("preset", "custom-openai"),
                ("secret", SECRET),
            ],
            "Enter the base URL of this API.",
        ),
        (
            vec![("name", "x"), ("preset", "openai"), ("secret", "")],
            "Paste the API key from your provider.",
        ),
        (
            vec![
                ("name", "x"),
                ("preset", "openai"),
                ("base_url", "https://user:pw@api.example.com"),
                ("secret", SECRET),
            ],
            "Leave the key out of the URL",
        ),
    ] {
        let mut form = form;
        form.extend([("priority", "50"), ("weight", "1")]);
        let response = browser.post("/keys", &form).await;
        assert_eq!(response.status(), 422, "{form:?}");
        let html = body(response).await;
        assert!(html.contains(message), "{message:?}");
        assert_no_secret(&html);
    }
    assert!(keys(&pool, user).await.is_empty(), "nothing stored");

    // A taken name.
    add_key(
        &pool,
        user,
        "main",
        Provider::Openai,
        "https://api.openai.com/v1",
    )
    .await;
    let form = [
        ("name", "main"),
        ("preset", "openrouter"),
        ("secret", "sk-other-secret-abcdef"),
        ("priority", "50"),
        ("weight", "1"),
    ];
    let response = browser.post("/keys", &form).await;
    assert_eq!(response.status(), 409);
    let html = body(response).await;
    assert!(html.contains("You already have an upstream key with this name."));
    assert!(!html.contains("sk-other-secret-abcdef"));
    let stored = keys(&pool, user).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].base_url, "https://api.openai.com/v1");

    // In Chinese, the sentences are Chinese.
    let response = browser
        .client
        .post(format!("{}/keys", browser.base))
        .header("accept-language", "zh-CN")
        .form(&[
            ("name", ""),
            ("preset", "openai"),
            ("secret", SECRET),
            ("priority", "x"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 422);
    let html = body(response).await;
    assert!(
        html.contains("名称需要 1 到 64 个字符。")
            && html.contains("优先级是 0 到 100 之间的整数。")
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn an_edit_keeps_the_secret_unless_a_new_one_is_typed(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (user, _) = local_user(&pool, "dave", None).await;
    let id = add_key(
        &pool,
        user,
        "main",
        Provider::Openai,
        "https://api.moonshot.cn/v1",
    )
    .await;
    add_key(
        &pool,
        user,
        "spare",
        Provider::Openai,
        "https://api.openai.com/v1",
    )
    .await;
    let browser = Browser::signed_in(&app, &pool, user).await;

    let response = browser.get(&format!("/keys/{id}/edit")).await;
    assert_eq!(response.status(), 200);
    let html = body(response).await;
    assert!(
        html.contains(r#"value="moonshot" data-base-url="https://api.moonshot.cn/v1" selected"#)
    );
    assert!(html.contains(r#"name="name" value="main""#));
    assert!(html.contains("Leave empty to keep the current key (…6789)."));
    assert!(html.contains(r#"type="password" value="""#));
    assert_no_secret(&html);

    let edit = |name: &'static str, secret: &'static str, weight: &'static str| {
        vec![
            ("name", name),
            ("preset", "moonshot"),
            ("base_url", "https://api.moonshot.ai/v1"),
            ("secret", secret),
            ("priority", "80"),
            ("weight", weight),
            ("enabled", "on"),
        ]
    };
    let path = format!("/keys/{id}");
    assert_redirect(
        &browser.post(&path, &edit("kimi", "", "5")).await,
        "/keys?done=saved",
    );
    let key = upstream_keys::by_id(&pool, user, id).await.expect("key");
    assert_eq!(
        (
            key.name.as_str(),
            key.base_url.as_str(),
            key.priority,
            key.weight
        ),
        ("kimi", "https://api.moonshot.ai/v1", 80, 5)
    );
    assert_eq!(secret_of(&key), SECRET, "kept");

    // A refused edit changes nothing and keeps what was typed.
    let response = browser.post(&path, &edit("renamed", "", "0")).await;
    assert_eq!(response.status(), 422);
    let html = body(response).await;
    assert!(html.contains(r#"value="renamed""#) && html.contains("Weight is a whole number"));
    let response = browser.post(&path, &edit("spare", "", "5")).await;
    assert_eq!(response.status(), 409);
    assert!(
        body(response)
            .await
            .contains("You already have an upstream key with this name.")
    );
    let unchanged = upstream_keys::by_id(&pool, user, id).await.expect("key");
    assert_eq!((unchanged.name.as_str(), unchanged.weight), ("kimi", 5));

    // A new secret replaces the old one; the page shows only its end.
    let new_secret = "sk-brand-new-secret-wxyz";
    assert_redirect(
        &browser.post(&path, &edit("kimi", new_secret, "5")).await,
        "/keys?done=saved",
    );
    let key = upstream_keys::by_id(&pool, user, id).await.expect("key");
    assert_eq!(secret_of(&key), new_secret);
    let html = body(browser.get("/keys?done=saved").await).await;
    assert!(html.contains("Changes saved.") && html.contains("…wxyz"));
    assert!(!html.contains(new_secret));
    assert_no_secret(&html);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn keys_are_disabled_enabled_and_deleted(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (user, _) = local_user(&pool, "erin", None).await;
    let id = add_key(
        &pool,
        user,
        "main",
        Provider::Openai,
        "https://api.openai.com/v1",
    )
    .await;
    let browser = Browser::signed_in(&app, &pool, user).await;

    assert_redirect(
        &browser.post(&format!("/keys/{id}/disable"), &[]).await,
        "/keys?done=disabled",
    );
    assert!(
        !upstream_keys::by_id(&pool, user, id)
            .await
            .expect("key")
            .enabled
    );
    let html = body(browser.get("/keys?done=disabled").await).await;
    assert!(html.contains("Key disabled") && html.contains(&format!("/keys/{id}/enable")));
    assert_redirect(
        &browser.post(&format!("/keys/{id}/enable"), &[]).await,
        "/keys?done=enabled",
    );
    assert!(
        upstream_keys::by_id(&pool, user, id)
            .await
            .expect("key")
            .enabled
    );

    let html = body(browser.get("/keys").await).await;
    assert!(html.contains(&format!(
        r#"action="/keys/{id}/delete" class="inline" data-confirm="#
    )));
    assert_redirect(
        &browser.post(&format!("/keys/{id}/delete"), &[]).await,
        "/keys?done=deleted",
    );
    assert!(keys(&pool, user).await.is_empty());
    assert_eq!(
        browser
            .post(&format!("/keys/{id}/delete"), &[])
            .await
            .status(),
        404,
        "already gone"
    );
    let html = body(browser.get("/keys?done=deleted").await).await;
    assert!(html.contains("Key deleted.") && html.contains("No upstream keys yet"));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn another_users_key_is_not_found_on_every_route(pool: PgPool) {
    let mock = MockUpstream::start().await;
    mock.think(true);
    let app = TestApp::spawn_with(pool.clone(), &["--allow-private-upstreams", "true"]).await;
    let (_, alice) = user_with_upstream(&pool, "alice", &mock.base_url).await;
    let (bob, _) = local_user(&pool, "bob", None).await;
    let key = keys(&pool, alice).await.remove(0);
    let bob_browser = Browser::signed_in(&app, &pool, bob).await;

    assert_eq!(
        bob_browser
            .get(&format!("/keys/{}/edit", key.id))
            .await
            .status(),
        404
    );
    let takeover = [
        ("name", "mine-now"),
        ("preset", "openai"),
        ("secret", "sk-bobs-secret-000000"),
        ("priority", "1"),
        ("weight", "1"),
    ];
    let response = bob_browser
        .post(&format!("/keys/{}", key.id), &takeover)
        .await;
    assert_eq!(response.status(), 404);
    for action in ["delete", "enable", "disable", "test", "models"] {
        let path = format!("/keys/{}/{action}", key.id);
        let response = bob_browser.post(&path, &[]).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_no_secret(&body(response).await);
    }
    for path in ["/keys/not-a-uuid/edit", "/keys/not-a-uuid/test"] {
        let response = if path.ends_with("edit") {
            bob_browser.get(path).await
        } else {
            bob_browser.post(path, &[]).await
        };
        assert_eq!(response.status(), 404, "{path}");
    }
    assert!(mock.recorded().is_empty(), "no upstream was called for Bob");
    let after = upstream_keys::by_id(&pool, alice, key.id)
        .await
        .expect("still there");
    assert_eq!(
        (after.name.as_str(), after.enabled, after.priority),
        ("mock", true, 50)
    );
    assert_eq!(secret_of(&after), MOCK_SECRET);
    let html = body(bob_browser.get("/keys").await).await;
    assert!(!html.contains(&key.id.to_string()) && !html.contains(&mock.base_url));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn test_and_fetch_models_work_for_every_kind_of_key(pool: PgPool) {
    let mock = MockUpstream::start().await;
    mock.think(true);
    mock.set_models(&[
        "mock-large",
        "mock-small",
        "mock-vision",
        "mock-tiny",
        "mock-xl",
    ]);
    let app = TestApp::spawn_with(pool.clone(), &["--allow-private-upstreams", "true"]).await;
    let (_, user) = user_with_upstream(&pool, "frank", &mock.base_url).await;
    let openai = keys(&pool, user).await.remove(0).id;
    let gemini = add_key(&pool, user, "gem", Provider::Gemini, &mock.root).await;
    let anthropic = add_key(&pool, user, "claude", Provider::Anthropic, &mock.root).await;
    let browser = Browser::signed_in(&app, &pool, user).await;

    let expectations = [
        (openai, "/v1/chat/completions", MOCK_SECRET),
        (gemini, "/v1beta/models/mock-large:generateContent", SECRET),
        (anthropic, "/v1/messages", SECRET),
    ];
    for (id, path, secret) in expectations {
        let before = mock.recorded().len();
        let response = browser.post(&format!("/keys/{id}/test"), &[]).await;
        assert_eq!(response.status(), 200);
        let html = body(response).await;
        assert!(html.contains("Works"), "{path}: {html}");
        assert!(html.contains("Answered in") && html.contains("Hello from the mock model."));
        assert!(
            html.contains("<code>mock-large</code>"),
            "the sonnet target"
        );
        assert_no_secret(&html);
        let sent = &mock.recorded()[before];
        assert_eq!(sent.path, path);
        let auth = |name: &str| {
            sent.headers
                .get(name)
                .map(|v| v.to_str().expect("ascii").to_owned())
        };
        match path {
            "/v1/chat/completions" => {
                assert_eq!(auth("authorization"), Some(format!("Bearer {secret}")));
                assert_eq!(sent.json["max_tokens"], 16);
            }
            "/v1/messages" => {
                assert_eq!(auth("x-api-key").as_deref(), Some(secret));
                assert!(auth("anthropic-version").is_some());
                assert_eq!(sent.json["model"], "mock-large");
            }
            _ => assert_eq!(auth("x-goog-api-key").as_deref(), Some(secret)),
        }
    }

    // Another model, typed on the result.
    let before = mock.recorded().len();
    let html = body(
        browser
            .post(&format!("/keys/{openai}/test"), &[("model", "mock-small")])
            .await,
    )
    .await;
    assert!(html.contains("<code>mock-small</code>"));
    assert_eq!(mock.recorded()[before].json["model"], "mock-small");
    let html = body(
        browser
            .post(&format!("/keys/{openai}/test"), &[("model", "two words")])
            .await,
    )
    .await;
    assert!(html.contains("A model name has no spaces"));
    assert_eq!(mock.recorded().len(), before + 1, "not sent");

    // The upstream's error, with the secret it quoted masked.
    mock.reply(Reply::Error(
        401,
        format!(r#"{{"error":{{"message":"Incorrect API key provided: {MOCK_SECRET}"}}}}"#),
        vec![],
    ));
    let html = body(browser.post(&format!("/keys/{openai}/test"), &[]).await).await;
    assert!(html.contains("Failed") && html.contains("HTTP 401"));
    assert!(
        html.contains("Incorrect API key provided: [redacted]"),
        "{html}"
    );
    assert_no_secret(&html);
    // A key of no familiar shape (Zhipu's `id.secret`) is masked too.
    let odd_secret = "0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp";
    let odd = add_key_with(
        &pool,
        user,
        "odd",
        Provider::Openai,
        &mock.base_url,
        odd_secret,
    )
    .await;
    mock.reply(Reply::Error(
        401,
        format!(r#"{{"error":{{"message":"token {odd_secret} expired"}}}}"#),
        vec![],
    ));
    let html = body(browser.post(&format!("/keys/{odd}/test"), &[]).await).await;
    assert!(html.contains("token [redacted] expired"), "{html}");
    assert!(!html.contains(odd_secret));

    // Model lists: OpenAI's whole, Anthropic's and Gemini's over several pages.
    for id in [openai, gemini, anthropic] {
        let response = browser.post(&format!("/keys/{id}/models"), &[]).await;
        assert_eq!(response.status(), 200);
        let html = body(response).await;
        assert!(html.contains("5 models."), "{id}: {html}");
        for model in [
            "mock-large",
            "mock-small",
            "mock-vision",
            "mock-tiny",
            "mock-xl",
        ] {
            assert!(html.contains(&format!("<code>{model}</code>")), "{model}");
        }
        assert!(
            !html.contains("mock-embedding"),
            "embedding models are left out"
        );
        assert_no_secret(&html);
    }
    let listings: Vec<String> = mock
        .recorded()
        .into_iter()
        .map(|r| r.path)
        .filter(|p| p.contains("/models?") || p.ends_with("/models"))
        .collect();
    assert!(listings.contains(&"/v1/models".to_owned()), "{listings:?}");
    assert!(
        listings.iter().any(|p| p.contains("after_id=mock-small")),
        "{listings:?}"
    );
    assert!(
        listings.iter().any(|p| p.contains("pageToken=4")),
        "{listings:?}"
    );

    mock.reply(Reply::Error(
        403,
        format!(r#"{{"error":{{"message":"key {SECRET} is not allowed to list models"}}}}"#),
        vec![],
    ));
    let html = body(
        browser
            .post(&format!("/keys/{anthropic}/models"), &[])
            .await,
    )
    .await;
    assert!(html.contains("Failed") && html.contains("HTTP 403"));
    assert!(html.contains("is not allowed to list models"));
    assert_no_secret(&html);

    // A key whose server is down: a readable error, quickly.
    let down = add_key(
        &pool,
        user,
        "down",
        Provider::Openai,
        &format!("http://127.0.0.1:{}/v1", free_port()),
    )
    .await;
    for action in ["test", "models"] {
        let html = body(browser.post(&format!("/keys/{down}/{action}"), &[]).await).await;
        assert!(
            html.contains("could not reach the upstream"),
            "{action}: {html}"
        );
    }
    // Testing does not count as traffic.
    let counted = keys(&pool, user).await;
    assert!(counted.iter().all(|k| k.total_requests == 0));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn private_addresses_stay_refused_unless_allowed(pool: PgPool) {
    let mock = MockUpstream::start().await;
    mock.think(true);
    let app = TestApp::spawn(pool.clone()).await;
    let (_, user) = user_with_upstream(&pool, "gina", &mock.base_url).await;
    let id = keys(&pool, user).await.remove(0).id;
    let browser = Browser::signed_in(&app, &pool, user).await;
    for action in ["test", "models"] {
        let html = body(browser.post(&format!("/keys/{id}/{action}"), &[]).await).await;
        assert!(html.contains("NEXUS_ALLOW_PRIVATE_UPSTREAMS"), "{action}");
    }
    assert!(mock.recorded().is_empty());
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn the_pool_strategy_is_chosen_on_the_page(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (user, _) = local_user(&pool, "hank", None).await;
    let browser = Browser::signed_in(&app, &pool, user).await;
    let html = body(browser.get("/keys").await).await;
    assert!(html.contains(r#"value="priority" checked"#));
    assert_redirect(
        &browser
            .post("/keys/strategy", &[("strategy", "failover")])
            .await,
        "/keys?done=strategy",
    );
    assert_eq!(
        store::users::pool_strategy(&pool, user)
            .await
            .expect("strategy"),
        "failover"
    );
    let html = body(browser.get("/keys?done=strategy").await).await;
    assert!(html.contains(r#"value="failover" checked"#) && html.contains("Pool strategy saved."));
    let response = browser
        .post("/keys/strategy", &[("strategy", "fastest")])
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        body(response)
            .await
            .contains("Choose one of the strategies")
    );
    assert_eq!(
        store::users::pool_strategy(&pool, user)
            .await
            .expect("strategy"),
        "failover"
    );
}
