//! Binding, serving and shutting down.
//!
//! On SIGTERM or SIGINT: `/readyz` turns 503 (load balancers stop sending), the listener stops
//! accepting, in-flight requests finish, then MCP sessions and their streams are closed. Whatever
//! is still open when the grace period ends is dropped, and the process exits 0.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::app::{AppState, app};
use super::config::HttpConfig;
use crate::content::Skill;
use crate::mcp::BackendEngineeringServer;
use crate::search::SharedIndex;

/// How often idle rate-limit buckets are dropped.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Why serving stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("could not listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("serving HTTP: {0}")]
    Serve(std::io::Error),
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => tracing::info!("SIGINT: shutting down"),
        _ = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}

/// Serve until a shutdown signal.
pub async fn serve(config: HttpConfig) -> Result<(), ServeError> {
    let started = std::time::Instant::now();
    let skill = Skill::get();
    let index = SharedIndex::build_in_background(skill);
    let server = BackendEngineeringServer::with_index(skill, index.clone());
    let listen = config.listen;
    let grace = config.shutdown_grace;
    let state = AppState::new(config, server);

    let readiness = state.clone();
    tokio::task::spawn_blocking(move || match index.get() {
        Ok(_) => readiness.ready.store(true, Ordering::Release),
        Err(e) => {
            tracing::error!(error = %e, "the search index failed to build; /readyz stays 503")
        }
    });
    if let Some(limiter) = &state.limiter {
        let _ = limiter;
        let pruning = Arc::downgrade(&state);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PRUNE_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(state) = pruning.upgrade() else {
                    break;
                };
                if let Some(limiter) = &state.limiter {
                    let clients = limiter.prune();
                    tracing::debug!(clients, "pruned idle rate-limit buckets");
                }
            }
        });
    }

    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| ServeError::Bind(listen, e))?;
    let local = listener.local_addr().map_err(ServeError::Serve)?;
    tracing::info!(
        micros = started.elapsed().as_micros() as u64,
        url = %format!("http://{local}/mcp"),
        stateless = state.config.stateless,
        auth = state.config.auth.is_enabled(),
        rate_limit = ?state.config.rate_limit,
        "ready: serving MCP over streamable HTTP"
    );

    let (begun_tx, begun_rx) = tokio::sync::oneshot::channel::<()>();
    let draining = state.clone();
    let graceful = async move {
        shutdown_signal().await;
        draining.ready.store(false, Ordering::Release);
        let _ = begun_tx.send(());
        // Every in-flight POST holds a permit until its answer is sent: once all are back, nothing
        // is being answered and the sessions (and their open streams) can close.
        let permits = u32::try_from(draining.config.max_concurrent).unwrap_or(u32::MAX);
        let _all = draining.concurrency.acquire_many(permits).await;
        draining.mcp_shutdown.cancel();
    };
    let serving = axum::serve(
        listener,
        app(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(graceful)
    .into_future();
    let deadline = async move {
        if begun_rx.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = serving => result.map_err(ServeError::Serve)?,
        _ = deadline => {
            state.mcp_shutdown.cancel();
            tracing::warn!(seconds = grace.as_secs(), "grace period over; dropping open connections");
        }
    }
    tracing::info!("stopped");
    Ok(())
}
