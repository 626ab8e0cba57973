//! The real binary's `http` subcommand on a loopback port, and raw POSTs to it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `http` server and its /mcp URL; killed on drop.
pub struct HttpServer {
    pub child: Child,
    pub url: String,
}

impl HttpServer {
    /// Start `binary http --listen 127.0.0.1:0 FLAGS` with `env`, and read its URL from the log.
    /// With `drain_stderr`, a thread keeps reading stderr; without it stderr stays a pipe nobody
    /// reads once the URL line is in (a supervisor that never drains the log).
    pub fn start_with(
        binary: &str,
        flags: &[&str],
        env: &[(&str, &str)],
        drain_stderr: bool,
    ) -> Self {
        let mut command = Command::new(binary);
        command
            .args(["http", "--listen", "127.0.0.1:0"])
            .args(flags)
            .env_remove("BACKEND_ENGINEERING_MCP_TOKEN")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("spawn the server");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("the server logs its URL before anything else")
                .expect("stderr line");
            if let Some(start) = line.find("url=http://") {
                let rest = &line[start + 4..];
                break rest
                    .split_whitespace()
                    .next()
                    .expect("a URL after url=")
                    .to_string();
            }
        };
        if drain_stderr {
            std::thread::spawn(move || for _ in lines {});
        } else {
            // Held open, never read again: the pipe fills and stays full.
            std::mem::forget(lines);
        }
        Self { child, url }
    }

    /// [`Self::start_with`] the binary under test, stderr drained.
    pub fn start(flags: &[&str], env: &[(&str, &str)]) -> Self {
        Self::start_with(super::BIN, flags, env, true)
    }

    /// Wait until `/readyz` answers 200 (the search index is built); a guard of 60 s fails the test
    /// instead of hanging it.
    pub async fn wait_ready(&self, http: &reqwest::Client) {
        let ready = format!("{}/readyz", self.url.trim_end_matches("/mcp"));
        for _ in 0..600 {
            if http
                .get(&ready)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{ready} never answered 200");
    }

    /// SIGTERM, then wait for the exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(status.success());
        let status = self.child.wait().expect("wait for the server");
        std::mem::forget(self);
        status
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The 2025-era initialize a raw client sends.
pub const INIT_2025: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;

/// A status and the body as text.
pub struct Reply {
    pub status: u16,
    pub session: Option<String>,
    pub body: String,
}

impl Reply {
    /// The JSON-RPC message in the body: the body itself, or the last `data:` line of an SSE
    /// stream that holds an `"id"` (the reply, after any notifications).
    pub fn message(&self) -> Option<&str> {
        let body = self.body.trim();
        if body.starts_with('{') {
            return Some(body);
        }
        self.body
            .lines()
            .rev()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim)
            .find(|l| l.starts_with('{') && l.contains("\"id\""))
    }
}

/// POST raw `body` bytes to `url` as a 2025-era client (in `session` if given).
pub async fn post(
    http: &reqwest::Client,
    url: &str,
    session: Option<&str>,
    body: Vec<u8>,
) -> Reply {
    let mut request = http
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body);
    if let Some(session) = session {
        request = request
            .header("mcp-session-id", session)
            .header("mcp-protocol-version", "2025-11-25");
    }
    let response = request.send().await.expect("the server answers the POST");
    let status = response.status().as_u16();
    let session = response
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response.text().await.expect("the body");
    Reply {
        status,
        session,
        body,
    }
}

/// Initialize a 2025-era session over raw POSTs; returns its id.
pub async fn open_session(http: &reqwest::Client, url: &str) -> String {
    let reply = post(http, url, None, INIT_2025.as_bytes().to_vec()).await;
    assert_eq!(reply.status, 200, "initialize: {}", reply.body);
    let session = reply.session.expect("an Mcp-Session-Id");
    let done = post(
        http,
        url,
        Some(&session),
        br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_vec(),
    )
    .await;
    assert_eq!(done.status, 202, "initialized: {}", done.body);
    session
}
