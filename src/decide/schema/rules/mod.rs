//! The rule catalogue: one file per rule, each with its id (a public contract: users filter and
//! suppress by it), severity, dialects, what it catches and why, the safe alternative, a bad and a good
//! example, and the code that words its finding. `docs/rules.md` is generated from this list (a test
//! keeps it in step).

use super::{Severity, SqlDialect, reference_uri};

pub mod add_column_rewrite;
pub mod blocking_check_validation;
pub mod blocking_foreign_key_validation;
pub mod blocking_index_build;
pub mod blocking_index_drop;
pub mod blocking_set_not_null;
pub mod blocking_table_rewrite;
pub mod blocking_unique_constraint;
pub mod char_type;
pub mod column_type_change;
pub mod concurrent_in_transaction;
pub mod destructive_migration;
pub mod duplicate_column;
pub mod float_money;
pub mod identifier_too_long;
pub mod inline_references_ignored;
pub mod int_primary_key;
pub mod missing_lock_timeout;
pub mod missing_primary_key;
pub mod not_null_without_default;
pub mod plaintext_secret;
pub mod prefer_identity;
pub mod query_not_covered;
pub mod query_table_unknown;
pub mod redundant_index;
pub mod timestamp_without_time_zone;
pub mod transaction_nesting;
pub mod uncommitted_transaction;
pub mod unindexed_foreign_key;
pub mod validate_in_same_transaction;
pub mod varchar_length;

/// What a rule judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The resulting schema (keys, types, indexes, secrets, money, access patterns): also fires on
    /// `schema` statements.
    Design,
    /// The change itself (locks, rewrites, data loss, transactions): only on `migration`/`ddl`.
    Migration,
}

/// One rule of the catalogue.
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub kind: Kind,
    /// Dialects it applies to.
    pub dialects: &'static [SqlDialect],
    /// What it catches, one sentence.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// The safe alternative.
    pub instead: &'static str,
    /// A statement it flags.
    pub bad: &'static str,
    /// The safe form.
    pub good: &'static str,
    /// Reference file and section anchor to read next.
    pub reference: (&'static str, &'static str),
}

impl Rule {
    pub fn reference(&self) -> String {
        reference_uri(self.reference.0, self.reference.1)
    }
}

pub const ALL_DIALECTS: &[SqlDialect] = &[
    SqlDialect::Postgres,
    SqlDialect::Mysql,
    SqlDialect::Sqlite,
    SqlDialect::Generic,
];
pub const POSTGRES: &[SqlDialect] = &[SqlDialect::Postgres];
pub const SCHEMA_DOC: &str = "schema-design.md";

/// Every rule, in documentation order.
pub const ALL: &[&Rule] = &[
    &missing_primary_key::RULE,
    &int_primary_key::RULE,
    &prefer_identity::RULE,
    &unindexed_foreign_key::RULE,
    &inline_references_ignored::RULE,
    &redundant_index::RULE,
    &query_not_covered::RULE,
    &query_table_unknown::RULE,
    &plaintext_secret::RULE,
    &float_money::RULE,
    &timestamp_without_time_zone::RULE,
    &char_type::RULE,
    &varchar_length::RULE,
    &duplicate_column::RULE,
    &identifier_too_long::RULE,
    &destructive_migration::RULE,
    &not_null_without_default::RULE,
    &add_column_rewrite::RULE,
    &column_type_change::RULE,
    &blocking_index_build::RULE,
    &blocking_index_drop::RULE,
    &blocking_unique_constraint::RULE,
    &blocking_foreign_key_validation::RULE,
    &blocking_check_validation::RULE,
    &blocking_set_not_null::RULE,
    &blocking_table_rewrite::RULE,
    &validate_in_same_transaction::RULE,
    &concurrent_in_transaction::RULE,
    &missing_lock_timeout::RULE,
    &transaction_nesting::RULE,
    &uncommitted_transaction::RULE,
];

/// The rule with this id.
pub fn get(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// Whether findings of this rule judge the resulting schema (and so also fire on `schema`).
pub fn is_design(id: &str) -> bool {
    get(id).is_some_and(|r| r.kind == Kind::Design)
}

fn dialect_names(d: &[SqlDialect]) -> String {
    if d.len() == ALL_DIALECTS.len() {
        return "all".to_string();
    }
    d.iter()
        .map(|d| match d {
            SqlDialect::Postgres => "postgres",
            SqlDialect::Mysql => "mysql",
            SqlDialect::Sqlite => "sqlite",
            SqlDialect::Generic => "generic",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text of docs/rules.md.
pub fn markdown() -> String {
    let mut s = String::from(
        "# review_schema rules\n\n\
         Generated from `src/decide/schema/rules/` by `cargo test` (the test fails when this file is stale; \
         run it with `UPDATE_RULES_DOC=1` to rewrite it). Rule ids are a public contract: filter with \
         `--exclude RULE`, silence one statement with a `-- review-schema: ignore RULE` comment on it or \
         just before it.\n\n\
         *Design* rules judge the resulting schema (they also fire on `schema`); *migration* rules judge \
         the change against the live tables (a table is live when it is in `schema` or the script does \
         not create it).\n\n\
         | id | severity | kind | dialects | catches |\n|---|---|---|---|---|\n",
    );
    for r in ALL {
        s.push_str(&format!(
            "| [`{id}`](#{id}) | {sev} | {kind} | {d} | {what} |\n",
            id = r.id,
            sev = severity_name(r.severity),
            kind = kind_name(r.kind),
            d = dialect_names(r.dialects),
            what = r.what
        ));
    }
    for r in ALL {
        s.push_str(&format!(
            "\n## {id}\n\n{what} {why}\n\n**Instead:** {instead}\n\nSeverity {sev}; {kind}; dialects: {d}.\n\n\
             Flagged:\n\n```sql\n{bad}\n```\n\nSafe:\n\n```sql\n{good}\n```\n",
            id = r.id,
            what = r.what,
            why = r.why,
            instead = r.instead,
            sev = severity_name(r.severity),
            kind = kind_name(r.kind),
            d = dialect_names(r.dialects),
            bad = r.bad.trim(),
            good = r.good.trim()
        ));
    }
    s
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Design => "design",
        Kind::Migration => "migration",
    }
}

/// Test helper: the rule's bad example fires it and its good example does not (first dialect listed).
#[cfg(test)]
pub fn check_examples(rule: &Rule) {
    let dialect = rule.dialects.first().copied().unwrap_or_default();
    let run = |sql: &str| {
        let (queries, sql) = match sql.strip_prefix("-- with queries: ") {
            Some(rest) => {
                let (q, body) = rest.split_once('\n').unwrap_or((rest, ""));
                (Some(vec![q.to_string()]), body.to_string())
            }
            None => (None, sql.to_string()),
        };
        let input = super::ReviewSchemaInput {
            migration: Some(sql),
            dialect: Some(dialect),
            queries,
            ..Default::default()
        };
        super::review_schema(&input).unwrap_or_else(|e| panic!("{}: {e}", rule.id))
    };
    let bad = run(rule.bad);
    assert!(
        bad.findings.iter().any(|f| f.rule == rule.id),
        "{}: the bad example does not fire: {:#?}",
        rule.id,
        bad.findings
    );
    let good = run(rule.good);
    assert!(
        !good.findings.iter().any(|f| f.rule == rule.id),
        "{}: the good example fires: {:#?}",
        rule.id,
        good.findings
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_match_their_file() {
        let mut seen = std::collections::HashSet::new();
        for r in ALL {
            assert!(seen.insert(r.id), "duplicate {}", r.id);
            assert!(
                r.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                r.id
            );
            assert!(
                !r.what.is_empty() && !r.why.is_empty() && !r.instead.is_empty(),
                "{}",
                r.id
            );
            assert!(
                !r.bad.trim().is_empty() && !r.good.trim().is_empty(),
                "{}",
                r.id
            );
        }
    }

    #[test]
    fn docs_rules_md_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md");
        let want = markdown();
        if std::env::var_os("UPDATE_RULES_DOC").is_some() {
            std::fs::write(path, &want).unwrap_or_else(|e| panic!("{path}: {e}"));
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/rules.md is stale: run `UPDATE_RULES_DOC=1 cargo test --lib rules` and commit it"
        );
    }
}
