//! `query-table-unknown`: A query in `queries` uses a table the DDL does not define.

use super::{ALL_DIALECTS, Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "query-table-unknown",
    severity: Severity::Low,
    kind: Kind::Design,
    dialects: ALL_DIALECTS,
    what: "A query in `queries` uses a table the DDL does not define.",
    why: "Its indexes cannot be checked.",
    instead: "Include that table's CREATE TABLE and CREATE INDEX statements (in `schema`).",
    bad: r#"-- with queries: SELECT * FROM missing WHERE id = 1
CREATE TABLE t (id bigint PRIMARY KEY);"#,
    good: "CREATE TABLE t (id bigint PRIMARY KEY);",
    reference: (SCHEMA_DOC, "design-from-access-patterns"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
