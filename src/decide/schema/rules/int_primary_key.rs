//! `int-primary-key`: A primary key of a 4-byte (or smaller) integer type, serial included.

use super::{Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::{Severity, SqlDialect};

/// The rule.
pub const RULE: Rule = Rule {
    id: "int-primary-key",
    severity: Severity::Medium,
    kind: Kind::Design,
    dialects: &[SqlDialect::Postgres, SqlDialect::Mysql],
    what: "A primary key of a 4-byte (or smaller) integer type, serial included.",
    why: "Its sequence runs out at about 2.1 billion (4.3 billion unsigned); widening the key later rewrites the table and every referencing column under an exclusive lock.",
    instead: "Use bigint (BIGINT UNSIGNED in MySQL) for surrogate keys from the start.",
    bad: "CREATE TABLE page_hits (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, path text NOT NULL);",
    good: "CREATE TABLE page_hits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, path text NOT NULL);",
    reference: (SCHEMA_DOC, "choosing-primary-keys"),
};

/// Message and fix for an int key `col` of `table` (fix SQL `tsql`).
pub fn advice(
    table: &str,
    col: &str,
    ty: &str,
    tsql: &str,
    qcol: &str,
    new: bool,
    dialect: SqlDialect,
) -> (String, String) {
    let wide = if dialect == SqlDialect::Mysql {
        "BIGINT UNSIGNED"
    } else {
        "bigint"
    };
    let message = format!(
        "{table}.{col} is a {ty} primary key: it overflows at about 2.1 billion rows (4.3 billion unsigned), \
         and widening it later rewrites {table} and every column referencing it under an exclusive lock."
    );
    let fix = if new {
        format!("-- declare it {wide} in the CREATE TABLE: {qcol} {wide} ...")
    } else if dialect == SqlDialect::Mysql {
        format!(
            "ALTER TABLE {tsql} MODIFY {qcol} {wide} NOT NULL AUTO_INCREMENT;  -- copies the table: plan it (pt-online-schema-change / gh-ost)"
        )
    } else {
        format!(
            "-- widening an existing key online: add a bigint column, fill it by trigger and batches, build a unique \
             index CONCURRENTLY, then swap the key and the referencing columns in one short transaction\n\
             ALTER TABLE {tsql} ADD COLUMN {col}_new bigint;"
        )
    };
    (message, fix)
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
