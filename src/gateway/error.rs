//! Gateway errors: always the Anthropic error shape, with the status of its type (or the
//! upstream's status when relaying an upstream error).

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use relay::anthropic::{ErrorBody, ErrorType};

#[derive(Debug, Clone)]
pub struct GatewayError {
    pub status: u16,
    pub body: ErrorBody,
    /// `retry-after` of an upstream 429/529, passed on to the client.
    pub retry_after: Option<String>,
}

impl GatewayError {
    pub fn new(kind: ErrorType, message: impl Into<String>) -> Self {
        let body = ErrorBody::new(kind, message);
        Self {
            status: body.status(),
            body,
            retry_after: None,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorType::InvalidRequestError, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(ErrorType::AuthenticationError, "Invalid API key")
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorType::ApiError, message)
    }

    pub fn from_body(status: u16, body: ErrorBody) -> Self {
        Self {
            status,
            body,
            retry_after: None,
        }
    }

    pub fn kind(&self) -> ErrorType {
        self.body.error.kind
    }

    pub fn message(&self) -> &str {
        &self.body.error.message
    }
}

impl IntoResponse for GatewayError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(self.body)).into_response();
        if let Some(value) = self
            .retry_after
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            response.headers_mut().insert("retry-after", value);
        }
        response
    }
}

impl From<store::Error> for GatewayError {
    fn from(err: store::Error) -> Self {
        tracing::error!("database error on the gateway: {err}");
        GatewayError::new(
            ErrorType::ApiError,
            "Internal error: the database is unavailable",
        )
    }
}
