//! `inline-references-ignored`: A column-level `REFERENCES` clause in MySQL.

use super::{Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::{Severity, SqlDialect};

/// The rule.
pub const RULE: Rule = Rule {
    id: "inline-references-ignored",
    severity: Severity::Medium,
    kind: Kind::Design,
    dialects: &[SqlDialect::Mysql],
    what: "A column-level `REFERENCES` clause in MySQL.",
    why: "MySQL before 9.0 parses it and silently ignores it: no foreign key, no integrity check and no index.",
    instead: "Declare a table-level `FOREIGN KEY (...) REFERENCES ...` constraint.",
    bad: r#"CREATE TABLE a (id BIGINT PRIMARY KEY);
CREATE TABLE b (id BIGINT PRIMARY KEY, a_id BIGINT REFERENCES a (id));"#,
    good: r#"CREATE TABLE a (id BIGINT PRIMARY KEY);
CREATE TABLE b (id BIGINT PRIMARY KEY, a_id BIGINT, FOREIGN KEY (a_id) REFERENCES a (id));"#,
    reference: (SCHEMA_DOC, "indexing-foreign-keys"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
