use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::server_key::ServerKey;

/// Format version written as the first byte of every ciphertext, so that a later change
/// of algorithm can still read old rows.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// What a ciphertext protects. It is bound into the associated data together with the
/// row id, so a ciphertext copied into another row or column fails to decrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The secret of an upstream provider key.
    UpstreamSecret,
    /// The full text of an `ak-` key, kept so that its owner can reveal it.
    ApiKey,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::UpstreamSecret => b"upstream_keys.secret",
            Purpose::ApiKey => b"api_keys.key",
        }
    }
}

/// AES-256-GCM encryption of secrets stored in the database.
/// Stored form: `version (1) ‖ nonce (12) ‖ ciphertext+tag`.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(<redacted>)")
    }
}

impl SecretBox {
    pub fn new(key: &ServerKey) -> Self {
        let subkey = key.derive("aes-256-gcm/stored-secrets");
        let cipher = Aes256Gcm::new_from_slice(&subkey).expect("a 32-byte key fits AES-256");
        Self { cipher }
    }

    /// Encrypts `plaintext` for the row `id`, under a fresh random nonce.
    pub fn encrypt(&self, purpose: Purpose, id: Uuid, plaintext: &[u8]) -> Vec<u8> {
        let nonce = Nonce::generate();
        let aad = associated_data(purpose, id);
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(VERSION);
        out.extend_from_slice(nonce.as_slice());
        out.extend_from_slice(&ciphertext);
        out
    }

    /// Decrypts what [`SecretBox::encrypt`] produced for the same purpose and row id.
    pub fn decrypt(&self, purpose: Purpose, id: Uuid, stored: &[u8]) -> Result<Vec<u8>> {
        let (&version, rest) = stored.split_first().ok_or(Error::Decrypt)?;
        if version != VERSION {
            return Err(Error::UnknownCipherVersion(version));
        }
        if rest.len() < NONCE_LEN {
            return Err(Error::Decrypt);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| Error::Decrypt)?;
        let aad = associated_data(purpose, id);
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| Error::Decrypt)
    }

    /// Decrypts to a UTF-8 string (all secrets Nexus stores are text).
    pub fn decrypt_string(&self, purpose: Purpose, id: Uuid, stored: &[u8]) -> Result<String> {
        String::from_utf8(self.decrypt(purpose, id, stored)?).map_err(|_| Error::Decrypt)
    }
}

fn associated_data(purpose: Purpose, id: Uuid) -> Vec<u8> {
    let mut aad = purpose.label().to_vec();
    aad.push(0);
    aad.extend_from_slice(id.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed() -> SecretBox {
        SecretBox::new(&ServerKey::generate())
    }

    #[test]
    fn round_trips_and_uses_fresh_nonces() {
        let sb = boxed();
        let id = Uuid::now_v7();
        let a = sb.encrypt(Purpose::UpstreamSecret, id, b"sk-live-123");
        let b = sb.encrypt(Purpose::UpstreamSecret, id, b"sk-live-123");
        assert_ne!(a, b, "two encryptions of one secret must differ");
        assert!(!a.windows(11).any(|w| w == b"sk-live-123"));
        let plain = sb
            .decrypt_string(Purpose::UpstreamSecret, id, &a)
            .expect("decrypt");
        assert_eq!(plain, "sk-live-123");
    }

    #[test]
    fn binds_row_id_and_purpose() {
        let sb = boxed();
        let id = Uuid::now_v7();
        let ct = sb.encrypt(Purpose::ApiKey, id, b"secret");
        assert!(sb.decrypt(Purpose::ApiKey, Uuid::now_v7(), &ct).is_err());
        assert!(sb.decrypt(Purpose::UpstreamSecret, id, &ct).is_err());
    }

    #[test]
    fn rejects_wrong_key_tampering_and_truncation() {
        let sb = boxed();
        let id = Uuid::now_v7();
        let ct = sb.encrypt(Purpose::ApiKey, id, b"secret");
        assert!(boxed().decrypt(Purpose::ApiKey, id, &ct).is_err());
        let mut tampered = ct.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(matches!(
            sb.decrypt(Purpose::ApiKey, id, &tampered),
            Err(Error::Decrypt)
        ));
        assert!(sb.decrypt(Purpose::ApiKey, id, &ct[..5]).is_err());
        assert!(sb.decrypt(Purpose::ApiKey, id, &[]).is_err());
        let mut other_version = ct;
        other_version[0] = 9;
        assert!(matches!(
            sb.decrypt(Purpose::ApiKey, id, &other_version),
            Err(Error::UnknownCipherVersion(9))
        ));
    }
}
