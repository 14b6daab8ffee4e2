//! Dashboard sessions: a random cookie token whose SHA-256 alone is stored, so a database
//! leak yields no usable session. Expiry slides forward while the session is in use.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use store::PgPool;
use store::sessions::{self, SessionRow};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// A session is extended at most this often, so browsing costs no write per page.
const REFRESH_EVERY: Duration = Duration::hours(1);
/// 32 random bytes, base64url without padding.
const ENCODED_LEN: usize = 43;

/// The secret a browser holds in its session cookie.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

impl SessionToken {
    pub fn generate() -> Self {
        let bytes: [u8; 32] = crate::random_bytes();
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Accepts only the shape `generate` makes, so junk never reaches the database.
    pub fn parse(text: &str) -> Option<Self> {
        let ok = text.len() == ENCODED_LEN
            && URL_SAFE_NO_PAD
                .decode(text)
                .is_ok_and(|raw| raw.len() == 32);
        ok.then(|| Self(text.to_owned()))
    }

    /// The cookie value. Only ever written into a `Set-Cookie` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database stores and looks up.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }
}

/// A session found by its token.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub row: SessionRow,
    /// The expiry moved forward: the cookie should be sent again with a fresh lifetime.
    pub refreshed: bool,
}

/// Starts a session for `user_id` lasting `ttl`.
pub async fn start_session(
    pool: &PgPool,
    user_id: Uuid,
    ttl: Duration,
) -> Result<SessionToken, store::Error> {
    let token = SessionToken::generate();
    sessions::insert(pool, user_id, &token.hash(), ttl).await?;
    Ok(token)
}

/// The live session behind a cookie value, extending it when it was last extended more
/// than [`REFRESH_EVERY`] ago. Unknown, malformed, expired or revoked tokens and disabled
/// users all give `None`.
pub async fn find_session(
    pool: &PgPool,
    cookie_value: &str,
    ttl: Duration,
) -> Result<Option<LiveSession>, store::Error> {
    let Some(token) = SessionToken::parse(cookie_value) else {
        return Ok(None);
    };
    let Some(mut row) = sessions::live_by_hash(pool, &token.hash()).await? else {
        return Ok(None);
    };
    let now = OffsetDateTime::now_utc();
    let refreshed = row.expires_at < now + ttl - REFRESH_EVERY;
    if refreshed {
        sessions::refresh(pool, row.id, ttl).await?;
        row.expires_at = now + ttl;
        row.last_seen_at = now;
    }
    Ok(Some(LiveSession { row, refreshed }))
}

/// Ends the session behind a cookie value, if there is one.
pub async fn end_session(pool: &PgPool, cookie_value: &str) -> Result<(), store::Error> {
    if let Some(token) = SessionToken::parse(cookie_value) {
        sessions::revoke_by_hash(pool, &token.hash()).await?;
    }
    Ok(())
}

/// Ends every session of a user.
pub async fn end_all_sessions(pool: &PgPool, user_id: Uuid) -> Result<u64, store::Error> {
    sessions::revoke_all_for_user(pool, user_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_hash_stably() {
        let token = SessionToken::generate();
        let parsed = SessionToken::parse(token.expose()).expect("parse");
        assert_eq!(parsed, token);
        assert_eq!(parsed.hash(), token.hash());
        assert_ne!(SessionToken::generate().hash(), token.hash());
        assert!(!format!("{token:?}").contains(token.expose()));
    }

    #[test]
    fn parse_rejects_other_shapes() {
        let good = SessionToken::generate();
        for bad in [
            "",
            "abc",
            &good.expose()[1..],
            &format!("{}=", good.expose()),
        ] {
            assert!(SessionToken::parse(bad).is_none(), "{bad}");
        }
    }
}
