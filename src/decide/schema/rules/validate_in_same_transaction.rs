//! `validate-in-same-transaction`: VALIDATE CONSTRAINT in the same transaction that added the constraint NOT VALID.

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "validate-in-same-transaction",
    severity: Severity::Medium,
    kind: Kind::Migration,
    dialects: POSTGRES,
    what: "VALIDATE CONSTRAINT in the same transaction that added the constraint NOT VALID.",
    why: "The ACCESS EXCLUSIVE / SHARE ROW EXCLUSIVE lock taken by the ADD is held until COMMIT, so the validating scan runs under it: NOT VALID bought nothing.",
    instead: "COMMIT after the ADD ... NOT VALID; VALIDATE CONSTRAINT in its own transaction.",
    bad: r#"BEGIN;
ALTER TABLE payments ADD CONSTRAINT payments_amount_positive CHECK (amount > 0) NOT VALID;
ALTER TABLE payments VALIDATE CONSTRAINT payments_amount_positive;
COMMIT;"#,
    good: r#"BEGIN;
ALTER TABLE payments ADD CONSTRAINT payments_amount_positive CHECK (amount > 0) NOT VALID;
COMMIT;
ALTER TABLE payments VALIDATE CONSTRAINT payments_amount_positive;"#,
    reference: (SCHEMA_DOC, "expand-contract-migrations"),
};

/// Message and fix for validating `cname` in the transaction that added it.
pub fn advice(table: &str, tsql: &str, cname: &str) -> (String, String) {
    (
        format!(
            "VALIDATE CONSTRAINT {cname} on {table} runs in the transaction that added it NOT VALID: the ADD's \
             lock is held until COMMIT, so the validating scan runs under it and NOT VALID bought nothing."
        ),
        format!(
            "COMMIT;  -- end the ADD's transaction here: its lock goes\n\
             BEGIN;  -- the VALIDATE in a transaction of its own (SHARE UPDATE EXCLUSIVE: reads and writes go on)\n\
             ALTER TABLE {tsql} VALIDATE CONSTRAINT {cname};"
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
