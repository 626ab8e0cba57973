//! `transaction-nesting`: BEGIN inside an open transaction, or COMMIT/ROLLBACK with none open.

use super::{ALL_DIALECTS, Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "transaction-nesting",
    severity: Severity::Medium,
    kind: Kind::Migration,
    dialects: ALL_DIALECTS,
    what: "BEGIN inside an open transaction, or COMMIT/ROLLBACK with none open.",
    why: "PostgreSQL only warns and keeps one transaction, so the inner COMMIT ends the outer transaction early: the statements after it run outside the transaction the author intended (migration frameworks also wrap each migration in their own).",
    instead: "One BEGIN ... COMMIT per unit, or none when the framework opens the transaction; use SAVEPOINT for nesting.",
    bad: r#"BEGIN;
ALTER TABLE customers ADD COLUMN nickname text;
BEGIN;
ALTER TABLE customers ADD COLUMN locale text;
COMMIT;"#,
    good: r#"BEGIN;
ALTER TABLE customers ADD COLUMN nickname text;
ALTER TABLE customers ADD COLUMN locale text;
COMMIT;"#,
    reference: (SCHEMA_DOC, "expand-contract-migrations"),
};

/// BEGIN while the transaction begun on line `open` is still open.
pub fn nested_begin(open: u64) -> (String, String) {
    (
        format!(
            "BEGIN while the transaction begun on line {open} is open: PostgreSQL only warns and keeps one \
             transaction, so the first COMMIT ends both and what follows runs outside the transaction."
        ),
        "-- remove the inner BEGIN (use SAVEPOINT name / RELEASE SAVEPOINT name to nest)"
            .to_string(),
    )
}

/// COMMIT or ROLLBACK with no transaction open.
pub fn stray_commit() -> (String, String) {
    (
        "COMMIT or ROLLBACK with no transaction open: the statements before it were not in the transaction \
         the author meant (or a framework's own transaction ends here early)."
            .to_string(),
        "-- add the matching BEGIN, or remove the COMMIT when the framework manages the transaction".to_string(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
