//! `varchar-length`: A `varchar(n)` column in PostgreSQL.

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "varchar-length",
    severity: Severity::Low,
    kind: Kind::Design,
    dialects: POSTGRES,
    what: "A `varchar(n)` column in PostgreSQL.",
    why: "The limit is no faster than text, is usually arbitrary, and raising it later on old versions or lowering it rewrites or scans the table.",
    instead: "Use text, with a CHECK (length(col) <= n) when the limit is a business rule (a CHECK can be added NOT VALID and changed cheaply).",
    bad: "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL);",
    good: "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);",
    reference: (SCHEMA_DOC, "money-and-time-data-types"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
