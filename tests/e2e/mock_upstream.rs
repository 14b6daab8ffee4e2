//! A scripted OpenAI-compatible upstream on 127.0.0.1: each call to
//! `/v1/chat/completions` takes the next scripted reply and records the request body.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

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
    requests: Mutex<Vec<(HeaderMap, serde_json::Value)>>,
}

#[derive(Clone)]
pub struct MockUpstream {
    pub base_url: String,
    inner: Arc<Inner>,
    /// Set when a streamed body was dropped before it was fully sent (the client left).
    pub stream_dropped: Arc<AtomicBool>,
}

impl MockUpstream {
    pub async fn start() -> Self {
        let inner = Arc::new(Inner::default());
        let stream_dropped = Arc::new(AtomicBool::new(false));
        let state = (inner.clone(), stream_dropped.clone());
        let app = Router::new()
            .route("/v1/chat/completions", post(handle))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}/v1", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base_url,
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
        self.inner
            .requests
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, body)| body.clone())
            .collect()
    }

    pub fn headers(&self, n: usize) -> HeaderMap {
        self.inner.requests.lock().expect("lock")[n].0.clone()
    }
}

type MockState = (Arc<Inner>, Arc<AtomicBool>);

async fn handle(
    State((inner, dropped)): State<MockState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    inner
        .requests
        .lock()
        .expect("lock")
        .push((headers, json.clone()));
    let scripted = inner.replies.lock().expect("lock").pop_front();
    let brain = *inner.brain.lock().expect("lock");
    let reply = scripted.or_else(|| brain.map(|json_only| brain_reply(&json, json_only)));
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

/// The answer of a tiny deterministic "model": after a tool result it reports the result;
/// a prompt containing `run-echo` gets a Bash tool call, `read-file PATH` a Read call;
/// anything else a greeting.
fn brain_reply(request: &serde_json::Value, json_only: bool) -> Reply {
    use serde_json::json;
    let messages = request["messages"].as_array().cloned().unwrap_or_default();
    let last_tool = messages
        .iter()
        .rev()
        .find(|m| m["role"] != "system")
        .filter(|m| m["role"] == "tool");
    let user_text: String = messages
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| match &m["content"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (text, call): (String, Option<(&str, serde_json::Value)>) = if let Some(tool) = last_tool {
        let result = tool["content"].as_str().unwrap_or("").to_owned();
        let first = result.lines().next().unwrap_or("").to_owned();
        (format!("The tool said: {first}"), None)
    } else if user_text.contains("run-echo") {
        (
            "I will run it.".into(),
            Some((
                "Bash",
                json!({"command": "echo hello-from-tool", "description": "Run the requested command"}),
            )),
        )
    } else if let Some(at) = user_text.find("read-file ") {
        let path: String = user_text[at + 10..]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_owned();
        (
            "Reading it.".into(),
            Some(("Read", json!({"file_path": path}))),
        )
    } else {
        ("Hello from the mock model.".into(), None)
    };
    let prompt_tokens = serde_json::to_string(request)
        .map(|s| s.len() / 4)
        .unwrap_or(0);
    let finish = if call.is_some() { "tool_calls" } else { "stop" };
    let usage = json!({"prompt_tokens": prompt_tokens, "completion_tokens": 12, "total_tokens": prompt_tokens + 12});
    if json_only || request["stream"] != true {
        let mut message = json!({"role": "assistant", "content": text});
        if let Some((name, args)) = &call {
            message["tool_calls"] = json!([{"id": "call_1", "type": "function",
                "function": {"name": name, "arguments": args.to_string()}}]);
        }
        return Reply::Json(
            200,
            json!({"id": "chatcmpl-brain", "object": "chat.completion", "model": request["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage}),
        );
    }
    let chunk = |delta: serde_json::Value, finish: Option<&str>| {
        json!({"id": "chatcmpl-brain",
        "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut chunks = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
    for word in text.split_inclusive(' ') {
        chunks.push(chunk(json!({"content": word}), None));
    }
    if let Some((name, args)) = &call {
        let args = args.to_string();
        let (a, b) = args.split_at(args.len() / 2);
        chunks.push(chunk(
            json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
            "function": {"name": name, "arguments": a}}]}),
            None,
        ));
        chunks.push(chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": b}}]}),
            None,
        ));
    }
    chunks.push(chunk(json!({}), Some(finish)));
    chunks.push(json!({"id": "chatcmpl-brain", "object": "chat.completion.chunk", "choices": [], "usage": usage}));
    Reply::Sse(cut(&sse(&chunks), &[64, 17]), Duration::from_millis(1))
}
