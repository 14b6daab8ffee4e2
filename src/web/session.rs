//! The session cookie: loaded once per dashboard request by a middleware, read by the
//! `SessionUser` and `AdminUser` extractors.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use store::users::User;
use uuid::Uuid;

use super::pages::Problem;
use crate::app::AppState;
use crate::config::Config;

pub const SESSION_COOKIE: &str = "nexus_session";

/// The signed-in user of a dashboard request.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: User,
    pub session_id: Uuid,
    pub is_admin: bool,
}

/// A signed-in administrator.
#[derive(Debug, Clone)]
pub struct AdminUser(pub SessionUser);

/// Looks the session cookie up, puts the user into the request, and sends the cookie again
/// when its expiry slid forward. A cookie that matches no live session is cleared.
pub async fn load(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    let Some(value) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return next.run(request).await;
    };
    let ttl = state.config.session_ttl();
    let found = match auth::find_session(&state.pool, &value, ttl).await {
        Ok(found) => found,
        Err(err) => return Problem::from(err).into_response(),
    };
    let Some(live) = found else {
        let mut response = next.run(request).await;
        append_cookie(&mut response, &removal_cookie(&state.config));
        return response;
    };
    let is_admin = is_admin(&state.config, &live.row.user);
    request.extensions_mut().insert(SessionUser {
        user: live.row.user,
        session_id: live.row.id,
        is_admin,
    });
    let mut response = next.run(request).await;
    // A handler that signed the user out already replaced the cookie.
    if live.refreshed && !response.headers().contains_key(SET_COOKIE) {
        append_cookie(&mut response, &session_cookie(&state.config, &value));
    }
    response
}

/// Admins are users promoted by the CLI, and the GitHub accounts listed in
/// NEXUS_ADMIN_LOGINS (checked now, so removing a login demotes at once).
pub fn is_admin(config: &Config, user: &User) -> bool {
    user.is_admin || (user.github_id.is_some() && config.is_admin_login(&user.login))
}

impl FromRequestParts<AppState> for SessionUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        parts
            .extensions
            .get::<SessionUser>()
            .cloned()
            .ok_or_else(|| Redirect::to("/login").into_response())
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for SessionUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<SessionUser>().cloned())
    }
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let user = SessionUser::from_request_parts(parts, state).await?;
        if user.is_admin {
            Ok(AdminUser(user))
        } else {
            Err(Problem::new(
                StatusCode::FORBIDDEN,
                "Administrators only",
                "This page is for the administrators of this Nexus.",
            )
            .into_response())
        }
    }
}

/// The address the request came from (the peer; behind a proxy, the proxy).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        Ok(ClientAddr(addr))
    }
}

/// Starts a session for `user_id` and sends the browser to the console with its cookie.
pub async fn sign_in(state: &AppState, user_id: Uuid) -> Result<Response, Problem> {
    let token = auth::start_session(&state.pool, user_id, state.config.session_ttl()).await?;
    let mut response = Redirect::to("/console").into_response();
    append_cookie(
        &mut response,
        &session_cookie(&state.config, token.expose()),
    );
    Ok(response)
}

/// The session cookie: never readable by scripts, not sent on cross-site subrequests.
fn session_cookie(config: &Config, value: &str) -> Cookie<'static> {
    let max_age = time::Duration::days(i64::from(config.session_days));
    Cookie::build((SESSION_COOKIE, value.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.secure_cookies())
        .max_age(max_age)
        .build()
}

pub fn removal_cookie(config: &Config) -> Cookie<'static> {
    let mut cookie = session_cookie(config, "");
    cookie.make_removal();
    cookie
}

pub fn append_cookie(response: &mut Response, cookie: &Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}
