//! The axum application: one router for the gateway API, the dashboard, health and metrics.

mod errors;
mod health;
mod trace;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::FromRef;
use axum::http::HeaderName;
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::gateway::pool::Pools;
use crate::key_usage::KeyUsage;
use crate::log_writer::LogWriter;
use crate::web::Throttle;
use axum_extra::extract::cookie::Key;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub pool: store::PgPool,
    pub config: Arc<Config>,
    pub keyring: auth::Keyring,
    /// The one pooled client for every upstream call.
    pub http: reqwest::Client,
    pub logs: LogWriter,
    /// Key selection and health, shared by every request of this process.
    pub pools: Arc<Pools>,
    pub started: Instant,
    /// Signs and encrypts private cookies (the pending GitHub sign-in).
    pub cookie_key: Key,
    /// Failed password sign-ins, per account and address.
    pub throttle: Arc<Throttle>,
    /// The client for GitHub's OAuth and user endpoints (redirects off).
    pub github_http: reqwest::Client,
    /// Last use of `ak-` keys, flushed to the database periodically.
    pub key_usage: Arc<KeyUsage>,
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Key {
        state.cookie_key.clone()
    }
}

impl AppState {
    pub fn new(
        pool: store::PgPool,
        config: Config,
        keyring: auth::Keyring,
        logs: LogWriter,
    ) -> Self {
        let timeout = std::time::Duration::from_secs(config.upstream_timeout_secs);
        let http = crate::gateway::upstream::client(config.allow_private_upstreams, timeout);
        let pools = Arc::new(Pools::new(&config));
        let cookie_key = Key::from(&keyring.cookie_key());
        Self {
            pool,
            config: Arc::new(config),
            keyring,
            http,
            logs,
            pools,
            started: Instant::now(),
            cookie_key,
            throttle: Arc::new(Throttle::default()),
            github_http: crate::web::github_client(),
            key_usage: Arc::new(KeyUsage::default()),
        }
    }
}

/// The whole route table.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let sensitive = [
        AUTHORIZATION,
        COOKIE,
        SET_COOKIE,
        HeaderName::from_static("x-api-key"),
    ];
    Router::new()
        .merge(health::router())
        .merge(crate::gateway::router())
        .merge(crate::web::router(&state))
        .fallback(errors::not_found)
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveHeadersLayer::new(sensitive))
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(trace::make_span))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(axum::middleware::map_response(
                    errors::anthropic_shape_for_bare_errors,
                ))
                .layer(RequestBodyLimitLayer::new(state.config.max_body_bytes)),
        )
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets in-flight requests
/// finish (at most `grace`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    // Small SSE frames must leave at once, not wait for Nagle's algorithm.
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::warn!("could not set TCP_NODELAY: {err}");
        }
    });
    let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
    // The peer address feeds the per-address sign-in throttle.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stopped_tx.send(());
    });
    let server = std::pin::pin!(server.into_future());
    tokio::select! {
        result = server => result,
        () = async {
            let _ = stopped_rx.await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("requests still running after {grace:?}; stopping anyway");
            Ok(())
        }
    }
}
