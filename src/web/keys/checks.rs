//! "Test" and "fetch models" on one key: the keys page, with what the upstream answered
//! above the table.

use axum::extract::{Form, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use store::upstream_keys::UpstreamKey;

use super::{Extras, keys_page, owned_key};
use crate::app::AppState;
use crate::gateway::{probe, upstream_models};
use crate::web::fetched_models;
use crate::web::i18n::{Ui, t};
use crate::web::pages::{IdPath, Problem};
use crate::web::session::SessionUser;

/// Longest model name a test may ask for.
const MAX_MODEL_CHARS: usize = 200;

/// What "test" or "fetch models" found, shown above the table.
pub(super) struct Outcome {
    pub key_id: String,
    pub key_name: String,
    pub kind: OutcomeKind,
}

pub(super) enum OutcomeKind {
    Tested {
        model: String,
        latency_ms: u128,
        reply: String,
    },
    TestFailed {
        model: String,
        message: String,
    },
    Models(Vec<String>),
    ModelsFailed(String),
}

impl Outcome {
    fn of(key: &UpstreamKey, kind: OutcomeKind) -> Outcome {
        Outcome {
            key_id: key.id.to_string(),
            key_name: key.name.clone(),
            kind,
        }
    }
}

#[derive(Deserialize)]
pub struct TestForm {
    model: Option<String>,
}

/// `POST /keys/{id}/test`: one tiny request through the key; the page shows the latency
/// and the start of the reply, or the upstream's error.
pub async fn test(
    State(state): State<AppState>,
    ui: Ui,
    user: SessionUser,
    IdPath(id): IdPath,
    Form(form): Form<TestForm>,
) -> Response {
    let key = match owned_key(&state, &user, id).await {
        Ok(key) => key,
        Err(problem) => return problem.into_response(),
    };
    let asked = form.model.as_deref().map(str::trim).unwrap_or_default();
    let model = if asked.is_empty() {
        let mapping = match store::model_mappings::get(&state.pool, user.user.id).await {
            Ok(mapping) => mapping,
            Err(err) => return Problem::from(err).into_response(),
        };
        probe::default_model(key.provider, &mapping, &state.config.system_mapping())
    } else if asked.chars().count() > MAX_MODEL_CHARS || asked.contains(char::is_whitespace) {
        Err(t("A model name has no spaces and at most 200 characters.").to_owned())
    } else {
        Ok(asked.to_owned())
    };
    let kind = match model {
        Err(message) => OutcomeKind::TestFailed {
            model: asked.to_owned(),
            message,
        },
        Ok(model) => match probe::probe(&state.config, &state.keyring, &key, &model).await {
            Ok(result) => OutcomeKind::Tested {
                model,
                latency_ms: result.latency.as_millis(),
                reply: result.reply,
            },
            Err(message) => OutcomeKind::TestFailed { model, message },
        },
    };
    let extras = Extras {
        outcome: Some(Outcome::of(&key, kind)),
        ..Extras::default()
    };
    keys_page(&state, ui, &user, extras).await
}

/// `POST /keys/{id}/models`: the upstream's model list, asked with the stored secret.
pub async fn models(
    State(state): State<AppState>,
    ui: Ui,
    user: SessionUser,
    IdPath(id): IdPath,
) -> Response {
    let key = match owned_key(&state, &user, id).await {
        Ok(key) => key,
        Err(problem) => return problem.into_response(),
    };
    let kind = match upstream_models::fetch_models(&state.config, &state.keyring, &key).await {
        Ok(models) => {
            fetched_models::remember(key.id, &models);
            OutcomeKind::Models(models)
        }
        Err(message) => OutcomeKind::ModelsFailed(message),
    };
    let extras = Extras {
        outcome: Some(Outcome::of(&key, kind)),
        ..Extras::default()
    };
    keys_page(&state, ui, &user, extras).await
}
