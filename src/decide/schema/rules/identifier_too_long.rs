//! `identifier-too-long`: A table, column, index or constraint name longer than the database allows (63 bytes in PostgreSQL, 64 characters in MySQL).

use super::{Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::{Severity, SqlDialect};
use sha2::Digest;

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

/// Message and fix for an identifier over the limit; `table` is the SQL name of the column's table.
pub fn advice(
    what: &str,
    name: &str,
    limit: usize,
    dialect: SqlDialect,
    table: &str,
) -> (String, String) {
    let effect = if dialect == SqlDialect::Mysql {
        "MySQL refuses the statement"
    } else {
        "PostgreSQL silently truncates it, so two such names can collide and DDL that names it in full fails"
    };
    let kept = prefix(name, limit);
    // A shorter name that stays unique: a prefix and 8 hex digits of the full name's SHA-256.
    let digest = sha2::Sha256::digest(name.as_bytes());
    let tag: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let short = format!(
        "{}_{tag}",
        prefix(name, limit.saturating_sub(9)).trim_end_matches('_')
    );
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let fix = match (dialect, what) {
        (SqlDialect::Postgres, "Column") => format!(
            "ALTER TABLE {table} RENAME COLUMN {} TO {short};  -- the name PostgreSQL kept, to a shorter unique \
             one (or shorten it in the statement itself)",
            q(&kept)
        ),
        (SqlDialect::Postgres, "Table") => format!(
            "ALTER TABLE {} RENAME TO {short};  -- the name PostgreSQL kept, to a shorter unique one (or shorten \
             it in the statement itself)",
            q(&kept)
        ),
        (SqlDialect::Postgres, "Index") => format!(
            "ALTER INDEX {} RENAME TO {short};  -- the name PostgreSQL kept, to a shorter unique one (or shorten \
             it in the statement itself)",
            q(&kept)
        ),
        _ => format!("-- shorten it to at most {limit} bytes in the statement, e.g. {short}"),
    };
    (
        format!(
            "{what} name {name} is {} bytes, over the {limit}-byte limit: {effect}.",
            name.len()
        ),
        fix,
    )
}

/// The longest prefix of `s` of at most `n` bytes that ends on a character boundary.
fn prefix(s: &str, n: usize) -> String {
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
