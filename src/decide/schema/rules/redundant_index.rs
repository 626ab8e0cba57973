//! `redundant-index`: An index that is a duplicate or a leftmost prefix of another on the same table (same method, operator classes and predicate).

use super::{ALL_DIALECTS, Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "redundant-index",
    severity: Severity::Low,
    kind: Kind::Design,
    dialects: ALL_DIALECTS,
    what: "An index that is a duplicate or a leftmost prefix of another on the same table (same method, operator classes and predicate).",
    why: "Every query it serves the longer index serves too, while every write pays to maintain both.",
    instead: "Drop the shorter index (DROP INDEX CONCURRENTLY on PostgreSQL), unless it enforces uniqueness.",
    bad: r#"CREATE TABLE t (id bigint PRIMARY KEY, a int, b int);
CREATE INDEX t_a ON t (a);
CREATE INDEX t_a_b ON t (a, b);"#,
    good: r#"CREATE TABLE t (id bigint PRIMARY KEY, a int, b int);
CREATE INDEX t_a_b ON t (a, b);"#,
    reference: (SCHEMA_DOC, "redundant-indexes-and-write-cost"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
