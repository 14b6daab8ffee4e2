//! A scripted upstream on 127.0.0.1 that speaks three dialects: OpenAI Chat Completions
//! (`/v1/chat/completions`), Gemini (`/v1beta/models/…:generateContent` and
//! `…:streamGenerateContent`) and Anthropic (`/v1/messages`). Each call takes the next
//! scripted reply (or asks the brain) and records the request. The model lists
//! (`GET /v1/models`, OpenAI's shape or Anthropic's paged one; `GET /v1beta/models`,
//! Gemini's paged one) serve [`MockUpstream::set_models`] unless a reply is scripted.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::mock_brain::Dialect;

#[derive(Clone)]
pub enum Reply {
    /// A JSON body with a status.
    Json(u16, serde_json::Value),
    /// A JSON error body with a status and extra headers.
    Error(u16, String, Vec<(&'static str, &'static str)>),
    /// An SSE body sent in exactly these pieces, with a pause between them.
    Sse(Vec<Vec<u8>>, Duration),
    /// Nothing for this long, then a JSON body.
    Slow(Duration, serde_json::Value),
}

#[derive(Default)]
struct Inner {
    replies: Mutex<VecDeque<Reply>>,
    /// With no scripted reply left: answer like a tiny model (see `brain`), streaming when
    /// asked unless `json_only`.
    brain: Mutex<Option<bool>>,
    requests: Mutex<Vec<Recorded>>,
    /// What the model lists offer.
    models: Mutex<Vec<String>>,
}

/// Models per page of the paged (Anthropic, Gemini) lists, small to exercise paging.
const MODELS_PER_PAGE: usize = 2;

/// A request as the mock saw it.
#[derive(Clone)]
pub struct Recorded {
    pub path: String,
    pub headers: HeaderMap,
    pub raw: Bytes,
    pub json: serde_json::Value,
}

#[derive(Clone)]
pub struct MockUpstream {
    /// The OpenAI-style base URL (`http://host:port/v1`).
    pub base_url: String,
    /// `http://host:port`, the base URL for Gemini and Anthropic keys.
    pub root: String,
    inner: Arc<Inner>,
    /// Set when a streamed body was dropped before it was fully sent (the client left).
    pub stream_dropped: Arc<AtomicBool>,
}

impl MockUpstream {
    pub async fn start() -> Self {
        let inner = Arc::new(Inner {
            models: Mutex::new(
                ["mock-large", "mock-small", "mock-vision"]
                    .map(String::from)
                    .to_vec(),
            ),
            ..Inner::default()
        });
        let stream_dropped = Arc::new(AtomicBool::new(false));
        let state = (inner.clone(), stream_dropped.clone());
        let app = Router::new()
            .route("/v1/chat/completions", post(handle_openai))
            .route("/v1/messages", post(handle_anthropic))
            .route("/v1/messages/count_tokens", post(count_tokens))
            .route("/v1/models", get(list_models))
            .route("/v1beta/models", get(list_gemini_models))
            .route("/v1beta/models/{call}", post(handle_gemini))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let root = format!("http://{}", listener.local_addr().expect("addr"));
        let base_url = format!("{root}/v1");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base_url,
            root,
            inner,
            stream_dropped,
        }
    }

    /// Answers every request like a small model would (see [`brain`]); `json_only` makes it
    /// ignore `stream: true` and always answer with a JSON body, as some servers do.
    pub fn think(&self, json_only: bool) {
        *self.inner.brain.lock().expect("lock") = Some(json_only);
    }

    pub fn reply(&self, reply: Reply) {
        self.inner.replies.lock().expect("lock").push_back(reply);
    }

    /// Bodies of the requests received so far.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        self.recorded().into_iter().map(|r| r.json).collect()
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.inner.requests.lock().expect("lock").clone()
    }

    pub fn headers(&self, n: usize) -> HeaderMap {
        self.recorded()[n].headers.clone()
    }

    /// What the model lists offer from now on.
    pub fn set_models(&self, models: &[&str]) {
        *self.inner.models.lock().expect("lock") = models.iter().map(|m| (*m).to_owned()).collect();
    }
}

/// Records a call without a body and takes its scripted reply, if any.
fn record_listing(inner: &Inner, uri: &Uri, headers: HeaderMap) -> Option<Reply> {
    inner.requests.lock().expect("lock").push(Recorded {
        path: uri.to_string(),
        headers,
        raw: Bytes::new(),
        json: serde_json::Value::Null,
    });
    inner.replies.lock().expect("lock").pop_front()
}

async fn scripted(reply: Reply) -> Response {
    match reply {
        Reply::Json(status, body) => (
            StatusCode::from_u16(status).expect("status"),
            axum::Json(body),
        )
            .into_response(),
        Reply::Error(status, body, _) => {
            (StatusCode::from_u16(status).expect("status"), body).into_response()
        }
        Reply::Slow(pause, body) => {
            tokio::time::sleep(pause).await;
            axum::Json(body).into_response()
        }
        Reply::Sse(..) => (StatusCode::INTERNAL_SERVER_ERROR, "no SSE model lists").into_response(),
    }
}

/// `GET /v1/models`: Anthropic's paged list when asked with `anthropic-version`, else
/// OpenAI's whole list.
async fn list_models(
    State((inner, _)): State<MockState>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let anthropic = headers.contains_key("anthropic-version");
    if let Some(reply) = record_listing(&inner, &uri, headers) {
        return scripted(reply).await;
    }
    let models = inner.models.lock().expect("lock").clone();
    if !anthropic {
        let data: Vec<_> = models
            .iter()
            .map(|id| serde_json::json!({"id": id, "object": "model", "owned_by": "mock"}))
            .collect();
        return axum::Json(serde_json::json!({"object": "list", "data": data})).into_response();
    }
    let start = query
        .get("after_id")
        .and_then(|after| models.iter().position(|m| m == after))
        .map_or(0, |i| i + 1);
    let page: Vec<&String> = models.iter().skip(start).take(MODELS_PER_PAGE).collect();
    let data: Vec<_> = page
        .iter()
        .map(|id| serde_json::json!({"type": "model", "id": id, "display_name": id}))
        .collect();
    axum::Json(serde_json::json!({
        "data": data,
        "has_more": start + page.len() < models.len(),
        "first_id": page.first(),
        "last_id": page.last(),
    }))
    .into_response()
}

/// `GET /v1beta/models`: Gemini's list, paged with `pageToken` (the index to start at).
async fn list_gemini_models(
    State((inner, _)): State<MockState>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Some(reply) = record_listing(&inner, &uri, headers) {
        return scripted(reply).await;
    }
    let models = inner.models.lock().expect("lock").clone();
    let start: usize = query
        .get("pageToken")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let end = (start + MODELS_PER_PAGE).min(models.len());
    let mut page: Vec<_> = models[start.min(end)..end]
        .iter()
        .map(|id| {
            serde_json::json!({"name": format!("models/{id}"),
                "supportedGenerationMethods": ["generateContent", "countTokens"]})
        })
        .collect();
    // An embedding model, which the list leaves out.
    page.push(serde_json::json!({"name": "models/mock-embedding",
        "supportedGenerationMethods": ["embedContent"]}));
    let mut body = serde_json::json!({ "models": page });
    if end < models.len() {
        body["nextPageToken"] = serde_json::json!(end.to_string());
    }
    axum::Json(body).into_response()
}

type MockState = (Arc<Inner>, Arc<AtomicBool>);

/// Anthropic's count_tokens: records the call and answers a fixed, recognisable count.
async fn count_tokens(
    State((inner, _)): State<MockState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    inner.requests.lock().expect("lock").push(Recorded {
        path: uri.to_string(),
        headers,
        raw: body,
        json,
    });
    axum::Json(serde_json::json!({"input_tokens": 4242})).into_response()
}

async fn handle_openai(
    State(state): State<MockState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(state, Dialect::OpenAi, uri, headers, body).await
}

async fn handle_anthropic(
    State(state): State<MockState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(state, Dialect::Anthropic, uri, headers, body).await
}

async fn handle_gemini(
    State(state): State<MockState>,
    Path(call): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let dialect = Dialect::Gemini {
        stream: call.ends_with(":streamGenerateContent"),
    };
    handle(state, dialect, uri, headers, body).await
}

async fn handle(
    (inner, dropped): MockState,
    dialect: Dialect,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    let recorded = Recorded {
        path: uri.to_string(),
        headers,
        raw: body,
        json: json.clone(),
    };
    inner.requests.lock().expect("lock").push(recorded);
    let scripted = inner.replies.lock().expect("lock").pop_front();
    let brain = *inner.brain.lock().expect("lock");
    let reply = scripted
        .or_else(|| brain.map(|json_only| crate::mock_brain::reply(dialect, &json, json_only)));
    match reply {
        None => (StatusCode::INTERNAL_SERVER_ERROR, "no scripted reply").into_response(),
        Some(Reply::Slow(pause, body)) => {
            tokio::time::sleep(pause).await;
            axum::Json(body).into_response()
        }
        Some(Reply::Json(status, body)) => (
            StatusCode::from_u16(status).expect("status"),
            axum::Json(body),
        )
            .into_response(),
        Some(Reply::Error(status, body, headers)) => {
            let mut response =
                (StatusCode::from_u16(status).expect("status"), body).into_response();
            for (name, value) in headers {
                response
                    .headers_mut()
                    .insert(name, value.parse().expect("header"));
            }
            response
        }
        Some(Reply::Sse(pieces, pause)) => {
            let guard = DropFlag {
                flag: dropped,
                done: false,
            };
            let stream = futures_util::stream::unfold(
                (pieces.into_iter(), guard, true),
                move |(mut it, mut guard, first)| async move {
                    if !first {
                        tokio::time::sleep(pause).await;
                    }
                    match it.next() {
                        Some(piece) => Some((
                            Ok::<_, std::convert::Infallible>(Bytes::from(piece)),
                            (it, guard, false),
                        )),
                        None => {
                            guard.complete();
                            None
                        }
                    }
                },
            );
            Response::builder()
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(stream))
                .expect("response")
        }
    }
}

/// Raises its flag when dropped before the stream finished.
struct DropFlag {
    flag: Arc<AtomicBool>,
    done: bool,
}

impl DropFlag {
    fn complete(&mut self) {
        self.done = true;
    }
}

impl Drop for DropFlag {
    fn drop(&mut self) {
        if !self.done {
            self.flag.store(true, Ordering::SeqCst);
        }
    }
}

/// An OpenAI SSE body from chunk objects, with `[DONE]`.
pub fn sse(chunks: &[serde_json::Value]) -> Vec<u8> {
    let mut out = String::new();
    for chunk in chunks {
        out.push_str(&format!("data: {chunk}\n\n"));
    }
    out.push_str("data: [DONE]\n\n");
    out.into_bytes()
}

/// Cuts `bytes` into pieces at the given sizes (cycling), to split lines mid-way.
pub fn cut(bytes: &[u8], sizes: &[usize]) -> Vec<Vec<u8>> {
    let mut pieces = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < bytes.len() {
        let size = sizes[i % sizes.len()].max(1);
        let end = (at + size).min(bytes.len());
        pieces.push(bytes[at..end].to_vec());
        at = end;
        i += 1;
    }
    pieces
}
