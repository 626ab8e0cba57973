//! The labelled evaluation of `review_schema` (issue 8): every case under tests/schema_eval/ goes
//! through the real binary's `review-schema --json`, and the rules that fired are scored against the
//! case's labels. Recall = expected rules that fired / expected rules. Precision = expected rules that
//! fired / (those + rules that fired on a case that forbids them); a rule that fires on a case that
//! neither expects nor forbids it is not counted. The test fails when overall recall or precision is
//! below the thresholds here. tests/schema_eval/README.md describes the case format.
//!
//! `cargo test --test schema_eval -- --nocapture` prints the per-rule and per-family tables and every
//! miss. With `SCHEMA_EVAL_OUT=path.json` the rules fired per case are also written there (what
//! scripts/compare-squawk.py reads to put squawk beside this tool).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::{Value, json};

/// Overall thresholds: issue 8's target, 0.90 each (measured with the rule catalogue: recall 0.93,
/// precision 0.96; see docs/schema-review-eval.md).
const MIN_RECALL: f64 = 0.90;
const MIN_PRECISION: f64 = 0.90;
/// Issue 8 asks for at least 150 snippets; the brief for this corpus, 170.
const MIN_CASES: usize = 170;

const BIN: &str = env!("CARGO_BIN_EXE_backend-engineering-mcp");

/// The rule ids a case may name: the contract in DESIGN.md and issue 8, plus today's
/// `timestamp-without-time-zone`.
const RULES: &[&str] = &[
    "missing-primary-key",
    "unindexed-foreign-key",
    "query-not-covered",
    "redundant-index",
    "plaintext-secret",
    "float-money",
    "destructive-migration",
    "not-null-without-default",
    "blocking-index-build",
    "missing-lock-timeout",
    "int-primary-key",
    "prefer-identity",
    "add-column-rewrite",
    "char-type",
    "varchar-length",
    "duplicate-column",
    "blocking-index-drop",
    "concurrent-in-transaction",
    "validate-in-same-transaction",
    "blocking-check-validation",
    "blocking-foreign-key-validation",
    "blocking-set-not-null",
    "blocking-unique-constraint",
    "column-type-change",
    "transaction-nesting",
    "uncommitted-transaction",
    "identifier-too-long",
    "blocking-table-rewrite",
    "timestamp-without-time-zone",
];

/// One family file: `[[case]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FamilyFile {
    case: Vec<RawCase>,
}

/// A case as written (see tests/schema_eval/README.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    id: String,
    /// For people reading the case; the runner does not use it.
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
    #[serde(default)]
    dialect: Option<String>,
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    schema_file: Option<String>,
    #[serde(default)]
    migration: Option<String>,
    #[serde(default)]
    ddl: Option<String>,
    #[serde(default)]
    ddl_file: Option<String>,
    #[serde(default)]
    queries: Vec<String>,
    expect: Vec<String>,
    #[serde(default)]
    forbid: Vec<String>,
    #[serde(default)]
    at_most: BTreeMap<String, usize>,
}

/// A case with its files resolved.
#[derive(Debug)]
struct Case {
    id: String,
    family: String,
    dialect: String,
    /// The current schema, when the case has one.
    schema: Option<String>,
    /// The migration (or the one `ddl` script).
    script: String,
    queries: Vec<String>,
    expect: BTreeSet<String>,
    forbid: BTreeSet<String>,
    at_most: BTreeMap<String, usize>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema_eval")
}

fn read_schema_file(name: &str) -> String {
    let path = corpus_dir().join("schemas").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every case of every family file, in file then case order. Panics with the file name on a bad file.
fn load_corpus() -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/schema_eval exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for path in files {
        let family = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 file name")
            .to_string();
        let text = std::fs::read_to_string(&path).expect("readable case file");
        let file: FamilyFile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for raw in file.case {
            let schema = match (raw.schema, raw.schema_file) {
                (Some(_), Some(_)) => panic!("{}: both schema and schema_file", raw.id),
                (Some(text), None) => Some(text),
                (None, Some(name)) => Some(read_schema_file(&name)),
                (None, None) => None,
            };
            let script = match (raw.migration, raw.ddl, raw.ddl_file) {
                (Some(m), None, None) => m,
                (None, Some(d), None) => d,
                (None, None, Some(name)) => read_schema_file(&name),
                _ => panic!(
                    "{}: exactly one of migration, ddl, ddl_file is required",
                    raw.id
                ),
            };
            cases.push(Case {
                id: raw.id,
                family: family.clone(),
                dialect: raw.dialect.unwrap_or_else(|| "postgres".to_string()),
                schema,
                script,
                queries: raw.queries,
                expect: raw.expect.into_iter().collect(),
                forbid: raw.forbid.into_iter().collect(),
                at_most: raw.at_most,
            });
        }
    }
    cases
}

/// What today's `review-schema` accepts, read from its --help (so the runner follows the CLI as it
/// grows without an edit here).
#[derive(Debug, Clone, Copy)]
struct CliCaps {
    /// `--schema FILE`: the current schema as its own input.
    schema_flag: bool,
}

fn cli_caps() -> CliCaps {
    let out = Command::new(BIN)
        .args(["review-schema", "--help"])
        .output()
        .expect("run review-schema --help");
    let help = String::from_utf8_lossy(&out.stdout);
    CliCaps {
        schema_flag: help.contains("--schema"),
    }
}

/// How a case reaches the binary: the one place that maps a case to command-line arguments. With
/// `--schema` the schema and the migration are two inputs; without it (today's CLI) they are one
/// script, schema first, as the tool's description tells users to paste them.
fn invocation(case: &Case, caps: CliCaps, scratch: &Path) -> Vec<String> {
    let stem = scratch.join(&case.id);
    let migration_path = stem.with_extension("migration.sql");
    let mut args = vec!["review-schema".to_string(), "--json".to_string()];
    args.push("--dialect".into());
    args.push(case.dialect.clone());
    for query in &case.queries {
        args.push("--query".into());
        args.push(query.clone());
    }
    match &case.schema {
        Some(schema) if caps.schema_flag => {
            let schema_path = stem.with_extension("schema.sql");
            write(&schema_path, schema);
            write(&migration_path, &case.script);
            args.push("--schema".into());
            args.push(schema_path.display().to_string());
        }
        Some(schema) => write(&migration_path, &format!("{schema}\n{}", case.script)),
        None => write(&migration_path, &case.script),
    }
    args.push(migration_path.display().to_string());
    args
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// What one run produced: how often each rule fired, or why the review gave no findings.
#[derive(Debug, Default)]
struct Outcome {
    fired: BTreeMap<String, usize>,
    /// Set when stdout was not a review (a refused input, a parse error, a crash).
    error: Option<String>,
}

fn run_case(case: &Case, caps: CliCaps, scratch: &Path) -> Outcome {
    let args = invocation(case, caps, scratch);
    let out = Command::new(BIN)
        .args(&args)
        .output()
        .expect("run the binary");
    // Findings may come with a non-zero exit (a future --fail-on); what counts is a parsable review.
    match serde_json::from_slice::<Value>(&out.stdout) {
        Ok(review) => {
            let mut fired = BTreeMap::new();
            for finding in review["findings"].as_array().into_iter().flatten() {
                if let Some(rule) = finding["rule"].as_str() {
                    *fired.entry(rule.to_string()).or_insert(0) += 1;
                }
            }
            Outcome { fired, error: None }
        }
        Err(_) => Outcome {
            fired: BTreeMap::new(),
            error: Some(format!(
                "exit {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .next()
                    .unwrap_or("")
            )),
        },
    }
}

/// Counts for one rule (or one family, or overall).
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    /// Expected and fired.
    tp: usize,
    /// Expected, did not fire.
    missed: usize,
    /// Fired on a case that forbids it, or more often than `at_most` allows.
    fp: usize,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.tp += other.tp;
        self.missed += other.missed;
        self.fp += other.fp;
    }
    fn recall(self) -> Option<f64> {
        let expected = self.tp + self.missed;
        (expected > 0).then(|| self.tp as f64 / expected as f64)
    }
    fn precision(self) -> Option<f64> {
        let fired = self.tp + self.fp;
        (fired > 0).then(|| self.tp as f64 / fired as f64)
    }
}

/// Per-rule tallies of one case.
fn score(case: &Case, outcome: &Outcome) -> BTreeMap<String, Tally> {
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for rule in &case.expect {
        let t = tallies.entry(rule.clone()).or_default();
        match outcome.fired.get(rule) {
            Some(&n) => {
                t.tp += 1;
                if case.at_most.get(rule).is_some_and(|&max| n > max) {
                    t.fp += 1;
                }
            }
            None => t.missed += 1,
        }
    }
    for rule in &case.forbid {
        if outcome.fired.contains_key(rule) {
            tallies.entry(rule.clone()).or_default().fp += 1;
        }
    }
    tallies
}

fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "   - ".to_string(), |v| format!("{v:.3}"))
}

fn print_table(title: &str, rows: &BTreeMap<String, Tally>) {
    println!(
        "\n{title:<32} {:>5} {:>5} {:>5} {:>7} {:>9}",
        "exp", "hit", "fp", "recall", "precision"
    );
    for (name, t) in rows {
        println!(
            "{name:<32} {:>5} {:>5} {:>5} {:>7} {:>9}",
            t.tp + t.missed,
            t.tp,
            t.fp,
            ratio(t.recall()),
            ratio(t.precision())
        );
    }
}

#[test]
fn corpus_is_well_formed() {
    let cases = load_corpus();
    assert!(
        cases.len() >= MIN_CASES,
        "{} cases; at least {MIN_CASES} wanted",
        cases.len()
    );
    let known: BTreeSet<&str> = RULES.iter().copied().collect();
    let mut ids = BTreeSet::new();
    let mut expected_somewhere = BTreeSet::new();
    let mut forbidden_somewhere = BTreeSet::new();
    for case in &cases {
        assert!(
            ids.insert(case.id.as_str()),
            "duplicate case id {}",
            case.id
        );
        assert!(
            ["postgres", "mysql", "sqlite"].contains(&case.dialect.as_str()),
            "{}: dialect {}",
            case.id,
            case.dialect
        );
        assert!(!case.script.trim().is_empty(), "{}: empty script", case.id);
        for rule in case
            .expect
            .iter()
            .chain(&case.forbid)
            .chain(case.at_most.keys())
        {
            assert!(
                known.contains(rule.as_str()),
                "{}: unknown rule id {rule}",
                case.id
            );
        }
        let both: Vec<_> = case.expect.intersection(&case.forbid).collect();
        assert!(
            both.is_empty(),
            "{}: both expected and forbidden: {both:?}",
            case.id
        );
        for rule in case.at_most.keys() {
            assert!(
                case.expect.contains(rule),
                "{}: at_most on a rule it does not expect",
                case.id
            );
        }
        assert!(
            !case.expect.is_empty() || !case.forbid.is_empty(),
            "{}: labels nothing",
            case.id
        );
        expected_somewhere.extend(case.expect.iter().cloned());
        forbidden_somewhere.extend(case.forbid.iter().cloned());
    }
    for rule in RULES {
        assert!(expected_somewhere.contains(*rule), "no case expects {rule}");
        assert!(
            forbidden_somewhere.contains(*rule),
            "no case forbids {rule}"
        );
    }
}

#[test]
fn review_schema_meets_thresholds() {
    let cases = load_corpus();
    let caps = cli_caps();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("schema_eval");
    std::fs::create_dir_all(&scratch).expect("scratch dir");

    let mut per_rule: BTreeMap<String, Tally> = BTreeMap::new();
    let mut per_family: BTreeMap<String, Tally> = BTreeMap::new();
    let mut overall = Tally::default();
    let mut report = Vec::new();
    let mut problems = Vec::new();
    let mut errors = 0;
    for case in &cases {
        let outcome = run_case(case, caps, &scratch);
        if let Some(error) = &outcome.error {
            errors += 1;
            problems.push(format!("{}: no review ({error})", case.id));
        }
        for (rule, tally) in score(case, &outcome) {
            per_rule.entry(rule.clone()).or_default().add(tally);
            per_family
                .entry(case.family.clone())
                .or_default()
                .add(tally);
            overall.add(tally);
            if tally.missed > 0 {
                problems.push(format!("{}: missed {rule}", case.id));
            }
            if tally.fp > 0 {
                problems.push(format!("{}: false positive {rule}", case.id));
            }
        }
        report.push(json!({
            "id": case.id,
            "family": case.family,
            "dialect": case.dialect,
            "fired": outcome.fired,
            "error": outcome.error,
        }));
    }

    println!(
        "review_schema on {} cases (schema given as {}); {errors} gave no review",
        cases.len(),
        if caps.schema_flag {
            "--schema"
        } else {
            "a prefix of one script"
        }
    );
    print_table("rule", &per_rule);
    print_table("family", &per_family);
    println!("\nmisses and false positives:");
    for line in &problems {
        println!("  {line}");
    }
    let recall = overall.recall().unwrap_or(0.0);
    let precision = overall.precision().unwrap_or(0.0);
    println!(
        "\noverall: {} expected, {} found, {} false positives; recall {recall:.3}, precision {precision:.3}",
        overall.tp + overall.missed,
        overall.tp,
        overall.fp
    );

    if let Ok(path) = std::env::var("SCHEMA_EVAL_OUT") {
        let doc = json!({ "schema_flag": caps.schema_flag, "cases": report });
        let text = serde_json::to_string_pretty(&doc).expect("serialise the report");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{path}: {e}"));
    }

    assert!(
        recall >= MIN_RECALL,
        "overall recall {recall:.3} is below {MIN_RECALL}"
    );
    assert!(
        precision >= MIN_PRECISION,
        "overall precision {precision:.3} is below {MIN_PRECISION}"
    );
}
