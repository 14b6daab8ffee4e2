//! The real Claude Code CLI (pinned; installed by scripts/test.sh, found through
//! NEXUS_CLAUDE_BIN) through Nexus to the mock upstream: a text turn, a tool loop, and a
//! large file read — with an upstream that streams and one that answers whole.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use sqlx::PgPool;
use store::upstream_keys::Provider;

use crate::helpers::{TestApp, user_with_upstream};
use crate::mock_upstream::MockUpstream;
use crate::recording_proxy::RecordingProxy;

struct Env {
    /// Kept alive for the test; reached through the proxy.
    _app: TestApp,
    /// Claude Code talks to this, which passes everything on to the app.
    proxy: RecordingProxy,
    key: String,
    home: tempfile::TempDir,
    pool: PgPool,
    user_id: uuid::Uuid,
}

async fn env(pool: PgPool, provider: Provider, json_only: bool) -> (Env, MockUpstream) {
    let upstream = MockUpstream::start().await;
    upstream.think(json_only);
    let (key, user_id) = user_with_upstream(&pool, "coder", &upstream.base_url).await;
    if provider != Provider::Openai {
        let mock = store::upstream_keys::by_name(&pool, user_id, "mock")
            .await
            .expect("mock key");
        let edit = nexus::upstreams::UpstreamEdit {
            provider: Some(provider),
            base_url: Some(upstream.root.clone()),
            ..Default::default()
        };
        nexus::upstreams::edit(&pool, &crate::helpers::keyring(), &mock, edit)
            .await
            .expect("kind");
    }
    // A dead key ahead of the working one: failover must keep it invisible.
    let dead = nexus::upstreams::UpstreamInput {
        name: "dead".into(),
        provider: store::upstream_keys::Provider::Openai,
        base_url: format!("http://127.0.0.1:{}/v1", crate::helpers::free_port()),
        secret: "sk-dead-key-secret".into(),
        priority: 90,
        weight: 1,
        enabled: true,
    };
    nexus::upstreams::add(&pool, &crate::helpers::keyring(), user_id, dead)
        .await
        .expect("dead key");
    let app = TestApp::spawn_with(pool.clone(), &["--allow-private-upstreams", "true"]).await;
    let home = tempfile::tempdir().expect("home");
    let proxy = RecordingProxy::start(&app.address).await;
    (
        Env {
            _app: app,
            proxy,
            key,
            home,
            pool,
            user_id,
        },
        upstream,
    )
}

/// Runs `claude -p PROMPT --output-format json` in `workdir` and returns its JSON result.
async fn claude(env: &Env, prompt: &str, workdir: &Path, extra: &[&str]) -> Value {
    let vars = [
        ("ANTHROPIC_BASE_URL", env.proxy.address.as_str()),
        ("ANTHROPIC_API_KEY", env.key.as_str()),
    ];
    run_claude(env.home.path(), &vars, prompt, workdir, extra).await
}

/// Runs the pinned Claude Code as a person would: `claude -p PROMPT --output-format json`
/// in `workdir`, with `home` as its home (settings, credentials) and only `vars` and PATH
/// in its environment. Returns its JSON result, which must not be an error.
pub async fn run_claude(
    home: &Path,
    vars: &[(&str, &str)],
    prompt: &str,
    workdir: &Path,
    extra: &[&str],
) -> Value {
    let bin = std::env::var("NEXUS_CLAUDE_BIN").expect(
        "NEXUS_CLAUDE_BIN is set by scripts/test.sh, which installs the pinned Claude Code",
    );
    let mut cmd = tokio::process::Command::new(bin);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .envs(vars.iter().copied())
        .env("DISABLE_TELEMETRY", "1")
        .env("DISABLE_ERROR_REPORTING", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .current_dir(workdir)
        .args(["-p", prompt, "--output-format", "json"])
        .args(extra)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(180), cmd.output())
        .await
        .expect("Claude Code finished in time")
        .expect("Claude Code ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "claude failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let result: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|_| panic!("not JSON: {stdout}\n{stderr}"));
    assert_eq!(result["is_error"], false, "{result}");
    result
}

async fn three_scenarios(pool: PgPool, provider: Provider, json_only: bool) {
    let (env, upstream) = env(pool, provider, json_only).await;
    let work = tempfile::tempdir().expect("workdir");

    let result = claude(&env, "Say hello", work.path(), &[]).await;
    assert!(
        result["result"]
            .as_str()
            .expect("result")
            .contains("Hello from the mock model."),
        "{result}"
    );

    let result = claude(
        &env,
        "Please run-echo now",
        work.path(),
        &["--allowedTools", "Bash(echo:*)"],
    )
    .await;
    assert!(
        result["result"]
            .as_str()
            .expect("result")
            .contains("The tool said: hello-from-tool"),
        "{result}"
    );

    let file = work.path().join("notes.txt");
    let mut text = String::from("line 0: the marker word is PERIWINKLE\n");
    for i in 1..3000 {
        text.push_str(&format!(
            "line {i}: lorem gamma ipsum alpha beta gateway beta lorem stream alpha gateway delta\n"
        ));
    }
    std::fs::write(&file, text).expect("write file");
    let prompt = format!("Please read-file {} and tell me the marker", file.display());
    let result = claude(&env, &prompt, work.path(), &["--allowedTools", "Read"]).await;
    assert!(
        result["result"]
            .as_str()
            .expect("result")
            .contains("PERIWINKLE"),
        "{result}"
    );
    let calls = env.proxy.calls();
    assert!(
        calls.iter().any(|c| c == "POST /v1/messages/count_tokens"),
        "the large tool result made the client count tokens: {calls:?}"
    );

    // Every upstream call is in the gateway log, with its tokens and latency (count_tokens
    // calls forwarded to an Anthropic key are not gateway requests).
    let requests: Vec<Value> = upstream
        .recorded()
        .into_iter()
        .filter(|r| !r.path.contains("count_tokens"))
        .map(|r| r.json)
        .collect();
    let mut logs = Vec::new();
    for _ in 0..100 {
        logs = store::gateway_logs::recent(&env.pool, env.user_id, 1000)
            .await
            .expect("logs");
        if logs.len() >= requests.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(logs.len(), requests.len(), "one log row per request");
    // The dead key was tried first, failed over, and (after the threshold) put aside;
    // Claude Code never noticed.
    assert!(
        logs.iter()
            .any(|l| l.attempts == 2 && l.upstream_keys_tried.len() == 2),
        "{logs:?}"
    );
    for log in &logs {
        assert!(log.success, "{log:?}");
        assert_eq!(log.target_model.as_deref(), Some("mock-large"));
        assert!(log.input_tokens > 0 && log.output_tokens > 0, "{log:?}");
        // An Anthropic key's answer is passed through unchanged: a JSON body for a stream
        // request makes Claude Code fall back to a non-streaming request.
        if !(json_only && provider == Provider::Anthropic) {
            assert!(log.stream, "Claude Code streams");
        }
    }
    if json_only && provider == Provider::Anthropic {
        assert!(
            logs.iter().any(|l| !l.stream),
            "Claude Code used its non-streaming fallback"
        );
    }

    if provider != Provider::Openai {
        return;
    }
    // The tool results went back upstream as tool messages after the assistant's calls.
    let tool_turns: Vec<&Value> = requests
        .iter()
        .filter(|r| {
            r["messages"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["role"] == "tool"))
        })
        .collect();
    assert!(
        tool_turns.len() >= 2,
        "{} requests carried tool results",
        tool_turns.len()
    );
    for request in tool_turns {
        let messages = request["messages"].as_array().expect("messages");
        for (i, message) in messages.iter().enumerate() {
            if message["role"] == "tool" {
                let before = messages[..i]
                    .iter()
                    .rev()
                    .find(|m| m["role"] != "tool")
                    .expect("a message before");
                assert_eq!(
                    before["role"], "assistant",
                    "tool messages follow the assistant's calls"
                );
            }
        }
    }
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn claude_code_with_a_streaming_upstream(pool: PgPool) {
    three_scenarios(pool, Provider::Openai, false).await;
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn claude_code_with_an_upstream_that_answers_whole(pool: PgPool) {
    three_scenarios(pool, Provider::Openai, true).await;
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn claude_code_through_a_streaming_gemini_key(pool: PgPool) {
    three_scenarios(pool, Provider::Gemini, false).await;
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn claude_code_through_a_gemini_key_answering_whole(pool: PgPool) {
    three_scenarios(pool, Provider::Gemini, true).await;
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn claude_code_through_an_anthropic_key(pool: PgPool) {
    three_scenarios(pool, Provider::Anthropic, false).await;
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn claude_code_through_an_anthropic_key_answering_whole(pool: PgPool) {
    three_scenarios(pool, Provider::Anthropic, true).await;
}
