//! `unindexed-foreign-key`: A foreign key whose columns no index serves by its leftmost prefix (MySQL InnoDB indexes them itself).

use super::{Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::{Severity, SqlDialect};

/// The rule.
pub const RULE: Rule = Rule {
    id: "unindexed-foreign-key",
    severity: Severity::Medium,
    kind: Kind::Design,
    dialects: &[
        SqlDialect::Postgres,
        SqlDialect::Sqlite,
        SqlDialect::Generic,
    ],
    what: "A foreign key whose columns no index serves by its leftmost prefix (MySQL InnoDB indexes them itself).",
    why: "Every join from the parent scans the child, and every DELETE or key UPDATE on the parent scans it too while holding locks.",
    instead: "Create an index whose leftmost columns are the foreign key's (CONCURRENTLY on PostgreSQL); a partial index `WHERE col IS NOT NULL` serves too.",
    bad: r#"CREATE TABLE orders (id bigint PRIMARY KEY);
CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id));"#,
    good: r#"CREATE TABLE orders (id bigint PRIMARY KEY);
CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id));
CREATE INDEX order_lines_order_id_idx ON order_lines (order_id);"#,
    reference: (SCHEMA_DOC, "indexing-foreign-keys"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
