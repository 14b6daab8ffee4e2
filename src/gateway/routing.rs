//! Which upstream key serves a request. The pool issue replaces the body of `choose` with
//! the full algorithm (weights, health, cooldown, failover); here the highest priority
//! wins, and among equals the least recently used, so traffic spreads.

use store::upstream_keys::{self, Provider, UpstreamKey};
use uuid::Uuid;

use super::error::GatewayError;
use crate::app::AppState;

/// A chosen key with its secret decrypted, held only for the request.
pub struct ChosenKey {
    pub key: UpstreamKey,
    pub secret: String,
}

impl std::fmt::Debug for ChosenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChosenKey")
            .field("name", &self.key.name)
            .field("secret", &"<redacted>")
            .finish()
    }
}

pub async fn choose(state: &AppState, user_id: Uuid) -> Result<ChosenKey, GatewayError> {
    let keys = upstream_keys::list(&state.pool, user_id).await?;
    let candidate = keys
        .into_iter()
        .filter(|k| k.enabled && k.provider == Provider::Openai)
        .max_by(|a, b| {
            a.priority.cmp(&b.priority).then_with(|| {
                // Least recently used first: never-used keys before used ones.
                b.last_used_at.cmp(&a.last_used_at)
            })
        })
        .ok_or_else(|| {
            GatewayError::invalid(
                "No enabled upstream key: add an OpenAI-compatible key on the keys page \
                 (or with `nexus upstream add`)",
            )
        })?;
    let secret = state
        .keyring
        .secret_box()
        .decrypt_string(
            auth::Purpose::UpstreamSecret,
            candidate.id,
            &candidate.secret_encrypted,
        )
        .map_err(|err| {
            tracing::error!(key = %candidate.name, "cannot decrypt an upstream key: {err}");
            GatewayError::internal(format!(
                "The upstream key {} cannot be decrypted (was NEXUS_SECRET_KEY changed?)",
                candidate.name
            ))
        })?;
    Ok(ChosenKey {
        key: candidate,
        secret,
    })
}
