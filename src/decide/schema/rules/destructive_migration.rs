//! `destructive-migration`: DROP TABLE/COLUMN/DATABASE, RENAME of a table or column, TRUNCATE (worse with CASCADE), or a type change that narrows.

use super::{ALL_DIALECTS, Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "destructive-migration",
    severity: Severity::High,
    kind: Kind::Migration,
    dialects: ALL_DIALECTS,
    what: "DROP TABLE/COLUMN/DATABASE, RENAME of a table or column, TRUNCATE (worse with CASCADE), or a type change that narrows.",
    why: "A one-way door: code still deployed breaks at once and the data cannot be rolled back except from a backup.",
    instead: "Expand-contract: stop using it in code, release, back it up, then drop in a later release; rename by add, dual-write, backfill, switch, drop.",
    bad: "ALTER TABLE customers DROP COLUMN fax_number;",
    good: r#"-- release 1: code stops reading and writing fax_number
-- release 2:
CREATE TABLE customers_fax_backup AS SELECT id, fax_number FROM customers;"#,
    reference: (SCHEMA_DOC, "destructive-changes-and-rollback-plans"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
