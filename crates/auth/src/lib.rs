//! Secrets of Nexus: the server key, `ak-` API keys, encryption of stored secrets and
//! password hashing for local accounts, dashboard sessions.
//!
//! Nothing in this crate ever formats a secret into a `Debug` or `Display` string, so a
//! value can be logged or put into an error without leaking key material.

mod accounts;
mod api_key;
mod cipher;
mod error;
mod password;
mod server_key;
mod session;

pub use accounts::{KeyError, Keyring};
pub use api_key::{API_KEY_PREFIX, ApiKey, ApiKeyHash};
pub use cipher::{Purpose, SecretBox};
pub use error::{Error, Result};
pub use password::{hash_password, verify_password};
pub use server_key::{ServerKey, load_or_create_key_file};
pub use session::{
    LiveSession, SessionToken, end_all_sessions, end_session, find_session, start_session,
};

/// Fills `buf` with bytes from the operating system's CSPRNG.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS RNG failing is not recoverable: no secret may be made from anything else.
    getrandom::fill(&mut buf).expect("the operating system's random number generator failed");
    buf
}
