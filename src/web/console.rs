//! The console: the signed-in user's `ak-` keys (reveal, regenerate, extra named keys) and
//! the snippets that point Claude Code at this Nexus.

use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::api_keys::{self, ApiKeyRow, PRIMARY_KEY_NAME};
use time::OffsetDateTime;
use uuid::Uuid;

use store::log_queries::{self, LogFilter};
use store::stats::Granularity;

use super::format::when;
use super::i18n::{Ui, t};
use super::pages::{IdPath, Problem, render};
use super::session::SessionUser;
use crate::app::AppState;

/// A key as the page shows it: masked, unless this is the one being revealed.
struct KeyView {
    id: String,
    name: String,
    masked: String,
    created: String,
    last_used: String,
    full: Option<String>,
}

struct Snippet {
    label: &'static str,
    text: String,
}

/// The strip at the top of the console: is the user's setup working?
struct Status {
    keys_enabled: usize,
    keys_healthy: usize,
    keys_total: usize,
    requests_today: i64,
    success_rate: Option<String>,
    last_error: Option<LastError>,
}

struct LastError {
    when: String,
    model: String,
    message: String,
}

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage {
    ui: Ui,
    login: String,
    name: Option<String>,
    avatar_url: Option<String>,
    status: Status,
    primary: Option<KeyView>,
    extras: Vec<KeyView>,
    snippets: Vec<Snippet>,
    snippets_have_key: bool,
    notice: Option<String>,
    error: Option<String>,
}

/// Which key, if any, the page shows in full.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reveal {
    Nothing,
    Primary,
    Key(Uuid),
}

pub async fn page(State(state): State<AppState>, ui: Ui, user: SessionUser) -> Response {
    console(&state, ui, &user, Reveal::Nothing, None, None).await
}

/// `POST /console/key/reveal`: the owner's explicit request to see their key in full.
pub async fn reveal(State(state): State<AppState>, ui: Ui, user: SessionUser) -> Response {
    console(&state, ui, &user, Reveal::Primary, None, None).await
}

#[derive(Deserialize)]
pub struct RegenerateForm {
    confirm: Option<String>,
}

/// `POST /console/key/regenerate`: a new primary key; the old one stops working at once.
pub async fn regenerate(
    State(state): State<AppState>,
    ui: Ui,
    user: SessionUser,
    Form(form): Form<RegenerateForm>,
) -> Response {
    if form.confirm.as_deref() != Some("yes") {
        let error = t("Tick the box to confirm: the current key stops working at once.");
        let mut response = console(&state, ui, &user, Reveal::Nothing, None, Some(error)).await;
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return response;
    }
    match state
        .keyring
        .regenerate(&state.pool, user.user.id, PRIMARY_KEY_NAME)
        .await
    {
        Ok((_, row)) => {
            tracing::info!(login = %user.user.login, key = %row.prefix, "key regenerated");
            let notice = t("Your new key is below. The old key no longer works.");
            console(&state, ui, &user, Reveal::Key(row.id), Some(notice), None).await
        }
        Err(err) => Problem::from(err).into_response(),
    }
}

#[derive(Deserialize)]
pub struct NewKeyForm {
    name: String,
}

/// `POST /console/keys`: an extra named key, e.g. for a laptop or CI.
pub async fn add_key(
    State(state): State<AppState>,
    ui: Ui,
    user: SessionUser,
    Form(form): Form<NewKeyForm>,
) -> Response {
    let name = form.name.trim();
    let problem = if name.is_empty() || name.chars().count() > 40 {
        Some(t("A key name has 1 to 40 characters."))
    } else if name == PRIMARY_KEY_NAME {
        Some(t("That name belongs to your main key; pick another."))
    } else {
        None
    };
    if let Some(error) = problem {
        let mut response = console(&state, ui, &user, Reveal::Nothing, None, Some(error)).await;
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return response;
    }
    match state.keyring.issue(&state.pool, user.user.id, name).await {
        Ok((_, row)) => {
            let notice = t("New key added. It works at once; copy it from below.");
            console(&state, ui, &user, Reveal::Key(row.id), Some(notice), None).await
        }
        Err(auth::KeyError::Store(store::Error::Conflict(_))) => {
            let error = t("You already have a key with that name.");
            let mut response = console(&state, ui, &user, Reveal::Nothing, None, Some(error)).await;
            *response.status_mut() = StatusCode::CONFLICT;
            response
        }
        Err(err) => Problem::from(err).into_response(),
    }
}

/// `POST /console/keys/{id}/reveal`: one of the user's own keys in full.
pub async fn reveal_key(
    State(state): State<AppState>,
    ui: Ui,
    user: SessionUser,
    IdPath(id): IdPath,
) -> Response {
    match api_keys::live_by_id(&state.pool, user.user.id, id).await {
        Ok(_) => console(&state, ui, &user, Reveal::Key(id), None, None).await,
        Err(err) => Problem::from(err).into_response(),
    }
}

/// `POST /console/keys/{id}/revoke`: one of the user's extra keys stops working.
pub async fn revoke_key(
    State(state): State<AppState>,
    user: SessionUser,
    IdPath(id): IdPath,
) -> Response {
    let key = match api_keys::live_by_id(&state.pool, user.user.id, id).await {
        Ok(key) => key,
        Err(err) => return Problem::from(err).into_response(),
    };
    if key.name == PRIMARY_KEY_NAME {
        return Problem::new(
            StatusCode::BAD_REQUEST,
            "Main key",
            "Your main key cannot be revoked; regenerate it instead.",
        )
        .into_response();
    }
    match api_keys::revoke(&state.pool, user.user.id, id).await {
        Ok(()) => {
            tracing::info!(login = %user.user.login, key = %key.prefix, "key revoked");
            Redirect::to("/console").into_response()
        }
        Err(err) => Problem::from(err).into_response(),
    }
}

async fn console(
    state: &AppState,
    ui: Ui,
    user: &SessionUser,
    reveal: Reveal,
    notice: Option<&str>,
    error: Option<&str>,
) -> Response {
    let rows = match api_keys::list(&state.pool, user.user.id).await {
        Ok(rows) => rows,
        Err(err) => return Problem::from(err).into_response(),
    };
    let mut primary = None;
    let mut extras = Vec::new();
    for row in rows.iter().filter(|r| r.revoked_at.is_none()) {
        let is_primary = row.name == PRIMARY_KEY_NAME;
        let shown = reveal == Reveal::Key(row.id) || (is_primary && reveal == Reveal::Primary);
        let view = match key_view(state, row, shown) {
            Ok(view) => view,
            Err(problem) => return problem.into_response(),
        };
        if is_primary {
            primary = Some(view);
        } else {
            extras.push(view);
        }
    }
    let full = primary.iter().chain(&extras).find_map(|k| k.full.clone());
    let snippet_key = full
        .clone()
        .or_else(|| primary.as_ref().map(|k| k.masked.clone()));
    let base_url = state
        .config
        .public_url()
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let status = match status(state, user.user.id).await {
        Ok(status) => status,
        Err(err) => return Problem::from(err).into_response(),
    };
    render(&ConsolePage {
        ui,
        login: user.user.login.clone(),
        name: user.user.name.clone(),
        avatar_url: user.user.avatar_url.clone(),
        status,
        primary,
        extras,
        snippets: snippets(&base_url, snippet_key.as_deref().unwrap_or("ak-…")),
        snippets_have_key: full.is_some(),
        notice: notice.map(str::to_owned),
        error: error.map(str::to_owned),
    })
}

async fn status(state: &AppState, user_id: Uuid) -> store::Result<Status> {
    let now = OffsetDateTime::now_utc();
    let keys = store::upstream_keys::list(&state.pool, user_id).await?;
    let enabled = keys.iter().filter(|k| k.enabled);
    let healthy = enabled
        .clone()
        .filter(|k| k.cooldown_until.is_none_or(|until| until <= now))
        .count();
    let midnight = now.replace_time(time::Time::MIDNIGHT);
    let today = store::stats::stats(
        &state.pool,
        user_id,
        midnight,
        now + time::Duration::HOUR,
        Granularity::Hour,
    )
    .await?;
    let failures = LogFilter {
        success: Some(false),
        ..LogFilter::default()
    };
    let last_error = log_queries::list(&state.pool, user_id, &failures, None, 1)
        .await?
        .rows
        .into_iter()
        .next()
        .map(|row| LastError {
            when: when(Some(row.entry.created_at)),
            model: row.entry.requested_model,
            message: row
                .entry
                .error_message
                .unwrap_or_else(|| format!("HTTP {}", row.entry.status_code)),
        });
    Ok(Status {
        keys_enabled: enabled.count(),
        keys_healthy: healthy,
        keys_total: keys.len(),
        requests_today: today.totals.requests,
        success_rate: today
            .totals
            .success_rate
            .map(|rate| format!("{:.1}%", rate * 100.0)),
        last_error,
    })
}

fn key_view(state: &AppState, row: &ApiKeyRow, shown: bool) -> Result<KeyView, Problem> {
    let full = if shown {
        Some(state.keyring.reveal(row)?.expose().to_owned())
    } else {
        None
    };
    Ok(KeyView {
        id: row.id.to_string(),
        name: row.name.clone(),
        masked: format!("{}…", row.prefix),
        created: when(Some(row.created_at)),
        last_used: when(row.last_used_at),
        full,
    })
}

/// Shell and settings snippets that point Claude Code at this Nexus with `key`.
fn snippets(base: &str, key: &str) -> Vec<Snippet> {
    let settings = serde_json::json!({
        "env": { "ANTHROPIC_BASE_URL": base, "ANTHROPIC_API_KEY": key }
    });
    vec![
        Snippet {
            label: "bash / zsh",
            text: format!(
                "export ANTHROPIC_BASE_URL=\"{base}\"\nexport ANTHROPIC_API_KEY=\"{key}\""
            ),
        },
        Snippet {
            label: "fish",
            text: format!(
                "set -gx ANTHROPIC_BASE_URL \"{base}\"\nset -gx ANTHROPIC_API_KEY \"{key}\""
            ),
        },
        Snippet {
            label: "PowerShell",
            text: format!(
                "$env:ANTHROPIC_BASE_URL = \"{base}\"\n$env:ANTHROPIC_API_KEY = \"{key}\""
            ),
        },
        Snippet {
            label: "CMD",
            text: format!("set ANTHROPIC_BASE_URL={base}\nset ANTHROPIC_API_KEY={key}"),
        },
        Snippet {
            label: "~/.claude/settings.json",
            text: serde_json::to_string_pretty(&settings).unwrap_or_default(),
        },
    ]
}
