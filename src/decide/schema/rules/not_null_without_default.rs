//! `not-null-without-default`: ADD COLUMN ... NOT NULL without a DEFAULT on a live table.

use super::{ALL_DIALECTS, Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "not-null-without-default",
    severity: Severity::High,
    kind: Kind::Migration,
    dialects: ALL_DIALECTS,
    what: "ADD COLUMN ... NOT NULL without a DEFAULT on a live table.",
    why: "PostgreSQL and SQLite reject it once the table has a row; MySQL fills rows with 0, '' or a zero date that look like real data.",
    instead: "Add it nullable, backfill in batches, then enforce NOT NULL (in PostgreSQL through a validated CHECK); or give a DEFAULT true for the existing rows.",
    bad: "ALTER TABLE customers ADD COLUMN tier text NOT NULL;",
    good: "ALTER TABLE customers ADD COLUMN tier text NOT NULL DEFAULT 'standard';",
    reference: (SCHEMA_DOC, "adding-a-not-null-column-safely"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
