//! `GET /health`: is this process up, can it reach its database, and are its gateway logs
//! getting stored?

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;

/// A database that takes longer than this to answer counts as unreachable.
const DB_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = match tokio::time::timeout(DB_TIMEOUT, store::ping(&state.pool)).await {
        Ok(Ok(latency)) => {
            json!({ "reachable": true, "latency_ms": latency.as_secs_f64() * 1000.0 })
        }
        Ok(Err(err)) => {
            tracing::warn!("health check: database unreachable: {err}");
            json!({ "reachable": false, "error": "database unreachable" })
        }
        Err(_) => json!({ "reachable": false, "error": "database did not answer in time" }),
    };
    let healthy = database["reachable"] == true;
    // Gateway logs held back from the database, and any that could not be stored: not a
    // reason to take this process out of rotation, but worth an operator's look.
    let logs = state.logs.status();
    let body = json!({
        "status": if healthy { "ok" } else { "unavailable" },
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_seconds": state.started.elapsed().as_secs(),
        "database": database,
        "logs": logs,
    });
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}
