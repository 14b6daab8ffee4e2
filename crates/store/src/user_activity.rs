//! What administrators see of everyone: each user's recent traffic and last activity, and
//! the totals of the whole gateway. Traffic comes from the hourly rollups, so it costs the
//! same however many requests there were.

use serde::Serialize;
use sqlx::PgExecutor;
use time::OffsetDateTime;

use crate::error::Result;
use crate::users::User;

/// A user with their traffic since the window's start.
#[derive(Debug, Clone, Serialize)]
pub struct UserActivity {
    pub user: User,
    pub requests: i64,
    pub errors: i64,
    pub tokens: i64,
    /// The latest of: a dashboard page seen, a key used.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_active_at: Option<OffsetDateTime>,
}

/// The whole gateway since the window's start.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GatewayTotals {
    pub users: i64,
    pub disabled_users: i64,
    /// Users with at least one request in the window.
    pub active_users: i64,
    pub requests: i64,
    pub errors: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub upstream_keys: i64,
}

/// One page of users, oldest account first, with their traffic since `since`.
pub async fn page(
    db: impl PgExecutor<'_>,
    since: OffsetDateTime,
    limit: i64,
    offset: i64,
) -> Result<Vec<UserActivity>> {
    let rows = sqlx::query!(
        r#"select u.id, u.github_id, u.login, u.name, u.email, u.avatar_url, u.password_hash,
                  u.is_admin, u.disabled_at, u.created_at,
                  coalesce(r.requests, 0) as "requests!",
                  coalesce(r.errors, 0) as "errors!",
                  coalesce(r.tokens, 0) as "tokens!",
                  greatest(s.last_seen_at, k.last_used_at) as last_active_at
           from users u
           left join lateral (
               select sum(requests)::bigint as requests, sum(errors)::bigint as errors,
                      sum(input_tokens + output_tokens)::bigint as tokens
               from gateway_log_rollups where user_id = u.id and hour >= $1
           ) r on true
           left join lateral (
               select max(last_seen_at) as last_seen_at from sessions where user_id = u.id
           ) s on true
           left join lateral (
               select max(last_used_at) as last_used_at from api_keys where user_id = u.id
           ) k on true
           order by u.created_at, u.id
           limit $2 offset $3"#,
        since,
        limit,
        offset,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| UserActivity {
            user: User {
                id: row.id,
                github_id: row.github_id,
                login: row.login,
                name: row.name,
                email: row.email,
                avatar_url: row.avatar_url,
                password_hash: row.password_hash,
                is_admin: row.is_admin,
                disabled_at: row.disabled_at,
                created_at: row.created_at,
            },
            requests: row.requests,
            errors: row.errors,
            tokens: row.tokens,
            last_active_at: row.last_active_at,
        })
        .collect())
}

pub async fn totals(db: impl PgExecutor<'_>, since: OffsetDateTime) -> Result<GatewayTotals> {
    let row = sqlx::query!(
        r#"select
             (select count(*) from users) as "users!",
             (select count(*) from users where disabled_at is not null) as "disabled_users!",
             (select count(distinct user_id) from gateway_log_rollups
               where hour >= $1 and requests > 0) as "active_users!",
             (select coalesce(sum(requests), 0)::bigint from gateway_log_rollups
               where hour >= $1) as "requests!",
             (select coalesce(sum(errors), 0)::bigint from gateway_log_rollups
               where hour >= $1) as "errors!",
             (select coalesce(sum(input_tokens), 0)::bigint from gateway_log_rollups
               where hour >= $1) as "input_tokens!",
             (select coalesce(sum(output_tokens), 0)::bigint from gateway_log_rollups
               where hour >= $1) as "output_tokens!",
             (select count(*) from upstream_keys) as "upstream_keys!""#,
        since,
    )
    .fetch_one(db)
    .await?;
    Ok(GatewayTotals {
        users: row.users,
        disabled_users: row.disabled_users,
        active_users: row.active_users,
        requests: row.requests,
        errors: row.errors,
        input_tokens: row.input_tokens,
        output_tokens: row.output_tokens,
        upstream_keys: row.upstream_keys,
    })
}
