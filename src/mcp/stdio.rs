//! The stdio transport: newline-delimited JSON-RPC on stdin/stdout.
//!
//! rmcp's own line transport drops a line that is not JSON without a word. Here every bad line gets an
//! answer and the session goes on: not JSON → `-32700 Parse error`; JSON but not a JSON-RPC message →
//! `-32600 Invalid Request` (with the id when one can be read); a line over [`MAX_LINE_BYTES`] →
//! `-32600` naming the limit, and the line is skipped without buffering it whole.

use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::{Value, json};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

/// Longest message line accepted: 4 MiB (a 1 MiB schema, JSON-escaped, fits with room to spare).
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// JSON-RPC line transport over any reader and writer.
pub struct LineTransport<R, W> {
    reader: BufReader<R>,
    writer: Arc<Mutex<W>>,
    max_line: usize,
}

impl<R, W> LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    /// A transport reading `reader` and writing `writer`, with lines up to `max_line` bytes.
    pub fn new(reader: R, writer: W, max_line: usize) -> Self {
        Self {
            reader: BufReader::new(reader),
            writer: Arc::new(Mutex::new(writer)),
            max_line,
        }
    }
}

/// The transport over the process's stdin and stdout.
pub fn stdio() -> LineTransport<tokio::io::Stdin, tokio::io::Stdout> {
    LineTransport::new(tokio::io::stdin(), tokio::io::stdout(), MAX_LINE_BYTES)
}

enum Line {
    Complete(Vec<u8>),
    TooLong,
    Eof,
}

/// Read one line of at most `max` bytes. A longer line is consumed up to its newline without being
/// kept in memory.
async fn read_line<B: AsyncBufRead + Unpin>(reader: &mut B, max: usize) -> std::io::Result<Line> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(if too_long {
                Line::TooLong
            } else if line.is_empty() {
                Line::Eof
            } else {
                Line::Complete(line)
            });
        }
        let (chunk, found_newline) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        if !too_long {
            if line.len() + chunk.len() > max {
                too_long = true;
                line = Vec::new();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let consumed = found_newline.unwrap_or(available.len());
        reader.consume(consumed);
        if found_newline.is_some() {
            return Ok(if too_long {
                Line::TooLong
            } else {
                Line::Complete(line)
            });
        }
    }
}

async fn write_line<W: AsyncWrite + Unpin>(writer: &Mutex<W>, bytes: &[u8]) -> std::io::Result<()> {
    let mut writer = writer.lock().await;
    writer.write_all(bytes).await?;
    writer.write_all(b"\n").await?;
    writer.flush().await
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

impl<R, W> Transport<RoleServer> for LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let writer = self.writer.clone();
        async move {
            let bytes = serde_json::to_vec(&item).map_err(std::io::Error::other)?;
            write_line(&writer, &bytes).await
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            let line = match read_line(&mut self.reader, self.max_line).await {
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
                    if write_line(&self.writer, &reply).await.is_err() {
                        return None;
                    }
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
                if write_line(&self.writer, &reply).await.is_err() {
                    return None;
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.writer.lock().await.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_are_split_and_long_ones_skipped() {
        let input: &[u8] = b"abc\n0123456789\nxy";
        let mut reader = BufReader::with_capacity(4, input);
        assert!(
            matches!(read_line(&mut reader, 5).await.unwrap(), Line::Complete(l) if l == b"abc")
        );
        assert!(matches!(
            read_line(&mut reader, 5).await.unwrap(),
            Line::TooLong
        ));
        assert!(
            matches!(read_line(&mut reader, 5).await.unwrap(), Line::Complete(l) if l == b"xy")
        );
        assert!(matches!(
            read_line(&mut reader, 5).await.unwrap(),
            Line::Eof
        ));
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
