//! The stdio transport: newline-delimited JSON-RPC on stdin/stdout.
//!
//! rmcp's own line transport drops a line that is not JSON without a word. Here every bad line gets an
//! answer and the session goes on: not JSON → `-32700 Parse error`; JSON but not a JSON-RPC message →
//! `-32600 Invalid Request` (with the id when one can be read); a line over [`MAX_LINE_BYTES`] →
//! `-32600` naming the limit, and the line is skipped without buffering it whole.

use rmcp::RoleServer;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot};

/// Longest message line accepted: 4 MiB (a 1 MiB schema, JSON-escaped, fits with room to spare).
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// One line to write (`None`: nothing, just report when everything before it is out), and who wants
/// to know when it is out.
type Outgoing = (
    Option<Vec<u8>>,
    Option<oneshot::Sender<std::io::Result<()>>>,
);

/// JSON-RPC line transport over any reader and writer.
///
/// rmcp may drop a `receive` future at any await point (it selects over several events), so every
/// piece of state lives in the struct, not in the future: the part of a line read so far stays in
/// `pending`, and every write, replies to bad lines included, goes through one writer task that
/// writes whole lines and is never cancelled half-way.
pub struct LineTransport<R> {
    reader: BufReader<R>,
    pending: Vec<u8>,
    too_long: bool,
    max_line: usize,
    out: mpsc::UnboundedSender<Outgoing>,
}

impl<R> LineTransport<R>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    /// A transport reading `reader` and writing `writer`, with lines up to `max_line` bytes. Must be
    /// called inside a tokio runtime (it starts the writer task).
    pub fn new<W>(reader: R, writer: W, max_line: usize) -> Self
    where
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let (out, queue) = mpsc::unbounded_channel();
        tokio::spawn(write_lines(writer, queue));
        Self {
            reader: BufReader::new(reader),
            pending: Vec::new(),
            too_long: false,
            max_line,
            out,
        }
    }

    /// Queue a line; the returned receiver says when it was written.
    fn queue(&self, bytes: Option<Vec<u8>>) -> oneshot::Receiver<std::io::Result<()>> {
        let (done, written) = oneshot::channel();
        // A closed queue means the writer stopped on an error; the receiver then reports it.
        let _ = self.out.send((bytes, Some(done)));
        written
    }

    /// Queue a line without waiting for it: the writer task writes it whole even if the caller is
    /// dropped.
    fn queue_detached(&self, bytes: Vec<u8>) {
        // A closed queue means the writer stopped on an error, already logged there.
        let _ = self.out.send((Some(bytes), None));
    }

    /// Read the next line, keeping partial progress in `self` so a dropped call loses nothing.
    async fn next_line(&mut self) -> std::io::Result<Line> {
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                let line = if self.too_long {
                    Line::TooLong
                } else if self.pending.is_empty() {
                    Line::Eof
                } else {
                    Line::Complete(std::mem::take(&mut self.pending))
                };
                self.too_long = false;
                return Ok(line);
            }
            let newline = available.iter().position(|b| *b == b'\n');
            let chunk = &available[..newline.unwrap_or(available.len())];
            if !self.too_long {
                if self.pending.len() + chunk.len() > self.max_line {
                    self.too_long = true;
                    self.pending = Vec::new();
                } else {
                    self.pending.extend_from_slice(chunk);
                }
            }
            let consumed = newline.map_or(available.len(), |i| i + 1);
            self.reader.consume(consumed);
            if newline.is_some() {
                let line = if std::mem::take(&mut self.too_long) {
                    Line::TooLong
                } else {
                    Line::Complete(std::mem::take(&mut self.pending))
                };
                return Ok(line);
            }
        }
    }
}

/// The transport over the process's stdin and stdout.
pub fn stdio() -> LineTransport<tokio::io::Stdin> {
    LineTransport::new(tokio::io::stdin(), tokio::io::stdout(), MAX_LINE_BYTES)
}

enum Line {
    Complete(Vec<u8>),
    TooLong,
    Eof,
}

/// The writer task: whole lines, in order, each flushed.
async fn write_lines<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut queue: mpsc::UnboundedReceiver<Outgoing>,
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
        let failed = result.is_err();
        if let Some(done) = done {
            let _ = done.send(result);
        }
        if failed {
            tracing::error!("writing stdout failed; no more replies can be sent");
            return;
        }
    }
}

fn error_reply(id: Value, code: i64, message: String) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
        .to_string()
        .into_bytes()
}

/// The reply to a line that is not a message, or `None` for a blank line.
fn reject(line: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(line);
    if text.trim().is_empty() {
        return None;
    }
    match serde_json::from_str::<Value>(&text) {
        Err(e) => Some(error_reply(
            Value::Null,
            -32700,
            format!(
                "Parse error: the line is not JSON ({e}); send one JSON-RPC 2.0 message per line"
            ),
        )),
        Ok(value) => {
            let id = match value.get("id") {
                Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
                _ => Value::Null,
            };
            let reason = match serde_json::from_value::<RxJsonRpcMessage<RoleServer>>(value) {
                Err(e) => e.to_string(),
                Ok(_) => "unexpected message".to_string(),
            };
            Some(error_reply(
                id,
                -32600,
                format!(
                    "Invalid Request: not a JSON-RPC 2.0 message this server accepts ({reason})"
                ),
            ))
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
        let written = serde_json::to_vec(&item)
            .map_err(std::io::Error::other)
            .map(|bytes| self.queue(Some(bytes)));
        async move {
            match written?.await {
                Ok(result) => result,
                Err(_) => Err(std::io::Error::new(
                    std::io::ErrorKind::BrokenPipe,
                    "the stdout writer has stopped",
                )),
            }
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            let line = match self.next_line().await {
                Ok(Line::Complete(line)) => line,
                Ok(Line::Eof) => return None,
                Ok(Line::TooLong) => {
                    tracing::warn!(limit = self.max_line, "rejected an oversized message line");
                    let reply = error_reply(
                        Value::Null,
                        -32600,
                        format!(
                            "Invalid Request: message line longer than {} bytes; send smaller inputs",
                            self.max_line
                        ),
                    );
                    self.queue_detached(reply);
                    continue;
                }
                Err(e) => {
                    tracing::error!(error = %e, "reading stdin failed; ending the session");
                    return None;
                }
            };
            if let Ok(message) = serde_json::from_slice::<RxJsonRpcMessage<RoleServer>>(&line) {
                return Some(message);
            }
            if let Some(reply) = reject(&line) {
                tracing::warn!("answered a malformed message line with an error");
                self.queue_detached(reply);
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        // Wait until everything queued so far (replies to bad lines included) is written.
        match self.queue(None).await {
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

    async fn line(t: &mut LineTransport<impl AsyncRead + Unpin + Send + 'static>) -> Line {
        t.next_line().await.unwrap()
    }

    #[tokio::test]
    async fn lines_are_split_and_long_ones_skipped() {
        let input: &[u8] = b"abc\n0123456789\nxy";
        let mut t = LineTransport::new(input, tokio::io::sink(), 5);
        assert!(matches!(line(&mut t).await, Line::Complete(l) if l == b"abc"));
        assert!(matches!(line(&mut t).await, Line::TooLong));
        assert!(matches!(line(&mut t).await, Line::Complete(l) if l == b"xy"));
        assert!(matches!(line(&mut t).await, Line::Eof));
    }

    #[tokio::test]
    async fn a_read_dropped_half_way_through_a_line_loses_nothing() {
        let (mut client, server) = tokio::io::duplex(64);
        let mut t = LineTransport::new(server, tokio::io::sink(), 100);
        client.write_all(b"{\"half").await.unwrap();
        // rmcp may drop a pending receive; the half line must survive it.
        let dropped = tokio::time::timeout(Duration::from_millis(50), t.next_line()).await;
        assert!(dropped.is_err(), "no complete line yet");
        client.write_all(b"\": 1}\n").await.unwrap();
        assert!(matches!(line(&mut t).await, Line::Complete(l) if l == b"{\"half\": 1}"));
    }

    #[test]
    fn bad_lines_get_parse_or_invalid_request_errors() {
        let parse: Value = serde_json::from_slice(&reject(b"not json").unwrap()).unwrap();
        assert_eq!(parse["error"]["code"], -32700);
        assert_eq!(parse["id"], Value::Null);
        let invalid: Value =
            serde_json::from_slice(&reject(br#"{"id":7,"foo":1}"#).unwrap()).unwrap();
        assert_eq!(invalid["error"]["code"], -32600);
        assert_eq!(invalid["id"], 7);
        assert!(reject(b"   ").is_none());
    }
}
