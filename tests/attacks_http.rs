//! The attacks of issue 15 replayed over streamable HTTP against the real binary on a loopback
//! socket: every bad message the stdio suite sends gets the same answer over HTTP (code and id,
//! byte for byte), and the HTTP forms of the other findings: messages before `initialize`, a
//! second `initialize`, a slow call beside cheap ones, a dropped request's work, a log pipe nobody
//! reads, an oversized body. Each is bounded in count and time. `ATTACK_BIN=/path/to/other/build
//! cargo test --test attacks_http` runs them against another build (before the fix, eleven of the
//! replayed messages came back with `"id": null` or as a bare -32601).

mod common;

use std::time::Duration;

use common::http::{HttpServer, INIT_2025, open_session, post};
use serde::Deserialize;
use serde_json::value::RawValue;

fn bin() -> String {
    common::bin_from("ATTACK_BIN")
}

/// Held by the tests that load the machine (the CPU-tick count of a cancelled call, 2,000 bodies
/// into an unread log), so that one does not run beside the other and blur the count.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What a replayed message must get back.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// A result, whose JSON text holds this.
    Result(&'static str),
    /// A JSON-RPC error with this code.
    Error(i64),
}

/// One replayed message: the finding it reproduces, the bytes sent, the id text the reply must carry
/// (`null` where the message holds no readable id), the answer, and the longest reply accepted.
struct Case {
    finding: &'static str,
    body: Vec<u8>,
    id: &'static str,
    expect: Expect,
    max_reply: usize,
}

fn case(finding: &'static str, body: &str, id: &'static str, expect: Expect) -> Case {
    Case {
        finding,
        body: body.as_bytes().to_vec(),
        id,
        expect,
        max_reply: 2_000,
    }
}

fn tool_call(id: &str, name: &str, arguments: serde_json::Value) -> String {
    serde_json::json!({"jsonrpc": "2.0", "id": serde_json::from_str::<serde_json::Value>(id).unwrap_or_default(),
        "method": "tools/call", "params": {"name": name, "arguments": arguments}})
    .to_string()
}

fn cases() -> Vec<Case> {
    let nested = (0..200).fold("1".to_string(), |inner, i| {
        format!("CASE WHEN a = {i} THEN {inner} ELSE 0 END")
    });
    let huge = "x".repeat(1 << 20);
    let mut cases = vec![
        case(
            "ids at u64::MAX come back exactly",
            r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"}"#,
            "18446744073709551615",
            Expect::Result("{}"),
        ),
        case(
            "ids beyond u64::MAX come back exactly",
            r#"{"jsonrpc":"2.0","id":18446744073709551616,"method":"ping"}"#,
            "18446744073709551616",
            Expect::Result("{}"),
        ),
        case(
            "a float id comes back as written",
            r#"{"jsonrpc":"2.0","id":1e300,"method":"ping"}"#,
            "1e300",
            Expect::Result("{}"),
        ),
        case(
            "a number beyond f64 keeps the id",
            r#"{"jsonrpc":"2.0","id":7,"method":"ping","params":{"x":1e400}}"#,
            "7",
            Expect::Error(-32700),
        ),
        case(
            "tools/call with array arguments is invalid params",
            r#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"search_references","arguments":[]}}"#,
            "8",
            Expect::Error(-32602),
        ),
        case(
            "tools/call without a name is invalid params",
            r#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"arguments":{}}}"#,
            "9",
            Expect::Error(-32602),
        ),
        case(
            "completion/complete with an odd ref is invalid params",
            r#"{"jsonrpc":"2.0","id":10,"method":"completion/complete","params":{"ref":{"type":"odd"},"argument":{"name":"a","value":"b"}}}"#,
            "10",
            Expect::Error(-32602),
        ),
        case(
            "duplicate keys are a parse error with the id",
            r#"{"jsonrpc":"2.0","id":12,"method":"ping","method":"ping"}"#,
            "12",
            Expect::Error(-32700),
        ),
        case(
            "an unknown method is method-not-found",
            r#"{"jsonrpc":"2.0","id":14,"method":"no/such/method"}"#,
            "14",
            Expect::Error(-32601),
        ),
        case(
            "a wrong jsonrpc version keeps the id",
            r#"{"jsonrpc":"1.0","id":15,"method":"ping"}"#,
            "15",
            Expect::Error(-32600),
        ),
        case(
            "an object id is an invalid request",
            r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#,
            "null",
            Expect::Error(-32600),
        ),
        case(
            "a batch is an invalid request",
            r#"[{"jsonrpc":"2.0","id":16,"method":"ping"}]"#,
            "null",
            Expect::Error(-32600),
        ),
        case(
            "only stop words find nothing",
            &tool_call(
                "17",
                "search_references",
                serde_json::json!({"query": "the of and a to is it", "limit": 5}),
            ),
            "17",
            Expect::Result(r#""hits":[]"#),
        ),
        case(
            "completing an unknown prompt offers nothing",
            r#"{"jsonrpc":"2.0","id":18,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"no-such-prompt"},"argument":{"name":"lang","value":""}}}"#,
            "18",
            Expect::Result(r#""values":[]"#),
        ),
        case(
            "SQL nested 200 deep is refused for its nesting",
            &tool_call(
                "19",
                "review_schema",
                serde_json::json!({"ddl": format!("CREATE TABLE t (a int PRIMARY KEY CHECK ({nested} > 0));")}),
            ),
            "19",
            Expect::Result("nest more than 40 levels deep"),
        ),
        case(
            "an extreme number is echoed in a few characters",
            &tool_call(
                "20",
                "search_references",
                serde_json::json!({"query": "retries", "limit": 5e-324}),
            ),
            "20",
            Expect::Result("5e-324"),
        ),
        case(
            "a huge tool name is quoted by a short prefix",
            &serde_json::json!({"jsonrpc": "2.0", "id": 21, "method": "tools/call",
                "params": {"name": huge, "arguments": {}}})
            .to_string(),
            "21",
            Expect::Error(-32602),
        ),
        case(
            "a huge enum value is quoted by a short prefix",
            &tool_call("22", "read_reference", serde_json::json!({"name": huge})),
            "22",
            Expect::Result(r#""isError":true"#),
        ),
    ];
    cases.push(Case {
        finding: "invalid UTF-8 inside a string is a parse error with the id",
        body:
            b"{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"ping\",\"params\":{\"s\":\"\xff\xfe\"}}"
                .to_vec(),
        id: "11",
        expect: Expect::Error(-32700),
        max_reply: 2_000,
    });
    cases
}

/// The parts of a reply compared across transports; the id stays raw text.
#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    id: &'a RawValue,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(default)]
    error: Option<ErrorObject>,
}

#[derive(Deserialize)]
struct ErrorObject {
    code: i64,
}

/// Check one reply against its case; `transport` names where it came from.
fn check(case: &Case, transport: &str, reply: &str) {
    let what = format!("{transport}: {}", case.finding);
    assert!(
        reply.len() <= case.max_reply,
        "{what}: a reply of {} bytes: {}…",
        reply.len(),
        &reply[..reply.len().min(300)]
    );
    let message: Message = serde_json::from_str(reply)
        .unwrap_or_else(|e| panic!("{what}: the reply is not a JSON-RPC message ({e}): {reply}"));
    assert_eq!(message.id.get(), case.id, "{what}: the id: {reply}");
    match case.expect {
        Expect::Result(holds) => {
            let result = message
                .result
                .unwrap_or_else(|| panic!("{what}: expected a result: {reply}"));
            assert!(result.get().contains(holds), "{what}: {holds} in {reply}");
        }
        Expect::Error(code) => {
            let error = message
                .error
                .unwrap_or_else(|| panic!("{what}: expected an error: {reply}"));
            assert_eq!(error.code, code, "{what}: {reply}");
        }
    }
}

#[tokio::test]
async fn every_stdio_attack_gets_the_same_answer_over_http() {
    let cases = cases();
    // stdio: one session, every case in turn; replies matched to cases by order (one reply each).
    let mut input = vec![
        INIT_2025.as_bytes().to_vec(),
        br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_vec(),
    ];
    input.extend(cases.iter().map(|c| c.body.clone()));
    let input: Vec<u8> = input
        .into_iter()
        .flat_map(|mut line| {
            line.push(b'\n');
            line
        })
        .collect();
    let (stdout, status) = common::raw_output_of(&bin(), input);
    assert!(status.success(), "stdio exit {status:?}");
    // Replies come in the order they finish (a ping overtakes a tool call): match them by id, and
    // the `null`-id ones by order among themselves.
    let mut replies: Vec<(String, &str)> = stdout
        .lines()
        .map(|line| {
            let message: Message = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("stdio: not a JSON-RPC message ({e}): {line}"));
            (message.id.get().to_string(), line)
        })
        .filter(|(id, _)| id != "1")
        .collect();
    assert_eq!(replies.len(), cases.len(), "one stdio reply per case");
    for case in &cases {
        let at = replies
            .iter()
            .position(|(id, _)| id == case.id)
            .unwrap_or_else(|| panic!("stdio: {}: no reply with id {}", case.finding, case.id));
        let (_, reply) = replies.remove(at);
        check(case, "stdio", reply);
    }

    // HTTP: a 2025-era session, each case its own POST.
    let server = HttpServer::start_with(&bin(), &["--rate-limit", "off"], &[], true);
    let http = reqwest::Client::new();
    let session = open_session(&http, &server.url).await;
    for case in &cases {
        let reply = post(&http, &server.url, Some(&session), case.body.clone()).await;
        let message = reply.message().unwrap_or_else(|| {
            panic!(
                "http: {}: status {} and no JSON-RPC message: {}",
                case.finding, reply.status, reply.body
            )
        });
        check(case, "http", message);
        // A message that is no usable request is a 400; a request's reply (even an error) is a 200.
        let expected_status = match case.expect {
            Expect::Error(-32700 | -32600) => 400,
            _ => 200,
        };
        assert_eq!(reply.status, expected_status, "http: {}", case.finding);
    }
    assert!(server.terminate().success());
}

#[tokio::test]
async fn a_second_initialize_in_a_session_is_refused_and_the_session_goes_on() {
    let server = HttpServer::start_with(&bin(), &["--rate-limit", "off"], &[], true);
    let http = reqwest::Client::new();
    let session = open_session(&http, &server.url).await;
    let again = post(
        &http,
        &server.url,
        Some(&session),
        INIT_2025.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(again.body.contains("already initialized"), "{}", again.body);
    let ping = post(
        &http,
        &server.url,
        Some(&session),
        br#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#.to_vec(),
    )
    .await;
    assert_eq!(ping.status, 200, "{}", ping.body);
    assert!(ping.message().is_some_and(|m| m.contains("\"result\"")));
}

#[tokio::test]
async fn messages_before_initialize_are_answered_and_the_server_stays_up() {
    let mut server = HttpServer::start_with(&bin(), &["--rate-limit", "off"], &[], true);
    let http = reqwest::Client::new();
    for body in [
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"reason":"slow"}}"#,
        r#"{"jsonrpc":"2.0","id":5,"result":{}}"#,
        r#"{"jsonrpc":"2.0","id":6,"error":{"code":-1,"message":"stray"}}"#,
        r#"{"jsonrpc":"1.0","method":"notifications/initialized"}"#,
    ] {
        let reply = post(&http, &server.url, None, body.as_bytes().to_vec()).await;
        assert!(
            reply.status < 500,
            "{body}: status {} {}",
            reply.status,
            reply.body
        );
        assert!(
            server.child.try_wait().expect("try_wait").is_none(),
            "{body}: the server exited"
        );
    }
    let session = open_session(&http, &server.url).await;
    let ping = post(
        &http,
        &server.url,
        Some(&session),
        br#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#.to_vec(),
    )
    .await;
    assert_eq!(ping.status, 200, "{}", ping.body);
    assert!(server.terminate().success());
}

/// Tables in the heavy review: about 1.2 MB of DDL (under the 4 MiB body cap) and some seconds of
/// CPU in a debug build, so that a cancel sent after 40 ticks finds the call still running. Its reply
/// is capped (30 findings), so the work is in the review, not in writing the reply.
const HEAVY_TABLES: usize = 16_000;

fn stateless_call(id: u32, name: &str, arguments: serde_json::Value) -> Vec<u8> {
    serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": name, "arguments": arguments}})
    .to_string()
    .into_bytes()
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_call_does_not_make_the_server_deaf_and_a_cancel_or_a_drop_stops_its_work() {
    let _alone = HEAVY.lock().await;
    let server = HttpServer::start_with(&bin(), &["--rate-limit", "off"], &[], true);
    let pid = server.child.id();
    let http = reqwest::Client::new();
    let session = open_session(&http, &server.url).await;
    // Build the search index first, so its thread adds nothing to the CPU counts below.
    let warm = post(
        &http,
        &server.url,
        Some(&session),
        stateless_call(
            2,
            "search_references",
            serde_json::json!({"query": "retries"}),
        ),
    )
    .await;
    assert_eq!(warm.status, 200);
    let ddl = common::heavy_ddl(HEAVY_TABLES);
    let heavy = stateless_call(3, "review_schema", serde_json::json!({ "ddl": ddl }));

    // 1. Not deaf: while the heavy call runs, pings are answered.
    let slow = {
        let (http, url, session, heavy) = (
            http.clone(),
            server.url.clone(),
            session.clone(),
            heavy.clone(),
        );
        tokio::spawn(async move { post(&http, &url, Some(&session), heavy).await })
    };
    // Wait until the server is busy with it (10 ticks of CPU), then ping: each ping must be answered
    // while the heavy call still runs. The call takes seconds; a ping, milliseconds.
    wait_for_cpu(pid, 10).await;
    let mut answered_during = 0;
    for i in 0..20 {
        let ping = post(
            &http,
            &server.url,
            Some(&session),
            format!(r#"{{"jsonrpc":"2.0","id":"p{i}","method":"ping"}}"#).into_bytes(),
        )
        .await;
        assert_eq!(ping.status, 200, "{}", ping.body);
        if slow.is_finished() {
            break;
        }
        answered_during += 1;
    }
    assert!(
        answered_during >= 5,
        "only {answered_during} pings were answered while the heavy call ran: the server was deaf, or the call too light to show anything"
    );

    let first = slow.await.expect("the heavy POST's task");
    assert_eq!(first.status, 200, "the heavy call itself");

    // 2. In a session, a disconnect is not a cancel (the MCP specification says so); the client's
    // `notifications/cancelled` is, and it stops the work: after it, one more call costs about one
    // call's CPU, not two. The cancel goes out once the server has spent 40 ticks on the call (so it
    // is running: the core work, not the reading of the body or the writing of the reply).
    let heavy_4 = stateless_call(4, "review_schema", serde_json::json!({ "ddl": ddl }));
    let slow = {
        let (http, url, session) = (http.clone(), server.url.clone(), session.clone());
        tokio::spawn(async move { post(&http, &url, Some(&session), heavy_4).await })
    };
    wait_for_cpu(pid, 40).await;
    let cancel = post(
        &http,
        &server.url,
        Some(&session),
        br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":4,"reason":"test"}}"#.to_vec(),
    )
    .await;
    assert_eq!(cancel.status, 202, "{}", cancel.body);
    let cancelled = slow.await.expect("the heavy POST's task");
    assert!(
        !cancelled.body.contains("\"result\""),
        "the cancelled call was answered with a result: {}",
        &cancelled.body[..cancelled.body.len().min(300)]
    );
    let (one_call, after_cancel) = cost_after_stop(pid, || async {
        let reply = post(&http, &server.url, Some(&session), heavy.clone()).await;
        assert_eq!(reply.status, 200);
    })
    .await;
    assert!(
        after_cancel * 2 < one_call * 3,
        "after the cancel the server used {after_cancel} ticks for one call that alone takes {one_call}: the cancelled work went on"
    );
    assert!(server.terminate().success());

    // 3. Stateless, a client cannot send a cancel; dropping the request is the only signal it has.
    let server = HttpServer::start_with(&bin(), &["--stateless", "--rate-limit", "off"], &[], true);
    let pid = server.child.id();
    // The search index builds on a thread at start-up (over a second of CPU in a debug build): wait
    // for /readyz so that the build does not land in the counts below.
    server.wait_ready(&http).await;
    let call = |id: u32| {
        let body = serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "review_schema", "arguments": {"ddl": &ddl},
                "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": {}}}});
        http.post(&server.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", "review_schema")
            .body(body.to_string())
            .send()
    };
    let dropped = tokio::spawn(call(4));
    wait_for_cpu(pid, 40).await;
    dropped.abort();
    let _ = dropped.await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (one_call, after_drop) = cost_after_stop(pid, || async {
        let reply = call(5).await.expect("a reply");
        assert_eq!(reply.status().as_u16(), 200);
    })
    .await;
    assert!(
        after_drop * 2 < one_call * 3,
        "after the drop the server used {after_drop} ticks for one call that alone takes {one_call}: the dropped work went on"
    );
    assert!(server.terminate().success());
}

/// Wait until process `pid` has used `ticks` more clock ticks of CPU than now (a guard of 120 s
/// fails the test instead of hanging it): progress of the work, whatever else shares the machine.
async fn wait_for_cpu(pid: u32, ticks: u64) {
    let start = common::cpu_ticks(pid);
    for _ in 0..12_000 {
        if common::cpu_ticks(pid) >= start + ticks {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server did not use {ticks} ticks of CPU in 120 s");
}

/// CPU ticks of one call made right after a heavy call was stopped, and of one more call made after
/// that: (`one_call`, `after_stop`). The stopped work, if it went on, shows in the first.
async fn cost_after_stop<F, Fut>(pid: u32, call: F) -> (u64, u64)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let at_stop = common::cpu_ticks(pid);
    call().await;
    let after_second = common::cpu_ticks(pid);
    call().await;
    let one_call = common::cpu_ticks(pid) - after_second;
    assert!(
        one_call >= 20,
        "the call must be heavy enough to measure ({one_call} ticks)"
    );
    (one_call, after_second - at_stop)
}

#[tokio::test]
async fn a_log_pipe_nobody_reads_does_not_freeze_the_server() {
    let _alone = HEAVY.lock().await;
    // Debug logging, every request logged, stderr a 64 KiB pipe nobody reads: 2,000 bad bodies
    // and 200 good calls must all be answered.
    let server = HttpServer::start_with(
        &bin(),
        &["--rate-limit", "off"],
        &[("RUST_LOG", "debug")],
        false,
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("a client");
    let session = open_session(&http, &server.url).await;
    let reason = "r".repeat(10_000);
    for i in 0..2_000 {
        let body = match i % 3 {
            0 => b"{\"jsonrpc\":\"2.0\",\"id\":1,".to_vec(),
            1 => format!(
                r#"{{"jsonrpc":"2.0","method":"notifications/cancelled","params":{{"requestId":{i},"reason":"{reason}"}}}}"#
            )
            .into_bytes(),
            _ => format!(r#"{{"jsonrpc":"2.0","id":{i},"method":"no/such"}}"#).into_bytes(),
        };
        let reply = post(&http, &server.url, Some(&session), body).await;
        assert!(reply.status < 500, "bad body {i}: {}", reply.status);
    }
    for i in 0..200 {
        let reply = post(
            &http,
            &server.url,
            Some(&session),
            stateless_call(
                i,
                "search_references",
                serde_json::json!({"query": "idempotency keys"}),
            ),
        )
        .await;
        assert_eq!(reply.status, 200, "call {i}: {}", reply.body);
    }
    assert!(server.terminate().success());
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_and_the_server_goes_on() {
    // Over stdio a line one byte over 4 MiB was answered with `"id": null`; over HTTP the POST
    // itself is answered 413 (declared or streamed), and the next request is served.
    let server = HttpServer::start_with(&bin(), &["--rate-limit", "off"], &[], true);
    let http = reqwest::Client::new();
    let session = open_session(&http, &server.url).await;
    let ddl = "x".repeat(4 * 1024 * 1024);
    let big = stateless_call(2, "review_schema", serde_json::json!({ "ddl": ddl }));
    let reply = post(&http, &server.url, Some(&session), big).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(reply.body.contains("limit"), "{}", reply.body);
    let ping = post(
        &http,
        &server.url,
        Some(&session),
        br#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#.to_vec(),
    )
    .await;
    assert_eq!(ping.status, 200);
    assert!(server.terminate().success());
}
