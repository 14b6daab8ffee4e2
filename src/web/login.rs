//! Password sign-in for local accounts, and signing out.

use std::sync::OnceLock;

use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::http::header::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::i18n::{Ui, t, tf};
use super::pages::{Problem, render};
use super::session::{self, ClientAddr, SESSION_COOKIE, SessionUser};
use super::throttle::describe_wait;
use crate::app::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ui: Ui,
    github: bool,
    passwords: bool,
    login: String,
    error: Option<String>,
}

pub async fn page(State(state): State<AppState>, user: Option<SessionUser>) -> Response {
    if user.is_some() {
        return Redirect::to("/console").into_response();
    }
    login_page(&state, String::new(), None).await
}

async fn login_page(state: &AppState, login: String, error: Option<String>) -> Response {
    let passwords = match store::users::any_with_password(&state.pool).await {
        Ok(any) => any,
        Err(err) => return Problem::from(err).into_response(),
    };
    render(&LoginPage {
        ui: Ui::at_path("/login"),
        github: state.config.github_enabled(),
        passwords,
        login,
        error,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Form(form): Form<LoginForm>,
) -> Response {
    let login = form.login.trim().to_owned();
    if let Err(wait) = state.throttle.check(&login, addr) {
        let message = tf(
            "Too many failed sign-ins. Wait {} and try again.",
            &[&describe_wait(wait)],
        );
        let mut response = login_page(&state, login, Some(message)).await;
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return response;
    }
    let user = match store::users::by_login(&state.pool, &login).await {
        Ok(user) => Some(user),
        Err(store::Error::NotFound(_)) => None,
        Err(err) => return Problem::from(err).into_response(),
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let password = form.password;
    // Unknown logins are checked against a dummy hash, so timing does not tell which exist.
    let verified = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => auth::verify_password(&password, &hash),
        None => {
            let _ = auth::verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .unwrap_or(false);
    let Some(user) = user.filter(|_| verified) else {
        state.throttle.failed(&login, addr);
        tracing::info!(login = %login, "failed password sign-in");
        let message = t("Wrong login or password.").to_owned();
        let mut response = login_page(&state, login, Some(message)).await;
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        return response;
    };
    state.throttle.succeeded(&login);
    if user.is_disabled() {
        return disabled().into_response();
    }
    tracing::info!(login = %user.login, "signed in with a password");
    session::sign_in(&state, user.id)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| auth::hash_password("nexus timing equaliser").unwrap_or_default())
}

pub fn disabled() -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "Account disabled",
        "This account has been disabled by an administrator of this Nexus.",
    )
}

/// Ends this browser's session.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let jar = CookieJar::from_headers(&headers);
    if let Some(cookie) = jar.get(SESSION_COOKIE)
        && let Err(err) = auth::end_session(&state.pool, cookie.value()).await
    {
        return Problem::from(err).into_response();
    }
    signed_out(&state)
}

/// Ends every session of the signed-in user, in every browser.
pub async fn logout_everywhere(State(state): State<AppState>, user: SessionUser) -> Response {
    match auth::end_all_sessions(&state.pool, user.user.id).await {
        Ok(count) => {
            tracing::info!(login = %user.user.login, count, "signed out everywhere");
            signed_out(&state)
        }
        Err(err) => Problem::from(err).into_response(),
    }
}

fn signed_out(state: &AppState) -> Response {
    let mut response = Redirect::to("/login").into_response();
    session::append_cookie(&mut response, &session::removal_cookie(&state.config));
    response
}
