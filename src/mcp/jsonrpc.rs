//! Reading one JSON-RPC 2.0 line the way the specification asks, before rmcp sees it.
//!
//! - the request id is kept as the exact text the client sent (`18446744073709551616`, `1e300`, a long
//!   string), so the reply carries the client's own id back byte for byte;
//! - a line that cannot be parsed still gets its id when a cheap scan of the top-level object finds
//!   one ([`IdScanner`], which also runs over lines too long to buffer);
//! - errors use the codes by the book: -32700 (not JSON, not UTF-8, duplicate keys, a number out of
//!   range), -32600 (JSON but not a request), -32601 (no such method), -32602 (a known method with
//!   params it cannot take), each with a short reason and never more than a short prefix of a bad value.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

pub use crate::quote::{QUOTE_CHARS, quote, shorten_quotes};

/// JSON-RPC error codes.
pub mod code {
    /// The line is not JSON the server can read.
    pub const PARSE_ERROR: i64 = -32700;
    /// JSON, but not a JSON-RPC request object.
    pub const INVALID_REQUEST: i64 = -32600;
    /// No such method.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// The method exists; its params are wrong.
    pub const INVALID_PARAMS: i64 = -32602;
    /// Implementation-defined server error: too many requests in flight.
    pub const SERVER_BUSY: i64 = -32000;
}

/// Longest id accepted, in bytes of its JSON text.
pub const MAX_ID_BYTES: usize = 256;

/// The methods a client may call on this server (rmcp dispatches them; the list is for error messages
/// and for telling a known method with bad params from an unknown one).
pub const METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "prompts/list",
    "prompts/get",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "completion/complete",
    "skills/list",
    "skills/get",
    "server/discover",
];

/// A request id as the client wrote it (valid JSON text of a string or a number).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawId(String);

impl RawId {
    /// The id from its JSON text, if it is a string or a number of acceptable length.
    pub fn new(text: &str) -> Option<Self> {
        let text = text.trim();
        let first = text.bytes().next()?;
        let kind_ok = first == b'"' || first == b'-' || first.is_ascii_digit();
        (kind_ok && text.len() <= MAX_ID_BYTES && serde_json::from_str::<&RawValue>(text).is_ok())
            .then(|| Self(text.to_string()))
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What one line is.
#[derive(Debug)]
pub enum Decoded {
    /// Only whitespace: nothing to do.
    Blank,
    /// A request; `message` has the original id removed (the caller puts its own in).
    Request {
        id: RawId,
        method: String,
        message: Map<String, Value>,
    },
    /// A notification (no id): never answered.
    Notification {
        method: String,
        message: Map<String, Value>,
        /// For `notifications/cancelled`: the id of the request to cancel, as written.
        cancels: Option<RawId>,
    },
    /// A response or error from the client to a request of the server's.
    Response(Map<String, Value>),
    /// Answer with this error (id `None` means `null`: the id could not be read).
    Reject(Rejection),
    /// Not answerable (a malformed notification); drop it, with this reason for the debug log.
    Drop(String),
}

/// An error reply to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub id: Option<RawId>,
    pub code: i64,
    pub message: String,
}

impl Rejection {
    /// The reply line (without the newline).
    pub fn to_line(&self) -> Vec<u8> {
        let error = serde_json::json!({"code": self.code, "message": self.message});
        let id = self.id.as_ref().map_or("null", RawId::as_str);
        format!(r#"{{"jsonrpc":"2.0","id":{id},"error":{error}}}"#).into_bytes()
    }
}

/// The top-level fields this module reads, kept raw. Named fields make serde reject a duplicate key;
/// a field present as `null` is `Some("null")`, not `None`.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    jsonrpc: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    method: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    params: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    result: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    error: Option<&'a RawValue>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
struct CancelParams<'a> {
    #[serde(borrow, default, rename = "requestId")]
    request_id: Option<&'a RawValue>,
}

fn reject(id: Option<RawId>, code: i64, message: String) -> Decoded {
    Decoded::Reject(Rejection { id, code, message })
}

/// How messages are framed, for the words of an error: stdio sends one per line, HTTP one per POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    /// What one message arrives in ("line", "body").
    pub unit: &'static str,
    /// How to send messages ("per line", "per POST").
    pub each: &'static str,
}

impl Framing {
    /// Newline-delimited JSON-RPC (stdio).
    pub const LINE: Self = Self {
        unit: "line",
        each: "per line",
    };
    /// One message per HTTP request body (streamable HTTP).
    pub const BODY: Self = Self {
        unit: "body",
        each: "per POST",
    };
}

/// Classify one line (without its newline).
pub fn decode(line: &[u8]) -> Decoded {
    decode_framed(line, Framing::LINE)
}

/// Classify one message as framed by `framing` (the framing only changes the words of errors).
pub fn decode_framed(line: &[u8], framing: Framing) -> Decoded {
    let Framing { unit, each } = framing;
    if line.iter().all(u8::is_ascii_whitespace) {
        return Decoded::Blank;
    }
    let text = match std::str::from_utf8(line) {
        Ok(text) => text,
        Err(e) => {
            return reject(
                scan_id(line),
                code::PARSE_ERROR,
                format!(
                    "Parse error: the {unit} is not valid UTF-8 (at byte {}); send UTF-8 JSON, one message {each}",
                    e.valid_up_to()
                ),
            );
        }
    };
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        return reject(
            None,
            code::INVALID_REQUEST,
            format!("Invalid Request: batches are not supported; send one JSON-RPC message {each}"),
        );
    }
    if !trimmed.starts_with('{') {
        let reason = match serde_json::from_str::<&RawValue>(text) {
            Ok(_) => format!("the {unit} is JSON but not an object"),
            Err(e) => format!(
                "the {unit} is not JSON ({})",
                shorten_quotes(&e.to_string())
            ),
        };
        let code = if reason.contains("is JSON but") {
            code::INVALID_REQUEST
        } else {
            code::PARSE_ERROR
        };
        let kind = if code == code::PARSE_ERROR {
            "Parse error"
        } else {
            "Invalid Request"
        };
        return reject(
            None,
            code,
            format!("{kind}: {reason}; send one JSON-RPC 2.0 message object {each}"),
        );
    }
    let envelope: Envelope = match serde_json::from_str(text) {
        Ok(envelope) => envelope,
        Err(e) => {
            return reject(
                scan_id(line),
                code::PARSE_ERROR,
                format!(
                    "Parse error: {}; send one JSON-RPC 2.0 message {each}",
                    shorten_quotes(&e.to_string())
                ),
            );
        }
    };
    let id = envelope.id.map(|raw| RawId::new(raw.get()));
    let raw_id_text = envelope.id.map(RawValue::get);
    // The whole message as a value: this is where a number beyond f64 (1e400) is refused.
    let message = match serde_json::from_str::<Map<String, Value>>(text) {
        Ok(message) => message,
        Err(e) => {
            return reject(
                id.flatten(),
                code::PARSE_ERROR,
                format!(
                    "Parse error: {}; numbers must fit a 64-bit float",
                    shorten_quotes(&e.to_string())
                ),
            );
        }
    };
    if envelope.jsonrpc.map(RawValue::get) != Some(r#""2.0""#) {
        if envelope.method.is_some() && envelope.id.is_none() {
            return Decoded::Drop("a notification without \"jsonrpc\": \"2.0\"".into());
        }
        return reject(
            id.flatten(),
            code::INVALID_REQUEST,
            "Invalid Request: \"jsonrpc\" must be \"2.0\"".into(),
        );
    }
    let method = match envelope.method {
        None => None,
        Some(raw) => match serde_json::from_str::<String>(raw.get()) {
            Ok(method) => Some(method),
            Err(_) => {
                return reject(
                    id.flatten(),
                    code::INVALID_REQUEST,
                    "Invalid Request: \"method\" must be a string".into(),
                );
            }
        },
    };
    match (method, id, raw_id_text) {
        (Some(method), None, _) => {
            let cancels = if method == "notifications/cancelled" {
                envelope
                    .params
                    .and_then(|p| serde_json::from_str::<CancelParams>(p.get()).ok())
                    .and_then(|p| p.request_id)
                    .and_then(|raw| RawId::new(raw.get()))
            } else {
                None
            };
            Decoded::Notification {
                method,
                message,
                cancels,
            }
        }
        (Some(_), Some(None), raw) => reject(
            None,
            code::INVALID_REQUEST,
            format!(
                "Invalid Request: the id must be a string or a number of at most {MAX_ID_BYTES} bytes, not {}",
                quote(raw.unwrap_or_default())
            ),
        ),
        (Some(method), Some(Some(id)), _) => {
            let mut message = message;
            message.remove("id");
            Decoded::Request {
                id,
                method,
                message,
            }
        }
        (None, id, _) if envelope.result.is_some() || envelope.error.is_some() => match id {
            Some(Some(_)) | Some(None) => Decoded::Response(message),
            None => Decoded::Drop("a response without an id".into()),
        },
        (None, id, _) => reject(
            id.flatten(),
            code::INVALID_REQUEST,
            "Invalid Request: a request needs a \"method\" (a response needs \"result\" or \"error\")"
                .into(),
        ),
    }
}

/// The reply to a request whose method rmcp did not recognise (it parsed as a custom request): a known
/// method means its params were wrong (-32602, with serde's reason); otherwise -32601.
pub fn unrecognised(id: RawId, method: &str, message: &Map<String, Value>) -> Rejection {
    let params = message.get("params").cloned().unwrap_or(Value::Null);
    let reason = params_error(method, params);
    match reason {
        Some(reason) => Rejection {
            id: Some(id),
            code: code::INVALID_PARAMS,
            message: format!("Invalid params for {method}: {reason}"),
        },
        None if METHODS.contains(&method) => Rejection {
            id: Some(id),
            code: code::INVALID_PARAMS,
            message: format!("Invalid params for {method}: they do not match the method's schema"),
        },
        None => Rejection {
            id: Some(id),
            code: code::METHOD_NOT_FOUND,
            message: format!(
                "Method not found: `{}`; this server implements {}",
                quote(method),
                METHODS.join(", ")
            ),
        },
    }
}

/// Longest parameter rmcp may quote whole in an error of its own.
const MAX_ECHOED_BYTES: usize = 256;

/// A request rmcp would refuse with a message quoting a whole parameter (`skills/get` with a URI that
/// is not a SKILL.md: "<uri> is not the uri of a SKILL.md", 1 MiB for a 1 MiB URI), answered here
/// instead, quoting a prefix. `None` for everything else.
pub fn refuse_before_echo(
    id: &RawId,
    method: &str,
    message: &Map<String, Value>,
) -> Option<Rejection> {
    if method != "skills/get" {
        return None;
    }
    let uri = message.get("params")?.get("uri")?.as_str()?;
    (uri.len() > MAX_ECHOED_BYTES).then(|| Rejection {
        id: Some(id.clone()),
        code: code::INVALID_PARAMS,
        message: format!(
            "Invalid params for skills/get: no skill at `{}`; the skill served is {}",
            quote(uri),
            crate::content::SKILL_URI
        ),
    })
}

/// Why `params` do not fit `method`, for the methods whose params have a type.
fn params_error(method: &str, params: Value) -> Option<String> {
    use rmcp::model::{
        CallToolRequestParams, CompleteRequestParams, GetPromptRequestParams,
        GetSkillRequestParams, InitializeRequestParams, PaginatedRequestParams,
        ReadResourceRequestParams,
    };
    fn check<P: serde::de::DeserializeOwned>(params: Value) -> Option<String> {
        let params = if params.is_null() {
            Value::Object(Map::new())
        } else {
            params
        };
        if !params.is_object() {
            return Some("params must be an object".into());
        }
        serde_path_to_error::deserialize::<_, P>(params)
            .err()
            .map(|e| {
                let path = e.path().to_string();
                let inner = shorten_quotes(&e.inner().to_string());
                if path == "." {
                    inner
                } else {
                    format!("at `{path}`: {inner}")
                }
            })
    }
    match method {
        "initialize" => check::<InitializeRequestParams>(params),
        "tools/call" => check::<CallToolRequestParams>(params),
        "prompts/get" => check::<GetPromptRequestParams>(params),
        "resources/read" => check::<ReadResourceRequestParams>(params),
        "completion/complete" => check::<CompleteRequestParams>(params),
        "skills/get" => check::<GetSkillRequestParams>(params),
        "tools/list"
        | "prompts/list"
        | "resources/list"
        | "resources/templates/list"
        | "skills/list" => check::<PaginatedRequestParams>(params),
        _ => None,
    }
}

/// Find the top-level `"id"` of a JSON object in a stream of bytes, without parsing it: strings and
/// nesting are tracked, nothing is allocated beyond the id itself. Used for lines that fail to parse
/// (so the error can carry the id) and for lines too long to buffer (fed chunk by chunk).
#[derive(Debug, Default)]
pub struct IdScanner {
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// At depth 1, a key may start here (after `{` or `,`).
    expect_key: bool,
    /// The key string being read at depth 1 (its first bytes only).
    key: Option<Vec<u8>>,
    /// The key just read was `id`: its value comes after the colon.
    after_id_key: bool,
    /// The id's value text being read.
    value: Option<Vec<u8>>,
    value_is_string: bool,
    found: Option<Vec<u8>>,
    gave_up: bool,
}

impl IdScanner {
    /// Feed the next bytes of the line.
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.found.is_some() || self.gave_up {
                return;
            }
            self.step(b);
        }
    }

    /// The id found so far, if it is a valid id.
    pub fn id(&self) -> Option<RawId> {
        self.found
            .as_deref()
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(RawId::new)
    }

    /// The line ended: a number being read at the very end is complete.
    pub fn finish(&mut self) -> Option<RawId> {
        if self.found.is_none() && !self.value_is_string {
            self.found = self.value.take();
        }
        self.id()
    }

    fn step(&mut self, b: u8) {
        if let Some(value) = self.value.as_mut() {
            if self.value_is_string {
                value.push(b);
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.found = self.value.take();
                }
            } else if b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E') {
                value.push(b);
            } else {
                self.found = self.value.take();
            }
            if self.value.as_ref().is_some_and(|v| v.len() > MAX_ID_BYTES) {
                self.gave_up = true;
            }
            return;
        }
        if self.in_string {
            if let Some(key) = self.key.as_mut()
                && key.len() < 8
            {
                key.push(b);
            }
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
                if let Some(key) = self.key.take() {
                    self.after_id_key = key == b"id\"";
                }
            }
            return;
        }
        if self.after_id_key {
            match b {
                b':' | b' ' | b'\t' | b'\r' | b'\n' => return,
                b'"' => {
                    self.value = Some(vec![b]);
                    self.value_is_string = true;
                    self.after_id_key = false;
                    return;
                }
                b'-' | b'0'..=b'9' => {
                    self.value = Some(vec![b]);
                    self.value_is_string = false;
                    self.after_id_key = false;
                    return;
                }
                _ => self.after_id_key = false,
            }
        }
        match b {
            b'"' => {
                self.in_string = true;
                self.key = (self.depth == 1 && self.expect_key).then(Vec::new);
                self.expect_key = false;
            }
            b'{' | b'[' => {
                self.depth += 1;
                self.expect_key = self.depth == 1 && b == b'{';
            }
            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
            b',' => self.expect_key = self.depth == 1,
            _ => {}
        }
    }
}

/// The id of a line that does not parse, by [`IdScanner`].
pub fn scan_id(line: &[u8]) -> Option<RawId> {
    let mut scanner = IdScanner::default();
    scanner.feed(line);
    scanner.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejection(line: &str) -> Rejection {
        match decode(line.as_bytes()) {
            Decoded::Reject(r) => r,
            other => panic!("expected a rejection for {line}, got {other:?}"),
        }
    }

    #[test]
    fn ids_are_kept_as_written() {
        for id in [
            "18446744073709551615",
            "18446744073709551616",
            "1e300",
            "-0",
            r#""a\"b""#,
        ] {
            let line = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#);
            match decode(line.as_bytes()) {
                Decoded::Request {
                    id: raw, method, ..
                } => {
                    assert_eq!(raw.as_str(), id);
                    assert_eq!(method, "ping");
                }
                other => panic!("{id}: {other:?}"),
            }
        }
    }

    #[test]
    fn codes_by_the_book() {
        assert_eq!(rejection("not json").code, code::PARSE_ERROR);
        assert_eq!(rejection("[1,2]").code, code::INVALID_REQUEST);
        assert_eq!(rejection("42").code, code::INVALID_REQUEST);
        let dup = rejection(r#"{"jsonrpc":"2.0","id":3,"id":4,"method":"ping"}"#);
        assert_eq!(dup.code, code::PARSE_ERROR);
        let bad_utf8 = decode(b"{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"p\xffng\"}");
        match bad_utf8 {
            Decoded::Reject(r) => {
                assert_eq!(r.code, code::PARSE_ERROR);
                assert_eq!(r.id.map(|i| i.0), Some("5".to_string()));
            }
            other => panic!("{other:?}"),
        }
        let huge =
            rejection(r#"{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"n":1e400}}"#);
        assert_eq!(huge.code, code::PARSE_ERROR);
        assert_eq!(huge.id.map(|i| i.0), Some(r#""x""#.to_string()));
        let no_method = rejection(r#"{"jsonrpc":"2.0","id":9}"#);
        assert_eq!(no_method.code, code::INVALID_REQUEST);
        let null_id = rejection(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#);
        assert_eq!(null_id.code, code::INVALID_REQUEST);
        assert!(matches!(
            decode(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Decoded::Notification { .. }
        ));
        assert!(matches!(decode(b"  \t"), Decoded::Blank));
    }

    #[test]
    fn cancel_notifications_name_the_raw_request_id() {
        let line = r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":18446744073709551616}}"#;
        match decode(line.as_bytes()) {
            Decoded::Notification { cancels, .. } => {
                assert_eq!(cancels.map(|c| c.0), Some("18446744073709551616".into()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn known_methods_with_bad_params_are_invalid_params() {
        let message = |params: Value| {
            let mut m = Map::new();
            m.insert("params".into(), params);
            m
        };
        let id = RawId::new("1").unwrap();
        let r = unrecognised(
            id.clone(),
            "tools/call",
            &message(serde_json::json!({"name": "x", "arguments": []})),
        );
        assert_eq!(r.code, code::INVALID_PARAMS);
        assert!(r.message.contains("arguments"), "{}", r.message);
        let r = unrecognised(id.clone(), "tools/call", &message(serde_json::json!({})));
        assert!(r.message.contains("name"), "{}", r.message);
        let r = unrecognised(id, "no/such", &message(Value::Null));
        assert_eq!(r.code, code::METHOD_NOT_FOUND);
    }

    #[test]
    fn scanner_finds_top_level_ids_only() {
        let find = |s: &str| scan_id(s.as_bytes()).map(|i| i.0);
        assert_eq!(find(r#"{"params":{"id":1},"id":2,"x":"#), Some("2".into()));
        assert_eq!(
            find(r#"{"a":"\"id\":3","id":"q\"r"  ,"#),
            Some(r#""q\"r""#.into())
        );
        assert_eq!(find(r#"{"id" : 1e400, "#), Some("1e400".into()));
        assert_eq!(find(r#"{"id":7"#), Some("7".into()));
        assert_eq!(find(r#"{"x":[{"id":1}]}"#), None);
        assert_eq!(find(r#"{"id":null}"#), None);
        // Fed in pieces, as an oversized line is.
        let mut s = IdScanner::default();
        for piece in [
            r#"{"method":"x","par"#,
            r#"ams":{"big":"…"},"i"#,
            r#"d":4"#,
            "2}",
        ] {
            s.feed(piece.as_bytes());
        }
        assert_eq!(s.finish().map(|i| i.0), Some("42".into()));
    }

    #[test]
    fn quotes_are_short() {
        let long = "v".repeat(1 << 20);
        let message = format!("unknown variant `{long}`, expected one of `a`, `b`");
        let short = shorten_quotes(&message);
        assert!(short.len() < 200, "{}", short.len());
        assert!(short.ends_with("expected one of `a`, `b`"), "{short}");
    }
}
