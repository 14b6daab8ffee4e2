//! The `api_keys` table: users' `ak-` keys, as lookup hash and encrypted copy.

use serde::Serialize;
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{Error, Result, ResultExt};

/// The name of the key every user gets at sign-up, the one `key show` reveals.
pub const PRIMARY_KEY_NAME: &str = "default";

#[derive(Debug, Clone, Serialize)]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub prefix: String,
    #[serde(skip)]
    pub key_encrypted: Vec<u8>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A key ready to store: the caller made the id, hashed and encrypted the key under it.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub key_hash: Vec<u8>,
    pub key_encrypted: Vec<u8>,
}

/// The owner of a live key, as the gateway needs it on every request.
#[derive(Debug, Clone)]
pub struct KeyOwner {
    pub key_id: Uuid,
    pub user_id: Uuid,
    pub login: String,
}

pub async fn insert(db: impl PgExecutor<'_>, key: &NewApiKey) -> Result<ApiKeyRow> {
    sqlx::query_as!(
        ApiKeyRow,
        r#"insert into api_keys (id, user_id, name, prefix, key_hash, key_encrypted)
           values ($1, $2, $3, $4, $5, $6)
           returning id, user_id, name, prefix, key_encrypted, last_used_at, revoked_at, created_at"#,
        key.id,
        key.user_id,
        key.name,
        key.prefix,
        key.key_hash,
        key.key_encrypted,
    )
    .fetch_one(db)
    .await
    .on_constraint("api_keys_user_name_key", || {
        Error::Conflict(format!("a key named {} already exists", key.name))
    })
}

/// The user's live key with this name.
pub async fn live_by_name(db: impl PgExecutor<'_>, user_id: Uuid, name: &str) -> Result<ApiKeyRow> {
    sqlx::query_as!(
        ApiKeyRow,
        r#"select id, user_id, name, prefix, key_encrypted, last_used_at, revoked_at, created_at
           from api_keys where user_id = $1 and name = $2 and revoked_at is null"#,
        user_id,
        name
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::NotFound(format!("no live API key named {name}")))
}

/// The user's live key with this id; someone else's key reads as missing.
pub async fn live_by_id(db: impl PgExecutor<'_>, user_id: Uuid, id: Uuid) -> Result<ApiKeyRow> {
    sqlx::query_as!(
        ApiKeyRow,
        r#"select id, user_id, name, prefix, key_encrypted, last_used_at, revoked_at, created_at
           from api_keys where id = $1 and user_id = $2 and revoked_at is null"#,
        id,
        user_id
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::NotFound("no such API key".to_owned()))
}

/// Revokes the user's live key with this id; someone else's key reads as missing.
pub async fn revoke(db: impl PgExecutor<'_>, user_id: Uuid, id: Uuid) -> Result<()> {
    let done = sqlx::query!(
        r#"update api_keys set revoked_at = now()
           where id = $1 and user_id = $2 and revoked_at is null"#,
        id,
        user_id
    )
    .execute(db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("no such API key".to_owned()));
    }
    Ok(())
}

/// Records when keys were last used, many at once; a time never moves backwards.
pub async fn record_last_used(
    db: impl PgExecutor<'_>,
    ids: &[Uuid],
    used_at: &[OffsetDateTime],
) -> Result<()> {
    sqlx::query!(
        r#"update api_keys k set last_used_at = greatest(k.last_used_at, u.used_at)
           from unnest($1::uuid[], $2::timestamptz[]) as u(id, used_at)
           where k.id = u.id"#,
        ids,
        used_at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// All of a user's keys, live ones first.
pub async fn list(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Vec<ApiKeyRow>> {
    Ok(sqlx::query_as!(
        ApiKeyRow,
        r#"select id, user_id, name, prefix, key_encrypted, last_used_at, revoked_at, created_at
           from api_keys where user_id = $1
           order by revoked_at is not null, created_at, id"#,
        user_id
    )
    .fetch_all(db)
    .await?)
}

/// Revokes the user's live key named like `new` and stores `new` in its place, in one
/// transaction: there is never a moment with both or neither.
pub async fn replace(conn: &mut PgConnection, new: &NewApiKey) -> Result<ApiKeyRow> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query!(
        r#"update api_keys set revoked_at = now()
           where user_id = $1 and name = $2 and revoked_at is null"#,
        new.user_id,
        new.name
    )
    .execute(&mut *tx)
    .await?;
    let row = insert(&mut *tx, new).await?;
    tx.commit().await?;
    Ok(row)
}

/// The owner of the live key with this lookup hash, if the key exists, is not revoked and
/// its user is not disabled.
pub async fn owner_by_hash(db: impl PgExecutor<'_>, key_hash: &[u8]) -> Result<Option<KeyOwner>> {
    Ok(sqlx::query_as!(
        KeyOwner,
        r#"select k.id as key_id, u.id as user_id, u.login
           from api_keys k join users u on u.id = k.user_id
           where k.key_hash = $1 and k.revoked_at is null and u.disabled_at is null"#,
        key_hash
    )
    .fetch_optional(db)
    .await?)
}
