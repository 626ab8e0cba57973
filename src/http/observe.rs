//! The outermost layer: a request id on every response and log line, `traceparent` carried into
//! the logs, one access log line per request, and the in-flight gauge.
//!
//! The id is the caller's `X-Request-Id` when it is short and plain (so a proxy's id carries
//! through), else a fresh UUID; it is sent back as `X-Request-Id`. Everything logged while the
//! request is served sits in a span with the id, the method, the path, the W3C `traceparent`
//! (from the header, or from the MCP request's `_meta`), and once known the MCP method, tool and
//! authenticated subject. Credentials are never recorded.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header::HeaderName};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;
use tracing::field::Empty;

use super::app::AppState;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A caller-supplied id worth keeping: 1 to 64 characters of `[A-Za-z0-9._-]`.
fn plain_id(value: &HeaderValue) -> Option<&str> {
    let text = value.to_str().ok()?;
    (!text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')))
    .then_some(text)
}

/// A W3C trace context `traceparent`: `vv-<32 hex>-<16 hex>-ff`, not all-zero ids.
pub fn valid_traceparent(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    parts.len() >= 4
        && hex(parts[0], 2)
        && parts[0] != "ff"
        && hex(parts[1], 32)
        && parts[1].bytes().any(|b| b != b'0')
        && hex(parts[2], 16)
        && parts[2].bytes().any(|b| b != b'0')
        && hex(parts[3], 2)
        && (parts.len() == 4 || parts[0] != "00")
}

struct Active<'a>(&'a AppState);

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.metrics.active().dec();
    }
}

/// Middleware around every route.
pub async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(plain_id)
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let span = tracing::info_span!(
        "http",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
        traceparent = Empty,
        mcp_method = Empty,
        tool = Empty,
        subject = Empty,
    );
    if let Some(tp) = request
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .filter(|tp| valid_traceparent(tp))
    {
        span.record("traceparent", tp);
    }
    let started = Instant::now();
    state.metrics.active().inc();
    let _active = Active(&state);
    let mut response = next.run(request).instrument(span.clone()).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            micros = started.elapsed().as_micros() as u64,
            "request"
        )
    });
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_follows_the_w3c_shape() {
        assert!(valid_traceparent(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        ));
        assert!(!valid_traceparent(
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01"
        ));
        assert!(!valid_traceparent(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"
        ));
        assert!(!valid_traceparent("garbage"));
        assert!(!valid_traceparent(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"
        ));
    }

    #[test]
    fn only_plain_request_ids_are_kept() {
        assert_eq!(
            plain_id(&HeaderValue::from_static("abc-123_x.y")),
            Some("abc-123_x.y")
        );
        assert_eq!(plain_id(&HeaderValue::from_static("has space")), None);
        assert_eq!(plain_id(&HeaderValue::from_static("")), None);
        let long = "a".repeat(65);
        assert_eq!(plain_id(&HeaderValue::from_str(&long).unwrap()), None);
    }
}
