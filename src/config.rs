//! The one typed configuration: every option is a flag and an environment variable, listed
//! by `nexus --help` and in docs/configuration.md. Validated once, at start.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use clap::builder::BoolishValueParser;
use url::Url;

/// Options shared by the server and every subcommand.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address the HTTP server listens on.
    #[arg(
        long,
        env = "NEXUS_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,

    /// Folder for the embedded database, the generated secret key and other state.
    #[arg(long, env = "NEXUS_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// PostgreSQL URL. Unset: Nexus runs its own PostgreSQL in the data folder.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,

    /// Folder holding initdb, pg_ctl and postgres for the embedded database
    /// (default: found on PATH or in /usr/lib/postgresql/*/bin).
    #[arg(long, env = "NEXUS_POSTGRES_BIN", global = true)]
    pub postgres_bin: Option<PathBuf>,

    /// Most connections Nexus opens to PostgreSQL.
    #[arg(long, env = "NEXUS_DB_MAX_CONNECTIONS", default_value_t = 20, global = true,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: u32,

    /// 32-byte server key, as 64 hex characters or base64. It encrypts stored secrets and
    /// hashes API keys. Unset with the embedded database: generated into the data folder.
    /// Required with DATABASE_URL.
    #[arg(long, env = "NEXUS_SECRET_KEY", hide_env_values = true, global = true)]
    pub secret_key: Option<String>,

    /// The URL users reach Nexus at (used in OAuth redirects, shell snippets and to
    /// mark cookies Secure). Default: http://<listen address>.
    #[arg(long, env = "NEXUS_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Days a dashboard sign-in lasts; each visit extends it by as much again.
    #[arg(long, env = "NEXUS_SESSION_DAYS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u32).range(1..=365))]
    pub session_days: u32,

    /// Days gateway logs are kept.
    #[arg(long, env = "NEXUS_LOG_RETENTION_DAYS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub log_retention_days: u32,

    /// Days the hourly stats rollups are kept (at least as long as the logs).
    #[arg(long, env = "NEXUS_STATS_RETENTION_DAYS", default_value_t = 400, global = true,
          value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub stats_retention_days: u32,

    /// Allow upstream base URLs on loopback, private, link-local or metadata addresses
    /// (for self-hosted local models and tests).
    #[arg(long, env = "NEXUS_ALLOW_PRIVATE_UPSTREAMS", default_value_t = false, global = true,
          action = clap::ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub allow_private_upstreams: bool,

    /// GitHub logins that are administrators, comma-separated.
    #[arg(long, env = "NEXUS_ADMIN_LOGINS", value_delimiter = ',', global = true)]
    pub admin_logins: Vec<String>,

    /// Client id of the GitHub OAuth app (GitHub sign-in is off without it).
    #[arg(long, env = "GITHUB_CLIENT_ID", global = true)]
    pub github_client_id: Option<String>,

    /// Client secret of the GitHub OAuth app.
    #[arg(
        long,
        env = "GITHUB_CLIENT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub github_client_secret: Option<String>,

    /// GitHub's authorization page (change for GitHub Enterprise).
    #[arg(
        long,
        env = "GITHUB_AUTHORIZE_URL",
        default_value = "https://github.com/login/oauth/authorize",
        global = true
    )]
    pub github_authorize_url: Url,

    /// GitHub's token endpoint.
    #[arg(
        long,
        env = "GITHUB_TOKEN_URL",
        default_value = "https://github.com/login/oauth/access_token",
        global = true
    )]
    pub github_token_url: Url,

    /// GitHub's REST API root.
    #[arg(
        long,
        env = "GITHUB_API_URL",
        default_value = "https://api.github.com",
        global = true
    )]
    pub github_api_url: Url,

    /// System mapping: the model Claude haiku requests go to.
    #[arg(
        long,
        env = "NEXUS_DEFAULT_HAIKU",
        default_value = "gemini-2.0-flash-exp",
        global = true
    )]
    pub default_haiku: String,

    /// System mapping: the model Claude sonnet requests go to.
    #[arg(
        long,
        env = "NEXUS_DEFAULT_SONNET",
        default_value = "gemini-2.0-flash-thinking-exp",
        global = true
    )]
    pub default_sonnet: String,

    /// System mapping: the model Claude opus requests go to.
    #[arg(
        long,
        env = "NEXUS_DEFAULT_OPUS",
        default_value = "gemini-exp-1206",
        global = true
    )]
    pub default_opus: String,

    /// System mapping: the model other Claude families (e.g. claude-fable-…) go to.
    /// Default: the sonnet target.
    #[arg(long, env = "NEXUS_DEFAULT_OTHER", global = true)]
    pub default_other: Option<String>,

    /// Consecutive failures after which an upstream key is put aside (cooldown).
    #[arg(long, env = "NEXUS_FAILURE_THRESHOLD", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub failure_threshold: u32,

    /// First cooldown of a failing key, in seconds; it doubles on each further trip in a row.
    #[arg(long, env = "NEXUS_COOLDOWN_SECS", default_value_t = 60, global = true,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub cooldown_secs: u64,

    /// Longest cooldown, in seconds.
    #[arg(long, env = "NEXUS_COOLDOWN_MAX_SECS", default_value_t = 1800, global = true,
          value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub cooldown_max_secs: u64,

    /// Upstream keys one request may try before giving up (failover).
    #[arg(long, env = "NEXUS_MAX_ATTEMPTS", default_value_t = 3, global = true,
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,

    /// Longest silence from an upstream, in seconds: before its first byte and between
    /// chunks. A stream as a whole has no time limit.
    #[arg(long, env = "NEXUS_UPSTREAM_TIMEOUT_SECS", default_value_t = 300, global = true,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub upstream_timeout_secs: u64,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "NEXUS_MAX_BODY_BYTES", default_value_t = 32 * 1024 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, env = "NEXUS_LOG_FORMAT", default_value = "text", global = true,
          value_parser = ["text", "json"])]
    pub log_format: String,
}

/// The system mapping with every slot resolved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SystemMapping {
    pub haiku: String,
    pub sonnet: String,
    pub opus: String,
    pub other: String,
}

impl Config {
    /// Treats empty values as unset: `FOO=` in a compose file or a `.env` means "no value".
    pub fn normalized(mut self) -> Self {
        for value in [
            &mut self.database_url,
            &mut self.secret_key,
            &mut self.public_url,
            &mut self.github_client_id,
            &mut self.github_client_secret,
            &mut self.default_other,
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *value = None;
            }
        }
        if self
            .postgres_bin
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            self.postgres_bin = None;
        }
        self.admin_logins.retain(|login| !login.trim().is_empty());
        self
    }

    /// Checks what clap cannot: combinations, and values whose shape depends on others.
    /// Messages never repeat a secret.
    pub fn validate(&self) -> anyhow::Result<()> {
        if let Some(key) = &self.secret_key {
            auth::ServerKey::parse(key).map_err(|_| {
                anyhow::anyhow!("NEXUS_SECRET_KEY must be 32 bytes as 64 hex characters or base64")
            })?;
        }
        if let Some(url) = &self.database_url {
            store::parse_url(url)?;
            if self.secret_key.is_none() {
                anyhow::bail!(
                    "NEXUS_SECRET_KEY is required with DATABASE_URL (every Nexus process on one \
                     database must share it); generate one with `openssl rand -hex 32`"
                );
            }
        }
        if let Some(url) = &self.public_url
            && !Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        {
            anyhow::bail!("NEXUS_PUBLIC_URL must be an http or https URL");
        }
        for (name, url) in [
            ("GITHUB_AUTHORIZE_URL", &self.github_authorize_url),
            ("GITHUB_TOKEN_URL", &self.github_token_url),
            ("GITHUB_API_URL", &self.github_api_url),
        ] {
            if !matches!(url.scheme(), "http" | "https") {
                anyhow::bail!("{name} must be an http or https URL");
            }
        }
        if self.github_client_id.is_some() != self.github_client_secret.is_some() {
            anyhow::bail!("set both GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET, or neither");
        }
        for login in &self.admin_logins {
            store::users::validate_login(login.trim())
                .map_err(|err| anyhow::anyhow!("NEXUS_ADMIN_LOGINS: {err}"))?;
        }
        let mapping = self.system_mapping();
        for (slot, target) in [
            ("NEXUS_DEFAULT_HAIKU", &mapping.haiku),
            ("NEXUS_DEFAULT_SONNET", &mapping.sonnet),
            ("NEXUS_DEFAULT_OPUS", &mapping.opus),
            ("NEXUS_DEFAULT_OTHER", &mapping.other),
        ] {
            if target.trim().is_empty() {
                anyhow::bail!("{slot} must not be empty");
            }
        }
        if self.stats_retention_days < self.log_retention_days {
            anyhow::bail!(
                "NEXUS_STATS_RETENTION_DAYS must be at least NEXUS_LOG_RETENTION_DAYS: stats \
                 are kept at least as long as the logs they sum up"
            );
        }
        if self.max_body_bytes < 1024 {
            anyhow::bail!("NEXUS_MAX_BODY_BYTES must be at least 1024");
        }
        Ok(())
    }

    pub fn system_mapping(&self) -> SystemMapping {
        SystemMapping {
            haiku: self.default_haiku.clone(),
            sonnet: self.default_sonnet.clone(),
            opus: self.default_opus.clone(),
            other: self
                .default_other
                .clone()
                .unwrap_or_else(|| self.default_sonnet.clone()),
        }
    }

    /// The public URL, defaulting to the listen address.
    pub fn public_url(&self) -> Url {
        let configured = self
            .public_url
            .as_deref()
            .and_then(|url| Url::parse(url).ok());
        configured.unwrap_or_else(|| {
            Url::parse(&format!("http://{}", self.listen))
                .expect("a socket address makes a valid URL")
        })
    }

    /// How long a dashboard session lasts without use.
    pub fn session_ttl(&self) -> time::Duration {
        time::Duration::days(i64::from(self.session_days))
    }

    /// Cookies get `Secure` when users reach Nexus over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url().scheme() == "https"
    }

    /// Whether GitHub sign-in is configured.
    pub fn github_enabled(&self) -> bool {
        self.github_client_id.is_some() && self.github_client_secret.is_some()
    }

    pub fn is_admin_login(&self, login: &str) -> bool {
        self.admin_logins
            .iter()
            .any(|admin| admin.trim().eq_ignore_ascii_case(login))
    }
}
