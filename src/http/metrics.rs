//! Prometheus metrics (OpenMetrics text at `/metrics`), named after OpenTelemetry's MCP semantic
//! conventions: `mcp.server.operation.duration` becomes `mcp_server_operation_duration_seconds`,
//! labelled by `mcp_method_name`, `gen_ai_tool_name` and `error_type` (empty on success;
//! `tool_error` for a tool result with `isError: true`, `jsonrpc_error` for a JSON-RPC error, else
//! the HTTP status). Its `_count` is the request rate per method and tool. Rejections before MCP
//! (auth, rate limit, overload, body size, timeout) count in `mcp_server_rejections_total`.

use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::app::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub mcp_method_name: String,
    pub gen_ai_tool_name: String,
    pub error_type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RejectionLabels {
    reason: String,
}

/// Seconds; fine at the low end, where this server lives, up to the request timeout.
const BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0,
];

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The registry and the families in it.
pub struct Metrics {
    registry: Registry,
    operations: Family<OperationLabels, Histogram, fn() -> Histogram>,
    rejections: Family<RejectionLabels, Counter>,
    active: Gauge<i64, AtomicI64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let operations =
            Family::<OperationLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                histogram,
            );
        registry.register(
            "mcp_server_operation_duration_seconds",
            "Duration of MCP requests as the server saw them, by method, tool and error type",
            operations.clone(),
        );
        let rejections = Family::<RejectionLabels, Counter>::default();
        registry.register(
            "mcp_server_rejections",
            "Requests refused before reaching MCP, by reason",
            rejections.clone(),
        );
        let active = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "http_server_active_requests",
            "HTTP requests being served now",
            active.clone(),
        );
        Self {
            registry,
            operations,
            rejections,
            active,
        }
    }

    pub fn observe(&self, labels: OperationLabels, seconds: f64) {
        self.operations.get_or_create(&labels).observe(seconds);
    }

    pub fn reject(&self, reason: &str) {
        self.rejections
            .get_or_create(&RejectionLabels {
                reason: reason.to_string(),
            })
            .inc();
    }

    pub fn active(&self) -> &Gauge<i64, AtomicI64> {
        &self.active
    }

    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// `GET /metrics`.
pub async fn serve_metrics(State(state): State<Arc<AppState>>) -> Response {
    match state.metrics.render() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "metrics encoding failed\n",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_render_under_their_otel_names() {
        let m = Metrics::new();
        m.observe(
            OperationLabels {
                mcp_method_name: "tools/call".into(),
                gen_ai_tool_name: "search_references".into(),
                error_type: "tool_error".into(),
            },
            0.002,
        );
        m.reject("rate_limited");
        let text = m.render().unwrap();
        assert!(text.contains("mcp_server_operation_duration_seconds_count{mcp_method_name=\"tools/call\",gen_ai_tool_name=\"search_references\",error_type=\"tool_error\"} 1"), "{text}");
        assert!(
            text.contains("mcp_server_rejections_total{reason=\"rate_limited\"} 1"),
            "{text}"
        );
    }
}
