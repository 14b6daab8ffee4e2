//! A browser stand-in for dashboard tests: a cookie jar, no redirects followed, form
//! posts; plus users made straight in the database.

use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Response, redirect};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{TestApp, keyring};

pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            client,
            jar,
            base: app.address.clone(),
        }
    }

    /// A browser already signed in as `user_id` (a session made directly).
    pub async fn signed_in(app: &TestApp, pool: &PgPool, user_id: Uuid) -> Self {
        let browser = Self::new(app);
        let token = auth::start_session(pool, user_id, time::Duration::days(30))
            .await
            .expect("session");
        browser.set_session(token.expose());
        browser
    }

    fn url(&self, path: &str) -> reqwest::Url {
        reqwest::Url::parse(&format!("{}{path}", self.base)).expect("url")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// The current value of the session cookie, if the jar holds one.
    pub fn session(&self) -> Option<String> {
        let header = self.jar.cookies(&self.url("/"))?;
        header
            .to_str()
            .expect("ascii")
            .split("; ")
            .find_map(|pair| pair.strip_prefix("nexus_session="))
            .map(str::to_owned)
    }

    pub fn set_session(&self, value: &str) {
        self.jar
            .add_cookie_str(&format!("nexus_session={value}; Path=/"), &self.url("/"));
    }
}

/// Where a redirect points.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// Asserts a 303 to `path`.
pub fn assert_redirect(response: &Response, path: &str) {
    assert_eq!(response.status(), 303, "expected a redirect to {path}");
    assert_eq!(location(response), path);
}

/// A local user with their primary `ak-` key (and a password if given).
pub async fn local_user(pool: &PgPool, login: &str, password: Option<&str>) -> (Uuid, String) {
    let new = store::users::NewUser {
        login: login.into(),
        password_hash: password.map(|p| auth::hash_password(p).expect("hash")),
        ..Default::default()
    };
    let user = store::users::create(pool, &new).await.expect("user");
    let (key, _) = keyring()
        .issue(pool, user.id, "default")
        .await
        .expect("key");
    (user.id, key.expose().to_owned())
}

/// The status of `GET /v1/models` with `key`: 200 when the key works, 401 when not.
pub async fn key_status(app: &TestApp, key: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/v1/models", app.address))
        .header("x-api-key", key)
        .send()
        .await
        .expect("send")
        .status()
        .as_u16()
}

/// The first full `ak-` key shown on a page (masked ones are skipped).
pub fn full_key_in(html: &str) -> Option<String> {
    html.match_indices("ak-").find_map(|(start, _)| {
        let key: String = html[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        auth::ApiKey::parse(&key).ok().map(|_| key)
    })
}
