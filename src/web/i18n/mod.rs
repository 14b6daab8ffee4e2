//! The dashboard speaks English and Chinese. The language comes from the `nexus_lang`
//! cookie (set by the switch in the header) or else from `Accept-Language`; a middleware
//! puts it into a task-local so that any code rendering a page or a message (even an
//! error far from the handler) can translate without passing it around.
//!
//! Texts are written in English in templates and code, as `ui.t("…")` in templates and
//! `i18n::t("…")` in Rust; the Chinese for each lives in one table per page below. A test
//! checks that every such text has its translation.

mod admin;
mod common;
mod console;
mod keys;
mod landing;
mod logs;
mod mapping;
mod stats;

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::LazyLock;

use axum::extract::{FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::session::SessionUser;

pub const LANG_COOKIE: &str = "nexus_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        if code == "en" || code.starts_with("en-") {
            Some(Lang::En)
        } else if code == "zh" || code.starts_with("zh-") {
            Some(Lang::Zh)
        } else {
            None
        }
    }

    /// The cookie's choice, else the first language of `Accept-Language` (by q-value) that
    /// the dashboard speaks, else English.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        let jar = CookieJar::from_headers(headers);
        if let Some(lang) = jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
            return lang;
        }
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut best: Option<(f32, Lang)> = None;
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang).unwrap_or_default()
    }
}

tokio::task_local! {
    static LANG: Lang;
}

/// The language of the request being handled (English outside one).
pub fn current() -> Lang {
    LANG.try_with(|lang| *lang).unwrap_or_default()
}

static ZH: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    [
        common::ZH,
        landing::ZH,
        console::ZH,
        keys::ZH,
        mapping::ZH,
        logs::ZH,
        stats::ZH,
        admin::ZH,
    ]
    .iter()
    .flat_map(|table| table.iter().copied())
    .collect()
});

/// `en` in `lang`; English when there is no translation.
pub fn translate(lang: Lang, en: &str) -> &str {
    match lang {
        Lang::En => en,
        Lang::Zh => ZH.get(en).copied().unwrap_or(en),
    }
}

/// `en` in the current request's language.
pub fn t(en: &str) -> &str {
    translate(current(), en)
}

/// `en` translated, with each `{}` replaced by the next of `args` (for texts that name a
/// value, where word order differs between the languages).
pub fn tf(en: &str, args: &[&dyn Display]) -> String {
    fill(t(en), args)
}

fn fill(pattern: &str, args: &[&dyn Display]) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut args = args.iter();
    let mut rest = pattern;
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        if let Some(arg) = args.next() {
            out.push_str(&arg.to_string());
        }
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// Middleware: runs the rest of the request with its language set.
pub async fn scope(request: Request, next: Next) -> Response {
    let lang = Lang::from_headers(request.headers());
    let mut response = LANG.scope(lang, next.run(request)).await;
    // Pages differ by language and sign-in: caches must not mix them up.
    response.headers_mut().append(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
    response
}

#[derive(Deserialize)]
pub struct SwitchQuery {
    back: Option<String>,
}

/// The first segment of a path: every section of the dashboard has a page there.
fn section_of(path: &str) -> String {
    let first = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    format!("/{first}")
}

/// `GET /lang/{code}?back=/path`: remembers the language for a year and goes back. Only
/// local paths are followed, so the link cannot send anyone to another site.
pub async fn switch(Path(code): Path<String>, Query(query): Query<SwitchQuery>) -> Response {
    let back = query
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".to_owned());
    let mut response = Redirect::to(&back).into_response();
    if let Some(lang) = Lang::parse(&code) {
        let cookie = Cookie::build((LANG_COOKIE, lang.code()))
            .path("/")
            .same_site(SameSite::Lax)
            .max_age(time::Duration::days(365))
            .build();
        super::session::append_cookie(&mut response, &cookie);
    }
    response
}

/// What every page template gets: the language, who is signed in, and where we are (for
/// the navigation and the language switch).
#[derive(Debug, Clone)]
pub struct Ui {
    pub lang: Lang,
    /// The page's path, without the query.
    pub path: String,
    /// The path and query, to come back to after switching language.
    pub back: String,
    pub login: Option<String>,
    pub is_admin: bool,
}

impl Ui {
    /// For a page rendered without the request at hand (error pages).
    pub fn bare() -> Ui {
        Ui {
            lang: current(),
            path: "/".to_owned(),
            back: "/".to_owned(),
            login: None,
            is_admin: false,
        }
    }

    /// For a signed-out page at `path`, rendered where the request is not at hand.
    pub fn at_path(path: &str) -> Ui {
        Ui {
            path: path.to_owned(),
            back: path.to_owned(),
            ..Ui::bare()
        }
    }

    pub fn t<'a>(&self, en: &'a str) -> &'a str {
        translate(self.lang, en)
    }

    pub fn tf(&self, en: &str, args: &[&dyn Display]) -> String {
        fill(translate(self.lang, en), args)
    }

    /// `en` translated with its one `{}` replaced by `arg`.
    pub fn tn(&self, en: &str, arg: impl Display) -> String {
        fill(translate(self.lang, en), &[&arg])
    }

    /// `en` translated with its two `{}` replaced by `a` and `b` (templates cannot pass a
    /// slice of trait objects to `tf`).
    pub fn tn2(&self, en: &str, a: impl Display, b: impl Display) -> String {
        fill(translate(self.lang, en), &[&a, &b])
    }

    pub fn signed_in(&self) -> bool {
        self.login.is_some()
    }

    /// Whether the navigation entry for `prefix` is the current page.
    pub fn at(&self, prefix: &str) -> bool {
        self.path == prefix || self.path.starts_with(&format!("{prefix}/"))
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The link of the language switch: the other language, back to this page.
    pub fn switch_href(&self) -> String {
        let other = match self.lang {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        };
        let back: String = url::form_urlencoded::byte_serialize(self.back.as_bytes()).collect();
        format!("/lang/{}?back={back}", other.code())
    }

    pub fn switch_label(&self) -> &'static str {
        match self.lang {
            Lang::En => "中文",
            Lang::Zh => "English",
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ui {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let user = parts.extensions.get::<SessionUser>();
        let back = if parts.method == axum::http::Method::GET {
            match parts.uri.query() {
                Some(query) => format!("{}?{query}", parts.uri.path()),
                None => parts.uri.path().to_owned(),
            }
        } else {
            // A page rendered in answer to a form post has no GET at its path: switching
            // language goes to the page of its section (`/console/key/reveal` → `/console`).
            section_of(parts.uri.path())
        };
        Ok(Ui {
            lang: Lang::from_headers(&parts.headers),
            path: parts.uri.path().to_owned(),
            back,
            login: user.map(|u| u.user.login.clone()),
            is_admin: user.is_some_and(|u| u.is_admin),
        })
    }
}

#[cfg(test)]
mod tests;
