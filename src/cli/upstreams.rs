use std::io::Read;

use clap::{Args, Subcommand};
use store::upstream_keys::{self, Provider, UpstreamKey};
use store::users;

use super::table::Table;
use super::{Context, when};
use crate::upstreams::{self, UpstreamEdit, UpstreamInput};

#[derive(Debug, Subcommand)]
pub enum UpstreamCommand {
    /// Add an upstream key for a user.
    Add(AddArgs),
    /// List a user's upstream keys with their health and counters.
    List { login: String },
    /// Change an upstream key; options not given stay as they are.
    Update(UpdateArgs),
    /// Delete an upstream key.
    Remove { login: String, name: String },
    /// Let the key take traffic again.
    Enable { login: String, name: String },
    /// Stop sending traffic to the key (it keeps its settings).
    Disable { login: String, name: String },
    /// Send a tiny request through the key and print the latency or the upstream's error.
    Test {
        login: String,
        name: String,
        /// The model to ask (default: what a sonnet request goes to on this key).
        #[arg(long)]
        model: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    login: String,
    /// A name for the key, unique per user.
    #[arg(long)]
    name: String,
    /// openai (any OpenAI-compatible API), gemini or anthropic.
    #[arg(long, value_parser = parse_provider)]
    provider: Provider,
    /// The API root, e.g. https://api.openai.com/v1.
    #[arg(long)]
    base_url: String,
    /// The provider's API key; `-` reads it from stdin (keeps it out of the process list).
    #[arg(long)]
    api_key: String,
    /// 0-100; higher-priority keys are used first.
    #[arg(long, default_value_t = 50, allow_negative_numbers = true)]
    priority: i32,
    /// 1-100; share of traffic among keys of equal priority.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    weight: i32,
    /// Add the key switched off.
    #[arg(long)]
    disabled: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    login: String,
    /// The key's current name.
    name: String,
    /// A new name.
    #[arg(long = "name")]
    new_name: Option<String>,
    #[arg(long, value_parser = parse_provider)]
    provider: Option<Provider>,
    #[arg(long)]
    base_url: Option<String>,
    /// A new secret; `-` reads it from stdin.
    #[arg(long)]
    api_key: Option<String>,
    #[arg(long, allow_negative_numbers = true)]
    priority: Option<i32>,
    #[arg(long, allow_negative_numbers = true)]
    weight: Option<i32>,
}

fn parse_provider(text: &str) -> Result<Provider, String> {
    text.parse().map_err(|err: store::Error| err.to_string())
}

/// The secret as given, or read from stdin for `-`.
fn secret_arg(value: String) -> anyhow::Result<String> {
    if value != "-" {
        return Ok(value);
    }
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    Ok(text.trim().to_owned())
}

impl UpstreamCommand {
    pub async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let (login, done) = match self {
            UpstreamCommand::Add(args) => {
                let user = users::by_login(ctx.pool(), &args.login).await?;
                let input = UpstreamInput {
                    name: args.name,
                    provider: args.provider,
                    base_url: args.base_url,
                    secret: secret_arg(args.api_key)?,
                    priority: args.priority,
                    weight: args.weight,
                    enabled: !args.disabled,
                };
                let key = upstreams::add(ctx.pool(), &ctx.keyring, user.id, input).await?;
                (user.login, format!("added upstream key {}", key.name))
            }
            UpstreamCommand::List { login } => return list(ctx, &login).await,
            UpstreamCommand::Test { login, name, model } => {
                return test(ctx, &login, &name, model).await;
            }
            UpstreamCommand::Update(args) => {
                let user = users::by_login(ctx.pool(), &args.login).await?;
                let key = upstream_keys::by_name(ctx.pool(), user.id, &args.name).await?;
                let edit = UpstreamEdit {
                    name: args.new_name,
                    provider: args.provider,
                    base_url: args.base_url,
                    secret: args.api_key.map(secret_arg).transpose()?,
                    priority: args.priority,
                    weight: args.weight,
                    enabled: None,
                };
                let key = upstreams::edit(ctx.pool(), &ctx.keyring, &key, edit).await?;
                (user.login, format!("updated upstream key {}", key.name))
            }
            UpstreamCommand::Remove { login, name } => {
                let user = users::by_login(ctx.pool(), &login).await?;
                upstream_keys::remove(ctx.pool(), user.id, &name).await?;
                (user.login, format!("removed upstream key {name}"))
            }
            UpstreamCommand::Enable { login, name } => {
                set_enabled(ctx, &login, &name, true).await?
            }
            UpstreamCommand::Disable { login, name } => {
                set_enabled(ctx, &login, &name, false).await?
            }
        };
        if ctx.json {
            let user = users::by_login(ctx.pool(), &login).await?;
            return ctx.print_json(&upstream_keys::list(ctx.pool(), user.id).await?);
        }
        println!("{done}");
        Ok(())
    }
}

async fn set_enabled(
    ctx: &Context,
    login: &str,
    name: &str,
    enabled: bool,
) -> anyhow::Result<(String, String)> {
    let user = users::by_login(ctx.pool(), login).await?;
    let key = upstream_keys::by_name(ctx.pool(), user.id, name).await?;
    let edit = UpstreamEdit {
        enabled: Some(enabled),
        ..Default::default()
    };
    upstreams::edit(ctx.pool(), &ctx.keyring, &key, edit).await?;
    let state = if enabled { "enabled" } else { "disabled" };
    Ok((user.login, format!("upstream key {name} {state}")))
}

async fn list(ctx: &Context, login: &str) -> anyhow::Result<()> {
    let user = users::by_login(ctx.pool(), login).await?;
    let keys = upstream_keys::list(ctx.pool(), user.id).await?;
    if ctx.json {
        return ctx.print_json(&keys);
    }
    if keys.is_empty() {
        println!(
            "{} has no upstream keys; add one with `nexus upstream add {} …`",
            user.login, user.login
        );
        return Ok(());
    }
    let mut table = Table::new(&[
        "NAME",
        "PROVIDER",
        "BASE URL",
        "KEY",
        "PRI",
        "WEIGHT",
        "STATE",
        "REQUESTS",
        "OK%",
        "FAILS",
        "LAST USED",
        "LAST ERROR",
    ]);
    for key in &keys {
        table.row(vec![
            key.name.clone(),
            key.provider.to_string(),
            key.base_url.clone(),
            key.secret_hint.clone(),
            key.priority.to_string(),
            key.weight.to_string(),
            state(key),
            key.total_requests.to_string(),
            success_rate(key),
            key.consecutive_failures.to_string(),
            when(key.last_used_at),
            key.last_error.clone().unwrap_or_else(|| "-".to_owned()),
        ]);
    }
    println!("{}", table.render());
    Ok(())
}

fn state(key: &UpstreamKey) -> String {
    if !key.enabled {
        return "disabled".to_owned();
    }
    match key.cooldown_until {
        Some(until) if until > time::OffsetDateTime::now_utc() => {
            format!("cooldown until {}", when(Some(until)))
        }
        _ => "enabled".to_owned(),
    }
}

fn success_rate(key: &UpstreamKey) -> String {
    if key.total_requests == 0 {
        return "-".to_owned();
    }
    format!(
        "{:.1}",
        key.success_requests as f64 * 100.0 / key.total_requests as f64
    )
}

async fn test(ctx: &Context, login: &str, name: &str, model: Option<String>) -> anyhow::Result<()> {
    let user = users::by_login(ctx.pool(), login).await?;
    let key = upstream_keys::by_name(ctx.pool(), user.id, name).await?;
    let model = match model {
        Some(model) => model,
        None => {
            let mapping = store::model_mappings::get(ctx.pool(), user.id).await?;
            let system = ctx.config.system_mapping();
            crate::gateway::probe::default_model(key.provider, &mapping, &system)
                .map_err(anyhow::Error::msg)?
        }
    };
    let result = crate::gateway::probe::probe(&ctx.config, &ctx.keyring, &key, &model).await;
    match result {
        Ok(ok) => {
            let ms = ok.latency.as_millis();
            if ctx.json {
                return ctx.print_json(&serde_json::json!({"ok": true, "latency_ms": ms, "model": model, "reply": ok.reply}));
            }
            println!("{name}: ok in {ms} ms ({model}: {:?})", ok.reply);
            Ok(())
        }
        Err(err) => anyhow::bail!("{name} failed: {err}"),
    }
}
