//! The gateway end to end: the real app on 127.0.0.1, a real PostgreSQL, a scripted
//! OpenAI-compatible upstream.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::{TestApp, keyring, user_with_upstream};
use crate::mock_upstream::{MockUpstream, Reply, cut, sse};

struct Setup {
    app: TestApp,
    upstream: MockUpstream,
    key: String,
    user_id: uuid::Uuid,
    pool: PgPool,
}

/// A user with an `ak-` key and one OpenAI-compatible upstream key on the mock.
async fn setup(pool: PgPool) -> Setup {
    let upstream = MockUpstream::start().await;
    let (key, user_id) = user_with_upstream(&pool, "alice", &upstream.base_url).await;
    let app = TestApp::spawn_with(pool.clone(), &["--allow-private-upstreams", "true"]).await;
    Setup {
        app,
        upstream,
        key,
        user_id,
        pool,
    }
}

fn request(stream: bool) -> Value {
    json!({
        "model": "claude-sonnet-5-5",
        "max_tokens": 1024,
        "stream": stream,
        "system": [{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "Say hello"}],
    })
}

impl Setup {
    async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}{path}", self.app.address))
            .header("x-api-key", &self.key)
            .header("anthropic-version", "2023-06-01")
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Waits for the background writer to store `n` log rows, newest first.
    async fn logs(&self, n: usize) -> Vec<store::gateway_logs::LogEntry> {
        for _ in 0..100 {
            let rows = store::gateway_logs::recent(&self.pool, self.user_id, 100)
                .await
                .expect("logs");
            if rows.len() >= n {
                return rows;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("fewer than {n} log rows were written");
    }
}

/// Parses an SSE body into events, checks the Anthropic grammar, and returns them.
fn events(text: &str) -> Vec<relay::anthropic::StreamEvent> {
    let events: Vec<relay::anthropic::StreamEvent> = text
        .split("\n\n")
        .filter(|frame| !frame.trim().is_empty())
        .map(|frame| {
            let mut name = "";
            let mut data = "";
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    name = v;
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = v;
                }
            }
            let event: relay::anthropic::StreamEvent =
                serde_json::from_str(data).expect("event JSON");
            assert_eq!(event.name(), name, "event name matches its type");
            event
        })
        .collect();
    relay::testing::validate_stream(&events)
        .unwrap_or_else(|e| panic!("invalid stream: {e}\n{text}"));
    events
}

fn text_of(events: &[relay::anthropic::StreamEvent]) -> String {
    use relay::anthropic::{Delta, StreamEvent};
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::ContentBlockDelta {
                delta: Delta::TextDelta { text },
                ..
            } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

fn chunk(delta: &Value, finish: Option<&str>) -> Value {
    let choice = json!({"index": 0, "delta": delta, "finish_reason": finish});
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "mock-large", "choices": [choice]})
}

fn usage_chunk(prompt: u64, completion: u64, cached: u64) -> Value {
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [],
           "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                     "prompt_tokens_details": {"cached_tokens": cached}}})
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn non_streaming_text(pool: PgPool) {
    let s = setup(pool).await;
    s.upstream.reply(Reply::Json(200, json!({
        "id": "chatcmpl-9", "object": "chat.completion", "model": "mock-large",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello!"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 20, "completion_tokens": 3, "total_tokens": 23}
    })));
    let response = s.post("/v1/messages?beta=true", &request(false)).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["type"], "message");
    assert_eq!(body["role"], "assistant");
    assert_eq!(
        body["model"], "claude-sonnet-5-5",
        "the requested model is echoed"
    );
    assert_eq!(body["content"], json!([{"type": "text", "text": "Hello!"}]));
    assert_eq!(body["stop_reason"], "end_turn");
    assert_eq!(body["usage"]["input_tokens"], 20);
    assert_eq!(body["usage"]["output_tokens"], 3);

    let sent = &s.upstream.requests()[0];
    assert_eq!(sent["model"], "mock-large");
    assert_eq!(sent["messages"][0]["role"], "system");
    assert_eq!(
        sent["messages"][1],
        json!({"role": "user", "content": "Say hello"})
    );
    let auth = s.upstream.headers(0);
    assert_eq!(auth["authorization"], "Bearer sk-mock-upstream-secret");

    let logs = s.logs(1).await;
    let log = &logs[0];
    assert_eq!(log.requested_model, "claude-sonnet-5-5");
    assert_eq!(log.target_model.as_deref(), Some("mock-large"));
    assert!(log.success && !log.stream);
    assert_eq!(
        (log.status_code, log.input_tokens, log.output_tokens),
        (200, 20, 3)
    );
    assert!(log.upstream_key_id.is_some());
    assert_eq!(
        log.upstream_keys_tried,
        vec![log.upstream_key_id.expect("key")]
    );
    assert_eq!(log.attempts, 1);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn streaming_text_split_anywhere(pool: PgPool) {
    let s = setup(pool).await;
    let body = sse(&[
        chunk(&json!({"role": "assistant", "content": ""}), None),
        chunk(&json!({"content": "Hel"}), None),
        chunk(&json!({"content": "lo, wor"}), None),
        chunk(&json!({"content": "ld!"}), None),
        chunk(&json!({}), Some("stop")),
        usage_chunk(40, 5, 8),
    ]);
    // Pieces of 7 and 13 bytes cut lines and JSON in the middle.
    s.upstream
        .reply(Reply::Sse(cut(&body, &[7, 13]), Duration::from_millis(2)));
    let response = s.post("/v1/messages?beta=true", &request(true)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let text = response.text().await.expect("body");
    let events = events(&text);
    assert_eq!(text_of(&events), "Hello, world!");
    let relay::anthropic::StreamEvent::MessageDelta { delta, usage } = events
        .iter()
        .rev()
        .find(|e| e.name() == "message_delta")
        .expect("message_delta")
    else {
        unreachable!()
    };
    assert_eq!(
        delta.stop_reason,
        Some(relay::anthropic::StopReason::EndTurn)
    );
    assert_eq!(
        (
            usage.input_tokens,
            usage.cache_read_input_tokens,
            usage.output_tokens
        ),
        (32, 8, 5)
    );

    let sent = &s.upstream.requests()[0];
    assert_eq!(sent["stream"], true);
    let log = &s.logs(1).await[0];
    assert!(log.stream && log.success);
    assert_eq!(
        (log.input_tokens, log.output_tokens, log.cache_read_tokens),
        (32, 5, 8)
    );
    assert!(log.ttfb_ms.is_some());
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn streaming_tool_calls(pool: PgPool) {
    let s = setup(pool).await;
    let body = sse(&[
        chunk(
            &json!({"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
            "function": {"name": "Bash", "arguments": ""}}]}),
            None,
        ),
        chunk(
            &json!({"tool_calls": [{"index": 1, "id": "call_b", "type": "function",
            "function": {"name": "Read", "arguments": "{\"file_"}}]}),
            None,
        ),
        chunk(
            &json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"command\": \"echo hi\"}"}}]}),
            None,
        ),
        chunk(
            &json!({"tool_calls": [{"index": 1, "function": {"arguments": "path\": \"/tmp/x\"}"}}]}),
            None,
        ),
        chunk(&json!({}), Some("tool_calls")),
    ]);
    s.upstream
        .reply(Reply::Sse(cut(&body, &[31]), Duration::ZERO));
    let mut req = request(true);
    req["tools"] = json!([
        {"name": "Bash", "description": "Run", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}},
        {"name": "Read", "description": "Read", "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}}}
    ]);
    let text = s
        .post("/v1/messages", &req)
        .await
        .text()
        .await
        .expect("body");
    let events = events(&text);
    let mut inputs: Vec<(String, String)> = Vec::new();
    for event in &events {
        use relay::anthropic::{BlockStart, Delta, StreamEvent};
        match event {
            StreamEvent::ContentBlockStart {
                content_block: BlockStart::ToolUse { name, .. },
                ..
            } => {
                inputs.push((name.clone(), String::new()));
            }
            StreamEvent::ContentBlockDelta {
                delta: Delta::InputJsonDelta { partial_json },
                ..
            } => {
                inputs
                    .last_mut()
                    .expect("open tool")
                    .1
                    .push_str(partial_json);
            }
            _ => {}
        }
    }
    let parsed: Vec<(String, Value)> = inputs
        .into_iter()
        .map(|(n, j)| (n, serde_json::from_str(&j).expect("complete JSON")))
        .collect();
    assert_eq!(
        parsed,
        vec![
            ("Bash".to_owned(), json!({"command": "echo hi"})),
            ("Read".to_owned(), json!({"file_path": "/tmp/x"})),
        ]
    );
    assert!(text.contains("\"stop_reason\":\"tool_use\""));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn authentication(pool: PgPool) {
    let s = setup(pool).await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1/messages", s.app.address);
    let cases: Vec<(Option<&str>, Option<&str>, u16)> = vec![
        (None, None, 401),
        (Some("ak-nope"), None, 401),
        (Some("sk-ant-something"), None, 401),
        (None, Some("Bearer ak-wrong"), 401),
    ];
    for (x_api_key, authorization, status) in cases {
        let mut request = client.post(&url).json(&request(false));
        if let Some(k) = x_api_key {
            request = request.header("x-api-key", k);
        }
        if let Some(a) = authorization {
            request = request.header("authorization", a);
        }
        let response = request.send().await.expect("send");
        assert_eq!(response.status().as_u16(), status);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["type"], "authentication_error");
        assert_eq!(body["error"]["message"], "Invalid API key");
    }
    // Bearer alone works, and so does a valid key beside an invalid one.
    s.upstream.reply(Reply::Json(200, json!({"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]})));
    s.upstream.reply(Reply::Json(200, json!({"id": "y", "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]})));
    let response = client
        .post(&url)
        .bearer_auth(&s.key)
        .json(&request(false))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let response = client
        .post(&url)
        .header("x-api-key", "ak-stale")
        .bearer_auth(&s.key)
        .json(&request(false))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);

    // A regenerated key is refused at once; so is a disabled user's.
    let (new_key, _) = keyring()
        .regenerate(&s.pool, s.user_id, "default")
        .await
        .expect("regenerate");
    let response = client
        .post(&url)
        .header("x-api-key", &s.key)
        .json(&request(false))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 401);
    store::users::set_disabled(&s.pool, s.user_id, true)
        .await
        .expect("disable");
    let response = client
        .post(&url)
        .header("x-api-key", new_key.expose())
        .json(&request(false))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 401);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn request_and_routing_errors(pool: PgPool) {
    let s = setup(pool).await;
    let response = s
        .post(
            "/v1/messages",
            &json!({"model": "claude-sonnet-5-5", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("max_tokens")
    );

    let response = reqwest::Client::new()
        .post(format!("{}/v1/messages", s.app.address))
        .header("x-api-key", &s.key)
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 400);

    // A non-Claude name goes to the upstream as it is.
    s.upstream.reply(Reply::Json(200, json!({"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]})));
    let mut req = request(false);
    req["model"] = json!("deepseek-chat");
    assert_eq!(s.post("/v1/messages", &req).await.status(), 200);
    assert_eq!(s.upstream.requests()[0]["model"], "deepseek-chat");

    // No enabled key.
    store::upstream_keys::remove(&s.pool, s.user_id, "mock")
        .await
        .expect("remove");
    let response = s.post("/v1/messages", &request(false)).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("No enabled upstream key")
    );
    let logs = s.logs(4).await;
    assert!(
        logs.iter().filter(|l| !l.success).count() >= 3,
        "failed requests are logged too"
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn upstream_errors_keep_their_status_and_message(pool: PgPool) {
    let s = setup(pool).await;
    s.upstream.reply(Reply::Error(
        429,
        r#"{"error":{"message":"Rate limit reached for requests","type":"requests"}}"#.into(),
        vec![("retry-after", "7")],
    ));
    let response = s.post("/v1/messages", &request(false)).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "rate_limit_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("Rate limit reached")
    );

    s.upstream
        .reply(Reply::Error(503, "upstream overloaded".into(), vec![]));
    let response = s.post("/v1/messages", &request(true)).await;
    assert_eq!(response.status(), 529);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["type"], "overloaded_error");

    // A stream cut before it finished ends with an error event, not a clean stop.
    let body = sse(&[chunk(&json!({"content": "partial"}), None)]);
    let cut_body = body[..body.len() - "data: [DONE]\n\n".len()].to_vec();
    s.upstream.reply(Reply::Sse(vec![cut_body], Duration::ZERO));
    let text = s
        .post("/v1/messages", &request(true))
        .await
        .text()
        .await
        .expect("body");
    let events = events(&text);
    assert_eq!(events.last().map(|e| e.name()), Some("error"));
    assert!(!text.contains("message_stop"));
    let logs = s.logs(3).await;
    assert!(!logs[0].success, "the cut stream is logged as failed");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn unreachable_and_private_upstreams(pool: PgPool) {
    let s = setup(pool).await;
    // A closed port.
    let port = crate::helpers::free_port();
    let user = store::users::by_id(&s.pool, s.user_id).await.expect("user");
    let key = store::upstream_keys::by_name(&s.pool, user.id, "mock")
        .await
        .expect("key");
    nexus::upstreams::edit(
        &s.pool,
        &keyring(),
        &key,
        nexus::upstreams::UpstreamEdit {
            base_url: Some(format!("http://127.0.0.1:{port}/v1")),
            ..Default::default()
        },
    )
    .await
    .expect("edit");
    let response = s.post("/v1/messages", &request(false)).await;
    assert_eq!(response.status(), 502);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["type"], "api_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("could not be reached")
    );

    // Without NEXUS_ALLOW_PRIVATE_UPSTREAMS, loopback is refused before any connection.
    let strict = TestApp::spawn(s.pool.clone()).await;
    let response = reqwest::Client::new()
        .post(format!("{}/v1/messages", strict.address))
        .header("x-api-key", &s.key)
        .json(&request(false))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("NEXUS_ALLOW_PRIVATE_UPSTREAMS")
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn client_disconnect_cancels_the_upstream(pool: PgPool) {
    let s = setup(pool).await;
    let mut pieces = Vec::new();
    for i in 0..200 {
        pieces.push(
            format!(
                "data: {}\n\n",
                chunk(&json!({"content": format!("word{i} ")}), None)
            )
            .into_bytes(),
        );
    }
    s.upstream
        .reply(Reply::Sse(pieces, Duration::from_millis(50)));
    let mut response = s.post("/v1/messages", &request(true)).await;
    let first = response
        .chunk()
        .await
        .expect("read")
        .expect("a first chunk");
    assert!(String::from_utf8_lossy(&first).contains("message_start"));
    drop(response);
    for _ in 0..100 {
        if s.upstream
            .stream_dropped
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            let log = &s.logs(1).await[0];
            assert_eq!(log.status_code, 499);
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the upstream stream was not cancelled after the client left");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn count_tokens_and_models(pool: PgPool) {
    let s = setup(pool).await;
    let response = s
        .post(
            "/v1/messages/count_tokens?beta=true",
            &json!({"model": "claude-sonnet-5-5",
            "messages": [{"role": "user", "content": "hello ".repeat(400)}],
            "tools": [{"name": "Bash", "input_schema": {"type": "object"}}]}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    let n = body["input_tokens"].as_u64().expect("count");
    assert!(n > 400, "{n}");

    let response = reqwest::Client::new()
        .get(format!("{}/v1/models?limit=2", s.app.address))
        .header("x-api-key", &s.key)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"].as_array().expect("data").len(), 2);
    assert_eq!(body["data"][0]["type"], "model");
    assert_eq!(body["has_more"], true);
    assert_eq!(body["first_id"], body["data"][0]["id"]);
    let response = reqwest::Client::new()
        .get(format!("{}/v1/models/claude-haiku-5-5", s.app.address))
        .header("x-api-key", &s.key)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let response = reqwest::Client::new()
        .get(format!("{}/v1/models", s.app.address))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 401);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_burst_of_count_tokens_calls(pool: PgPool) {
    let s = setup(pool).await;
    // Claude Code's `/context` sends about 25 at once.
    let body = json!({"model": "claude-opus-5-5", "messages": [{"role": "user", "content": "x ".repeat(5000)}]});
    let calls = (0..25).map(|_| s.post("/v1/messages/count_tokens?beta=true", &body));
    let responses = futures_util::future::join_all(calls).await;
    let mut counts = Vec::new();
    for response in responses {
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        counts.push(body["input_tokens"].as_u64().expect("count"));
    }
    assert!(
        counts.windows(2).all(|w| w[0] == w[1]),
        "the estimate is deterministic"
    );
    assert!(counts[0] > 2000);
}
