//! How much of a review one reply carries. A dump of thousands of tables can yield thousands of
//! findings (6,000 keyless tables: 12,001 findings, an 11.9 MB reply), which no model can read: a
//! reply lists the most severe `max_findings` (high before medium before low; within a severity each
//! rule in turn, in statement order), counts the rest per rule in `omitted`, and lists the tables those findings name before
//! the others, up to [`MAX_TABLES`]. `summary` always counts every finding. The command line
//! (`review-schema`) prints the whole review.

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{DecideError, ReviewSchemaOutput, Severity};

/// Findings a reply lists when `max_findings` is not given.
pub const DEFAULT_MAX_FINDINGS: usize = 30;
/// Most findings a reply may list (`max_findings` above this is refused).
pub const MAX_FINDINGS: usize = 1_000;
/// Most table summaries a reply lists.
pub const MAX_TABLES: usize = 25;

/// Findings of one rule that a reply left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RuleCount {
    /// Rule id.
    pub rule: String,
    /// The rule's severity.
    pub severity: Severity,
    /// Findings of this rule not listed.
    pub count: usize,
}

/// What a reply left out (present only when it left something out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Omitted {
    /// Findings not listed (`summary` counts them).
    pub findings: usize,
    /// Those findings per rule, most severe first, then the most frequent.
    pub by_rule: Vec<RuleCount>,
    /// Tables not listed in `tables`.
    pub tables: usize,
}

fn rank(s: Severity) -> u8 {
    match s {
        Severity::High => 0,
        Severity::Medium => 1,
        Severity::Low => 2,
    }
}

/// Checks a caller's `max_findings`, giving the default when it is absent.
pub fn max_findings(asked: Option<usize>) -> Result<usize, DecideError> {
    match asked {
        None => Ok(DEFAULT_MAX_FINDINGS),
        Some(n) if n <= MAX_FINDINGS => Ok(n),
        Some(n) => Err(DecideError::InvalidInput(format!(
            "max_findings: {n}; at most {MAX_FINDINGS} findings fit in one reply (default \
             {DEFAULT_MAX_FINDINGS}); the command line `backend-engineering-mcp review-schema` prints all"
        ))),
    }
}

/// Cuts `out` to at most `max_findings` findings and [`MAX_TABLES`] tables, recording what was left
/// out in `out.omitted` and saying so in `out.notes`. Sorting the findings costs n·log n.
pub fn trim(out: &mut ReviewSchemaOutput, max_findings: usize) {
    trim_to(out, max_findings, MAX_TABLES);
}

/// The findings' indices, most important first: severity, then each rule in turn (its first
/// finding, then every rule's second, ...), so that one rule repeated over a thousand tables does
/// not hide the others; statement order within that.
fn priority(out: &ReviewSchemaOutput) -> Vec<usize> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut order: Vec<(u8, usize, usize)> = out
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let nth = seen.entry(f.rule.as_str()).or_insert(0);
            *nth += 1;
            (rank(f.severity), *nth, i)
        })
        .collect();
    order.sort_unstable();
    order.into_iter().map(|(_, _, i)| i).collect()
}

/// Keeps the items whose flag is set, in their order.
fn keep_flagged<T>(items: &mut Vec<T>, keep: &[bool]) {
    let mut n = 0;
    items.retain(|_| {
        let kept = keep.get(n).copied().unwrap_or(false);
        n += 1;
        kept
    });
}

fn trim_to(out: &mut ReviewSchemaOutput, max_findings: usize, max_tables: usize) {
    let total = out.findings.len();
    let mut omitted = Omitted::default();
    let order = priority(out);
    if out.tables.len() > max_tables {
        // First the tables the listed findings name, the most important finding's first; then the
        // rest in order of appearance. Listed in order of appearance.
        let at: HashMap<&str, usize> = out
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        let mut keep = vec![false; out.tables.len()];
        let mut room = max_tables;
        let named = order
            .iter()
            .take(max_findings)
            .filter_map(|&i| out.findings.get(i))
            .filter_map(|f| at.get(f.table.as_str()).copied());
        for i in named.chain(0..out.tables.len()) {
            if room == 0 {
                break;
            }
            if let Some(k) = keep.get_mut(i).filter(|k| !**k) {
                *k = true;
                room -= 1;
            }
        }
        omitted.tables = out.tables.len() - max_tables;
        keep_flagged(&mut out.tables, &keep);
    }
    if total > max_findings {
        let mut keep = vec![false; total];
        for &i in order.iter().take(max_findings) {
            if let Some(k) = keep.get_mut(i) {
                *k = true;
            }
        }
        let mut counts: BTreeMap<(u8, String), (Severity, usize)> = BTreeMap::new();
        for (f, _) in out.findings.iter().zip(&keep).filter(|(_, k)| !**k) {
            counts
                .entry((rank(f.severity), f.rule.clone()))
                .or_insert((f.severity, 0))
                .1 += 1;
        }
        keep_flagged(&mut out.findings, &keep);
        omitted.findings = total - out.findings.len();
        let mut by_rule: Vec<(u8, RuleCount)> = counts
            .into_iter()
            .map(|((r, rule), (severity, count))| {
                (
                    r,
                    RuleCount {
                        rule,
                        severity,
                        count,
                    },
                )
            })
            .collect();
        by_rule.sort_by(|(ra, a), (rb, b)| (ra, b.count, &a.rule).cmp(&(rb, a.count, &b.rule)));
        omitted.by_rule = by_rule.into_iter().map(|(_, c)| c).collect();
    }
    if omitted.findings > 0 || omitted.tables > 0 {
        let mut said = Vec::new();
        if omitted.findings > 0 {
            said.push(format!(
                "the {} most severe of {total} findings are listed ({} more counted by rule in \
                 `omitted`; `max_findings` lists up to {MAX_FINDINGS})",
                out.findings.len(),
                omitted.findings
            ));
        }
        if omitted.tables > 0 {
            said.push(format!(
                "{} of {} tables are summarised",
                out.tables.len(),
                out.tables.len() + omitted.tables
            ));
        }
        out.notes.insert(
            0,
            format!(
                "Reply cut to fit a model's context: {}; `backend-engineering-mcp review-schema` \
                 prints the whole review.",
                said.join("; ")
            ),
        );
        out.omitted = Some(omitted);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Finding, SeveritySummary, SqlDialect, TableSummary};
    use super::*;

    fn finding(rule: &str, severity: Severity, table: &str) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            table: table.into(),
            columns: vec![],
            message: String::new(),
            fix: String::new(),
            reference: String::new(),
            statement: None,
            line: None,
            input: None,
            query: None,
        }
    }

    fn table(name: &str) -> TableSummary {
        TableSummary {
            name: name.into(),
            created_in_script: true,
            column_count: 1,
            primary_key: vec![],
            indexes: vec![],
            foreign_keys: vec![],
        }
    }

    fn output(findings: Vec<Finding>, tables: Vec<TableSummary>) -> ReviewSchemaOutput {
        ReviewSchemaOutput {
            dialect: SqlDialect::Postgres,
            findings,
            tables,
            summary: SeveritySummary::default(),
            omitted: None,
            unparsed: vec![],
            notes: vec![],
            references: vec![],
        }
    }

    #[test]
    fn keeps_the_most_severe_in_statement_order_and_counts_the_rest() {
        let mut out = output(
            vec![
                finding("a-low", Severity::Low, "t1"),
                finding("b-high", Severity::High, "t2"),
                finding("c-medium", Severity::Medium, "t3"),
                finding("a-low", Severity::Low, "t4"),
                finding("b-high", Severity::High, "t5"),
                finding("c-medium", Severity::Medium, "t6"),
                finding("c-medium", Severity::Medium, "t7"),
            ],
            vec![],
        );
        trim(&mut out, 3);
        let kept: Vec<&str> = out.findings.iter().map(|f| f.table.as_str()).collect();
        assert_eq!(kept, ["t2", "t3", "t5"]);
        let omitted = out.omitted.as_ref().expect("something was left out");
        assert_eq!(omitted.findings, 4);
        let by_rule: Vec<(&str, usize)> = omitted
            .by_rule
            .iter()
            .map(|c| (c.rule.as_str(), c.count))
            .collect();
        assert_eq!(by_rule, [("c-medium", 2), ("a-low", 2)]);
        assert!(
            out.notes[0].contains("3 most severe of 7"),
            "{:?}",
            out.notes
        );
    }

    #[test]
    fn one_rule_repeated_does_not_hide_another_of_the_same_severity() {
        let mut out = output(
            vec![
                finding("x", Severity::High, "t1"),
                finding("x", Severity::High, "t2"),
                finding("x", Severity::High, "t3"),
                finding("y", Severity::High, "t4"),
            ],
            vec![],
        );
        trim(&mut out, 2);
        let kept: Vec<&str> = out.findings.iter().map(|f| f.table.as_str()).collect();
        assert_eq!(kept, ["t1", "t4"]);
    }

    #[test]
    fn a_reply_within_the_limits_is_left_alone() {
        let mut out = output(
            vec![finding("r", Severity::Low, "t")],
            vec![table("t"), table("u")],
        );
        let before = format!("{out:?}");
        trim(&mut out, 1);
        assert_eq!(format!("{out:?}"), before);
        trim(&mut out, 0);
        assert!(out.findings.is_empty());
        assert_eq!(out.omitted.as_ref().map(|o| o.findings), Some(1));
    }

    #[test]
    fn tables_named_by_listed_findings_come_first() {
        let tables: Vec<TableSummary> = (0..10).map(|i| table(&format!("t{i}"))).collect();
        let mut out = output(
            vec![
                finding("r", Severity::High, "t8"),
                finding("r", Severity::Low, "t9"),
            ],
            tables,
        );
        trim_to(&mut out, 1, 3);
        let names: Vec<&str> = out.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["t0", "t1", "t8"]);
        assert_eq!(out.omitted.as_ref().map(|o| o.tables), Some(7));
    }

    #[test]
    fn max_findings_is_checked() {
        assert_eq!(max_findings(None).ok(), Some(DEFAULT_MAX_FINDINGS));
        assert_eq!(max_findings(Some(0)).ok(), Some(0));
        assert!(max_findings(Some(MAX_FINDINGS + 1)).is_err());
    }
}
