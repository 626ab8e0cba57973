//! Helpers shared by the integration tests: spawn the real binary and talk to it.
#![allow(dead_code)]

use std::process::Stdio;

use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};

/// Path of the binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_backend-engineering-mcp");

/// Spawn the server over stdio and initialize a real rmcp client against it.
pub async fn connect() -> RunningService<RoleClient, ()> {
    connect_to(BIN).await
}

/// Spawn another build of the server (e.g. main's, to measure a change against it) and initialize.
pub async fn connect_to(binary: &str) -> RunningService<RoleClient, ()> {
    let mut command = tokio::process::Command::new(binary);
    command.env("RUST_LOG", "warn");
    let (transport, _stderr) = TokioChildProcess::builder(command)
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the server");
    ().serve(transport).await.expect("initialize")
}

/// A JSON object from a `serde_json::json!` literal.
pub fn args(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match value {
        serde_json::Value::Object(map) => map,
        other => panic!("arguments must be an object, got {other}"),
    }
}

/// Run the binary with raw newline-delimited JSON lines on stdin; returns stdout lines parsed as JSON
/// and the exit status.
pub fn raw_session(lines: &[&str]) -> (Vec<serde_json::Value>, std::process::ExitStatus) {
    use std::io::Write;
    let mut child = std::process::Command::new(BIN)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Write on another thread while this one reads, so neither pipe can fill up and block both sides.
    let mut stdin = child.stdin.take().expect("stdin");
    let input: Vec<u8> = lines
        .iter()
        .flat_map(|l| l.bytes().chain(std::iter::once(b'\n')))
        .collect();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("wait");
    writer.join().expect("stdin writer");
    let values = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}"))
        })
        .collect();
    (values, output.status)
}
