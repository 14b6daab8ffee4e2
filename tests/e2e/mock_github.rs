//! A stand-in for GitHub's OAuth token endpoint and `GET /user` on 127.0.0.1. It checks
//! the client credentials, the PKCE verifier against the challenge, and that each code is
//! used once, as GitHub does; refusals come back as HTTP 200 with an `error` field, like
//! GitHub's. For tests in a real browser it also serves the consent page: approving there
//! signs in the user set with `sign_in_as`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "mock-client-id";
pub const CLIENT_SECRET: &str = "mock-client-secret";

#[derive(Default)]
struct Grants {
    /// code → (user, PKCE challenge, used)
    codes: HashMap<String, (Value, String, bool)>,
    tokens: HashMap<String, Value>,
    user_agents: Vec<String>,
    /// Who approves on the consent page (browser tests).
    browser_user: Option<Value>,
}

pub struct MockGithub {
    pub address: String,
    grants: Arc<Mutex<Grants>>,
}

impl MockGithub {
    pub async fn start() -> Self {
        let grants = Arc::new(Mutex::new(Grants::default()));
        let app = Router::new()
            .route("/login/oauth/authorize", get(consent).post(approve))
            .route("/login/oauth/access_token", post(token))
            .route("/api/user", get(user))
            .with_state(grants.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { address, grants }
    }

    /// The options that point a Nexus at this mock.
    pub fn options(&self) -> Vec<String> {
        github_options(&self.address)
    }

    /// The person approves the app: a code for `user`, bound to the PKCE `challenge`.
    pub fn approve(&self, user: Value, challenge: &str) -> String {
        let code = format!("code-{}", uuid::Uuid::now_v7().simple());
        let mut grants = self.grants.lock().expect("lock");
        grants
            .codes
            .insert(code.clone(), (user, challenge.to_owned(), false));
        code
    }

    /// The GitHub account that approves on the consent page.
    pub fn sign_in_as(&self, user: Value) {
        self.grants.lock().expect("lock").browser_user = Some(user);
    }

    pub fn user_agents(&self) -> Vec<String> {
        self.grants.lock().expect("lock").user_agents.clone()
    }
}

/// Options for a Nexus whose GitHub lives at `base` (which need not be listening).
pub fn github_options(base: &str) -> Vec<String> {
    [
        ("--github-client-id", CLIENT_ID.to_owned()),
        ("--github-client-secret", CLIENT_SECRET.to_owned()),
        (
            "--github-authorize-url",
            format!("{base}/login/oauth/authorize"),
        ),
        (
            "--github-token-url",
            format!("{base}/login/oauth/access_token"),
        ),
        ("--github-api-url", format!("{base}/api")),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [flag.to_owned(), value])
    .collect()
}

/// GitHub's "Authorize application" page: the authorize query comes back in hidden fields.
async fn consent(Query(query): Query<HashMap<String, String>>) -> Html<String> {
    let hidden: String = ["client_id", "redirect_uri", "state", "code_challenge"]
        .iter()
        .map(|name| {
            let value = query.get(*name).map(String::as_str).unwrap_or_default();
            format!(
                r#"<input type="hidden" name="{name}" value="{}">"#,
                escape(value)
            )
        })
        .collect();
    Html(format!(
        r#"<!doctype html><title>Authorize application</title>
<h1>Authorize Nexus</h1><form method="post">{hidden}<button id="authorize">Authorize</button></form>"#
    ))
}

/// The person pressed "Authorize": back to the app with a code bound to the PKCE challenge.
async fn approve(
    State(grants): State<Arc<Mutex<Grants>>>,
    Form(form): Form<HashMap<String, String>>,
) -> axum::response::Response {
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    if field("client_id") != CLIENT_ID {
        return (StatusCode::NOT_FOUND, "unknown application").into_response();
    }
    let user = grants.lock().expect("lock").browser_user.clone();
    let Some(user) = user else {
        return (
            StatusCode::FORBIDDEN,
            "no GitHub user is set: call sign_in_as",
        )
            .into_response();
    };
    let code = format!("code-{}", uuid::Uuid::now_v7().simple());
    grants
        .lock()
        .expect("lock")
        .codes
        .insert(code.clone(), (user, field("code_challenge"), false));
    let mut back = reqwest::Url::parse(&field("redirect_uri")).expect("redirect_uri");
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &field("state"));
    Redirect::to(back.as_str()).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn refuse(error: &str) -> axum::response::Response {
    Json(json!({"error": error, "error_description": "refused by the mock"})).into_response()
}

async fn token(
    State(grants): State<Arc<Mutex<Grants>>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> axum::response::Response {
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let by_header = headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&basic);
    let by_form = form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
    if !by_header && !by_form {
        return refuse("incorrect_client_credentials");
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return refuse("unsupported_grant_type");
    }
    let code = form.get("code").cloned().unwrap_or_default();
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let mut grants = grants.lock().expect("lock");
    let Some((user, challenge, used)) = grants.codes.get_mut(&code) else {
        return refuse("bad_verification_code");
    };
    if *used {
        return refuse("bad_verification_code");
    }
    *used = true;
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != *challenge {
        return refuse("bad_verification_code");
    }
    let user = user.clone();
    let access = format!("gho_{}", uuid::Uuid::now_v7().simple());
    grants.tokens.insert(access.clone(), user);
    Json(json!({"access_token": access, "token_type": "bearer", "scope": "read:user"}))
        .into_response()
}

async fn user(
    State(grants): State<Arc<Mutex<Grants>>>,
    headers: HeaderMap,
) -> axum::response::Response {
    let mut grants = grants.lock().expect("lock");
    let agent = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    grants.user_agents.push(agent);
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    match grants.tokens.get(token) {
        Some(user) => Json(user.clone()).into_response(),
        None => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Bad credentials"})),
        )
            .into_response(),
    }
}
