//! `timestamp-without-time-zone`: A `timestamp` (without time zone) column (calendar dates such as birth_date are `date`, not flagged).

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "timestamp-without-time-zone",
    severity: Severity::Low,
    kind: Kind::Design,
    dialects: POSTGRES,
    what: "A `timestamp` (without time zone) column (calendar dates such as birth_date are `date`, not flagged).",
    why: "The instant it denotes depends on the writer's session time zone, and DST makes values ambiguous.",
    instead: "Use timestamptz, which stores an absolute instant.",
    bad: "CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamp NOT NULL);",
    good: "CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamptz NOT NULL);",
    reference: (SCHEMA_DOC, "money-and-time-data-types"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
