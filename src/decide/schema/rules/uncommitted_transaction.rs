//! `uncommitted-transaction`: A BEGIN with no COMMIT before the script ends.

use super::{ALL_DIALECTS, Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "uncommitted-transaction",
    severity: Severity::Medium,
    kind: Kind::Migration,
    dialects: ALL_DIALECTS,
    what: "A BEGIN with no COMMIT before the script ends.",
    why: "The changes and their locks stay pending until the session ends, then roll back (or are committed by whatever runs next).",
    instead: "End every explicit transaction with COMMIT.",
    bad: r#"BEGIN;
ALTER TABLE customers ADD COLUMN nickname text;"#,
    good: r#"BEGIN;
ALTER TABLE customers ADD COLUMN nickname text;
COMMIT;"#,
    reference: (SCHEMA_DOC, "expand-contract-migrations"),
};

/// The transaction begun on line `line` is never committed.
pub fn advice(line: u64) -> (String, String) {
    (
        format!(
            "The transaction begun on line {line} is never committed: its changes and locks stay pending until \
             the session ends, then roll back."
        ),
        "COMMIT;  -- at the end of the script".to_string(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
