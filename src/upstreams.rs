//! Adding and changing upstream keys: input checks and secret encryption shared by the CLI
//! and the dashboard.

use store::PgPool;
use store::upstream_keys::{self, NewUpstreamKey, Provider, UpstreamKey, UpstreamKeyChanges};
use uuid::Uuid;

/// What a user types to add a key.
#[derive(Debug, Clone)]
pub struct UpstreamInput {
    pub name: String,
    pub provider: Provider,
    pub base_url: String,
    pub secret: String,
    pub priority: i32,
    pub weight: i32,
    pub enabled: bool,
}

/// What a user may change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct UpstreamEdit {
    pub name: Option<String>,
    pub provider: Option<Provider>,
    pub base_url: Option<String>,
    pub secret: Option<String>,
    pub priority: Option<i32>,
    pub weight: Option<i32>,
    pub enabled: Option<bool>,
}

/// Why a base URL was refused. The dashboard shows its own sentence for each; the CLI the
/// text below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlError {
    #[error("base URL is not a valid URL (expected e.g. https://api.openai.com/v1)")]
    NotAUrl,
    #[error("base URL must start with http:// or https://")]
    Scheme,
    #[error("base URL has no host")]
    NoHost,
    #[error("base URL must not contain credentials; pass the key with --api-key")]
    Credentials,
    #[error("base URL must not have a query string or fragment")]
    Query,
}

/// Checks a base URL and returns it without a trailing slash, so paths join cleanly.
pub fn check_base_url(text: &str) -> Result<String, BaseUrlError> {
    let Ok(url) = url::Url::parse(text.trim()) else {
        return Err(BaseUrlError::NotAUrl);
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(BaseUrlError::Scheme);
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(BaseUrlError::NoHost);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BaseUrlError::Credentials);
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(BaseUrlError::Query);
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// [`check_base_url`], with the text quoted in the error.
pub fn normalize_base_url(text: &str) -> anyhow::Result<String> {
    check_base_url(text).map_err(|err| match err {
        BaseUrlError::NotAUrl | BaseUrlError::NoHost => {
            anyhow::anyhow!("{err}: {text:?}")
        }
        other => anyhow::Error::new(other),
    })
}

/// Why a secret was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the API key must not be empty")]
    Empty,
    #[error("the API key must not contain spaces or control characters")]
    Whitespace,
}

/// The secret without surrounding whitespace, if it can be a key.
pub fn check_secret(secret: &str) -> Result<&str, SecretError> {
    let secret = secret.trim();
    if secret.is_empty() {
        return Err(SecretError::Empty);
    }
    if secret.chars().any(char::is_control) || secret.contains(' ') {
        return Err(SecretError::Whitespace);
    }
    Ok(secret)
}

/// The last four characters of a secret, the most a listing ever shows of it.
pub fn secret_hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 12 {
        // Too short to show any part without giving much of it away.
        return "…".to_owned();
    }
    format!("…{}", chars[chars.len() - 4..].iter().collect::<String>())
}

pub async fn add(
    pool: &PgPool,
    keyring: &auth::Keyring,
    user_id: Uuid,
    input: UpstreamInput,
) -> anyhow::Result<UpstreamKey> {
    let base_url = normalize_base_url(&input.base_url)?;
    let secret = check_secret(&input.secret)?;
    let id = Uuid::now_v7();
    let new = NewUpstreamKey {
        id,
        user_id,
        name: input.name.trim().to_owned(),
        provider: input.provider,
        base_url,
        secret_encrypted: keyring.secret_box().encrypt(
            auth::Purpose::UpstreamSecret,
            id,
            secret.as_bytes(),
        ),
        secret_hint: secret_hint(secret),
        priority: input.priority,
        weight: input.weight,
        enabled: input.enabled,
    };
    Ok(upstream_keys::insert(pool, &new).await?)
}

pub async fn edit(
    pool: &PgPool,
    keyring: &auth::Keyring,
    key: &UpstreamKey,
    edit: UpstreamEdit,
) -> anyhow::Result<UpstreamKey> {
    let base_url = edit
        .base_url
        .as_deref()
        .map(normalize_base_url)
        .transpose()?;
    let secret = match edit.secret.as_deref() {
        Some(secret) => {
            let secret = check_secret(secret)?;
            let sealed = keyring.secret_box().encrypt(
                auth::Purpose::UpstreamSecret,
                key.id,
                secret.as_bytes(),
            );
            Some((sealed, secret_hint(secret)))
        }
        None => None,
    };
    let changes = UpstreamKeyChanges {
        name: edit.name.map(|n| n.trim().to_owned()),
        provider: edit.provider,
        base_url,
        secret,
        priority: edit.priority,
        weight: edit.weight,
        enabled: edit.enabled,
    };
    Ok(upstream_keys::update(pool, key.user_id, key.id, &changes).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_normalised() {
        assert_eq!(
            normalize_base_url("https://api.openai.com/v1/").expect("ok"),
            "https://api.openai.com/v1"
        );
        assert_eq!(
            normalize_base_url(" http://127.0.0.1:8000 ").expect("ok"),
            "http://127.0.0.1:8000"
        );
        for bad in [
            "",
            "api.openai.com",
            "ftp://x.y",
            "https://",
            "https://u:p@x.y",
            "https://x.y/?k=1",
        ] {
            assert!(normalize_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hints_reveal_little() {
        assert_eq!(secret_hint("sk-abcdefghijklmnop"), "…mnop");
        assert_eq!(secret_hint("short"), "…");
    }
}
