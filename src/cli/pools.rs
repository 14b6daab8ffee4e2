use clap::Subcommand;
use serde_json::json;
use store::users;

use super::Context;
use crate::gateway::pool::selector::Strategy;

#[derive(Debug, Subcommand)]
pub enum PoolCommand {
    /// Show or set how a user's requests are spread over their keys:
    /// priority (default), round-robin, random or failover.
    Strategy {
        login: String,
        /// The new strategy; without it, the current one is shown.
        name: Option<String>,
    },
}

impl PoolCommand {
    pub async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let PoolCommand::Strategy { login, name } = self;
        let user = users::by_login(ctx.pool(), &login).await?;
        if let Some(name) = name {
            let strategy: Strategy = name.parse().map_err(anyhow::Error::msg)?;
            users::set_pool_strategy(ctx.pool(), user.id, strategy.as_str()).await?;
        }
        let strategy = users::pool_strategy(ctx.pool(), user.id).await?;
        if ctx.json {
            return ctx.print_json(&json!({ "login": user.login, "strategy": strategy }));
        }
        println!("{}: {strategy}", user.login);
        Ok(())
    }
}
