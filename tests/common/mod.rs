//! Helpers shared by the integration tests: spawn the real binary and talk to it.
#![allow(dead_code)]

pub mod http;

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

/// The binary under test, or another build named by the environment variable `var` (the attack and
/// soak suites take `ATTACK_BIN`/`SOAK_BIN`, to show a finding failing on an older build).
pub fn bin_from(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| BIN.into())
}

/// Newline-delimited lines as the bytes a client writes.
pub fn lines(lines: &[&str]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|l| l.bytes().chain(std::iter::once(b'\n')))
        .collect()
}

/// Run the binary with raw newline-delimited JSON lines on stdin; returns stdout lines parsed as JSON
/// and the exit status.
pub fn raw_session(input: &[&str]) -> (Vec<serde_json::Value>, std::process::ExitStatus) {
    raw_session_of(BIN, lines(input))
}

/// [`raw_session`] for any build and any bytes (stderr discarded).
pub fn raw_session_of(
    binary: &str,
    input: Vec<u8>,
) -> (Vec<serde_json::Value>, std::process::ExitStatus) {
    let (stdout, status) = raw_output_of(binary, input);
    let values = stdout
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}"))
        })
        .collect();
    (values, status)
}

/// Write `input` to `binary` and return its stdout as text (for replies whose exact bytes matter,
/// such as ids beyond what a JSON number parser keeps) and the exit status. The input is written on
/// another thread while this one reads, so neither pipe can fill up and block both sides.
pub fn raw_output_of(binary: &str, input: Vec<u8>) -> (String, std::process::ExitStatus) {
    use std::io::Write;
    let mut child = std::process::Command::new(binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("wait");
    writer.join().expect("stdin writer");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        output.status,
    )
}

/// A memory figure of a live process from /proc/PID/status (`VmRSS:`, `VmHWM:`), in KiB; `None`
/// once the process is gone.
pub fn try_memory_kib(pid: u32, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// [`try_memory_kib`] of a process that must still be running.
pub fn memory_kib(pid: u32, field: &str) -> u64 {
    try_memory_kib(pid, field).unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

/// Spawn `binary` with stdin and stdout piped and `RUST_LOG=debug`; stderr is piped too, and the
/// caller holds it open without reading it (a client that never drains stderr: a 64 KiB pipe).
pub fn spawn_with_unread_stderr(binary: &str) -> std::process::Child {
    std::process::Command::new(binary)
        .env("RUST_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

/// Write `input` to a server whose stderr nobody reads, and return all it wrote to stdout.
pub fn session_with_unread_stderr(binary: &str, input: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let mut child = spawn_with_unread_stderr(binary);
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let _stderr = child.stderr.take(); // held open, never read
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read stdout");
    writer.join().expect("stdin writer");
    let _ = child.wait();
    out
}

/// CPU time a live process has used, in clock ticks (utime + stime of /proc/PID/stat).
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // Fields after the command name (which is in parentheses and may hold spaces).
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

/// A generated schema that takes `review_schema` seconds in a debug build: `tables` tables, each
/// referencing the one before.
pub fn heavy_ddl(tables: usize) -> String {
    (0..tables)
        .map(|i| {
            format!(
                "CREATE TABLE t{i} (id int, a text, b text, c int REFERENCES t{}(id));\n",
                i.saturating_sub(1)
            )
        })
        .collect()
}
