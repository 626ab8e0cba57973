//! `blocking-check-validation`: ADD CHECK without NOT VALID on a live table, or ALTER DOMAIN ... ADD CONSTRAINT without NOT VALID.

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "blocking-check-validation",
    severity: Severity::Medium,
    kind: Kind::Migration,
    dialects: POSTGRES,
    what: "ADD CHECK without NOT VALID on a live table, or ALTER DOMAIN ... ADD CONSTRAINT without NOT VALID.",
    why: "Every row is checked under an ACCESS EXCLUSIVE lock: reads and writes wait for the scan.",
    instead: "ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT in a later transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on).",
    bad: "ALTER TABLE order_lines ADD CONSTRAINT order_lines_quantity_positive CHECK (quantity > 0);",
    good: r#"ALTER TABLE order_lines ADD CONSTRAINT order_lines_quantity_positive CHECK (quantity > 0) NOT VALID;
ALTER TABLE order_lines VALIDATE CONSTRAINT order_lines_quantity_positive;"#,
    reference: (SCHEMA_DOC, "expand-contract-migrations"),
};

/// Message and fix for a validating CHECK `cname` on live `table`.
pub fn advice(table: &str, tsql: &str, cname: &str, check: &str) -> (String, String) {
    (
        format!(
            "ADD CHECK on {table}, a live table, scans every row under an ACCESS EXCLUSIVE lock: reads and \
             writes wait for the scan. Add it NOT VALID (new rows are checked at once), then validate it."
        ),
        format!(
            "ALTER TABLE {tsql} ADD CONSTRAINT {cname} {check} NOT VALID;\n\
             -- in a later transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on):\n\
             ALTER TABLE {tsql} VALIDATE CONSTRAINT {cname};"
        ),
    )
}

/// Message and fix for ALTER DOMAIN `domain` ADD CONSTRAINT without NOT VALID.
pub fn domain(domain: &str) -> (String, String) {
    (
        format!(
            "ALTER DOMAIN {domain} ADD CONSTRAINT checks every column of that domain in every table, \
             holding locks that block writes to them for the whole scan."
        ),
        format!(
            "ALTER DOMAIN {domain} ADD CONSTRAINT <name> CHECK (<condition>) NOT VALID;\n\
             ALTER DOMAIN {domain} VALIDATE CONSTRAINT <name>;  -- later, in its own transaction"
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
