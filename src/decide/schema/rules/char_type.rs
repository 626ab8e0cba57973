//! `char-type`: A `char(n)` / `character(n)` column.

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "char-type",
    severity: Severity::Low,
    kind: Kind::Design,
    dialects: POSTGRES,
    what: "A `char(n)` / `character(n)` column.",
    why: "PostgreSQL pads it with spaces, compares padded values inconsistently, and stores it no more compactly than text (PostgreSQL wiki, Don't Do This).",
    instead: "Use text (with a CHECK on length if the length is a rule).",
    bad: "CREATE TABLE countries (id bigint PRIMARY KEY, code char(2) NOT NULL);",
    good: "CREATE TABLE countries (id bigint PRIMARY KEY, code text NOT NULL CHECK (length(code) = 2));",
    reference: (SCHEMA_DOC, "money-and-time-data-types"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
