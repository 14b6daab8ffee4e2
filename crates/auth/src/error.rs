/// Errors of the auth crate. Messages never contain secret material.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the secret key must be 32 bytes written as 64 hex characters or as base64")]
    BadServerKey,
    #[error("could not read or write the secret key file {path}: {source}")]
    KeyFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("a stored secret could not be decrypted (wrong NEXUS_SECRET_KEY or corrupted data)")]
    Decrypt,
    #[error("a stored secret has an unknown format version {0}")]
    UnknownCipherVersion(u8),
    #[error("not an ak- API key")]
    MalformedApiKey,
    #[error("password hashing failed: {0}")]
    Password(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
