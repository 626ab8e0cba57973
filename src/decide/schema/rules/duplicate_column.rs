//! `duplicate-column`: A column defined twice in one CREATE TABLE, or added to a table that already has it.

use super::{ALL_DIALECTS, Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "duplicate-column",
    severity: Severity::High,
    kind: Kind::Design,
    dialects: ALL_DIALECTS,
    what: "A column defined twice in one CREATE TABLE, or added to a table that already has it.",
    why: "The statement fails (or, with IF NOT EXISTS, silently keeps the old definition).",
    instead: "Remove the second definition, or ALTER the existing column.",
    bad: "CREATE TABLE t (id bigint PRIMARY KEY, note text, note text);",
    good: "CREATE TABLE t (id bigint PRIMARY KEY, note text);",
    reference: (SCHEMA_DOC, "expand-contract-migrations"),
};

/// Message and fix for `col` defined twice on `table`.
pub fn advice(table: &str, col: &str, in_create: bool) -> (String, String) {
    if in_create {
        (
            format!("{table} defines column {col} twice: the CREATE TABLE fails."),
            format!("the first definition of {col} kept"),
        )
    } else {
        (
            format!(
                "{table} already has a column {col}: this ADD COLUMN fails (or, with IF NOT EXISTS, keeps the old definition)."
            ),
            format!("-- drop this ADD COLUMN, or ALTER COLUMN {col} to change it"),
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
