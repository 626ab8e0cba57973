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

/// A foreign key that references the key, as the swap must drop and declare it again.
pub struct Referencing {
    /// The referencing table in fix SQL.
    pub table_sql: String,
    /// The constraint's name in fix SQL (PostgreSQL's default name when the schema gave none).
    pub name: String,
    /// Its columns in fix SQL (`account_id`).
    pub cols: String,
    /// Its columns as shown (`invoices.account_id`).
    pub display: String,
    /// `ON DELETE ...` and the other clauses to keep.
    pub actions: String,
}

/// What the fix for a live PostgreSQL table needs to know about its key.
pub struct LiveKey<'a> {
    /// `'t'` quoted as a string literal for pg_get_serial_sequence.
    pub table_lit: String,
    /// The primary key constraint's name in fix SQL.
    pub pk_name: String,
    /// Names in fix SQL: the new and old column, the unique index, the check, the trigger function.
    pub new_col: String,
    pub old_col: String,
    pub index: String,
    pub check: String,
    pub sync: String,
    /// The column name as a string literal (pg_get_serial_sequence takes it unquoted).
    pub col_lit: String,
    pub new_col_lit: String,
    /// `ALWAYS` / `BY DEFAULT` for an identity key.
    pub identity: Option<&'static str>,
    /// Fed by a sequence it owns (serial, OWNED BY).
    pub sequence: bool,
    pub referencing: &'a [Referencing],
}

/// Message and fix for an int key `col` of `table` (fix SQL `tsql`); `live` for an existing
/// PostgreSQL table.
#[allow(clippy::too_many_arguments)]
pub fn advice(
    table: &str,
    col: &str,
    ty: &str,
    tsql: &str,
    qcol: &str,
    new: bool,
    dialect: SqlDialect,
    live: Option<&LiveKey>,
) -> (String, String) {
    let wide = if dialect == SqlDialect::Mysql {
        "BIGINT UNSIGNED"
    } else {
        "bigint"
    };
    if let (false, SqlDialect::Postgres, Some(k)) = (new, dialect, live) {
        let message = format!(
            "{table}.{col} is a {ty} primary key: it overflows at about 2.1 billion ids, and ALTER TYPE bigint would \
             rewrite {table} under an ACCESS EXCLUSIVE lock. The fix widens it online: a new column, a batched \
             backfill and one short locked swap."
        );
        return (message, live_fix(tsql, qcol, k));
    }
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
            "ALTER TABLE {tsql} ALTER COLUMN {qcol} TYPE {wide};  -- rewrites the table under ACCESS EXCLUSIVE"
        )
    };
    (message, fix)
}

/// The online int -> bigint recipe for a live PostgreSQL table (12+), step by step.
fn live_fix(t: &str, c: &str, k: &LiveKey) -> String {
    let LiveKey {
        table_lit,
        pk_name,
        new_col: n,
        old_col,
        index,
        check,
        sync,
        col_lit,
        new_col_lit,
        ..
    } = k;
    let mut s = format!(
        "-- PostgreSQL 12+. Run the steps in order, each on its own; retry one that hits lock_timeout.\n\
         -- 1. The new column (catalog only) and 2. a trigger keeping it equal to {c}: ACCESS EXCLUSIVE for milliseconds.\n\
         BEGIN;\n\
         SET LOCAL lock_timeout = '2s';\n\
         ALTER TABLE {t} ADD COLUMN {n} bigint;\n\
         CREATE FUNCTION {sync}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.{n} := NEW.{c}; RETURN NEW; END $$;\n\
         CREATE TRIGGER {sync} BEFORE INSERT OR UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION {sync}();\n\
         COMMIT;\n\
         -- 3. Backfill in batches, each its own short transaction (row locks only): repeat with the next range up to max({c}).\n\
         UPDATE {t} SET {n} = {c} WHERE {c} BETWEEN 1 AND 10000 AND {n} IS NULL;\n\
         -- 4. The future key's index, without blocking writes; outside a transaction (if it fails, DROP INDEX CONCURRENTLY the invalid index and rerun).\n\
         CREATE UNIQUE INDEX CONCURRENTLY {index} ON {t} ({n});\n\
         -- 5. Prove it is never NULL: NOT VALID takes ACCESS EXCLUSIVE for milliseconds; VALIDATE scans under SHARE UPDATE EXCLUSIVE (reads and writes go on).\n\
         BEGIN;\n\
         SET LOCAL lock_timeout = '2s';\n\
         ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({n} IS NOT NULL) NOT VALID;\n\
         COMMIT;\n\
         ALTER TABLE {t} VALIDATE CONSTRAINT {check};\n"
    );
    let refs = k.referencing;
    if refs.is_empty() {
        s.push_str(&format!(
            "-- Foreign keys that reference {c} make DROP CONSTRAINT {pk_name} fail: list them first with\n\
             -- SELECT conrelid::regclass, conname FROM pg_constraint WHERE contype = 'f' AND confrelid = {table_lit}::regclass;\n\
             -- drop each in the swap below and add it back NOT VALID after the renames, then VALIDATE it after COMMIT.\n"
        ));
    }
    let mut locked: Vec<&str> = vec![t];
    for r in refs {
        if !locked.contains(&r.table_sql.as_str()) {
            locked.push(&r.table_sql);
        }
    }
    s.push_str(&format!(
        "-- 6. The swap, one short transaction: ACCESS EXCLUSIVE on {} for milliseconds (no scan: the check and the index prove the key).\n\
         BEGIN;\n\
         SET LOCAL lock_timeout = '2s';\n\
         ALTER TABLE {t} ALTER COLUMN {n} SET NOT NULL;\n\
         ALTER TABLE {t} DROP CONSTRAINT {check};\n",
        locked.join(", ")
    ));
    for r in refs {
        s.push_str(&format!(
            "ALTER TABLE {} DROP CONSTRAINT {};\n",
            r.table_sql, r.name
        ));
    }
    s.push_str(&format!(
        "ALTER TABLE {t} DROP CONSTRAINT {pk_name};\n\
         ALTER TABLE {t} ADD CONSTRAINT {pk_name} PRIMARY KEY USING INDEX {index};\n"
    ));
    match (k.identity, k.sequence) {
        (Some(_), _) | (None, true) => {
            let (kind, drop) = match k.identity {
                Some(kind) => (kind, "DROP IDENTITY"),
                None => ("BY DEFAULT", "DROP DEFAULT"),
            };
            s.push_str(&format!(
                "-- new ids from a bigint identity that continues after the old sequence (whose type is integer)\n\
                 ALTER TABLE {t} ALTER COLUMN {n} ADD GENERATED {kind} AS IDENTITY;\n\
                 SELECT setval(pg_get_serial_sequence({table_lit}, {new_col_lit}), nextval(pg_get_serial_sequence({table_lit}, {col_lit})));\n\
                 ALTER TABLE {t} ALTER COLUMN {c} {drop}, ALTER COLUMN {c} DROP NOT NULL;\n"
            ));
        }
        (None, false) => s.push_str(&format!(
            "-- (no sequence feeds {c}: move its DEFAULT, if any, to {n} here)\n\
             ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL;\n"
        )),
    }
    s.push_str(&format!(
        "-- (views bind columns, not names: recreate any view that reads {c} here, or it follows {old_col})\n\
         DROP TRIGGER {sync} ON {t};\n\
         DROP FUNCTION {sync}();\n\
         ALTER TABLE {t} RENAME COLUMN {c} TO {old_col};\n\
         ALTER TABLE {t} RENAME COLUMN {n} TO {c};\n"
    ));
    for r in refs {
        s.push_str(&format!(
            "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {t} ({c}){} NOT VALID;\n",
            r.table_sql, r.name, r.cols, r.actions
        ));
    }
    s.push_str("COMMIT;\n");
    if !refs.is_empty() {
        s.push_str(&format!(
            "-- 7. Check the foreign keys again: SHARE UPDATE EXCLUSIVE on the referencing table, ROW SHARE on {t} (reads and writes go on).\n"
        ));
        for r in refs {
            s.push_str(&format!(
                "ALTER TABLE {} VALIDATE CONSTRAINT {};\n",
                r.table_sql, r.name
            ));
        }
        let cols: Vec<&str> = refs.iter().map(|r| r.display.as_str()).collect();
        let verb = if cols.len() == 1 { "is" } else { "are" };
        s.push_str(&format!(
            "-- {} {verb} still integer: widen the same way before ids pass 2^31.\n",
            cols.join(", ")
        ));
    }
    s.push_str(&format!(
        "-- Later, once nothing reads it: ALTER TABLE {t} DROP COLUMN {old_col};"
    ));
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }

    fn fix_for(schema: &str) -> String {
        let input = crate::decide::schema::ReviewSchemaInput {
            schema: Some(schema.to_string()),
            dialect: Some(crate::decide::schema::SqlDialect::Postgres),
            ..Default::default()
        };
        let out = crate::decide::schema::review_schema(&input).unwrap_or_else(|e| panic!("{e}"));
        let f: Vec<_> = out
            .findings
            .iter()
            .filter(|f| f.rule == super::RULE.id)
            .collect();
        assert_eq!(f.len(), 1, "{out}");
        f[0].fix.clone()
    }

    #[test]
    fn a_live_key_is_swapped_with_its_identity_and_the_keys_that_reference_it() {
        // pg_dump's identity form, and a referencing key declared later with ON DELETE.
        let fix = fix_for(
            "CREATE TABLE public.accounts (id integer NOT NULL, name text);\n\
             ALTER TABLE public.accounts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME public.accounts_id_seq START WITH 1 INCREMENT BY 1);\n\
             ALTER TABLE ONLY public.accounts ADD CONSTRAINT accounts_pk PRIMARY KEY (id);\n\
             CREATE TABLE public.invoices (id bigint PRIMARY KEY, account_id integer);\n\
             ALTER TABLE ONLY public.invoices ADD CONSTRAINT inv_acc FOREIGN KEY (account_id) REFERENCES public.accounts(id) ON DELETE SET NULL;",
        );
        for want in [
            "CREATE UNIQUE INDEX CONCURRENTLY accounts_id_new_key ON public.accounts (id_new);",
            "ALTER TABLE public.accounts DROP CONSTRAINT accounts_pk;",
            "ADD CONSTRAINT accounts_pk PRIMARY KEY USING INDEX accounts_id_new_key;",
            "ADD GENERATED ALWAYS AS IDENTITY;",
            "ALTER COLUMN id DROP IDENTITY",
            "ALTER TABLE public.invoices DROP CONSTRAINT inv_acc;",
            "ALTER TABLE public.invoices ADD CONSTRAINT inv_acc FOREIGN KEY (account_id) REFERENCES public.accounts (id) ON DELETE SET NULL NOT VALID;",
            "ALTER TABLE public.invoices VALIDATE CONSTRAINT inv_acc;",
            "-- invoices.account_id is still integer",
        ] {
            assert!(fix.contains(want), "missing {want:?} in:\n{fix}");
        }
        assert!(!fix.contains("pg_constraint"), "{fix}");
    }

    #[test]
    fn without_known_references_the_fix_says_where_to_find_them() {
        let fix = fix_for("CREATE TABLE t (id serial PRIMARY KEY);");
        assert!(
            fix.contains("WHERE contype = 'f' AND confrelid = 't'::regclass"),
            "{fix}"
        );
        assert!(!fix.contains("FOREIGN KEY"), "{fix}");
        assert!(!fix.contains("CASCADE"), "{fix}");
    }
}
