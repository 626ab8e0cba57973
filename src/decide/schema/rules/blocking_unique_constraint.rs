//! `blocking-unique-constraint`: ADD PRIMARY KEY / UNIQUE (as a constraint, or ADD COLUMN ... UNIQUE / PRIMARY KEY) on a live table.

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "blocking-unique-constraint",
    severity: Severity::Medium,
    kind: Kind::Migration,
    dialects: POSTGRES,
    what: "ADD PRIMARY KEY / UNIQUE (as a constraint, or ADD COLUMN ... UNIQUE / PRIMARY KEY) on a live table.",
    why: "The unique index is built under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole build.",
    instead: "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX (brief; for a primary key the columns must already be NOT NULL, or it scans the table under the lock).",
    bad: "ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email);",
    good: r#"CREATE UNIQUE INDEX CONCURRENTLY customers_email_key ON customers (email);
ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE USING INDEX customers_email_key;"#,
    reference: (SCHEMA_DOC, "building-indexes-without-blocking-writes"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
