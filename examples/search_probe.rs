//! `search_references` as the MCP tool path runs it (argument decoding, search, snippets, the text
//! rendering, the `CallToolResult` and its JSON), in-process, over every evaluation question in the
//! repository. Not a test. Two uses:
//!
//! ```sh
//! # every answer, one JSON line per call, to diff the output of two versions byte for byte
//! cargo run --profile profiling --example search_probe -- dump /tmp/answers.jsonl
//! # CPU per call: the load test's questions (the 159 real ones, limit 3), then every evaluation question
//! cargo run --profile profiling --example search_probe -- time 5
//! # the same through the tool executor (the blocking-pool hop a served call takes)
//! cargo run --profile profiling --example search_probe -- exec 5
//! ```
//!
//! CPU time comes from the kernel (`/proc/thread-self/schedstat` for one thread, `/proc/self/stat`
//! for the whole process), so it counts the work done, not the time waited for a core on a busy
//! machine.

use std::io::Write;
use std::time::{Duration, Instant};

#[path = "support/thread_cpu.rs"]
mod support;
use support::thread_cpu;

use backend_engineering_mcp::content::Skill;
use backend_engineering_mcp::mcp::exec::Executor;
use backend_engineering_mcp::mcp::tools::{Context, ToolEntry, registry};
use backend_engineering_mcp::search::SharedIndex;
use serde_json::{Value, json};

const REAL: &str = include_str!("../tests/retrieval/real_questions.tsv");
const WRITTEN: &str = include_str!("../tests/retrieval/written_questions.tsv");
const OFF_TOPIC: &str = include_str!("../tests/retrieval/off_topic.tsv");
const CHINESE: &str = include_str!("../tests/retrieval_zh/questions.tsv");
const REFERENCES: &[&str] = &[
    "api-design.md",
    "failure-patterns.md",
    "observability.md",
    "performance.md",
    "scaling.md",
    "schema-design.md",
    "security.md",
];

/// Column `n` of a TSV's rows under its header line.
fn column(tsv: &'static str, n: usize) -> impl Iterator<Item = &'static str> {
    tsv.lines()
        .skip(1)
        .filter_map(move |l| l.split('\t').nth(n))
}

/// Every question of the evaluation sets, in file order.
fn questions() -> Vec<String> {
    let mut out = Vec::new();
    for tsv in [REAL, WRITTEN] {
        out.extend(column(tsv, 2).map(str::to_string));
    }
    out.extend(column(OFF_TOPIC, 1).map(str::to_string));
    out.extend(
        CHINESE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split('\t').nth(2).map(str::to_string)),
    );
    out
}

/// The questions `scripts/http-load.lua` rotates through: the real set's, in file order.
fn load_questions() -> Vec<Value> {
    column(REAL, 2)
        .map(|q| json!({"query": q, "limit": 3}))
        .collect()
}

/// The argument shapes each question is asked with: the defaults, the load test's, the retrieval
/// tests', every text, a reference filter, and a budget that truncates.
fn shapes(question: &str, n: usize) -> Vec<Value> {
    vec![
        json!({"query": question}),
        json!({"query": question, "limit": 3}),
        json!({"query": question, "limit": 10, "max_tokens": 1, "full_texts": 0}),
        json!({"query": question, "limit": 20, "max_tokens": 50000, "full_texts": 20}),
        json!({"query": question, "limit": 5, "reference": REFERENCES[n % REFERENCES.len()]}),
        json!({"query": question, "limit": 8, "max_tokens": 600, "full_texts": 3}),
    ]
}

fn object(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("the shapes are objects"),
    }
}

fn setup() -> (Context, ToolEntry) {
    let skill = Skill::get();
    let index = SharedIndex::build_in_background(skill);
    index.get().expect("index");
    let tool = registry()
        .into_iter()
        .find(|t| t.tool.name == "search_references")
        .expect("search_references is registered");
    (Context { skill, index }, tool)
}

/// One call as the server makes it, and the bytes a transport would send.
fn call(context: &Context, tool: &ToolEntry, arguments: &Value) -> Vec<u8> {
    let result = tool.call(context, object(arguments.clone()));
    serde_json::to_vec(&result).expect("encode")
}

/// The whole process's CPU time so far (user + system), at clock-tick resolution.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // Fields 14 and 15 of stat(5) (utime, stime) are the 12th and 13th after the command name.
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Run `calls` in turn until `seconds` have passed; CPU per call and wall per call.
fn measure(
    context: &Context,
    tool: &ToolEntry,
    calls: &[Value],
    seconds: f64,
) -> (usize, Duration, Duration) {
    for arguments in calls {
        call(context, tool, arguments);
    }
    let cpu = thread_cpu();
    let wall = Instant::now();
    let mut n = 0;
    while wall.elapsed().as_secs_f64() < seconds {
        for arguments in calls {
            std::hint::black_box(call(context, tool, arguments));
            n += 1;
        }
    }
    let cpu = thread_cpu() - cpu;
    (n, cpu / n as u32, wall.elapsed() / n as u32)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map_or("time", String::as_str);
    let (context, tool) = setup();
    match mode {
        "dump" => {
            let path = args
                .get(1)
                .map_or("/tmp/search_probe.jsonl", String::as_str);
            let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
            let mut count = 0;
            for (n, question) in questions().iter().enumerate() {
                for arguments in shapes(question, n) {
                    out.write_all(&serde_json::to_vec(&arguments).expect("encode"))
                        .expect("write");
                    out.write_all(b"\t").expect("write");
                    out.write_all(&call(&context, &tool, &arguments))
                        .expect("write");
                    out.write_all(b"\n").expect("write");
                    count += 1;
                }
            }
            out.flush().expect("flush");
            println!("{count} answers written to {path}");
        }
        "time" => {
            let seconds: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5.0);
            println!("load average before: {}", load_average());
            let load = load_questions();
            let (n, cpu, wall) = measure(&context, &tool, &load, seconds);
            println!(
                "load-test questions ({}, limit 3): {n} calls, {:.1} µs CPU/call, {:.1} µs wall/call",
                load.len(),
                cpu.as_secs_f64() * 1e6,
                wall.as_secs_f64() * 1e6
            );
            let all: Vec<Value> = questions().iter().map(|q| json!({ "query": q })).collect();
            let (n, cpu, wall) = measure(&context, &tool, &all, seconds);
            println!(
                "every evaluation question ({}, defaults): {n} calls, {:.1} µs CPU/call, {:.1} µs wall/call",
                all.len(),
                cpu.as_secs_f64() * 1e6,
                wall.as_secs_f64() * 1e6
            );
            println!("load average after: {}", load_average());
        }
        "exec" => {
            let seconds: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5.0);
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("runtime");
            let context = std::sync::Arc::new((context, tool));
            let executor = Executor::for_machine();
            let load = load_questions();
            println!("load average before: {}", load_average());
            let (n, cpu, wall) = runtime.block_on(async {
                let cpu = process_cpu();
                let wall = Instant::now();
                let mut n = 0usize;
                while wall.elapsed().as_secs_f64() < seconds {
                    for arguments in &load {
                        let shared = context.clone();
                        let arguments = object(arguments.clone());
                        let result = executor
                            .run(std::future::pending(), move || {
                                let (context, tool) = &*shared;
                                tool.call(context, arguments)
                            })
                            .await
                            .expect("ran");
                        std::hint::black_box(serde_json::to_vec(&result).expect("encode"));
                        n += 1;
                    }
                }
                (n, process_cpu() - cpu, wall.elapsed())
            });
            println!(
                "through the executor, one call at a time ({} questions, limit 3): {n} calls, {:.1} µs CPU/call (process, 10 ms ticks), {:.1} µs wall/call",
                load.len(),
                cpu.as_secs_f64() * 1e6 / n as f64,
                wall.as_secs_f64() * 1e6 / n as f64
            );
            println!("load average after: {}", load_average());
        }
        other => eprintln!("unknown mode {other:?}: dump PATH | time [SECONDS] | exec [SECONDS]"),
    }
}
