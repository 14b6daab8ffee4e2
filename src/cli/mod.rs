//! The command line: `nexus serve` (the default) and the operator commands, which work on
//! the same database as the server, the embedded one included, running or not.

mod keys;
mod logs;
mod mappings;
mod pools;
mod stats;
mod table;
mod upstreams;
mod users;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::database::{self, Database};

/// Nexus: run Claude Code on the LLM providers you already pay for.
#[derive(Debug, Parser)]
#[command(name = "nexus", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default when no command is given).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Show or regenerate a user's ak- API key.
    #[command(subcommand)]
    Key(keys::KeyCommand),
    /// Manage a user's upstream provider keys.
    #[command(subcommand)]
    Upstream(upstreams::UpstreamCommand),
    /// Show or change a user's model mapping.
    #[command(subcommand)]
    Mapping(mappings::MappingCommand),
    /// List a user's gateway requests, newest first (`logs prune`: apply the retention now).
    Logs(logs::LogsArgs),
    /// Sum up a user's gateway traffic: totals, per key, per model, over time.
    Stats(stats::StatsArgs),
    /// How a user's requests are spread over their upstream keys.
    #[command(subcommand)]
    Pool(pools::PoolCommand),
}

/// What an operator command needs: the database, the keyring, the configuration.
pub struct Context {
    pub db: Database,
    pub keyring: auth::Keyring,
    pub config: Config,
    pub json: bool,
}

impl Cli {
    pub async fn run(mut self) -> anyhow::Result<()> {
        self.config = self.config.normalized();
        self.config.validate()?;
        let command = self.command.unwrap_or(Command::Serve);
        if let Command::Serve = command {
            return crate::server::run(self.config).await;
        }
        let keyring = auth::Keyring::new(database::server_key(&self.config)?);
        let db = Database::open(&self.config).await?;
        let ctx = Context {
            db,
            keyring,
            config: self.config,
            json: self.json,
        };
        let result = match command {
            Command::Serve => unreachable!("handled above"),
            Command::Migrate => {
                println!("database is up to date");
                Ok(())
            }
            Command::User(cmd) => cmd.run(&ctx).await,
            Command::Key(cmd) => cmd.run(&ctx).await,
            Command::Upstream(cmd) => cmd.run(&ctx).await,
            Command::Mapping(cmd) => cmd.run(&ctx).await,
            Command::Logs(cmd) => cmd.run(&ctx).await,
            Command::Stats(cmd) => cmd.run(&ctx).await,
            Command::Pool(cmd) => cmd.run(&ctx).await,
        };
        ctx.db.close().await;
        result
    }
}

impl Context {
    pub fn pool(&self) -> &store::PgPool {
        &self.db.pool
    }

    /// Prints `value` as pretty JSON.
    pub fn print_json(&self, value: &impl serde::Serialize) -> anyhow::Result<()> {
        println!("{}", serde_json::to_string_pretty(value)?);
        Ok(())
    }
}

/// Formats an optional timestamp for tables.
pub(crate) fn when(at: Option<time::OffsetDateTime>) -> String {
    at.map_or_else(|| "-".to_owned(), timestamp)
}

pub(crate) fn timestamp(at: time::OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_else(|_| at.to_string())
}
