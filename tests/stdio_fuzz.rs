//! A seeded soak of the real binary: hundreds of requests with arguments of every wrong type and size,
//! mixed with lines that are not messages. The server must answer each one on its own JSON line,
//! never crash, and still serve the last request.

mod common;

use serde_json::{Value, json};

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const TOOLS: &[&str] = &[
    "get_skill",
    "search_references",
    "read_reference",
    "review_schema",
    "pick_scaling_strategy",
    "plan_slo",
    "diagnose_performance",
    "audit_security",
    "choose_api_style",
    "plan_retries",
    "plan_data_consistency",
    "no_such_tool",
];

const FIELDS: &[&str] = &[
    "query",
    "limit",
    "reference",
    "max_tokens",
    "name",
    "section",
    "ddl",
    "dialect",
    "queries",
    "target_percent",
    "window_days",
    "idempotent",
    "failure",
    "max_retries",
    "base_delay_ms",
    "deadline_ms",
    "needs",
    "consumers",
    "metrics",
    "single_server_sufficient",
    "bottleneck",
    "workload",
    "cpu_percent",
    "pool_in_use",
    "pool_size",
    "password_hashing",
    "strong_consistency_required",
    "multi_step_process",
    "lang",
    "steps",
    "slow_queries",
];

fn value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth < 2 { 6 } else { 4 }) {
        0 => rng.pick(&[Value::Null, json!(true), json!(false)]).clone(),
        1 => rng
            .pick(&[
                json!(0),
                json!(-1),
                json!(3),
                json!(99.9),
                json!(100),
                json!(1e308),
                json!(-1e308),
                json!(u64::MAX),
                json!(0.0001),
            ])
            .clone(),
        2 => json!(rng.pick(&[
            "",
            "SELECT * FROM t WHERE a = 1",
            "CREATE TABLE t (id int",
            "((((((((((((",
            "🧢🧢🧢",
            "http_503",
            "postgres",
            "crud",
            "read_heavy",
            "data",
            "md5",
            "../../etc/passwd",
            "\u{0}\u{1}",
            "NOT NULL AND OR title:",
            "security.md#password-storage",
        ])),
        3 => json!("x".repeat(rng.below(5_000))),
        4 => Value::Array((0..rng.below(4)).map(|_| value(rng, depth + 1)).collect()),
        _ => Value::Object(
            (0..rng.below(4))
                .map(|_| (rng.pick(FIELDS).to_string(), value(rng, depth + 1)))
                .collect(),
        ),
    }
}

#[test]
fn every_line_gets_its_own_reply_and_the_server_survives() {
    let mut rng = Rng(0x5EED_CAFE_F00D_0001);
    let mut lines = vec![
        r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"soak","version":"1"}}}"#.to_string(),
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_string(),
    ];
    let mut expected_replies = 1;
    for id in 1..=400 {
        let line = match rng.below(10) {
            0..=6 => {
                let arguments: serde_json::Map<String, Value> =
                    (0..rng.below(5)).map(|_| (rng.pick(FIELDS).to_string(), value(&mut rng, 0))).collect();
                json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                       "params": {"name": rng.pick(TOOLS), "arguments": arguments}})
                .to_string()
            }
            7 => json!({"jsonrpc": "2.0", "id": id, "method": "prompts/get",
                        "params": {"name": rng.pick(&["design-schema", "backend-engineering", "nope"]),
                                   "arguments": {"context": value(&mut rng, 1), "lang": value(&mut rng, 1)}}})
            .to_string(),
            8 => json!({"jsonrpc": "2.0", "id": id, "method": "resources/read",
                        "params": {"uri": rng.pick(&["skill://backend-engineering/SKILL.md",
                                                       "skill://backend-engineering/references/x",
                                                       "skill://backend-engineering/references/security.md#rotation",
                                                       "file:///etc/passwd"])}})
            .to_string(),
            _ => rng.pick(&["garbage", "{", "[]", "[1,2]", r#"{"jsonrpc":"2.0"}"#, r#"{"id":5,"params":7}"#]).to_string(),
        };
        lines.push(line);
        expected_replies += 1;
    }
    lines.push(r#"{"jsonrpc":"2.0","id":"last","method":"tools/list"}"#.to_string());
    expected_replies += 1;

    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    // raw_session fails on any stdout line that is not one JSON value.
    let (replies, status) = common::raw_session(&refs);
    assert!(status.success(), "{status:?}");
    // Requests carry their line number as id; bad lines are answered with a null id (or the id 5
    // they carry). Name what went unanswered so a failure says where to look.
    let unanswered: Vec<&str> = lines[2..]
        .iter()
        .enumerate()
        .filter(|(i, line)| {
            line.contains(&format!("\"id\":{}", i + 1)) && !replies.iter().any(|r| r["id"] == i + 1)
        })
        .map(|(_, line)| &line[..line.len().min(200)])
        .collect();
    let null_ids = replies.iter().filter(|r| r["id"].is_null()).count();
    assert!(
        replies.len() == expected_replies,
        "{} replies for {expected_replies} lines ({null_ids} with a null id); requests without a reply: {unanswered:?}",
        replies.len(),
    );
    let last = replies
        .iter()
        .find(|r| r["id"] == "last")
        .expect("the last request is answered");
    assert!(
        last["result"]["tools"]
            .as_array()
            .is_some_and(|t| t.len() == 11)
    );
}
