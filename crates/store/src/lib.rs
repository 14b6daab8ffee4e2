//! Everything Nexus keeps in Postgres. Only this crate speaks SQL; it returns typed values.
//!
//! Also home of the embedded cluster ([`embedded`]) that Nexus runs in its data folder when
//! no `DATABASE_URL` is given.

pub mod api_keys;
mod connect;
pub mod embedded;
mod error;
pub mod gateway_logs;
pub mod log_queries;
pub mod model_mappings;
pub mod retention;
pub mod sessions;
pub mod stats;
pub mod upstream_keys;
pub mod user_activity;
pub mod users;

pub use connect::{connect, parse_url, ping, redact_url};
pub use error::{Error, Result};
pub use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, Transaction};

/// The one schema, from the workspace's `migrations/` folder.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// Applies pending migrations. Several processes may call this at once: sqlx serialises
/// them with an advisory lock.
pub async fn migrate(pool: &PgPool) -> Result<()> {
    MIGRATOR.run(pool).await?;
    Ok(())
}
