//! The HTTP transport's request gate ([`rpc::gate`]: the reading of a POST body before rmcp gets
//! it) on the load test's own bodies: a 2026-07-28 `tools/call` of `search_references` for each of
//! the 159 real questions, as `scripts/http-load.lua` writes them. Not a test. Prints this thread's
//! CPU time per body, so that the gate's share of a served call can be compared between versions:
//!
//! ```sh
//! cargo run --profile profiling --example gate_probe -- 20000
//! ```

#[path = "support/thread_cpu.rs"]
mod support;

use backend_engineering_mcp::http::rpc::{self, Gate};
use serde_json::json;
use support::thread_cpu;

const REAL: &str = include_str!("../tests/retrieval/real_questions.tsv");

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let bodies: Vec<Vec<u8>> = REAL
        .lines()
        .skip(1)
        .filter_map(|line| line.split('\t').nth(2))
        .enumerate()
        .map(|(n, question)| {
            json!({
                "jsonrpc": "2.0",
                "id": n,
                "method": "tools/call",
                "params": {
                    "name": "search_references",
                    "arguments": {"query": question, "limit": 3},
                    "_meta": {
                        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                        "io.modelcontextprotocol/clientCapabilities": {}
                    }
                }
            })
            .to_string()
            .into_bytes()
        })
        .collect();
    let per_round = bodies.len();
    let start = thread_cpu();
    let mut passed = 0usize;
    for _ in 0..rounds {
        for body in &bodies {
            passed += usize::from(matches!(rpc::gate(body, false), Gate::Pass));
        }
    }
    let spent = thread_cpu() - start;
    let calls = rounds * per_round;
    assert_eq!(passed, calls, "every load-test body passes the gate");
    println!(
        "gate: {calls} bodies, {:.2} µs CPU a body",
        spent.as_secs_f64() * 1e6 / calls as f64
    );
}
