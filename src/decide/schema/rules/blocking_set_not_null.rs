//! `blocking-set-not-null`: ALTER COLUMN ... SET NOT NULL on a live table without a validated CHECK (col IS NOT NULL) first.

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "blocking-set-not-null",
    severity: Severity::Medium,
    kind: Kind::Migration,
    dialects: POSTGRES,
    what: "ALTER COLUMN ... SET NOT NULL on a live table without a validated CHECK (col IS NOT NULL) first.",
    why: "It scans the whole table under an ACCESS EXCLUSIVE lock: reads and writes wait.",
    instead: "Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PostgreSQL 12+ skips the scan) and drop the check; on PostgreSQL 18, ADD CONSTRAINT ... NOT NULL col NOT VALID then VALIDATE.",
    bad: "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;",
    good: r#"ALTER TABLE orders ADD CONSTRAINT orders_status_not_null CHECK (status IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_status_not_null;
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
ALTER TABLE orders DROP CONSTRAINT orders_status_not_null;"#,
    reference: (SCHEMA_DOC, "adding-a-not-null-column-safely"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
