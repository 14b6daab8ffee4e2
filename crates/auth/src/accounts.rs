//! Users' `ak-` keys over the store: issue, reveal, regenerate, authenticate.

use store::PgPool;
use store::api_keys::{self, ApiKeyRow, KeyOwner, NewApiKey, PRIMARY_KEY_NAME};
use uuid::Uuid;

use crate::{ApiKey, Purpose, SecretBox, ServerKey};

/// Errors of key operations: the store's, or a stored key that no longer decrypts.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Crypto(#[from] crate::Error),
}

/// The server key and the cipher derived from it: everything needed to make and read keys.
#[derive(Debug, Clone)]
pub struct Keyring {
    server_key: ServerKey,
    secret_box: SecretBox,
}

impl Keyring {
    pub fn new(server_key: ServerKey) -> Self {
        let secret_box = SecretBox::new(&server_key);
        Self {
            server_key,
            secret_box,
        }
    }

    pub fn secret_box(&self) -> &SecretBox {
        &self.secret_box
    }

    /// 64 bytes for signing and encrypting private cookies (the OAuth state), derived so
    /// they share nothing with the other keys.
    pub fn cookie_key(&self) -> [u8; 64] {
        let mut key = [0u8; 64];
        key[..32].copy_from_slice(&self.server_key.derive("cookie/signing"));
        key[32..].copy_from_slice(&self.server_key.derive("cookie/encryption"));
        key
    }

    fn prepare(&self, user_id: Uuid, name: &str) -> (ApiKey, NewApiKey) {
        let key = ApiKey::generate();
        let id = Uuid::now_v7();
        let new = NewApiKey {
            id,
            user_id,
            name: name.to_owned(),
            prefix: key.display_prefix().to_owned(),
            key_hash: key.hash(&self.server_key).0.to_vec(),
            key_encrypted: self
                .secret_box
                .encrypt(Purpose::ApiKey, id, key.expose().as_bytes()),
        };
        (key, new)
    }

    /// Issues a new key named `name` for the user.
    pub async fn issue(
        &self,
        db: impl store::PgExecutor<'_>,
        user_id: Uuid,
        name: &str,
    ) -> Result<(ApiKey, ApiKeyRow), KeyError> {
        let (key, new) = self.prepare(user_id, name);
        let row = api_keys::insert(db, &new).await?;
        Ok((key, row))
    }

    /// Revokes the user's live key named `name` and issues a new one in one transaction.
    pub async fn regenerate(
        &self,
        pool: &PgPool,
        user_id: Uuid,
        name: &str,
    ) -> Result<(ApiKey, ApiKeyRow), KeyError> {
        let (key, new) = self.prepare(user_id, name);
        let mut conn = pool.acquire().await.map_err(store::Error::from)?;
        let row = api_keys::replace(&mut conn, &new).await?;
        Ok((key, row))
    }

    /// The full text of a stored key, for its owner's explicit reveal.
    pub fn reveal(&self, row: &ApiKeyRow) -> Result<ApiKey, KeyError> {
        let text = self
            .secret_box
            .decrypt_string(Purpose::ApiKey, row.id, &row.key_encrypted)?;
        Ok(ApiKey::parse(&text)?)
    }

    /// The user's primary key (the one made at sign-up), revealed.
    pub async fn primary(
        &self,
        pool: &PgPool,
        user_id: Uuid,
    ) -> Result<(ApiKey, ApiKeyRow), KeyError> {
        let row = api_keys::live_by_name(pool, user_id, PRIMARY_KEY_NAME).await?;
        Ok((self.reveal(&row)?, row))
    }

    /// Who a presented key belongs to: `None` for malformed, unknown or revoked keys and
    /// for disabled users.
    pub async fn authenticate(
        &self,
        pool: &PgPool,
        presented: &str,
    ) -> Result<Option<KeyOwner>, KeyError> {
        let Ok(key) = ApiKey::parse(presented) else {
            return Ok(None);
        };
        let hash = key.hash(&self.server_key);
        Ok(api_keys::owner_by_hash(pool, &hash.0).await?)
    }
}
