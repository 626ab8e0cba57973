//! `blocking-foreign-key-validation`: ADD FOREIGN KEY without NOT VALID on a live table (including ADD COLUMN ... REFERENCES).

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "blocking-foreign-key-validation",
    severity: Severity::Medium,
    kind: Kind::Migration,
    dialects: POSTGRES,
    what: "ADD FOREIGN KEY without NOT VALID on a live table (including ADD COLUMN ... REFERENCES).",
    why: "Every row is checked while a SHARE ROW EXCLUSIVE lock blocks writes to both tables.",
    instead: "ADD CONSTRAINT ... NOT VALID (new rows are checked at once), then VALIDATE CONSTRAINT in a later transaction (it does not block writes).",
    bad: "ALTER TABLE shipments ADD CONSTRAINT shipments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);",
    good: r#"ALTER TABLE shipments ADD CONSTRAINT shipments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;
ALTER TABLE shipments VALIDATE CONSTRAINT shipments_order_fk;"#,
    reference: (SCHEMA_DOC, "expand-contract-migrations"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
