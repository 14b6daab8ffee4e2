use serde::{Deserialize, Serialize};

/// The `error.type` values of the Anthropic API, each with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    InvalidRequestError,
    AuthenticationError,
    PermissionError,
    NotFoundError,
    RequestTooLarge,
    RateLimitError,
    ApiError,
    OverloadedError,
}

impl ErrorType {
    pub fn status(self) -> u16 {
        match self {
            ErrorType::InvalidRequestError => 400,
            ErrorType::AuthenticationError => 401,
            ErrorType::PermissionError => 403,
            ErrorType::NotFoundError => 404,
            ErrorType::RequestTooLarge => 413,
            ErrorType::RateLimitError => 429,
            ErrorType::ApiError => 500,
            ErrorType::OverloadedError => 529,
        }
    }

    /// The error type a client expects for an HTTP status (Anthropic's own mapping).
    pub fn from_status(status: u16) -> Self {
        match status {
            401 => ErrorType::AuthenticationError,
            403 => ErrorType::PermissionError,
            404 => ErrorType::NotFoundError,
            413 => ErrorType::RequestTooLarge,
            429 => ErrorType::RateLimitError,
            529 | 503 => ErrorType::OverloadedError,
            400..=499 => ErrorType::InvalidRequestError,
            _ => ErrorType::ApiError,
        }
    }
}

/// `{"type":"error","error":{"type":…,"message":…}}`: every error Nexus returns on the
/// gateway routes has this shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(rename = "type")]
    kind: ErrorTag,
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ErrorTag {
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    #[serde(rename = "type")]
    pub kind: ErrorType,
    pub message: String,
}

impl ErrorBody {
    pub fn new(kind: ErrorType, message: impl Into<String>) -> Self {
        Self {
            kind: ErrorTag::Error,
            error: ErrorDetail {
                kind,
                message: message.into(),
            },
        }
    }

    pub fn status(&self) -> u16 {
        self.error.kind.status()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_in_the_anthropic_shape() {
        let body = ErrorBody::new(ErrorType::AuthenticationError, "Invalid API key");
        let json = serde_json::to_value(&body).expect("serialise");
        assert_eq!(
            json,
            serde_json::json!({"type": "error", "error": {"type": "authentication_error", "message": "Invalid API key"}})
        );
        assert_eq!(body.status(), 401);
        let back: ErrorBody = serde_json::from_value(json).expect("parse");
        assert_eq!(back, body);
    }

    #[test]
    fn statuses_round_trip() {
        for kind in [
            ErrorType::InvalidRequestError,
            ErrorType::AuthenticationError,
            ErrorType::PermissionError,
            ErrorType::NotFoundError,
            ErrorType::RequestTooLarge,
            ErrorType::RateLimitError,
            ErrorType::ApiError,
            ErrorType::OverloadedError,
        ] {
            assert_eq!(ErrorType::from_status(kind.status()), kind);
        }
        assert_eq!(ErrorType::from_status(422), ErrorType::InvalidRequestError);
        assert_eq!(ErrorType::from_status(502), ErrorType::ApiError);
    }
}
