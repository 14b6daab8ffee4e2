//! The `users` table.

use serde::Serialize;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{Error, Result, ResultExt};

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: Uuid,
    pub github_id: Option<i64>,
    pub login: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub is_admin: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub disabled_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl User {
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

/// What it takes to create a user.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub login: String,
    pub github_id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub password_hash: Option<String>,
    pub is_admin: bool,
}

/// Checks a login the way GitHub shapes them: 1–39 of letters, digits and single hyphens.
pub fn validate_login(login: &str) -> Result<()> {
    let ok = (1..=39).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !login.starts_with('-')
        && !login.ends_with('-')
        && !login.contains("--");
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "invalid login {login:?}: use 1-39 letters, digits or single hyphens"
        )))
    }
}

pub async fn create(db: impl PgExecutor<'_>, new: &NewUser) -> Result<User> {
    validate_login(&new.login)?;
    sqlx::query_as!(
        User,
        r#"insert into users (id, login, github_id, name, email, avatar_url, password_hash, is_admin)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           returning id, github_id, login, name, email, avatar_url, password_hash, is_admin,
                     disabled_at, created_at"#,
        Uuid::now_v7(),
        new.login,
        new.github_id,
        new.name,
        new.email,
        new.avatar_url,
        new.password_hash,
        new.is_admin,
    )
    .fetch_one(db)
    .await
    .on_constraint("users_login_key", || {
        Error::Conflict(format!("a user named {} already exists", new.login))
    })
    .on_constraint("users_github_id_key", || {
        Error::Conflict("that GitHub account already has a user".to_owned())
    })
}

/// The user with this login (case-insensitive), or `NotFound` naming it.
pub async fn by_login(db: impl PgExecutor<'_>, login: &str) -> Result<User> {
    sqlx::query_as!(
        User,
        r#"select id, github_id, login, name, email, avatar_url, password_hash, is_admin,
                  disabled_at, created_at
           from users where lower(login) = lower($1)"#,
        login
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::NotFound(format!("no user named {login}")))
}

pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> Result<User> {
    sqlx::query_as!(
        User,
        r#"select id, github_id, login, name, email, avatar_url, password_hash, is_admin,
                  disabled_at, created_at
           from users where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::NotFound("no such user".to_owned()))
}

/// The user signed in with this GitHub account, if any.
pub async fn by_github_id(db: impl PgExecutor<'_>, github_id: i64) -> Result<Option<User>> {
    Ok(sqlx::query_as!(
        User,
        r#"select id, github_id, login, name, email, avatar_url, password_hash, is_admin,
                  disabled_at, created_at
           from users where github_id = $1"#,
        github_id
    )
    .fetch_optional(db)
    .await?)
}

/// What GitHub says about an account at sign-in; stored so a rename follows the account.
#[derive(Debug, Clone)]
pub struct GithubProfile {
    pub login: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
}

/// Copies the GitHub profile onto the user keyed by `github_id`.
pub async fn update_github_profile(
    db: impl PgExecutor<'_>,
    github_id: i64,
    profile: &GithubProfile,
) -> Result<User> {
    validate_login(&profile.login)?;
    sqlx::query_as!(
        User,
        r#"update users set login = $2, name = $3, email = $4, avatar_url = $5
           where github_id = $1
           returning id, github_id, login, name, email, avatar_url, password_hash, is_admin,
                     disabled_at, created_at"#,
        github_id,
        profile.login,
        profile.name,
        profile.email,
        profile.avatar_url,
    )
    .fetch_optional(db)
    .await
    .on_constraint("users_login_key", || {
        Error::Conflict(format!(
            "the login {} belongs to another account here",
            profile.login
        ))
    })?
    .ok_or_else(|| Error::NotFound("no user for that GitHub account".to_owned()))
}

/// Whether any user can sign in with a password (the login page shows the form then).
pub async fn any_with_password(db: impl PgExecutor<'_>) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from users where password_hash is not null) as "exists!""#
    )
    .fetch_one(db)
    .await?)
}

pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<User>> {
    Ok(sqlx::query_as!(
        User,
        r#"select id, github_id, login, name, email, avatar_url, password_hash, is_admin,
                  disabled_at, created_at
           from users order by created_at, id"#
    )
    .fetch_all(db)
    .await?)
}

pub async fn count(db: impl PgExecutor<'_>) -> Result<i64> {
    Ok(
        sqlx::query_scalar!(r#"select count(*) as "count!" from users"#)
            .fetch_one(db)
            .await?,
    )
}

/// Disables (`true`) or re-enables a user. Disabling keeps the first disable time.
pub async fn set_disabled(db: impl PgExecutor<'_>, id: Uuid, disabled: bool) -> Result<()> {
    sqlx::query!(
        r#"update users
           set disabled_at = case when $2 then coalesce(disabled_at, now()) else null end
           where id = $1"#,
        id,
        disabled
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_admin(db: impl PgExecutor<'_>, id: Uuid, is_admin: bool) -> Result<()> {
    sqlx::query!("update users set is_admin = $2 where id = $1", id, is_admin)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_password_hash(db: impl PgExecutor<'_>, id: Uuid, hash: &str) -> Result<()> {
    sqlx::query!(
        "update users set password_hash = $2 where id = $1",
        id,
        hash
    )
    .execute(db)
    .await?;
    Ok(())
}

/// How a user's requests are spread over their keys.
pub async fn pool_strategy(db: impl PgExecutor<'_>, id: Uuid) -> Result<String> {
    Ok(
        sqlx::query_scalar!("select pool_strategy from users where id = $1", id)
            .fetch_one(db)
            .await?,
    )
}

pub async fn set_pool_strategy(db: impl PgExecutor<'_>, id: Uuid, strategy: &str) -> Result<()> {
    sqlx::query!(
        "update users set pool_strategy = $2 where id = $1",
        id,
        strategy
    )
    .execute(db)
    .await
    .on_constraint("users_pool_strategy_check", || {
        Error::Invalid(format!(
            "unknown strategy {strategy:?}: expected priority, round-robin, random or failover"
        ))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate_login;

    #[test]
    fn logins_follow_github_rules() {
        for good in ["alice", "a", "bob-smith", "A1-b2", &"x".repeat(39)] {
            assert!(validate_login(good).is_ok(), "{good}");
        }
        for bad in ["", "-a", "a-", "a--b", "a b", "a/b", "é", &"x".repeat(40)] {
            assert!(validate_login(bad).is_err(), "{bad}");
        }
    }
}
