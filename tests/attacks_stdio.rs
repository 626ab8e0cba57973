//! Attacks from issue 15 over the real binary's stdio, one test per finding, each bounded in count
//! and time. `ATTACK_BIN=/path/to/other/build cargo test --test attacks_stdio` runs them against
//! another build (that is how each was checked to fail before the fix).

use std::io::{Read, Write};
use std::process::{Command, Stdio};

fn bin() -> String {
    std::env::var("ATTACK_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_backend-engineering-mcp").into())
}

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"attack","version":"1"}}}"#;

/// Write `input` (on a thread), read all of stdout; stderr piped and never read when `stderr_unread`.
fn session(input: Vec<u8>) -> (Vec<serde_json::Value>, std::process::ExitStatus) {
    let mut child = Command::new(bin())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read");
    writer.join().expect("writer");
    let status = child.wait().expect("wait");
    let values = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (values, status)
}

fn lines(lines: &[&str]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|l| l.bytes().chain(std::iter::once(b'\n')))
        .collect()
}

#[test]
fn a_notification_or_response_before_initialize_is_ignored() {
    let (replies, status) = session(lines(&[
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#,
        r#"{"jsonrpc":"2.0","id":99,"result":{}}"#,
        INIT,
        r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#,
    ]));
    assert!(status.success(), "{status}");
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert_eq!(replies[1]["id"], 2);
}

#[test]
fn a_second_initialize_is_a_clear_error() {
    let (replies, _) = session(lines(&[
        INIT,
        INIT.replace("\"id\":1", "\"id\":2").as_str(),
    ]));
    let second = replies
        .iter()
        .find(|r| r["id"] == 2)
        .expect("a reply to the second");
    assert_eq!(second["error"]["code"], -32600, "{second}");
}

#[test]
fn ids_beyond_u64_come_back_exactly_as_sent() {
    let input = format!(
        "{INIT}\n{}\n{}\n",
        r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":18446744073709551616,"method":"ping"}"#
    );
    let mut child = Command::new(bin())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read");
    let _ = child.wait();
    assert!(out.contains(r#""id":18446744073709551615"#), "{out}");
    assert!(out.contains(r#""id":18446744073709551616"#), "{out}");
}

#[test]
fn unparseable_numbers_and_oversized_lines_keep_their_id() {
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":"big","method":"tools/call","params":{{"name":"review_schema","arguments":{{"ddl":"{}"}}}}}}"#,
        "x".repeat(4 * 1024 * 1024 + 1)
    );
    let mut input = lines(&[
        INIT,
        r#"{"jsonrpc":"2.0","id":"num","method":"tools/call","params":{"name":"plan_slo","arguments":{"target_percent":1e400}}}"#,
    ]);
    input.extend_from_slice(big.as_bytes());
    input.push(b'\n');
    let (replies, _) = session(input);
    for id in ["num", "big"] {
        let reply = replies.iter().find(|r| r["id"] == id);
        assert!(
            reply.is_some_and(|r| r["error"]["code"].is_i64()),
            "{id}: {replies:?}"
        );
    }
}

#[test]
fn malformed_params_are_invalid_params_with_a_reason() {
    let (replies, _) = session(lines(&[
        INIT,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"plan_slo","arguments":[]}}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{}}"#,
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\",\"x\":\"\u{1}\",\"x\":1}",
    ]));
    for id in [2, 3] {
        let r = replies.iter().find(|r| r["id"] == id).expect("reply");
        assert_eq!(r["error"]["code"], -32602, "{r}");
    }
}

#[test]
fn a_never_read_stderr_does_not_freeze_the_server() {
    // 2,000 bad lines and cancellations with stderr piped and never read (a 64 KiB pipe).
    let mut child = Command::new(bin())
        .env("RUST_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = lines(&[INIT]);
    for i in 0..2000 {
        input.extend_from_slice(format!("not json {i} {}\n", "y".repeat(200)).as_bytes());
        input.extend_from_slice(
            format!(r#"{{"jsonrpc":"2.0","method":"notifications/cancelled","params":{{"requestId":{i},"reason":"{}"}}}}"#, "r".repeat(500)).as_bytes(),
        );
        input.push(b'\n');
    }
    input.extend_from_slice(br#"{"jsonrpc":"2.0","id":"last","method":"ping"}"#);
    input.push(b'\n');
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
        .expect("read");
    writer.join().expect("writer");
    let _ = child.wait();
    assert!(
        out.contains(r#""id":"last""#),
        "the last ping was not answered"
    );
}
