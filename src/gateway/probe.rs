//! `nexus upstream test`: one tiny request through one key, to see that it works and how
//! fast it answers, without touching the key's counters.

use std::time::{Duration, Instant};

use relay::anthropic::parse_request;
use relay::openai::{
    error::upstream_error, quirks::quirks_for, request::translate_request,
    response::translate_response,
};
use store::upstream_keys::{Provider, UpstreamKey};

use super::upstream::{check_literal_host, client};
use crate::config::Config;

/// What the probe saw: the latency and the start of the answer.
pub struct ProbeResult {
    pub latency: Duration,
    pub reply: String,
}

pub async fn probe(
    config: &Config,
    keyring: &auth::Keyring,
    key: &UpstreamKey,
    model: &str,
) -> Result<ProbeResult, String> {
    if key.provider != Provider::Openai {
        return Err(format!(
            "testing {} keys is not supported yet",
            key.provider
        ));
    }
    let secret = keyring
        .secret_box()
        .decrypt_string(auth::Purpose::UpstreamSecret, key.id, &key.secret_encrypted)
        .map_err(|e| e.to_string())?;
    let body = serde_json::json!({
        "model": model, "max_tokens": 16, "stream": false,
        "messages": [{"role": "user", "content": "Reply with the single word: pong"}],
    });
    let request = parse_request(body.to_string().as_bytes(), true).map_err(|e| e.error.message)?;
    let translated = translate_request(&request, model, &quirks_for(&key.base_url, model));
    let url = format!("{}/chat/completions", key.base_url.trim_end_matches('/'));
    let url = reqwest::Url::parse(&url).map_err(|_| "the base URL is not valid".to_owned())?;
    check_literal_host(&url, config.allow_private_upstreams)?;
    let http = client(
        config.allow_private_upstreams,
        Duration::from_secs(config.upstream_timeout_secs.min(60)),
    );
    let started = Instant::now();
    let response = http
        .post(url)
        .bearer_auth(&secret)
        .json(&translated.body)
        .send()
        .await
        .map_err(|e| format!("could not reach the upstream: {}", e.without_url()))?;
    let status = response.status().as_u16();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| format!("the answer broke off: {}", e.without_url()))?;
    let latency = started.elapsed();
    if !(200..300).contains(&status) {
        let (_, error) = upstream_error(status, &bytes, &format!("upstream {}", key.name));
        return Err(format!("HTTP {status}: {}", error.error.message));
    }
    let message = translate_response(&bytes, model, &translated.tool_names, 0)
        .map_err(|e| e.error.message)?;
    let reply = message
        .content
        .iter()
        .find_map(|b| match b {
            relay::anthropic::ResponseBlock::Text { text } => Some(text.chars().take(80).collect()),
            _ => None,
        })
        .unwrap_or_default();
    Ok(ProbeResult { latency, reply })
}
