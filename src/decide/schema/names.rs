use super::*;

#[derive(Debug, Clone)]
pub struct TableName {
    /// Canonical lookup key (lower case; `schema.table` only when two schemas hold that name).
    pub key: String,
    /// Name shown in findings.
    pub display: String,
    /// Name as rendered in fix SQL (qualified as written, quoted where needed).
    pub sql: String,
    /// Unqualified display name (for generated index names).
    pub short: String,
}

pub struct Ctx {
    pub dialect: SqlDialect,
    /// Explicit schema qualifiers seen per unqualified table key.
    pub schemas: HashMap<String, BTreeSet<String>>,
}

pub const RESERVED: &[&str] = &[
    "all",
    "and",
    "as",
    "asc",
    "between",
    "by",
    "case",
    "check",
    "column",
    "constraint",
    "create",
    "default",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "false",
    "for",
    "foreign",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "index",
    "into",
    "is",
    "join",
    "key",
    "like",
    "limit",
    "not",
    "null",
    "offset",
    "on",
    "or",
    "order",
    "primary",
    "references",
    "select",
    "table",
    "then",
    "to",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "when",
    "where",
    "with",
];

pub fn object_idents(name: &ObjectName) -> Option<Vec<&Ident>> {
    let idents: Vec<&Ident> = name.0.iter().filter_map(|p| p.as_ident()).collect();
    if idents.is_empty() || idents.len() != name.0.len() {
        None
    } else {
        Some(idents)
    }
}

impl Ctx {
    pub fn new<'s>(dialect: SqlDialect, statements: impl Iterator<Item = &'s Statement>) -> Self {
        let mut ctx = Ctx {
            dialect,
            schemas: HashMap::new(),
        };
        let mut names: Vec<&ObjectName> = Vec::new();
        for st in statements {
            match st {
                Statement::CreateTable(ct) => {
                    names.push(&ct.name);
                    for c in &ct.constraints {
                        if let TableConstraint::ForeignKey(fk) = c {
                            names.push(&fk.foreign_table);
                        }
                    }
                    for col in &ct.columns {
                        for o in &col.options {
                            if let ColumnOption::ForeignKey(fk) = &o.option {
                                names.push(&fk.foreign_table);
                            }
                        }
                    }
                }
                Statement::CreateIndex(ci) => names.push(&ci.table_name),
                Statement::AlterTable(at) => names.push(&at.name),
                Statement::Drop {
                    object_type: ObjectType::Table,
                    names: n,
                    ..
                } => names.extend(n.iter()),
                Statement::RenameTable(r) => {
                    for rt in r {
                        names.push(&rt.old_name);
                        names.push(&rt.new_name);
                    }
                }
                _ => {}
            }
        }
        for n in names {
            if let Some(idents) = object_idents(n)
                && idents.len() >= 2
                && let (Some(last), Some(schema)) =
                    (idents.last(), idents.get(idents.len().saturating_sub(2)))
            {
                ctx.schemas
                    .entry(last.value.to_lowercase())
                    .or_default()
                    .insert(schema.value.to_lowercase());
            }
        }
        ctx
    }

    /// How the database folds an identifier: PostgreSQL lower-cases unquoted names.
    pub fn ident_display(&self, id: &Ident) -> String {
        if self.dialect == SqlDialect::Postgres && id.quote_style.is_none() {
            id.value.to_lowercase()
        } else {
            id.value.clone()
        }
    }

    pub fn default_schema(&self) -> &'static str {
        match self.dialect {
            SqlDialect::Postgres => "public",
            SqlDialect::Sqlite => "main",
            SqlDialect::Mysql | SqlDialect::Generic => "",
        }
    }

    pub fn table_name(&self, name: &ObjectName) -> TableName {
        let Some(idents) = object_idents(name) else {
            let s = name.to_string();
            return TableName {
                key: s.to_lowercase(),
                display: s.clone(),
                sql: s.clone(),
                short: s,
            };
        };
        let n = idents.len();
        let last = idents.last().copied();
        let schema = if n >= 2 {
            idents.get(n - 2).copied()
        } else {
            None
        };
        let (unq_key, unq_display) = match last {
            Some(l) => (l.value.to_lowercase(), self.ident_display(l)),
            None => (String::new(), String::new()),
        };
        let multi = self.schemas.get(&unq_key).is_some_and(|s| s.len() > 1);
        let (key, display) = if multi {
            let (sk, sd) = match schema {
                Some(s) => (s.value.to_lowercase(), self.ident_display(s)),
                None => (
                    self.default_schema().to_string(),
                    self.default_schema().to_string(),
                ),
            };
            (format!("{sk}.{unq_key}"), format!("{sd}.{unq_display}"))
        } else {
            (unq_key, unq_display.clone())
        };
        let sql = idents
            .iter()
            .map(|i| self.q(&self.ident_display(i)))
            .collect::<Vec<_>>()
            .join(".");
        TableName {
            key,
            display,
            sql,
            short: unq_display,
        }
    }

    /// Quotes an identifier for fix SQL when the dialect needs it.
    pub fn q(&self, name: &str) -> String {
        let mut chars = name.chars();
        let first_ok = chars.next().is_some_and(|c| {
            c == '_'
                || c.is_ascii_lowercase()
                || (self.dialect != SqlDialect::Postgres && c.is_ascii_uppercase())
        });
        let rest_ok = name.chars().all(|c| {
            c == '_'
                || c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || (self.dialect != SqlDialect::Postgres && c.is_ascii_uppercase())
        });
        let reserved = RESERVED.contains(&name.to_ascii_lowercase().as_str());
        if first_ok && rest_ok && !reserved {
            name.to_string()
        } else if self.dialect == SqlDialect::Mysql {
            format!("`{}`", name.replace('`', "``"))
        } else {
            format!("\"{}\"", name.replace('"', "\"\""))
        }
    }

    pub fn cols_sql(&self, cols: &[String]) -> String {
        cols.iter()
            .map(|c| self.q(c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `CREATE INDEX` statement for a fix (CONCURRENTLY on PostgreSQL).
    pub fn create_index_sql(&self, table: &TableName, cols: &[String]) -> String {
        let name = generated_index_name(&table.short, cols);
        let conc = if self.dialect == SqlDialect::Postgres {
            "CONCURRENTLY "
        } else {
            ""
        };
        let mut s = format!(
            "CREATE INDEX {conc}{} ON {} ({});",
            self.q(&name),
            table.sql,
            self.cols_sql(cols)
        );
        if self.dialect == SqlDialect::Postgres {
            s.push_str(
                "\n-- CONCURRENTLY does not block writes; run it outside a transaction block. If it fails, \
                 DROP INDEX CONCURRENTLY the INVALID leftover and retry.",
            );
        }
        s
    }

    pub fn drop_index_sql(&self, table: &TableName, index: &str) -> String {
        match self.dialect {
            SqlDialect::Postgres => format!("DROP INDEX CONCURRENTLY {};", self.q(index)),
            SqlDialect::Mysql => format!("DROP INDEX {} ON {};", self.q(index), table.sql),
            SqlDialect::Sqlite | SqlDialect::Generic => format!("DROP INDEX {};", self.q(index)),
        }
    }

    /// One batch of a backfill of `table` (SQL name) that sets `set` on rows where `pending` holds:
    /// run again until it updates 0 rows.
    pub fn batch_update_sql(&self, table: &str, set: &str, pending: &str) -> String {
        match self.dialect {
            SqlDialect::Postgres => format!(
                "UPDATE {table} SET {set} WHERE ctid IN (SELECT ctid FROM {table} WHERE {pending} LIMIT 10000);  -- repeat until 0 rows"
            ),
            SqlDialect::Sqlite => format!(
                "UPDATE {table} SET {set} WHERE rowid IN (SELECT rowid FROM {table} WHERE {pending} LIMIT 10000);  -- repeat until 0 rows"
            ),
            SqlDialect::Mysql => format!(
                "UPDATE {table} SET {set} WHERE {pending} LIMIT 10000;  -- repeat until 0 rows"
            ),
            SqlDialect::Generic => {
                format!(
                    "UPDATE {table} SET {set} WHERE {pending};  -- in key ranges on a large table"
                )
            }
        }
    }

    /// `a` and `b` differ, NULLs compared as values.
    pub fn distinct_sql(&self, a: &str, b: &str) -> String {
        match self.dialect {
            SqlDialect::Sqlite => format!("{a} IS NOT {b}"),
            SqlDialect::Mysql => format!("NOT ({a} <=> {b})"),
            SqlDialect::Postgres | SqlDialect::Generic => format!("{a} IS DISTINCT FROM {b}"),
        }
    }

    pub fn alter_type_sql(&self, table: &TableName, col: &str, ty: &str) -> String {
        match self.dialect {
            SqlDialect::Mysql => format!(
                "ALTER TABLE {} MODIFY COLUMN {} {ty};  -- restate NOT NULL / DEFAULT if the column has them",
                table.sql,
                self.q(col)
            ),
            SqlDialect::Sqlite => format!(
                "-- SQLite cannot change a column type in place: create {}_new with {} {ty}, copy the rows \
                 (INSERT INTO ... SELECT), drop the old table and rename the new one, in one transaction.",
                table.short,
                self.q(col)
            ),
            SqlDialect::Postgres | SqlDialect::Generic => format!(
                "ALTER TABLE {} ALTER COLUMN {} TYPE {ty};",
                table.sql,
                self.q(col)
            ),
        }
    }
}

/// Case-insensitive comparison without allocating.
pub fn eq_ci(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

pub fn generated_index_name(table: &str, cols: &[String]) -> String {
    let mut s = format!("idx_{}", sanitize(table));
    for c in cols {
        s.push('_');
        s.push_str(&sanitize(c));
    }
    // Sanitised names are ASCII, so byte truncation is safe; 63 bytes is PostgreSQL's identifier limit.
    s.truncate(63);
    s
}

pub fn ref_schema(anchor: &str) -> String {
    reference_uri(SCHEMA_DOC, anchor)
}

pub fn ref_security(anchor: &str) -> String {
    reference_uri(SECURITY_DOC, anchor)
}
