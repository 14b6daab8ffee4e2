//! The `sessions` table: dashboard sign-ins, looked up by the SHA-256 of the cookie token.

use sqlx::PgExecutor;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::error::Result;
use crate::users::User;

/// A live session and its (enabled) user.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: Uuid,
    pub expires_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub user: User,
}

/// Stores a new session for `user_id` that ends after `ttl`.
pub async fn insert(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    token_hash: &[u8],
    ttl: Duration,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query!(
        r#"insert into sessions (id, user_id, token_hash, expires_at)
           values ($1, $2, $3, now() + $4::bigint * interval '1 second')"#,
        id,
        user_id,
        token_hash,
        ttl.whole_seconds(),
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// The session with this token hash if it is neither revoked nor expired and its user is
/// not disabled; anything else reads as no session at all.
pub async fn live_by_hash(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> Result<Option<SessionRow>> {
    let row = sqlx::query!(
        r#"select s.id, s.expires_at, s.last_seen_at,
                  u.id as user_id, u.github_id, u.login, u.name, u.email, u.avatar_url,
                  u.password_hash, u.is_admin, u.disabled_at, u.created_at
           from sessions s join users u on u.id = s.user_id
           where s.token_hash = $1 and s.revoked_at is null and s.expires_at > now()
             and u.disabled_at is null"#,
        token_hash
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| SessionRow {
        id: r.id,
        expires_at: r.expires_at,
        last_seen_at: r.last_seen_at,
        user: User {
            id: r.user_id,
            github_id: r.github_id,
            login: r.login,
            name: r.name,
            email: r.email,
            avatar_url: r.avatar_url,
            password_hash: r.password_hash,
            is_admin: r.is_admin,
            disabled_at: r.disabled_at,
            created_at: r.created_at,
        },
    }))
}

/// Slides a live session's end to `ttl` from now.
pub async fn refresh(db: impl PgExecutor<'_>, id: Uuid, ttl: Duration) -> Result<()> {
    sqlx::query!(
        r#"update sessions set last_seen_at = now(), expires_at = now() + $2::bigint * interval '1 second'
           where id = $1 and revoked_at is null and expires_at > now()"#,
        id,
        ttl.whole_seconds(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Revokes the session with this token hash (signing out in one browser).
pub async fn revoke_by_hash(db: impl PgExecutor<'_>, token_hash: &[u8]) -> Result<()> {
    sqlx::query!(
        "update sessions set revoked_at = now() where token_hash = $1 and revoked_at is null",
        token_hash
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Revokes every session of a user (signing out everywhere). Returns how many were live.
pub async fn revoke_all_for_user(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<u64> {
    let done = sqlx::query!(
        r#"update sessions set revoked_at = now()
           where user_id = $1 and revoked_at is null and expires_at > now()"#,
        user_id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes sessions that ended more than a day ago; they can never be used again.
pub async fn delete_stale(db: impl PgExecutor<'_>) -> Result<u64> {
    let done = sqlx::query!(
        r#"delete from sessions
           where coalesce(revoked_at, expires_at) < now() - interval '1 day'"#
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
