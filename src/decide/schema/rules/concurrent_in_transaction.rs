//! `concurrent-in-transaction`: CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY or VACUUM inside an explicit transaction block.

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "concurrent-in-transaction",
    severity: Severity::High,
    kind: Kind::Migration,
    dialects: POSTGRES,
    what: "CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY or VACUUM inside an explicit transaction block.",
    why: "PostgreSQL refuses to run them in a transaction block: the migration fails.",
    instead: "Run them outside BEGIN ... COMMIT (disable the framework's per-migration transaction for that step).",
    bad: r#"BEGIN;
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
COMMIT;"#,
    good: "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);",
    reference: (SCHEMA_DOC, "building-indexes-without-blocking-writes"),
};

/// Message and fix for `what` inside the transaction begun on line `begin`.
pub fn advice(what: &str, begin: u64) -> (String, String) {
    (
        format!(
            "{what} inside the transaction block begun on line {begin}: PostgreSQL refuses it \
             (\"cannot run inside a transaction block\"), so the migration fails."
        ),
        format!(
            "COMMIT;  -- end the transaction begun on line {begin} just before it (a migration framework's own \
             transaction: turn it off for this migration instead; Rails disable_ddl_transaction!, Django atomic = False)\n\
             -- keep the {what} statement here, outside any transaction\n\
             BEGIN;  -- reopen the transaction for the statements after it"
        ),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
