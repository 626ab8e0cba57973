//! `pick_scaling_strategy`: walks the skill's scaling decision tree (single server enough? compute or
//! data? read- or write-heavy?) from the caller's answers, or from measured metrics with stated
//! rule-of-thumb thresholds, and gives the microservices verdict.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{DecideError, NextQuestion, reference_uri};
use crate::decode::Num;

/// Human title of the tool.
pub const TITLE: &str = "Pick a scaling strategy";

/// When to call the tool and what it returns.
pub const DESCRIPTION: &str = "Pick a scaling strategy (vertical, horizontal-stateless, \
read-replicas-then-cache, shard) from the decision tree's answers and/or peak metrics. Returns the \
strategy and the path, or the open question. Give `needs` for a microservices verdict.";

/// Sustained peak CPU (percent of all cores) at or above which a tier counts as saturated.
pub const CPU_HOT_PERCENT: f64 = 70.0;
/// Sustained peak memory use (percent) at or above which the app tier counts as saturated.
pub const MEMORY_HOT_PERCENT: f64 = 85.0;
/// Sustained peak disk I/O utilisation (percent) at or above which the database counts as saturated.
pub const DB_IO_HOT_PERCENT: f64 = 80.0;
/// Database storage use (percent of the largest disk you can attach) worth a warning.
pub const STORAGE_WARN_PERCENT: f64 = 80.0;
/// Reads per write at or above which the data workload counts as read-heavy.
pub const READ_HEAVY_RATIO: f64 = 10.0;
/// Reads per write at or below which the data workload counts as write-heavy.
pub const WRITE_HEAVY_RATIO: f64 = 2.0;
/// Replica lag (seconds) above which read-your-writes paths must stay on the primary.
pub const REPLICA_LAG_WARN_SECONDS: f64 = 1.0;

/// Where the bottleneck is once a single server is not enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bottleneck {
    /// The application tier (CPU or memory of the app servers) runs out first.
    Compute,
    /// The database (CPU, disk I/O, storage, connections) runs out first.
    Data,
}

/// The shape of the load on the data tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Workload {
    /// Mostly reads (rule of thumb: 10 or more reads per write).
    ReadHeavy,
    /// Writes dominate the primary's load (rule of thumb: 2 or fewer reads per write).
    WriteHeavy,
}

/// Measured numbers used to answer the tree's questions the caller left open. Take each at a sustained
/// peak (e.g. the busiest hour's 5-minute averages), not an instant spike. All fields are optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScalingMetrics {
    #[serde(default)]
    pub app_cpu_percent: Option<f64>,
    #[serde(default)]
    pub app_memory_percent: Option<f64>,
    #[serde(default)]
    pub db_cpu_percent: Option<f64>,
    #[serde(default)]
    pub db_io_percent: Option<f64>,
    /// Database storage used, percent of the largest disk.
    #[serde(default)]
    pub db_storage_percent: Option<f64>,
    /// Reads per write, e.g. 20.
    #[serde(default)]
    pub read_write_ratio: Option<f64>,
    /// Is a bigger instance available?
    #[serde(default)]
    pub larger_instance_available: Option<bool>,
    /// Load growth, percent per month.
    #[serde(default)]
    pub growth_percent_per_month: Option<f64>,
    #[serde(default)]
    pub p99_latency_ms: Option<f64>,
    /// p99 latency objective, ms.
    #[serde(default)]
    pub latency_slo_ms: Option<f64>,
    /// Read replicas' lag, seconds.
    #[serde(default)]
    pub replica_lag_seconds: Option<f64>,
}

/// The three reasons the skill accepts for microservices. Leave a field out if you do not know.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MicroserviceNeeds {
    /// Parts must deploy on their own schedule.
    #[serde(default)]
    pub independent_deployments: Option<bool>,
    /// Parts need very different scaling.
    #[serde(default)]
    pub different_scaling_profiles: Option<bool>,
    /// Separate teams own separate domains and block each other.
    #[serde(default)]
    pub team_boundaries: Option<bool>,
}

/// Input of `pick_scaling_strategy`. Every field is optional: `{}` starts the interview.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PickScalingStrategyInput {
    /// Can one server, optimised and at its largest size, carry the peak with headroom?
    #[serde(default)]
    pub single_server_sufficient: Option<bool>,
    /// What runs out first: the app tier (compute) or the database (data)?
    #[serde(default)]
    pub bottleneck: Option<Bottleneck>,
    /// For a data bottleneck: read_heavy (10+ reads per write) or write_heavy.
    #[serde(default)]
    pub workload: Option<Workload>,
    /// Sustained-peak measurements; they answer the questions left out.
    #[serde(default)]
    pub metrics: Option<ScalingMetrics>,
    /// Microservice criteria that hold (asks for the microservices verdict).
    #[serde(default)]
    pub needs: Option<MicroserviceNeeds>,
}

/// The scaling strategy the tree ends at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ScalingStrategy {
    /// Stay on one server: optimise, then scale up.
    Vertical,
    /// Stateless application instances behind a load balancer.
    HorizontalStateless,
    /// Read replicas first, then a caching layer.
    ReadReplicasThenCache,
    /// Partition or shard the database.
    Shard,
}

impl ScalingStrategy {
    /// The contract identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vertical => "vertical",
            Self::HorizontalStateless => "horizontal-stateless",
            Self::ReadReplicasThenCache => "read-replicas-then-cache",
            Self::Shard => "shard",
        }
    }
}

/// One question of the tree, as answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PathStep {
    /// The question of the decision tree.
    pub question: String,
    /// The answer taken (`yes`/`no`, `compute`/`data`, `read_heavy`/`write_heavy`).
    pub answer: String,
    /// Where the answer came from: `caller` or the metric(s) it was derived from, e.g.
    /// `metrics.app_cpu_percent`.
    pub source: String,
    /// Why this answer, with the rule or threshold applied; left out for a caller's answer that
    /// only leads to the next question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// Whether to split into microservices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MicroservicesVerdict {
    /// True only when at least one of the three criteria holds.
    pub recommended: bool,
    /// The criteria that hold: `independent_deployments`, `different_scaling_profiles`,
    /// `team_boundaries`.
    pub criteria_met: Vec<String>,
    /// The criteria nobody answered.
    pub criteria_unanswered: Vec<String>,
    /// The reasoning, including how to split.
    pub why: String,
}

/// Output of `pick_scaling_strategy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PickScalingStrategyOutput {
    /// The strategy, or null while a question is open (see `next_question`).
    pub strategy: Option<ScalingStrategy>,
    /// The questions answered so far, in order.
    pub path: Vec<PathStep>,
    /// What to do next, in order.
    pub next_steps: Vec<String>,
    /// The microservices verdict, only when `needs` says something about it.
    pub microservices: Option<MicroservicesVerdict>,
    /// Remarks: metrics that disagree with an explicit answer, answers that were not needed, warnings.
    pub notes: Vec<String>,
    /// The question to answer next when the tree could not be finished.
    pub next_question: Option<NextQuestion>,
    /// Reference sections to read next.
    pub references: Vec<String>,
}

fn scal(anchor: &str) -> String {
    reference_uri("scalable-systems.md", anchor)
}

fn check_range(name: &str, value: Option<f64>, min: f64, max: f64) -> Result<(), DecideError> {
    match value {
        Some(v) if !v.is_finite() || v < min || v > max => Err(DecideError::InvalidInput(format!(
            "metrics.{name}: {v} is out of range; accepted: a number from {min} to {max}",
            v = Num(v),
            min = Num(min),
            max = Num(max)
        ))),
        _ => Ok(()),
    }
}

fn validate(m: &ScalingMetrics) -> Result<(), DecideError> {
    check_range("app_cpu_percent", m.app_cpu_percent, 0.0, 100.0)?;
    check_range("app_memory_percent", m.app_memory_percent, 0.0, 100.0)?;
    check_range("db_cpu_percent", m.db_cpu_percent, 0.0, 100.0)?;
    check_range("db_io_percent", m.db_io_percent, 0.0, 100.0)?;
    check_range("db_storage_percent", m.db_storage_percent, 0.0, 100.0)?;
    check_range("read_write_ratio", m.read_write_ratio, 0.0, 1e9)?;
    check_range(
        "growth_percent_per_month",
        m.growth_percent_per_month,
        -100.0,
        1000.0,
    )?;
    check_range("p99_latency_ms", m.p99_latency_ms, 0.0, 1e7)?;
    check_range("latency_slo_ms", m.latency_slo_ms, 0.0, 1e7)?;
    check_range("replica_lag_seconds", m.replica_lag_seconds, 0.0, 1e6)?;
    Ok(())
}

/// One utilisation reading compared with its threshold.
struct Reading {
    name: &'static str,
    value: f64,
    threshold: f64,
    app_tier: bool,
}

impl Reading {
    fn hot(&self) -> bool {
        self.value >= self.threshold
    }
    fn describe(&self) -> String {
        let cmp = if self.hot() { ">=" } else { "<" };
        format!(
            "metrics.{} = {}% ({cmp} {}%)",
            self.name,
            fmt_num(self.value),
            fmt_num(self.threshold)
        )
    }
}

fn readings(m: &ScalingMetrics) -> Vec<Reading> {
    let candidates = [
        ("app_cpu_percent", m.app_cpu_percent, CPU_HOT_PERCENT, true),
        (
            "app_memory_percent",
            m.app_memory_percent,
            MEMORY_HOT_PERCENT,
            true,
        ),
        ("db_cpu_percent", m.db_cpu_percent, CPU_HOT_PERCENT, false),
        ("db_io_percent", m.db_io_percent, DB_IO_HOT_PERCENT, false),
    ];
    candidates
        .into_iter()
        .filter_map(|(name, value, threshold, app_tier)| {
            value.map(|value| Reading {
                name,
                value,
                threshold,
                app_tier,
            })
        })
        .collect()
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn sources(rs: &[&Reading]) -> String {
    rs.iter()
        .map(|r| format!("metrics.{}", r.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_all(rs: &[&Reading]) -> String {
    rs.iter()
        .map(|r| r.describe())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Months until the busiest reading reaches its threshold at the given monthly growth.
fn runway_months(rs: &[Reading], growth_percent: f64) -> Option<f64> {
    if growth_percent <= 0.0 {
        return None;
    }
    let factor = (1.0 + growth_percent / 100.0).ln();
    rs.iter()
        .filter(|r| r.value > 0.0 && !r.hot())
        .map(|r| (r.threshold / r.value).ln() / factor)
        .filter(|m| m.is_finite())
        .min_by(|a, b| a.total_cmp(b))
}

enum Answer<T> {
    Known(T, PathStep),
    Open(NextQuestion),
}

const Q_SINGLE: &str = "Is a single server sufficient?";
const Q_BOTTLENECK: &str = "Is the bottleneck compute or data?";
const Q_WORKLOAD: &str = "Is the data load read-heavy or write-heavy?";

fn caller_step(question: &str, answer: &str, why: &str) -> PathStep {
    PathStep {
        question: question.to_string(),
        answer: answer.to_string(),
        source: "caller".to_string(),
        why: Some(why.to_string()),
    }
}

fn single_server_question(saturated: &[&Reading]) -> NextQuestion {
    if saturated.is_empty() {
        NextQuestion {
            field: "single_server_sufficient".to_string(),
            question:
                "Can one server, after optimising and on the largest instance you can get, carry \
                       your peak load with headroom?"
                    .to_string(),
            options: vec!["true".to_string(), "false".to_string()],
            how_to_tell: format!(
                "Measure at sustained peak (busiest hour, 5-minute averages), or send them as metrics: \
                 CPU at or above {}% on app or database, app memory at or above {}%, or database disk \
                 I/O at or above {}% means saturated (rules of thumb). Saturated with no larger instance \
                 available means false; otherwise scale up first and answer true.",
                fmt_num(CPU_HOT_PERCENT),
                fmt_num(MEMORY_HOT_PERCENT),
                fmt_num(DB_IO_HOT_PERCENT)
            ),
        }
    } else {
        NextQuestion {
            field: "metrics.larger_instance_available".to_string(),
            question: format!(
                "The metrics show saturation ({}). Is a larger instance still available for that tier?",
                describe_all(saturated)
            ),
            options: vec!["true".to_string(), "false".to_string()],
            how_to_tell: "Check your provider's instance families for more cores, memory and IOPS than \
                          the tier has now. If there is one, scaling up is the cheapest next step (answer \
                          true); if you are already on the largest one, answer false. You can also answer \
                          single_server_sufficient directly."
                .to_string(),
        }
    }
}

fn decide_single(input: &PickScalingStrategyInput, notes: &mut Vec<String>) -> Answer<bool> {
    let m = input.metrics.clone().unwrap_or_default();
    let rs = readings(&m);
    let saturated: Vec<&Reading> = rs.iter().filter(|r| r.hot()).collect();
    if let Some(answer) = input.single_server_sufficient {
        if answer && !saturated.is_empty() && m.larger_instance_available == Some(false) {
            notes.push(format!(
                "You answered that one server is sufficient, but the metrics show saturation ({}) with \
                 no larger instance available; the explicit answer was kept. Re-check it.",
                describe_all(&saturated)
            ));
        }
        if !answer && !rs.is_empty() && saturated.is_empty() {
            notes.push(format!(
                "You answered that one server is not sufficient, but no metric you sent is saturated \
                 ({}); the explicit answer was kept. If latency is the complaint, diagnose before \
                 scaling (diagnose_performance).",
                describe_all(&rs.iter().collect::<Vec<_>>())
            ));
        }
        let why = if answer {
            "Simple until proven otherwise: stay on one server and optimise vertically first."
        } else {
            "One server cannot carry the load, so the next question is where the bottleneck is."
        };
        let answer_text = if answer { "yes" } else { "no" };
        return Answer::Known(answer, caller_step(Q_SINGLE, answer_text, why));
    }
    if rs.is_empty() {
        return Answer::Open(single_server_question(&[]));
    }
    if saturated.is_empty() {
        let all: Vec<&Reading> = rs.iter().collect();
        let mut why = format!(
            "No tier is saturated at peak ({}). Rule of thumb: below {}% CPU, {}% app memory and {}% \
             disk I/O a server still has headroom, so stay on it.",
            describe_all(&all),
            fmt_num(CPU_HOT_PERCENT),
            fmt_num(MEMORY_HOT_PERCENT),
            fmt_num(DB_IO_HOT_PERCENT)
        );
        if let Some(months) = m
            .growth_percent_per_month
            .and_then(|g| runway_months(&rs, g))
        {
            why.push_str(&format!(
                " At {}% growth a month the busiest tier reaches its threshold in about {:.1} months.",
                fmt_num(m.growth_percent_per_month.unwrap_or(0.0)),
                months
            ));
            if months < 3.0 {
                notes.push(format!(
                    "Runway is short (about {months:.1} months at the stated growth): plan the next \
                     step of the tree now, before the busiest tier saturates."
                ));
            }
        }
        return Answer::Known(
            true,
            PathStep {
                question: Q_SINGLE.to_string(),
                answer: "yes".to_string(),
                source: sources(&all),
                why: Some(why),
            },
        );
    }
    match m.larger_instance_available {
        Some(true) => Answer::Known(
            true,
            PathStep {
                question: Q_SINGLE.to_string(),
                answer: "yes".to_string(),
                source: format!("{}, metrics.larger_instance_available", sources(&saturated)),
                why: Some(format!(
                    "Saturated ({}) but a larger instance is available: scaling up is cheaper than \
                     any distributed design.",
                    describe_all(&saturated)
                )),
            },
        ),
        Some(false) => Answer::Known(
            false,
            PathStep {
                question: Q_SINGLE.to_string(),
                answer: "no".to_string(),
                source: format!("{}, metrics.larger_instance_available", sources(&saturated)),
                why: Some(format!(
                    "Saturated at sustained peak ({}) and no larger instance is available, so one \
                     server is not enough (rule of thumb thresholds: CPU {}%, app memory {}%, disk I/O \
                     {}%).",
                    describe_all(&saturated),
                    fmt_num(CPU_HOT_PERCENT),
                    fmt_num(MEMORY_HOT_PERCENT),
                    fmt_num(DB_IO_HOT_PERCENT)
                )),
            },
        ),
        None => Answer::Open(single_server_question(&saturated)),
    }
}

fn bottleneck_question() -> NextQuestion {
    NextQuestion {
        field: "bottleneck".to_string(),
        question:
            "One server is not enough: does the application tier (compute) or the database (data) \
                   run out first?"
                .to_string(),
        options: vec!["compute".to_string(), "data".to_string()],
        how_to_tell: format!(
            "Compare the tiers at sustained peak, or send metrics.app_cpu_percent, \
             metrics.app_memory_percent, metrics.db_cpu_percent and metrics.db_io_percent. App CPU at or \
             above {}% (or app memory at or above {}%) while the database stays below {}% CPU and {}% \
             I/O means compute; a database at or above those thresholds means data. Rules of thumb.",
            fmt_num(CPU_HOT_PERCENT),
            fmt_num(MEMORY_HOT_PERCENT),
            fmt_num(CPU_HOT_PERCENT),
            fmt_num(DB_IO_HOT_PERCENT)
        ),
    }
}

fn decide_bottleneck(
    input: &PickScalingStrategyInput,
    notes: &mut Vec<String>,
) -> Answer<Bottleneck> {
    let m = input.metrics.clone().unwrap_or_default();
    let rs = readings(&m);
    let app: Vec<&Reading> = rs.iter().filter(|r| r.app_tier).collect();
    let db: Vec<&Reading> = rs.iter().filter(|r| !r.app_tier).collect();
    let app_hot: Vec<&Reading> = app.iter().copied().filter(|r| r.hot()).collect();
    let db_hot: Vec<&Reading> = db.iter().copied().filter(|r| r.hot()).collect();
    if let Some(b) = input.bottleneck {
        match b {
            Bottleneck::Compute if !db_hot.is_empty() => notes.push(format!(
                "You answered compute, but the database is saturated too ({}); adding app instances \
                 will push more load onto it. Re-check the data tier.",
                describe_all(&db_hot)
            )),
            Bottleneck::Data if !app_hot.is_empty() && !db.is_empty() && db_hot.is_empty() => {
                notes.push(format!(
                    "You answered data, but the metrics show the app tier hot ({}) and the database \
                     cool ({}); the explicit answer was kept.",
                    describe_all(&app_hot),
                    describe_all(&db)
                ))
            }
            _ => {}
        }
        let (text, why) = match b {
            Bottleneck::Compute => (
                "compute",
                "A compute bottleneck scales out: run more identical stateless instances behind a load \
                 balancer.",
            ),
            Bottleneck::Data => (
                "data",
                "A data bottleneck depends on the shape of the load: read-heavy or write-heavy.",
            ),
        };
        return Answer::Known(b, caller_step(Q_BOTTLENECK, text, why));
    }
    if !db_hot.is_empty() {
        let why = if app_hot.is_empty() {
            format!(
                "The database is saturated ({}){}. Adding app servers would only send it more work, so \
                 the data tier is the bottleneck.",
                describe_all(&db_hot),
                if app.is_empty() {
                    String::new()
                } else {
                    format!(" while the app tier has headroom ({})", describe_all(&app))
                }
            )
        } else {
            format!(
                "Both tiers are hot (app: {}; database: {}). Treat data as the bottleneck first: \
                 stateless app servers are easy to add later, but each one adds load to a database \
                 that is already saturated.",
                describe_all(&app_hot),
                describe_all(&db_hot)
            )
        };
        let mut used = db_hot.clone();
        used.extend(app_hot.iter().copied());
        return Answer::Known(
            Bottleneck::Data,
            PathStep {
                question: Q_BOTTLENECK.to_string(),
                answer: "data".to_string(),
                source: sources(&used),
                why: Some(why),
            },
        );
    }
    if !app_hot.is_empty() && !db.is_empty() {
        let mut used = app_hot.clone();
        used.extend(db.iter().copied());
        return Answer::Known(
            Bottleneck::Compute,
            PathStep {
                question: Q_BOTTLENECK.to_string(),
                answer: "compute".to_string(),
                source: sources(&used),
                why: Some(format!(
                    "The app tier is hot ({}) while the database has headroom ({}): the bottleneck is \
                     compute (rule of thumb thresholds: CPU {}%, app memory {}%, disk I/O {}%).",
                    describe_all(&app_hot),
                    describe_all(&db),
                    fmt_num(CPU_HOT_PERCENT),
                    fmt_num(MEMORY_HOT_PERCENT),
                    fmt_num(DB_IO_HOT_PERCENT)
                )),
            },
        );
    }
    Answer::Open(bottleneck_question())
}

fn workload_question() -> NextQuestion {
    NextQuestion {
        field: "workload".to_string(),
        question: "The database is the bottleneck: is its load read-heavy or write-heavy?"
            .to_string(),
        options: vec!["read_heavy".to_string(), "write_heavy".to_string()],
        how_to_tell: format!(
            "Count statements by type over the busiest hour (PostgreSQL: pg_stat_statements or \
             tup_fetched versus tup_inserted+tup_updated+tup_deleted in pg_stat_database; MySQL: \
             Com_select versus Com_insert/update/delete) and send metrics.read_write_ratio. Rule of \
             thumb: {} or more reads per write is read_heavy; {} or fewer, or a primary saturated by \
             writes and WAL/redo I/O, is write_heavy.",
            fmt_num(READ_HEAVY_RATIO),
            fmt_num(WRITE_HEAVY_RATIO)
        ),
    }
}

fn decide_workload(input: &PickScalingStrategyInput, notes: &mut Vec<String>) -> Answer<Workload> {
    let ratio = input.metrics.as_ref().and_then(|m| m.read_write_ratio);
    if let Some(w) = input.workload {
        match (w, ratio) {
            (Workload::ReadHeavy, Some(r)) if r <= WRITE_HEAVY_RATIO => notes.push(format!(
                "You answered read_heavy, but metrics.read_write_ratio = {} reads per write looks \
                 write-heavy; the explicit answer was kept.",
                fmt_num(r)
            )),
            (Workload::WriteHeavy, Some(r)) if r >= READ_HEAVY_RATIO => notes.push(format!(
                "You answered write_heavy, but metrics.read_write_ratio = {} reads per write looks \
                 read-heavy; the explicit answer was kept.",
                fmt_num(r)
            )),
            _ => {}
        }
        let (text, why) = match w {
            Workload::ReadHeavy => (
                "read_heavy",
                "Reads can be served by copies: add read replicas, then a caching layer.",
            ),
            Workload::WriteHeavy => (
                "write_heavy",
                "Every write must reach the primary and replicas copy every write, so replicas do \
                 not help: partition or shard.",
            ),
        };
        return Answer::Known(w, caller_step(Q_WORKLOAD, text, why));
    }
    match ratio {
        Some(r) if r >= READ_HEAVY_RATIO => Answer::Known(
            Workload::ReadHeavy,
            PathStep {
                question: Q_WORKLOAD.to_string(),
                answer: "read_heavy".to_string(),
                source: "metrics.read_write_ratio".to_string(),
                why: Some(format!(
                    "{} reads per write is at or above the rule-of-thumb {}:1, so replicas and a \
                     cache can take most of the load off the primary.",
                    fmt_num(r),
                    fmt_num(READ_HEAVY_RATIO)
                )),
            },
        ),
        Some(r) if r <= WRITE_HEAVY_RATIO => Answer::Known(
            Workload::WriteHeavy,
            PathStep {
                question: Q_WORKLOAD.to_string(),
                answer: "write_heavy".to_string(),
                source: "metrics.read_write_ratio".to_string(),
                why: Some(format!(
                    "{} reads per write is at or below the rule-of-thumb {}:1: writes dominate the \
                     primary, and replicas would have to apply every one of them too.",
                    fmt_num(r),
                    fmt_num(WRITE_HEAVY_RATIO)
                )),
            },
        ),
        Some(r) => {
            notes.push(format!(
                "metrics.read_write_ratio = {} falls between the write-heavy ({}:1) and read-heavy \
                 ({}:1) rules of thumb, so it does not decide the question on its own.",
                fmt_num(r),
                fmt_num(WRITE_HEAVY_RATIO),
                fmt_num(READ_HEAVY_RATIO)
            ));
            Answer::Open(workload_question())
        }
        None => Answer::Open(workload_question()),
    }
}

fn microservices_verdict(needs: Option<&MicroserviceNeeds>) -> MicroservicesVerdict {
    let n = needs.cloned().unwrap_or_default();
    let criteria = [
        ("independent_deployments", n.independent_deployments),
        ("different_scaling_profiles", n.different_scaling_profiles),
        ("team_boundaries", n.team_boundaries),
    ];
    let criteria_met: Vec<String> = criteria
        .iter()
        .filter(|(_, v)| *v == Some(true))
        .map(|(k, _)| (*k).to_string())
        .collect();
    let criteria_unanswered: Vec<String> = criteria
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| (*k).to_string())
        .collect();
    let split_rule = "Split along business domains (orders, payments, inventory), never along technical \
                      layers (an API service, a data service): layer splits turn every feature into a \
                      cross-service change.";
    let why = if criteria_met.is_empty() {
        let unanswered = if criteria_unanswered.is_empty() {
            String::new()
        } else {
            format!(
                " Unanswered: {} (set needs.<name> to true if it holds).",
                criteria_unanswered.join(", ")
            )
        };
        format!(
            "None of the three reasons for microservices is confirmed (independent deployment needs, \
             different scaling profiles per component, team boundaries that demand it). Stay a \
             monolith, kept modular by business domain (a modular monolith), so a later extraction is \
             cheap; every service boundary is a new network failure mode.{unanswered} If a reason \
             appears later: {split_rule}"
        )
    } else {
        format!(
            "Criteria met: {}. A split costs network failures between every pair of services, data \
             that no longer joins or commits together (sagas, outboxes), and a deploy pipeline and \
             on-call per service. Cheaper first: make the monolith modular by business domain; then \
             extract only the component that needs it, behind a strangler-fig facade, owning its \
             own data. {split_rule}",
            criteria_met.join(", ")
        )
    };
    MicroservicesVerdict {
        recommended: !criteria_met.is_empty(),
        criteria_met,
        criteria_unanswered,
        why,
    }
}

fn next_steps_for(
    strategy: ScalingStrategy,
    m: &ScalingMetrics,
    notes: &mut Vec<String>,
) -> Vec<String> {
    let steps: &[&str] = match strategy {
        ScalingStrategy::Vertical => &[
            "Measure which resource saturates at peak (CPU, memory, disk I/O, connections) before \
             changing anything.",
            "Optimise before buying: the missing index, the N+1, a cache for the hot read.",
            "Scale up when sustained peak passes ~70%, keeping ~30% headroom; alert on it and track \
             growth.",
            "Keep the app stateless (sessions and uploads outside the process) so scaling out later \
             is configuration, not a rewrite.",
        ],
        ScalingStrategy::HorizontalStateless => &[
            "Move state out of the process: sessions to Redis or the database, uploads to object \
             storage, scheduled jobs behind a lock.",
            "Run 2+ identical instances behind a load balancer with a readiness check, no sticky \
             sessions; autoscale on CPU (~60-70%) or request rate.",
            "Keep instances x pool size below the database's max_connections (or add PgBouncer).",
            "Move slow or bursty work to a queue with its own workers.",
        ],
        ScalingStrategy::ReadReplicasThenCache => &[
            "Rule out missing indexes, N+1 queries and unbounded scans first.",
            "Route lag-tolerant reads to read replicas; keep read-your-writes paths on the primary; \
             alert on replica lag.",
            "Then cache the hottest reads (cache-aside, TTL plus invalidation on write, stampede \
             protection).",
            "Measure primary load and hit ratio after each step; stop when the primary has headroom.",
        ],
        ScalingStrategy::Shard => &[
            "Exhaust cheaper options first: scale up, drop redundant indexes, batch writes, queue \
             non-critical writes, partition tables in one database.",
            "Pick a shard key present in almost every query, with high cardinality and even spread \
             (tenant_id, user_id); no monotonic keys with range sharding.",
            "Map many logical shards onto fewer nodes, so resharding moves shards, not rows.",
            "Keep each transaction in one shard; cross-shard workflows use an outbox or saga \
             (plan_data_consistency).",
            "Migrate incrementally: backfill, dual-write, verify, cut reads over per shard.",
        ],
    };
    let mut out: Vec<String> = steps.iter().map(|s| (*s).to_string()).collect();
    if strategy == ScalingStrategy::ReadReplicasThenCache {
        if let Some(lag) = m.replica_lag_seconds
            && lag > REPLICA_LAG_WARN_SECONDS
        {
            out.insert(
                2,
                format!(
                    "Replica lag is {} s (above {} s): fix the lag (replica size, long queries, \
                     write bursts) before routing more reads to replicas.",
                    fmt_num(lag),
                    fmt_num(REPLICA_LAG_WARN_SECONDS)
                ),
            );
        }
        if let Some(s) = m.db_storage_percent
            && s >= STORAGE_WARN_PERCENT
        {
            notes.push(format!(
                "metrics.db_storage_percent = {}% (>= {}%): replicas hold a full copy of the data, so \
                 they do not relieve storage; plan partitioning or archiving for that.",
                fmt_num(s),
                fmt_num(STORAGE_WARN_PERCENT)
            ));
        }
    }
    if let (Some(p99), Some(slo)) = (m.p99_latency_ms, m.latency_slo_ms)
        && p99 > slo
    {
        let rs = readings(m);
        if !rs.is_empty() && rs.iter().all(|r| !r.hot()) {
            notes.push(format!(
                "p99 latency ({} ms) is over the objective ({} ms) while nothing is saturated: that is a \
                 performance problem, not a capacity one. Follow the diagnosis order \
                 (diagnose_performance) before scaling.",
                fmt_num(p99),
                fmt_num(slo)
            ));
        }
    }
    out
}

fn references_for(
    strategy: Option<ScalingStrategy>,
    open: Option<&str>,
    verdict: Option<&MicroservicesVerdict>,
) -> Vec<String> {
    let mut refs = Vec::new();
    match strategy {
        Some(ScalingStrategy::Vertical) => refs.push(scal("scale-vertically-first")),
        Some(ScalingStrategy::HorizontalStateless) => {
            refs.push(scal("stateless-services-and-load-balancing"));
            refs.push(scal("queues-and-asynchronous-work"));
        }
        Some(ScalingStrategy::ReadReplicasThenCache) => {
            refs.push(scal("read-replicas-and-replication-lag"));
            refs.push(scal("caching-strategies"));
        }
        Some(ScalingStrategy::Shard) => {
            refs.push(scal("sharding-and-partitioning"));
            refs.push(reference_uri("failure-patterns.md", "sagas"));
        }
        None => match open {
            Some("bottleneck") => {
                refs.push(scal("stateless-services-and-load-balancing"));
                refs.push(scal("read-replicas-and-replication-lag"));
            }
            Some("workload") => {
                refs.push(scal("read-replicas-and-replication-lag"));
                refs.push(scal("sharding-and-partitioning"));
            }
            _ => {
                refs.push(scal("scale-vertically-first"));
                refs.push(reference_uri("performance.md", "measure-before-optimizing"));
            }
        },
    }
    if let Some(verdict) = verdict {
        refs.push(scal("when-to-split-a-monolith"));
        refs.push(scal("splitting-by-business-domain"));
        if verdict.recommended {
            refs.push(scal("the-strangler-fig-migration"));
        }
    }
    refs
}

/// Walks the scaling decision tree.
pub fn pick_scaling_strategy(
    input: &PickScalingStrategyInput,
) -> Result<PickScalingStrategyOutput, DecideError> {
    let metrics = input.metrics.clone().unwrap_or_default();
    validate(&metrics)?;
    let mut notes = Vec::new();
    let mut path = Vec::new();
    let microservices = input
        .needs
        .as_ref()
        .map(|needs| microservices_verdict(Some(needs)));

    let strategy: Result<ScalingStrategy, NextQuestion> = 'tree: {
        match decide_single(input, &mut notes) {
            Answer::Open(q) => break 'tree Err(q),
            Answer::Known(true, step) => {
                path.push(step);
                if input.bottleneck.is_some() || input.workload.is_some() {
                    notes.push(
                        "bottleneck/workload were not needed: one server is sufficient."
                            .to_string(),
                    );
                }
                break 'tree Ok(ScalingStrategy::Vertical);
            }
            Answer::Known(false, step) => path.push(step),
        }
        match decide_bottleneck(input, &mut notes) {
            Answer::Open(q) => break 'tree Err(q),
            Answer::Known(Bottleneck::Compute, step) => {
                path.push(step);
                if input.workload.is_some() {
                    notes.push("workload was not needed: the bottleneck is compute.".to_string());
                }
                break 'tree Ok(ScalingStrategy::HorizontalStateless);
            }
            Answer::Known(Bottleneck::Data, step) => path.push(step),
        }
        match decide_workload(input, &mut notes) {
            Answer::Open(q) => Err(q),
            Answer::Known(Workload::ReadHeavy, step) => {
                path.push(step);
                Ok(ScalingStrategy::ReadReplicasThenCache)
            }
            Answer::Known(Workload::WriteHeavy, step) => {
                path.push(step);
                Ok(ScalingStrategy::Shard)
            }
        }
    };

    // A caller's answer that only led to the next question needs no explanation: the caller knows
    // it. The last step's reason is the verdict's, so it stays.
    let last = path.len().saturating_sub(1);
    for (i, step) in path.iter_mut().enumerate() {
        if i != last && step.source == "caller" {
            step.why = None;
        }
    }
    match strategy {
        Ok(s) => {
            let next_steps = next_steps_for(s, &metrics, &mut notes);
            let references = references_for(Some(s), None, microservices.as_ref());
            Ok(PickScalingStrategyOutput {
                strategy: Some(s),
                path,
                next_steps,
                microservices,
                notes,
                next_question: None,
                references,
            })
        }
        Err(q) => {
            let references = references_for(None, Some(q.field.as_str()), microservices.as_ref());
            Ok(PickScalingStrategyOutput {
                strategy: None,
                path,
                next_steps: vec![format!("Answer `{}`: {}", q.field, q.question)],
                microservices,
                notes,
                next_question: Some(q),
                references,
            })
        }
    }
}

impl fmt::Display for PickScalingStrategyOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.strategy {
            Some(s) => writeln!(f, "Scaling strategy: {}", s.as_str())?,
            None => writeln!(f, "Scaling strategy: undecided (one more answer needed)")?,
        }
        if !self.path.is_empty() {
            writeln!(f, "\nPath:")?;
            for (i, step) in self.path.iter().enumerate() {
                writeln!(
                    f,
                    "  {}. {} -> {} [{}]",
                    i + 1,
                    step.question,
                    step.answer,
                    step.source
                )?;
                if let Some(why) = &step.why {
                    writeln!(f, "     {why}")?;
                }
            }
        }
        if let Some(q) = &self.next_question {
            writeln!(f, "\nNext question ({}): {}", q.field, q.question)?;
            writeln!(f, "  Options: {}", q.options.join(", "))?;
            writeln!(f, "  How to tell: {}", q.how_to_tell)?;
        }
        if self.strategy.is_some() && !self.next_steps.is_empty() {
            writeln!(f, "\nNext steps:")?;
            for (i, s) in self.next_steps.iter().enumerate() {
                writeln!(f, "  {}. {}", i + 1, s)?;
            }
        }
        if let Some(verdict) = &self.microservices {
            writeln!(
                f,
                "\nMicroservices: {}",
                if verdict.recommended {
                    "worth it for the part that needs it"
                } else {
                    "not yet"
                }
            )?;
            writeln!(f, "  {}", verdict.why)?;
        }
        super::common::write_list(f, "Notes", &self.notes)?;
        super::common::write_read_next(f, &self.references)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::is_citable;
    use super::*;
    use proptest::prelude::*;

    fn assert_refs_allowed(out: &PickScalingStrategyOutput) {
        for r in &out.references {
            assert!(is_citable(r), "reference not citable: {r}");
        }
    }

    fn run(json: serde_json::Value) -> PickScalingStrategyOutput {
        let input: PickScalingStrategyInput = serde_json::from_value(json).expect("valid input");
        let out = pick_scaling_strategy(&input).expect("ok");
        assert_refs_allowed(&out);
        assert!(!out.to_string().is_empty());
        out
    }

    fn strategy_str(out: &PickScalingStrategyOutput) -> Option<&'static str> {
        out.strategy.map(ScalingStrategy::as_str)
    }

    #[test]
    fn explicit_answers_reach_every_strategy() {
        let cases = [
            (
                serde_json::json!({"single_server_sufficient": true}),
                "vertical",
                1,
            ),
            (
                serde_json::json!({"single_server_sufficient": false, "bottleneck": "compute"}),
                "horizontal-stateless",
                2,
            ),
            (
                serde_json::json!({"single_server_sufficient": false, "bottleneck": "data", "workload": "read_heavy"}),
                "read-replicas-then-cache",
                3,
            ),
            (
                serde_json::json!({"single_server_sufficient": false, "bottleneck": "data", "workload": "write_heavy"}),
                "shard",
                3,
            ),
        ];
        for (json, want, depth) in cases {
            let out = run(json.clone());
            assert_eq!(strategy_str(&out), Some(want), "{json}");
            assert_eq!(out.path.len(), depth, "{json}");
            assert!(out.path.iter().all(|p| p.source == "caller"));
            assert!(out.next_question.is_none());
            assert!(out.next_steps.len() >= 4);
        }
    }

    #[test]
    fn serialized_identifiers_match_the_contract() {
        let out = run(
            serde_json::json!({"single_server_sufficient": false, "bottleneck": "data", "workload": "read_heavy"}),
        );
        let v = serde_json::to_value(&out).unwrap();
        assert_eq!(v["strategy"], "read-replicas-then-cache");
        assert_eq!(v["path"][1]["answer"], "data");
        assert_eq!(v["path"][2]["answer"], "read_heavy");
        assert!(v["next_question"].is_null());
        assert!(v["microservices"].is_null(), "no verdict unless asked");
        for (s, id) in [
            (ScalingStrategy::Vertical, "vertical"),
            (ScalingStrategy::HorizontalStateless, "horizontal-stateless"),
            (
                ScalingStrategy::ReadReplicasThenCache,
                "read-replicas-then-cache",
            ),
            (ScalingStrategy::Shard, "shard"),
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), id);
            assert_eq!(s.as_str(), id);
        }
    }

    #[test]
    fn each_question_is_asked_when_missing() {
        let cases = [
            (serde_json::json!({}), "single_server_sufficient", 0),
            (
                serde_json::json!({"bottleneck": "data"}),
                "single_server_sufficient",
                0,
            ),
            (
                serde_json::json!({"single_server_sufficient": false}),
                "bottleneck",
                1,
            ),
            (
                serde_json::json!({"single_server_sufficient": false, "bottleneck": "data"}),
                "workload",
                2,
            ),
            (
                serde_json::json!({"metrics": {"app_cpu_percent": 95}}),
                "metrics.larger_instance_available",
                0,
            ),
            (
                serde_json::json!({"metrics": {"app_cpu_percent": 95, "larger_instance_available": false}}),
                "bottleneck",
                1,
            ),
            (
                serde_json::json!({"single_server_sufficient": false, "bottleneck": "data", "metrics": {"read_write_ratio": 5}}),
                "workload",
                2,
            ),
        ];
        for (json, field, depth) in cases {
            let out = run(json.clone());
            assert_eq!(out.strategy, None, "{json}");
            let q = out.next_question.as_ref().expect("question");
            assert_eq!(q.field, field, "{json}");
            assert!(!q.options.is_empty());
            assert!(!q.how_to_tell.is_empty());
            assert_eq!(out.path.len(), depth, "{json}");
        }
        let out = run(serde_json::json!({"single_server_sufficient": false, "bottleneck": "data"}));
        assert_eq!(
            out.next_question.unwrap().options,
            vec!["read_heavy", "write_heavy"]
        );
    }

    #[test]
    fn metrics_derive_every_answer_with_stated_source() {
        // Nothing saturated -> vertical.
        let out =
            run(serde_json::json!({"metrics": {"app_cpu_percent": 40, "db_cpu_percent": 30}}));
        assert_eq!(strategy_str(&out), Some("vertical"));
        assert_eq!(
            out.path[0].source,
            "metrics.app_cpu_percent, metrics.db_cpu_percent"
        );
        assert!(
            out.path[0]
                .why
                .as_deref()
                .unwrap_or_default()
                .contains("70%")
        );

        // Saturated but a bigger instance exists -> vertical (scale up first).
        let out = run(
            serde_json::json!({"metrics": {"db_cpu_percent": 90, "larger_instance_available": true}}),
        );
        assert_eq!(strategy_str(&out), Some("vertical"));
        assert!(
            out.path[0]
                .source
                .contains("metrics.larger_instance_available")
        );

        // App hot, DB cool, no bigger instance -> compute.
        let out = run(
            serde_json::json!({"metrics": {"app_cpu_percent": 85, "db_cpu_percent": 35, "larger_instance_available": false}}),
        );
        assert_eq!(strategy_str(&out), Some("horizontal-stateless"));
        assert_eq!(out.path[1].answer, "compute");
        assert!(out.path[1].source.contains("metrics.db_cpu_percent"));

        // App memory hot counts as compute too.
        let out = run(
            serde_json::json!({"metrics": {"app_memory_percent": 92, "db_io_percent": 20, "larger_instance_available": false}}),
        );
        assert_eq!(strategy_str(&out), Some("horizontal-stateless"));

        // DB hot, high read ratio -> replicas then cache.
        let out = run(
            serde_json::json!({"metrics": {"app_cpu_percent": 30, "db_cpu_percent": 88, "larger_instance_available": false, "read_write_ratio": 25}}),
        );
        assert_eq!(strategy_str(&out), Some("read-replicas-then-cache"));
        assert_eq!(out.path[2].source, "metrics.read_write_ratio");

        // DB I/O hot, low read ratio -> shard.
        let out = run(
            serde_json::json!({"metrics": {"db_io_percent": 95, "larger_instance_available": false, "read_write_ratio": 1.5}}),
        );
        assert_eq!(strategy_str(&out), Some("shard"));
        assert_eq!(out.path[1].answer, "data");

        // Both tiers hot -> data first, explained.
        let out = run(
            serde_json::json!({"metrics": {"app_cpu_percent": 90, "db_cpu_percent": 90, "larger_instance_available": false, "read_write_ratio": 10}}),
        );
        assert_eq!(out.path[1].answer, "data");
        assert!(
            out.path[1]
                .why
                .as_deref()
                .unwrap_or_default()
                .contains("Both tiers")
        );
        assert_eq!(strategy_str(&out), Some("read-replicas-then-cache"));
    }

    #[test]
    fn thresholds_are_inclusive_boundaries() {
        let at = run(
            serde_json::json!({"metrics": {"app_cpu_percent": 70, "db_cpu_percent": 69.9, "larger_instance_available": false}}),
        );
        assert_eq!(strategy_str(&at), Some("horizontal-stateless"));
        let below = run(
            serde_json::json!({"metrics": {"app_cpu_percent": 69.9, "larger_instance_available": false}}),
        );
        assert_eq!(strategy_str(&below), Some("vertical"));
        let ratio_10 = run(
            serde_json::json!({"single_server_sufficient": false, "bottleneck": "data", "metrics": {"read_write_ratio": 10}}),
        );
        assert_eq!(strategy_str(&ratio_10), Some("read-replicas-then-cache"));
        let ratio_2 = run(
            serde_json::json!({"single_server_sufficient": false, "bottleneck": "data", "metrics": {"read_write_ratio": 2}}),
        );
        assert_eq!(strategy_str(&ratio_2), Some("shard"));
    }

    #[test]
    fn app_hot_with_unknown_database_asks_bottleneck() {
        let out = run(
            serde_json::json!({"single_server_sufficient": false, "metrics": {"app_cpu_percent": 99}}),
        );
        assert_eq!(out.next_question.unwrap().field, "bottleneck");
    }

    #[test]
    fn explicit_answers_win_over_metrics_with_a_note() {
        let out = run(
            serde_json::json!({"single_server_sufficient": true, "metrics": {"db_cpu_percent": 99, "larger_instance_available": false}}),
        );
        assert_eq!(strategy_str(&out), Some("vertical"));
        assert!(
            out.notes
                .iter()
                .any(|n| n.contains("explicit answer was kept"))
        );

        let out = run(
            serde_json::json!({"single_server_sufficient": false, "metrics": {"app_cpu_percent": 10}, "bottleneck": "compute"}),
        );
        assert_eq!(strategy_str(&out), Some("horizontal-stateless"));
        assert!(
            out.notes
                .iter()
                .any(|n| n.contains("no metric you sent is saturated"))
        );

        let out = run(
            serde_json::json!({"single_server_sufficient": false, "bottleneck": "compute", "metrics": {"db_cpu_percent": 95}}),
        );
        assert!(
            out.notes
                .iter()
                .any(|n| n.contains("database is saturated too"))
        );

        let out = run(
            serde_json::json!({"single_server_sufficient": false, "bottleneck": "data", "workload": "write_heavy", "metrics": {"app_cpu_percent": 95, "db_cpu_percent": 10}}),
        );
        assert_eq!(strategy_str(&out), Some("shard"));
        assert!(out.notes.iter().any(|n| n.contains("app tier hot")));

        let out = run(
            serde_json::json!({"single_server_sufficient": false, "bottleneck": "data", "workload": "read_heavy", "metrics": {"read_write_ratio": 1}}),
        );
        assert_eq!(strategy_str(&out), Some("read-replicas-then-cache"));
        assert!(out.notes.iter().any(|n| n.contains("looks write-heavy")));

        let out = run(
            serde_json::json!({"single_server_sufficient": false, "bottleneck": "data", "workload": "write_heavy", "metrics": {"read_write_ratio": 50}}),
        );
        assert_eq!(strategy_str(&out), Some("shard"));
        assert!(out.notes.iter().any(|n| n.contains("looks read-heavy")));

        let out = run(
            serde_json::json!({"single_server_sufficient": true, "bottleneck": "data", "workload": "read_heavy"}),
        );
        assert!(out.notes.iter().any(|n| n.contains("were not needed")));
        let out = run(
            serde_json::json!({"single_server_sufficient": false, "bottleneck": "compute", "workload": "read_heavy"}),
        );
        assert!(
            out.notes
                .iter()
                .any(|n| n.contains("workload was not needed"))
        );
    }

    #[test]
    fn growth_runway_and_warnings() {
        // 50% -> 70% at 10%/month: ln(1.4)/ln(1.1) = 3.53 months.
        let out = run(
            serde_json::json!({"metrics": {"app_cpu_percent": 50, "growth_percent_per_month": 10}}),
        );
        assert!(
            out.path[0]
                .why
                .as_deref()
                .unwrap_or_default()
                .contains("about 3.5 months"),
            "{:?}",
            out.path[0].why
        );
        assert!(out.notes.is_empty());
        // 60% -> 70% at 20%/month: ln(7/6)/ln(1.2) = 0.85 months -> short-runway note.
        let out = run(
            serde_json::json!({"metrics": {"app_cpu_percent": 60, "growth_percent_per_month": 20}}),
        );
        assert!(out.notes.iter().any(|n| n.contains("Runway is short")));
        // Shrinking load: no runway.
        let out = run(
            serde_json::json!({"metrics": {"app_cpu_percent": 60, "growth_percent_per_month": -5}}),
        );
        assert!(
            !out.path[0]
                .why
                .as_deref()
                .unwrap_or_default()
                .contains("months")
        );

        let out = run(
            serde_json::json!({"single_server_sufficient": false, "bottleneck": "data", "workload": "read_heavy", "metrics": {"replica_lag_seconds": 12, "db_storage_percent": 85}}),
        );
        assert!(
            out.next_steps
                .iter()
                .any(|s| s.contains("Replica lag is 12 s"))
        );
        assert!(out.notes.iter().any(|n| n.contains("db_storage_percent")));

        let out = run(
            serde_json::json!({"single_server_sufficient": true, "metrics": {"app_cpu_percent": 20, "p99_latency_ms": 900, "latency_slo_ms": 300}}),
        );
        assert!(out.notes.iter().any(|n| n.contains("performance problem")));
    }

    #[test]
    fn microservices_verdict_cases() {
        assert!(
            run(serde_json::json!({"single_server_sufficient": true}))
                .microservices
                .is_none()
        );
        let none = run(serde_json::json!({"single_server_sufficient": true, "needs": {}}));
        let none = none.microservices.unwrap();
        assert!(!none.recommended);
        assert!(none.why.contains("modular monolith"));
        assert!(none.why.contains("orders, payments, inventory"));
        assert_eq!(none.criteria_unanswered.len(), 3);

        let all_false = run(
            serde_json::json!({"needs": {"independent_deployments": false, "different_scaling_profiles": false, "team_boundaries": false}}),
        );
        let all_false = all_false.microservices.unwrap();
        assert!(!all_false.recommended);
        assert!(all_false.criteria_unanswered.is_empty());

        for key in [
            "independent_deployments",
            "different_scaling_profiles",
            "team_boundaries",
        ] {
            let out = run(serde_json::json!({"needs": {key: true}}));
            let verdict = out.microservices.clone().unwrap();
            assert!(verdict.recommended, "{key}");
            assert_eq!(verdict.criteria_met, vec![key.to_string()]);
            assert!(verdict.why.contains("business domains"));
            assert!(verdict.why.contains("never along technical"));
            assert!(verdict.why.contains("modular"));
            assert!(
                out.references
                    .contains(&scal("the-strangler-fig-migration"))
            );
        }
    }

    #[test]
    fn references_per_outcome() {
        let v = run(serde_json::json!({"single_server_sufficient": true}));
        assert!(v.references.contains(&scal("scale-vertically-first")));
        let h =
            run(serde_json::json!({"single_server_sufficient": false, "bottleneck": "compute"}));
        assert!(
            h.references
                .contains(&scal("stateless-services-and-load-balancing"))
        );
        let r = run(
            serde_json::json!({"single_server_sufficient": false, "bottleneck": "data", "workload": "read_heavy"}),
        );
        assert!(
            r.references
                .contains(&scal("read-replicas-and-replication-lag"))
        );
        assert!(r.references.contains(&scal("caching-strategies")));
        let s = run(
            serde_json::json!({"single_server_sufficient": false, "bottleneck": "data", "workload": "write_heavy"}),
        );
        assert!(s.references.contains(&scal("sharding-and-partitioning")));
    }

    #[test]
    fn invalid_metrics_are_errors_naming_the_field() {
        let cases = [
            (
                serde_json::json!({"metrics": {"app_cpu_percent": 101}}),
                "metrics.app_cpu_percent",
            ),
            (
                serde_json::json!({"metrics": {"app_memory_percent": -1}}),
                "metrics.app_memory_percent",
            ),
            (
                serde_json::json!({"metrics": {"db_cpu_percent": 150}}),
                "metrics.db_cpu_percent",
            ),
            (
                serde_json::json!({"metrics": {"db_io_percent": 100.5}}),
                "metrics.db_io_percent",
            ),
            (
                serde_json::json!({"metrics": {"db_storage_percent": 200}}),
                "metrics.db_storage_percent",
            ),
            (
                serde_json::json!({"metrics": {"read_write_ratio": -3}}),
                "metrics.read_write_ratio",
            ),
            (
                serde_json::json!({"metrics": {"growth_percent_per_month": -101}}),
                "metrics.growth_percent_per_month",
            ),
            (
                serde_json::json!({"metrics": {"p99_latency_ms": -1}}),
                "metrics.p99_latency_ms",
            ),
            (
                serde_json::json!({"metrics": {"latency_slo_ms": 1e12}}),
                "metrics.latency_slo_ms",
            ),
            (
                serde_json::json!({"metrics": {"replica_lag_seconds": -0.5}}),
                "metrics.replica_lag_seconds",
            ),
        ];
        for (json, field) in cases {
            let input: PickScalingStrategyInput = serde_json::from_value(json.clone()).unwrap();
            match pick_scaling_strategy(&input) {
                Err(DecideError::InvalidInput(msg)) => assert!(msg.starts_with(field), "{msg}"),
                other => panic!("{json}: expected error, got {other:?}"),
            }
        }
        let nan = PickScalingStrategyInput {
            metrics: Some(ScalingMetrics {
                app_cpu_percent: Some(f64::NAN),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert!(pick_scaling_strategy(&nan).is_err());
    }

    #[test]
    fn unknown_fields_and_bad_enums_are_rejected() {
        assert!(
            serde_json::from_value::<PickScalingStrategyInput>(serde_json::json!({"bogus": 1}))
                .is_err()
        );
        assert!(
            serde_json::from_value::<PickScalingStrategyInput>(
                serde_json::json!({"bottleneck": "network"})
            )
            .is_err()
        );
        assert!(
            serde_json::from_value::<PickScalingStrategyInput>(
                serde_json::json!({"metrics": {"cpu": 3}})
            )
            .is_err()
        );
        assert!(
            serde_json::from_value::<PickScalingStrategyInput>(
                serde_json::json!({"needs": {"hype": true}})
            )
            .is_err()
        );
    }

    #[test]
    fn schema_documents_every_field() {
        let schema = serde_json::to_value(schemars::schema_for!(PickScalingStrategyInput)).unwrap();
        let props = schema["properties"].as_object().unwrap();
        for key in [
            "single_server_sufficient",
            "bottleneck",
            "workload",
            "metrics",
            "needs",
        ] {
            assert!(props.contains_key(key), "{key}");
        }
        assert!(props["single_server_sufficient"]["description"].is_string());
    }

    fn opt_f64() -> impl Strategy<Value = Option<f64>> {
        prop_oneof![
            Just(None),
            (-10.0f64..120.0).prop_map(Some),
            any::<f64>().prop_map(Some),
        ]
    }

    fn metrics_strategy() -> impl Strategy<Value = Option<ScalingMetrics>> {
        let a = (
            opt_f64(),
            opt_f64(),
            opt_f64(),
            opt_f64(),
            opt_f64(),
            opt_f64(),
        );
        let b = (
            any::<Option<bool>>(),
            opt_f64(),
            opt_f64(),
            opt_f64(),
            opt_f64(),
        );
        proptest::option::of(
            (a, b).prop_map(
                |((c, m, d, io, st, rw), (li, g, p, slo, lag))| ScalingMetrics {
                    app_cpu_percent: c,
                    app_memory_percent: m,
                    db_cpu_percent: d,
                    db_io_percent: io,
                    db_storage_percent: st,
                    read_write_ratio: rw,
                    larger_instance_available: li,
                    growth_percent_per_month: g,
                    p99_latency_ms: p,
                    latency_slo_ms: slo,
                    replica_lag_seconds: lag,
                },
            ),
        )
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(
            single in any::<Option<bool>>(),
            bottleneck in proptest::option::of(prop_oneof![Just(Bottleneck::Compute), Just(Bottleneck::Data)]),
            workload in proptest::option::of(prop_oneof![Just(Workload::ReadHeavy), Just(Workload::WriteHeavy)]),
            metrics in metrics_strategy(),
            needs in proptest::option::of((any::<Option<bool>>(), any::<Option<bool>>(), any::<Option<bool>>())),
        ) {
            let input = PickScalingStrategyInput {
                single_server_sufficient: single,
                bottleneck,
                workload,
                metrics,
                needs: needs.map(|(a, b, c)| MicroserviceNeeds {
                    independent_deployments: a,
                    different_scaling_profiles: b,
                    team_boundaries: c,
                }),
            };
            if let Ok(out) = pick_scaling_strategy(&input) {
                prop_assert!(out.strategy.is_some() != out.next_question.is_some());
                assert_refs_allowed(&out);
                let _ = out.to_string();
                prop_assert!(serde_json::to_string(&out).is_ok());
            }
        }
    }
}
