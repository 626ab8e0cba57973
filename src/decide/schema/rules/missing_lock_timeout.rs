//! `missing-lock-timeout`: A script that takes a strong lock on a live table with no `SET lock_timeout` before it (reported once per script).

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "missing-lock-timeout",
    severity: Severity::Medium,
    kind: Kind::Migration,
    dialects: POSTGRES,
    what: "A script that takes a strong lock on a live table with no `SET lock_timeout` before it (reported once per script).",
    why: "A lock request waits behind any running transaction, and every query on the table queues behind the request: a short ALTER stalls the application.",
    instead: "Start the script with SET lock_timeout = '2s' (SET LOCAL inside a transaction) and retry on timeout.",
    bad: "ALTER TABLE customers ADD COLUMN nickname text;",
    good: r#"SET lock_timeout = '2s';
ALTER TABLE customers ADD COLUMN nickname text;"#,
    reference: (SCHEMA_DOC, "expand-contract-migrations"),
};

/// Message and fix for the first strong lock on `table` without a timeout.
pub fn advice(table: &str, in_tx: bool) -> (String, String) {
    let on = if table.is_empty() {
        "a live table".to_string()
    } else {
        format!("{table}, a live table")
    };
    (
        format!(
            "This script takes a lock that blocks {on} with no lock_timeout set first: the lock request waits \
             behind any running transaction, and every query on the table queues behind it, so the \
             application stalls. Set a short lock_timeout and retry the migration when it expires."
        ),
        if in_tx {
            "SET LOCAL lock_timeout = '2s';  -- first statement inside the transaction".to_string()
        } else {
            "SET lock_timeout = '2s';  -- first line of the script; retry the migration when it times out".to_string()
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
