//! The stdio transport: newline-delimited JSON-RPC on stdin/stdout, hardened for clients that send
//! anything in any order and read their replies slowly or never.
//!
//! - Every line is read by [`super::jsonrpc`] first: bad lines get an error with the code the
//!   specification gives and, wherever it can be read, their own id; lines over [`Limits::max_line`]
//!   are skipped without being buffered, their id found by a streaming scan.
//! - Request ids are swapped for internal numbers on the way in and swapped back on the way out, so a
//!   reply carries exactly the id the client wrote (`18446744073709551616`, `1e300`, a long string).
//! - Before `initialize`, notifications and responses are ignored (debug log); a second `initialize` is
//!   refused with a clear error.
//! - At most [`Limits::max_in_flight`] requests wait for a reply; beyond that a request is answered
//!   at once with a -32000 "busy" error. Replies go through a bounded queue to one writer task; when it
//!   is full (the client is not reading), stdin is not read either: backpressure, not memory growth.
//! - When stdout is gone (EPIPE), reading stops and the session ends.
//!
//! The transport is a cheap handle (`Clone`): when rmcp gives up on a session before it started (a
//! message it cannot take before `initialize`), the binary serves the same transport again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rmcp::RoleServer;
use rmcp::model::{ClientRequest, JsonRpcMessage};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::{Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::jsonrpc::{self, Decoded, IdScanner, RawId, Rejection, code, quote};

/// Longest message line accepted: 4 MiB (a 1 MiB schema, JSON-escaped, fits with room to spare).
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// The transport's limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest line, in bytes.
    pub max_line: usize,
    /// Requests read but not yet answered.
    pub max_in_flight: usize,
    /// Replies queued for the writer before stdin reading pauses.
    pub reply_queue: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_line: MAX_LINE_BYTES,
            max_in_flight: 64,
            reply_queue: 32,
        }
    }
}

/// One line to write (`None`: nothing, just report when everything before it is out), and who wants
/// to know when it is out.
type Outgoing = (
    Option<Vec<u8>>,
    Option<oneshot::Sender<std::io::Result<()>>>,
);

/// The reading side: the part of a line read so far survives a dropped `receive` future.
struct Reader<R> {
    reader: BufReader<R>,
    pending: Vec<u8>,
    /// Set while skipping the rest of a line over the limit; scans it for its id.
    too_long: Option<IdScanner>,
    max_line: usize,
}

enum Line {
    Complete(Vec<u8>),
    TooLong(Option<RawId>),
    Eof,
}

impl<R: AsyncRead + Unpin> Reader<R> {
    /// Read the next line, keeping partial progress in `self` so a dropped call loses nothing.
    async fn next_line(&mut self) -> std::io::Result<Line> {
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                let line = match self.too_long.take() {
                    Some(mut scanner) => Line::TooLong(scanner.finish()),
                    None if self.pending.is_empty() => Line::Eof,
                    None => Line::Complete(std::mem::take(&mut self.pending)),
                };
                return Ok(line);
            }
            let newline = available.iter().position(|b| *b == b'\n');
            let chunk = &available[..newline.unwrap_or(available.len())];
            match self.too_long.as_mut() {
                Some(scanner) => scanner.feed(chunk),
                None if self.pending.len() + chunk.len() > self.max_line => {
                    let mut scanner = IdScanner::default();
                    scanner.feed(&self.pending);
                    scanner.feed(chunk);
                    self.too_long = Some(scanner);
                    self.pending = Vec::new();
                }
                None => self.pending.extend_from_slice(chunk),
            }
            let consumed = newline.map_or(available.len(), |i| i + 1);
            self.reader.consume(consumed);
            if newline.is_some() {
                let line = match self.too_long.take() {
                    Some(mut scanner) => Line::TooLong(scanner.finish()),
                    None => Line::Complete(std::mem::take(&mut self.pending)),
                };
                return Ok(line);
            }
        }
    }
}

/// What the transport knows about the session.
#[derive(Default)]
struct Session {
    /// An `initialize` request was passed on to rmcp.
    initialized: bool,
    /// Any request other than `ping` / `server/discover` was passed on (the session has begun).
    started: bool,
    /// Internal id → the client's id, for requests not yet answered.
    in_flight: HashMap<i64, RawId>,
    /// The client's id → internal id (for cancellation and duplicate ids).
    by_client_id: HashMap<RawId, i64>,
    next_id: i64,
    bad_lines: RateLimited,
}

/// One warning per burst of bad lines: the first is logged, then at most one summary per period.
#[derive(Default)]
struct RateLimited {
    last: Option<Instant>,
    suppressed: u64,
}

const WARN_PERIOD: Duration = Duration::from_secs(10);

impl RateLimited {
    fn warn(&mut self, what: &str) {
        let now = Instant::now();
        match self.last {
            Some(last) if now.duration_since(last) < WARN_PERIOD => {
                self.suppressed += 1;
                tracing::debug!(what, "answered a malformed line");
            }
            _ => {
                tracing::warn!(
                    what,
                    more_since_last_warning = self.suppressed,
                    "answered malformed message lines with errors (one warning per 10 s)"
                );
                self.last = Some(now);
                self.suppressed = 0;
            }
        }
    }
}

/// JSON-RPC line transport over any reader and writer; see the module documentation.
pub struct LineTransport<R> {
    reader: Arc<tokio::sync::Mutex<Reader<R>>>,
    session: Arc<Mutex<Session>>,
    out: mpsc::Sender<Outgoing>,
    /// Cancelled when the writer stops (stdout closed): nothing more can be answered.
    stdout_gone: CancellationToken,
    /// Woken whenever a request in flight gets its reply (for draining at end of input).
    answered: Arc<tokio::sync::Notify>,
    limits: Limits,
}

impl<R> Clone for LineTransport<R> {
    fn clone(&self) -> Self {
        Self {
            reader: self.reader.clone(),
            session: self.session.clone(),
            out: self.out.clone(),
            stdout_gone: self.stdout_gone.clone(),
            answered: self.answered.clone(),
            limits: self.limits,
        }
    }
}

impl<R> LineTransport<R>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    /// A transport reading `reader` and writing `writer`. Must be called inside a tokio runtime (it
    /// starts the writer task).
    pub fn new<W>(reader: R, writer: W, limits: Limits) -> Self
    where
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let (out, queue) = mpsc::channel(limits.reply_queue.max(1));
        let stdout_gone = CancellationToken::new();
        tokio::spawn(write_lines(writer, queue, stdout_gone.clone()));
        Self {
            reader: Arc::new(tokio::sync::Mutex::new(Reader {
                reader: BufReader::new(reader),
                pending: Vec::new(),
                too_long: None,
                max_line: limits.max_line,
            })),
            session: Arc::new(Mutex::new(Session::default())),
            out,
            stdout_gone,
            answered: Arc::new(tokio::sync::Notify::new()),
            limits,
        }
    }

    /// At the end of input, wait until every request read has its reply (calls are bounded by their
    /// deadline), unless stdout is gone: a client that closes stdin after its last request still
    /// gets every answer.
    async fn drain(&self) {
        loop {
            let answered = self.answered.notified();
            if self.session().in_flight.is_empty() {
                return;
            }
            tokio::select! {
                () = answered => {}
                () = self.stdout_gone.cancelled() => return,
                () = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
    }

    /// Forget that a session began: rmcp gave up before it started, and will be asked to serve this
    /// transport again. Requests still in flight keep their ids.
    pub fn restart_session(&self) {
        let mut session = self.session();
        session.initialized = false;
        session.started = false;
    }

    /// Whether stdout is gone.
    pub fn stdout_gone(&self) -> bool {
        self.stdout_gone.is_cancelled()
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        // A panic while holding the lock cannot leave the maps half-updated in a harmful way.
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queue a line; the returned receiver says when it was written.
    async fn queue(&self, bytes: Option<Vec<u8>>) -> oneshot::Receiver<std::io::Result<()>> {
        let (done, written) = oneshot::channel();
        // A closed queue means the writer stopped on an error; the receiver then reports it.
        let _ = self.out.send((bytes, Some(done))).await;
        written
    }

    /// Decide what to do with one decoded line: a message for rmcp, or `None` (answered or dropped
    /// here).
    fn admit(&self, decoded: Decoded) -> Result<Option<RxJsonRpcMessage<RoleServer>>, Rejection> {
        let mut session = self.session();
        match decoded {
            Decoded::Blank => Ok(None),
            Decoded::Drop(reason) => {
                tracing::debug!(reason, "dropped a malformed notification");
                Ok(None)
            }
            Decoded::Reject(rejection) => {
                session.bad_lines.warn(reject_kind(rejection.code));
                Err(rejection)
            }
            Decoded::Response(message) => {
                if !session.started {
                    tracing::debug!("ignored a response before initialize");
                    return Ok(None);
                }
                match serde_json::from_value(Value::Object(message)) {
                    Ok(message) => Ok(Some(message)),
                    Err(e) => {
                        tracing::debug!(error = %quote(&e.to_string()), "dropped a malformed response");
                        Ok(None)
                    }
                }
            }
            Decoded::Notification {
                method,
                mut message,
                cancels,
            } => {
                if !session.started {
                    tracing::debug!(method = %quote(&method), "ignored a notification before initialize");
                    return Ok(None);
                }
                tracing::debug!(method = %quote(&method), "notification");
                if method == "notifications/cancelled" {
                    // Point the cancel at the internal id; an unknown id has nothing to cancel.
                    let Some(internal) = cancels.and_then(|id| session.by_client_id.remove(&id))
                    else {
                        return Ok(None);
                    };
                    session.in_flight.remove(&internal);
                    if let Some(Value::Object(params)) = message.get_mut("params") {
                        params.insert("requestId".into(), Value::from(internal));
                    }
                }
                match serde_json::from_value(Value::Object(message)) {
                    Ok(message) => Ok(Some(message)),
                    Err(e) => {
                        tracing::debug!(error = %quote(&e.to_string()), "dropped a malformed notification");
                        Ok(None)
                    }
                }
            }
            Decoded::Request {
                id,
                method,
                mut message,
            } => {
                if method == "initialize" && session.initialized {
                    return Err(Rejection {
                        id: Some(id),
                        code: code::INVALID_REQUEST,
                        message: "Invalid Request: this session is already initialized; send initialize once per connection".into(),
                    });
                }
                if session.by_client_id.contains_key(&id) {
                    return Err(Rejection {
                        id: Some(id),
                        code: code::INVALID_REQUEST,
                        message: "Invalid Request: a request with this id is still in flight; use a new id for each request".into(),
                    });
                }
                // `ping` is answered at once and always: a client can tell busy from dead.
                if method != "ping" && session.in_flight.len() >= self.limits.max_in_flight {
                    return Err(Rejection {
                        id: Some(id),
                        code: code::SERVER_BUSY,
                        message: format!(
                            "Server busy: {} requests are already in flight; wait for replies, then retry",
                            self.limits.max_in_flight
                        ),
                    });
                }
                if let Some(rejection) = jsonrpc::refuse_before_echo(&id, &method, &message) {
                    return Err(rejection);
                }
                let internal = session.next_id;
                message.insert("id".into(), Value::from(internal));
                let parsed: RxJsonRpcMessage<RoleServer> =
                    match serde_json::from_value(Value::Object(message.clone())) {
                        Ok(parsed) => parsed,
                        Err(e) => {
                            return Err(Rejection {
                                id: Some(id),
                                code: code::INVALID_REQUEST,
                                message: format!(
                                    "Invalid Request: {}",
                                    jsonrpc::shorten_quotes(&e.to_string())
                                ),
                            });
                        }
                    };
                if let JsonRpcMessage::Request(request) = &parsed
                    && let ClientRequest::CustomRequest(_) = request.request
                {
                    return Err(jsonrpc::unrecognised(id, &method, &message));
                }
                session.next_id = session.next_id.wrapping_add(1);
                session.in_flight.insert(internal, id.clone());
                session.by_client_id.insert(id, internal);
                if method == "initialize" {
                    session.initialized = true;
                }
                if !matches!(method.as_str(), "ping" | "server/discover") {
                    session.started = true;
                }
                tracing::debug!(method = %quote(&method), "request");
                Ok(Some(parsed))
            }
        }
    }

    /// A server message as a line, with the client's id put back on replies; `None` for a reply to a
    /// request that was cancelled (nobody is waiting for it).
    fn encode(&self, item: &TxJsonRpcMessage<RoleServer>) -> std::io::Result<Option<Vec<u8>>> {
        let mut value = match serde_json::to_value(item) {
            Ok(Value::Object(map)) => map,
            Ok(_) => {
                return Err(std::io::Error::other(
                    "a message did not serialize to an object",
                ));
            }
            Err(e) => return Err(std::io::Error::other(e)),
        };
        let is_reply = matches!(item, JsonRpcMessage::Response(_) | JsonRpcMessage::Error(_));
        if !is_reply {
            return serde_json::to_vec(&value)
                .map(Some)
                .map_err(std::io::Error::other);
        }
        let client_id = match value.remove("id") {
            Some(Value::Number(n)) => n.as_i64().and_then(|internal| {
                let mut session = self.session();
                let id = session.in_flight.remove(&internal)?;
                session.by_client_id.remove(&id);
                self.answered.notify_waiters();
                Some(id)
            }),
            _ => None,
        };
        let Some(client_id) = client_id else {
            if matches!(item, JsonRpcMessage::Error(e) if e.id.is_none()) {
                value.insert("id".into(), Value::Null);
                return serde_json::to_vec(&value)
                    .map(Some)
                    .map_err(std::io::Error::other);
            }
            tracing::debug!("dropped a reply to a request that was cancelled");
            return Ok(None);
        };
        Ok(Some(with_id(&value, &client_id)?))
    }
}

/// `message` (an object without `id`) as a line with `"id": <the client's text>` first.
fn with_id(message: &Map<String, Value>, id: &RawId) -> std::io::Result<Vec<u8>> {
    let body = serde_json::to_vec(message).map_err(std::io::Error::other)?;
    let mut line = Vec::with_capacity(body.len() + id.as_str().len() + 8);
    line.extend_from_slice(b"{\"id\":");
    line.extend_from_slice(id.as_str().as_bytes());
    if body.len() > 2 {
        line.push(b',');
    }
    line.extend_from_slice(&body[1..]);
    Ok(line)
}

fn reject_kind(code: i64) -> &'static str {
    match code {
        code::PARSE_ERROR => "parse error",
        code::INVALID_REQUEST => "invalid request",
        code::METHOD_NOT_FOUND => "method not found",
        code::INVALID_PARAMS => "invalid params",
        code::SERVER_BUSY => "busy",
        _ => "error",
    }
}

/// The transport over the process's stdin and stdout.
pub fn stdio(limits: Limits) -> LineTransport<tokio::io::Stdin> {
    LineTransport::new(tokio::io::stdin(), tokio::io::stdout(), limits)
}

/// The writer task: whole lines, in order, each flushed. Stops at the first failed write (stdout
/// closed) and says so through `gone`.
async fn write_lines<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut queue: mpsc::Receiver<Outgoing>,
    gone: CancellationToken,
) {
    while let Some((bytes, done)) = queue.recv().await {
        let result = match bytes {
            Some(mut bytes) => {
                bytes.push(b'\n');
                match writer.write_all(&bytes).await {
                    Ok(()) => writer.flush().await,
                    Err(e) => Err(e),
                }
            }
            None => writer.flush().await,
        };
        let failed = result.as_ref().err().map(ToString::to_string);
        if let Some(done) = done {
            let _ = done.send(result);
        }
        if let Some(error) = failed {
            tracing::info!(%error, "stdout is closed; ending the session");
            gone.cancel();
            return;
        }
    }
}

impl<R> Transport<RoleServer> for LineTransport<R>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let encoded = self.encode(&item);
        let this = self.clone();
        async move {
            let Some(bytes) = encoded? else {
                return Ok(());
            };
            match this.queue(Some(bytes)).await.await {
                Ok(result) => result,
                Err(_) => Err(std::io::Error::new(
                    std::io::ErrorKind::BrokenPipe,
                    "stdout is closed",
                )),
            }
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        // rmcp polls `receive` in a `select!` and drops it whenever another event wins. So between
        // taking a line from the reader and handing it on (to rmcp, or as an error reply to the
        // writer) there is no await: a dropped call loses nothing. The reply slot is reserved before
        // the line is read, which is also the backpressure: nothing is read while the queue is full.
        let mut reader = self.reader.clone().lock_owned().await;
        loop {
            let permit = tokio::select! {
                permit = self.out.reserve() => match permit {
                    Ok(permit) => permit,
                    Err(_) => return None,
                },
                () = self.stdout_gone.cancelled() => return None,
            };
            let line = tokio::select! {
                line = reader.next_line() => line,
                () = self.stdout_gone.cancelled() => return None,
            };
            let decoded = match line {
                Ok(Line::Complete(line)) => jsonrpc::decode(&line),
                Ok(Line::TooLong(id)) => Decoded::Reject(Rejection {
                    id,
                    code: code::INVALID_REQUEST,
                    message: format!(
                        "Invalid Request: message line longer than {} bytes; send smaller inputs",
                        self.limits.max_line
                    ),
                }),
                Ok(Line::Eof) => {
                    drop(permit);
                    drop(reader);
                    self.drain().await;
                    // Everything answered here (bad lines) is written before the session ends.
                    let _ = self.queue(None).await.await;
                    return None;
                }
                Err(e) => {
                    tracing::error!(error = %e, "reading stdin failed; ending the session");
                    return None;
                }
            };
            match self.admit(decoded) {
                Ok(Some(message)) => return Some(message),
                Ok(None) => {}
                Err(rejection) => permit.send((Some(rejection.to_line()), None)),
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        if self.stdout_gone() {
            return Ok(());
        }
        // Wait until everything queued so far (replies to bad lines included) is written.
        match self.queue(None).await.await {
            Ok(result) => result,
            Err(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::AsyncWriteExt;

    use super::*;

    fn reader(input: impl AsyncRead + Unpin, max_line: usize) -> Reader<impl AsyncRead + Unpin> {
        Reader {
            reader: BufReader::new(input),
            pending: Vec::new(),
            too_long: None,
            max_line,
        }
    }

    #[tokio::test]
    async fn lines_are_split_and_long_ones_skipped_with_their_id() {
        let input: &[u8] = b"abc\n{\"id\":12,\"x\":\"0123456789\"}\nxy";
        let mut r = reader(input, 5);
        assert!(matches!(r.next_line().await.unwrap(), Line::Complete(l) if l == b"abc"));
        match r.next_line().await.unwrap() {
            Line::TooLong(Some(id)) => assert_eq!(id.as_str(), "12"),
            _ => panic!("expected a too-long line with its id"),
        }
        assert!(matches!(r.next_line().await.unwrap(), Line::Complete(l) if l == b"xy"));
        assert!(matches!(r.next_line().await.unwrap(), Line::Eof));
    }

    #[tokio::test]
    async fn a_read_dropped_half_way_through_a_line_loses_nothing() {
        let (mut client, server) = tokio::io::duplex(64);
        let mut r = reader(server, 100);
        client.write_all(b"{\"half").await.unwrap();
        // rmcp may drop a pending receive; the half line must survive it.
        let dropped = tokio::time::timeout(Duration::from_millis(50), r.next_line()).await;
        assert!(dropped.is_err(), "no complete line yet");
        client.write_all(b"\": 1}\n").await.unwrap();
        assert!(matches!(r.next_line().await.unwrap(), Line::Complete(l) if l == b"{\"half\": 1}"));
    }

    #[tokio::test]
    async fn a_receive_dropped_while_the_reply_queue_is_full_loses_no_error_reply() {
        // rmcp drops `receive` whenever another event wins its select. Fifty bad lines, fifty competing
        // replies, a reply queue of one and a slow client: every bad line still gets its error reply.
        let input: Vec<u8> = b"garbage\n".repeat(50);
        let (client_out, server_out) = tokio::io::duplex(16);
        let limits = Limits {
            reply_queue: 1,
            ..Limits::default()
        };
        let mut transport = LineTransport::new(std::io::Cursor::new(input), server_out, limits);
        let reading = tokio::spawn(async move {
            let mut lines = BufReader::new(client_out).lines();
            let mut count = 0;
            while let Ok(Some(_)) = lines.next_line().await {
                count += 1;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            count
        });
        // Replies from handlers compete for the same queue, as rmcp's send tasks do.
        let other = transport.out.clone();
        let competing = tokio::spawn(async move {
            for _ in 0..50 {
                let _ = other.send((Some(b"{}".to_vec()), None)).await;
            }
        });
        let mut dropped = 0;
        loop {
            match tokio::time::timeout(Duration::from_micros(200), transport.receive()).await {
                Ok(None) => break,
                Ok(Some(_)) => panic!("a bad line reached rmcp"),
                Err(_) => dropped += 1,
            }
        }
        competing.await.unwrap();
        transport.close().await.unwrap();
        drop(transport);
        assert!(
            dropped > 0,
            "the test must drop receive calls to mean anything"
        );
        assert_eq!(reading.await.unwrap(), 100);
    }

    #[test]
    fn replies_get_the_client_id_back_verbatim() {
        let mut message = Map::new();
        message.insert("jsonrpc".into(), Value::from("2.0"));
        message.insert("result".into(), Value::Object(Map::new()));
        let id = RawId::new("18446744073709551616").unwrap();
        let line = with_id(&message, &id).unwrap();
        assert_eq!(
            String::from_utf8(line).unwrap(),
            r#"{"id":18446744073709551616,"jsonrpc":"2.0","result":{}}"#
        );
    }
}
