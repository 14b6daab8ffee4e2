//! The model mapping page: the system defaults, switching to one's own targets (used by the
//! gateway at once), validation, reset, and suggestions loaded from the user's keys.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use store::model_mappings::{self, MappingMode};
use store::upstream_keys::Provider;

use crate::browser::{Browser, assert_redirect, local_user};
use crate::helpers::{TestApp, free_port, keyring, user_with_upstream};
use crate::mock_upstream::MockUpstream;

async fn body(response: reqwest::Response) -> String {
    response.text().await.expect("body")
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn the_defaults_are_shown_and_own_targets_saved_and_reset(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (user, _) = local_user(&pool, "alice", None).await;
    let browser = Browser::signed_in(&app, &pool, user).await;

    let response = browser.get("/mapping").await;
    assert_eq!(response.status(), 200);
    let html = body(response).await;
    for shown in [
        "A mapping matters once you have an upstream key",
        r#"href="/keys""#,
        "You use the system default mapping",
        "<code>gemini-2.0-flash-exp</code>",
        "<code>gemini-2.0-flash-thinking-exp</code>",
        "<code>gemini-exp-1206</code>",
        // The form starts from the defaults, and suggests them.
        r#"name="haiku" value="gemini-2.0-flash-exp""#,
        r#"<option value="gemini-exp-1206">"#,
        "Switch to my mapping",
    ] {
        assert!(html.contains(shown), "{shown:?}");
    }
    assert!(
        !html.contains(r#"action="/mapping/reset""#),
        "nothing to reset"
    );

    let form = [
        ("haiku", " deepseek-chat "),
        ("sonnet", "deepseek-reasoner"),
        ("opus", "deepseek-reasoner"),
        ("other", ""),
    ];
    assert_redirect(
        &browser.post("/mapping", &form).await,
        "/mapping?done=saved",
    );
    let stored = model_mappings::get(&pool, user).await.expect("mapping");
    assert_eq!(stored.mode, MappingMode::Custom);
    assert_eq!(stored.haiku.as_deref(), Some("deepseek-chat"));
    assert_eq!(stored.sonnet.as_deref(), Some("deepseek-reasoner"));
    assert_eq!(stored.other, None, "other follows sonnet");

    let html = body(browser.get("/mapping?done=saved").await).await;
    assert!(html.contains("Your mapping is saved"));
    assert!(html.contains("You use your own mapping"));
    assert!(html.contains(r#"name="haiku" value="deepseek-chat""#));
    assert!(html.contains(r#"name="other" value="""#));
    assert!(html.contains(r#"action="/mapping/reset" class="inline" data-confirm="#));

    assert_redirect(
        &browser.post("/mapping/reset", &[]).await,
        "/mapping?done=reset",
    );
    let stored = model_mappings::get(&pool, user).await.expect("mapping");
    assert_eq!(stored.mode, MappingMode::Default);
    assert_eq!(stored.haiku, None);
    let html = body(browser.get("/mapping?done=reset").await).await;
    assert!(html.contains("Back to the system default mapping."));

    let zh = browser
        .client
        .get(format!("{}/mapping", browser.base))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .expect("GET");
    let html = body(zh).await;
    assert!(html.contains("你正在使用系统默认映射") && html.contains("从我的密钥获取模型列表"));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn refused_targets_keep_their_values_and_change_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (user, _) = local_user(&pool, "bob", None).await;
    let browser = Browser::signed_in(&app, &pool, user).await;
    let targets = model_mappings::MappingTargets {
        haiku: Some("kept-haiku".into()),
        sonnet: Some("kept-sonnet".into()),
        opus: Some("kept-opus".into()),
        other: None,
    };
    model_mappings::set_custom(&pool, user, &targets)
        .await
        .expect("mapping");
    let long = "m".repeat(201);
    let form = [
        ("haiku", ""),
        ("sonnet", "two words"),
        ("opus", long.as_str()),
        ("other", "fine-model"),
    ];
    let response = browser.post("/mapping", &form).await;
    assert_eq!(response.status(), 422);
    let html = body(response).await;
    for shown in [
        "The mapping was not saved.",
        "Enter a model name, or pick one from the list.",
        "A model name has no spaces.",
        "A model name has at most 200 characters.",
        r#"value="two words""#,
        r#"value="fine-model""#,
        r#"aria-invalid="true""#,
    ] {
        assert!(html.contains(shown), "{shown:?}");
    }
    let stored = model_mappings::get(&pool, user).await.expect("mapping");
    assert_eq!(stored.haiku.as_deref(), Some("kept-haiku"));
    assert_eq!(stored.sonnet.as_deref(), Some("kept-sonnet"));

    let response = browser
        .client
        .post(format!("{}/mapping", browser.base))
        .header("accept-language", "zh-CN")
        .form(&[("haiku", ""), ("sonnet", "a"), ("opus", "b")])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 422);
    assert!(body(response).await.contains("请输入模型名称"));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_saved_mapping_is_what_the_gateway_asks_for(pool: PgPool) {
    let mock = MockUpstream::start().await;
    mock.think(true);
    let app = TestApp::spawn_with(pool.clone(), &["--allow-private-upstreams", "true"]).await;
    let (ak_key, user) = user_with_upstream(&pool, "carol", &mock.base_url).await;
    let browser = Browser::signed_in(&app, &pool, user).await;
    let form = [
        ("haiku", "picked-small"),
        ("sonnet", "picked-large"),
        ("opus", "picked-large"),
        ("other", "picked-other"),
    ];
    assert_redirect(
        &browser.post("/mapping", &form).await,
        "/mapping?done=saved",
    );
    for (requested, target) in [
        ("claude-sonnet-4-5", "picked-large"),
        ("claude-haiku-4-5", "picked-small"),
        ("claude-fable-5-2", "picked-other"),
    ] {
        let response = reqwest::Client::new()
            .post(format!("{}/v1/messages", app.address))
            .header("x-api-key", &ak_key)
            .header("anthropic-version", "2023-06-01")
            .json(&serde_json::json!({
                "model": requested, "max_tokens": 64,
                "messages": [{"role": "user", "content": "hi"}],
            }))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200, "{requested}");
        let sent = mock.requests().pop().expect("a request upstream");
        assert_eq!(sent["model"], target, "{requested}");
    }
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn models_of_the_keys_become_suggestions_even_when_one_is_down(pool: PgPool) {
    let mock = MockUpstream::start().await;
    mock.set_models(&["deep-one", "deep-two", "gem-pro"]);
    let app = TestApp::spawn_with(pool.clone(), &["--allow-private-upstreams", "true"]).await;
    let (_, user) = user_with_upstream(&pool, "dave", &mock.base_url).await;
    for (name, provider, base) in [
        ("gem", Provider::Gemini, mock.root.clone()),
        (
            "down",
            Provider::Openai,
            format!("http://127.0.0.1:{}/v1", free_port()),
        ),
        ("off", Provider::Openai, mock.base_url.clone()),
    ] {
        let input = nexus::upstreams::UpstreamInput {
            name: name.into(),
            provider,
            base_url: base,
            secret: "sk-mapping-test-secret-1234".into(),
            priority: 50,
            weight: 1,
            enabled: name != "off",
        };
        nexus::upstreams::add(&pool, &keyring(), user, input)
            .await
            .expect("key");
    }
    let browser = Browser::signed_in(&app, &pool, user).await;

    // Viewing the page asks no upstream.
    let html = body(browser.get("/mapping").await).await;
    assert!(!html.contains(r#"<option value="deep-one">"#));
    assert!(mock.recorded().is_empty());

    let started = Instant::now();
    let response = browser.post("/mapping/models", &[]).await;
    assert_eq!(response.status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "a down key does not hold the page"
    );
    let html = body(response).await;
    for model in ["deep-one", "deep-two", "gem-pro"] {
        assert!(
            html.contains(&format!(r#"<option value="{model}">"#)),
            "{model}"
        );
    }
    assert!(html.contains("<strong>mock</strong>") && html.contains("<strong>gem</strong>"));
    assert!(html.contains("3 models"));
    assert!(
        html.contains("<strong>down</strong>") && html.contains("could not reach the upstream")
    );
    assert!(
        !html.contains("<strong>off</strong>"),
        "disabled keys are not asked"
    );
    assert!(
        !html.contains("sk-mapping-test-secret-1234") && !html.contains("sk-mock-upstream-secret")
    );
    // The mapping in use is suggested too.
    assert!(html.contains(r#"<option value="mock-large">"#));

    // The lists stay suggested on the next views, without asking again.
    let asked = mock.recorded().len();
    let html = body(browser.get("/mapping").await).await;
    assert!(html.contains(r#"<option value="gem-pro">"#));
    assert_eq!(mock.recorded().len(), asked);

    // Another user sees none of them.
    let (other, _) = local_user(&pool, "erin", None).await;
    let html = body(
        Browser::signed_in(&app, &pool, other)
            .await
            .get("/mapping")
            .await,
    )
    .await;
    assert!(!html.contains("deep-one") && !html.contains("gem-pro"));
}
