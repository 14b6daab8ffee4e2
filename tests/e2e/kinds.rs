//! Gemini and Anthropic keys through the gateway, and a pool mixing kinds.

use serde_json::{Value, json};
use sqlx::PgPool;
use store::upstream_keys::Provider;

use crate::helpers::{TestApp, keyring, user_with_upstream};
use crate::mock_upstream::{MockUpstream, Reply};

/// A user whose only key is of `provider`, on a fresh mock.
async fn setup(pool: &PgPool, provider: Provider) -> (TestApp, MockUpstream, String, uuid::Uuid) {
    let upstream = MockUpstream::start().await;
    upstream.think(false);
    let (key, user_id) = user_with_upstream(pool, "alice", &upstream.base_url).await;
    let mock = store::upstream_keys::by_name(pool, user_id, "mock")
        .await
        .expect("key");
    let edit = nexus::upstreams::UpstreamEdit {
        provider: Some(provider),
        base_url: Some(upstream.root.clone()),
        ..Default::default()
    };
    nexus::upstreams::edit(pool, &keyring(), &mock, edit)
        .await
        .expect("kind");
    let app = TestApp::spawn_with(pool.clone(), &["--allow-private-upstreams", "true"]).await;
    (app, upstream, key, user_id)
}

async fn post(app: &TestApp, key: &str, body: &[u8], extra: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{}/v1/messages?beta=true", app.address))
        .header("x-api-key", key)
        .header("content-type", "application/json");
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.body(body.to_vec()).send().await.expect("send")
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn anthropic_keys_get_the_body_byte_for_byte(pool: PgPool) {
    // Unmapped: the Claude name passes through, every byte as the client sent it.
    let (app, upstream, key, user_id) = setup(&pool, Provider::Anthropic).await;
    store::model_mappings::reset(&pool, user_id)
        .await
        .expect("default mapping");
    let body = br#"{"model":"claude-sonnet-5-5",  "max_tokens":64,"stream":false,
        "messages":[{"role":"user","content":[{"type":"text","text":"Say hello","cache_control":{"type":"ephemeral","scope":"x"}}]}],
        "context_management":{"edits":[]}}"#;
    let response = post(
        &app,
        &key,
        body,
        &[
            ("anthropic-version", "2023-06-01"),
            ("anthropic-beta", "context-management-2025-06-27"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("json");
    assert_eq!(answer["content"][0]["text"], "Hello from the mock model.");
    let seen = &upstream.recorded()[0];
    assert_eq!(seen.path, "/v1/messages");
    assert_eq!(&seen.raw[..], &body[..], "forwarded byte for byte");
    assert_eq!(
        seen.headers["x-api-key"], "sk-mock-upstream-secret",
        "the client's ak- key is replaced"
    );
    assert_eq!(seen.headers["anthropic-version"], "2023-06-01");
    assert_eq!(
        seen.headers["anthropic-beta"],
        "context-management-2025-06-27"
    );

    // Mapped: only the model changes; and a stream comes back unchanged.
    let targets = store::model_mappings::MappingTargets {
        sonnet: Some("claude-opus-4-1".into()),
        ..Default::default()
    };
    store::model_mappings::set_custom(&pool, user_id, &targets)
        .await
        .expect("mapping");
    let streaming = String::from_utf8_lossy(body).replace("\"stream\":false", "\"stream\":true");
    let response = post(&app, &key, streaming.as_bytes(), &[]).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("body");
    let seen = &upstream.recorded()[1];
    assert_eq!(
        String::from_utf8_lossy(&seen.raw),
        streaming.replace("claude-sonnet-5-5", "claude-opus-4-1")
    );
    assert!(text.starts_with("event: message_start"), "{text}");
    assert!(
        text.contains("Hello from the mock model.")
            && text.ends_with("data: {\"type\":\"message_stop\"}\n\n")
    );
    // Usage was read on the way for the log.
    for _ in 0..100 {
        let rows = store::gateway_logs::recent(&pool, user_id, 10)
            .await
            .expect("logs");
        if rows.len() == 2 {
            assert!(
                rows.iter()
                    .all(|r| r.success && r.output_tokens == 12 && r.input_tokens > 0),
                "{rows:?}"
            );
            assert_eq!(rows[0].provider.as_deref(), Some("anthropic"));
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("log rows missing");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn foreign_thinking_never_reaches_anthropic(pool: PgPool) {
    let (app, upstream, key, _) = setup(&pool, Provider::Anthropic).await;
    let body = json!({"model": "claude-sonnet-5-5", "max_tokens": 64, "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "from deepseek", "signature": "nexus.0123"},
                                          {"type": "text", "text": "hello"}]},
        {"role": "user", "content": "again"}]});
    let response = post(&app, &key, body.to_string().as_bytes(), &[]).await;
    assert_eq!(response.status(), 200);
    let seen = &upstream.requests()[0];
    assert_eq!(
        seen["messages"][1]["content"],
        json!([{"type": "text", "text": "hello"}])
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn gemini_keys_get_the_native_api(pool: PgPool) {
    let (app, upstream, key, _) = setup(&pool, Provider::Gemini).await;
    let body = json!({"model": "claude-haiku-5-5", "max_tokens": 64, "system": "Be brief.",
        "messages": [{"role": "user", "content": "Say hello"}]});
    let response = post(&app, &key, body.to_string().as_bytes(), &[]).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("json");
    assert_eq!(answer["model"], "claude-haiku-5-5");
    assert_eq!(answer["content"][0]["text"], "Hello from the mock model.");
    let seen = &upstream.recorded()[0];
    assert_eq!(seen.path, "/v1beta/models/mock-small:generateContent");
    assert_eq!(seen.headers["x-goog-api-key"], "sk-mock-upstream-secret");
    assert!(seen.headers.get("authorization").is_none());
    assert_eq!(
        seen.json["systemInstruction"]["parts"][0]["text"],
        "Be brief."
    );

    let mut streaming = body;
    streaming["stream"] = json!(true);
    let text = post(&app, &key, streaming.to_string().as_bytes(), &[])
        .await
        .text()
        .await
        .expect("body");
    assert_eq!(
        upstream.recorded()[1].path,
        "/v1beta/models/mock-small:streamGenerateContent?alt=sse"
    );
    let events = relay::testing::parse_sse(&text).expect("events");
    relay::testing::validate_stream(&events).expect("a well-formed stream");
    assert!(text.contains("Hello "), "{text}");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_mixed_pool_fails_over_across_kinds(pool: PgPool) {
    let (app, gemini, key, user_id) = setup(&pool, Provider::Gemini).await;
    let openai = MockUpstream::start().await;
    let input = nexus::upstreams::UpstreamInput {
        name: "first".into(),
        provider: Provider::Openai,
        base_url: openai.base_url.clone(),
        secret: "sk-first-secret".into(),
        priority: 90,
        weight: 1,
        enabled: true,
    };
    nexus::upstreams::add(&pool, &keyring(), user_id, input)
        .await
        .expect("key");
    openai.reply(Reply::Error(500, "broken".into(), vec![]));
    let body = json!({"model": "claude-sonnet-5-5", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]});
    let response = post(&app, &key, body.to_string().as_bytes(), &[]).await;
    assert_eq!(response.status(), 200, "the Gemini key took over");
    assert_eq!(openai.requests().len(), 1);
    assert_eq!(gemini.requests().len(), 1);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn count_tokens_goes_to_an_anthropic_key(pool: PgPool) {
    let (app, upstream, key, _) = setup(&pool, Provider::Anthropic).await;
    let body =
        json!({"model": "claude-sonnet-5-5", "messages": [{"role": "user", "content": "hello"}]});
    let response = reqwest::Client::new()
        .post(format!(
            "{}/v1/messages/count_tokens?beta=true",
            app.address
        ))
        .header("x-api-key", &key)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let counted: Value = response.json().await.expect("json");
    assert_eq!(counted["input_tokens"], 4242, "the upstream's exact count");
    let seen = &upstream.recorded()[0];
    assert_eq!(seen.path, "/v1/messages/count_tokens");
    assert_eq!(seen.headers["x-api-key"], "sk-mock-upstream-secret");
}
