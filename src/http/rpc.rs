//! Request bodies read the way the stdio transport reads its lines ([`crate::mcp::jsonrpc`]), before
//! rmcp sees them, so both transports answer bad input alike:
//!
//! - a body that is not a JSON-RPC message gets -32700 or -32600 (HTTP 400) carrying its id wherever
//!   the id can be read (rmcp answers these with `"id": null`);
//! - a known method with params it cannot take gets -32602 with the reason, an unknown method -32601
//!   naming the methods served (rmcp says only the bare method name, as -32601, for both);
//! - `initialize` inside a session that already has one is refused (rmcp would answer it again);
//! - in the 2026-07-28 revision (`_meta` carries `io.modelcontextprotocol/protocolVersion`) an unknown
//!   method is HTTP 404, and the methods that revision removed (`initialize`, `ping`,
//!   `logging/setLevel`, `resources/subscribe`, `resources/unsubscribe`) are left to rmcp, which
//!   answers them 404 -32601 as the revision asks;
//! - an id rmcp cannot hold as it was written (`18446744073709551616`, `1e300`, `-0`, a string with
//!   escapes) is swapped for a token on the way in and put back byte for byte on the way out.
//!
//! Everything else goes to rmcp unchanged.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::http::StatusCode;
use memchr::memmem;
use rmcp::RoleServer;
use rmcp::model::{CallToolRequest, ClientRequest, JsonRpcMessage, JsonRpcRequest, RequestId};
use rmcp::service::RxJsonRpcMessage;
use serde::Deserialize as _;
use serde_json::{Map, Value};

use crate::mcp::jsonrpc::{self, Decoded, Framing, RawId, Rejection, code};

/// What to do with one POST body.
#[derive(Debug)]
pub enum Gate {
    /// Hand the body to rmcp as it is.
    Pass,
    /// Hand rmcp `body` instead, and put the client's id back in the reply with `swap`.
    Swap { body: Bytes, swap: IdSwap },
    /// Answer with this error and HTTP status; rmcp never sees the body.
    Answer(Rejection, StatusCode),
    /// A notification that cannot be read: accepted (202) and dropped, as JSON-RPC asks.
    Accept,
}

/// A client id that rmcp cannot carry, and the token that stands in for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdSwap {
    /// The token as JSON text, quotes included (`"bem-id-…"`).
    token: String,
    /// The id as the client wrote it.
    raw: RawId,
}

impl IdSwap {
    fn new(raw: RawId) -> Self {
        static NONCE: OnceLock<u64> = OnceLock::new();
        static NEXT: AtomicU64 = AtomicU64::new(0);
        // A per-process nonce keeps a client from guessing (and so colliding with) the tokens.
        let nonce = *NONCE.get_or_init(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0x5eed, |d| d.as_nanos() as u64)
        });
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Self {
            token: format!("\"bem-id-{nonce:016x}-{n}\""),
            raw,
        }
    }

    /// `reply` with every occurrence of the token (a JSON string, so never part of another string)
    /// replaced by the client's id.
    pub fn restore(&self, reply: &[u8]) -> Vec<u8> {
        let token = self.token.as_bytes();
        let mut out = Vec::with_capacity(reply.len());
        let mut at = 0;
        for found in memmem::find_iter(reply, token) {
            out.extend_from_slice(&reply[at..found]);
            out.extend_from_slice(self.raw.as_str().as_bytes());
            at = found + token.len();
        }
        out.extend_from_slice(&reply[at..]);
        out
    }
}

/// Whether rmcp would write `raw` back differently (or not take it at all).
fn needs_swap(raw: &RawId) -> bool {
    match serde_json::from_str::<RequestId>(raw.as_str()) {
        Ok(id) => serde_json::to_string(&id).map_or(true, |text| text != raw.as_str()),
        Err(_) => true,
    }
}

/// Methods the 2026-07-28 revision removed; rmcp answers them in that revision.
const REMOVED_IN_2026: &[&str] = &[
    "initialize",
    "ping",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
];

/// Whether a request is of the 2026-07-28 revision: its `_meta` names a protocol version.
fn is_2026(message: &Map<String, Value>) -> bool {
    message
        .get("params")
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get("io.modelcontextprotocol/protocolVersion"))
        .is_some()
}

/// The HTTP status of an error answered here: the body was not a usable request (400); it was a
/// request of the 2026-07-28 revision for a method not served (404, as that revision asks); or it
/// was a request and the error is its reply (200).
fn status_of(rejection: &Rejection, revision_2026: bool) -> StatusCode {
    match rejection.code {
        code::PARSE_ERROR | code::INVALID_REQUEST => StatusCode::BAD_REQUEST,
        code::METHOD_NOT_FOUND if revision_2026 => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    }
}

/// An answer for a body that is not a usable request, or for a 2025-era request.
fn answer(rejection: Rejection) -> Gate {
    let status = status_of(&rejection, false);
    Gate::Answer(rejection, status)
}

/// Read one POST body. `in_session`: the request names a 2025-era session (which is initialized).
pub fn gate(body: &[u8], in_session: bool) -> Gate {
    match jsonrpc::decode_framed(body, Framing::BODY) {
        Decoded::Blank => answer(Rejection {
            id: None,
            code: code::PARSE_ERROR,
            message: "Parse error: the body is empty; send one JSON-RPC 2.0 message per POST"
                .into(),
        }),
        Decoded::Reject(rejection) => answer(rejection),
        Decoded::Drop(reason) => {
            tracing::debug!(reason, "dropped a malformed notification");
            Gate::Accept
        }
        Decoded::Notification { .. } | Decoded::Response(_) => Gate::Pass,
        Decoded::Request {
            id,
            method,
            mut message,
        } => {
            let revision_2026 = is_2026(&message);
            if method == "initialize" && in_session {
                return answer(Rejection {
                    id: Some(id),
                    code: code::INVALID_REQUEST,
                    message: "Invalid Request: this session is already initialized; send initialize without Mcp-Session-Id to open a new one".into(),
                });
            }
            if let Some(rejection) = jsonrpc::refuse_before_echo(&id, &method, &message) {
                return answer(rejection);
            }
            let left_to_rmcp = revision_2026 && REMOVED_IN_2026.contains(&method.as_str());
            let swap = needs_swap(&id).then(|| IdSwap::new(id.clone()));
            let stand_in = match &swap {
                Some(swap) => Value::String(swap.token.trim_matches('"').to_string()),
                None => Value::from(0),
            };
            message.insert("id".into(), stand_in);
            let message = Value::Object(message);
            match reading(&message, &method) {
                Reading::Custom if !left_to_rmcp => {
                    let Value::Object(message) = message else {
                        return Gate::Pass;
                    };
                    let rejection = jsonrpc::unrecognised(id, &method, &message);
                    let status = status_of(&rejection, revision_2026);
                    Gate::Answer(rejection, status)
                }
                Reading::Served | Reading::Custom => pass(&message, swap, id),
                Reading::Unreadable(_) if left_to_rmcp => pass(&message, swap, id),
                Reading::Unreadable(e) => invalid(id, &e),
            }
        }
    }
}

/// How rmcp reads a request (with the id it will be given).
#[derive(Debug)]
enum Reading {
    /// As a request of a method it serves.
    Served,
    /// As a custom request: a method it does not serve, or params that method cannot take.
    Custom,
    /// Not at all, for this reason.
    Unreadable(serde_json::Error),
}

/// How rmcp reads `message`. `tools/call`, nearly all of a busy server's traffic, is read as that one
/// request type when it can be; everything else (and a `tools/call` that does not read so) goes
/// through rmcp's whole message type, which buffers the message and tries every request type in turn.
fn reading(message: &Value, method: &str) -> Reading {
    if reads_as_tool_call(message, method) {
        return Reading::Served;
    }
    read_whole(message)
}

/// rmcp's own reading: its message type, as its transport deserializes every body.
fn read_whole(message: &Value) -> Reading {
    match RxJsonRpcMessage::<RoleServer>::deserialize(message) {
        Ok(JsonRpcMessage::Request(request))
            if matches!(request.request, ClientRequest::CustomRequest(_)) =>
        {
            Reading::Custom
        }
        Ok(_) => Reading::Served,
        Err(e) => Reading::Unreadable(e),
    }
}

/// Whether `message` is a `tools/call` request rmcp reads as one. rmcp's message type tries its
/// request types in order and every type before `CallToolRequest` names another method, so its
/// reading of a `tools/call` is `CallToolRequest` exactly when this type reads it. A message with
/// `result` or `error` as well is no request to rmcp (its shape check refuses it) and is left to
/// [`read_whole`].
fn reads_as_tool_call(message: &Value, method: &str) -> bool {
    method == "tools/call"
        && message.get("result").is_none()
        && message.get("error").is_none()
        && JsonRpcRequest::<CallToolRequest>::deserialize(message).is_ok()
}

/// Hand the request to rmcp: as it came, or with the token in place of the client's id.
fn pass(message: &Value, swap: Option<IdSwap>, id: RawId) -> Gate {
    match swap {
        None => Gate::Pass,
        Some(swap) => swapped(message, swap, id),
    }
}

/// The body rmcp gets with the token in place of the client's id.
fn swapped(message: &Value, swap: IdSwap, id: RawId) -> Gate {
    match serde_json::to_vec(message) {
        Ok(body) => Gate::Swap {
            body: Bytes::from(body),
            swap,
        },
        Err(e) => invalid(id, &e),
    }
}

/// -32600 for a request serde cannot take as what its method says, with serde's reason.
fn invalid(id: RawId, e: &serde_json::Error) -> Gate {
    answer(Rejection {
        id: Some(id),
        code: code::INVALID_REQUEST,
        message: format!(
            "Invalid Request: {}",
            jsonrpc::shorten_quotes(&e.to_string())
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &[u8]) -> Rejection {
        answered(body).0
    }

    fn answered(body: &[u8]) -> (Rejection, StatusCode) {
        match gate(body, true) {
            Gate::Answer(rejection, status) => (rejection, status),
            other => panic!("expected an answer, got {other:?}"),
        }
    }

    #[test]
    fn ids_rmcp_keeps_pass_and_others_are_swapped_and_restored() {
        assert!(matches!(
            gate(br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#, true),
            Gate::Pass
        ));
        assert!(matches!(
            gate(br#"{"jsonrpc":"2.0","id":"a","method":"ping"}"#, true),
            Gate::Pass
        ));
        for raw in ["18446744073709551616", "1e300", "-0", r#""\u0041""#] {
            let body = format!(r#"{{"jsonrpc":"2.0","id":{raw},"method":"ping"}}"#);
            let Gate::Swap { body, swap } = gate(body.as_bytes(), true) else {
                panic!("{raw}: expected a swap");
            };
            let sent: Value = serde_json::from_slice(&body).unwrap();
            let token = sent["id"].as_str().unwrap().to_string();
            let reply = format!(r#"data: {{"jsonrpc":"2.0","id":"{token}","result":{{}}}}"#);
            let restored = String::from_utf8(swap.restore(reply.as_bytes())).unwrap();
            assert_eq!(
                restored,
                format!(r#"data: {{"jsonrpc":"2.0","id":{raw},"result":{{}}}}"#)
            );
        }
    }

    #[test]
    fn bad_requests_get_the_codes_by_the_book_with_their_id() {
        let r =
            answer(br#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"arguments":[]}}"#);
        assert_eq!(
            (r.code, r.id.as_ref().map(RawId::as_str)),
            (code::INVALID_PARAMS, Some("8"))
        );
        assert!(r.message.contains("tools/call"), "{}", r.message);
        let r = answer(br#"{"jsonrpc":"2.0","id":9,"method":"no/such"}"#);
        assert_eq!(r.code, code::METHOD_NOT_FOUND);
        assert!(
            r.message.contains("tools/list"),
            "names the methods: {}",
            r.message
        );
        let r = answer(
            b"{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"ping\",\"params\":{\"s\":\"\xff\"}}",
        );
        assert_eq!(
            (r.code, r.id.as_ref().map(RawId::as_str)),
            (code::PARSE_ERROR, Some("11"))
        );
        assert!(r.message.contains("per POST"), "{}", r.message);
        let r = answer(br#"{"jsonrpc":"2.0","id":7,"method":"ping","params":{"x":1e400}}"#);
        assert_eq!(
            (r.code, r.id.as_ref().map(RawId::as_str)),
            (code::PARSE_ERROR, Some("7"))
        );
        let (r, status) = answered(b"  ");
        assert_eq!((r.code, r.id.is_none()), (code::PARSE_ERROR, true));
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    const META_2026: &str = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#;

    #[test]
    fn the_2026_revision_gets_404_for_unknown_methods_and_rmcp_answers_removed_ones() {
        let unknown = format!(
            r#"{{"jsonrpc":"2.0","id":601,"method":"unknown/method","params":{{{META_2026}}}}}"#
        );
        let (r, status) = answered(unknown.as_bytes());
        assert_eq!(
            (r.code, status),
            (code::METHOD_NOT_FOUND, StatusCode::NOT_FOUND)
        );
        let (_, status) = answered(br#"{"jsonrpc":"2.0","id":9,"method":"no/such"}"#);
        assert_eq!(status, StatusCode::OK, "2025-era errors stay in-band");
        for method in REMOVED_IN_2026 {
            let body = format!(
                r#"{{"jsonrpc":"2.0","id":500,"method":"{method}","params":{{{META_2026}}}}}"#
            );
            assert!(
                matches!(gate(body.as_bytes(), false), Gate::Pass),
                "{method}"
            );
        }
        let bad = format!(
            r#"{{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{{"arguments":[],{META_2026}}}}}"#
        );
        let (r, status) = answered(bad.as_bytes());
        assert_eq!((r.code, status), (code::INVALID_PARAMS, StatusCode::OK));
    }

    #[test]
    fn a_second_initialize_in_a_session_is_refused_a_first_passes() {
        let init = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
        assert!(matches!(gate(init, false), Gate::Pass));
        let r = answer(init);
        assert_eq!(r.code, code::INVALID_REQUEST);
        assert!(r.message.contains("already initialized"));
    }

    /// `tools/call` messages of every shape the cheap reading could meet: the load test's real
    /// questions, in both revisions, and every id, params, name, arguments, `_meta`, input-response
    /// and extra-member form a client may send, good or bad, crossed with one another.
    fn tool_call_corpus() -> Vec<Value> {
        let meta_2026 = serde_json::json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}
        });
        let mut params: Vec<Value> = include_str!("../../tests/retrieval/real_questions.tsv")
            .lines()
            .skip(1)
            .filter_map(|line| line.split('\t').nth(2))
            .flat_map(|question| {
                let call = serde_json::json!({
                    "name": "search_references",
                    "arguments": {"query": question, "limit": 5}
                });
                let mut with_meta = call.clone();
                with_meta["_meta"] = meta_2026.clone();
                [call, with_meta]
            })
            .collect();
        let odd = [
            r#"null"#,
            r#"[]"#,
            r#""tools""#,
            r#"7"#,
            r#"{}"#,
            r#"{"name":null}"#,
            r#"{"name":7}"#,
            r#"{"name":["search_references"]}"#,
            r#"{"name":""}"#,
            r#"{"name":"no_such_tool","arguments":{}}"#,
            r#"{"name":"search_references","arguments":null}"#,
            r#"{"name":"search_references","arguments":[]}"#,
            r#"{"name":"search_references","arguments":"query"}"#,
            r#"{"name":"search_references","arguments":{"query":1e300}}"#,
            r#"{"name":"search_references","arguments":{"query":"q"},"extra":true}"#,
            r#"{"name":"search_references","_meta":null}"#,
            r#"{"name":"search_references","_meta":[]}"#,
            r#"{"name":"search_references","_meta":"m"}"#,
            r#"{"name":"search_references","_meta":{"progressToken":1}}"#,
            r#"{"name":"search_references","_meta":{"progressToken":null}}"#,
            r#"{"name":"search_references","_meta":{"progressToken":{"a":1}}}"#,
            r#"{"name":"search_references","_meta":{"io.modelcontextprotocol/protocolVersion":7}}"#,
            r#"{"name":"search_references","_meta":{"io.modelcontextprotocol/clientCapabilities":[]}}"#,
            r#"{"name":"search_references","inputResponses":{}}"#,
            r#"{"name":"search_references","inputResponses":[]}"#,
            r#"{"name":"search_references","inputResponses":{"k":{"action":"accept"}}}"#,
            r#"{"name":"search_references","inputResponses":{"k":7}}"#,
            r#"{"name":"search_references","requestState":"opaque"}"#,
            r#"{"name":"search_references","requestState":7}"#,
            r#"{"name":"search_references","requestState":null}"#,
            r#"{"name":"search_references","task":{"ttl":1000}}"#,
        ];
        let ids = [
            r#"0"#,
            r#""bem-id-00-1""#,
            r#"-3"#,
            r#"1.5"#,
            r#"null"#,
            r#"{}"#,
        ];
        let extras = [
            r#"{}"#,
            r#"{"result":{}}"#,
            r#"{"error":{"code":1,"message":"m"}}"#,
            r#"{"result":null}"#,
            r#"{"other":1}"#,
            r#"{"jsonrpc":"1.0"}"#,
        ];
        let real = params.len();
        params.extend(
            odd.iter()
                .map(|text| serde_json::from_str::<Value>(text).unwrap()),
        );
        let mut corpus = Vec::new();
        // Every real-question call with a plain id and no extras; every odd form (and no params at
        // all) crossed with every id and every extra.
        let forms = params.iter().map(Some).chain([None]).enumerate();
        for (n, form) in forms {
            for (i, id) in ids.iter().enumerate() {
                for (e, extra) in extras.iter().enumerate() {
                    if n < real && (i, e) != (0, 0) {
                        continue;
                    }
                    let mut message = serde_json::json!({
                        "jsonrpc": "2.0",
                        "method": "tools/call",
                        "id": serde_json::from_str::<Value>(id).unwrap(),
                    });
                    if let Some(form) = form {
                        message["params"] = form.clone();
                    }
                    let extra: Map<String, Value> = serde_json::from_str(extra).unwrap();
                    for (key, value) in extra {
                        message[key] = value;
                    }
                    corpus.push(message);
                }
            }
        }
        corpus
    }

    #[test]
    fn the_cheap_reading_of_tool_calls_agrees_with_rmcps_whole_reading() {
        let corpus = tool_call_corpus();
        let mut cheap = 0;
        for message in &corpus {
            let whole = read_whole(message);
            let fast = reads_as_tool_call(message, "tools/call");
            assert_eq!(
                fast,
                matches!(whole, Reading::Served),
                "rmcp reads {message} as {whole:?}"
            );
            cheap += usize::from(fast);
        }
        // The real questions (both revisions) and the good odd forms take the cheap way; the bad
        // ones and every message with `result` or `error` do not.
        assert!(
            cheap >= 318,
            "{cheap} of {} read the cheap way",
            corpus.len()
        );
        assert!(
            cheap < corpus.len(),
            "some messages must not read as tool calls"
        );
        assert!(!reads_as_tool_call(&corpus[0], "tools/list"));
    }

    #[test]
    fn unreadable_notifications_are_accepted_and_dropped() {
        assert!(matches!(
            gate(
                br#"{"jsonrpc":"1.0","method":"notifications/initialized"}"#,
                true
            ),
            Gate::Accept
        ));
        assert!(matches!(
            gate(
                br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
                true
            ),
            Gate::Pass
        ));
    }
}
