//! The upstream keys page: the user's pool with its health and counters; adding (from a
//! provider preset), editing, deleting, enabling and disabling keys; "test" and "fetch
//! models" on one key; the pool strategy. Secrets go in and never come out: pages show the
//! hint (`…abcd`) only.

mod checks;
mod form;
mod presets;
mod view;

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::upstream_keys::{self, UpstreamKey};
use uuid::Uuid;

pub use self::checks::{models, test};

use self::checks::{Outcome, OutcomeKind};
use self::form::{FieldErrors, Fields, Submission};
use self::presets::{PRESETS, Preset};
use self::view::KeyRow;
use super::i18n::{Ui, t};
use super::pages::{IdPath, Problem, render};
use super::session::SessionUser;
use crate::app::AppState;
use crate::gateway::pool::selector::Strategy;
use crate::upstreams;

#[derive(Template)]
#[template(path = "keys.html")]
struct KeysPage {
    ui: Ui,
    rows: Vec<KeyRow>,
    strategy: String,
    strategies: Vec<StrategyChoice>,
    strategy_error: Option<String>,
    presets: &'static [Preset],
    form: Fields,
    errors: FieldErrors,
    /// Only when editing.
    secret_hint: Option<String>,
    notice: Option<String>,
    outcome: Option<Outcome>,
}

#[derive(Template)]
#[template(path = "key_edit.html")]
struct EditPage {
    ui: Ui,
    id: String,
    key_name: String,
    secret_hint: Option<String>,
    presets: &'static [Preset],
    form: Fields,
    errors: FieldErrors,
}

struct StrategyChoice {
    value: &'static str,
    label: &'static str,
    hint: &'static str,
}

/// What the page shows besides the pool.
#[derive(Default)]
struct Extras {
    form: Option<Fields>,
    errors: FieldErrors,
    notice: Option<String>,
    outcome: Option<Outcome>,
    strategy_error: Option<String>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    preset: Option<String>,
    done: Option<String>,
}

/// `GET /keys`, `?preset=deepseek` fills the add form, `?done=…` says what just happened.
pub async fn page(
    State(state): State<AppState>,
    ui: Ui,
    user: SessionUser,
    Query(query): Query<PageQuery>,
) -> Response {
    let preset = query.preset.as_deref().and_then(presets::find);
    let extras = Extras {
        form: Some(Fields::blank(preset)),
        notice: query
            .done
            .as_deref()
            .and_then(done_notice)
            .map(str::to_owned),
        ..Extras::default()
    };
    keys_page(&state, ui, &user, extras).await
}

/// The sentence for `?done=…` after a redirect; unknown values say nothing.
fn done_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "added" => t("Key added. Nexus uses it from the next request on."),
        "saved" => t("Changes saved."),
        "deleted" => t("Key deleted."),
        "enabled" => t("Key enabled: it takes traffic again."),
        "disabled" => t("Key disabled: it takes no traffic until you enable it."),
        "strategy" => t("Pool strategy saved."),
        _ => return None,
    })
}

/// `POST /keys`: a new key.
pub async fn add(
    State(state): State<AppState>,
    ui: Ui,
    user: SessionUser,
    Form(submission): Form<Submission>,
) -> Response {
    let refused = |errors: FieldErrors| Extras {
        form: Some(submission.fields()),
        errors,
        ..Extras::default()
    };
    let checked = match form::check(&submission, true) {
        Ok(checked) => checked,
        Err(errors) => {
            let page = keys_page(&state, ui, &user, refused(errors)).await;
            return with_status(page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let added = upstreams::add(&state.pool, &state.keyring, user.user.id, checked.input()).await;
    match added {
        Ok(key) => {
            tracing::info!(login = %user.user.login, key = %key.name, "upstream key added");
            Redirect::to("/keys?done=added").into_response()
        }
        Err(err) => match refusal(err) {
            Ok(errors) => {
                let page = keys_page(&state, ui, &user, refused(errors)).await;
                with_status(page, StatusCode::CONFLICT)
            }
            Err(problem) => problem.into_response(),
        },
    }
}

/// `GET /keys/{id}/edit`.
pub async fn edit_page(
    State(state): State<AppState>,
    ui: Ui,
    user: SessionUser,
    IdPath(id): IdPath,
) -> Response {
    match owned_key(&state, &user, id).await {
        Ok(key) => edit_form(ui, &key, Fields::of(&key), FieldErrors::default()),
        Err(problem) => problem.into_response(),
    }
}

/// `POST /keys/{id}`: saves the edit form; an empty secret keeps the stored one.
pub async fn save(
    State(state): State<AppState>,
    ui: Ui,
    user: SessionUser,
    IdPath(id): IdPath,
    Form(submission): Form<Submission>,
) -> Response {
    let key = match owned_key(&state, &user, id).await {
        Ok(key) => key,
        Err(problem) => return problem.into_response(),
    };
    let checked = match form::check(&submission, false) {
        Ok(checked) => checked,
        Err(errors) => {
            let page = edit_form(ui, &key, submission.fields(), errors);
            return with_status(page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    match upstreams::edit(&state.pool, &state.keyring, &key, checked.edit()).await {
        Ok(key) => {
            tracing::info!(login = %user.user.login, key = %key.name, "upstream key changed");
            Redirect::to("/keys?done=saved").into_response()
        }
        Err(err) => match refusal(err) {
            Ok(errors) => with_status(
                edit_form(ui, &key, submission.fields(), errors),
                StatusCode::CONFLICT,
            ),
            Err(problem) => problem.into_response(),
        },
    }
}

/// `POST /keys/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    user: SessionUser,
    IdPath(id): IdPath,
) -> Response {
    match upstream_keys::remove_by_id(&state.pool, user.user.id, id).await {
        Ok(()) => {
            tracing::info!(login = %user.user.login, key = %id, "upstream key deleted");
            Redirect::to("/keys?done=deleted").into_response()
        }
        Err(err) => Problem::from(err).into_response(),
    }
}

/// `POST /keys/{id}/enable`.
pub async fn enable(
    State(state): State<AppState>,
    user: SessionUser,
    IdPath(id): IdPath,
) -> Response {
    set_enabled(&state, &user, id, true).await
}

/// `POST /keys/{id}/disable`.
pub async fn disable(
    State(state): State<AppState>,
    user: SessionUser,
    IdPath(id): IdPath,
) -> Response {
    set_enabled(&state, &user, id, false).await
}

async fn set_enabled(state: &AppState, user: &SessionUser, id: Uuid, enabled: bool) -> Response {
    let key = match owned_key(state, user, id).await {
        Ok(key) => key,
        Err(problem) => return problem.into_response(),
    };
    let change = upstreams::UpstreamEdit {
        enabled: Some(enabled),
        ..Default::default()
    };
    match upstreams::edit(&state.pool, &state.keyring, &key, change).await {
        Ok(_) if enabled => Redirect::to("/keys?done=enabled").into_response(),
        Ok(_) => Redirect::to("/keys?done=disabled").into_response(),
        Err(err) => problem(err).into_response(),
    }
}

#[derive(Deserialize)]
pub struct StrategyForm {
    #[serde(default)]
    strategy: String,
}

/// `POST /keys/strategy`: how requests are spread over the keys.
pub async fn strategy(
    State(state): State<AppState>,
    ui: Ui,
    user: SessionUser,
    Form(form): Form<StrategyForm>,
) -> Response {
    let Ok(strategy) = form.strategy.parse::<Strategy>() else {
        let extras = Extras {
            strategy_error: Some(t("Choose one of the strategies in the list.").to_owned()),
            ..Extras::default()
        };
        return with_status(
            keys_page(&state, ui, &user, extras).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    match store::users::set_pool_strategy(&state.pool, user.user.id, strategy.as_str()).await {
        Ok(()) => Redirect::to("/keys?done=strategy").into_response(),
        Err(err) => Problem::from(err).into_response(),
    }
}

fn with_status(mut response: Response, status: StatusCode) -> Response {
    if response.status().is_success() {
        *response.status_mut() = status;
    }
    response
}

/// The key `id` of the signed-in user; another user's key, or no key, is "not found".
async fn owned_key(state: &AppState, user: &SessionUser, id: Uuid) -> Result<UpstreamKey, Problem> {
    Ok(upstream_keys::by_id(&state.pool, user.user.id, id).await?)
}

/// A failed add or edit: a name taken is the form's to show, anything else a problem page.
fn refusal(err: anyhow::Error) -> Result<FieldErrors, Problem> {
    match err.downcast_ref::<store::Error>() {
        Some(store::Error::Conflict(_)) => Ok(FieldErrors::duplicate_name()),
        _ => Err(problem(err)),
    }
}

/// A failure of `upstreams::add` / `edit` after the form's own checks passed.
fn problem(err: anyhow::Error) -> Problem {
    match err.downcast::<store::Error>() {
        Ok(err) => Problem::from(err),
        Err(err) => {
            tracing::error!("saving an upstream key failed: {err:#}");
            Problem::internal()
        }
    }
}

fn edit_form(ui: Ui, key: &UpstreamKey, form: Fields, errors: FieldErrors) -> Response {
    render(&EditPage {
        ui,
        id: key.id.to_string(),
        key_name: key.name.clone(),
        secret_hint: Some(key.secret_hint.clone()),
        presets: PRESETS,
        form,
        errors,
    })
}

fn strategies() -> Vec<StrategyChoice> {
    let choice = |strategy: Strategy, label, hint| StrategyChoice {
        value: strategy.as_str(),
        label,
        hint,
    };
    vec![
        choice(
            Strategy::Priority,
            t("Priority (recommended)"),
            t("The highest priority first; keys of equal priority share the traffic by weight."),
        ),
        choice(
            Strategy::Failover,
            t("Failover"),
            t("Always the first healthy key by priority; the next one only when it fails."),
        ),
        choice(
            Strategy::RoundRobin,
            t("Round robin"),
            t("Every healthy key in turn, whatever its priority."),
        ),
        choice(
            Strategy::Random,
            t("Random"),
            t("A random healthy key, in proportion to its weight."),
        ),
    ]
}

async fn keys_page(state: &AppState, ui: Ui, user: &SessionUser, extras: Extras) -> Response {
    let keys = match upstream_keys::list(&state.pool, user.user.id).await {
        Ok(keys) => keys,
        Err(err) => return Problem::from(err).into_response(),
    };
    let strategy = match store::users::pool_strategy(&state.pool, user.user.id).await {
        Ok(strategy) => strategy,
        Err(err) => return Problem::from(err).into_response(),
    };
    let now = time::OffsetDateTime::now_utc();
    render(&KeysPage {
        ui,
        rows: keys.iter().map(|key| KeyRow::of(key, now)).collect(),
        strategy,
        strategies: strategies(),
        strategy_error: extras.strategy_error,
        presets: PRESETS,
        form: extras.form.unwrap_or_else(|| Fields::blank(None)),
        errors: extras.errors,
        secret_hint: None,
        notice: extras.notice,
        outcome: extras.outcome,
    })
}
