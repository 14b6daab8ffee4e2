//! Administration: every user, and switching them off and on. Admins only.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::user_activity;
use time::OffsetDateTime;

use super::format::{count, percent, when};
use super::i18n::Ui;
use super::pages::{IdPath, Problem, render};
use super::session::{AdminUser, is_admin};
use crate::app::AppState;

/// Users per page: enough to scan, few enough to stay quick with many users.
const PAGE_SIZE: i64 = 50;
/// The window of the traffic columns and totals.
const WINDOW_DAYS: i64 = 30;

struct UserView {
    id: String,
    login: String,
    kind: &'static str,
    is_admin: bool,
    disabled: bool,
    is_me: bool,
    created: String,
    last_active: String,
    requests: String,
    errors: String,
    tokens: String,
}

struct TotalsView {
    users: String,
    disabled_users: String,
    active_users: String,
    requests: String,
    success_rate: String,
    errors: String,
    tokens_in: String,
    tokens_out: String,
    upstream_keys: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    ui: Ui,
    totals: TotalsView,
    users: Vec<UserView>,
    page: i64,
    pages: i64,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    ui: Ui,
    AdminUser(me): AdminUser,
    Query(query): Query<PageQuery>,
) -> Response {
    // A page number that is not one reads as the first page rather than an error page.
    let page = query
        .page
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let since = OffsetDateTime::now_utc() - time::Duration::days(WINDOW_DAYS);
    let loaded = async {
        let totals = user_activity::totals(&state.pool, since).await?;
        let rows =
            user_activity::page(&state.pool, since, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
        Ok::<_, store::Error>((totals, rows))
    }
    .await;
    let (totals, rows) = match loaded {
        Ok(loaded) => loaded,
        Err(err) => return Problem::from(err).into_response(),
    };
    let pages = ((totals.users + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    if page > pages {
        return Redirect::to(&format!("/admin?page={pages}")).into_response();
    }
    let users = rows
        .iter()
        .map(|row| {
            let u = &row.user;
            UserView {
                id: u.id.to_string(),
                login: u.login.clone(),
                kind: if u.github_id.is_some() {
                    "GitHub"
                } else {
                    "local"
                },
                is_admin: is_admin(&state.config, u),
                disabled: u.is_disabled(),
                is_me: u.id == me.user.id,
                created: u.created_at.date().to_string(),
                last_active: when(row.last_active_at),
                requests: count(row.requests),
                errors: count(row.errors),
                tokens: count(row.tokens),
            }
        })
        .collect();
    let totals = TotalsView {
        users: count(totals.users),
        disabled_users: count(totals.disabled_users),
        active_users: count(totals.active_users),
        requests: count(totals.requests),
        success_rate: percent(totals.requests - totals.errors, totals.requests),
        errors: count(totals.errors),
        tokens_in: count(totals.input_tokens),
        tokens_out: count(totals.output_tokens),
        upstream_keys: count(totals.upstream_keys),
    };
    render(&AdminPage {
        ui,
        totals,
        users,
        page,
        pages,
    })
}

/// `POST /admin/users/{id}/disable`: the user's keys and sessions stop working at once.
pub async fn disable(state: State<AppState>, admin: AdminUser, id: IdPath) -> Response {
    set_disabled(state, admin, id, true).await
}

/// `POST /admin/users/{id}/enable`.
pub async fn enable(state: State<AppState>, admin: AdminUser, id: IdPath) -> Response {
    set_disabled(state, admin, id, false).await
}

async fn set_disabled(
    State(state): State<AppState>,
    AdminUser(me): AdminUser,
    IdPath(id): IdPath,
    disabled: bool,
) -> Response {
    if disabled && id == me.user.id {
        return Problem::new(
            StatusCode::BAD_REQUEST,
            "That is you",
            "You cannot disable your own account.",
        )
        .into_response();
    }
    let user = match store::users::by_id(&state.pool, id).await {
        Ok(user) => user,
        Err(err) => return Problem::from(err).into_response(),
    };
    let result = async {
        store::users::set_disabled(&state.pool, id, disabled).await?;
        // Sessions already stop with the user; ending them also keeps them dead on re-enable.
        if disabled {
            auth::end_all_sessions(&state.pool, id).await?;
        }
        Ok::<_, store::Error>(())
    }
    .await;
    match result {
        Ok(()) => {
            tracing::info!(admin = %me.user.login, user = %user.login, disabled, "user switched");
            Redirect::to("/admin").into_response()
        }
        Err(err) => Problem::from(err).into_response(),
    }
}
