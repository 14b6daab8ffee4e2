use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};

type HmacSha256 = hmac::Hmac<Sha256>;

/// The 32-byte server key (`NEXUS_SECRET_KEY`). Every other key is derived from it, one
/// per purpose, so that the API-key lookup hash and the encryption key never share bytes.
#[derive(Clone)]
pub struct ServerKey([u8; 32]);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(<redacted>)")
    }
}

impl ServerKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self(crate::random_bytes())
    }

    /// Parses 64 hex characters or standard / URL-safe base64 (padded or not) of 32 bytes.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| Error::BadServerKey)?
        } else {
            decode_base64(text).ok_or(Error::BadServerKey)?
        };
        let key: [u8; 32] = bytes.try_into().map_err(|_| Error::BadServerKey)?;
        Ok(Self(key))
    }

    /// The key as 64 lowercase hex characters, for writing the key file.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Derives an independent 32-byte subkey for `label` (HMAC-SHA256 as a PRF).
    pub(crate) fn derive(&self, label: &str) -> [u8; 32] {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(b"nexus/v1/");
        mac.update(label.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

/// Loads the key stored at `path`, or generates one and writes it there with mode 0600.
/// Used by the embedded default, where the operator sets no `NEXUS_SECRET_KEY`.
pub fn load_or_create_key_file(path: &Path) -> Result<ServerKey> {
    let io_err = |source| Error::KeyFile {
        path: path.display().to_string(),
        source,
    };
    match fs::read_to_string(path) {
        Ok(text) => {
            // Tighten permissions left loose by hand, rather than refuse to start.
            let perms = fs::metadata(path).map_err(io_err)?.permissions();
            if perms.mode() & 0o077 != 0 {
                fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io_err)?;
            }
            ServerKey::parse(&text)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let key = ServerKey::generate();
            // create_new: two processes starting at once must not overwrite each other's key.
            let created = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path);
            match created {
                Ok(mut file) => {
                    writeln!(file, "{}", key.to_hex()).map_err(io_err)?;
                    file.sync_all().map_err(io_err)?;
                    Ok(key)
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    load_or_create_key_file(path)
                }
                Err(err) => Err(io_err(err)),
            }
        }
        Err(err) => Err(io_err(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hex_and_base64_of_the_same_bytes() {
        let hex_text = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let from_hex = ServerKey::parse(hex_text).expect("hex");
        let raw = hex::decode(hex_text).expect("hex");
        let b64 = base64::engine::general_purpose::STANDARD.encode(&raw);
        let from_b64 = ServerKey::parse(&b64).expect("base64");
        assert_eq!(from_hex.0, from_b64.0);
        let b64_nopad = b64.trim_end_matches('=');
        assert_eq!(
            ServerKey::parse(b64_nopad).expect("unpadded").0,
            raw.as_slice()
        );
        assert_eq!(from_hex.to_hex(), hex_text);
    }

    #[test]
    fn rejects_wrong_lengths_and_garbage_without_echoing_input() {
        for bad in [
            "",
            "abcd",
            "zz".repeat(32).as_str(),
            &"00".repeat(31),
            &"00".repeat(33),
        ] {
            let err = ServerKey::parse(bad).expect_err(bad);
            assert!(matches!(err, Error::BadServerKey));
            assert!(bad.is_empty() || !err.to_string().contains(bad));
        }
    }

    #[test]
    fn debug_output_is_redacted() {
        let key = ServerKey::generate();
        let shown = format!("{key:?}");
        assert!(!shown.contains(&key.to_hex()));
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn derived_keys_differ_per_label() {
        let key = ServerKey::generate();
        assert_ne!(key.derive("a"), key.derive("b"));
        assert_eq!(key.derive("a"), key.derive("a"));
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret.key");
        let first = load_or_create_key_file(&path).expect("create");
        let mode = fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let second = load_or_create_key_file(&path).expect("reuse");
        assert_eq!(first.0, second.0);
    }

    #[test]
    fn key_file_permissions_are_tightened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret.key");
        let key = load_or_create_key_file(&path).expect("create");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        assert_eq!(load_or_create_key_file(&path).expect("load").0, key.0);
        let mode = fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
