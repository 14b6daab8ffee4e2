//! "Fetch models": the upstream's own model list, asked with the key's stored secret, the
//! way the gateway reaches that key (same URL rules, headers and address guard).

use std::collections::HashSet;
use std::time::Duration;

use futures_util::StreamExt as _;
use relay::openai::error::upstream_error;
use store::upstream_keys::{Provider, UpstreamKey};

use super::endpoints::{
    ANTHROPIC_VERSION, authorize, models_url, scrub, secret_of, transport_failure,
};
use super::upstream::{check_literal_host, client};
use crate::config::Config;

/// The longest a whole fetch (all pages) may take by default.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(20);
/// Pages followed at most (Gemini and Anthropic page their lists).
const MAX_PAGES: usize = 10;
/// A model list larger than this is cut off (OpenRouter's, with descriptions, is ~1 MB).
const MAX_BODY: usize = 8 * 1024 * 1024;

/// The ids of the models `key` offers, sorted. Errors are one readable sentence (the
/// upstream's message when it gave one) that never contains the secret.
pub async fn fetch_models(
    config: &Config,
    keyring: &auth::Keyring,
    key: &UpstreamKey,
) -> Result<Vec<String>, String> {
    fetch_models_within(config, keyring, key, FETCH_TIMEOUT).await
}

/// [`fetch_models`], giving up after `limit`.
pub async fn fetch_models_within(
    config: &Config,
    keyring: &auth::Keyring,
    key: &UpstreamKey,
    limit: Duration,
) -> Result<Vec<String>, String> {
    let secret = secret_of(keyring, key)?;
    match tokio::time::timeout(limit, fetch(config, key, &secret, limit)).await {
        Ok(result) => result.map_err(|message| scrub(&message, &secret)),
        Err(_) => Err(format!(
            "the upstream did not answer within {} s",
            limit.as_secs().max(1)
        )),
    }
}

async fn fetch(
    config: &Config,
    key: &UpstreamKey,
    secret: &str,
    limit: Duration,
) -> Result<Vec<String>, String> {
    let first = models_url(key.provider, &key.base_url);
    let http = client(config.allow_private_upstreams, limit);
    let label = format!("upstream {}", key.name);
    let mut ids = Vec::new();
    let mut seen = HashSet::new();
    let mut url = first.clone();
    for _ in 0..MAX_PAGES {
        let body = get(&http, config, key, secret, &url, &label).await?;
        let (page, next) = match key.provider {
            Provider::Gemini => (
                relay::gemini::models::parse_model_list(&body),
                relay::gemini::models::next_page_token(&body)
                    .map(|token| format!("{first}&pageToken={}", encode(&token))),
            ),
            Provider::Openai => (relay::openai::models::parse_model_list(&body, &label), None),
            Provider::Anthropic => (
                relay::openai::models::parse_model_list(&body, &label),
                relay::openai::models::next_after_id(&body)
                    .map(|id| format!("{first}&after_id={}", encode(&id))),
            ),
        };
        let page = page.map_err(|e| e.error.message)?;
        for id in page {
            if seen.insert(id.clone()) {
                ids.push(id);
            }
        }
        match next {
            Some(next) => url = next,
            None => break,
        }
    }
    ids.sort();
    Ok(ids)
}

/// One page of the list: the body of a 2xx answer, else the upstream's error as a sentence.
async fn get(
    http: &reqwest::Client,
    config: &Config,
    key: &UpstreamKey,
    secret: &str,
    url: &str,
    label: &str,
) -> Result<Vec<u8>, String> {
    let url = reqwest::Url::parse(url).map_err(|_| "the base URL is not valid".to_owned())?;
    check_literal_host(&url, config.allow_private_upstreams)?;
    let mut builder = authorize(http.get(url), key.provider, secret);
    if key.provider == Provider::Anthropic {
        builder = builder.header("anthropic-version", ANTHROPIC_VERSION);
    }
    let response = builder.send().await.map_err(transport_failure)?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| format!("the answer broke off: {}", e.without_url()))?;
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BODY {
            return Err("the model list is too large".to_owned());
        }
    }
    if !(200..300).contains(&status) {
        let (_, error) = upstream_error(status, &body, label);
        return Err(format!("HTTP {status}: {}", error.error.message));
    }
    Ok(body)
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
