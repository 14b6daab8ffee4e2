use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::{Error, PgPool, Result};

/// Opens a pool on `options`. Fails fast (10 s) when the server cannot be reached.
pub async fn connect(options: PgConnectOptions, max_connections: u32) -> Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Parses a `DATABASE_URL` without ever repeating it (it may hold a password).
pub fn parse_url(url: &str) -> Result<PgConnectOptions> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(Error::Invalid(
            "DATABASE_URL must start with postgres:// or postgresql://".to_owned(),
        ));
    }
    PgConnectOptions::from_str(url).map_err(|_| {
        Error::Invalid(format!(
            "DATABASE_URL is not a valid PostgreSQL URL ({})",
            redact_url(url)
        ))
    })
}

/// The URL with any password replaced by `***`, fit for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            let mut shown = parsed.to_string();
            // Query parameters may carry a password too (`?password=`).
            if let Some(query) = parsed.query()
                && query.contains("password")
            {
                shown = shown.replace(query, "***");
            }
            shown
        }
        Err(_) => "<unparseable URL>".to_owned(),
    }
}

/// Round-trip time of a trivial query: the database health check.
pub async fn ping(pool: &PgPool) -> Result<Duration> {
    let started = Instant::now();
    sqlx::query_scalar!("select 1 as \"one!\"")
        .fetch_one(pool)
        .await?;
    Ok(started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        let shown = redact_url("postgres://nexus:hunter2@db:5432/nexus");
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("db:5432"));
        let shown = redact_url("postgres://db/nexus?user=a&password=hunter2");
        assert!(!shown.contains("hunter2"));
        assert_eq!(redact_url("not a url hunter2"), "<unparseable URL>");
    }

    #[test]
    fn parse_errors_do_not_echo_secrets() {
        let err = parse_url("postgres://u:hunter2@[bad/x").expect_err("invalid");
        assert!(!err.to_string().contains("hunter2"));
    }
}
