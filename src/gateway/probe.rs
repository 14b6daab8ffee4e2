//! "Test" (`nexus upstream test`, the keys page): one tiny request through one key, to see
//! that it works and how fast it answers, without touching the key's counters. The request
//! goes out exactly as the gateway would send it: same URL, same headers, same translation.

use std::time::{Duration, Instant};

use relay::anthropic::{MessagesResponse, ResponseBlock, parse_request};
use relay::openai::error::upstream_error;
use relay::tool_names::ToolNameMap;
use store::model_mappings::ModelMapping;
use store::upstream_keys::{Provider, UpstreamKey};

use super::endpoints::{
    ANTHROPIC_VERSION, authorize, generate_url, scrub, secret_of, transport_failure,
};
use super::mapping::target_for_key;
use super::upstream::{check_literal_host, client};
use crate::config::{Config, SystemMapping};

/// The Claude model a probe stands in for: Claude Code's everyday family. Anthropic keys
/// are asked for it by name (unless the user mapped sonnet); other kinds for its target.
pub const PROBE_CLAUDE_MODEL: &str = "claude-sonnet-4-5";

/// Most characters of the reply kept.
const REPLY_CHARS: usize = 80;

/// What the probe saw: the latency and the start of the answer.
pub struct ProbeResult {
    pub latency: Duration,
    pub reply: String,
}

/// The model a probe of a `provider` key asks for: what a sonnet request would go to.
pub fn default_model(
    provider: Provider,
    mapping: &ModelMapping,
    system: &SystemMapping,
) -> Result<String, String> {
    target_for_key(provider, PROBE_CLAUDE_MODEL, mapping, system)
}

/// Sends "reply with pong" to `model` through `key`. Errors are one readable sentence
/// (the upstream's own message when it gave one) that never contains the secret.
pub async fn probe(
    config: &Config,
    keyring: &auth::Keyring,
    key: &UpstreamKey,
    model: &str,
) -> Result<ProbeResult, String> {
    let secret = secret_of(keyring, key)?;
    probe_with(config, key, &secret, model)
        .await
        .map_err(|message| scrub(&message, &secret))
}

async fn probe_with(
    config: &Config,
    key: &UpstreamKey,
    secret: &str,
    model: &str,
) -> Result<ProbeResult, String> {
    let body = serde_json::json!({
        "model": model, "max_tokens": 16, "stream": false,
        "messages": [{"role": "user", "content": "Reply with the single word: pong"}],
    })
    .to_string();
    let request = parse_request(body.as_bytes(), true).map_err(|e| e.error.message)?;
    let url = generate_url(key.provider, &key.base_url, model, false);
    let url = reqwest::Url::parse(&url).map_err(|_| "the base URL is not valid".to_owned())?;
    check_literal_host(&url, config.allow_private_upstreams)?;
    let http = client(
        config.allow_private_upstreams,
        Duration::from_secs(config.upstream_timeout_secs.min(60)),
    );
    let builder = authorize(http.post(url), key.provider, secret);
    let (builder, tool_names) = match key.provider {
        Provider::Openai => {
            let quirks = relay::openai::quirks::quirks_for(&key.base_url, model);
            let t = relay::openai::request::translate_request(&request, model, &quirks);
            (builder.json(&t.body), t.tool_names)
        }
        Provider::Gemini => {
            let t = relay::gemini::request::translate_request(&request, model);
            (builder.json(&t.body), t.tool_names)
        }
        Provider::Anthropic => (
            builder
                .header("content-type", "application/json")
                .header("anthropic-version", ANTHROPIC_VERSION)
                .body(body),
            ToolNameMap::default(),
        ),
    };
    let started = Instant::now();
    let response = builder.send().await.map_err(transport_failure)?;
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
    let message: MessagesResponse = match key.provider {
        Provider::Openai => {
            relay::openai::response::translate_response(&bytes, model, &tool_names, 0)
                .map_err(|e| e.error.message)?
        }
        Provider::Gemini => {
            relay::gemini::response::translate_response(&bytes, model, &tool_names, 0)
                .map_err(|e| e.error.message)?
        }
        Provider::Anthropic => serde_json::from_slice(&bytes)
            .map_err(|e| format!("the answer is not an Anthropic message: {e}"))?,
    };
    let reply = message
        .content
        .iter()
        .find_map(|b| match b {
            ResponseBlock::Text { text } => Some(text.trim().chars().take(REPLY_CHARS).collect()),
            _ => None,
        })
        .unwrap_or_default();
    Ok(ProbeResult { latency, reply })
}

#[cfg(test)]
mod tests {
    use store::model_mappings::MappingMode;

    use super::*;

    #[test]
    fn probes_ask_for_what_a_sonnet_request_would_get() {
        let system = SystemMapping {
            haiku: "sys-h".into(),
            sonnet: "sys-s".into(),
            opus: "sys-o".into(),
            other: "sys-s".into(),
        };
        let default = ModelMapping::default();
        let model = |provider, mapping: &ModelMapping| {
            default_model(provider, mapping, &system).expect("a model")
        };
        assert_eq!(model(Provider::Openai, &default), "sys-s");
        assert_eq!(model(Provider::Gemini, &default), "sys-s");
        assert_eq!(model(Provider::Anthropic, &default), PROBE_CLAUDE_MODEL);
        let mine = ModelMapping {
            mode: MappingMode::Custom,
            sonnet: Some("my-model".into()),
            ..ModelMapping::default()
        };
        assert_eq!(model(Provider::Anthropic, &mine), "my-model");
    }
}
