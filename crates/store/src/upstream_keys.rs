//! The `upstream_keys` table: a user's provider keys, their routing settings and health.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{Error, Result, ResultExt};

/// The protocol an upstream speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Any OpenAI-compatible Chat Completions API.
    Openai,
    /// Google's native Gemini API.
    Gemini,
    /// Anthropic, or an Anthropic-compatible relay.
    Anthropic,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::Openai, Provider::Gemini, Provider::Anthropic];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Openai => "openai",
            Provider::Gemini => "gemini",
            Provider::Anthropic => "anthropic",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "unknown provider {s:?}: expected openai, gemini or anthropic"
                ))
            })
    }
}

pub const PRIORITY_RANGE: std::ops::RangeInclusive<i32> = 0..=100;
pub const WEIGHT_RANGE: std::ops::RangeInclusive<i32> = 1..=100;

#[derive(Debug, Clone, Serialize)]
pub struct UpstreamKey {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub provider: Provider,
    pub base_url: String,
    #[serde(skip)]
    pub secret_encrypted: Vec<u8>,
    pub secret_hint: String,
    pub priority: i32,
    pub weight: i32,
    pub enabled: bool,
    pub total_requests: i64,
    pub success_requests: i64,
    pub consecutive_failures: i32,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_failure_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub cooldown_until: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    /// Cooldowns in a row: each one lasts longer than the last.
    pub cooldown_trips: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A key ready to store: the caller made the id and encrypted the secret under it.
#[derive(Debug, Clone)]
pub struct NewUpstreamKey {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub provider: Provider,
    pub base_url: String,
    pub secret_encrypted: Vec<u8>,
    pub secret_hint: String,
    pub priority: i32,
    pub weight: i32,
    pub enabled: bool,
}

/// A partial update: `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct UpstreamKeyChanges {
    pub name: Option<String>,
    pub provider: Option<Provider>,
    pub base_url: Option<String>,
    /// New encrypted secret with its hint.
    pub secret: Option<(Vec<u8>, String)>,
    pub priority: Option<i32>,
    pub weight: Option<i32>,
    pub enabled: Option<bool>,
}

/// Checks what the database would also refuse, to give a message naming the field.
pub fn validate_settings(
    name: Option<&str>,
    priority: Option<i32>,
    weight: Option<i32>,
) -> Result<()> {
    if let Some(name) = name
        && (name.trim().is_empty() || name.len() > 64)
    {
        return Err(Error::Invalid("name must be 1-64 characters".to_owned()));
    }
    if let Some(p) = priority
        && !PRIORITY_RANGE.contains(&p)
    {
        return Err(Error::Invalid(format!(
            "priority must be between 0 and 100, got {p}"
        )));
    }
    if let Some(w) = weight
        && !WEIGHT_RANGE.contains(&w)
    {
        return Err(Error::Invalid(format!(
            "weight must be between 1 and 100, got {w}"
        )));
    }
    Ok(())
}

fn duplicate_name(name: &str) -> Error {
    Error::Conflict(format!("an upstream key named {name} already exists"))
}

/// The row as read; `provider` is checked by the table's constraint, so a value outside
/// the enum means the schema and the code disagree.
struct Row {
    id: Uuid,
    user_id: Uuid,
    name: String,
    provider: String,
    base_url: String,
    secret_encrypted: Vec<u8>,
    secret_hint: String,
    priority: i32,
    weight: i32,
    enabled: bool,
    total_requests: i64,
    success_requests: i64,
    consecutive_failures: i32,
    last_used_at: Option<OffsetDateTime>,
    last_failure_at: Option<OffsetDateTime>,
    cooldown_until: Option<OffsetDateTime>,
    last_error: Option<String>,
    cooldown_trips: i32,
    created_at: OffsetDateTime,
}

impl TryFrom<Row> for UpstreamKey {
    type Error = Error;

    fn try_from(r: Row) -> Result<Self> {
        Ok(UpstreamKey {
            provider: r.provider.parse()?,
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            base_url: r.base_url,
            secret_encrypted: r.secret_encrypted,
            secret_hint: r.secret_hint,
            priority: r.priority,
            weight: r.weight,
            enabled: r.enabled,
            total_requests: r.total_requests,
            success_requests: r.success_requests,
            consecutive_failures: r.consecutive_failures,
            last_used_at: r.last_used_at,
            last_failure_at: r.last_failure_at,
            cooldown_until: r.cooldown_until,
            last_error: r.last_error,
            cooldown_trips: r.cooldown_trips,
            created_at: r.created_at,
        })
    }
}

pub async fn insert(db: impl PgExecutor<'_>, key: &NewUpstreamKey) -> Result<UpstreamKey> {
    validate_settings(Some(&key.name), Some(key.priority), Some(key.weight))?;
    sqlx::query_as!(
        Row,
        r#"insert into upstream_keys
               (id, user_id, name, provider, base_url, secret_encrypted, secret_hint,
                priority, weight, enabled)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           returning id, user_id, name, provider, base_url, secret_encrypted, secret_hint,
                     priority, weight, enabled, total_requests, success_requests,
                     consecutive_failures, last_used_at, last_failure_at, cooldown_until,
                     last_error, cooldown_trips, created_at"#,
        key.id,
        key.user_id,
        key.name,
        key.provider.as_str(),
        key.base_url,
        key.secret_encrypted,
        key.secret_hint,
        key.priority,
        key.weight,
        key.enabled,
    )
    .fetch_one(db)
    .await
    .on_constraint("upstream_keys_user_name_key", || duplicate_name(&key.name))?
    .try_into()
}

/// A user's keys in routing order: highest priority first, then by name.
pub async fn list(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Vec<UpstreamKey>> {
    sqlx::query_as!(
        Row,
        r#"select id, user_id, name, provider, base_url, secret_encrypted, secret_hint,
                  priority, weight, enabled, total_requests, success_requests,
                  consecutive_failures, last_used_at, last_failure_at, cooldown_until,
                  last_error, cooldown_trips, created_at
           from upstream_keys where user_id = $1
           order by priority desc, name"#,
        user_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(UpstreamKey::try_from)
    .collect()
}

pub async fn by_name(db: impl PgExecutor<'_>, user_id: Uuid, name: &str) -> Result<UpstreamKey> {
    sqlx::query_as!(
        Row,
        r#"select id, user_id, name, provider, base_url, secret_encrypted, secret_hint,
                  priority, weight, enabled, total_requests, success_requests,
                  consecutive_failures, last_used_at, last_failure_at, cooldown_until,
                  last_error, cooldown_trips, created_at
           from upstream_keys where user_id = $1 and name = $2"#,
        user_id,
        name
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::NotFound(format!("no upstream key named {name}")))?
    .try_into()
}

/// The key `id` if it belongs to `user_id`; `NotFound` otherwise (also for another user's
/// key, so that a guessed id tells nothing).
pub async fn by_id(db: impl PgExecutor<'_>, user_id: Uuid, id: Uuid) -> Result<UpstreamKey> {
    sqlx::query_as!(
        Row,
        r#"select id, user_id, name, provider, base_url, secret_encrypted, secret_hint,
                  priority, weight, enabled, total_requests, success_requests,
                  consecutive_failures, last_used_at, last_failure_at, cooldown_until,
                  last_error, cooldown_trips, created_at
           from upstream_keys where user_id = $1 and id = $2"#,
        user_id,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::NotFound("no such upstream key".to_owned()))?
    .try_into()
}

/// Applies `changes` to the key `id` of `user_id` in one statement.
pub async fn update(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    id: Uuid,
    changes: &UpstreamKeyChanges,
) -> Result<UpstreamKey> {
    validate_settings(changes.name.as_deref(), changes.priority, changes.weight)?;
    let (secret, hint) = changes.secret.clone().unzip();
    let new_name = changes.name.clone().unwrap_or_default();
    sqlx::query_as!(
        Row,
        r#"update upstream_keys set
               name = coalesce($3, name),
               provider = coalesce($4, provider),
               base_url = coalesce($5, base_url),
               secret_encrypted = coalesce($6, secret_encrypted),
               secret_hint = coalesce($7, secret_hint),
               priority = coalesce($8, priority),
               weight = coalesce($9, weight),
               enabled = coalesce($10, enabled)
           where user_id = $1 and id = $2
           returning id, user_id, name, provider, base_url, secret_encrypted, secret_hint,
                     priority, weight, enabled, total_requests, success_requests,
                     consecutive_failures, last_used_at, last_failure_at, cooldown_until,
                     last_error, cooldown_trips, created_at"#,
        user_id,
        id,
        changes.name,
        changes.provider.map(Provider::as_str),
        changes.base_url,
        secret,
        hint,
        changes.priority,
        changes.weight,
        changes.enabled,
    )
    .fetch_optional(db)
    .await
    .on_constraint("upstream_keys_user_name_key", || duplicate_name(&new_name))?
    .ok_or_else(|| Error::NotFound("no such upstream key".to_owned()))?
    .try_into()
}

/// Deletes the key; `NotFound` if the user has no key of that name.
pub async fn remove(db: impl PgExecutor<'_>, user_id: Uuid, name: &str) -> Result<()> {
    let deleted = sqlx::query!(
        "delete from upstream_keys where user_id = $1 and name = $2",
        user_id,
        name
    )
    .execute(db)
    .await?
    .rows_affected();
    if deleted == 0 {
        return Err(Error::NotFound(format!("no upstream key named {name}")));
    }
    Ok(())
}

/// Deletes the key `id` of `user_id`; `NotFound` if the user has no such key.
pub async fn remove_by_id(db: impl PgExecutor<'_>, user_id: Uuid, id: Uuid) -> Result<()> {
    let deleted = sqlx::query!(
        "delete from upstream_keys where user_id = $1 and id = $2",
        user_id,
        id
    )
    .execute(db)
    .await?
    .rows_affected();
    if deleted == 0 {
        return Err(Error::NotFound("no such upstream key".to_owned()));
    }
    Ok(())
}

/// What one process observed of a key since its last flush, merged into the row with
/// additive, atomic SQL: several Nexus processes may flush for the same key at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyActivity {
    pub key_id: Uuid,
    pub requests: i64,
    pub successes: i64,
    /// A success was seen: the consecutive-failure count restarts from `failures`.
    pub reset_failures: bool,
    /// Failures since the last success (or since the last flush, when no success).
    pub failures: i32,
    pub last_used_at: Option<OffsetDateTime>,
    pub last_failure_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    /// A cooldown this process imposed; the later of it and the stored one wins.
    pub cooldown_until: Option<OffsetDateTime>,
    /// Trips in a row after this activity (`None`: unchanged).
    pub cooldown_trips: Option<i32>,
}

/// Adds each key's activity to its counters in one statement.
pub async fn record_activity(db: impl PgExecutor<'_>, activity: &[KeyActivity]) -> Result<u64> {
    if activity.is_empty() {
        return Ok(0);
    }
    macro_rules! column {
        ($field:ident) => {
            activity
                .iter()
                .map(|a| a.$field.clone())
                .collect::<Vec<_>>()
        };
    }
    let result = sqlx::query!(
        r#"update upstream_keys k set
               total_requests = k.total_requests + a.requests,
               success_requests = k.success_requests + a.successes,
               consecutive_failures = case when a.reset_failures then a.failures
                                           else k.consecutive_failures + a.failures end,
               last_used_at = greatest(k.last_used_at, a.last_used_at),
               last_failure_at = greatest(k.last_failure_at, a.last_failure_at),
               last_error = coalesce(a.last_error, k.last_error),
               cooldown_until = case when a.reset_failures and a.failures = 0 then null
                                     else greatest(k.cooldown_until, a.cooldown_until) end,
               cooldown_trips = coalesce(a.cooldown_trips, k.cooldown_trips)
           from unnest($1::uuid[], $2::int8[], $3::int8[], $4::bool[], $5::int4[], $6::timestamptz[],
                       $7::timestamptz[], $8::text[], $9::timestamptz[], $10::int4[])
                as a(key_id, requests, successes, reset_failures, failures, last_used_at, last_failure_at,
                     last_error, cooldown_until, cooldown_trips)
           where k.id = a.key_id"#,
        &column!(key_id),
        &column!(requests),
        &column!(successes),
        &column!(reset_failures),
        &column!(failures),
        &column!(last_used_at) as &[Option<OffsetDateTime>],
        &column!(last_failure_at) as &[Option<OffsetDateTime>],
        &column!(last_error) as &[Option<String>],
        &column!(cooldown_until) as &[Option<OffsetDateTime>],
        &column!(cooldown_trips) as &[Option<i32>],
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// Forgets every key's failures and cooldown: used when all of a user's keys are skipped,
/// so that the user is never left with "no key available".
pub async fn reset_health(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<()> {
    sqlx::query!(
        r#"update upstream_keys set consecutive_failures = 0, cooldown_until = null, cooldown_trips = 0
           where user_id = $1 and enabled"#,
        user_id
    )
    .execute(db)
    .await?;
    Ok(())
}
