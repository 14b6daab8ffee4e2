//! Rendering: the page templates shared by several handlers, and `Problem`, the readable
//! page every dashboard failure becomes.

use askama::Template;
use axum::extract::{FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::i18n::{self, Ui};

/// A failure shown to a person: a status, a title and a sentence saying what to do.
/// Database and other internal errors are logged and shown without detail.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    title: String,
    message: String,
}

impl Problem {
    /// `title` and `message` are written in English and shown in the reader's language.
    pub fn new(status: StatusCode, title: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            status,
            title: i18n::t(title).to_owned(),
            message: i18n::t(&message).to_owned(),
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is nothing here, or it is not yours.",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "Nexus could not finish this. Please try again in a moment.",
        )
    }
}

impl From<store::Error> for Problem {
    fn from(err: store::Error) -> Self {
        match err {
            store::Error::NotFound(_) => Problem::not_found(),
            store::Error::Conflict(message) => {
                Problem::new(StatusCode::CONFLICT, "Already taken", message)
            }
            store::Error::Invalid(message) => {
                Problem::new(StatusCode::BAD_REQUEST, "Not valid", message)
            }
            other => {
                tracing::error!("dashboard request failed: {other}");
                Problem::internal()
            }
        }
    }
}

impl From<auth::KeyError> for Problem {
    fn from(err: auth::KeyError) -> Self {
        match err {
            auth::KeyError::Store(err) => err.into(),
            auth::KeyError::Crypto(err) => {
                tracing::error!("reading a stored key failed: {err}");
                Problem::internal()
            }
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    ui: Ui,
    title: &'a str,
    message: &'a str,
}

/// The `{id}` of a dashboard route as a UUID. Anything else is "not found", like
/// another user's id: a malformed id is just one more id nobody owns.
pub struct IdPath(pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| Problem::not_found().into_response())?;
        uuid::Uuid::try_parse(&id)
            .map(IdPath)
            .map_err(|_| Problem::not_found().into_response())
    }
}

/// A problem page's words, kept on the response so that [`frame`] can draw it again
/// with the navigation of the person who asked.
#[derive(Clone)]
struct ProblemText {
    title: String,
    message: String,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let page = MessagePage {
            ui: Ui::bare(),
            title: &self.title,
            message: &self.message,
        };
        let mut response = render(&page);
        *response.status_mut() = self.status;
        response.extensions_mut().insert(ProblemText {
            title: self.title,
            message: self.message,
        });
        response
    }
}

/// Middleware: a problem page gets the frame of the page it replaces (the signed-in
/// navigation, the language switch back to this path). Handlers make problems from
/// errors where the request is no longer at hand, so the frame is added here.
pub async fn frame(request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(ui) = Ui::from_request_parts(&mut parts, &()).await;
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let Some(text) = response.extensions_mut().remove::<ProblemText>() else {
        return response;
    };
    let page = MessagePage {
        ui,
        title: &text.title,
        message: &text.message,
    };
    let (framed, body) = render(&page).into_parts();
    let (mut parts, _) = response.into_parts();
    if framed.status.is_success() {
        parts.headers.remove(header::CONTENT_LENGTH);
        Response::from_parts(parts, body)
    } else {
        // Rendering failed: that failure is the answer.
        Response::from_parts(framed, body)
    }
}

/// Renders a template as an HTML page that no cache keeps (pages may show keys).
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = Html(html).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(err) => {
            tracing::error!("rendering a page failed: {err}");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// What the CSRF layer answers to a cross-site form post.
pub fn csrf_rejected(_: tower_http::csrf::ProtectionError) -> Response {
    Problem::new(
        StatusCode::FORBIDDEN,
        "Request refused",
        "This form was sent from another site, so Nexus refused it. \
         Open the page on this site and try again.",
    )
    .into_response()
}
