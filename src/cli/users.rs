use std::io::{BufRead, IsTerminal};

use anyhow::bail;
use clap::Subcommand;
use store::api_keys::PRIMARY_KEY_NAME;
use store::users::{self, NewUser};

use super::table::Table;
use super::{Context, timestamp, when};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (with their first ak- key).
    Add {
        login: String,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
        /// Give the user a password for local sign-in, read from a prompt or from stdin.
        #[arg(long)]
        password: bool,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Email address.
        #[arg(long)]
        email: Option<String>,
    },
    /// List users.
    List,
    /// Disable a user: their keys and sessions stop working.
    Disable { login: String },
    /// Enable a disabled user.
    Enable { login: String },
    /// Make a user an administrator (`--revoke` to take it back).
    Admin {
        login: String,
        #[arg(long)]
        revoke: bool,
    },
}

impl UserCommand {
    pub async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        match self {
            UserCommand::Add {
                login,
                admin,
                password,
                name,
                email,
            } => {
                users::validate_login(&login)?;
                let password_hash = if password {
                    Some(auth::hash_password(&read_password()?)?)
                } else {
                    None
                };
                let mut tx = ctx.pool().begin().await?;
                let user = users::create(
                    &mut *tx,
                    &NewUser {
                        login,
                        name,
                        email,
                        password_hash,
                        is_admin: admin,
                        ..Default::default()
                    },
                )
                .await?;
                ctx.keyring
                    .issue(&mut *tx, user.id, PRIMARY_KEY_NAME)
                    .await?;
                tx.commit().await?;
                if ctx.json {
                    ctx.print_json(&user)
                } else {
                    let role = if user.is_admin { " (admin)" } else { "" };
                    println!("created user {}{role}", user.login);
                    println!("their API key: `nexus key show {}`", user.login);
                    Ok(())
                }
            }
            UserCommand::List => {
                let all = users::list(ctx.pool()).await?;
                if ctx.json {
                    return ctx.print_json(&all);
                }
                let mut table = Table::new(&["LOGIN", "KIND", "ADMIN", "STATUS", "CREATED"]);
                for user in &all {
                    let kind = if user.github_id.is_some() {
                        "github"
                    } else if user.password_hash.is_some() {
                        "local"
                    } else {
                        "cli"
                    };
                    table.row(vec![
                        user.login.clone(),
                        kind.to_owned(),
                        if user.is_admin { "yes" } else { "no" }.to_owned(),
                        user.disabled_at.map_or("active".to_owned(), |at| {
                            format!("disabled {}", when(Some(at)))
                        }),
                        timestamp(user.created_at),
                    ]);
                }
                println!("{}", table.render());
                Ok(())
            }
            UserCommand::Disable { login } => set_disabled(ctx, &login, true).await,
            UserCommand::Enable { login } => set_disabled(ctx, &login, false).await,
            UserCommand::Admin { login, revoke } => {
                let user = users::by_login(ctx.pool(), &login).await?;
                users::set_admin(ctx.pool(), user.id, !revoke).await?;
                let user = users::by_id(ctx.pool(), user.id).await?;
                if ctx.json {
                    return ctx.print_json(&user);
                }
                let verb = if revoke { "is no longer" } else { "is now" };
                println!("{} {verb} an administrator", user.login);
                Ok(())
            }
        }
    }
}

async fn set_disabled(ctx: &Context, login: &str, disabled: bool) -> anyhow::Result<()> {
    let user = users::by_login(ctx.pool(), login).await?;
    users::set_disabled(ctx.pool(), user.id, disabled).await?;
    let user = users::by_id(ctx.pool(), user.id).await?;
    if ctx.json {
        return ctx.print_json(&user);
    }
    println!(
        "{} is {}",
        user.login,
        if disabled { "disabled" } else { "enabled" }
    );
    Ok(())
}

const MIN_PASSWORD_LEN: usize = 8;

/// Reads a password: twice from a prompt on a terminal, else one line of stdin (scripts).
fn read_password() -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        if first != second {
            bail!("the passwords do not match");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.chars().count() < MIN_PASSWORD_LEN {
        bail!("the password must have at least {MIN_PASSWORD_LEN} characters");
    }
    Ok(password)
}
