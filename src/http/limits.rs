//! A cap on requests served at once (503 with `Retry-After` when full) and a time limit per
//! request (504). The concurrency permit is held until the response body is fully sent, so a
//! streamed answer still counts against the cap while it streams.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;

use super::app::AppState;

/// Middleware on `/mcp`.
pub async fn limit(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let Ok(permit) = state.concurrency.clone().try_acquire_owned() else {
        state.metrics.reject("overloaded");
        tracing::warn!(
            limit = state.config.max_concurrent,
            "rejected: too many requests at once"
        );
        let mut response = (
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable: too many requests at once; retry shortly\n",
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    };
    // A GET opens a standing event stream: it counts while it is being opened, not for its life.
    let hold_for_body = request.method() == axum::http::Method::POST;
    match tokio::time::timeout(state.config.request_timeout, next.run(request)).await {
        Ok(response) if !hold_for_body => response,
        Ok(response) => response.map(|body| {
            Body::new(body.map_frame(move |frame| {
                let _held = &permit;
                frame
            }))
        }),
        Err(_) => {
            state.metrics.reject("timeout");
            tracing::warn!(
                seconds = state.config.request_timeout.as_secs(),
                "rejected: request timed out"
            );
            (
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "Gateway Timeout: the request took longer than {} s\n",
                    state.config.request_timeout.as_secs()
                ),
            )
                .into_response()
        }
    }
}
