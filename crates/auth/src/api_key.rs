use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};
use crate::server_key::ServerKey;

type HmacSha256 = hmac::Hmac<Sha256>;

/// Every Nexus API key starts with this.
pub const API_KEY_PREFIX: &str = "ak-";
/// 32 random bytes, base64url without padding.
const ENCODED_LEN: usize = 43;
/// How many characters of the key a page or listing may show.
const DISPLAY_LEN: usize = API_KEY_PREFIX.len() + 6;

/// A full `ak-` key. Only its owner ever sees it; the database keeps its HMAC (for lookup)
/// and an encrypted copy (for reveal).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKey({}…)", self.display_prefix())
    }
}

/// HMAC-SHA256 of a key under the server key: the only form in which keys are looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyHash(pub [u8; 32]);

impl ApiKey {
    /// A new random key.
    pub fn generate() -> Self {
        let bytes: [u8; 32] = crate::random_bytes();
        Self(format!("{API_KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Checks the shape of a key a client sent. It says nothing of whether the key exists.
    pub fn parse(text: &str) -> Result<Self> {
        let body = text
            .strip_prefix(API_KEY_PREFIX)
            .ok_or(Error::MalformedApiKey)?;
        let well_formed = body.len() == ENCODED_LEN
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && URL_SAFE_NO_PAD
                .decode(body)
                .is_ok_and(|raw| raw.len() == 32);
        if well_formed {
            Ok(Self(text.to_owned()))
        } else {
            Err(Error::MalformedApiKey)
        }
    }

    /// The full key text. Callers print it only on the owner's explicit request.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The first characters (`ak-` plus six), safe to show in listings and logs.
    pub fn display_prefix(&self) -> &str {
        &self.0[..DISPLAY_LEN]
    }

    /// The lookup hash of this key under `server_key`.
    pub fn hash(&self, server_key: &ServerKey) -> ApiKeyHash {
        let subkey = server_key.derive("hmac-sha256/api-key-lookup");
        let mut mac = HmacSha256::new_from_slice(&subkey).expect("HMAC accepts any key length");
        mac.update(self.0.as_bytes());
        ApiKeyHash(mac.finalize().into_bytes().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_the_documented_shape() {
        let key = ApiKey::generate();
        assert!(key.expose().starts_with("ak-"));
        assert_eq!(key.expose().len(), 3 + 43);
        assert_eq!(ApiKey::parse(key.expose()).expect("parse"), key);
        assert_ne!(ApiKey::generate(), key);
    }

    #[test]
    fn parse_rejects_other_shapes() {
        let good = ApiKey::generate();
        let body = &good.expose()[3..];
        for bad in [
            "",
            "ak-",
            body,
            &format!("sk-{body}"),
            &format!("ak-{}", &body[1..]),
            &format!("ak-{body}x"),
            &format!("ak-{}!", &body[1..]),
        ] {
            assert!(ApiKey::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn hash_depends_on_key_and_server_key() {
        let server = ServerKey::generate();
        let key = ApiKey::generate();
        assert_eq!(key.hash(&server), key.hash(&server));
        assert_ne!(key.hash(&server), ApiKey::generate().hash(&server));
        assert_ne!(key.hash(&server), key.hash(&ServerKey::generate()));
    }

    #[test]
    fn debug_shows_only_the_prefix() {
        let key = ApiKey::generate();
        let shown = format!("{key:?}");
        assert!(shown.contains(key.display_prefix()));
        assert!(!shown.contains(key.expose()));
    }
}
