//! `nexus serve`: open the database, serve HTTP until SIGINT/SIGTERM, then stop cleanly
//! (in-flight requests finish, the pool closes, the embedded PostgreSQL stops).

use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::app::{self, AppState};
use crate::config::Config;
use crate::database::{self, Database};
use crate::gateway::pool;
use crate::key_usage;
use crate::log_writer::{LogWriter, WriterOptions};
use crate::maintenance;

/// How long in-flight requests may run on after a stop signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// How long queued gateway logs may take to reach the database or the spool at shutdown
/// (the writer bounds its own time on the database well below this).
const LOG_FLUSH_LIMIT: Duration = Duration::from_secs(30);

pub async fn run(config: Config) -> anyhow::Result<()> {
    let keyring = auth::Keyring::new(database::server_key(&config)?);
    let db = Database::open(&config).await?;
    let result = serve(&config, &db, keyring).await;
    db.close().await;
    tracing::info!("stopped");
    result
}

async fn serve(config: &Config, db: &Database, keyring: auth::Keyring) -> anyhow::Result<()> {
    if let Some(cluster) = db.embedded() {
        tracing::info!(dir = %cluster.pgdata().display(), "using the embedded PostgreSQL");
    }
    maintenance::run_once(&db.pool).await?;
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("could not listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    let maintenance = tokio::spawn(maintenance::run_periodically(
        db.pool.clone(),
        maintenance::retention(config),
    ));
    let spool = WriterOptions::new(config.data_dir.join("spool"));
    let (logs, log_task) = LogWriter::spawn(db.pool.clone(), spool);
    let state = AppState::new(db.pool.clone(), config.clone(), keyring, logs);
    let pools = state.pools.clone();
    let counters = tokio::spawn(pool::flush_periodically(pools.clone(), db.pool.clone()));
    let key_usage = state.key_usage.clone();
    let usage = tokio::spawn(key_usage::flush_periodically(
        key_usage.clone(),
        db.pool.clone(),
    ));
    tracing::info!(%address, public_url = %config.public_url(), "Nexus is listening");
    print_first_run_hint(config, db).await;
    let result = app::serve(
        listener,
        app::router(state),
        shutdown_signal(),
        SHUTDOWN_GRACE,
    )
    .await;
    maintenance.abort();
    counters.abort();
    usage.abort();
    pools.flush(&db.pool).await;
    key_usage.flush(&db.pool).await;
    // The router and every handler's copy of the writer are gone: the writer drains its
    // queue and stops.
    if tokio::time::timeout(LOG_FLUSH_LIMIT, log_task)
        .await
        .is_err()
    {
        tracing::error!("gateway logs were still being written at shutdown");
    }
    Ok(result?)
}

/// With no way to sign in yet, say how to make one.
async fn print_first_run_hint(config: &Config, db: &Database) {
    let no_users = store::users::count(&db.pool).await.is_ok_and(|n| n == 0);
    if no_users && config.github_client_id.is_none() {
        tracing::warn!(
            "no users yet and GitHub sign-in is not configured: create a user with \
             `nexus user add LOGIN --password` (or set GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET)"
        );
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).expect("installing a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received, shutting down"),
        _ = terminate.recv() => tracing::info!("SIGTERM received, shutting down"),
    }
}
