//! `missing-primary-key`: A table created without a primary key (partitions take their parent's; temporary tables are exempt).

use super::{ALL_DIALECTS, Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "missing-primary-key",
    severity: Severity::High,
    kind: Kind::Design,
    dialects: ALL_DIALECTS,
    what: "A table created without a primary key (partitions take their parent's; temporary tables are exempt).",
    why: "Rows cannot be addressed reliably by updates, deletes, replication or change data capture; duplicates creep in and no table can reference it.",
    instead: "Declare a bigint identity (or a time-ordered UUID), or the natural composite key of a join table.",
    bad: "CREATE TABLE audit_events (kind text NOT NULL, payload jsonb);",
    good: "CREATE TABLE audit_events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind text NOT NULL, payload jsonb);",
    reference: (SCHEMA_DOC, "choosing-primary-keys"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
