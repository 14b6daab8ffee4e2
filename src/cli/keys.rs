use clap::Subcommand;
use serde_json::json;
use store::api_keys::PRIMARY_KEY_NAME;
use store::users;

use super::{Context, timestamp};

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Print the user's full ak- key.
    Show { login: String },
    /// Replace the user's ak- key with a new one; the old key stops working at once.
    Regenerate { login: String },
}

impl KeyCommand {
    pub async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let (login, regenerate) = match self {
            KeyCommand::Show { login } => (login, false),
            KeyCommand::Regenerate { login } => (login, true),
        };
        let user = users::by_login(ctx.pool(), &login).await?;
        let (key, row) = if regenerate {
            ctx.keyring
                .regenerate(ctx.pool(), user.id, PRIMARY_KEY_NAME)
                .await?
        } else {
            ctx.keyring
                .primary(ctx.pool(), user.id)
                .await
                .map_err(|err| match err {
                    auth::KeyError::Store(store::Error::NotFound(_)) => anyhow::anyhow!(
                        "{} has no API key; create one with `nexus key regenerate {}`",
                        user.login,
                        user.login
                    ),
                    other => other.into(),
                })?
        };
        if ctx.json {
            return ctx.print_json(&json!({
                "login": user.login,
                "key": key.expose(),
                "name": row.name,
                "created_at": timestamp(row.created_at),
            }));
        }
        println!("{}", key.expose());
        Ok(())
    }
}
