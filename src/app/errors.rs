//! Errors that no handler wrote: unknown routes, bodies over the size limit.
//! They come out in the Anthropic error shape, which every client of Nexus understands.

use axum::Json;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use relay::anthropic::{ErrorBody, ErrorType};

/// Renders an Anthropic error body with the status of its type.
pub fn anthropic_error(kind: ErrorType, message: impl Into<String>) -> Response {
    let body = ErrorBody::new(kind, message);
    let status = StatusCode::from_u16(body.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body)).into_response()
}

pub async fn not_found(uri: Uri) -> Response {
    anthropic_error(
        ErrorType::NotFoundError,
        format!("Not found: {}", uri.path()),
    )
}

/// Layers such as the body limit answer with an empty or plain-text body; give those the
/// Anthropic shape. Responses that already carry a content type are left alone.
pub async fn anthropic_shape_for_bare_errors<B>(response: axum::http::Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let response = response.map(axum::body::Body::new);
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.headers().contains_key(header::CONTENT_TYPE)
            && status != StatusCode::PAYLOAD_TOO_LARGE
    {
        return response;
    }
    let kind = ErrorType::from_status(status.as_u16());
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "Request body is too large".to_owned(),
        other => other.canonical_reason().unwrap_or("Error").to_owned(),
    };
    let mut rendered = anthropic_error(kind, message);
    *rendered.status_mut() = status;
    rendered
}
