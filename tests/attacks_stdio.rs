//! Attacks from issue 15 over the real binary's stdio, one test per finding, each bounded in count
//! and time. `ATTACK_BIN=/path/to/other/build cargo test --test attacks_stdio` runs them against
//! another build (that is how each was checked to fail before the fix).

use std::io::Write;
use std::process::{Command, Stdio};

mod common;

use common::{lines, memory_kib};

fn bin() -> String {
    common::bin_from("ATTACK_BIN")
}

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"attack","version":"1"}}}"#;

/// Write `input` (on a thread), read all of stdout; stderr discarded.
fn session(input: Vec<u8>) -> (Vec<serde_json::Value>, std::process::ExitStatus) {
    common::raw_session_of(&bin(), input)
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
    let (out, _) = common::raw_output_of(&bin(), input.into_bytes());
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
        r#"{"jsonrpc":"2.0","id":6,"method":"completion/complete","params":{"ref":{"type":"ref/odd","name":"x"},"argument":{"name":"lang","value":""}}}"#,
        r#"{"jsonrpc":"2.0","id":7,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"design-schema"},"argument":{"name":"lang","value":7}}}"#,
    ]));
    for id in [2, 3, 6, 7] {
        let r = replies.iter().find(|r| r["id"] == id).expect("reply");
        assert_eq!(r["error"]["code"], -32602, "{r}");
        let message = r["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("Invalid params for"), "{r}");
    }
    // Duplicate keys are not JSON a server can read: -32700, with the id.
    let dup = replies.iter().find(|r| r["id"] == 4).expect("reply to 4");
    assert_eq!(dup["error"]["code"], -32700, "{dup}");
}

#[test]
fn invalid_utf8_inside_a_string_is_a_parse_error_with_the_id() {
    let mut input = lines(&[INIT]);
    input.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"plan_slo\",\"arguments\":{\"sli\":\"a\xff\xfeb\"}}}\n");
    let (replies, _) = session(input);
    let reply = replies.iter().find(|r| r["id"] == 5).expect("a reply to 5");
    assert_eq!(reply["error"]["code"], -32700, "{reply}");
}

#[test]
fn a_never_read_stderr_does_not_freeze_the_server() {
    // 2,000 bad lines and cancellations with stderr piped and never read (a 64 KiB pipe).
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
    let out = common::session_with_unread_stderr(&bin(), input);
    assert!(
        out.contains(r#""id":"last""#),
        "the last ping was not answered"
    );
}

#[test]
fn an_initialize_with_a_huge_client_name_and_an_unread_stderr_is_answered() {
    // The client name was logged whole at start: 100 KB into a 64 KiB pipe nobody reads froze the
    // server before it answered initialize.
    let init = INIT.replace(
        r#""name":"attack""#,
        &format!(r#""name":"{}""#, "n".repeat(100 * 1024)),
    );
    let input = lines(&[&init, r#"{"jsonrpc":"2.0","id":"p","method":"ping"}"#]);
    let out = common::session_with_unread_stderr(&bin(), input);
    assert!(out.contains(r#""id":1,"#), "initialize was not answered");
    assert!(out.contains(r#""id":"p""#), "the ping was not answered");
}

/// A server driven line by line: replies arrive on a channel read with a generous bound, so a hung
/// server fails the test instead of hanging it (the bound is a guard, not a measurement).
struct Live {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    replies: std::sync::mpsc::Receiver<serde_json::Value>,
}

const HANG_GUARD: std::time::Duration = std::time::Duration::from_secs(300);

impl Live {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(bin())
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, replies) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        let mut live = Self {
            stdin: child.stdin.take(),
            child,
            replies,
        };
        live.send(INIT);
        assert_eq!(live.next()["id"], 1);
        live
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line.as_bytes()).expect("write");
        stdin.write_all(b"\n").expect("write");
        stdin.flush().expect("flush");
    }

    fn next(&self) -> serde_json::Value {
        self.replies
            .recv_timeout(HANG_GUARD)
            .expect("a reply (the server hung or exited)")
    }

    /// CPU time the server has used, in clock ticks.
    #[cfg(target_os = "linux")]
    fn cpu_ticks(&self) -> u64 {
        common::cpu_ticks(self.child.id())
    }

    fn finish(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        while self.replies.recv_timeout(HANG_GUARD).is_ok() {}
        self.child.wait().expect("wait")
    }
}

fn review_call(id: &str, ddl: &str) -> String {
    serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "review_schema", "arguments": {"ddl": ddl}}})
    .to_string()
}

#[cfg(target_os = "linux")]
#[test]
fn a_slow_call_does_not_make_the_server_deaf_and_a_cancel_stops_its_work() {
    let ddl = common::heavy_ddl(6_000);
    let mut server = Live::start(&[]);
    // Build the search index first, so its thread adds nothing to the CPU counts below.
    server.send(r#"{"jsonrpc":"2.0","id":"warm","method":"tools/call","params":{"name":"search_references","arguments":{"query":"retries"}}}"#);
    assert_eq!(server.next()["id"], "warm");

    // 1. Not deaf: while the heavy call runs, pings and a listing are answered, before it.
    server.send(&review_call("heavy", &ddl));
    for i in 0..20 {
        server.send(&format!(
            r#"{{"jsonrpc":"2.0","id":"p{i}","method":"ping"}}"#
        ));
    }
    server.send(r#"{"jsonrpc":"2.0","id":"list","method":"tools/list"}"#);
    let mut answered_before_heavy = 0;
    while answered_before_heavy < 21 {
        let reply = server.next();
        assert_ne!(
            reply["id"], "heavy",
            "the heavy call was answered before {answered_before_heavy} of 21 cheap requests: they waited for it"
        );
        answered_before_heavy += 1;
    }

    // 2. A cancel stops the work: after it, the server spends about one call's CPU on one more call,
    // not two (the cancelled call would still be running beside it, or ahead of it on one core).
    server.send(
        r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"heavy"}}"#,
    );
    let at_cancel = server.cpu_ticks();
    server.send(&review_call("second", &ddl));
    let second = server.next();
    assert_eq!(
        second["id"], "second",
        "the cancelled call was answered: {second}"
    );
    let after_second = server.cpu_ticks();
    server.send(&review_call("third", &ddl));
    assert_eq!(server.next()["id"], "third");
    let one_call = server.cpu_ticks() - after_second;
    let after_cancel = after_second - at_cancel;
    assert!(
        one_call >= 20,
        "the call must be heavy enough to measure ({one_call} ticks)"
    );
    assert!(
        after_cancel * 2 < one_call * 3,
        "after the cancel the server used {after_cancel} ticks for one call that alone takes {one_call}: the cancelled work went on"
    );
    assert!(server.finish().success());
}

#[cfg(target_os = "linux")]
#[test]
fn replies_a_client_does_not_read_do_not_pile_up_in_memory() {
    // 2,000 whole-document reads (95 KB replies) written at once and nothing read for a while: the
    // server must stop reading instead of queueing replies. Before the fix 10,000 such reads reached
    // 434 MB; the memory grew by the replies held.
    const CALLS: usize = 2_000;
    let mut child = Command::new(bin())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    use std::io::BufRead;
    stdin.write_all(INIT.as_bytes()).expect("write");
    stdin.write_all(b"\n").expect("write");
    out.read_line(&mut line).expect("initialize reply");
    let pid = child.id();
    let start_kib = memory_kib(pid, "VmRSS:");
    let mut input = Vec::new();
    for id in 1..=CALLS {
        input.extend_from_slice(
            format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"read_reference","arguments":{{"name":"security.md"}}}}}}"#)
                .as_bytes(),
        );
        input.push(b'\n');
    }
    let (written_tx, written) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
        let _ = written_tx.send(());
        stdin // kept open until every reply is read, so the process is still there to measure
    });
    // Not reading: wait until every request was taken (no backpressure) or a few seconds passed.
    let no_backpressure = written
        .recv_timeout(std::time::Duration::from_secs(3))
        .is_ok();
    let (mut results, mut busy, mut other) = (0, 0, Vec::new());
    for _ in 0..CALLS {
        line.clear();
        if out.read_line(&mut line).expect("read") == 0 {
            break;
        }
        // Classified by their start, not parsed: 190 MB of JSON would dominate the test's time.
        let head: String = line.chars().take(100).collect();
        if head.contains(r#""result":{"#) {
            results += 1;
        } else if head.contains(r#""error":{"code":-32000"#) {
            busy += 1;
        } else {
            other.push(head);
        }
    }
    let peak_kib = memory_kib(pid, "VmHWM:");
    drop(writer.join().expect("writer"));
    let _ = child.wait();
    assert_eq!(results + busy, CALLS, "unexpected replies: {other:?}");
    let growth_mib = peak_kib.saturating_sub(start_kib) / 1024;
    assert!(
        growth_mib < 60,
        "memory grew by {growth_mib} MiB (from {} MiB) with {CALLS} unread replies of 95 KB \
         (stdin taken whole without waiting for the reader: {no_backpressure})",
        start_kib / 1024
    );
}

#[test]
fn a_closed_stdout_ends_the_server_instead_of_running_requests_nobody_reads() {
    let mut child = Command::new(bin())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(INIT.as_bytes()).expect("write");
    stdin.write_all(b"\n").expect("write");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).expect("initialize reply");
    drop(stdout); // the client stops reading: every write the server makes now fails (EPIPE)
    // Keep sending; a server that stops at the first failed reply closes stdin too.
    const LIMIT: usize = 200_000;
    let line = br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"read_reference","arguments":{"name":"security.md"}}}"#;
    let mut sent = 0;
    while sent < LIMIT {
        let result = stdin.write_all(line).and_then(|()| stdin.write_all(b"\n"));
        match result {
            Ok(()) => sent += 1,
            Err(e) => {
                assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
                break;
            }
        }
    }
    assert!(
        sent < LIMIT,
        "the server kept reading {LIMIT} requests after stdout closed"
    );
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status}");
}

#[test]
fn errors_quote_a_short_prefix_of_a_huge_value() {
    let huge = "v".repeat(1 << 20);
    let calls = [
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "plan_retries", "arguments": {"failure": huge, "idempotent": true}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
            "params": {"name": huge, "arguments": {}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 4, "method": huge}),
        serde_json::json!({"jsonrpc": "2.0", "id": 5, "method": "resources/read",
            "params": {"uri": format!("skill://backend-engineering/references/{huge}")}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 6, "method": "prompts/get",
            "params": {"name": huge}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 7, "method": "completion/complete",
            "params": {"ref": {"type": "ref/prompt", "name": huge}, "argument": {"name": "lang", "value": ""}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call",
            "params": {"name": "choose_api_style", "arguments": {"needs": [huge], "consumers": huge}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
            "params": {"name": "review_schema", "arguments": {"ddl": "CREATE TABLE t (id int PRIMARY KEY);", "dialect": huge}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 10, "method": "tools/call",
            "params": {"name": "read_reference", "arguments": {"name": huge}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 11, "method": "tools/call",
            "params": {"name": "read_reference", "arguments": {"name": "security.md", "section": huge}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 12, "method": "tools/call",
            "params": {"name": "get_skill", "arguments": {"lang": huge}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 13, "method": "prompts/get",
            "params": {"name": "design-schema", "arguments": {"context": [huge]}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 14, "method": "skills/get",
            "params": {"uri": huge}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 15, "method": "tools/call",
            "params": {"name": "search_references", "arguments": {"query": "retries", "reference": huge}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": huge, "method": "ping"}),
    ];
    let texts: Vec<String> = calls.iter().map(ToString::to_string).collect();
    let mut all = vec![INIT];
    all.extend(texts.iter().map(String::as_str));
    let (replies, _) = session(lines(&all));
    assert_eq!(replies.len(), calls.len() + 1, "one reply each");
    for reply in &replies[1..] {
        let size = reply.to_string().len();
        assert!(
            size < 4096,
            "a {size}-byte reply: {}",
            reply.to_string().chars().take(300).collect::<String>()
        );
        // A prompt nobody has (id 7) completes to nothing; everything else is refused.
        if reply["id"] == 7 {
            assert_eq!(
                reply["result"]["completion"]["values"],
                serde_json::json!([])
            );
            continue;
        }
        let failed = reply["error"].is_object()
            || reply["result"]["isError"] == serde_json::Value::Bool(true);
        assert!(failed, "{reply}");
    }
}

/// The tools and their schemas, from the server itself.
fn tool_schemas() -> Vec<(String, serde_json::Value)> {
    let (replies, _) = session(lines(&[
        INIT,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    ]));
    replies[1]["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().expect("name").to_string(),
                t["inputSchema"].clone(),
            )
        })
        .collect()
}

/// Dotted paths (`metrics.db_cpu_percent`) of the fields whose schema type is `kind`.
fn fields_of_type(schema: &serde_json::Value, kind: &str) -> Vec<String> {
    fn walk(
        node: &serde_json::Value,
        root: &serde_json::Value,
        kind: &str,
        path: &str,
        depth: usize,
        out: &mut Vec<String>,
    ) {
        if depth > 8 {
            return;
        }
        let node = match node["$ref"].as_str() {
            Some(r) => &root["$defs"][r.rsplit('/').next().unwrap_or_default()],
            None => node,
        };
        for alternatives in ["anyOf", "oneOf", "allOf"] {
            for alt in node[alternatives].as_array().into_iter().flatten() {
                walk(alt, root, kind, path, depth + 1, out);
            }
        }
        let types = match &node["type"] {
            serde_json::Value::String(t) => vec![t.as_str()],
            serde_json::Value::Array(ts) => ts.iter().filter_map(|t| t.as_str()).collect(),
            _ => vec![],
        };
        if !path.is_empty() && types.contains(&kind) && !out.iter().any(|p| p == path) {
            out.push(path.to_string());
        }
        if let Some(properties) = node["properties"].as_object() {
            for (name, sub) in properties {
                let sub_path = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                walk(sub, root, kind, &sub_path, depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(schema, schema, kind, "", 0, &mut out);
    out
}

/// `{"a": {"b": value}}` for the path `a.b`.
fn nested(path: &str, value: serde_json::Value) -> serde_json::Value {
    path.rsplit('.')
        .fold(value, |inner, key| serde_json::json!({ key: inner }))
}

fn longest_digit_run(text: &str) -> usize {
    text.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

#[test]
fn extreme_numbers_are_echoed_in_a_few_characters() {
    // `5e-324` was echoed as 326 characters and `1e300` as 301 digits.
    let mut calls = Vec::new();
    for (tool, schema) in tool_schemas() {
        let mut fields = fields_of_type(&schema, "number");
        fields.extend(fields_of_type(&schema, "integer"));
        for field in fields {
            for value in [
                "5e-324",
                "1e-300",
                "1e300",
                "-1e300",
                "123456789012345678901234567890",
            ] {
                let number: serde_json::Value = serde_json::from_str(value).expect("number");
                calls.push(
                    serde_json::json!({"jsonrpc": "2.0", "id": calls.len() + 2, "method": "tools/call",
                        "params": {"name": tool, "arguments": nested(&field, number)}})
                    .to_string(),
                );
            }
        }
    }
    assert!(
        calls.len() > 100,
        "only {} calls: the schemas were not walked",
        calls.len()
    );
    let mut all = vec![INIT];
    all.extend(calls.iter().map(String::as_str));
    let (replies, _) = session(lines(&all));
    assert_eq!(replies.len(), calls.len() + 1);
    let long: Vec<String> = replies
        .iter()
        .filter(|r| longest_digit_run(&r.to_string()) > 24)
        .map(|r| r.to_string().chars().take(240).collect())
        .collect();
    assert!(
        long.is_empty(),
        "{} replies with a long run of digits: {long:#?}",
        long.len()
    );
}

#[test]
fn minus_zero_reads_as_zero_in_integer_fields() {
    let mut calls = Vec::new();
    for (tool, schema) in tool_schemas() {
        for field in fields_of_type(&schema, "integer") {
            for (suffix, zero) in [("z", "0"), ("m", "-0")] {
                let number: serde_json::Value = serde_json::from_str(zero).expect("number");
                calls.push(
                    serde_json::json!({"jsonrpc": "2.0", "id": format!("{tool}.{field}.{suffix}"),
                        "method": "tools/call",
                        "params": {"name": tool, "arguments": nested(&field, number)}})
                    .to_string(),
                );
            }
        }
    }
    assert!(calls.len() >= 20, "only {} calls", calls.len());
    let mut all = vec![INIT];
    all.extend(calls.iter().map(String::as_str));
    let (replies, _) = session(lines(&all));
    let mut compared = 0;
    for zero in replies
        .iter()
        .filter(|r| r["id"].as_str().is_some_and(|id| id.ends_with(".z")))
    {
        let id = zero["id"].as_str().unwrap_or_default();
        let minus_id = format!("{}.m", id.trim_end_matches(".z"));
        let minus = replies
            .iter()
            .find(|r| r["id"] == minus_id.as_str())
            .expect("a reply for -0");
        // Same answer, except that an error may quote the value as written.
        let strip = |r: &serde_json::Value| r["result"].to_string().replace("-0", "0");
        assert_eq!(strip(zero), strip(minus), "{minus_id}");
        compared += 1;
    }
    assert_eq!(compared * 2, calls.len());
}

#[test]
fn completing_an_argument_of_an_unknown_prompt_offers_nothing() {
    let (replies, _) = session(lines(&[
        INIT,
        r#"{"jsonrpc":"2.0","id":2,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"no-such-prompt"},"argument":{"name":"lang","value":""}}}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"file:///etc/{name}"},"argument":{"name":"name","value":""}}}"#,
        r#"{"jsonrpc":"2.0","id":4,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"design-schema"},"argument":{"name":"lang","value":""}}}"#,
        r#"{"jsonrpc":"2.0","id":5,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"design-schema"},"argument":{"name":"task","value":""}}}"#,
    ]));
    // An unknown prompt or template has no arguments to complete: an empty list, not `["en"]`
    // (clients, the conformance suite among them, probe with names of their own).
    for id in [2, 3] {
        let r = replies.iter().find(|r| r["id"] == id).expect("reply");
        assert_eq!(
            r["result"]["completion"]["values"],
            serde_json::json!([]),
            "{r}"
        );
    }
    let langs = replies.iter().find(|r| r["id"] == 4).expect("reply");
    assert_eq!(
        langs["result"]["completion"]["values"],
        serde_json::json!(["en", "zh"])
    );
    // `task` belongs to the skill prompt only; a task prompt takes `context`.
    let task = replies.iter().find(|r| r["id"] == 5).expect("reply");
    assert_eq!(
        task["result"]["completion"]["values"],
        serde_json::json!([])
    );
}

#[test]
fn only_stop_words_find_nothing_instead_of_arbitrary_hits() {
    let (replies, _) = session(lines(&[
        INIT,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search_references","arguments":{"query":"the of and a to is it","limit":5}}}"#,
    ]));
    let result = &replies[1]["result"];
    assert_eq!(
        result["structuredContent"]["hits"],
        serde_json::json!([]),
        "{result}"
    );
}

#[test]
fn sql_nested_200_deep_is_refused_for_its_nesting() {
    let case = (0..200).fold("1".to_string(), |inner, i| {
        format!("CASE WHEN a = {i} THEN {inner} ELSE 0 END")
    });
    let calls = [
        serde_json::json!({"jsonrpc": "2.0", "id": "ddl", "method": "tools/call",
            "params": {"name": "review_schema", "arguments": {
                "ddl": format!("CREATE TABLE t (a int PRIMARY KEY CHECK ({case} > 0));")}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": "query", "method": "tools/call",
            "params": {"name": "review_schema", "arguments": {
                "ddl": "CREATE TABLE t (a int PRIMARY KEY);",
                "queries": [format!("SELECT {case} FROM t")]}}}),
    ]
    .map(|c| c.to_string());
    let (replies, _) = session(lines(&[INIT, &calls[0], &calls[1]]));
    for id in ["ddl", "query"] {
        let reply = replies.iter().find(|r| r["id"] == id).expect("reply");
        let text = reply["result"]["content"][0]["text"]
            .as_str()
            .unwrap_or_default();
        assert!(
            text.contains("nest more than 40 levels deep"),
            "{id}: {text}"
        );
        assert!(!text.contains("Expected"), "{id}: {text}");
    }
}
