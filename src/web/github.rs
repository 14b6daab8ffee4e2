//! Sign-in with GitHub: OAuth 2 authorization code with state and PKCE. The state and
//! the PKCE verifier wait in a short-lived private (encrypted) cookie for the callback.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, PrivateCookieJar, SameSite};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse,
    TokenUrl,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::account::{self, GithubUser};
use super::pages::Problem;
use super::session;
use crate::app::AppState;
use crate::config::Config;

const STATE_COOKIE: &str = "nexus_oauth";
const CALLBACK_PATH: &str = "/auth/github/callback";
/// How long a person may take on GitHub's consent page.
const STATE_LIFETIME: time::Duration = time::Duration::minutes(10);

type GithubClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// What waits in the private cookie between `/auth/github` and the callback.
#[derive(Serialize, Deserialize)]
struct PendingSignIn {
    state: String,
    verifier: String,
    started: i64,
}

fn client(config: &Config) -> Option<GithubClient> {
    let id = config.github_client_id.clone()?;
    let secret = config.github_client_secret.clone()?;
    let redirect = config.public_url().join(CALLBACK_PATH).ok()?;
    Some(
        BasicClient::new(ClientId::new(id))
            .set_client_secret(ClientSecret::new(secret))
            .set_auth_uri(AuthUrl::from_url(config.github_authorize_url.clone()))
            .set_token_uri(TokenUrl::from_url(config.github_token_url.clone()))
            .set_redirect_uri(RedirectUrl::from_url(redirect)),
    )
}

fn not_configured() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "GitHub sign-in is off",
        "This Nexus has no GitHub app configured. Sign in with a password instead.",
    )
}

/// `GET /auth/github`: off to GitHub's consent page.
pub async fn start(State(state): State<AppState>, jar: PrivateCookieJar) -> Response {
    let Some(client) = client(&state.config) else {
        return not_configured().into_response();
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("read:user".to_owned()))
        .set_pkce_challenge(challenge)
        .url();
    let pending = PendingSignIn {
        state: csrf.secret().clone(),
        verifier: verifier.secret().clone(),
        started: time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    let value = serde_json::to_string(&pending).unwrap_or_default();
    let cookie = Cookie::build((STATE_COOKIE, value))
        .path("/auth/github")
        .http_only(true)
        // Lax: the cookie must come along on GitHub's top-level redirect back to us.
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies())
        .max_age(STATE_LIFETIME)
        .build();
    (jar.add(cookie), Redirect::to(url.as_str())).into_response()
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/github/callback`: check the state, trade the code for a token, read the
/// GitHub user, find or create their account and start a session.
pub async fn callback(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let pending = jar
        .get(STATE_COOKIE)
        .and_then(|c| serde_json::from_str::<PendingSignIn>(c.value()).ok());
    // The state is single-use whatever happens next.
    let jar = jar.remove(Cookie::build(STATE_COOKIE).path("/auth/github"));
    let outcome = finish(&state, pending, query).await;
    (jar, outcome.unwrap_or_else(IntoResponse::into_response)).into_response()
}

async fn finish(
    state: &AppState,
    pending: Option<PendingSignIn>,
    query: CallbackQuery,
) -> Result<Response, Problem> {
    let client = client(&state.config).ok_or_else(not_configured)?;
    if let Some(error) = query.error {
        tracing::info!(error = %error, "GitHub sign-in was not granted");
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Sign-in cancelled",
            "GitHub did not grant access, so you are not signed in. \
             Sign in again and approve the request to continue.",
        ));
    }
    let expired = || {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "Sign-in expired",
            "This sign-in link has expired or was opened in another browser. \
             Start again from the sign-in page.",
        )
    };
    let pending = pending.ok_or_else(expired)?;
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - pending.started;
    if !(0..=STATE_LIFETIME.whole_seconds()).contains(&age) {
        return Err(expired());
    }
    // Compared as hashes, so the comparison takes no time that depends on the secret.
    let returned = query.state.unwrap_or_default();
    if Sha256::digest(returned.as_bytes()) != Sha256::digest(pending.state.as_bytes()) {
        tracing::warn!("GitHub callback with a state that does not match the cookie");
        return Err(expired());
    }
    let code = query.code.filter(|c| !c.is_empty()).ok_or_else(expired)?;
    let token = exchange(state, &client, code, pending.verifier).await?;
    let github_user = fetch_user(state, &token).await?;
    let user = account::github_account(state, github_user).await?;
    if user.is_disabled() {
        return Err(super::login::disabled());
    }
    tracing::info!(login = %user.login, "signed in with GitHub");
    session::sign_in(state, user.id).await
}

/// Trades the code (and the PKCE verifier) for an access token at GitHub's token endpoint.
async fn exchange(
    state: &AppState,
    client: &GithubClient,
    code: String,
    verifier: String,
) -> Result<String, Problem> {
    let http = super::oauth_http::OauthClient(state.github_http.clone());
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&http)
        .await
        .map_err(|err| match err {
            RequestTokenError::Request(err) => {
                tracing::warn!("could not reach GitHub's token endpoint: {err}");
                unreachable_github()
            }
            other => {
                // The error names the OAuth error code at most; never a token or secret.
                let reason = match &other {
                    RequestTokenError::ServerResponse(resp) => resp.error().to_string(),
                    RequestTokenError::Parse(..) => "unexpected response".to_owned(),
                    _ => "other".to_owned(),
                };
                tracing::warn!(%reason, "GitHub refused the sign-in code");
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "Sign-in not accepted",
                    "GitHub did not accept this sign-in (the code expired or was already \
                     used). Start again from the sign-in page.",
                )
            }
        })?;
    Ok(token.access_token().secret().clone())
}

fn unreachable_github() -> Problem {
    Problem::new(
        StatusCode::BAD_GATEWAY,
        "GitHub unreachable",
        "Nexus could not reach GitHub to finish signing you in. Please try again shortly.",
    )
}

/// `GET {GITHUB_API_URL}/user` with the new token.
async fn fetch_user(state: &AppState, token: &str) -> Result<GithubUser, Problem> {
    let url = format!(
        "{}/user",
        state.config.github_api_url.as_str().trim_end_matches('/')
    );
    let response = state
        .github_http
        .get(url)
        .bearer_auth(token)
        .header("accept", "application/vnd.github+json")
        .timeout(Duration::from_secs(15))
        .send()
        .await
        .map_err(|err| {
            tracing::warn!("could not reach GitHub's user API: {err}");
            unreachable_github()
        })?;
    if !response.status().is_success() {
        tracing::warn!(status = %response.status(), "GitHub's user API refused the token");
        return Err(unreachable_github());
    }
    response.json::<GithubUser>().await.map_err(|err| {
        tracing::warn!("GitHub's user API answered in an unexpected shape: {err}");
        unreachable_github()
    })
}
