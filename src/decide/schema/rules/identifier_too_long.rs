//! `identifier-too-long`: A table, column, index or constraint name longer than the database allows (63 bytes in PostgreSQL, 64 characters in MySQL).

use super::{Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::{Severity, SqlDialect};

/// The rule.
pub const RULE: Rule = Rule {
    id: "identifier-too-long",
    severity: Severity::Medium,
    kind: Kind::Design,
    dialects: &[SqlDialect::Postgres, SqlDialect::Mysql],
    what: "A table, column, index or constraint name longer than the database allows (63 bytes in PostgreSQL, 64 characters in MySQL).",
    why: "PostgreSQL silently truncates it, so two long names can collide and later DDL by the full name fails; MySQL refuses it.",
    instead: "Shorten the name.",
    bad: "CREATE TABLE t (id bigint PRIMARY KEY, this_column_name_is_far_too_long_to_survive_postgres_identifier_limit int);",
    good: "CREATE TABLE t (id bigint PRIMARY KEY, short_name int);",
    reference: (SCHEMA_DOC, "expand-contract-migrations"),
};

/// The byte limit for identifiers in this dialect.
pub fn limit(dialect: SqlDialect) -> Option<usize> {
    match dialect {
        SqlDialect::Postgres => Some(63),
        SqlDialect::Mysql => Some(64),
        SqlDialect::Sqlite | SqlDialect::Generic => None,
    }
}

/// Message and fix for an identifier over the limit.
pub fn advice(what: &str, name: &str, limit: usize, dialect: SqlDialect) -> (String, String) {
    let effect = if dialect == SqlDialect::Mysql {
        "MySQL refuses the statement"
    } else {
        "PostgreSQL silently truncates it, so two such names can collide and DDL that names it in full fails"
    };
    let short: String = name.chars().take(limit).collect();
    (
        format!(
            "{what} name {name} is {} bytes, over the {limit}-byte limit: {effect}.",
            name.len()
        ),
        format!("-- rename it to at most {limit} bytes; PostgreSQL would keep: {short}"),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
