use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::TestApp;

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn health_reports_version_uptime_and_database(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = reqwest::get(format!("{}/health", app.address))
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["uptime_seconds"].is_u64());
    assert_eq!(body["database"]["reachable"], true);
    assert!(body["database"]["latency_ms"].is_f64());
}

#[tokio::test]
async fn health_is_503_when_the_database_is_unreachable() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A socket folder with no server in it: every connection attempt fails.
    let options = PgConnectOptions::new()
        .socket(dir.path())
        .username("nobody")
        .database("nothing");
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy_with(options);
    let app = TestApp::spawn(pool).await;
    let response = reqwest::get(format!("{}/health", app.address))
        .await
        .expect("request");
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["database"]["reachable"], false);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn unknown_routes_and_oversized_bodies_get_anthropic_errors(pool: PgPool) {
    let app = TestApp::spawn_with(pool, &["--max-body-bytes", "2048"]).await;
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{}/v1/nothing-here?beta=true", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "not_found_error");

    let response = client
        .post(format!("{}/v1/nothing-here", app.address))
        .body(vec![b'x'; 4096])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "request_too_large");
}
