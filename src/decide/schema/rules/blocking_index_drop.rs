//! `blocking-index-drop`: DROP INDEX without CONCURRENTLY on a live PostgreSQL table.

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "blocking-index-drop",
    severity: Severity::Medium,
    kind: Kind::Migration,
    dialects: POSTGRES,
    what: "DROP INDEX without CONCURRENTLY on a live PostgreSQL table.",
    why: "It takes an ACCESS EXCLUSIVE lock on the table: reads and writes queue behind it (and behind any long query holding the index).",
    instead: "DROP INDEX CONCURRENTLY, schema-qualified, outside a transaction block.",
    bad: "DROP INDEX orders_status_idx;",
    good: "DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;",
    reference: (SCHEMA_DOC, "building-indexes-without-blocking-writes"),
};

/// Message and fix for dropping `index` (SQL name `isql`) of `table`.
pub fn advice(table: &str, isql: &str) -> (String, String) {
    let on = if table.is_empty() {
        String::new()
    } else {
        format!(" on {table}")
    };
    (
        format!(
            "DROP INDEX {isql} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock{on}: reads and writes \
             queue behind it, and it waits for every running query that uses the table."
        ),
        format!("DROP INDEX CONCURRENTLY IF EXISTS {isql};  -- outside a transaction block"),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
