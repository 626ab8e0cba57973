//! The axum router: `/mcp` (rmcp's streamable HTTP service behind the limit, auth, rate-limit
//! and operation layers), `/metrics`, `/healthz`, `/readyz` and the RFC 9728 metadata, all inside
//! the request-id and logging layer.

use std::collections::HashSet;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Bytes;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use http_body_util::combinators::BoxBody;
use rmcp::transport::streamable_http_server::session::SessionManager;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::config::HttpConfig;
use super::metrics::Metrics;
use super::rate_limit::Limiter;
use super::{auth, health, limits, metrics, observe, operation, rate_limit};
use crate::mcp::BackendEngineeringServer;

/// Everything the layers share.
pub struct AppState {
    pub config: HttpConfig,
    pub metrics: Metrics,
    pub limiter: Option<Limiter>,
    pub concurrency: Arc<Semaphore>,
    /// Set once the search index is built; cleared when shutdown begins.
    pub ready: AtomicBool,
    /// Tool names, so that metric labels only ever name real tools.
    pub tools: HashSet<String>,
    /// Cancelled to end every MCP session and stream (at shutdown).
    pub mcp_shutdown: CancellationToken,
    server: BackendEngineeringServer,
    sessions: Option<Arc<LocalSessionManager>>,
}

impl AppState {
    pub fn new(config: HttpConfig, server: BackendEngineeringServer) -> Arc<Self> {
        let tools = server
            .tool_definitions()
            .into_iter()
            .map(|t| t.name.to_string())
            .collect();
        let sessions = (!config.stateless).then(|| Arc::new(LocalSessionManager::default()));
        Arc::new(Self {
            metrics: Metrics::new(),
            limiter: config.rate_limit.map(Limiter::new),
            concurrency: Arc::new(Semaphore::new(config.max_concurrent)),
            ready: AtomicBool::new(false),
            tools,
            mcp_shutdown: CancellationToken::new(),
            server,
            sessions,
            config,
        })
    }

    /// Live 2025-era sessions (`None` in stateless mode).
    pub fn session_count(&self) -> Option<usize> {
        let sessions = self.sessions.as_ref()?;
        Some(sessions.sessions.try_read().map(|s| s.len()).unwrap_or(0))
    }

    /// Whether a 2025-era session is open (`None` in stateless mode).
    pub async fn has_session(&self, id: &str) -> Option<bool> {
        let sessions = self.sessions.as_ref()?;
        Some(sessions.sessions.read().await.contains_key(id))
    }

    fn mcp_config(&self) -> StreamableHttpServerConfig {
        StreamableHttpServerConfig::default()
            .with_allowed_hosts(self.config.allowed_hosts.clone())
            .with_allowed_origins(self.config.allowed_origins.clone())
            .enforce_origin_validation()
            .with_legacy_session_mode(!self.config.stateless)
            .with_json_response(true)
            .with_max_request_body_bytes(self.config.max_body_bytes)
            .with_cancellation_token(self.mcp_shutdown.child_token())
    }
}

/// rmcp's service behind an `Arc`. Its own `Service::call` clones the whole service, its config
/// included (host and origin lists, a cancellation token), and the router clones it once more,
/// for every request; here each request clones one pointer and calls [`StreamableHttpService::handle`].
struct Shared<S, M>(Arc<StreamableHttpService<S, M>>);

impl<S, M> Clone for Shared<S, M> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<S, M> tower::Service<axum::extract::Request> for Shared<S, M>
where
    S: rmcp::ServerHandler + Send + 'static,
    M: SessionManager,
{
    type Response = axum::response::Response<BoxBody<Bytes, Infallible>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: axum::extract::Request) -> Self::Future {
        let service = self.0.clone();
        Box::pin(async move { Ok(service.handle(request).await) })
    }
}

/// The whole HTTP application.
pub fn app(state: Arc<AppState>) -> Router {
    let server = state.server.clone();
    let factory = move || Ok(server.for_session());
    let mcp: Router<Arc<AppState>> = match &state.sessions {
        Some(sessions) => Router::new().route_service(
            "/mcp",
            Shared(Arc::new(StreamableHttpService::new(
                factory,
                sessions.clone(),
                state.mcp_config(),
            ))),
        ),
        None => Router::new().route_service(
            "/mcp",
            Shared(Arc::new(StreamableHttpService::new(
                factory,
                Arc::new(NeverSessionManager::default()),
                state.mcp_config(),
            ))),
        ),
    };
    let mcp = mcp
        .layer(from_fn_with_state(state.clone(), operation::track))
        .layer(from_fn_with_state(state.clone(), rate_limit::limit_rate))
        .layer(from_fn_with_state(state.clone(), auth::require_auth))
        .layer(from_fn_with_state(state.clone(), limits::limit));
    let scrape = Router::new()
        .route("/metrics", get(metrics::serve_metrics))
        .layer(from_fn_with_state(state.clone(), auth::require_auth));
    Router::new()
        .merge(mcp)
        .merge(scrape)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route(auth::METADATA_PATH, get(auth::resource_metadata))
        .route(
            &format!("{}/mcp", auth::METADATA_PATH),
            get(auth::resource_metadata),
        )
        .layer(from_fn_with_state(state.clone(), observe::observe))
        .with_state(state)
}
