//! The model mapping page: which upstream model answers each Claude family (haiku, sonnet,
//! opus, the others), the system default or the user's own, with the models of the user's
//! keys as suggestions. Asking the upstreams for their models happens only on request, so
//! the page stays fast when an upstream is down.

use std::time::Duration;

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::future::join_all;
use serde::Deserialize;
use store::model_mappings::{self, MappingMode, MappingTargets, ModelMapping};
use store::upstream_keys::{self, Provider, UpstreamKey};

use super::fetched_models;
use super::i18n::{Ui, t};
use super::pages::{Problem, render};
use super::session::SessionUser;
use crate::app::AppState;
use crate::config::SystemMapping;
use crate::gateway::mapping::effective;
use crate::gateway::upstream_models::fetch_models_within;

/// How long "load models" waits for each key (they are asked at the same time).
const LOAD_TIMEOUT: Duration = Duration::from_secs(8);
/// Longest model name accepted.
const MAX_TARGET_CHARS: usize = 200;

#[derive(Template)]
#[template(path = "mapping.html")]
struct MappingPage {
    ui: Ui,
    has_keys: bool,
    has_anthropic_keys: bool,
    custom: bool,
    families: Vec<FamilyRow>,
    form: Targets,
    errors: TargetErrors,
    suggestions: Vec<String>,
    /// What "load models" found, key by key.
    loaded: Option<Vec<Loaded>>,
    notice: Option<String>,
}

struct FamilyRow {
    family: &'static str,
    example: &'static str,
    system: String,
    in_effect: String,
}

struct Loaded {
    key_name: String,
    count: usize,
    error: Option<String>,
}

/// The form's four targets, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Targets {
    #[serde(default)]
    haiku: String,
    #[serde(default)]
    sonnet: String,
    #[serde(default)]
    opus: String,
    #[serde(default)]
    other: String,
}

#[derive(Debug, Default)]
struct TargetErrors {
    haiku: Option<String>,
    sonnet: Option<String>,
    opus: Option<String>,
    other: Option<String>,
}

impl TargetErrors {
    fn any(&self) -> bool {
        self.haiku.is_some() || self.sonnet.is_some() || self.opus.is_some() || self.other.is_some()
    }
}

#[derive(Default)]
struct Extras {
    form: Option<Targets>,
    errors: TargetErrors,
    loaded: Option<Vec<Loaded>>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    done: Option<String>,
}

/// `GET /mapping`.
pub async fn page(
    State(state): State<AppState>,
    ui: Ui,
    user: SessionUser,
    Query(query): Query<PageQuery>,
) -> Response {
    let notice = match query.done.as_deref() {
        Some("saved") => Some(t(
            "Your mapping is saved and used from the next request on.",
        )),
        Some("reset") => Some(t("Back to the system default mapping.")),
        _ => None,
    };
    let extras = Extras {
        notice: notice.map(str::to_owned),
        ..Extras::default()
    };
    mapping_page(&state, ui, &user, extras).await
}

/// `POST /mapping`: the user's own targets (custom mode).
pub async fn save(
    State(state): State<AppState>,
    ui: Ui,
    user: SessionUser,
    Form(form): Form<Targets>,
) -> Response {
    let checked = check(&form);
    let targets = match checked {
        Ok(targets) => targets,
        Err(errors) => {
            let extras = Extras {
                form: Some(form),
                errors,
                ..Extras::default()
            };
            let mut page = mapping_page(&state, ui, &user, extras).await;
            if page.status().is_success() {
                *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            }
            return page;
        }
    };
    match model_mappings::set_custom(&state.pool, user.user.id, &targets).await {
        Ok(()) => {
            tracing::info!(login = %user.user.login, "model mapping saved");
            Redirect::to("/mapping?done=saved").into_response()
        }
        Err(err) => Problem::from(err).into_response(),
    }
}

/// `POST /mapping/reset`: back to the system mapping.
pub async fn reset(State(state): State<AppState>, user: SessionUser) -> Response {
    match model_mappings::reset(&state.pool, user.user.id).await {
        Ok(()) => Redirect::to("/mapping?done=reset").into_response(),
        Err(err) => Problem::from(err).into_response(),
    }
}

/// `POST /mapping/models`: asks every enabled key for its models at once, each for a few
/// seconds at most, and offers what came back as suggestions.
pub async fn load_models(State(state): State<AppState>, ui: Ui, user: SessionUser) -> Response {
    let keys = match upstream_keys::list(&state.pool, user.user.id).await {
        Ok(keys) => keys,
        Err(err) => return Problem::from(err).into_response(),
    };
    let enabled: Vec<&UpstreamKey> = keys.iter().filter(|k| k.enabled).collect();
    let fetches = enabled
        .iter()
        .map(|key| fetch_models_within(&state.config, &state.keyring, key, LOAD_TIMEOUT));
    let results = join_all(fetches).await;
    let loaded = enabled
        .iter()
        .zip(results)
        .map(|(key, result)| match result {
            Ok(models) => {
                fetched_models::remember(key.id, &models);
                Loaded {
                    key_name: key.name.clone(),
                    count: models.len(),
                    error: None,
                }
            }
            Err(error) => Loaded {
                key_name: key.name.clone(),
                count: 0,
                error: Some(error),
            },
        })
        .collect();
    let extras = Extras {
        loaded: Some(loaded),
        ..Extras::default()
    };
    mapping_page(&state, ui, &user, extras).await
}

/// The targets to store, or a sentence for each field refused. Haiku, sonnet and opus need
/// a model; "other" may stay empty (it then follows sonnet).
fn check(form: &Targets) -> Result<MappingTargets, TargetErrors> {
    let mut errors = TargetErrors::default();
    let one = |value: &str, required: bool, error: &mut Option<String>| {
        let value = value.trim();
        let problem = if value.is_empty() && required {
            Some(t("Enter a model name, or pick one from the list."))
        } else if value.chars().count() > MAX_TARGET_CHARS {
            Some(t("A model name has at most 200 characters."))
        } else if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some(t("A model name has no spaces."))
        } else {
            None
        };
        *error = problem.map(str::to_owned);
        value.to_owned()
    };
    let targets = MappingTargets {
        haiku: Some(one(&form.haiku, true, &mut errors.haiku)),
        sonnet: Some(one(&form.sonnet, true, &mut errors.sonnet)),
        opus: Some(one(&form.opus, true, &mut errors.opus)),
        other: Some(one(&form.other, false, &mut errors.other)),
    };
    if errors.any() {
        Err(errors)
    } else {
        Ok(targets)
    }
}

/// What the form starts with: the user's targets, else what is in effect, so that
/// switching to a custom mapping starts from the current one.
fn initial_form(mapping: &ModelMapping, in_effect: &SystemMapping) -> Targets {
    let own = |slot: &Option<String>| slot.clone().filter(|t| !t.trim().is_empty());
    let custom = mapping.mode == MappingMode::Custom;
    let other = if custom {
        own(&mapping.other).unwrap_or_default()
    } else if in_effect.other != in_effect.sonnet {
        in_effect.other.clone()
    } else {
        String::new()
    };
    Targets {
        haiku: in_effect.haiku.clone(),
        sonnet: in_effect.sonnet.clone(),
        opus: in_effect.opus.clone(),
        other,
    }
}

async fn mapping_page(state: &AppState, ui: Ui, user: &SessionUser, extras: Extras) -> Response {
    let (mapping, keys) = match tokio::try_join!(
        model_mappings::get(&state.pool, user.user.id),
        upstream_keys::list(&state.pool, user.user.id),
    ) {
        Ok(found) => found,
        Err(err) => return Problem::from(err).into_response(),
    };
    let system = state.config.system_mapping();
    let in_effect = effective(&mapping, &system);
    let families = vec![
        FamilyRow {
            family: "haiku",
            example: "claude-haiku-…",
            system: system.haiku.clone(),
            in_effect: in_effect.haiku.clone(),
        },
        FamilyRow {
            family: "sonnet",
            example: "claude-sonnet-…",
            system: system.sonnet.clone(),
            in_effect: in_effect.sonnet.clone(),
        },
        FamilyRow {
            family: "opus",
            example: "claude-opus-…",
            system: system.opus.clone(),
            in_effect: in_effect.opus.clone(),
        },
        FamilyRow {
            family: "other",
            example: "claude-…",
            system: system.other.clone(),
            in_effect: in_effect.other.clone(),
        },
    ];
    let mut suggestions = fetched_models::recall(keys.iter().map(|k| k.id));
    suggestions.extend(
        [&system, &in_effect]
            .iter()
            .flat_map(|m| [&m.haiku, &m.sonnet, &m.opus, &m.other])
            .filter(|t| !t.trim().is_empty())
            .cloned(),
    );
    suggestions.sort();
    suggestions.dedup();
    render(&MappingPage {
        ui,
        has_keys: !keys.is_empty(),
        has_anthropic_keys: keys.iter().any(|k| k.provider == Provider::Anthropic),
        custom: mapping.mode == MappingMode::Custom,
        families,
        form: extras
            .form
            .unwrap_or_else(|| initial_form(&mapping, &in_effect)),
        errors: extras.errors,
        suggestions,
        loaded: extras.loaded,
        notice: extras.notice,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(haiku: &str, sonnet: &str, opus: &str, other: &str) -> Targets {
        Targets {
            haiku: haiku.into(),
            sonnet: sonnet.into(),
            opus: opus.into(),
            other: other.into(),
        }
    }

    #[test]
    fn targets_are_checked_field_by_field() {
        let ok = check(&targets(
            " deepseek-chat ",
            "deepseek-reasoner",
            "x/y:z",
            "",
        ))
        .expect("valid");
        assert_eq!(ok.haiku.as_deref(), Some("deepseek-chat"));
        assert_eq!(ok.other.as_deref(), Some(""), "other may follow sonnet");
        let long = "m".repeat(MAX_TARGET_CHARS + 1);
        let errors = check(&targets("", "two words", &long, "tab\there")).expect_err("refused");
        assert!(errors.haiku.is_some() && errors.sonnet.is_some());
        assert!(errors.opus.is_some() && errors.other.is_some());
    }

    #[test]
    fn the_form_starts_from_what_is_in_effect() {
        let system = SystemMapping {
            haiku: "h".into(),
            sonnet: "s".into(),
            opus: "o".into(),
            other: "s".into(),
        };
        let form = initial_form(&ModelMapping::default(), &system);
        assert_eq!((form.haiku.as_str(), form.other.as_str()), ("h", ""));
        let custom = ModelMapping {
            mode: MappingMode::Custom,
            haiku: Some("mine".into()),
            ..ModelMapping::default()
        };
        let form = initial_form(&custom, &effective(&custom, &system));
        assert_eq!((form.haiku.as_str(), form.sonnet.as_str()), ("mine", "s"));
    }
}
