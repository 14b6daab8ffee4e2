//! Opening the database the configuration points at: an external server, or the embedded
//! cluster in the data folder. Either way the schema is migrated before use.

use anyhow::Context as _;
use store::PgPool;
use store::embedded::EmbeddedPostgres;

use crate::config::Config;

pub struct Database {
    pub pool: PgPool,
    embedded: Option<EmbeddedPostgres>,
}

impl Database {
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let (options, embedded) = match &config.database_url {
            Some(url) => (store::parse_url(url)?, None),
            None => {
                let data_dir = config.data_dir.clone();
                let bin_dir = config.postgres_bin.clone();
                let cluster = tokio::task::spawn_blocking(move || {
                    EmbeddedPostgres::open(&data_dir, bin_dir.as_deref())
                })
                .await??;
                if let Err(err) = cluster.ensure_database().await {
                    close_embedded(cluster).await;
                    return Err(err.into());
                }
                (cluster.connect_options(), Some(cluster))
            }
        };
        let connected = async {
            let pool = store::connect(options, config.db_max_connections)
                .await
                .with_context(|| match &config.database_url {
                    Some(url) => format!("could not connect to {}", store::redact_url(url)),
                    None => "could not connect to the embedded PostgreSQL".to_owned(),
                })?;
            store::migrate(&pool).await?;
            anyhow::Ok(pool)
        }
        .await;
        match connected {
            Ok(pool) => Ok(Self { pool, embedded }),
            Err(err) => {
                if let Some(cluster) = embedded {
                    close_embedded(cluster).await;
                }
                Err(err)
            }
        }
    }

    /// The embedded cluster, when Nexus runs its own.
    pub fn embedded(&self) -> Option<&EmbeddedPostgres> {
        self.embedded.as_ref()
    }

    /// Closes the pool, then stops the embedded cluster unless another Nexus process
    /// still uses it.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = self.embedded {
            close_embedded(cluster).await;
        }
    }
}

async fn close_embedded(cluster: EmbeddedPostgres) {
    match tokio::task::spawn_blocking(move || cluster.close()).await {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => tracing::error!("could not stop the embedded PostgreSQL: {err}"),
        Err(err) => tracing::error!("could not stop the embedded PostgreSQL: {err}"),
    }
}

/// The server key: `NEXUS_SECRET_KEY`, or with the embedded database the key generated
/// into the data folder on first run.
pub fn server_key(config: &Config) -> anyhow::Result<auth::ServerKey> {
    match &config.secret_key {
        Some(text) => Ok(auth::ServerKey::parse(text)?),
        None if config.database_url.is_none() => {
            std::fs::create_dir_all(&config.data_dir).with_context(|| {
                format!(
                    "could not create the data folder {}",
                    config.data_dir.display()
                )
            })?;
            Ok(auth::load_or_create_key_file(
                &config.data_dir.join("secret.key"),
            )?)
        }
        None => anyhow::bail!("NEXUS_SECRET_KEY is required with DATABASE_URL"),
    }
}
