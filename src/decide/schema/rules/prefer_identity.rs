//! `prefer-identity`: A serial, bigserial or smallserial column.

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "prefer-identity",
    severity: Severity::Low,
    kind: Kind::Design,
    dialects: POSTGRES,
    what: "A serial, bigserial or smallserial column.",
    why: "serial is a legacy shorthand: its sequence has separate ownership and grants, and it lets callers write any value, so imports collide with the sequence later.",
    instead: "Use `bigint GENERATED ALWAYS AS IDENTITY` (PostgreSQL 10+).",
    bad: "CREATE TABLE tags (id bigserial PRIMARY KEY, name text NOT NULL);",
    good: "CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);",
    reference: (SCHEMA_DOC, "choosing-primary-keys"),
};

/// Message and fix for serial column `col` of `table` (SQL name `tsql`).
pub fn advice(
    table: &str,
    col: &str,
    ty: &str,
    qcol: &str,
    tsql: &str,
    live: bool,
) -> (String, String) {
    let wide = if ty.eq_ignore_ascii_case("smallserial") || ty.eq_ignore_ascii_case("serial2") {
        "smallint"
    } else if ty.eq_ignore_ascii_case("serial") || ty.eq_ignore_ascii_case("serial4") {
        "integer"
    } else {
        "bigint"
    };
    // pg_get_serial_sequence reads its first argument as SQL (quotes kept) and its second literally.
    let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let (t, c) = (lit(tsql), lit(col));
    (
        format!(
            "{table}.{col} is {ty}: a legacy shorthand whose sequence is owned and granted separately and \
             which accepts any explicit value (imports then collide with the sequence). Use an identity column."
        ),
        if !live {
            format!("-- declare it as: {qcol} {wide} GENERATED ALWAYS AS IDENTITY")
        } else {
            format!(
                "-- in one transaction: a brief ACCESS EXCLUSIVE lock, no rewrite; the identity continues after the highest id\n\
             BEGIN;\n\
             ALTER TABLE {tsql} ALTER COLUMN {qcol} DROP DEFAULT;\n\
             DO $$ BEGIN EXECUTE 'DROP SEQUENCE ' || pg_get_serial_sequence({t}, {c}); END $$;\n\
             ALTER TABLE {tsql} ALTER COLUMN {qcol} ADD GENERATED ALWAYS AS IDENTITY;\n\
             SELECT setval(pg_get_serial_sequence({t}, {c}), coalesce(max({qcol}), 0) + 1, false) FROM {tsql};\n\
             COMMIT;"
            )
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
