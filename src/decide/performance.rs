//! `diagnose_performance`: the skill's five-step diagnosis order applied to the symptoms and metrics
//! a caller has, with a verdict per step and the step to act on (or to measure) next.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{DecideError, NextQuestion, reference_uri};
use crate::decode::Num;

/// Human title of the tool.
pub const TITLE: &str = "Diagnose a performance problem";

/// When to call the tool and what it returns.
pub const DESCRIPTION: &str = "Diagnose slowness with the five-step checklist in its order: \
metrics, slow queries, connection pools, dependencies, then profiling. Give what you measured; \
returns a verdict per step and the step to act on, or what to measure next.";

/// Host CPU at or above this (sustained) is saturated.
pub const CPU_SATURATED_PERCENT: f64 = 85.0;
/// Memory use at or above this is pressure (swapping, GC thrash, OOM kills).
pub const MEMORY_PRESSURE_PERCENT: f64 = 90.0;
/// I/O wait at or above this means the CPUs sit waiting for disk.
pub const IO_WAIT_PERCENT: f64 = 20.0;
/// Disk utilisation at or above this means requests queue for the disk.
pub const DISK_UTIL_PERCENT: f64 = 80.0;
/// Average queries per request above this smells of N+1.
pub const N_PLUS_ONE_QUERIES_PER_REQUEST: f64 = 10.0;
/// Pool connections in use at or above this share of the pool means exhausted.
pub const POOL_EXHAUSTED_RATIO: f64 = 0.9;
/// A dependency whose p99 is at least this share of the service's p99 dominates it.
pub const DEPENDENCY_SHARE: f64 = 0.5;
/// Longest accepted latency or wait, in milliseconds (1 hour).
pub const MAX_LATENCY_MS: f64 = 3_600_000.0;
/// Largest accepted `queries_per_request`.
pub const MAX_QUERIES_PER_REQUEST: f64 = 1_000_000.0;
/// Largest accepted `pool_size`.
pub const MAX_POOL_SIZE: u32 = 1_000_000;
/// Longest accepted `symptom`, in characters.
pub const MAX_SYMPTOM_CHARS: usize = 2000;

/// Slow queries: a yes/no, or how many the slow query log shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SlowQueries {
    /// true: the slow query log has entries for the slow path; false: it has none.
    Present(bool),
    /// How many slow queries the log shows for the slow period; 0 means none.
    Count(u64),
}

impl SlowQueries {
    fn any(self) -> bool {
        match self {
            SlowQueries::Present(b) => b,
            SlowQueries::Count(n) => n > 0,
        }
    }
}

/// What is known about the slowness. Every field is optional: give what you have measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiagnosePerformanceInput {
    /// The symptom in words (echoed, not interpreted).
    #[serde(default)]
    pub symptom: Option<String>,
    /// The slow endpoint's p99, ms.
    #[serde(default)]
    pub p99_latency_ms: Option<f64>,
    #[serde(default)]
    pub cpu_percent: Option<f64>,
    #[serde(default)]
    pub memory_percent: Option<f64>,
    /// I/O wait (`wa` in top), percent.
    #[serde(default)]
    pub io_wait_percent: Option<f64>,
    /// Disk `%util` (iostat), percent.
    #[serde(default)]
    pub disk_util_percent: Option<f64>,
    /// Is the network saturated (bandwidth, drops, retransmits)?
    #[serde(default)]
    pub network_saturated: Option<bool>,
    #[serde(default)]
    pub db_cpu_percent: Option<f64>,
    /// Slow query log entries for the slow path: true/false or a count.
    #[serde(default)]
    pub slow_queries: Option<SlowQueries>,
    /// Does EXPLAIN show full table scans?
    #[serde(default)]
    pub full_table_scans: Option<bool>,
    /// One query per row of a previous result (N+1)?
    #[serde(default)]
    pub n_plus_one: Option<bool>,
    #[serde(default)]
    pub queries_per_request: Option<f64>,
    #[serde(default)]
    pub pool_in_use: Option<u32>,
    #[serde(default)]
    pub pool_size: Option<u32>,
    #[serde(default)]
    pub pool_wait_ms: Option<f64>,
    /// Do connections leak (never returned)?
    #[serde(default)]
    pub connection_leaks: Option<bool>,
    /// p99 of the slowest downstream call, ms.
    #[serde(default)]
    pub dependency_p99_ms: Option<f64>,
    #[serde(default)]
    pub dependency_slow: Option<bool>,
    /// Has the code been profiled under the slow load?
    #[serde(default)]
    pub profiled: Option<bool>,
    /// Did the profile find a hot spot?
    #[serde(default)]
    pub profile_hotspot: Option<bool>,
}

/// The verdict on one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The evidence shows a problem at this step.
    Problem,
    /// Checked, and nothing wrong here.
    Ok,
    /// Not enough evidence: measure the fields in `missing`.
    Unknown,
}

impl Verdict {
    /// The identifier used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Problem => "problem",
            Verdict::Ok => "ok",
            Verdict::Unknown => "unknown",
        }
    }
}

/// One step of the diagnosis order.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DiagnosisStep {
    /// Position in the order, 1 to 5.
    pub step: u8,
    /// Short name of the step.
    pub name: String,
    /// `problem`, `ok` or `unknown`.
    pub verdict: Verdict,
    /// What the input said, with the threshold applied.
    pub evidence: Vec<String>,
    /// Input fields that would settle this step (only while it is `unknown`).
    pub missing: Vec<String>,
    /// Fixes for the problems found at this step (only when the verdict is `problem`).
    pub fixes: Vec<String>,
    /// The reference section for this step's fixes (only when the verdict is `problem`).
    pub reference: Option<String>,
}

/// The step to work on now.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ActOn {
    /// The step number, 1 to 5.
    pub step: u8,
    /// Its name.
    pub name: String,
    /// `problem` (fix it) or `unknown` (measure it next).
    pub verdict: Verdict,
    /// Set when earlier steps are still unknown and should be checked too.
    pub note: Option<String>,
}

/// The diagnosis.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DiagnosePerformanceOutput {
    /// The five steps in the skill's order.
    pub steps: Vec<DiagnosisStep>,
    /// The first step with a problem; if none, the first unknown step to measure; absent when every
    /// step is ok.
    pub act_on: Option<ActOn>,
    /// When `act_on` is a step to measure: the field to measure first.
    pub next_question: Option<NextQuestion>,
    /// Reference sections to read next, besides the steps' own.
    pub references: Vec<String>,
}

fn perf(anchor: &str) -> String {
    reference_uri("performance.md", anchor)
}

fn check_percent(field: &str, v: Option<f64>) -> Result<(), DecideError> {
    match v {
        Some(x) if !(x.is_finite() && (0.0..=100.0).contains(&x)) => {
            Err(DecideError::InvalidInput(format!(
                "{field}: {x} is out of range; accepted 0 to 100 (percent of the whole machine: divide \
                 a per-core sum such as top's 400% by the number of cores)",
                x = Num(x)
            )))
        }
        _ => Ok(()),
    }
}

fn check_float(field: &str, v: Option<f64>, max: f64) -> Result<(), DecideError> {
    match v {
        Some(x) if !(x.is_finite() && (0.0..=max).contains(&x)) => {
            Err(DecideError::InvalidInput(format!(
                "{field}: {x} is out of range; accepted 0 to {max}",
                x = Num(x),
                max = Num(max)
            )))
        }
        _ => Ok(()),
    }
}

fn validate(i: &DiagnosePerformanceInput) -> Result<(), DecideError> {
    if let Some(s) = &i.symptom
        && s.chars().count() > MAX_SYMPTOM_CHARS
    {
        return Err(DecideError::TooLarge(format!(
            "symptom: at most {MAX_SYMPTOM_CHARS} characters; summarise it and pass the numbers as \
             fields"
        )));
    }
    check_percent("cpu_percent", i.cpu_percent)?;
    check_percent("memory_percent", i.memory_percent)?;
    check_percent("io_wait_percent", i.io_wait_percent)?;
    check_percent("disk_util_percent", i.disk_util_percent)?;
    check_percent("db_cpu_percent", i.db_cpu_percent)?;
    check_float(
        "queries_per_request",
        i.queries_per_request,
        MAX_QUERIES_PER_REQUEST,
    )?;
    check_float("pool_wait_ms", i.pool_wait_ms, MAX_LATENCY_MS)?;
    check_float("dependency_p99_ms", i.dependency_p99_ms, MAX_LATENCY_MS)?;
    check_float("p99_latency_ms", i.p99_latency_ms, MAX_LATENCY_MS)?;
    if let Some(size) = i.pool_size
        && !(1..=MAX_POOL_SIZE).contains(&size)
    {
        return Err(DecideError::InvalidInput(format!(
            "pool_size: {size} is out of range; accepted 1 to {MAX_POOL_SIZE}"
        )));
    }
    if let Some(used) = i.pool_in_use {
        let limit = i.pool_size.unwrap_or(MAX_POOL_SIZE);
        if used > limit {
            return Err(DecideError::InvalidInput(format!(
                "pool_in_use: {used} is more than the pool holds ({limit}); accepted 0 to pool_size"
            )));
        }
    }
    if i.profiled == Some(false) && i.profile_hotspot.is_some() {
        return Err(DecideError::InvalidInput(
            "profile_hotspot: given, but profiled is false; a hot spot can only come from a profile \
             (set profiled to true, or drop profile_hotspot)"
                .into(),
        ));
    }
    Ok(())
}

/// Collects one step's findings.
struct Findings {
    problems: usize,
    evidence: Vec<String>,
    missing: Vec<String>,
    fixes: Vec<String>,
}

impl Findings {
    fn new() -> Self {
        Findings {
            problems: 0,
            evidence: Vec::new(),
            missing: Vec::new(),
            fixes: Vec::new(),
        }
    }
    fn problem(&mut self, evidence: String, fix: &str) {
        self.problems += 1;
        self.evidence.push(evidence);
        if !self.fixes.iter().any(|f| f == fix) {
            self.fixes.push(fix.to_string());
        }
    }
    fn fine(&mut self, evidence: String) {
        self.evidence.push(evidence);
    }
    fn missing(&mut self, field: &str) {
        self.missing.push(field.to_string());
    }
    fn verdict(&self) -> Verdict {
        if self.problems > 0 {
            Verdict::Problem
        } else if self.missing.is_empty() {
            Verdict::Ok
        } else {
            Verdict::Unknown
        }
    }
    fn into_step(self, step: u8, name: &str, reference: String) -> DiagnosisStep {
        let verdict = self.verdict();
        let problem = verdict == Verdict::Problem;
        DiagnosisStep {
            step,
            name: name.to_string(),
            verdict,
            evidence: self.evidence,
            missing: if verdict == Verdict::Unknown {
                self.missing
            } else {
                Vec::new()
            },
            fixes: if problem { self.fixes } else { Vec::new() },
            reference: problem.then_some(reference),
        }
    }
}

const FIX_CPU: &str = "Profile the hot path (step 5) before adding cores; if the code is already \
efficient, scale out stateless app servers.";
const FIX_MEMORY: &str = "Find leaks and unbounded growth (uncapped caches, buffered result sets) with a \
heap profile; watch GC pauses and swap.";
const FIX_IO: &str = "Find the I/O behind it: usually table scans (step 2), swapping or synchronous \
logging; index, cache hot reads, move bulk work off the request path.";
const FIX_NETWORK: &str = "Send less, talk less: paginate, drop unused fields, compress, batch chatty \
calls.";
const FIX_DB_CPU: &str = "Database CPU is spent on queries: fix them (step 2) before adding database \
hardware.";
const FIX_SLOW_QUERIES: &str = "EXPLAIN ANALYZE the queries with the largest total time \
(pg_stat_statements) and fix the plan: an index, a rewrite, or a cache for a hot read.";
const FIX_N_PLUS_ONE: &str = "Replace per-row queries with one batched query (WHERE id IN (...) or a \
JOIN), eager loading or a dataloader.";
const FIX_FULL_SCANS: &str = "Index the columns the query filters, joins and sorts on (leftmost-prefix \
order), then confirm with EXPLAIN that the scan is gone.";
const FIX_POOL_EXHAUSTED: &str = "Find who holds connections (long transactions, slow queries, remote \
calls with a connection checked out) and shorten that before growing the pool; size it by Little's law \
(queries/s x seconds per query) within the database's limit, PgBouncer when many instances share it.";
const FIX_LEAKS: &str = "Return every connection on every path (try/finally, RAII), turn on leak \
detection, set idle-in-transaction timeouts.";
const FIX_DEPENDENCY: &str = "Give the call a timeout just above its normal p99 and a circuit breaker; \
call independent dependencies in parallel; cache or queue what need not be synchronous.";
const FIX_PROFILE: &str = "Profile under realistic load (flame graph, heap profile), fix the widest \
frame first, re-measure after each change.";

fn step_metrics(i: &DiagnosePerformanceInput) -> DiagnosisStep {
    let mut f = Findings::new();
    match i.cpu_percent {
        Some(c) if c >= CPU_SATURATED_PERCENT => f.problem(
            format!(
                "cpu_percent {c}% >= {CPU_SATURATED_PERCENT}%: application CPU saturated (if sustained)",
                c = Num(c)
            ),
            FIX_CPU,
        ),
        Some(c) => f.fine(format!(
            "cpu_percent {c}% < {CPU_SATURATED_PERCENT}%: CPU not saturated",
            c = Num(c)
        )),
        None => f.missing("cpu_percent"),
    }
    match i.memory_percent {
        Some(m) if m >= MEMORY_PRESSURE_PERCENT => f.problem(
            format!(
                "memory_percent {m}% >= {MEMORY_PRESSURE_PERCENT}%: memory pressure (swapping, GC \
                 thrash or OOM kills)",
                m = Num(m)
            ),
            FIX_MEMORY,
        ),
        Some(m) => f.fine(format!(
            "memory_percent {m}% < {MEMORY_PRESSURE_PERCENT}%: no memory pressure",
            m = Num(m)
        )),
        None => f.missing("memory_percent"),
    }
    if i.io_wait_percent.is_none() && i.disk_util_percent.is_none() {
        f.missing("io_wait_percent or disk_util_percent");
    }
    match i.io_wait_percent {
        Some(w) if w >= IO_WAIT_PERCENT => f.problem(
            format!(
                "io_wait_percent {w}% >= {IO_WAIT_PERCENT}%: CPUs are waiting on disk",
                w = Num(w)
            ),
            FIX_IO,
        ),
        Some(w) => f.fine(format!(
            "io_wait_percent {w}% < {IO_WAIT_PERCENT}%: not I/O bound",
            w = Num(w)
        )),
        None => {}
    }
    match i.disk_util_percent {
        Some(d) if d >= DISK_UTIL_PERCENT => f.problem(
            format!(
                "disk_util_percent {d}% >= {DISK_UTIL_PERCENT}%: the disk is saturated",
                d = Num(d)
            ),
            FIX_IO,
        ),
        Some(d) => f.fine(format!(
            "disk_util_percent {d}% < {DISK_UTIL_PERCENT}%: disk not saturated",
            d = Num(d)
        )),
        None => {}
    }
    match i.network_saturated {
        Some(true) => f.problem("network_saturated: true".to_string(), FIX_NETWORK),
        Some(false) => f.fine("network_saturated: false".to_string()),
        None => f.missing("network_saturated"),
    }
    // Optional: the database host's CPU is a metric too, and points at step 2.
    match i.db_cpu_percent {
        Some(c) if c >= CPU_SATURATED_PERCENT => f.problem(
            format!(
                "db_cpu_percent {c}% >= {CPU_SATURATED_PERCENT}%: the database is saturated; look at \
                 its queries (step 2)", c = Num(c)),
            FIX_DB_CPU,
        ),
        Some(c) => f.fine(format!(
            "db_cpu_percent {c}% < {CPU_SATURATED_PERCENT}%: database CPU not saturated", c = Num(c))),
        None => {}
    }
    f.into_step(1, "Check metrics", perf("measure-before-optimizing"))
}

fn step_queries(i: &DiagnosePerformanceInput) -> DiagnosisStep {
    let mut f = Findings::new();
    match i.slow_queries {
        Some(s) if s.any() => f.problem(
            match s {
                SlowQueries::Count(n) => format!("slow_queries: {n} in the slow query log"),
                SlowQueries::Present(_) => {
                    "slow_queries: the slow query log has entries".to_string()
                }
            },
            FIX_SLOW_QUERIES,
        ),
        Some(_) => f.fine("slow_queries: none in the slow query log".to_string()),
        None => f.missing("slow_queries"),
    }
    let qpr_smells = i
        .queries_per_request
        .is_some_and(|q| q > N_PLUS_ONE_QUERIES_PER_REQUEST);
    match (i.n_plus_one, i.queries_per_request) {
        (Some(true), _) => f.problem(
            "n_plus_one: true (one query per row of a previous result)".to_string(),
            FIX_N_PLUS_ONE,
        ),
        (_, Some(q)) if qpr_smells => f.problem(
            format!(
                "queries_per_request {q} > {N_PLUS_ONE_QUERIES_PER_REQUEST}: smells of N+1{}",
                if i.n_plus_one == Some(false) {
                    " (despite n_plus_one: false; check the query log per request)"
                } else {
                    ""
                },
                q = Num(q)
            ),
            FIX_N_PLUS_ONE,
        ),
        (Some(false), _) => f.fine("n_plus_one: false".to_string()),
        (None, Some(q)) => f.fine(format!(
            "queries_per_request {q} <= {N_PLUS_ONE_QUERIES_PER_REQUEST}: no sign of N+1",
            q = Num(q)
        )),
        (None, None) => f.missing("n_plus_one or queries_per_request"),
    }
    match i.full_table_scans {
        Some(true) => f.problem(
            "full_table_scans: true (Seq Scan / type ALL on a large table)".to_string(),
            FIX_FULL_SCANS,
        ),
        Some(false) => f.fine("full_table_scans: false".to_string()),
        None => f.missing("full_table_scans"),
    }
    if f.problems == 0
        && let Some(c) = i.db_cpu_percent.filter(|c| *c >= CPU_SATURATED_PERCENT)
    {
        f.fine(format!(
            "db_cpu_percent {c}% points here: a saturated database is usually busy with queries",
            c = Num(c)
        ));
    }
    f.into_step(2, "Check slow query logs", perf("finding-slow-queries"))
}

fn step_pool(i: &DiagnosePerformanceInput) -> DiagnosisStep {
    let mut f = Findings::new();
    let mut exhaustion_known = false;
    if let (Some(used), Some(size)) = (i.pool_in_use, i.pool_size) {
        exhaustion_known = true;
        let ratio = f64::from(used) / f64::from(size.max(1));
        let percent = (ratio * 1000.0).round() / 10.0;
        if ratio >= POOL_EXHAUSTED_RATIO {
            f.problem(
                format!(
                    "pool_in_use {used} of pool_size {size} ({percent}%) >= 90%: the pool is exhausted", percent = Num(percent)),
                FIX_POOL_EXHAUSTED,
            );
        } else {
            f.fine(format!(
                "pool_in_use {used} of pool_size {size} ({percent}%) < 90%: connections to spare",
                percent = Num(percent)
            ));
        }
    }
    match i.pool_wait_ms {
        Some(w) if w > 0.0 => {
            exhaustion_known = true;
            f.problem(
                format!(
                    "pool_wait_ms {w}: requests wait for a connection, so the pool is exhausted (any \
                     wait counts)", w = Num(w)),
                FIX_POOL_EXHAUSTED,
            );
        }
        Some(_) => {
            exhaustion_known = true;
            f.fine("pool_wait_ms 0: nobody waits for a connection".to_string());
        }
        None => {}
    }
    if !exhaustion_known {
        f.missing(match (i.pool_in_use, i.pool_size) {
            (Some(_), None) => "pool_size (or pool_wait_ms)",
            (None, Some(_)) => "pool_in_use (or pool_wait_ms)",
            _ => "pool_in_use and pool_size, or pool_wait_ms",
        });
    }
    match i.connection_leaks {
        Some(true) => f.problem(
            "connection_leaks: true (connections checked out and never returned)".to_string(),
            FIX_LEAKS,
        ),
        Some(false) => f.fine("connection_leaks: false".to_string()),
        None => f.missing("connection_leaks"),
    }
    f.into_step(3, "Check connection pools", perf("connection-pool-sizing"))
}

fn step_dependencies(i: &DiagnosePerformanceInput) -> DiagnosisStep {
    let mut f = Findings::new();
    let mut settled = false;
    if let Some(true) = i.dependency_slow {
        settled = true;
        f.problem(
            "dependency_slow: true (a downstream service slowed down with you)".to_string(),
            FIX_DEPENDENCY,
        );
    }
    match (i.dependency_p99_ms, i.p99_latency_ms) {
        (Some(d), Some(p)) if p > 0.0 => {
            settled = true;
            let share = d / p;
            let percent = (share * 1000.0).round() / 10.0;
            if share >= DEPENDENCY_SHARE {
                f.problem(
                    format!(
                        "dependency_p99_ms {d} is {percent}% of p99_latency_ms {p} (>= 50%): the \
                         dependency dominates the latency",
                        d = Num(d),
                        p = Num(p),
                        percent = Num(percent)
                    ),
                    FIX_DEPENDENCY,
                );
            } else {
                f.fine(format!(
                    "dependency_p99_ms {d} is {percent}% of p99_latency_ms {p} (< 50%): the dependency \
                     does not dominate", d = Num(d), p = Num(p), percent = Num(percent)));
            }
        }
        (Some(d), _) => f.fine(format!(
            "dependency_p99_ms {d} given without a nonzero p99_latency_ms to compare it with",
            d = Num(d)
        )),
        _ => {}
    }
    if i.dependency_slow == Some(false) {
        settled = true;
        if f.problems == 0 {
            f.fine("dependency_slow: false".to_string());
        }
    }
    if !settled {
        f.missing("dependency_slow, or dependency_p99_ms with p99_latency_ms");
    }
    f.into_step(
        4,
        "Check external dependencies",
        perf("slow-downstream-dependencies"),
    )
}

fn step_profile(i: &DiagnosePerformanceInput, earlier: &[DiagnosisStep]) -> DiagnosisStep {
    let mut f = Findings::new();
    let app_cpu_hot = i.cpu_percent.is_some_and(|c| c >= CPU_SATURATED_PERCENT);
    let infra_ruled_out = earlier.iter().all(|s| s.verdict == Verdict::Ok);
    match i.profile_hotspot {
        Some(true) => f.problem(
            "profile_hotspot: true (the profile shows where the time goes)".to_string(),
            FIX_PROFILE,
        ),
        Some(false) => f.fine("profile_hotspot: false (the profile shows no hot spot)".to_string()),
        None if app_cpu_hot => f.problem(
            format!(
                "cpu_percent {}% >= {CPU_SATURATED_PERCENT}%: the evidence points at application CPU, \
                 so profile it",
                Num(i.cpu_percent.unwrap_or_default())
            ),
            FIX_PROFILE,
        ),
        None if infra_ruled_out => f.problem(
            "steps 1-4 are ok: infrastructure is ruled out, so the code is what is left; profile it"
                .to_string(),
            FIX_PROFILE,
        ),
        None => {
            if i.profiled == Some(true) {
                f.fine("profiled: true, but whether it found a hot spot is not given".to_string());
            }
            f.missing("profile_hotspot");
        }
    }
    f.into_step(5, "Profile the code", perf("profiling-cpu-and-memory"))
}

fn question_for(field: &str) -> NextQuestion {
    let (question, options, how): (&str, &[&str], &str) = match field {
        "cpu_percent" => (
            "How busy are the application hosts' CPUs during the slow period (percent of all cores)?",
            &["0-100"],
            "Host or container metrics (node_exporter, CloudWatch, top divided by core count), sustained \
             over the slow period; 85% or more is saturated.",
        ),
        "memory_percent" => (
            "How much memory do the application hosts use (percent)?",
            &["0-100"],
            "Host or container memory use, plus swap activity and GC pause metrics; 90% or more is \
             pressure.",
        ),
        "io_wait_percent or disk_util_percent" => (
            "Is the disk busy: I/O wait or disk utilisation in percent?",
            &["io_wait_percent: 0-100", "disk_util_percent: 0-100"],
            "vmstat or top (wa column) for I/O wait, iostat -x (%util) for the disk; 20% I/O wait or 80% \
             utilisation is saturated.",
        ),
        "network_saturated" => (
            "Is the network saturated?",
            &["true", "false"],
            "Interface throughput near its bandwidth, dropped packets or TCP retransmits rising with the \
             latency.",
        ),
        "slow_queries" => (
            "Does the slow query log show slow queries for the slow path?",
            &["true", "false", "a count"],
            "PostgreSQL: log_min_duration_statement or pg_stat_statements sorted by total time; MySQL: \
             the slow query log with long_query_time.",
        ),
        "n_plus_one or queries_per_request" => (
            "How many queries does one slow request run? Is there one query per row (N+1)?",
            &["n_plus_one: true|false", "queries_per_request: a number"],
            "Count queries per request in traces or the ORM's query log; repeated identical queries \
             with different ids are N+1; more than about 10 per request smells of it.",
        ),
        "full_table_scans" => (
            "Do the slow queries scan whole tables?",
            &["true", "false"],
            "EXPLAIN the slow queries: Seq Scan on a large table (PostgreSQL) or type ALL (MySQL).",
        ),
        "connection_leaks" => (
            "Do connections leak (checked out and never returned)?",
            &["true", "false"],
            "An in-use count that only grows, the pool's leak-detection warnings, or sessions idle in \
             transaction for a long time (pg_stat_activity).",
        ),
        "profile_hotspot" => (
            "Did a profile under the slow workload find a hot spot in the code?",
            &["true", "false"],
            "Take a CPU profile (flame graph) or heap profile during the slow period; a hot spot is one \
             function, allocation site or lock taking most of the time.",
        ),
        f if f.starts_with("pool_") => (
            "Is the connection pool exhausted: how many connections are in use of how many, or how long \
             do requests wait for one?",
            &[
                "pool_in_use and pool_size: numbers",
                "pool_wait_ms: milliseconds",
            ],
            "The pool's own metrics (active, idle, pending or wait time); 90% in use or any wait is \
             exhausted.",
        ),
        _ => (
            "Is a downstream service slow?",
            &[
                "dependency_slow: true|false",
                "dependency_p99_ms with p99_latency_ms: milliseconds",
            ],
            "Compare the dependency's p99 (client-side span or metric) with your endpoint's p99; 50% \
             or more of it means the dependency dominates.",
        ),
    };
    NextQuestion {
        field: field.to_string(),
        question: question.to_string(),
        options: options.iter().map(|s| s.to_string()).collect(),
        how_to_tell: how.to_string(),
    }
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// Walk the five-step diagnosis order over what is known about a slow service.
pub fn diagnose_performance(
    input: &DiagnosePerformanceInput,
) -> Result<DiagnosePerformanceOutput, DecideError> {
    validate(input)?;
    let mut steps = vec![
        step_metrics(input),
        step_queries(input),
        step_pool(input),
        step_dependencies(input),
    ];
    let profile = step_profile(input, &steps);
    steps.push(profile);

    let first_problem = steps.iter().find(|s| s.verdict == Verdict::Problem);
    let first_unknown = steps.iter().find(|s| s.verdict == Verdict::Unknown);
    let act_on = match (first_problem, first_unknown) {
        (Some(p), _) => {
            let unchecked: Vec<String> = steps
                .iter()
                .filter(|s| s.step < p.step && s.verdict == Verdict::Unknown)
                .map(|s| s.step.to_string())
                .collect();
            let note = (!unchecked.is_empty()).then(|| {
                format!(
                    "Step(s) {} before it are still unknown: check them too, since a cause earlier in \
                     the order can show up as this one.",
                    unchecked.join(", ")
                )
            });
            Some(ActOn {
                step: p.step,
                name: p.name.clone(),
                verdict: Verdict::Problem,
                note,
            })
        }
        (None, Some(u)) => Some(ActOn {
            step: u.step,
            name: u.name.clone(),
            verdict: Verdict::Unknown,
            note: None,
        }),
        (None, None) => None,
    };
    let next_question = match &act_on {
        Some(a) if a.verdict == Verdict::Unknown => steps
            .iter()
            .find(|s| s.step == a.step)
            .and_then(|s| s.missing.first())
            .map(|field| question_for(field)),
        _ => None,
    };

    // The steps cite their own sections; the list adds the order itself and what the findings call
    // for, each section once.
    let mut references = vec![perf("the-five-step-diagnosis-order")];
    let n_plus_one = input.n_plus_one == Some(true)
        || input
            .queries_per_request
            .is_some_and(|q| q > N_PLUS_ONE_QUERIES_PER_REQUEST);
    if n_plus_one {
        push_unique(&mut references, perf("fixing-n1-queries"));
    }
    if input.full_table_scans == Some(true) || input.slow_queries.is_some_and(|s| s.any()) {
        push_unique(&mut references, perf("reading-query-plans"));
    }
    if steps.get(2).is_some_and(|s| s.verdict == Verdict::Problem) {
        push_unique(&mut references, perf("pgbouncer-pooling-modes"));
    }
    if steps.get(3).is_some_and(|s| s.verdict == Verdict::Problem) {
        push_unique(
            &mut references,
            reference_uri("failure-patterns.md", "timeouts-and-deadlines"),
        );
        push_unique(
            &mut references,
            reference_uri("failure-patterns.md", "circuit-breakers"),
        );
    }
    if act_on.is_none() {
        push_unique(&mut references, perf("percentiles-and-tail-latency"));
    }

    Ok(DiagnosePerformanceOutput {
        steps,
        act_on,
        next_question,
        references,
    })
}

impl fmt::Display for DiagnosePerformanceOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.act_on {
            Some(a) if a.verdict == Verdict::Problem => writeln!(
                f,
                "Act on step {} ({}): fix the problem below.",
                a.step, a.name
            )?,
            Some(a) => writeln!(
                f,
                "Act on step {} ({}): no problem found yet; measure it next.",
                a.step, a.name
            )?,
            None => writeln!(
                f,
                "Every step is ok: re-measure under the load that shows the problem (percentiles, not \
                 averages)."
            )?,
        }
        if let Some(note) = self.act_on.as_ref().and_then(|a| a.note.as_ref()) {
            writeln!(f, "{note}")?;
        }
        for s in &self.steps {
            writeln!(
                f,
                "{}. {} [{}]",
                s.step,
                s.name,
                s.verdict.as_str().to_uppercase()
            )?;
            for e in &s.evidence {
                writeln!(f, "   - {e}")?;
            }
            if !s.missing.is_empty() {
                writeln!(f, "   - missing: {}", s.missing.join("; "))?;
            }
            for x in &s.fixes {
                writeln!(f, "   fix: {x}")?;
            }
            if let Some(r) = &s.reference {
                writeln!(f, "   read: {r}")?;
            }
        }
        if let Some(q) = &self.next_question {
            writeln!(f, "Next question ({}): {}", q.field, q.question)?;
            writeln!(f, "  how to tell: {}", q.how_to_tell)?;
        }
        super::common::write_read_next(f, &self.references)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::is_citable;
    use super::*;
    use proptest::prelude::*;

    /// Every step settled and fine.
    fn healthy() -> DiagnosePerformanceInput {
        DiagnosePerformanceInput {
            symptom: Some("p99 is 2 s".into()),
            p99_latency_ms: Some(2000.0),
            cpu_percent: Some(40.0),
            memory_percent: Some(50.0),
            io_wait_percent: Some(2.0),
            disk_util_percent: Some(30.0),
            network_saturated: Some(false),
            db_cpu_percent: Some(30.0),
            slow_queries: Some(SlowQueries::Count(0)),
            full_table_scans: Some(false),
            n_plus_one: Some(false),
            queries_per_request: Some(4.0),
            pool_in_use: Some(10),
            pool_size: Some(20),
            pool_wait_ms: Some(0.0),
            connection_leaks: Some(false),
            dependency_p99_ms: Some(100.0),
            dependency_slow: Some(false),
            profiled: None,
            profile_hotspot: None,
        }
    }

    fn run(i: &DiagnosePerformanceInput) -> DiagnosePerformanceOutput {
        diagnose_performance(i).expect("valid input")
    }

    fn verdicts(o: &DiagnosePerformanceOutput) -> Vec<Verdict> {
        o.steps.iter().map(|s| s.verdict).collect()
    }

    use Verdict::{Ok as K, Problem as P, Unknown as U};

    #[test]
    fn empty_input_asks_for_metrics_first() {
        let out = run(&DiagnosePerformanceInput::default());
        assert_eq!(verdicts(&out), vec![U, U, U, U, U]);
        let a = out.act_on.as_ref().unwrap();
        assert_eq!((a.step, a.verdict), (1, U));
        let q = out.next_question.as_ref().unwrap();
        assert_eq!(q.field, "cpu_percent");
        assert_eq!(
            out.steps.iter().map(|s| s.step).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5]
        );
        assert!(out.steps.iter().all(|s| s.fixes.is_empty()));
        let v = serde_json::to_value(&out).unwrap();
        assert_eq!(v["steps"][0]["verdict"], "unknown");
    }

    #[test]
    fn healthy_infrastructure_points_at_profiling() {
        let out = run(&healthy());
        assert_eq!(verdicts(&out), vec![K, K, K, K, P]);
        let a = out.act_on.as_ref().unwrap();
        assert_eq!((a.step, a.verdict), (5, P));
        assert!(out.steps[4].evidence[0].contains("infrastructure is ruled out"));
        assert!(out.next_question.is_none());
        assert!(
            out.steps[..4]
                .iter()
                .all(|s| s.missing.is_empty() && s.fixes.is_empty())
        );
    }

    #[test]
    fn everything_ok_has_nothing_to_act_on() {
        let i = DiagnosePerformanceInput {
            profiled: Some(true),
            profile_hotspot: Some(false),
            ..healthy()
        };
        let out = run(&i);
        assert_eq!(verdicts(&out), vec![K, K, K, K, K]);
        assert!(out.act_on.is_none());
        assert!(out.to_string().contains("Every step is ok"));
    }

    #[test]
    fn step_one_branches() {
        let table: Vec<(DiagnosePerformanceInput, &str)> = vec![
            (
                DiagnosePerformanceInput {
                    cpu_percent: Some(85.0),
                    ..healthy()
                },
                ">= 85%",
            ),
            (
                DiagnosePerformanceInput {
                    memory_percent: Some(95.0),
                    ..healthy()
                },
                "memory pressure",
            ),
            (
                DiagnosePerformanceInput {
                    io_wait_percent: Some(25.0),
                    ..healthy()
                },
                "waiting on disk",
            ),
            (
                DiagnosePerformanceInput {
                    disk_util_percent: Some(90.0),
                    ..healthy()
                },
                "disk is saturated",
            ),
            (
                DiagnosePerformanceInput {
                    network_saturated: Some(true),
                    ..healthy()
                },
                "network_saturated: true",
            ),
            (
                DiagnosePerformanceInput {
                    db_cpu_percent: Some(97.0),
                    ..healthy()
                },
                "database is saturated",
            ),
        ];
        for (i, needle) in table {
            let out = run(&i);
            let s = &out.steps[0];
            assert_eq!(s.verdict, P, "{needle}");
            assert!(
                s.evidence.iter().any(|e| e.contains(needle)),
                "{needle}: {:?}",
                s.evidence
            );
            assert!(!s.fixes.is_empty());
            assert_eq!(out.act_on.as_ref().unwrap().step, 1);
        }
        // One of the I/O pair is enough to settle I/O.
        let out = run(&DiagnosePerformanceInput {
            disk_util_percent: None,
            ..healthy()
        });
        assert_eq!(out.steps[0].verdict, K);
        // Missing pieces.
        for (i, field) in [
            (
                DiagnosePerformanceInput {
                    cpu_percent: None,
                    ..healthy()
                },
                "cpu_percent",
            ),
            (
                DiagnosePerformanceInput {
                    memory_percent: None,
                    ..healthy()
                },
                "memory_percent",
            ),
            (
                DiagnosePerformanceInput {
                    io_wait_percent: None,
                    disk_util_percent: None,
                    ..healthy()
                },
                "io_wait_percent or disk_util_percent",
            ),
            (
                DiagnosePerformanceInput {
                    network_saturated: None,
                    ..healthy()
                },
                "network_saturated",
            ),
        ] {
            let out = run(&i);
            assert_eq!(out.steps[0].verdict, U);
            assert_eq!(out.steps[0].missing, vec![field.to_string()]);
            assert_eq!(out.next_question.as_ref().unwrap().field, field);
            // Step 5 is not recommended while step 1 is unknown.
            assert_eq!(out.steps[4].verdict, U);
        }
    }

    #[test]
    fn app_cpu_points_at_profiling_but_acts_on_metrics_first() {
        let out = run(&DiagnosePerformanceInput {
            cpu_percent: Some(97.0),
            ..Default::default()
        });
        assert_eq!(out.steps[0].verdict, P);
        assert_eq!(out.steps[4].verdict, P);
        assert!(out.steps[4].evidence[0].contains("application CPU"));
        assert_eq!(out.act_on.as_ref().unwrap().step, 1);
    }

    #[test]
    fn step_two_branches() {
        let table: Vec<(DiagnosePerformanceInput, &str)> = vec![
            (
                DiagnosePerformanceInput {
                    slow_queries: Some(SlowQueries::Count(12)),
                    ..healthy()
                },
                "12 in the slow query log",
            ),
            (
                DiagnosePerformanceInput {
                    slow_queries: Some(SlowQueries::Present(true)),
                    ..healthy()
                },
                "has entries",
            ),
            (
                DiagnosePerformanceInput {
                    n_plus_one: Some(true),
                    ..healthy()
                },
                "n_plus_one: true",
            ),
            (
                DiagnosePerformanceInput {
                    queries_per_request: Some(51.0),
                    ..healthy()
                },
                "despite n_plus_one: false",
            ),
            (
                DiagnosePerformanceInput {
                    n_plus_one: None,
                    queries_per_request: Some(11.0),
                    ..healthy()
                },
                "smells of N+1",
            ),
            (
                DiagnosePerformanceInput {
                    full_table_scans: Some(true),
                    ..healthy()
                },
                "Seq Scan",
            ),
        ];
        for (i, needle) in table {
            let out = run(&i);
            let s = &out.steps[1];
            assert_eq!(s.verdict, P, "{needle}");
            assert!(
                s.evidence.iter().any(|e| e.contains(needle)),
                "{needle}: {:?}",
                s.evidence
            );
            assert_eq!(out.act_on.as_ref().unwrap().step, 2);
            assert_eq!(
                out.steps[4].verdict, U,
                "no profiling while step 2 has a problem"
            );
        }
        let out = run(&DiagnosePerformanceInput {
            queries_per_request: Some(51.0),
            ..healthy()
        });
        assert!(out.references.contains(&perf("fixing-n1-queries")));
        let out = run(&DiagnosePerformanceInput {
            full_table_scans: Some(true),
            ..healthy()
        });
        assert!(out.references.contains(&perf("reading-query-plans")));

        // Settled by queries_per_request alone; boolean false counts as "none".
        let out = run(&DiagnosePerformanceInput {
            n_plus_one: None,
            queries_per_request: Some(10.0),
            slow_queries: Some(SlowQueries::Present(false)),
            ..healthy()
        });
        assert_eq!(out.steps[1].verdict, K);
        for (i, field) in [
            (
                DiagnosePerformanceInput {
                    slow_queries: None,
                    ..healthy()
                },
                "slow_queries",
            ),
            (
                DiagnosePerformanceInput {
                    n_plus_one: None,
                    queries_per_request: None,
                    ..healthy()
                },
                "n_plus_one or queries_per_request",
            ),
            (
                DiagnosePerformanceInput {
                    full_table_scans: None,
                    ..healthy()
                },
                "full_table_scans",
            ),
        ] {
            let out = run(&i);
            assert_eq!(out.steps[1].verdict, U);
            assert_eq!(out.next_question.as_ref().unwrap().field, field);
        }
        // A saturated database with an unchecked slow log: step 1 problem, hint on step 2.
        let out = run(&DiagnosePerformanceInput {
            db_cpu_percent: Some(95.0),
            slow_queries: None,
            ..healthy()
        });
        assert!(
            out.steps[1]
                .evidence
                .iter()
                .any(|e| e.contains("points here"))
        );
    }

    #[test]
    fn step_three_branches() {
        let table: Vec<(DiagnosePerformanceInput, &str)> = vec![
            (
                DiagnosePerformanceInput {
                    pool_in_use: Some(18),
                    ..healthy()
                },
                "(90%) >= 90%",
            ),
            (
                DiagnosePerformanceInput {
                    pool_wait_ms: Some(250.0),
                    ..healthy()
                },
                "any wait counts",
            ),
            (
                DiagnosePerformanceInput {
                    connection_leaks: Some(true),
                    ..healthy()
                },
                "never returned",
            ),
        ];
        for (i, needle) in table {
            let out = run(&i);
            let s = &out.steps[2];
            assert_eq!(s.verdict, P, "{needle}");
            assert!(
                s.evidence.iter().any(|e| e.contains(needle)),
                "{needle}: {:?}",
                s.evidence
            );
            assert_eq!(out.act_on.as_ref().unwrap().step, 3);
            assert!(out.references.contains(&perf("pgbouncer-pooling-modes")));
        }
        // Either pool measure settles exhaustion.
        let out = run(&DiagnosePerformanceInput {
            pool_wait_ms: None,
            ..healthy()
        });
        assert_eq!(out.steps[2].verdict, K);
        let out = run(&DiagnosePerformanceInput {
            pool_in_use: None,
            pool_size: None,
            ..healthy()
        });
        assert_eq!(out.steps[2].verdict, K);
        for (i, field) in [
            (
                DiagnosePerformanceInput {
                    pool_in_use: None,
                    pool_size: None,
                    pool_wait_ms: None,
                    ..healthy()
                },
                "pool_in_use and pool_size, or pool_wait_ms",
            ),
            (
                DiagnosePerformanceInput {
                    pool_size: None,
                    pool_wait_ms: None,
                    ..healthy()
                },
                "pool_size (or pool_wait_ms)",
            ),
            (
                DiagnosePerformanceInput {
                    pool_in_use: None,
                    pool_wait_ms: None,
                    ..healthy()
                },
                "pool_in_use (or pool_wait_ms)",
            ),
            (
                DiagnosePerformanceInput {
                    connection_leaks: None,
                    ..healthy()
                },
                "connection_leaks",
            ),
        ] {
            let out = run(&i);
            assert_eq!(out.steps[2].verdict, U);
            let q = out.next_question.as_ref().unwrap();
            assert_eq!(q.field, field);
        }
    }

    #[test]
    fn step_four_branches() {
        let out = run(&DiagnosePerformanceInput {
            dependency_slow: Some(true),
            ..healthy()
        });
        assert_eq!(out.steps[3].verdict, P);
        assert_eq!(out.act_on.as_ref().unwrap().step, 4);
        assert!(
            out.references
                .contains(&reference_uri("failure-patterns.md", "circuit-breakers"))
        );
        let out = run(&DiagnosePerformanceInput {
            dependency_p99_ms: Some(1200.0),
            ..healthy()
        });
        assert_eq!(out.steps[3].verdict, P);
        assert!(out.steps[3].evidence[0].contains("60% of p99_latency_ms"));
        // Ratio alone settles it.
        let out = run(&DiagnosePerformanceInput {
            dependency_slow: None,
            ..healthy()
        });
        assert_eq!(out.steps[3].verdict, K);
        // Flag alone settles it.
        let out = run(&DiagnosePerformanceInput {
            dependency_p99_ms: None,
            ..healthy()
        });
        assert_eq!(out.steps[3].verdict, K);
        // A dependency p99 without the service p99 is not enough.
        let out = run(&DiagnosePerformanceInput {
            dependency_slow: None,
            p99_latency_ms: None,
            ..healthy()
        });
        assert_eq!(out.steps[3].verdict, U);
        assert!(out.steps[3].evidence[0].contains("without a nonzero"));
        let q = out.next_question.as_ref().unwrap();
        assert!(q.field.starts_with("dependency_slow"));
        // Zero service p99 is not divided by.
        let out = run(&DiagnosePerformanceInput {
            dependency_slow: None,
            p99_latency_ms: Some(0.0),
            ..healthy()
        });
        assert_eq!(out.steps[3].verdict, U);
    }

    #[test]
    fn step_five_branches() {
        let out = run(&DiagnosePerformanceInput {
            profiled: Some(true),
            profile_hotspot: Some(true),
            ..healthy()
        });
        assert_eq!(out.steps[4].verdict, P);
        assert_eq!(out.act_on.as_ref().unwrap().step, 5);
        // A hot spot found while earlier steps are unknown: act on it, but say what is unchecked.
        let out = run(&DiagnosePerformanceInput {
            profile_hotspot: Some(true),
            ..Default::default()
        });
        let a = out.act_on.as_ref().unwrap();
        assert_eq!(a.step, 5);
        assert!(a.note.as_deref().unwrap_or_default().contains("1, 2, 3, 4"));
        // Profiled without saying what it found.
        let out = run(&DiagnosePerformanceInput {
            profiled: Some(true),
            dependency_slow: None,
            p99_latency_ms: None,
            ..healthy()
        });
        assert_eq!(out.steps[4].verdict, U);
        assert!(
            out.steps[4]
                .evidence
                .iter()
                .any(|e| e.contains("profiled: true"))
        );
        assert_eq!(out.steps[4].missing, vec!["profile_hotspot".to_string()]);
    }

    #[test]
    fn next_question_for_every_field() {
        for field in [
            "cpu_percent",
            "memory_percent",
            "io_wait_percent or disk_util_percent",
            "network_saturated",
            "slow_queries",
            "n_plus_one or queries_per_request",
            "full_table_scans",
            "pool_in_use and pool_size, or pool_wait_ms",
            "connection_leaks",
            "dependency_slow, or dependency_p99_ms with p99_latency_ms",
            "profile_hotspot",
        ] {
            let q = question_for(field);
            assert_eq!(q.field, field);
            assert!(!q.options.is_empty() && !q.how_to_tell.is_empty());
        }
    }

    #[test]
    fn errors_name_the_field() {
        let d = DiagnosePerformanceInput::default;
        let table: Vec<(DiagnosePerformanceInput, &str)> = vec![
            (
                DiagnosePerformanceInput {
                    cpu_percent: Some(400.0),
                    ..d()
                },
                "cpu_percent",
            ),
            (
                DiagnosePerformanceInput {
                    cpu_percent: Some(f64::NAN),
                    ..d()
                },
                "cpu_percent",
            ),
            (
                DiagnosePerformanceInput {
                    memory_percent: Some(-1.0),
                    ..d()
                },
                "memory_percent",
            ),
            (
                DiagnosePerformanceInput {
                    io_wait_percent: Some(101.0),
                    ..d()
                },
                "io_wait_percent",
            ),
            (
                DiagnosePerformanceInput {
                    disk_util_percent: Some(f64::INFINITY),
                    ..d()
                },
                "disk_util_percent",
            ),
            (
                DiagnosePerformanceInput {
                    db_cpu_percent: Some(100.1),
                    ..d()
                },
                "db_cpu_percent",
            ),
            (
                DiagnosePerformanceInput {
                    queries_per_request: Some(-2.0),
                    ..d()
                },
                "queries_per_request",
            ),
            (
                DiagnosePerformanceInput {
                    pool_wait_ms: Some(f64::NAN),
                    ..d()
                },
                "pool_wait_ms",
            ),
            (
                DiagnosePerformanceInput {
                    dependency_p99_ms: Some(4e6),
                    ..d()
                },
                "dependency_p99_ms",
            ),
            (
                DiagnosePerformanceInput {
                    p99_latency_ms: Some(-5.0),
                    ..d()
                },
                "p99_latency_ms",
            ),
            (
                DiagnosePerformanceInput {
                    pool_size: Some(0),
                    ..d()
                },
                "pool_size",
            ),
            (
                DiagnosePerformanceInput {
                    pool_size: Some(10),
                    pool_in_use: Some(11),
                    ..d()
                },
                "pool_in_use",
            ),
            (
                DiagnosePerformanceInput {
                    pool_in_use: Some(MAX_POOL_SIZE + 1),
                    ..d()
                },
                "pool_in_use",
            ),
            (
                DiagnosePerformanceInput {
                    profiled: Some(false),
                    profile_hotspot: Some(true),
                    ..d()
                },
                "profile_hotspot",
            ),
            (
                DiagnosePerformanceInput {
                    symptom: Some("x".repeat(2001)),
                    ..d()
                },
                "symptom",
            ),
        ];
        for (i, needle) in table {
            match diagnose_performance(&i) {
                Err(DecideError::InvalidInput(m)) | Err(DecideError::TooLarge(m)) => {
                    assert!(m.starts_with(needle), "{m}")
                }
                Ok(_) => panic!("{i:?}: expected an error"),
            }
        }
    }

    #[test]
    fn json_contract() {
        let i: DiagnosePerformanceInput = serde_json::from_str(r#"{}"#).unwrap();
        assert!(diagnose_performance(&i).is_ok());
        let i: DiagnosePerformanceInput =
            serde_json::from_str(r#"{"slow_queries": true, "cpu_percent": 20}"#).unwrap();
        assert_eq!(i.slow_queries, Some(SlowQueries::Present(true)));
        let i: DiagnosePerformanceInput = serde_json::from_str(r#"{"slow_queries": 7}"#).unwrap();
        assert_eq!(i.slow_queries, Some(SlowQueries::Count(7)));
        assert!(serde_json::from_str::<DiagnosePerformanceInput>(r#"{"cpu": 1}"#).is_err());
        let v = serde_json::to_value(run(&healthy())).unwrap();
        assert_eq!(v["act_on"]["step"], 5);
        assert_eq!(v["steps"][4]["verdict"], "problem");
        assert_eq!(v["steps"][0]["verdict"], "ok");
    }

    #[test]
    fn references_are_known_anchors_and_display_works() {
        let inputs = [
            DiagnosePerformanceInput::default(),
            healthy(),
            DiagnosePerformanceInput {
                n_plus_one: Some(true),
                full_table_scans: Some(true),
                pool_wait_ms: Some(5.0),
                dependency_slow: Some(true),
                cpu_percent: Some(99.0),
                ..healthy()
            },
        ];
        for i in inputs {
            let out = run(&i);
            let mut all = out.references.clone();
            all.extend(out.steps.iter().filter_map(|s| s.reference.clone()));
            for s in &out.steps {
                assert_eq!(s.reference.is_some(), s.verdict == Verdict::Problem);
            }
            for r in all {
                assert!(is_citable(&r), "{r}");
            }
            let text = out.to_string();
            assert!(text.contains("1. Check metrics"));
            assert!(text.contains("5. Profile the code"));
        }
        let text = run(&healthy()).to_string();
        assert!(text.starts_with("Act on step 5"), "{text}");
    }

    fn opt_f64() -> impl Strategy<Value = Option<f64>> {
        proptest::option::of(prop_oneof![any::<f64>(), 0.0f64..120.0, 0.0f64..5e6])
    }

    proptest! {
        #[test]
        fn never_panics(
            symptom in proptest::option::of(".{0,50}"),
            p99 in opt_f64(),
            cpu in opt_f64(),
            mem in opt_f64(),
            iow in opt_f64(),
            disk in opt_f64(),
            net in proptest::option::of(any::<bool>()),
            dbcpu in opt_f64(),
            slow in proptest::option::of(prop_oneof![
                any::<bool>().prop_map(SlowQueries::Present),
                any::<u64>().prop_map(SlowQueries::Count),
            ]),
            scans in proptest::option::of(any::<bool>()),
            n1 in proptest::option::of(any::<bool>()),
            qpr in opt_f64(),
            in_use in proptest::option::of(prop_oneof![0u32..100, any::<u32>()]),
            size in proptest::option::of(prop_oneof![0u32..100, any::<u32>()]),
            wait in opt_f64(),
            leaks in proptest::option::of(any::<bool>()),
            dep in opt_f64(),
            dep_slow in proptest::option::of(any::<bool>()),
            profiled in proptest::option::of(any::<bool>()),
            hotspot in proptest::option::of(any::<bool>()),
        ) {
            let i = DiagnosePerformanceInput {
                symptom, p99_latency_ms: p99, cpu_percent: cpu, memory_percent: mem,
                io_wait_percent: iow, disk_util_percent: disk, network_saturated: net,
                db_cpu_percent: dbcpu, slow_queries: slow, full_table_scans: scans,
                n_plus_one: n1, queries_per_request: qpr, pool_in_use: in_use, pool_size: size,
                pool_wait_ms: wait, connection_leaks: leaks, dependency_p99_ms: dep,
                dependency_slow: dep_slow, profiled, profile_hotspot: hotspot,
            };
            if let Ok(out) = diagnose_performance(&i) {
                prop_assert_eq!(out.steps.len(), 5);
                prop_assert!(!out.to_string().is_empty());
                if let Some(a) = &out.act_on {
                    let s = &out.steps[usize::from(a.step) - 1];
                    prop_assert_eq!(s.verdict, a.verdict);
                    prop_assert!(out.steps.iter().filter(|x| x.step < a.step).all(|x| x.verdict != Verdict::Problem));
                    if a.verdict == Verdict::Unknown {
                        prop_assert!(out.steps.iter().all(|x| x.verdict != Verdict::Problem));
                        prop_assert!(out.next_question.is_some());
                    }
                } else {
                    prop_assert!(out.steps.iter().all(|x| x.verdict == Verdict::Ok));
                }
                for s in &out.steps {
                    prop_assert_eq!(s.fixes.is_empty(), s.verdict != Verdict::Problem);
                    if s.verdict == Verdict::Ok {
                        prop_assert!(s.missing.is_empty());
                    }
                    if s.verdict == Verdict::Unknown {
                        prop_assert!(!s.missing.is_empty());
                    }
                }
            }
        }
    }
}
