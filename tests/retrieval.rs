//! Retrieval quality, measured on three data sets in `tests/retrieval/`:
//!
//! - `real_questions.tsv`: issue titles and Q&A titles engineers actually wrote, verbatim, with their
//!   source URL, labelled with the sections that answer them (labelled from the references, before any
//!   search result was looked at). Rows marked `heldout` were never used for tuning.
//! - `written_questions.tsv`: questions written in this repository (the first evaluation set).
//! - `off_topic.tsv`: queries the references do not answer; they must get the "no good match" answer.
//!
//! Prints recall@1/3/5, MRR and nDCG@5 overall, per split and per reference, writes them as JSON to
//! `target/tmp/retrieval.json` (read by `scripts/retrieval_baseline.py`), and fails below the floors
//! below. Run `cargo test --test retrieval -- --nocapture` to see every rank.

use std::collections::BTreeMap;

use backend_engineering_mcp::content::Skill;
use backend_engineering_mcp::search::{Confidence, SearchIndex, SearchRequest};

const REAL: &str = include_str!("retrieval/real_questions.tsv");
const WRITTEN: &str = include_str!("retrieval/written_questions.tsv");
const OFF_TOPIC: &str = include_str!("retrieval/off_topic.tsv");
const URI_PREFIX: &str = "skill://backend-engineering/references/";
/// How deep the evaluation looks.
const DEPTH: i64 = 10;

struct Case {
    id: String,
    split: String,
    question: String,
    /// Acceptable sections as `file#anchor`; the first is the intended one.
    expected: Vec<String>,
}

fn load(tsv: &str) -> Vec<Case> {
    tsv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 5, "bad row: {line}");
            Case {
                id: cols[0].to_string(),
                split: cols[1].to_string(),
                question: cols[2].to_string(),
                expected: cols[4].split_whitespace().map(str::to_string).collect(),
            }
        })
        .collect()
}

/// Ranked `file#anchor` list the search returns for a question, and whether it was a good match.
fn ranked(index: &SearchIndex, question: &str) -> (Vec<String>, bool) {
    let response = index
        .search(&SearchRequest {
            query: question.to_string(),
            limit: Some(DEPTH),
            reference: None,
            max_tokens: Some(1),
            full_texts: Some(0),
        })
        .expect("search");
    let uris = response
        .hits
        .iter()
        .map(|h| h.uri.trim_start_matches(URI_PREFIX).to_string())
        .collect();
    (uris, response.confidence == Confidence::High)
}

#[derive(Default, Clone, Copy)]
struct Metrics {
    n: usize,
    at1: usize,
    at3: usize,
    at5: usize,
    rr: f64,
    ndcg5: f64,
}

impl Metrics {
    fn add(&mut self, ranks: &[usize], acceptable: usize) {
        self.n += 1;
        let first = ranks.iter().copied().min();
        if let Some(r) = first {
            self.rr += 1.0 / r as f64;
            self.at1 += usize::from(r <= 1);
            self.at3 += usize::from(r <= 3);
            self.at5 += usize::from(r <= 5);
        }
        // Binary relevance: every acceptable section counts 1; ideal ranks them all first.
        let dcg: f64 = ranks
            .iter()
            .filter(|&&r| r <= 5)
            .map(|&r| 1.0 / ((r + 1) as f64).log2())
            .sum();
        let ideal: f64 = (1..=acceptable.min(5))
            .map(|r| 1.0 / ((r + 1) as f64).log2())
            .sum();
        self.ndcg5 += dcg / ideal;
    }

    fn ratio(&self, count: usize) -> f64 {
        count as f64 / self.n.max(1) as f64
    }

    fn json(&self) -> String {
        format!(
            "{{\"n\": {}, \"recall@1\": {:.4}, \"recall@3\": {:.4}, \"recall@5\": {:.4}, \"mrr\": {:.4}, \"ndcg@5\": {:.4}}}",
            self.n,
            self.ratio(self.at1),
            self.ratio(self.at3),
            self.ratio(self.at5),
            self.rr / self.n.max(1) as f64,
            self.ndcg5 / self.n.max(1) as f64
        )
    }

    fn line(&self, name: &str) -> String {
        format!(
            "{name:<28} n={:<4} r@1 {:.3}  r@3 {:.3}  r@5 {:.3}  MRR {:.3}  nDCG@5 {:.3}",
            self.n,
            self.ratio(self.at1),
            self.ratio(self.at3),
            self.ratio(self.at5),
            self.rr / self.n.max(1) as f64,
            self.ndcg5 / self.n.max(1) as f64
        )
    }
}

struct Report {
    runs: Vec<(String, Vec<String>)>,
    low_confidence: usize,
    all: Metrics,
    by_split: BTreeMap<String, Metrics>,
    by_reference: BTreeMap<String, Metrics>,
    misses: Vec<String>,
}

fn evaluate(index: &SearchIndex, cases: &[Case]) -> Report {
    let mut report = Report {
        runs: Vec::new(),
        low_confidence: 0,
        all: Metrics::default(),
        by_split: BTreeMap::new(),
        by_reference: BTreeMap::new(),
        misses: Vec::new(),
    };
    for case in cases {
        let (got, good) = ranked(index, &case.question);
        report.low_confidence += usize::from(!good);
        let ranks: Vec<usize> = got
            .iter()
            .enumerate()
            .filter(|(_, uri)| case.expected.contains(uri))
            .map(|(i, _)| i + 1)
            .collect();
        let acceptable = case.expected.len();
        report.all.add(&ranks, acceptable);
        report
            .by_split
            .entry(case.split.clone())
            .or_default()
            .add(&ranks, acceptable);
        let reference = case.expected[0]
            .split('#')
            .next()
            .unwrap_or_default()
            .to_string();
        report
            .by_reference
            .entry(reference)
            .or_default()
            .add(&ranks, acceptable);
        let best = ranks.iter().copied().min();
        println!(
            "{:>4}  {} [{}] {}",
            best.map_or("-".to_string(), |r| r.to_string()),
            case.id,
            case.split,
            case.question
        );
        report.runs.push((case.id.clone(), got.clone()));
        if best.is_none_or(|r| r > 1) {
            report.misses.push(format!(
                "{} rank {}: {:?} -> top: {:?} (want {})",
                case.id,
                best.map_or("-".to_string(), |r| r.to_string()),
                case.question,
                &got[..3.min(got.len())],
                case.expected[0]
            ));
        }
    }
    report
}

fn report_json(report: &Report) -> String {
    let mut out = format!(
        "{{\"low_confidence\": {}, \"all\": {}, \"split\": {{",
        report.low_confidence,
        report.all.json()
    );
    let parts: Vec<String> = report
        .by_split
        .iter()
        .map(|(k, m)| format!("\"{k}\": {}", m.json()))
        .collect();
    out.push_str(&parts.join(", "));
    out.push_str("}, \"reference\": {");
    let parts: Vec<String> = report
        .by_reference
        .iter()
        .map(|(k, m)| format!("\"{k}\": {}", m.json()))
        .collect();
    out.push_str(&parts.join(", "));
    out.push_str("}, \"runs\": {");
    let parts: Vec<String> = report
        .runs
        .iter()
        .map(|(id, uris)| {
            let list: Vec<String> = uris.iter().map(|u| format!("\"{u}\"")).collect();
            format!("\"{id}\": [{}]", list.join(", "))
        })
        .collect();
    out.push_str(&parts.join(", "));
    out.push_str("}}");
    out
}

/// Every indexed section as JSON, for the baselines (same sections, same ids).
fn sections_json() -> String {
    let skill = Skill::get();
    let mut rows = Vec::new();
    for doc in &skill.references {
        for s in doc.sections.iter().filter(|s| s.level >= 2) {
            rows.push(format!(
                "{{\"id\": {}, \"heading\": {}, \"text\": {}}}",
                json_string(&format!("{}#{}", doc.name, s.anchor)),
                json_string(&s.heading_path),
                json_string(s.text)
            ));
        }
    }
    format!("[{}]\n", rows.join(",\n"))
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn print_report(name: &str, report: &Report) {
    println!("== {name}");
    println!("{}", report.all.line("all"));
    for (split, m) in &report.by_split {
        println!("{}", m.line(split));
    }
    for (reference, m) in &report.by_reference {
        println!("{}", m.line(reference));
    }
    for miss in &report.misses {
        println!("miss  {miss}");
    }
}

#[test]
fn retrieval_meets_its_floors() {
    let index = SearchIndex::build(Skill::get()).expect("index");
    let real = evaluate(&index, &load(REAL));
    let written = evaluate(&index, &load(WRITTEN));
    print_report("real questions", &real);
    print_report("written questions", &written);

    let json = format!(
        "{{\"real\": {}, \"written\": {}}}\n",
        report_json(&real),
        report_json(&written)
    );
    let path = concat!(env!("CARGO_TARGET_TMPDIR"), "/retrieval.json");
    std::fs::write(path, &json).expect("write retrieval.json");
    let sections = concat!(env!("CARGO_TARGET_TMPDIR"), "/sections.json");
    std::fs::write(sections, sections_json()).expect("write sections.json");
    println!("wrote {path} and {sections}");

    // Floors set from the held-back numbers when they were first measured (recall@3 1.000,
    // recall@1 0.935 on 31 held-back real questions; 0.981 and 0.906 on all 159), a question or two
    // below them so that one relabelled section does not fail the build.
    let check = |name: &str, m: &Metrics, at1: f64, at3: f64| {
        let (r1, r3) = (m.ratio(m.at1), m.ratio(m.at3));
        assert!(
            r1 >= at1 && r3 >= at3,
            "{name}: recall@1 {r1:.3} (floor {at1}), recall@3 {r3:.3} (floor {at3})"
        );
    };
    check("real questions", &real.all, 0.88, 0.97);
    check(
        "held-back real questions",
        &real.by_split["heldout"],
        0.87,
        0.96,
    );
    check("written questions", &written.all, 0.75, 0.90);
    println!(
        "low confidence: {} of {} real, {} of {} written",
        real.low_confidence, real.all.n, written.low_confidence, written.all.n
    );
}

#[test]
fn off_topic_queries_get_no_good_match() {
    let index = SearchIndex::build(Skill::get()).expect("index");
    let mut low = 0;
    let mut total = 0;
    for line in OFF_TOPIC.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (id, query, why) = (cols[0], cols[1], cols[2]);
        let response = index
            .search(&SearchRequest {
                query: query.to_string(),
                ..Default::default()
            })
            .expect("search");
        total += 1;
        let is_low = response.confidence == Confidence::Low;
        low += usize::from(is_low);
        println!("{id} {} {query:?}", if is_low { "low " } else { "HIGH" });
        if is_low {
            // No texts and no snippets, at most the closest headings, worded as such.
            assert!(response.hits.len() <= 3, "{query}");
            assert!(
                response
                    .hits
                    .iter()
                    .all(|h| h.text.is_none() && h.snippet.is_none())
            );
            assert!(
                response.render(true).starts_with("No good match"),
                "{query}"
            );
        }
        if why.starts_with("stop word") {
            assert!(
                is_low && response.hits.is_empty(),
                "{query}: {:?}",
                response.hits
            );
        }
    }
    println!("off-topic: {low} of {total} get the no-good-match answer");
    assert!(
        low * 10 >= total * 9,
        "only {low} of {total} off-topic queries were judged low"
    );
}

#[test]
fn data_sets_are_well_formed_and_every_label_exists() {
    let skill = Skill::get();
    let real = load(REAL);
    let written = load(WRITTEN);
    assert!(real.len() >= 120, "{} real questions", real.len());
    let held = real.iter().filter(|c| c.split == "heldout").count();
    assert!(held >= real.len() / 5, "held back {held} of {}", real.len());
    for case in real.iter().chain(&written) {
        assert!(
            matches!(case.split.as_str(), "tune" | "heldout"),
            "{}",
            case.id
        );
        assert!(!case.expected.is_empty(), "{}", case.id);
        for target in &case.expected {
            let uri = format!("{URI_PREFIX}{target}");
            assert!(
                skill.resolve_uri(&uri).is_some_and(|(_, s)| s.is_some()),
                "{} {:?}: {target} does not exist",
                case.id,
                case.question
            );
        }
    }
    for case in &real {
        let source = REAL
            .lines()
            .find(|l| l.starts_with(&format!("{}\t", case.id)))
            .and_then(|l| l.split('\t').nth(3))
            .unwrap_or_default();
        assert!(
            source.starts_with("https://"),
            "{}: source {source:?}",
            case.id
        );
    }
    let off: Vec<&str> = OFF_TOPIC
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .collect();
    assert!(off.len() >= 20, "{} off-topic queries", off.len());
}
