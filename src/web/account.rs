//! Accounts of GitHub users: keyed by GitHub's numeric id, so a renamed login keeps its
//! account; the first sign-in creates the user and their first `ak-` key.

use axum::http::StatusCode;
use serde::Deserialize;
use store::api_keys::PRIMARY_KEY_NAME;
use store::users::{self, GithubProfile, NewUser, User};

use super::pages::Problem;
use crate::app::AppState;

/// The fields of GitHub's `GET /user` that Nexus keeps.
#[derive(Debug, Deserialize)]
pub struct GithubUser {
    pub id: i64,
    pub login: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
}

impl GithubUser {
    fn profile(self) -> GithubProfile {
        let present = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        GithubProfile {
            login: self.login,
            name: present(self.name),
            email: present(self.email),
            avatar_url: present(self.avatar_url),
        }
    }
}

/// The user for this GitHub account, created (with a key) on first sign-in and refreshed
/// from GitHub's profile on later ones.
pub async fn github_account(state: &AppState, github: GithubUser) -> Result<User, Problem> {
    let github_id = github.id;
    let profile = github.profile();
    if users::by_github_id(&state.pool, github_id).await?.is_some() {
        return users::update_github_profile(&state.pool, github_id, &profile)
            .await
            .map_err(|err| login_clash(err, &profile.login));
    }
    let mut tx = state.pool.begin().await.map_err(store::Error::from)?;
    let user = users::create(
        &mut *tx,
        &NewUser {
            login: profile.login.clone(),
            github_id: Some(github_id),
            name: profile.name,
            email: profile.email,
            avatar_url: profile.avatar_url,
            ..Default::default()
        },
    )
    .await
    .map_err(|err| login_clash(err, &profile.login))?;
    state
        .keyring
        .issue(&mut *tx, user.id, PRIMARY_KEY_NAME)
        .await?;
    tx.commit().await.map_err(store::Error::from)?;
    tracing::info!(login = %user.login, "new user from GitHub");
    Ok(user)
}

/// A login already held by another account here (a local one, or a GitHub account that
/// was renamed away from it) cannot be taken over.
fn login_clash(err: store::Error, login: &str) -> Problem {
    match err {
        store::Error::Conflict(_) => Problem::new(
            StatusCode::CONFLICT,
            "Login already taken",
            format!(
                "Another account on this Nexus already uses the login {login}, so your \
                 GitHub account cannot take it. Ask an administrator of this Nexus for help."
            ),
        ),
        other => other.into(),
    }
}
