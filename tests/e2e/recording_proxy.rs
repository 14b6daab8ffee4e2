//! A pass-through proxy on 127.0.0.1 that records which paths a client called, so a test
//! can see what Claude Code asked of Nexus.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;

#[derive(Clone)]
pub struct RecordingProxy {
    pub address: String,
    calls: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct ProxyState {
    target: String,
    calls: Arc<Mutex<Vec<String>>>,
    client: reqwest::Client,
}

impl RecordingProxy {
    pub async fn start(target: &str) -> Self {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let state = ProxyState {
            target: target.to_owned(),
            calls: calls.clone(),
            client: reqwest::Client::new(),
        };
        let app = Router::new().fallback(forward).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { address, calls }
    }

    /// `METHOD /path` of every call so far (query strings left out).
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().expect("lock").clone()
    }
}

async fn forward(
    State(state): State<ProxyState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state
        .calls
        .lock()
        .expect("lock")
        .push(format!("{method} {}", uri.path()));
    let url = format!(
        "{}{}",
        state.target,
        uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut request = state.client.request(method, url).body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    match request.send().await {
        Ok(upstream) => {
            let mut response = Response::builder().status(upstream.status());
            for (name, value) in upstream.headers() {
                if name != "content-length" && name != "transfer-encoding" {
                    response = response.header(name, value);
                }
            }
            response
                .body(Body::from_stream(upstream.bytes_stream()))
                .expect("response")
        }
        Err(err) => Response::builder()
            .status(502)
            .body(Body::from(err.to_string()))
            .expect("response"),
    }
}
