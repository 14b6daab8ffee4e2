use clap::Subcommand;
use serde_json::json;
use store::model_mappings::{self, MappingMode, MappingTargets};
use store::users;

use super::Context;
use super::table::Table;
use crate::gateway::mapping::effective;

#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Show the user's mapping and the model each Claude family goes to.
    Show { login: String },
    /// Switch the user to a custom mapping, setting the given targets
    /// (an empty value clears a slot back to the system default).
    Set {
        login: String,
        #[arg(long)]
        haiku: Option<String>,
        #[arg(long)]
        sonnet: Option<String>,
        #[arg(long)]
        opus: Option<String>,
        /// Target for other Claude families (e.g. claude-fable-…).
        #[arg(long)]
        other: Option<String>,
    },
    /// Return the user to the system mapping.
    Reset { login: String },
}

impl MappingCommand {
    pub async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let login = match &self {
            MappingCommand::Show { login }
            | MappingCommand::Set { login, .. }
            | MappingCommand::Reset { login } => login.clone(),
        };
        let user = users::by_login(ctx.pool(), &login).await?;
        match self {
            MappingCommand::Show { .. } => {}
            MappingCommand::Set {
                haiku,
                sonnet,
                opus,
                other,
                ..
            } => {
                if [&haiku, &sonnet, &opus, &other].iter().all(|t| t.is_none()) {
                    anyhow::bail!("give at least one of --haiku, --sonnet, --opus, --other");
                }
                let targets = MappingTargets {
                    haiku: haiku.map(|t| t.trim().to_owned()),
                    sonnet: sonnet.map(|t| t.trim().to_owned()),
                    opus: opus.map(|t| t.trim().to_owned()),
                    other: other.map(|t| t.trim().to_owned()),
                };
                model_mappings::set_custom(ctx.pool(), user.id, &targets).await?;
            }
            MappingCommand::Reset { .. } => model_mappings::reset(ctx.pool(), user.id).await?,
        }
        let mapping = model_mappings::get(ctx.pool(), user.id).await?;
        let effective = effective(&mapping, &ctx.config.system_mapping());
        if ctx.json {
            return ctx.print_json(&json!({
                "login": user.login,
                "mode": mapping.mode,
                "custom": { "haiku": mapping.haiku, "sonnet": mapping.sonnet, "opus": mapping.opus, "other": mapping.other },
                "effective": effective,
            }));
        }
        let mode = match mapping.mode {
            MappingMode::Default => "default (system mapping)",
            MappingMode::Custom => "custom",
        };
        println!("{}: {mode}", user.login);
        let mut table = Table::new(&["FAMILY", "TARGET", "FROM"]);
        let custom = [
            &mapping.haiku,
            &mapping.sonnet,
            &mapping.opus,
            &mapping.other,
        ];
        let targets = [
            &effective.haiku,
            &effective.sonnet,
            &effective.opus,
            &effective.other,
        ];
        for ((family, target), own) in ["haiku", "sonnet", "opus", "other"]
            .iter()
            .zip(targets)
            .zip(custom)
        {
            let from = if mapping.mode == MappingMode::Custom && own.is_some() {
                "custom"
            } else {
                "system"
            };
            table.row(vec![(*family).to_owned(), target.clone(), from.to_owned()]);
        }
        println!("{}", table.render());
        Ok(())
    }
}
