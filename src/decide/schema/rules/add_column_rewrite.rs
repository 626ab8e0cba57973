//! `add-column-rewrite`: ADD COLUMN on a live table that fills every row: a volatile default (random(), gen_random_uuid(), clock_timestamp()), a stored generated column, an identity or serial column, or any default before PostgreSQL 11.

use super::{Kind, Rule, SCHEMA_DOC};
use crate::decide::schema::{Severity, SqlDialect};
use sqlparser::ast::{ColumnDef, ColumnOption, Expr};

/// The rule.
pub const RULE: Rule = Rule {
    id: "add-column-rewrite",
    severity: Severity::Medium,
    kind: Kind::Migration,
    dialects: &[SqlDialect::Postgres, SqlDialect::Mysql],
    what: "ADD COLUMN on a live table that fills every row: a volatile default (random(), gen_random_uuid(), clock_timestamp()), a stored generated column, an identity or serial column, or any default before PostgreSQL 11.",
    why: "The table and its indexes are rewritten under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole rewrite.",
    instead: "Add the column without the default (or with a constant default, instant since PostgreSQL 11), set the default for new rows, and backfill old rows in batches.",
    bad: "ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();",
    good: r#"ALTER TABLE orders ADD COLUMN public_id uuid;
ALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();"#,
    reference: (SCHEMA_DOC, "adding-a-not-null-column-safely"),
};

/// Why an added column fills (rewrites) the table, if it does.
pub fn rewrite_reason(def: &ColumnDef, dialect: SqlDialect, pg_version: u32) -> Option<String> {
    for o in &def.options {
        match &o.option {
            ColumnOption::Default(e) => {
                if dialect == SqlDialect::Postgres && pg_version < 11 {
                    return Some(format!(
                        "before PostgreSQL 11 any DEFAULT ({e}) is written into every row"
                    ));
                }
                if dialect == SqlDialect::Postgres && is_volatile(e) {
                    return Some(format!(
                        "the volatile default {e} is computed and written for every existing row"
                    ));
                }
            }
            ColumnOption::Generated {
                generation_expr: Some(e),
                ..
            } if matches!(dialect, SqlDialect::Postgres | SqlDialect::Mysql)
                && o.option.to_string().to_ascii_uppercase().contains("STORED") =>
            {
                return Some(format!(
                    "the stored generated column ({e}) is computed and written for every row"
                ));
            }
            ColumnOption::Generated {
                generation_expr: Some(_),
                ..
            } => {}
            ColumnOption::Generated { .. } | ColumnOption::Identity(_)
                if dialect == SqlDialect::Postgres =>
            {
                return Some("an identity column gets a value for every existing row".to_string());
            }
            _ => {}
        }
    }
    if dialect == SqlDialect::Postgres && super::super::is_serial(&def.data_type) {
        return Some(format!(
            "{} fills every existing row from its sequence",
            def.data_type
        ));
    }
    None
}

/// Whether a default expression is volatile (evaluated per row) rather than a constant or a stable
/// function such as now() (which PostgreSQL 11+ evaluates once and stores as the default).
fn is_volatile(e: &Expr) -> bool {
    let s = e.to_string().to_ascii_lowercase();
    [
        "random(",
        "gen_random_uuid(",
        "uuid_generate_v",
        "clock_timestamp(",
        "nextval(",
        "timeofday(",
    ]
    .iter()
    .any(|f| s.contains(f))
}

/// Message and fix for column `col` added to live `table`; with its DEFAULT `default`, the fix sets it
/// for new rows (the caller appends the batched backfill).
pub fn advice(
    table: &str,
    col: &str,
    why: &str,
    tsql: &str,
    qcol: &str,
    ty: &str,
    default: Option<&str>,
) -> (String, String) {
    let then = match default {
        Some(e) => format!(
            "ALTER TABLE {tsql} ALTER COLUMN {qcol} SET DEFAULT {e};  -- new rows only: instant\n\
             -- backfill old rows in batches:"
        ),
        None => "-- then fill it for new rows (a trigger, or a DEFAULT set after adding) and backfill old rows in \
             batches; a stored generated or identity column has no form that avoids the rewrite"
            .to_string(),
    };
    (
        format!(
            "ADD COLUMN {col} on {table}, a live table, rewrites it: {why}. The table and its indexes are \
             rewritten under an ACCESS EXCLUSIVE lock, so reads and writes wait for the whole rewrite."
        ),
        format!("ALTER TABLE {tsql} ADD COLUMN {qcol} {ty};  -- instant: no default yet\n{then}"),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
