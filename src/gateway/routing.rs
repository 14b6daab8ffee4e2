//! A user's pool as the gateway needs it for one request: enabled keys of every kind, in
//! routing order, with the user's strategy. Read fresh for every request,
//! so a key added, edited, disabled or removed anywhere (CLI, dashboard, another Nexus
//! process) is used or dropped by the very next request.

use store::upstream_keys::{self, UpstreamKey};
use uuid::Uuid;

use super::error::GatewayError;
use super::pool::selector::Strategy;
use crate::app::AppState;

pub struct UserPool {
    pub strategy: Strategy,
    pub keys: Vec<UpstreamKey>,
}

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

pub fn no_key() -> GatewayError {
    GatewayError::invalid(
        "No enabled upstream key: add one on the keys page (or with `nexus upstream add`)",
    )
}

pub async fn load_pool(state: &AppState, user_id: Uuid) -> Result<UserPool, GatewayError> {
    let keys: Vec<UpstreamKey> = upstream_keys::list(&state.pool, user_id)
        .await?
        .into_iter()
        .filter(|k| k.enabled)
        .collect();
    if keys.is_empty() {
        return Err(no_key());
    }
    let strategy = store::users::pool_strategy(&state.pool, user_id)
        .await?
        .parse()
        .unwrap_or(Strategy::Priority);
    Ok(UserPool { strategy, keys })
}

/// Decrypts the key's secret for one request.
pub fn unlock(state: &AppState, key: &UpstreamKey) -> Result<ChosenKey, GatewayError> {
    let secret = state
        .keyring
        .secret_box()
        .decrypt_string(auth::Purpose::UpstreamSecret, key.id, &key.secret_encrypted)
        .map_err(|err| {
            tracing::error!(key = %key.name, "cannot decrypt an upstream key: {err}");
            GatewayError::internal(format!(
                "The upstream key {} cannot be decrypted (was NEXUS_SECRET_KEY changed?)",
                key.name
            ))
        })?;
    Ok(ChosenKey {
        key: key.clone(),
        secret,
    })
}
