//! Where each kind of upstream listens and how it reads its key: shared by the gateway's
//! attempts, `nexus upstream test` / the dashboard's "test", and "fetch models", so that
//! all three reach a key exactly the same way.

use store::upstream_keys::{Provider, UpstreamKey};

/// `anthropic-version` when the client sent none (and for Nexus's own calls).
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// The URL of a generate call with model `target`.
pub fn generate_url(provider: Provider, base_url: &str, target: &str, stream: bool) -> String {
    let base = base_url.trim().trim_end_matches('/');
    match provider {
        Provider::Openai => ends_with_or(base, "/chat/completions"),
        Provider::Anthropic => anthropic_url(base, "messages"),
        Provider::Gemini => relay::gemini::endpoint(base, target, stream),
    }
}

/// The URL of the model list, asking for the largest page the provider allows.
pub fn models_url(provider: Provider, base_url: &str) -> String {
    let base = base_url.trim().trim_end_matches('/');
    match provider {
        Provider::Openai => {
            let root = base.strip_suffix("/chat/completions").unwrap_or(base);
            format!("{root}/models")
        }
        Provider::Anthropic => {
            let root = base.strip_suffix("/messages").unwrap_or(base);
            format!("{}?limit=1000", anthropic_url(root, "models"))
        }
        Provider::Gemini => {
            let root = base.strip_suffix("/v1beta").unwrap_or(base);
            format!("{root}/v1beta/models?pageSize=1000")
        }
    }
}

/// The request with the key in the headers `provider` reads.
pub fn authorize(
    builder: reqwest::RequestBuilder,
    provider: Provider,
    secret: &str,
) -> reqwest::RequestBuilder {
    match provider {
        Provider::Openai => builder.bearer_auth(secret),
        Provider::Gemini => builder.header("x-goog-api-key", secret),
        // Anthropic reads x-api-key; many Anthropic-compatible relays read Bearer.
        Provider::Anthropic => builder.header("x-api-key", secret).bearer_auth(secret),
    }
}

/// The key's secret, decrypted for one call.
pub fn secret_of(keyring: &auth::Keyring, key: &UpstreamKey) -> Result<String, String> {
    keyring
        .secret_box()
        .decrypt_string(auth::Purpose::UpstreamSecret, key.id, &key.secret_encrypted)
        .map_err(|_| {
            format!(
                "the secret of upstream key {} cannot be decrypted (was NEXUS_SECRET_KEY changed?)",
                key.name
            )
        })
}

/// `text` with every occurrence of `secret` masked: upstreams sometimes quote the key they
/// refused, and their messages are shown on pages and in terminals. (The relay already
/// masks words that look like keys; this catches keys of any shape.)
pub fn scrub(text: &str, secret: &str) -> String {
    if secret.len() < 4 {
        return text.to_owned();
    }
    text.replace(secret, "[redacted]")
}

/// A call that got no answer, as a sentence with the causes reqwest gives (DNS, refused,
/// TLS…), never the URL.
pub fn transport_failure(err: reqwest::Error) -> String {
    let err = err.without_url();
    let what = if err.is_timeout() {
        "the upstream did not answer in time"
    } else if err.is_connect() {
        "could not reach the upstream"
    } else {
        "the call to the upstream failed"
    };
    with_causes(what.to_owned(), &err)
}

/// `text`, then each cause under `err` after ": ": reqwest names the DNS, refused or TLS
/// reason only there.
pub fn with_causes(mut text: String, err: &dyn std::error::Error) -> String {
    let mut source = err.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn ends_with_or(base: &str, suffix: &str) -> String {
    if base.ends_with(suffix) {
        base.to_owned()
    } else {
        format!("{base}{suffix}")
    }
}

/// `{base}/v1/{endpoint}`, tolerating a base that already ends in `/v1` or names the
/// endpoint.
fn anthropic_url(base: &str, endpoint: &str) -> String {
    if base.ends_with(&format!("/{endpoint}")) {
        base.to_owned()
    } else if base.ends_with("/v1") {
        format!("{base}/{endpoint}")
    } else {
        format!("{base}/v1/{endpoint}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_urls_per_kind() {
        let cases = [
            (
                Provider::Openai,
                "https://api.openai.com/v1/",
                "https://api.openai.com/v1/chat/completions",
            ),
            (
                Provider::Openai,
                "https://x.y/v1/chat/completions",
                "https://x.y/v1/chat/completions",
            ),
            (
                Provider::Anthropic,
                "https://api.anthropic.com",
                "https://api.anthropic.com/v1/messages",
            ),
            (
                Provider::Anthropic,
                "https://relay.example/v1",
                "https://relay.example/v1/messages",
            ),
            (
                Provider::Gemini,
                "https://generativelanguage.googleapis.com",
                "https://generativelanguage.googleapis.com/v1beta/models/m:generateContent",
            ),
        ];
        for (provider, base, want) in cases {
            assert_eq!(generate_url(provider, base, "m", false), want, "{base}");
        }
    }

    #[test]
    fn secrets_are_scrubbed_from_messages() {
        assert_eq!(
            scrub(
                "Incorrect API key provided: sk-abcdef123456.",
                "sk-abcdef123456"
            ),
            "Incorrect API key provided: [redacted]."
        );
        assert_eq!(scrub("nothing here", "sk-abcdef123456"), "nothing here");
    }

    #[test]
    fn model_list_urls_per_kind() {
        let cases = [
            (
                Provider::Openai,
                "https://api.deepseek.com",
                "https://api.deepseek.com/models",
            ),
            (
                Provider::Openai,
                "https://x.y/v1/chat/completions",
                "https://x.y/v1/models",
            ),
            (
                Provider::Anthropic,
                "https://api.anthropic.com/",
                "https://api.anthropic.com/v1/models?limit=1000",
            ),
            (
                Provider::Anthropic,
                "https://relay.example/v1/messages",
                "https://relay.example/v1/models?limit=1000",
            ),
            (
                Provider::Gemini,
                "https://generativelanguage.googleapis.com/v1beta",
                "https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000",
            ),
        ];
        for (provider, base, want) in cases {
            assert_eq!(models_url(provider, base), want, "{base}");
        }
    }
}
