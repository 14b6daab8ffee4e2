//! The root span of every request: method, route template (not the raw path, which may
//! hold ids) and request id.

use axum::extract::MatchedPath;
use axum::http::Request;
use tracing::Span;

pub fn make_span<B>(request: &Request<B>) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("<unmatched>", MatchedPath::as_str);
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if route == "/health" {
        tracing::debug_span!("request", method = %request.method(), route, request_id, user = tracing::field::Empty)
    } else {
        tracing::info_span!("request", method = %request.method(), route, request_id, user = tracing::field::Empty)
    }
}
