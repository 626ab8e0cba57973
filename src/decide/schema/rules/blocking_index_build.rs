//! `blocking-index-build`: CREATE INDEX without CONCURRENTLY on a live PostgreSQL table.

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "blocking-index-build",
    severity: Severity::Medium,
    kind: Kind::Migration,
    dialects: POSTGRES,
    what: "CREATE INDEX without CONCURRENTLY on a live PostgreSQL table.",
    why: "It holds a SHARE lock for the whole build: every INSERT, UPDATE and DELETE waits.",
    instead: "CREATE INDEX CONCURRENTLY, outside a transaction block; drop the INVALID leftover and retry if it fails.",
    bad: "CREATE INDEX orders_status_idx ON orders (status);",
    good: "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);",
    reference: (SCHEMA_DOC, "building-indexes-without-blocking-writes"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
