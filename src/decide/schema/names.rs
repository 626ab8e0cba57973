use std::cell::RefCell;

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
    /// Names resolved as written under two schemas (checked against the exact set, see
    /// [`Ctx::guess_held`]).
    multi_seen: RefCell<HashSet<String>>,
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

/// The schema qualifiers each table name is written with: (unqualified key, schema key) pairs, lower
/// case. A name written under two schemas is shown and keyed `schema.table`, so the whole input must be
/// read before the first name is resolved.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SchemaNames {
    pub schemas: HashMap<String, BTreeSet<String>>,
}

impl SchemaNames {
    fn add(&mut self, n: &ObjectName) {
        if let Some(idents) = object_idents(n)
            && idents.len() >= 2
            && let (Some(last), Some(schema)) =
                (idents.last(), idents.get(idents.len().saturating_sub(2)))
        {
            self.insert(last.value.to_lowercase(), schema.value.to_lowercase());
        }
    }

    fn insert(&mut self, name: String, schema: String) {
        let set = self.schemas.entry(name).or_default();
        if !set.contains(&schema) {
            set.insert(schema);
        }
    }

    /// The table names one parsed statement declares or names (what the catalog keys on).
    pub fn add_statement(&mut self, st: &Statement) {
        match st {
            Statement::CreateTable(ct) => {
                self.add(&ct.name);
                for c in &ct.constraints {
                    if let TableConstraint::ForeignKey(fk) = c {
                        self.add(&fk.foreign_table);
                    }
                }
                for col in &ct.columns {
                    for o in &col.options {
                        if let ColumnOption::ForeignKey(fk) = &o.option {
                            self.add(&fk.foreign_table);
                        }
                    }
                }
            }
            Statement::CreateIndex(ci) => self.add(&ci.table_name),
            Statement::AlterTable(at) => self.add(&at.name),
            Statement::Drop {
                object_type: ObjectType::Table,
                names: n,
                ..
            } => n.iter().for_each(|n| self.add(n)),
            Statement::RenameTable(r) => {
                for rt in r {
                    self.add(&rt.old_name);
                    self.add(&rt.new_name);
                }
            }
            _ => {}
        }
    }

    /// Names written under two or more schemas.
    pub fn multi(&self) -> HashSet<&str> {
        self.schemas
            .iter()
            .filter(|(_, s)| s.len() > 1)
            .map(|(k, _)| k.as_str())
            .collect()
    }

    /// A guess at [`SchemaNames`] from the text alone, before anything is parsed: every `a.b` (bare or
    /// quoted identifiers, blanks around the dot) in the statements, strings and comments included, so
    /// that it holds every pair the parsed statements will give, and some more (column references,
    /// function names). The replay keys names with the guess and checks it afterwards
    /// ([`Ctx::guess_held`]); one pass over the bytes.
    pub fn guess<'a>(texts: impl Iterator<Item = &'a str>) -> Self {
        let mut out = SchemaNames::default();
        for text in texts {
            let b = text.as_bytes();
            let mut i = 0;
            let mut prev: Option<(String, usize)> = None; // last identifier and the index after it
            while i < b.len() {
                let Some(&c) = b.get(i) else { break };
                let ident = if c == b'"' || c == b'`' || c == b'[' {
                    let close = match c {
                        b'[' => b']',
                        q => q,
                    };
                    let mut j = i + 1;
                    let mut v = Vec::new();
                    loop {
                        match b.get(j) {
                            None => break,
                            Some(&x) if x == close => {
                                if close != b']' && b.get(j + 1) == Some(&close) {
                                    v.push(x);
                                    j += 2;
                                } else {
                                    j += 1;
                                    break;
                                }
                            }
                            Some(&x) => {
                                v.push(x);
                                j += 1;
                            }
                        }
                    }
                    Some((String::from_utf8_lossy(&v).into_owned(), j))
                } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
                    let mut j = i + 1;
                    while b.get(j).is_some_and(|&x| {
                        x.is_ascii_alphanumeric() || x == b'_' || x == b'$' || x >= 0x80
                    }) {
                        j += 1;
                    }
                    text.get(i..j).map(|w| (w.to_string(), j))
                } else {
                    None
                };
                if let Some((word, end)) = ident {
                    if let Some((p, after)) = prev.take() {
                        // A dot between the previous identifier and this one, blanks allowed.
                        let between = text.get(after..i).unwrap_or("");
                        let gap = between.trim();
                        if gap == "." {
                            out.insert(word.to_lowercase(), p.to_lowercase());
                        }
                    }
                    prev = Some((word, end));
                    i = end.max(i + 1);
                    continue;
                }
                if !(c == b'.' || c.is_ascii_whitespace()) {
                    prev = None;
                }
                i += 1;
            }
        }
        out
    }
}

impl Ctx {
    /// A context keying names with `names` (the guess, or the exact set after a failed guess).
    pub fn new(dialect: SqlDialect, names: SchemaNames) -> Self {
        Ctx {
            dialect,
            schemas: names.schemas,
            multi_seen: RefCell::new(HashSet::new()),
        }
    }

    /// Whether keying with the guess gave the same names as the exact set would have: every name the
    /// exact set writes under two schemas was guessed so, and every name looked up as such really is.
    pub fn guess_held(&self, exact: &SchemaNames) -> bool {
        let exact_multi = exact.multi();
        let guessed: HashSet<&str> = self
            .schemas
            .iter()
            .filter(|(_, s)| s.len() > 1)
            .map(|(k, _)| k.as_str())
            .collect();
        exact_multi.is_subset(&guessed)
            && self
                .multi_seen
                .borrow()
                .iter()
                .all(|n| exact_multi.contains(n.as_str()))
    }

    /// From here on, names are keyed with the exact set (the guess held for every name looked up).
    pub fn settle_names(&mut self, exact: SchemaNames) {
        self.schemas = exact.schemas;
        self.multi_seen.borrow_mut().clear();
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
        if multi && !self.multi_seen.borrow().contains(&unq_key) {
            self.multi_seen.borrow_mut().insert(unq_key.clone());
        }
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
