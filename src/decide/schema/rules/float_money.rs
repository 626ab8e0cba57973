//! `float-money`: A money-named column of a binary floating-point type.

use super::{ALL_DIALECTS, Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "float-money",
    severity: Severity::High,
    kind: Kind::Design,
    dialects: ALL_DIALECTS,
    what: "A money-named column of a binary floating-point type.",
    why: "0.1 + 0.2 is not 0.3: sums and rounding drift by cents.",
    instead: "numeric/decimal(precision, scale), or integer minor units (cents) with the currency beside them.",
    bad: "CREATE TABLE invoices (id bigint PRIMARY KEY, total_amount double precision NOT NULL);",
    good: "CREATE TABLE invoices (id bigint PRIMARY KEY, total_amount numeric(19,4) NOT NULL);",
    reference: (SCHEMA_DOC, "money-and-time-data-types"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
