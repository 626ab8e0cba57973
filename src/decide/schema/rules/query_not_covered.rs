//! `query-not-covered`: A query in `queries` whose WHERE, JOIN and ORDER BY columns no index serves by its leftmost prefix.

use super::{ALL_DIALECTS, Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "query-not-covered",
    severity: Severity::Medium,
    kind: Kind::Design,
    dialects: ALL_DIALECTS,
    what: "A query in `queries` whose WHERE, JOIN and ORDER BY columns no index serves by its leftmost prefix.",
    why: "The database scans the table; under load a full scan cascades into timeouts.",
    instead: "One composite index per table for the queries that share its leading column (one finding names them all): equality filters first, then join columns, then the range or sort column.",
    bad: r#"-- with queries: SELECT * FROM t WHERE b = $1
CREATE TABLE t (id bigint PRIMARY KEY, a int, b int);"#,
    good: r#"CREATE TABLE t (id bigint PRIMARY KEY, a int, b int);
CREATE INDEX t_b ON t (b);"#,
    reference: (SCHEMA_DOC, "composite-indexes-and-the-leftmost-prefix-rule"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
