//! `column-type-change`: ALTER COLUMN ... TYPE that is not metadata-only (int to bigint, changing scale, an unknown current type).

use super::{ALL_DIALECTS, Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "column-type-change",
    severity: Severity::Medium,
    kind: Kind::Migration,
    dialects: ALL_DIALECTS,
    what: "ALTER COLUMN ... TYPE that is not metadata-only (int to bigint, changing scale, an unknown current type).",
    why: "The table and its indexes are rewritten under an ACCESS EXCLUSIVE lock.",
    instead: "Expand-contract: add the new column, dual-write, backfill in batches, switch reads, drop the old one later.",
    bad: "ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;",
    good: "ALTER TABLE orders ADD COLUMN quantity_new bigint;",
    reference: (SCHEMA_DOC, "expand-contract-migrations"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
