//! The layer closest to MCP: reads the POST body under the size cap (413 beyond it), notes the
//! MCP method and tool for the logs and metrics, and times the operation until its response has
//! been sent, classifying the outcome from the HTTP status and the response itself.
//!
//! The outcome comes from the bytes the server sends: a result with `"isError":true` is a tool
//! error and a `"error":{"code"` member is a JSON-RPC error. serde_json writes those keys without
//! spaces, and inside a JSON string every quote is escaped, so tool text cannot fake either.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;
use memchr::memmem;

use super::app::AppState;
use super::metrics::OperationLabels;
use super::observe::valid_traceparent;
use super::rpc::{self, Gate};
use crate::mcp::jsonrpc::Rejection;

/// The MCP methods a metric label may name; anything else is `other`.
const METHODS: &[&str] = &[
    "initialize",
    "ping",
    "server/discover",
    "tools/list",
    "tools/call",
    "prompts/list",
    "prompts/get",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "completion/complete",
    "logging/setLevel",
    "skills/list",
    "skills/get",
    "notifications/initialized",
    "notifications/cancelled",
    "notifications/progress",
    "notifications/roots/list_changed",
];

#[derive(serde::Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow)]
    params: Option<Params<'a>>,
}

#[derive(serde::Deserialize)]
struct Params<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(rename = "_meta", borrow)]
    meta: Option<Meta<'a>>,
}

#[derive(serde::Deserialize)]
struct Meta<'a> {
    #[serde(borrow)]
    traceparent: Option<Cow<'a, str>>,
}

/// What the request body says, as bounded labels.
struct Described {
    method: &'static str,
    tool: String,
    traceparent: Option<String>,
}

fn describe(body: &[u8], tools: &std::collections::HashSet<String>) -> Described {
    let Ok(envelope) = serde_json::from_slice::<Envelope<'_>>(body) else {
        return Described {
            method: "unparsed",
            tool: String::new(),
            traceparent: None,
        };
    };
    let method = envelope
        .method
        .as_deref()
        .and_then(|m| METHODS.iter().find(|known| **known == m).copied())
        .unwrap_or(if envelope.method.is_some() {
            "other"
        } else {
            "response"
        });
    let params = envelope.params.as_ref();
    let tool = match (method, params.and_then(|p| p.name.as_deref())) {
        ("tools/call", Some(name)) if tools.contains(name) => name.to_string(),
        ("tools/call", _) => "unknown".to_string(),
        _ => String::new(),
    };
    let traceparent = params
        .and_then(|p| p.meta.as_ref())
        .and_then(|m| m.traceparent.as_deref())
        .filter(|tp| valid_traceparent(tp))
        .map(str::to_string);
    Described {
        method,
        tool,
        traceparent,
    }
}

const TOOL_ERROR: &[u8] = b"\"isError\":true";
const RPC_ERROR: &[u8] = b"\"error\":{\"code\"";
const CARRY: usize = 16;

/// Finds the error markers in a byte stream that arrives in chunks of any size.
#[derive(Default)]
struct Scanner {
    tool_error: bool,
    rpc_error: bool,
    /// The last bytes seen, so a marker split across chunks is still found.
    carry: Vec<u8>,
}

impl Scanner {
    fn scan(&mut self, chunk: &[u8]) {
        let mut seam = std::mem::take(&mut self.carry);
        seam.extend_from_slice(&chunk[..chunk.len().min(CARRY)]);
        self.note(&seam);
        self.note(chunk);
        self.carry = if chunk.len() >= CARRY {
            chunk[chunk.len() - CARRY..].to_vec()
        } else {
            seam[seam.len().saturating_sub(CARRY)..].to_vec()
        };
    }

    fn note(&mut self, bytes: &[u8]) {
        self.tool_error |= memmem::find(bytes, TOOL_ERROR).is_some();
        self.rpc_error |= memmem::find(bytes, RPC_ERROR).is_some();
    }
}

/// Records the operation when the response body is done (or dropped).
struct Tracker {
    state: Arc<AppState>,
    started: Instant,
    method: &'static str,
    tool: String,
    status: StatusCode,
    scanner: Scanner,
}

impl Drop for Tracker {
    fn drop(&mut self) {
        let error_type = if self.status.is_client_error() || self.status.is_server_error() {
            self.status.as_u16().to_string()
        } else if self.scanner.rpc_error {
            "jsonrpc_error".to_string()
        } else if self.scanner.tool_error {
            "tool_error".to_string()
        } else {
            String::new()
        };
        self.state.metrics.observe(
            OperationLabels {
                mcp_method_name: self.method.to_string(),
                gen_ai_tool_name: std::mem::take(&mut self.tool),
                error_type,
            },
            self.started.elapsed().as_secs_f64(),
        );
    }
}

/// Why a body was not read.
enum BodyError {
    /// Longer than the limit.
    TooLarge,
    /// The connection failed while reading.
    Unreadable(axum::Error),
}

/// How much of a refused body is read and thrown away before the 413 goes out (four times the
/// limit), and for how long at most.
fn drain_limit(max: usize) -> usize {
    max.saturating_mul(4)
}
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// The body if it is at most `max` bytes. A longer one is read on, unkept, until it ends, `drain`
/// bytes in all have been read, or [`DRAIN_TIME`] passes: a client that writes the whole body
/// before reading then sees the 413 (as nginx's lingering close does it).
async fn read_capped(body: Body, max: usize, drain: usize) -> Result<Bytes, BodyError> {
    let mut body = body;
    let mut kept = Vec::new();
    let mut seen = 0usize;
    loop {
        match body.frame().await {
            None => break,
            Some(Err(e)) => return Err(BodyError::Unreadable(e)),
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    seen = seen.saturating_add(data.len());
                    if seen > max {
                        break;
                    }
                    kept.extend_from_slice(data);
                }
            }
        }
    }
    if seen <= max {
        return Ok(Bytes::from(kept));
    }
    drop(kept);
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while seen <= drain {
            match body.frame().await {
                Some(Ok(frame)) => {
                    seen = seen.saturating_add(frame.data_ref().map_or(0, |d| d.len()));
                }
                Some(Err(_)) | None => break,
            }
        }
    })
    .await;
    Err(BodyError::TooLarge)
}

fn too_large(state: &AppState) -> Response {
    state.metrics.reject("payload_too_large");
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "Payload Too Large: the limit is {} bytes\n",
            state.config.max_body_bytes
        ),
    )
        .into_response()
}

/// A JSON-RPC error answered by this layer (`id` null: the request's id cannot be trusted).
fn rpc_error(code: i64, message: String) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": code, "message": message},
    });
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// An error the [`rpc`] gate answers, as JSON.
fn answer(rejection: &Rejection, status: StatusCode) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        rejection.to_line(),
    )
        .into_response()
}

/// Longest reply whose id is put back (the reply is read whole for it; only requests whose id rmcp
/// cannot carry as written take this path).
const MAX_SWAPPED_REPLY_BYTES: usize = 64 * 1024 * 1024;

/// `response` with the client's own id where the gate's token stood.
async fn restore_id(response: Response, swap: &rpc::IdSwap) -> Response {
    let (mut parts, body) = response.into_parts();
    match axum::body::to_bytes(body, MAX_SWAPPED_REPLY_BYTES).await {
        Ok(bytes) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(swap.restore(&bytes)))
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read a reply to put its id back");
            let mut response = rpc_error(
                -32603,
                format!(
                    "Internal error: the reply could not be read whole (over {MAX_SWAPPED_REPLY_BYTES} bytes?); use an id of at most 18 digits or a plain string"
                ),
            );
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    }
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        })
}

/// Middleware on `/mcp`.
pub async fn track(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    // rmcp answers DELETE for any session id 202, known or not; an unknown session is 404, as on
    // every other request.
    if request.method() == Method::DELETE
        && let Some(id) = request
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
        && state.has_session(id).await == Some(false)
    {
        return (StatusCode::NOT_FOUND, "Not Found: Session not found\n").into_response();
    }
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let max = state.config.max_body_bytes;
    if declared.is_some_and(|n| n > max as u64) {
        // Read what a client may still be writing (up to a bound) so that it gets to read the 413
        // instead of a broken pipe; a body declared far past the bound is not waited for.
        if declared.is_some_and(|n| n <= drain_limit(max) as u64) {
            let _ = read_capped(body, max, drain_limit(max)).await;
        }
        return too_large(&state);
    }
    let bytes: Bytes = match read_capped(body, max, drain_limit(max)).await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge) => return too_large(&state),
        Err(BodyError::Unreadable(e)) => {
            tracing::info!(error = %e, "could not read the request body");
            return (
                StatusCode::BAD_REQUEST,
                "Bad Request: the body could not be read\n",
            )
                .into_response();
        }
    };
    let json_body = is_json(&parts.headers);
    let described = describe(&bytes, &state.tools);
    let span = tracing::Span::current();
    span.record("mcp_method", described.method);
    if !described.tool.is_empty() {
        span.record("tool", described.tool.as_str());
    }
    if let Some(tp) = &described.traceparent
        && parts.headers.get("traceparent").is_none()
    {
        span.record("traceparent", tp.as_str());
    }
    if described.method == "initialize"
        && let Some(count) = state.session_count()
        && count >= state.config.max_sessions
    {
        state.metrics.reject("too_many_sessions");
        let mut response = (
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable: the server holds its maximum number of sessions\n",
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return response;
    }
    let in_session = parts.headers.contains_key("mcp-session-id");
    let response = match rpc::gate(&bytes, in_session) {
        // rmcp answers a body that is no JSON-RPC message with 415 although the media type was
        // right; the gate answers those (and the rest of bad input) as stdio does, with the id.
        Gate::Answer(rejection, status) if json_body => answer(&rejection, status),
        Gate::Accept if json_body => StatusCode::ACCEPTED.into_response(),
        Gate::Swap { body, swap } if json_body => {
            let response = next.run(Request::from_parts(parts, Body::from(body))).await;
            restore_id(response, &swap).await
        }
        _ => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    };
    let mut tracker = Tracker {
        state: state.clone(),
        started,
        method: described.method,
        tool: described.tool,
        status: response.status(),
        scanner: Scanner::default(),
    };
    response.map(|body| {
        Body::new(body.map_frame(move |frame| {
            if let Some(data) = frame.data_ref() {
                tracker.scanner.scan(data);
            }
            frame
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tools() -> std::collections::HashSet<String> {
        ["search_references".to_string()].into_iter().collect()
    }

    #[test]
    fn labels_are_bounded_to_known_methods_and_tools() {
        let d = describe(
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_references","_meta":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}}"#,
            &tools(),
        );
        assert_eq!(
            (d.method, d.tool.as_str()),
            ("tools/call", "search_references")
        );
        assert!(d.traceparent.is_some());
        let d = describe(
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x\u0000evil"}}"#,
            &tools(),
        );
        assert_eq!((d.method, d.tool.as_str()), ("tools/call", "unknown"));
        let d = describe(br#"{"jsonrpc":"2.0","id":1,"method":"made/up"}"#, &tools());
        assert_eq!(d.method, "other");
        assert_eq!(describe(b"{not json", &tools()).method, "unparsed");
        assert_eq!(
            describe(br#"[{"jsonrpc":"2.0"}]"#, &tools()).method,
            "unparsed"
        );
    }

    #[test]
    fn error_markers_are_found_across_chunk_seams() {
        let text = br#"data: {"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":true}}"#;
        for split in 1..text.len() {
            let mut scanner = Scanner::default();
            scanner.scan(&text[..split]);
            scanner.scan(&text[split..]);
            assert!(scanner.tool_error && !scanner.rpc_error, "split at {split}");
        }
        for size in [1, 2, 3, 7] {
            let mut scanner = Scanner::default();
            for chunk in br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602}}"#.chunks(size) {
                scanner.scan(chunk);
            }
            assert!(scanner.rpc_error && !scanner.tool_error, "chunks of {size}");
        }
    }

    #[test]
    fn escaped_markers_inside_text_do_not_count() {
        let text = serde_json::to_vec(&serde_json::json!({
            "result": {"content": [{"type": "text", "text": "{\"isError\":true, \"error\":{\"code\":1}}"}]}
        }))
        .unwrap();
        assert!(memmem::find(&text, TOOL_ERROR).is_none());
        assert!(memmem::find(&text, RPC_ERROR).is_none());
    }
}
