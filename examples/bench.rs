//! Benchmarks for the numbers in docs/BENCHMARKS.md: start-up to first answer, index build, search
//! latency, resident memory, binary size. Not a test: run it on a quiet machine, release build:
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench
//! ```

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use backend_engineering_mcp::content::Skill;
use backend_engineering_mcp::search::{SearchIndex, SearchRequest};

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
const TOOLS_LIST: &str = r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#;
const QUERIES: &[&str] = &[
    "how do I add a NOT NULL column to a big table without downtime",
    "the ORM runs one query per row in a loop",
    "how big should the database connection pool be",
    "stop calling a dependency that keeps failing",
    "what hashing algorithm and parameters for user passwords",
    "paginate a feed that changes while the client scrolls",
    "alerting that pages on fast burn but not on a brief blip",
    "publish an event reliably after the database commit",
];

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn p90(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() * 9 / 10]
}

fn binary() -> String {
    std::env::var("BEM_BIN")
        .unwrap_or_else(|_| "target/release/backend-engineering-mcp".to_string())
}

/// A running server driven over its stdin/stdout, one line each way.
struct Server {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    /// Spawn the binary and initialize a session.
    fn start() -> Self {
        let mut child = Command::new(binary())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env("RUST_LOG", "error")
            .spawn()
            .expect("spawn the release binary (build it with cargo build --release)");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut server = Self {
            child,
            stdin,
            stdout,
        };
        server.request(INIT, "\"serverInfo\"");
        writeln!(server.stdin, "{INITIALIZED}").unwrap();
        server
    }

    /// Send one request line and read its reply, which must contain `expect`.
    fn request(&mut self, line: &str, expect: &str) -> String {
        writeln!(self.stdin, "{line}").unwrap();
        let mut reply = String::new();
        self.stdout.read_line(&mut reply).unwrap();
        assert!(reply.contains(expect), "unexpected reply: {reply}");
        reply
    }

    /// Peak and current resident set, from /proc.
    fn memory(&self) -> String {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
            .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join(" / ")
    }

    /// Close stdin and wait for a clean exit.
    fn finish(self) {
        let Self {
            mut child, stdin, ..
        } = self;
        drop(stdin);
        assert!(child.wait().unwrap().success());
    }
}

const FIRST_SEARCH: &str = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search_references","arguments":{"query":"connection pool size","limit":5}}}"#;
const BIG_SEARCH: &str = r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search_references","arguments":{"query":"connection pool size","limit":20,"max_tokens":50000}}}"#;

/// Spawn, initialize, run one search, close stdin, wait for exit: what the first search of a session
/// costs, index build included when it has not finished in the background yet.
fn first_search_session() -> Duration {
    let started = Instant::now();
    let mut server = Server::start();
    server.request(FIRST_SEARCH, "\"hits\"");
    server.finish();
    started.elapsed()
}

/// Spawn, initialize, list tools, close stdin, wait for exit. Returns the wall time and, when asked,
/// the resident set (VmHWM / VmRSS) after a 20-hit search.
fn session(read_memory: bool) -> (Duration, Option<String>) {
    let started = Instant::now();
    let mut server = Server::start();
    server.request(TOOLS_LIST, "\"tools\"");
    let memory = read_memory.then(|| {
        server.request(BIG_SEARCH, "\"hits\"");
        server.memory()
    });
    server.finish();
    (started.elapsed(), memory)
}

fn main() {
    let runs = 50;
    let _ = session(false); // warm the page cache

    let startup: Vec<Duration> = (0..runs).map(|_| session(false).0).collect();
    println!(
        "start-up (spawn -> initialize -> tools/list -> exit), {runs} runs: median {:.2} ms, p90 {:.2} ms",
        median(startup.clone()).as_secs_f64() * 1e3,
        p90(startup).as_secs_f64() * 1e3
    );

    let first: Vec<Duration> = (0..runs).map(|_| first_search_session()).collect();
    println!(
        "first search of a session (spawn -> initialize -> search_references -> exit), {runs} runs: median {:.2} ms, p90 {:.2} ms",
        median(first.clone()).as_secs_f64() * 1e3,
        p90(first).as_secs_f64() * 1e3
    );

    let (_, memory) = session(true);
    println!(
        "resident memory after initialize, tools/list and a 20-hit search (VmHWM / VmRSS): {}",
        memory.unwrap_or_default()
    );

    let loads: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let skill = Skill::load().unwrap();
            let elapsed = t.elapsed();
            assert_eq!(skill.references.len(), 7);
            elapsed
        })
        .collect();
    println!(
        "content parse (frontmatter, sections, digests), {runs} runs: median {:.2} ms",
        median(loads).as_secs_f64() * 1e3
    );

    let skill = Skill::get();
    let builds: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let index = SearchIndex::build(skill).unwrap();
            let elapsed = t.elapsed();
            assert!(!index.is_empty());
            elapsed
        })
        .collect();
    println!(
        "index build ({} sections), {runs} runs: median {:.2} ms, p90 {:.2} ms",
        SearchIndex::build(skill).unwrap().len(),
        median(builds.clone()).as_secs_f64() * 1e3,
        p90(builds).as_secs_f64() * 1e3
    );

    let index = SearchIndex::build(skill).unwrap();
    let mut searches = Vec::new();
    for _ in 0..200 {
        for q in QUERIES {
            let request = SearchRequest {
                query: q.to_string(),
                limit: Some(5),
                reference: None,
                max_tokens: Some(4000),
                full_texts: None,
            };
            let t = Instant::now();
            let response = index.search(&request).unwrap();
            searches.push(t.elapsed());
            assert!(!response.hits.is_empty());
        }
    }
    println!(
        "search_references in-process (limit 5, snippets and texts), {} calls: median {:.0} µs, p90 {:.0} µs",
        searches.len(),
        median(searches.clone()).as_secs_f64() * 1e6,
        p90(searches).as_secs_f64() * 1e6
    );

    if let Ok(meta) = std::fs::metadata(binary()) {
        println!(
            "binary size: {:.1} MB ({} bytes)",
            meta.len() as f64 / 1e6,
            meta.len()
        );
    }
}
