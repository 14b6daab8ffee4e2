//! `POST /v1/messages/count_tokens`: a local estimate, cheap enough for the bursts Claude
//! Code sends (about 25 at once for `/context`). Never a 404: the client would then guess.

use axum::Json;
use axum::body::Bytes;
use relay::anthropic::{estimate_input_tokens, parse_request};
use serde_json::{Value, json};

use super::auth::Caller;
use super::error::GatewayError;

pub async fn count_tokens(_caller: Caller, body: Bytes) -> Result<Json<Value>, GatewayError> {
    let request = parse_request(&body, false).map_err(|body| GatewayError::from_body(400, body))?;
    Ok(Json(
        json!({ "input_tokens": estimate_input_tokens(&request) }),
    ))
}
