//! `review_schema`: reviews DDL and migrations against the skill's schema-design rules.
//!
//! The DDL is parsed with `sqlparser` in the caller's dialect, replayed statement by statement into a
//! small catalog (tables, columns, indexes, foreign keys), and judged: statement rules (destructive or
//! locking migrations, plaintext secrets, float money) fire as the statement is replayed, catalog rules
//! (missing primary key, unindexed foreign key, redundant index) on the final state, and query rules
//! (an access pattern no index serves by its leftmost prefix) against the final indexes.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableOperation, BinaryLength, BinaryOperator,
    CharacterLength, ColumnDef, ColumnOption, CreateIndex, CreateTable, DataType, ExactNumberInfo,
    Expr, ForeignKeyConstraint, FromTable, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    IndexColumn, IndexType, JoinConstraint, JoinOperator, ObjectName, ObjectType, OrderByExpr,
    OrderByKind, Query, RenameTableNameKind, Select, SelectItem, SetExpr, Statement,
    TableConstraint, TableFactor, TableWithJoins, TimezoneInfo, UpdateTableFromKind, Value,
};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer};

use super::common::{DecideError, reference_uri};

/// Human title of the tool.
pub const TITLE: &str = "Review a database schema";

/// When to call the tool and what it returns.
pub const DESCRIPTION: &str = "Call when designing a database schema or before running a migration: pass the DDL \
(CREATE TABLE / CREATE INDEX / ALTER TABLE / DROP statements; the current schema followed by the migration works \
best), the SQL dialect, and ideally the queries the application runs. Returns findings, each with a rule id, \
severity, table, columns, why it matters in schema-design terms and the exact fix (the CREATE INDEX CONCURRENTLY \
to run, expand-contract steps for a rename or drop), plus a summary of the parsed tables. It catches missing \
primary keys, unindexed foreign keys, queries no index serves by its leftmost prefix, redundant indexes, \
plaintext secrets, float money columns, destructive migrations and migrations that lock or fail on a live table.";

/// Largest `ddl` accepted, in bytes (1 MiB).
pub const MAX_DDL_BYTES: usize = 1_048_576;
/// Most `queries` accepted.
pub const MAX_QUERIES: usize = 200;
/// Largest single query accepted, in bytes (64 KiB).
pub const MAX_QUERY_BYTES: usize = 65_536;
/// Most tokens one expression may chain (summed over its nesting path) before the input is refused: keeps
/// parsing, dropping and walking the syntax tree far from the stack limit.
const MAX_CHAIN_TOKENS: usize = 5_000;
/// Deepest bracket nesting accepted before parsing.
const MAX_BRACKET_DEPTH: usize = 128;
/// Deepest syntax-tree recursion the query analysis follows; deeper parts are skipped, not analysed.
const MAX_WALK_DEPTH: usize = 48;

const SCHEMA_DOC: &str = "schema-design.md";
const SECURITY_DOC: &str = "security.md";

/// The SQL dialect of the DDL and queries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SqlDialect {
    /// PostgreSQL (the default).
    #[default]
    #[serde(alias = "postgresql", alias = "pg")]
    Postgres,
    /// MySQL or MariaDB with InnoDB (which indexes foreign key columns itself).
    #[serde(alias = "mariadb")]
    Mysql,
    /// SQLite.
    #[serde(alias = "sqlite3")]
    Sqlite,
    /// Any other database: ANSI-ish SQL, no dialect-specific facts applied.
    Generic,
}

impl SqlDialect {
    fn label(self) -> &'static str {
        match self {
            SqlDialect::Postgres => "PostgreSQL",
            SqlDialect::Mysql => "MySQL",
            SqlDialect::Sqlite => "SQLite",
            SqlDialect::Generic => "generic SQL",
        }
    }

    fn parser_dialect(self) -> Box<dyn Dialect> {
        match self {
            SqlDialect::Postgres => Box::new(PostgreSqlDialect {}),
            SqlDialect::Mysql => Box::new(MySqlDialect {}),
            SqlDialect::Sqlite => Box::new(SQLiteDialect {}),
            SqlDialect::Generic => Box::new(GenericDialect {}),
        }
    }
}

/// Input of `review_schema`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewSchemaInput {
    /// The DDL and/or migration to review: CREATE TABLE, CREATE INDEX, ALTER TABLE, DROP, RENAME and
    /// TRUNCATE statements separated by semicolons (other statements are parsed and skipped). To have a
    /// migration judged against the live schema, paste the current schema first, then the migration.
    /// Identifiers may be quoted, mixed case or schema-qualified. At most 1 MiB (1,048,576 bytes); must
    /// parse in `dialect` (a parse error is returned with its line and column).
    pub ddl: String,
    /// SQL dialect of `ddl` and `queries`: `postgres` (default), `mysql` (InnoDB), `sqlite` or `generic`.
    /// Dialect facts change the verdicts: InnoDB indexes foreign keys itself; only PostgreSQL has
    /// CREATE INDEX CONCURRENTLY.
    #[serde(default)]
    pub dialect: Option<SqlDialect>,
    /// The access patterns: the SELECT / UPDATE / DELETE statements the application runs (placeholders
    /// such as `$1` or `?` are fine). For each, the WHERE equality and range columns, JOIN columns and
    /// ORDER BY columns per table are checked against the indexes by the leftmost-prefix rule. At most
    /// 200 queries, each at most 64 KiB (65,536 bytes).
    #[serde(default)]
    pub queries: Option<Vec<String>>,
}

/// How urgent a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Data loss, a security hole, wrong money, or a table without identity: fix before shipping.
    High,
    /// A table scan, a lock on a live table or a future incident: fix in this change.
    Medium,
    /// Wasted writes, a weaker type, or something to verify.
    Low,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::High => "HIGH",
            Severity::Medium => "MEDIUM",
            Severity::Low => "LOW",
        }
    }
}

/// One problem found, why it matters and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Rule id: `missing-primary-key`, `unindexed-foreign-key`, `query-not-covered`, `redundant-index`,
    /// `plaintext-secret`, `float-money`, `destructive-migration`, `not-null-without-default`,
    /// `blocking-index-build`, `blocking-foreign-key-validation`, `blocking-set-not-null`,
    /// `column-type-change`, `timestamp-without-time-zone`, `inline-references-ignored` (MySQL) or
    /// `query-table-unknown`.
    pub rule: String,
    /// `high`, `medium` or `low`.
    pub severity: Severity,
    /// The table concerned (normalised: unquoted PostgreSQL names lower-cased; schema shown only when
    /// two schemas hold a table of that name).
    pub table: String,
    /// The columns concerned (for `query-not-covered`: the recommended index columns, in order).
    pub columns: Vec<String>,
    /// What was found and why it matters, in the skill's terms.
    pub message: String,
    /// The concrete fix: SQL to run where one fits, or the expand-contract steps.
    pub fix: String,
    /// The reference section to read next (a `skill://backend-engineering/references/...` URI).
    pub reference: String,
    /// 1-based number of the DDL statement the finding is about (absent for query findings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<usize>,
    /// 1-based line of that statement in `ddl`, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based number of the query in `queries` the finding is about (absent for DDL findings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<usize>,
}

/// One index as parsed (primary keys and unique constraints included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IndexSummary {
    /// Index or constraint name, when the DDL gives one.
    pub name: Option<String>,
    /// Key columns in order (expressions shown as written).
    pub columns: Vec<String>,
    /// Whether it enforces uniqueness.
    pub unique: bool,
    /// Whether it is the primary key.
    pub primary: bool,
    /// Whether it is partial (has a WHERE predicate).
    pub partial: bool,
    /// Whether it is implicit: the index MySQL InnoDB creates for a foreign key.
    pub implicit: bool,
}

/// One foreign key as parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ForeignKeySummary {
    /// Constraint name, when the DDL gives one.
    pub name: Option<String>,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub references_table: String,
    /// Referenced columns (empty: the referenced table's primary key).
    pub references_columns: Vec<String>,
}

/// What the review understood about one table (its final state after the whole script).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TableSummary {
    /// Table name (normalised like `Finding.table`).
    pub name: String,
    /// Whether the script creates it (false: only altered or indexed, defined elsewhere).
    pub created_in_script: bool,
    /// Number of columns known.
    pub column_count: usize,
    /// Primary key columns (empty when none is known).
    pub primary_key: Vec<String>,
    /// Indexes, including the primary key and unique constraints.
    pub indexes: Vec<IndexSummary>,
    /// Foreign keys declared on it.
    pub foreign_keys: Vec<ForeignKeySummary>,
}

/// Number of findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeveritySummary {
    /// Findings of severity `high`.
    pub high: usize,
    /// Findings of severity `medium`.
    pub medium: usize,
    /// Findings of severity `low`.
    pub low: usize,
    /// All findings.
    pub total: usize,
}

/// Output of `review_schema`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ReviewSchemaOutput {
    /// The dialect the DDL was parsed and judged in.
    pub dialect: SqlDialect,
    /// The findings, in statement order (then rule id); query findings come after the DDL's.
    pub findings: Vec<Finding>,
    /// The tables as parsed (final state), in order of first appearance.
    pub tables: Vec<TableSummary>,
    /// Counts by severity.
    pub summary: SeveritySummary,
    /// Things the review skipped or could not judge (unsupported statements, unknown columns).
    pub notes: Vec<String>,
    /// Reference sections to read next.
    pub references: Vec<String>,
}

impl fmt::Display for ReviewSchemaOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        writeln!(
            f,
            "Schema review ({}): {} table(s), {} finding(s): {} high, {} medium, {} low",
            self.dialect.label(),
            self.tables.len(),
            s.total,
            s.high,
            s.medium,
            s.low
        )?;
        if self.findings.is_empty() {
            writeln!(f, "\nNo findings.")?;
        }
        for fd in &self.findings {
            let mut place = Vec::new();
            if let Some(n) = fd.statement {
                place.push(format!("statement {n}"));
            }
            if let Some(l) = fd.line {
                place.push(format!("line {l}"));
            }
            if let Some(q) = fd.query {
                place.push(format!("query {q}"));
            }
            let cols = if fd.columns.is_empty() {
                String::new()
            } else {
                format!(" ({})", fd.columns.join(", "))
            };
            let place = if place.is_empty() {
                String::new()
            } else {
                format!(" [{}]", place.join(", "))
            };
            writeln!(
                f,
                "\n[{}] {}: {}{}{}",
                fd.severity.label(),
                fd.rule,
                fd.table,
                cols,
                place
            )?;
            writeln!(f, "  {}", fd.message)?;
            writeln!(f, "  Fix:")?;
            for line in fd.fix.lines() {
                writeln!(f, "    {line}")?;
            }
            writeln!(f, "  Read: {}", fd.reference)?;
        }
        if !self.tables.is_empty() {
            writeln!(f, "\nTables:")?;
            for t in &self.tables {
                let pk = if t.primary_key.is_empty() {
                    "no primary key".to_string()
                } else {
                    format!("primary key ({})", t.primary_key.join(", "))
                };
                let origin = if t.created_in_script {
                    ""
                } else {
                    ", defined outside this script"
                };
                writeln!(
                    f,
                    "  {}: {} column(s), {}, {} index(es), {} foreign key(s){}",
                    t.name,
                    t.column_count,
                    pk,
                    t.indexes.len(),
                    t.foreign_keys.len(),
                    origin
                )?;
                for i in &t.indexes {
                    let kind = if i.primary {
                        "primary key"
                    } else if i.unique {
                        "unique"
                    } else if i.implicit {
                        "implicit (foreign key)"
                    } else {
                        "index"
                    };
                    writeln!(
                        f,
                        "    - {} {} ({}){}",
                        kind,
                        i.name.as_deref().unwrap_or("(unnamed)"),
                        i.columns.join(", "),
                        if i.partial { " partial" } else { "" }
                    )?;
                }
            }
        }
        super::common::write_list(f, "Notes", &self.notes)?;
        super::common::write_read_next(f, &self.references)?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------------

/// Reviews `input.ddl` (and the access patterns in `input.queries`) and returns the findings.
pub fn review_schema(input: &ReviewSchemaInput) -> Result<ReviewSchemaOutput, DecideError> {
    let dialect = input.dialect.unwrap_or_default();
    if input.ddl.len() > MAX_DDL_BYTES {
        return Err(DecideError::TooLarge(format!(
            "ddl: {} bytes; at most {MAX_DDL_BYTES} bytes (1 MiB) are reviewed at once: split the schema \
             and review it in parts",
            input.ddl.len()
        )));
    }
    if input.ddl.trim().is_empty() {
        return Err(DecideError::InvalidInput(
            "ddl: empty; pass the CREATE TABLE / CREATE INDEX / ALTER TABLE statements to review"
                .into(),
        ));
    }
    let queries: &[String] = input.queries.as_deref().unwrap_or(&[]);
    if queries.len() > MAX_QUERIES {
        return Err(DecideError::TooLarge(format!(
            "queries: {} queries; at most {MAX_QUERIES} are checked: pass the hottest access patterns",
            queries.len()
        )));
    }
    for (i, q) in queries.iter().enumerate() {
        if q.len() > MAX_QUERY_BYTES {
            return Err(DecideError::TooLarge(format!(
                "queries[{i}]: {} bytes; each query may be at most {MAX_QUERY_BYTES} bytes (64 KiB)",
                q.len()
            )));
        }
        if q.trim().is_empty() {
            return Err(DecideError::InvalidInput(format!(
                "queries[{i}]: empty; pass one SQL statement (SELECT, UPDATE or DELETE) per entry"
            )));
        }
    }

    let (statements, lines) = parse_sql(dialect, &input.ddl, "ddl")?;
    if statements.is_empty() {
        return Err(DecideError::InvalidInput(
            "ddl: no SQL statement found (only comments or semicolons)".into(),
        ));
    }
    let mut parsed_queries = Vec::with_capacity(queries.len());
    for (i, q) in queries.iter().enumerate() {
        parsed_queries.push(parse_sql(dialect, q, &format!("queries[{i}]"))?.0);
    }

    let mut reviewer = Reviewer::new(dialect, &statements);
    for (i, st) in statements.iter().enumerate() {
        reviewer.statement(i, st, lines.get(i).copied());
    }
    reviewer.catalog_rules();
    let base = statements.len();
    for (qi, stmts) in parsed_queries.iter().enumerate() {
        reviewer.query(base, qi, stmts);
    }
    Ok(reviewer.into_output(!queries.is_empty()))
}

/// Parses `sql`; also returns the 1-based start line of each statement when the token scan and the
/// parser agree on the statement count (the syntax tree's own spans are not used: computing them
/// recurses far deeper than parsing does).
fn parse_sql(
    dialect: SqlDialect,
    sql: &str,
    field: &str,
) -> Result<(Vec<Statement>, Vec<u64>), DecideError> {
    let d = dialect.parser_dialect();
    let lines = check_complexity(&*d, sql, field, dialect)?;
    let statements = Parser::parse_sql(&*d, sql).map_err(|e| {
        let why = match e {
            ParserError::TokenizerError(s) | ParserError::ParserError(s) => s,
            ParserError::RecursionLimitExceeded => {
                "nesting exceeds the parser's recursion limit (50 levels)".to_string()
            }
        };
        DecideError::InvalidInput(format!(
            "{field}: does not parse as {}: {why}",
            dialect.label()
        ))
    })?;
    let lines = if lines.len() == statements.len() {
        lines
    } else {
        Vec::new()
    };
    Ok((statements, lines))
}

/// Refuses inputs whose expressions chain so many tokens, or nest so deeply, that parsing and walking
/// them would risk the stack. Works on tokens, so it never recurses itself. Returns the start line of
/// each statement (each run of tokens between top-level semicolons).
fn check_complexity(
    d: &dyn Dialect,
    sql: &str,
    field: &str,
    dialect: SqlDialect,
) -> Result<Vec<u64>, DecideError> {
    let tokens = Tokenizer::new(d, sql)
        .tokenize_with_location()
        .map_err(|e| {
            DecideError::InvalidInput(format!(
                "{field}: does not parse as {}: {e}",
                dialect.label()
            ))
        })?;
    let mut levels: Vec<usize> = vec![0];
    let mut path: usize = 0;
    let mut lines: Vec<u64> = Vec::new();
    let mut at_start = true;
    for t in &tokens {
        if at_start
            && !matches!(
                t.token,
                Token::Whitespace(_) | Token::SemiColon | Token::EOF
            )
        {
            lines.push(t.span.start.line);
            at_start = false;
        }
        match &t.token {
            Token::Whitespace(_) => {}
            Token::SemiColon => {
                levels.clear();
                levels.push(0);
                path = 0;
                at_start = true;
            }
            Token::LParen | Token::LBracket | Token::LBrace => {
                levels.push(0);
                if levels.len() > MAX_BRACKET_DEPTH {
                    return Err(DecideError::InvalidInput(format!(
                        "{field}: brackets nest deeper than {MAX_BRACKET_DEPTH} levels at line {}, column {}; \
                         simplify the statement",
                        t.span.start.line, t.span.start.column
                    )));
                }
            }
            Token::RParen | Token::RBracket | Token::RBrace => {
                if levels.len() > 1 {
                    let c = levels.pop().unwrap_or(0);
                    path = path.saturating_sub(c);
                }
            }
            Token::Comma => {
                if let Some(top) = levels.last_mut() {
                    path = path.saturating_sub(*top);
                    *top = 0;
                }
            }
            _ => {
                if let Some(top) = levels.last_mut() {
                    *top = top.saturating_add(1);
                }
                path = path.saturating_add(1);
                if path > MAX_CHAIN_TOKENS {
                    return Err(DecideError::InvalidInput(format!(
                        "{field}: one expression chains more than {MAX_CHAIN_TOKENS} tokens (near line {}, \
                         column {}); too complex to review: split or simplify it",
                        t.span.start.line, t.span.start.column
                    )));
                }
            }
        }
    }
    Ok(lines)
}

// ---------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct TableName {
    /// Canonical lookup key (lower case; `schema.table` only when two schemas hold that name).
    key: String,
    /// Name shown in findings.
    display: String,
    /// Name as rendered in fix SQL (qualified as written, quoted where needed).
    sql: String,
    /// Unqualified display name (for generated index names).
    short: String,
}

struct Ctx {
    dialect: SqlDialect,
    /// Explicit schema qualifiers seen per unqualified table key.
    schemas: HashMap<String, BTreeSet<String>>,
}

const RESERVED: &[&str] = &[
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

fn object_idents(name: &ObjectName) -> Option<Vec<&Ident>> {
    let idents: Vec<&Ident> = name.0.iter().filter_map(|p| p.as_ident()).collect();
    if idents.is_empty() || idents.len() != name.0.len() {
        None
    } else {
        Some(idents)
    }
}

impl Ctx {
    fn new(dialect: SqlDialect, statements: &[Statement]) -> Self {
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
    fn ident_display(&self, id: &Ident) -> String {
        if self.dialect == SqlDialect::Postgres && id.quote_style.is_none() {
            id.value.to_lowercase()
        } else {
            id.value.clone()
        }
    }

    fn default_schema(&self) -> &'static str {
        match self.dialect {
            SqlDialect::Postgres => "public",
            SqlDialect::Sqlite => "main",
            SqlDialect::Mysql | SqlDialect::Generic => "",
        }
    }

    fn table_name(&self, name: &ObjectName) -> TableName {
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
    fn q(&self, name: &str) -> String {
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

    fn cols_sql(&self, cols: &[String]) -> String {
        cols.iter()
            .map(|c| self.q(c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `CREATE INDEX` statement for a fix (CONCURRENTLY on PostgreSQL).
    fn create_index_sql(&self, table: &TableName, cols: &[String]) -> String {
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

    fn drop_index_sql(&self, table: &TableName, index: &str) -> String {
        match self.dialect {
            SqlDialect::Postgres => format!("DROP INDEX CONCURRENTLY {};", self.q(index)),
            SqlDialect::Mysql => format!("DROP INDEX {} ON {};", self.q(index), table.sql),
            SqlDialect::Sqlite | SqlDialect::Generic => format!("DROP INDEX {};", self.q(index)),
        }
    }

    fn alter_type_sql(&self, table: &TableName, col: &str, ty: &str) -> String {
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
fn eq_ci(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

fn sanitize(s: &str) -> String {
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

fn generated_index_name(table: &str, cols: &[String]) -> String {
    let mut s = format!("idx_{}", sanitize(table));
    for c in cols {
        s.push('_');
        s.push_str(&sanitize(c));
    }
    // Sanitised names are ASCII, so byte truncation is safe; 63 bytes is PostgreSQL's identifier limit.
    s.truncate(63);
    s
}

fn ref_schema(anchor: &str) -> String {
    reference_uri(SCHEMA_DOC, anchor)
}

fn ref_security(anchor: &str) -> String {
    reference_uri(SECURITY_DOC, anchor)
}

// ---------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------

/// A coarse type class, enough to tell narrowing changes, floats, text and binary apart.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ty {
    /// Integer of this many bytes.
    Int(u8),
    /// Exact decimal (precision: None = unbounded, scale).
    Dec(Option<u64>, i64),
    /// Binary floating point of this many bytes.
    Float(u8),
    /// Text of at most this many characters (None = unbounded).
    Text(Option<u64>),
    /// Bytes of at most this length (None = unbounded).
    Bin(Option<u64>),
    Bool,
    Date,
    Time,
    Stamp,
    Uuid,
    Json,
    Other(String),
}

fn char_len(l: &Option<CharacterLength>, default: Option<u64>) -> Option<u64> {
    match l {
        Some(CharacterLength::IntegerLength { length, .. }) => Some(*length),
        Some(CharacterLength::Max) => None,
        None => default,
    }
}

fn classify(dt: &DataType, dialect: SqlDialect) -> Ty {
    use DataType as D;
    let dec = |info: &ExactNumberInfo| match info {
        ExactNumberInfo::None => {
            if dialect == SqlDialect::Mysql {
                Ty::Dec(Some(10), 0)
            } else {
                Ty::Dec(None, 0)
            }
        }
        ExactNumberInfo::Precision(p) => Ty::Dec(Some(*p), 0),
        ExactNumberInfo::PrecisionAndScale(p, s) => Ty::Dec(Some(*p), *s),
    };
    match dt {
        D::TinyInt(_) | D::TinyIntUnsigned(_) | D::UTinyInt | D::UInt8 => Ty::Int(1),
        D::SmallInt(_)
        | D::SmallIntUnsigned(_)
        | D::USmallInt
        | D::Int2(_)
        | D::Int2Unsigned(_)
        | D::Int16
        | D::UInt16 => Ty::Int(2),
        D::MediumInt(_) | D::MediumIntUnsigned(_) => Ty::Int(3),
        D::Int(_)
        | D::Integer(_)
        | D::IntUnsigned(_)
        | D::IntegerUnsigned(_)
        | D::Int4(_)
        | D::Int4Unsigned(_)
        | D::Int32
        | D::UInt32
        | D::Signed
        | D::SignedInteger
        | D::Unsigned
        | D::UnsignedInteger => Ty::Int(4),
        D::BigInt(_)
        | D::BigIntUnsigned(_)
        | D::UBigInt
        | D::Int8(_)
        | D::Int8Unsigned(_)
        | D::Int64
        | D::UInt64 => Ty::Int(8),
        D::Int128 | D::UInt128 | D::HugeInt | D::UHugeInt => Ty::Int(16),
        D::Int256 | D::UInt256 => Ty::Int(32),
        D::Float4 | D::Real | D::RealUnsigned | D::Float32 => Ty::Float(4),
        D::Float8
        | D::Float64
        | D::Double(_)
        | D::DoubleUnsigned(_)
        | D::DoublePrecision
        | D::DoublePrecisionUnsigned => Ty::Float(8),
        D::Float(info) | D::FloatUnsigned(info) => match info {
            ExactNumberInfo::Precision(p) if *p <= 24 => Ty::Float(4),
            ExactNumberInfo::None if dialect == SqlDialect::Mysql => Ty::Float(4),
            _ => Ty::Float(8),
        },
        D::Numeric(i)
        | D::Decimal(i)
        | D::DecimalUnsigned(i)
        | D::BigNumeric(i)
        | D::BigDecimal(i)
        | D::Dec(i)
        | D::DecUnsigned(i) => dec(i),
        D::Char(l) | D::Character(l) => Ty::Text(char_len(l, Some(1))),
        D::Varchar(l) | D::CharacterVarying(l) | D::CharVarying(l) | D::Nvarchar(l) => {
            Ty::Text(char_len(l, None))
        }
        D::Text
        | D::Clob(_)
        | D::CharacterLargeObject(_)
        | D::CharLargeObject(_)
        | D::LongText
        | D::String(None) => Ty::Text(None),
        D::String(Some(n)) => Ty::Text(Some(*n)),
        D::FixedString(n) => Ty::Text(Some(*n)),
        D::TinyText => Ty::Text(Some(255)),
        D::MediumText => Ty::Text(Some(16_777_215)),
        D::Bytea | D::Blob(_) | D::LongBlob | D::MediumBlob | D::Bytes(None) => Ty::Bin(None),
        D::TinyBlob => Ty::Bin(Some(255)),
        D::Bytes(Some(n)) => Ty::Bin(Some(*n)),
        D::Binary(n) => Ty::Bin(Some(n.unwrap_or(1))),
        D::Varbinary(l) => match l {
            Some(BinaryLength::IntegerLength { length }) => Ty::Bin(Some(*length)),
            _ => Ty::Bin(None),
        },
        D::Bool | D::Boolean => Ty::Bool,
        D::Date | D::Date32 => Ty::Date,
        D::Time(..) => Ty::Time,
        D::Timestamp(..) | D::Datetime(_) | D::Datetime64(..) | D::TimestampNtz(_) => Ty::Stamp,
        D::Uuid => Ty::Uuid,
        D::JSON | D::JSONB => Ty::Json,
        D::Custom(name, _) => {
            let n = object_idents(name)
                .and_then(|v| v.last().map(|i| i.value.to_lowercase()))
                .unwrap_or_default();
            match n.as_str() {
                "serial" | "serial4" => Ty::Int(4),
                "bigserial" | "serial8" => Ty::Int(8),
                "smallserial" | "serial2" => Ty::Int(2),
                "citext" => Ty::Text(None),
                "timestamptz" => Ty::Stamp,
                "float" | "double" => Ty::Float(8),
                _ => Ty::Other(n),
            }
        }
        other => Ty::Other(other.to_string().to_lowercase()),
    }
}

fn is_serial(dt: &DataType) -> bool {
    if let DataType::Custom(name, _) = dt {
        let n = object_idents(name)
            .and_then(|v| v.last().map(|i| i.value.to_lowercase()))
            .unwrap_or_default();
        matches!(
            n.as_str(),
            "serial" | "serial2" | "serial4" | "serial8" | "bigserial" | "smallserial"
        )
    } else {
        false
    }
}

fn int_digits(bytes: u8) -> u64 {
    match bytes {
        1 => 3,
        2 => 5,
        3 => 8,
        4 => 10,
        8 => 19,
        16 => 39,
        _ => 77,
    }
}

/// `b < a` where `None` means unbounded.
fn len_lt(b: Option<u64>, a: Option<u64>) -> bool {
    match (b, a) {
        (Some(b), Some(a)) => b < a,
        (Some(_), None) => true,
        _ => false,
    }
}

enum TypeChange {
    Same,
    /// Values can fail to convert or lose information.
    Narrowing(String),
    /// Widening or re-typing that rewrites the table.
    Rewrite,
    /// Metadata-only (e.g. a longer varchar).
    Cheap,
}

fn compare_types(old: &Ty, new: &Ty) -> TypeChange {
    use Ty::*;
    if old == new {
        return TypeChange::Same;
    }
    match (old, new) {
        (Int(a), Int(b)) => {
            if b < a {
                TypeChange::Narrowing(format!(
                    "values above the smaller integer's range ({} digits instead of {}) make it fail",
                    int_digits(*b),
                    int_digits(*a)
                ))
            } else {
                TypeChange::Rewrite
            }
        }
        (Text(a), Text(b)) => {
            if len_lt(*b, *a) {
                TypeChange::Narrowing(format!(
                    "values longer than {} characters make it fail (or are silently truncated in MySQL's \
                     non-strict mode)",
                    b.unwrap_or(0)
                ))
            } else {
                TypeChange::Cheap
            }
        }
        (Dec(p1, s1), Dec(p2, s2)) => {
            if len_lt(*p2, *p1) || s2 < s1 {
                TypeChange::Narrowing(
                    "values lose decimal places or overflow the smaller precision".to_string(),
                )
            } else if s2 != s1 {
                TypeChange::Rewrite
            } else {
                TypeChange::Cheap
            }
        }
        (Float(a), Float(b)) => {
            if b < a {
                TypeChange::Narrowing("values lose precision (double to single)".to_string())
            } else {
                TypeChange::Rewrite
            }
        }
        (Bin(a), Bin(b)) => {
            if len_lt(*b, *a) {
                TypeChange::Narrowing("longer values make it fail or are truncated".to_string())
            } else {
                TypeChange::Cheap
            }
        }
        (Dec(..) | Float(_), Int(_)) => {
            TypeChange::Narrowing("fractional parts are rounded away".to_string())
        }
        (Dec(..), Float(_)) => {
            TypeChange::Narrowing("exact values become approximate binary floats".to_string())
        }
        (Float(_), Dec(Some(_), _)) => {
            TypeChange::Narrowing("large values overflow the bounded precision".to_string())
        }
        (Int(a), Float(b)) if (*b == 4 && *a >= 4) || (*b == 8 && *a >= 8) => {
            TypeChange::Narrowing("large integers lose precision in a float".to_string())
        }
        (Int(a), Dec(Some(p), s))
            if i64::try_from(*p).unwrap_or(i64::MAX).saturating_sub(*s)
                < i64::try_from(int_digits(*a)).unwrap_or(0) =>
        {
            TypeChange::Narrowing("large integers overflow the decimal's precision".to_string())
        }
        (Int(a), Text(Some(n))) if *n <= int_digits(*a) => {
            TypeChange::Narrowing("long numbers do not fit the text length".to_string())
        }
        (Uuid, Text(Some(n))) if *n < 36 => {
            TypeChange::Narrowing("a UUID needs 36 characters".to_string())
        }
        (Stamp, Date) | (Stamp, Time) => {
            TypeChange::Narrowing("the time or date part is lost".to_string())
        }
        (Text(_), _) => TypeChange::Narrowing(
            "text values that do not convert to the new type make the migration fail".to_string(),
        ),
        (_, Bool) => TypeChange::Narrowing("values collapse to true/false".to_string()),
        _ => TypeChange::Rewrite,
    }
}

// ---------------------------------------------------------------------------------------------------
// Name heuristics
// ---------------------------------------------------------------------------------------------------

/// Splits an identifier into lower-case words (snake_case, kebab, camelCase).
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SecretKind {
    Password,
    Token,
    Key,
}

const HASH_WORDS: &[&str] = &[
    "hash",
    "hashed",
    "hashes",
    "digest",
    "fingerprint",
    "hmac",
    "bcrypt",
    "argon2",
    "argon2id",
    "scrypt",
    "pbkdf2",
    "sha",
    "sha1",
    "sha256",
    "sha512",
    "encrypted",
    "crypted",
    "enc",
    "cipher",
    "ciphertext",
    "salt",
    "kms",
    "ref",
    "arn",
    "path",
    "url",
    "uri",
    "name",
];

const META_WORDS: &[&str] = &[
    "at",
    "on",
    "date",
    "time",
    "timestamp",
    "expires",
    "expiry",
    "expiration",
    "expired",
    "ttl",
    "type",
    "kind",
    "count",
    "length",
    "len",
    "version",
    "id",
    "ids",
    "hint",
    "policy",
    "required",
    "set",
    "enabled",
    "attempts",
    "tries",
    "prefix",
    "suffix",
    "last4",
    "changed",
    "updated",
    "created",
    "sent",
    "status",
    "strength",
    "algorithm",
    "algo",
    "scheme",
    "rotated",
    "is",
    "has",
    "must",
    "format",
    "scope",
    "scopes",
    "label",
    "description",
    "used",
];

fn secret_kind(name: &str) -> Option<SecretKind> {
    let words = name_words(name);
    let has = |w: &str| words.iter().any(|x| x == w);
    if words
        .iter()
        .any(|w| HASH_WORDS.contains(&w.as_str()) || META_WORDS.contains(&w.as_str()))
    {
        return None;
    }
    if words.iter().any(|w| {
        matches!(
            w.as_str(),
            "password" | "passwd" | "passphrase" | "passcode" | "pwd" | "pin"
        )
    }) {
        return Some(SecretKind::Password);
    }
    if words.iter().any(|w| {
        matches!(
            w.as_str(),
            "token"
                | "tokens"
                | "accesstoken"
                | "refreshtoken"
                | "authtoken"
                | "apitoken"
                | "bearer"
                | "jwt"
                | "otp"
        )
    }) {
        return Some(SecretKind::Token);
    }
    if words.iter().any(|w| {
        matches!(
            w.as_str(),
            "secret"
                | "secrets"
                | "clientsecret"
                | "apikey"
                | "accesskey"
                | "privatekey"
                | "secretkey"
                | "signingkey"
        )
    }) {
        return Some(SecretKind::Key);
    }
    if has("key") {
        let pair = words.windows(2).any(|p| {
            matches!(
                (p.first().map(String::as_str), p.get(1).map(String::as_str)),
                (
                    Some(
                        "api" | "access" | "private" | "signing" | "encryption" | "master" | "auth"
                    ),
                    Some("key")
                )
            )
        });
        if pair {
            return Some(SecretKind::Key);
        }
    }
    None
}

const MONEY_WORDS: &[&str] = &[
    "price",
    "prices",
    "amount",
    "amounts",
    "amt",
    "cost",
    "costs",
    "total",
    "totals",
    "subtotal",
    "balance",
    "balances",
    "fee",
    "fees",
    "salary",
    "salaries",
    "wage",
    "wages",
    "money",
    "payment",
    "payments",
    "paid",
    "charge",
    "charges",
    "revenue",
    "tax",
    "taxes",
    "vat",
    "discount",
    "refund",
    "refunds",
    "payout",
    "budget",
    "income",
    "earnings",
    "commission",
    "tip",
    "tips",
    "cents",
    "usd",
    "eur",
    "gbp",
    "currency",
    "debit",
    "deposit",
    "withdrawal",
    "spend",
    "spent",
    "rent",
    "fare",
    "invoice",
    "billing",
    "msrp",
];

const NOT_MONEY_WORDS: &[&str] = &[
    "weight",
    "distance",
    "count",
    "percent",
    "percentage",
    "pct",
    "ratio",
    "rate",
    "score",
    "lat",
    "lng",
    "lon",
    "latitude",
    "longitude",
    "duration",
    "seconds",
    "secs",
    "ms",
    "minutes",
    "hours",
    "time",
    "size",
    "bytes",
    "height",
    "width",
    "length",
    "volume",
    "temperature",
    "rating",
    "probability",
    "factor",
    "multiplier",
    "quantity",
    "qty",
    "units",
];

fn is_money_name(name: &str) -> bool {
    let words = name_words(name);
    words.iter().any(|w| MONEY_WORDS.contains(&w.as_str()))
        && !words.iter().any(|w| NOT_MONEY_WORDS.contains(&w.as_str()))
}

// ---------------------------------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Column {
    key: String,
    display: String,
    data_type: Option<DataType>,
    not_null: bool,
    has_default: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    BTree,
    Hash,
    Other,
}

#[derive(Debug, Clone)]
struct Index {
    name: Option<String>,
    /// Column keys; `None` for an expression.
    cols: Vec<Option<String>>,
    col_display: Vec<String>,
    unique: bool,
    primary: bool,
    partial: bool,
    method: Method,
    stmt: usize,
    line: Option<u64>,
    implicit: bool,
}

impl Index {
    fn plain_cols(&self) -> Option<Vec<&str>> {
        self.cols.iter().map(|c| c.as_deref()).collect()
    }

    fn label(&self) -> String {
        format!(
            "{} ({})",
            self.name.as_deref().unwrap_or("(unnamed index)"),
            self.col_display.join(", ")
        )
    }
}

#[derive(Debug, Clone)]
struct ForeignKey {
    name: Option<String>,
    cols: Vec<String>,
    col_display: Vec<String>,
    ref_table: String,
    ref_sql: String,
    ref_cols: Vec<String>,
    /// Declared as a column-level `REFERENCES` clause.
    inline: bool,
    stmt: usize,
    line: Option<u64>,
}

#[derive(Debug, Clone)]
struct Table {
    name: TableName,
    created_stmt: Option<usize>,
    created_line: Option<u64>,
    temporary: bool,
    /// Whether the column list is known (created in the script with explicit columns).
    complete: bool,
    dropped: bool,
    columns: Vec<Column>,
    indexes: Vec<Index>,
    fks: Vec<ForeignKey>,
}

impl Table {
    fn new(name: TableName) -> Self {
        Table {
            name,
            created_stmt: None,
            created_line: None,
            temporary: false,
            complete: false,
            dropped: false,
            columns: Vec::new(),
            indexes: Vec::new(),
            fks: Vec::new(),
        }
    }

    fn column(&self, key: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.key == key)
    }

    fn column_mut(&mut self, key: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.key == key)
    }

    fn col_display(&self, key: &str) -> String {
        self.column(key)
            .map(|c| c.display.clone())
            .unwrap_or_else(|| key.to_string())
    }

    fn has_pk(&self) -> bool {
        self.indexes.iter().any(|i| i.primary)
    }

    fn upsert_column(&mut self, col: Column) {
        if let Some(c) = self.column_mut(&col.key) {
            *c = col;
        } else {
            self.columns.push(col);
        }
    }

    fn remove_column(&mut self, key: &str) {
        self.columns.retain(|c| c.key != key);
        self.indexes
            .retain(|i| !i.cols.iter().any(|c| c.as_deref() == Some(key)));
        self.fks.retain(|f| !f.cols.iter().any(|c| c == key));
    }

    fn rename_column(&mut self, old: &str, new_key: &str, new_display: &str) {
        if let Some(c) = self.column_mut(old) {
            c.key = new_key.to_string();
            c.display = new_display.to_string();
        }
        for i in &mut self.indexes {
            for (c, d) in i.cols.iter_mut().zip(i.col_display.iter_mut()) {
                if c.as_deref() == Some(old) {
                    *c = Some(new_key.to_string());
                    *d = new_display.to_string();
                }
            }
        }
        for f in &mut self.fks {
            for (c, d) in f.cols.iter_mut().zip(f.col_display.iter_mut()) {
                if c == old {
                    *c = new_key.to_string();
                    *d = new_display.to_string();
                }
            }
        }
    }

    /// Removes the indexes and/or foreign keys with this name; true when something was removed.
    fn remove_named(&mut self, name: &str, indexes: bool, fks: bool) -> bool {
        let matches = |n: &Option<String>| n.as_deref().is_some_and(|n| eq_ci(n, name));
        let before = self.indexes.len() + self.fks.len();
        if indexes {
            self.indexes.retain(|i| !matches(&i.name));
        }
        if fks {
            self.fks.retain(|f| !matches(&f.name));
        }
        before != self.indexes.len() + self.fks.len()
    }
}

#[derive(Default)]
struct Catalog {
    tables: Vec<Table>,
    by_key: HashMap<String, usize>,
}

impl Catalog {
    fn get(&self, key: &str) -> Option<&Table> {
        self.by_key
            .get(key)
            .and_then(|&i| self.tables.get(i))
            .filter(|t| !t.dropped)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Table> {
        match self.by_key.get(key) {
            Some(&i) => self.tables.get_mut(i).filter(|t| !t.dropped),
            None => None,
        }
    }

    /// The live table, or a new entry for a table defined outside the script.
    fn ensure(&mut self, name: &TableName) -> Option<&mut Table> {
        if self.get(&name.key).is_none() {
            self.insert(Table::new(name.clone()));
        }
        self.get_mut(&name.key)
    }

    fn insert(&mut self, table: Table) {
        let key = table.name.key.clone();
        match self.by_key.get(&key) {
            Some(&i) if i < self.tables.len() => {
                if let Some(slot) = self.tables.get_mut(i) {
                    *slot = table;
                }
            }
            _ => {
                self.by_key.insert(key, self.tables.len());
                self.tables.push(table);
            }
        }
    }

    fn rename(&mut self, old_key: &str, new: TableName) {
        if let Some(i) = self.by_key.remove(old_key) {
            // A live table already holding the new name is replaced (the database would refuse).
            if let Some(&j) = self.by_key.get(&new.key)
                && let Some(t) = self.tables.get_mut(j)
            {
                t.dropped = true;
            }
            if let Some(t) = self.tables.get_mut(i) {
                t.name = new.clone();
            }
            self.by_key.insert(new.key, i);
        }
    }

    fn live(&self) -> impl Iterator<Item = &Table> {
        self.tables.iter().filter(|t| !t.dropped)
    }
}

// ---------------------------------------------------------------------------------------------------
// Reviewer: replays the DDL
// ---------------------------------------------------------------------------------------------------

struct Pending {
    pos: usize,
    seq: usize,
    finding: Finding,
}

#[derive(Default)]
struct Out {
    findings: Vec<Pending>,
    notes: Vec<String>,
}

impl Out {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        pos: usize,
        line: Option<u64>,
        rule: &str,
        severity: Severity,
        table: &str,
        columns: Vec<String>,
        message: String,
        fix: String,
        reference: String,
    ) -> usize {
        let seq = self.findings.len();
        self.findings.push(Pending {
            pos,
            seq,
            finding: Finding {
                rule: rule.to_string(),
                severity,
                table: table.to_string(),
                columns,
                message,
                fix,
                reference,
                statement: Some(pos.saturating_add(1)),
                line,
                query: None,
            },
        });
        seq
    }
}

struct Reviewer {
    ctx: Ctx,
    catalog: Catalog,
    out: Out,
    /// Table key -> index in `out.findings` of the DROP TABLE finding, to soften it when the script
    /// recreates the table.
    pending_drops: HashMap<String, usize>,
    /// Query findings already emitted, by (table key, recommended columns) -> finding index.
    query_fixes: HashMap<(String, Vec<String>), usize>,
    unknown_tables_noted: HashSet<(usize, String)>,
    /// Lower-case index name -> key of the table it was created on (for DROP INDEX without ON).
    index_homes: HashMap<String, String>,
}

struct Loc {
    pos: usize,
    line: Option<u64>,
}

impl Reviewer {
    fn new(dialect: SqlDialect, statements: &[Statement]) -> Self {
        Reviewer {
            ctx: Ctx::new(dialect, statements),
            catalog: Catalog::default(),
            out: Out::default(),
            pending_drops: HashMap::new(),
            query_fixes: HashMap::new(),
            unknown_tables_noted: HashSet::new(),
            index_homes: HashMap::new(),
        }
    }

    fn statement(&mut self, pos: usize, st: &Statement, line: Option<u64>) {
        let loc = Loc { pos, line };
        match st {
            Statement::CreateTable(ct) => {
                self.create_table(ct, &loc);
                self.register_indexes(&ct.name, pos);
            }
            Statement::CreateIndex(ci) => {
                self.create_index(ci, &loc);
                self.register_indexes(&ci.table_name, pos);
            }
            Statement::AlterTable(at) => {
                self.alter_table(at, &loc);
                self.register_indexes(&at.name, pos);
                for op in &at.operations {
                    if let AlterTableOperation::RenameTable {
                        table_name: RenameTableNameKind::As(n) | RenameTableNameKind::To(n),
                    } = op
                    {
                        self.register_indexes(n, pos);
                    }
                }
            }
            Statement::Drop {
                object_type,
                names,
                table,
                ..
            } => match object_type {
                ObjectType::Table => {
                    for n in names {
                        self.drop_table(n, &loc);
                    }
                }
                ObjectType::Index => {
                    for n in names {
                        self.drop_index(n, table.as_ref());
                    }
                }
                _ => {}
            },
            Statement::RenameTable(pairs) => {
                for rt in pairs {
                    self.rename_table(&rt.old_name, &rt.new_name, &loc);
                }
            }
            Statement::Truncate(tr) => {
                for t in &tr.table_names {
                    let name = self.ctx.table_name(&t.name);
                    let fix = format!(
                        "-- Never truncate in a migration. If the data is really obsolete, back it up first:\n\
                         CREATE TABLE {short}_backup AS SELECT * FROM {sql};\n\
                         -- then delete in batches from a maintenance job, keeping the backup until verified.",
                        short = sanitize(&name.short),
                        sql = name.sql
                    );
                    self.out.push(
                        loc.pos,
                        loc.line,
                        "destructive-migration",
                        Severity::High,
                        &name.display,
                        vec![],
                        format!(
                            "TRUNCATE {} deletes every row: a one-way door with no rollback except a restore \
                             from backup.",
                            name.display
                        ),
                        fix,
                        ref_schema("destructive-changes-and-rollback-plans"),
                    );
                }
            }
            _ => {}
        }
    }

    // --- CREATE TABLE -------------------------------------------------------------------------------

    fn create_table(&mut self, ct: &CreateTable, loc: &Loc) {
        let name = self.ctx.table_name(&ct.name);
        if ct.if_not_exists
            && self
                .catalog
                .get(&name.key)
                .is_some_and(|t| t.created_stmt.is_some())
        {
            return;
        }
        if let Some(fi) = self.pending_drops.remove(&name.key)
            && let Some(p) = self.out.findings.get_mut(fi)
        {
            p.finding.severity = Severity::Medium;
            p.finding.message.push_str(&format!(
                " The script then recreates {} (a reset script, like a dump's DROP TABLE IF EXISTS \
                 preamble): harmless on a fresh database, every row lost if it ever runs against production.",
                name.display
            ));
        }
        let mut t = Table::new(name.clone());
        t.created_stmt = Some(loc.pos);
        t.created_line = loc.line;
        t.temporary = ct.temporary;
        t.complete = !ct.columns.is_empty();
        for def in &ct.columns {
            add_column(&self.ctx, &mut t, def, loc, true);
            check_column_type(
                &self.ctx,
                &name,
                &self.ctx.ident_display(&def.name),
                &def.data_type,
                false,
                loc,
                &mut self.out,
            );
        }
        for c in &ct.constraints {
            apply_constraint(&self.ctx, &mut t, c, loc);
        }
        if ct.columns.is_empty() && (ct.query.is_some() || ct.like.is_some() || ct.clone.is_some())
        {
            self.out.notes.push(format!(
                "statement {}: CREATE TABLE {} copies its columns from another table or query; its keys \
                 and indexes were not reviewed",
                loc.pos.saturating_add(1),
                name.display
            ));
        }
        self.catalog.insert(t);
    }

    // --- CREATE INDEX -------------------------------------------------------------------------------

    fn create_index(&mut self, ci: &CreateIndex, loc: &Loc) {
        let name = self.ctx.table_name(&ci.table_name);
        let created = self
            .catalog
            .get(&name.key)
            .is_some_and(|t| t.created_stmt.is_some());
        let index_name = ci
            .name
            .as_ref()
            .and_then(object_idents)
            .and_then(|v| v.last().map(|i| self.ctx.ident_display(i)));
        let (cols, col_display): (Vec<_>, Vec<_>) =
            ci.columns.iter().map(|c| index_col(&self.ctx, c)).unzip();
        let index = Index {
            name: index_name.clone(),
            cols,
            col_display: col_display.clone(),
            unique: ci.unique,
            primary: false,
            partial: ci.predicate.is_some(),
            method: method_of(ci.using.as_ref()),
            stmt: loc.pos,
            line: loc.line,
            implicit: false,
        };
        if let Some(t) = self.catalog.ensure(&name) {
            let exists = index_name.as_deref().is_some_and(|n| {
                t.indexes
                    .iter()
                    .any(|i| i.name.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(n)))
            });
            if !(exists && ci.if_not_exists) {
                t.indexes.push(index);
            }
        }
        if self.ctx.dialect == SqlDialect::Postgres && !ci.concurrently && !created {
            // Display writes "CREATE [UNIQUE ]INDEX " first; insert the keyword after it (no clone of the
            // statement: cloning a deep predicate recurses far more than displaying it).
            let fixed = ci.to_string().replacen("INDEX ", "INDEX CONCURRENTLY ", 1);
            let fix = format!(
                "{fixed};\n-- CONCURRENTLY builds without blocking writes; it cannot run inside a transaction block \
                 (disable the migration's transaction for this step). If it fails, DROP INDEX CONCURRENTLY \
                 the INVALID leftover and retry."
            );
            self.out.push(
                loc.pos,
                loc.line,
                "blocking-index-build",
                Severity::Medium,
                &name.display,
                col_display,
                format!(
                    "CREATE INDEX without CONCURRENTLY on {}, a table this script does not create: PostgreSQL \
                     holds a SHARE lock for the whole build, so every INSERT, UPDATE and DELETE on the live \
                     table waits (minutes on a large table).",
                    name.display
                ),
                fix,
                ref_schema("building-indexes-without-blocking-writes"),
            );
        }
    }

    // --- ALTER TABLE --------------------------------------------------------------------------------

    fn alter_table(&mut self, at: &AlterTable, loc: &Loc) {
        let mut name = self.ctx.table_name(&at.name);
        for op in &at.operations {
            let created = self
                .catalog
                .get(&name.key)
                .is_some_and(|t| t.created_stmt.is_some());
            self.catalog.ensure(&name);
            match op {
                AlterTableOperation::AddColumn { column_def, .. } => {
                    self.add_column_op(&name, column_def, created, loc)
                }
                AlterTableOperation::AddConstraint {
                    constraint,
                    not_valid,
                } => self.add_constraint_op(&name, constraint, *not_valid, created, loc),
                AlterTableOperation::DropColumn { column_names, .. } => {
                    for c in column_names {
                        self.drop_column(&name, c, loc);
                    }
                }
                AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => self.rename_column(&name, old_column_name, new_column_name, loc),
                AlterTableOperation::RenameTable { table_name } => {
                    let new = match table_name {
                        RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => n,
                    };
                    name = self.rename_table(&at.name, new, loc);
                }
                AlterTableOperation::ChangeColumn {
                    old_name,
                    new_name,
                    data_type,
                    options,
                    ..
                } => {
                    if !old_name.value.eq_ignore_ascii_case(&new_name.value) {
                        self.rename_column(&name, old_name, new_name, loc);
                    }
                    self.type_change(&name, new_name, data_type, loc);
                    self.apply_nullability(&name, new_name, options);
                }
                AlterTableOperation::ModifyColumn {
                    col_name,
                    data_type,
                    options,
                    ..
                } => {
                    self.type_change(&name, col_name, data_type, loc);
                    self.apply_nullability(&name, col_name, options);
                }
                AlterTableOperation::AlterColumn { column_name, op } => {
                    self.alter_column(&name, column_name, op, created, loc)
                }
                AlterTableOperation::DropConstraint { name: cname, .. } => {
                    if let Some(t) = self.catalog.get_mut(&name.key) {
                        t.remove_named(&cname.value, true, true);
                    }
                }
                AlterTableOperation::DropForeignKey { name: cname, .. } => {
                    if let Some(t) = self.catalog.get_mut(&name.key) {
                        t.remove_named(&cname.value, false, true);
                    }
                }
                AlterTableOperation::DropIndex { name: cname } => {
                    if let Some(t) = self.catalog.get_mut(&name.key) {
                        t.remove_named(&cname.value, true, false);
                    }
                }
                AlterTableOperation::DropPrimaryKey { .. } => {
                    if let Some(t) = self.catalog.get_mut(&name.key) {
                        t.indexes.retain(|i| !i.primary);
                    }
                }
                _ => {}
            }
        }
    }

    fn add_column_op(&mut self, name: &TableName, def: &ColumnDef, created: bool, loc: &Loc) {
        let Some(t) = self.catalog.get_mut(&name.key) else {
            return;
        };
        add_column(&self.ctx, t, def, loc, false);
        let key = def.name.value.to_lowercase();
        let (not_null, has_default) = t
            .column(&key)
            .map(|c| (c.not_null, c.has_default))
            .unwrap_or((false, true));
        let col = self.ctx.ident_display(&def.name);
        check_column_type(
            &self.ctx,
            name,
            &col,
            &def.data_type,
            !created,
            loc,
            &mut self.out,
        );
        if created || !not_null || has_default {
            return;
        }
        let ty = def.data_type.to_string();
        let c = self.ctx.q(&col);
        let tsql = &name.sql;
        let constraint = self.ctx.q(&format!(
            "{}_{}_not_null",
            sanitize(&name.short),
            sanitize(&col)
        ));
        let (why, fix) = match self.ctx.dialect {
            SqlDialect::Generic => (
                "most databases reject it once the table has rows (they would be NULL) or rewrite the \
                 whole table under a lock",
                format!(
                    "-- 1. add the column nullable:\n\
                     ALTER TABLE {tsql} ADD COLUMN {c} {ty};\n\
                     -- 2. deploy code that writes {col}; backfill old rows in small batches (repeat until 0 rows):\n\
                     UPDATE {tsql} SET {c} = <value> WHERE {c} IS NULL AND <primary key in the next batch>;\n\
                     -- 3. enforce it:\n\
                     ALTER TABLE {tsql} ALTER COLUMN {c} SET NOT NULL;"
                ),
            ),
            SqlDialect::Postgres => (
                "PostgreSQL rejects it as soon as the table has a row (existing rows would be NULL), and a \
                 NOT NULL added later scans the table under an ACCESS EXCLUSIVE lock",
                format!(
                    "-- 1. add the column nullable (instant):\n\
                     ALTER TABLE {tsql} ADD COLUMN {c} {ty};\n\
                     -- 2. deploy code that writes {col}; backfill old rows in batches (repeat until 0 rows):\n\
                     UPDATE {tsql} SET {c} = <value> WHERE ctid IN (SELECT ctid FROM {tsql} WHERE {c} IS NULL LIMIT 10000);\n\
                     -- 3. enforce it without a long lock:\n\
                     ALTER TABLE {tsql} ADD CONSTRAINT {constraint} CHECK ({c} IS NOT NULL) NOT VALID;\n\
                     ALTER TABLE {tsql} VALIDATE CONSTRAINT {constraint};\n\
                     ALTER TABLE {tsql} ALTER COLUMN {c} SET NOT NULL;  -- PostgreSQL 12+ uses the validated check, no scan\n\
                     ALTER TABLE {tsql} DROP CONSTRAINT {constraint};\n\
                     -- Or, when one constant fits every existing row: ALTER TABLE {tsql} ADD COLUMN {c} {ty} NOT NULL DEFAULT <constant>; (instant on PostgreSQL 11+)"
                ),
            ),
            SqlDialect::Mysql => (
                "MySQL silently fills existing rows with the type's implicit default (0, '' or a zero date), \
                 which then looks like real data",
                format!(
                    "-- 1. add the column nullable:\n\
                     ALTER TABLE {tsql} ADD COLUMN {c} {ty};\n\
                     -- 2. deploy code that writes {col}; backfill old rows in batches (repeat until 0 rows):\n\
                     UPDATE {tsql} SET {c} = <value> WHERE {c} IS NULL LIMIT 10000;\n\
                     -- 3. enforce it (online in InnoDB):\n\
                     ALTER TABLE {tsql} MODIFY COLUMN {c} {ty} NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;\n\
                     -- Or give it an explicit DEFAULT that is true for the existing rows."
                ),
            ),
            SqlDialect::Sqlite => (
                "SQLite refuses to add a NOT NULL column whose default is NULL",
                format!(
                    "ALTER TABLE {tsql} ADD COLUMN {c} {ty} NOT NULL DEFAULT <value>;\n\
                     -- or add it nullable, backfill, and rebuild the table (CREATE new, INSERT ... SELECT, DROP, \
                     RENAME in one transaction) to add the constraint."
                ),
            ),
        };
        self.out.push(
            loc.pos,
            loc.line,
            "not-null-without-default",
            Severity::High,
            &name.display,
            vec![col.clone()],
            format!(
                "ADD COLUMN {col} NOT NULL without a DEFAULT on {}, an existing table: {why}. Add it nullable, \
                 backfill in batches, then enforce NOT NULL.",
                name.display
            ),
            fix,
            ref_schema("adding-a-not-null-column-safely"),
        );
    }

    fn add_constraint_op(
        &mut self,
        name: &TableName,
        constraint: &TableConstraint,
        not_valid: bool,
        created: bool,
        loc: &Loc,
    ) {
        let Some(t) = self.catalog.get_mut(&name.key) else {
            return;
        };
        apply_constraint(&self.ctx, t, constraint, loc);
        if self.ctx.dialect != SqlDialect::Postgres || created {
            return;
        }
        match constraint {
            TableConstraint::PrimaryKey(_) | TableConstraint::Unique(_) => {
                let (kind, cols, cname) = match constraint {
                    TableConstraint::PrimaryKey(pk) => (
                        "PRIMARY KEY",
                        &pk.columns,
                        pk.name.as_ref().or(pk.index_name.as_ref()),
                    ),
                    TableConstraint::Unique(u) => (
                        "UNIQUE",
                        &u.columns,
                        u.name.as_ref().or(u.index_name.as_ref()),
                    ),
                    _ => return,
                };
                let col_display: Vec<String> =
                    cols.iter().map(|c| index_col(&self.ctx, c).1).collect();
                let suffix = if kind == "UNIQUE" { "key" } else { "pkey" };
                let iname = cname.map(|n| self.ctx.ident_display(n)).unwrap_or_else(|| {
                    format!(
                        "{}_{}_{suffix}",
                        sanitize(&name.short),
                        col_display
                            .iter()
                            .map(|c| sanitize(c))
                            .collect::<Vec<_>>()
                            .join("_")
                    )
                });
                let fix = format!(
                    "CREATE UNIQUE INDEX CONCURRENTLY {i} ON {t} ({cols});\n\
                     ALTER TABLE {t} ADD CONSTRAINT {i} {kind} USING INDEX {i};\n\
                     -- the first step runs outside a transaction block; the second only takes a brief lock.",
                    i = self.ctx.q(&iname),
                    t = name.sql,
                    cols = self.ctx.cols_sql(&col_display),
                );
                self.out.push(
                    loc.pos,
                    loc.line,
                    "blocking-index-build",
                    Severity::Medium,
                    &name.display,
                    col_display,
                    format!(
                        "ALTER TABLE ... ADD {kind} on {}, an existing table, builds its unique index under an \
                         ACCESS EXCLUSIVE lock: reads and writes wait for the whole build. Build the index \
                         CONCURRENTLY first, then attach it.",
                        name.display
                    ),
                    fix,
                    ref_schema("building-indexes-without-blocking-writes"),
                );
            }
            TableConstraint::ForeignKey(fk) if !not_valid => {
                let cols: Vec<String> = fk
                    .columns
                    .iter()
                    .map(|c| self.ctx.ident_display(c))
                    .collect();
                let cname = fk
                    .name
                    .as_ref()
                    .map(|n| self.ctx.ident_display(n))
                    .unwrap_or_else(|| {
                        format!(
                            "{}_{}_fkey",
                            sanitize(&name.short),
                            cols.iter()
                                .map(|c| sanitize(c))
                                .collect::<Vec<_>>()
                                .join("_")
                        )
                    });
                let mut fk_sql = fk.clone();
                fk_sql.name = None;
                let fix = format!(
                    "ALTER TABLE {t} ADD CONSTRAINT {c} {fk_sql} NOT VALID;\n\
                     ALTER TABLE {t} VALIDATE CONSTRAINT {c};  -- scans without blocking writes",
                    t = name.sql,
                    c = self.ctx.q(&cname),
                );
                self.out.push(
                    loc.pos,
                    loc.line,
                    "blocking-foreign-key-validation",
                    Severity::Medium,
                    &name.display,
                    cols,
                    format!(
                        "ADD FOREIGN KEY on {}, an existing table, validates every row while holding a lock \
                         that blocks writes to both tables. Add it NOT VALID (new rows are checked at once), \
                         then VALIDATE CONSTRAINT, which does not block writes.",
                        name.display
                    ),
                    fix,
                    ref_schema("expand-contract-migrations"),
                );
            }
            _ => {}
        }
    }

    fn alter_column(
        &mut self,
        name: &TableName,
        column: &Ident,
        op: &AlterColumnOperation,
        created: bool,
        loc: &Loc,
    ) {
        let key = column.value.to_lowercase();
        match op {
            AlterColumnOperation::SetDataType { data_type, .. } => {
                self.type_change(name, column, data_type, loc)
            }
            AlterColumnOperation::SetNotNull => {
                if let Some(c) = self
                    .catalog
                    .get_mut(&name.key)
                    .and_then(|t| t.column_mut(&key))
                {
                    c.not_null = true;
                }
                if self.ctx.dialect == SqlDialect::Postgres && !created {
                    let col = self.ctx.ident_display(column);
                    let c = self.ctx.q(&col);
                    let cn = self.ctx.q(&format!(
                        "{}_{}_not_null",
                        sanitize(&name.short),
                        sanitize(&col)
                    ));
                    let t = &name.sql;
                    self.out.push(
                        loc.pos,
                        loc.line,
                        "blocking-set-not-null",
                        Severity::Medium,
                        &name.display,
                        vec![col.clone()],
                        format!(
                            "SET NOT NULL on {}.{col} scans the whole table under an ACCESS EXCLUSIVE lock \
                             (reads and writes wait). Prove it with a NOT VALID check validated separately \
                             first; PostgreSQL 12+ then sets NOT NULL without the scan.",
                            name.display
                        ),
                        format!(
                            "ALTER TABLE {t} ADD CONSTRAINT {cn} CHECK ({c} IS NOT NULL) NOT VALID;\n\
                             ALTER TABLE {t} VALIDATE CONSTRAINT {cn};\n\
                             ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;\n\
                             ALTER TABLE {t} DROP CONSTRAINT {cn};"
                        ),
                        ref_schema("adding-a-not-null-column-safely"),
                    );
                }
            }
            AlterColumnOperation::DropNotNull => {
                if let Some(c) = self
                    .catalog
                    .get_mut(&name.key)
                    .and_then(|t| t.column_mut(&key))
                {
                    c.not_null = false;
                }
            }
            AlterColumnOperation::SetDefault { .. } | AlterColumnOperation::AddGenerated { .. } => {
                if let Some(c) = self
                    .catalog
                    .get_mut(&name.key)
                    .and_then(|t| t.column_mut(&key))
                {
                    c.has_default = true;
                }
            }
            AlterColumnOperation::DropDefault => {
                if let Some(c) = self
                    .catalog
                    .get_mut(&name.key)
                    .and_then(|t| t.column_mut(&key))
                {
                    c.has_default = false;
                }
            }
        }
    }

    fn apply_nullability(&mut self, name: &TableName, column: &Ident, options: &[ColumnOption]) {
        let key = column.value.to_lowercase();
        if let Some(c) = self
            .catalog
            .get_mut(&name.key)
            .and_then(|t| t.column_mut(&key))
        {
            c.not_null = options.iter().any(|o| matches!(o, ColumnOption::NotNull));
            c.has_default = options.iter().any(|o| {
                matches!(
                    o,
                    ColumnOption::Default(_)
                        | ColumnOption::Generated { .. }
                        | ColumnOption::Identity(_)
                ) || is_auto_increment(o)
            });
        }
    }

    fn type_change(&mut self, name: &TableName, column: &Ident, new_type: &DataType, loc: &Loc) {
        let key = column.value.to_lowercase();
        let col = self.ctx.ident_display(column);
        let old = self
            .catalog
            .get(&name.key)
            .and_then(|t| t.column(&key))
            .and_then(|c| c.data_type.clone());
        let existing = self
            .catalog
            .get(&name.key)
            .is_some_and(|t| t.created_stmt.is_none());
        check_column_type(
            &self.ctx,
            name,
            &col,
            new_type,
            existing,
            loc,
            &mut self.out,
        );
        let new_sql = new_type.to_string();
        let c = self.ctx.q(&col);
        let t = &name.sql;
        let steps = |tmp: &str| {
            format!(
                "-- expand: add the new column beside the old one\n\
                 ALTER TABLE {t} ADD COLUMN {tmp} {new_sql};\n\
                 -- deploy code that writes both; backfill in batches, checking values that do not fit:\n\
                 UPDATE {t} SET {tmp} = {c} WHERE {tmp} IS NULL AND <batch condition>;\n\
                 -- switch reads to {tmp}, stop writing {c}; keep {c} until verified (that is the rollback)\n\
                 -- contract, in a later release: ALTER TABLE {t} DROP COLUMN {c}; then rename {tmp} if needed"
            )
        };
        let tmp = self.ctx.q(&format!("{}_new", sanitize(&col)));
        match old {
            Some(old_dt) => {
                let old_sql = old_dt.to_string();
                match compare_types(
                    &classify(&old_dt, self.ctx.dialect),
                    &classify(new_type, self.ctx.dialect),
                ) {
                    TypeChange::Narrowing(why) => {
                        self.out.push(
                            loc.pos,
                            loc.line,
                            "destructive-migration",
                            Severity::High,
                            &name.display,
                            vec![col.clone()],
                            format!(
                                "Narrowing {}.{col} from {old_sql} to {new_sql}: {why}. A narrowing change \
                                 is a one-way door (the lost information cannot be rolled back); use \
                                 expand-contract and check the data first (e.g. SELECT count(*) of values \
                                 that do not fit).",
                                name.display
                            ),
                            steps(&tmp),
                            ref_schema("expand-contract-migrations"),
                        );
                    }
                    TypeChange::Rewrite => {
                        self.out.push(
                            loc.pos,
                            loc.line,
                            "column-type-change",
                            Severity::Medium,
                            &name.display,
                            vec![col.clone()],
                            format!(
                                "Changing {}.{col} from {old_sql} to {new_sql} rewrites the whole table (and \
                                 its indexes) under an exclusive lock: writes wait for the rewrite. On a large \
                                 table use expand-contract instead.",
                                name.display
                            ),
                            steps(&tmp),
                            ref_schema("expand-contract-migrations"),
                        );
                    }
                    TypeChange::Same | TypeChange::Cheap => {}
                }
            }
            None => {
                self.out.push(
                    loc.pos,
                    loc.line,
                    "column-type-change",
                    Severity::Medium,
                    &name.display,
                    vec![col.clone()],
                    format!(
                        "Changing the type of {}.{col} to {new_sql}: the script does not show the current type, \
                         so it cannot tell whether this narrows (data loss or failure) or only rewrites the \
                         table under an exclusive lock. Check the current type; if it narrows or the table is \
                         large, use expand-contract.",
                        name.display
                    ),
                    steps(&tmp),
                    ref_schema("expand-contract-migrations"),
                );
            }
        }
        if let Some(c) = self
            .catalog
            .get_mut(&name.key)
            .and_then(|t| t.column_mut(&key))
        {
            c.data_type = Some(new_type.clone());
        } else if let Some(t) = self.catalog.get_mut(&name.key) {
            t.upsert_column(Column {
                key,
                display: col,
                data_type: Some(new_type.clone()),
                not_null: false,
                has_default: false,
            });
        }
    }

    fn drop_column(&mut self, name: &TableName, column: &Ident, loc: &Loc) {
        let key = column.value.to_lowercase();
        let col = self.ctx.ident_display(column);
        let (ty, pk) = match self.catalog.get(&name.key) {
            Some(t) => (
                t.column(&key)
                    .and_then(|c| c.data_type.as_ref())
                    .map(|d| d.to_string()),
                t.indexes
                    .iter()
                    .find(|i| i.primary)
                    .and_then(|i| i.plain_cols())
                    .map(|v| v.iter().map(|c| t.col_display(c)).collect::<Vec<_>>()),
            ),
            None => (None, None),
        };
        let t = &name.sql;
        let c = self.ctx.q(&col);
        let keys = pk
            .map(|v| self.ctx.cols_sql(&v))
            .unwrap_or_else(|| "<primary key>".to_string());
        let backup = self.ctx.q(&format!(
            "{}_{}_backup",
            sanitize(&name.short),
            sanitize(&col)
        ));
        let fix = format!(
            "-- 1. contract the code first: deploy a release that neither reads nor writes {col} (ignore it in \
             the ORM) and let it run\n\
             -- 2. keep a way back: copy the data before dropping\n\
             CREATE TABLE {backup} AS SELECT {keys}, {c} FROM {t};\n\
             -- 3. in a later release, drop it\n\
             ALTER TABLE {t} DROP COLUMN {c};\n\
             -- rollback plan: ALTER TABLE {t} ADD COLUMN {c} {ty}; then restore the values from {backup} by key",
            ty = ty.as_deref().unwrap_or("<type>")
        );
        self.out.push(
            loc.pos,
            loc.line,
            "destructive-migration",
            Severity::High,
            &name.display,
            vec![col.clone()],
            format!(
                "DROP COLUMN {}.{col}: a deploy that drops a column is a one-way door. Code still reading it \
                 breaks at once, and the data cannot be rolled back. Use expand-contract: stop using it, \
                 release, back it up, then drop.",
                name.display
            ),
            fix,
            ref_schema("destructive-changes-and-rollback-plans"),
        );
        if let Some(tb) = self.catalog.get_mut(&name.key) {
            tb.remove_column(&key);
        }
    }

    fn rename_column(&mut self, name: &TableName, old: &Ident, new: &Ident, loc: &Loc) {
        let old_key = old.value.to_lowercase();
        let old_d = self.ctx.ident_display(old);
        let new_d = self.ctx.ident_display(new);
        let ty = self
            .catalog
            .get(&name.key)
            .and_then(|t| t.column(&old_key))
            .and_then(|c| c.data_type.as_ref())
            .map(|d| d.to_string())
            .unwrap_or_else(|| "<type of old column>".to_string());
        let t = &name.sql;
        let o = self.ctx.q(&old_d);
        let n = self.ctx.q(&new_d);
        let fix = format!(
            "-- expand: add the new column\n\
             ALTER TABLE {t} ADD COLUMN {n} {ty};\n\
             -- deploy code that writes both {old_d} and {new_d} (or a trigger), then backfill in batches:\n\
             UPDATE {t} SET {n} = {o} WHERE {n} IS NULL AND <batch condition>;\n\
             -- switch reads to {new_d}; rollback until here = switch reads back to {old_d}\n\
             -- contract, in a later release once nothing reads {old_d}:\n\
             ALTER TABLE {t} DROP COLUMN {o};"
        );
        self.out.push(
            loc.pos,
            loc.line,
            "destructive-migration",
            Severity::High,
            &name.display,
            vec![old_d.clone(), new_d.clone()],
            format!(
                "RENAME COLUMN {}.{old_d} to {new_d}: every running instance still using {old_d} fails the \
                 moment the migration runs (old and new code never agree during a deploy). Rename with \
                 expand-contract: add, dual-write, backfill, switch reads, drop.",
                name.display
            ),
            fix,
            ref_schema("renaming-a-column-safely"),
        );
        if let Some(tb) = self.catalog.get_mut(&name.key) {
            tb.rename_column(&old_key, &new.value.to_lowercase(), &new_d);
        }
    }

    fn rename_table(&mut self, old: &ObjectName, new: &ObjectName, loc: &Loc) -> TableName {
        let old_name = self.ctx.table_name(old);
        let new_name = self.ctx.table_name(new);
        let fix = format!(
            "-- rename and keep the old name working for old code in one transaction:\n\
             ALTER TABLE {o} RENAME TO {n};\n\
             CREATE VIEW {o} AS SELECT * FROM {n};  -- simple views are updatable in PostgreSQL and MySQL\n\
             -- deploy code that uses {nd}; once nothing uses {od}, in a later release:\n\
             DROP VIEW {o};\n\
             -- rollback until then: DROP VIEW {o}; ALTER TABLE {n} RENAME TO {o};",
            o = old_name.sql,
            n = new_name.sql,
            od = old_name.display,
            nd = new_name.display
        );
        self.out.push(
            loc.pos,
            loc.line,
            "destructive-migration",
            Severity::High,
            &old_name.display,
            vec![],
            format!(
                "Renaming table {} to {}: every query of code still deployed breaks at once. Use \
                 expand-contract: keep the old name alive (a view) until no code uses it.",
                old_name.display, new_name.display
            ),
            fix,
            ref_schema("expand-contract-migrations"),
        );
        if self.catalog.get(&old_name.key).is_some() {
            self.catalog.rename(&old_name.key, new_name.clone());
        }
        new_name
    }

    fn drop_table(&mut self, n: &ObjectName, loc: &Loc) {
        let name = self.ctx.table_name(n);
        let t = &name.sql;
        let short = sanitize(&name.short);
        let fix = format!(
            "-- 1. contract the code first: deploy a release that no longer reads or writes {d}\n\
             -- 2. make it reversible for a while instead of dropping:\n\
             ALTER TABLE {t} RENAME TO {short}_deprecated;  -- anything still using it fails loudly, and renaming back restores it\n\
             -- 3. after a release without errors, back it up (e.g. pg_dump -t / mysqldump) and drop:\n\
             DROP TABLE {short}_deprecated;\n\
             -- rollback plan: restore from that backup",
            d = name.display
        );
        let fi = self.out.push(
            loc.pos,
            loc.line,
            "destructive-migration",
            Severity::High,
            &name.display,
            vec![],
            format!(
                "DROP TABLE {}: a one-way door that deletes every row; code still using it breaks and the \
                 only rollback is a restore from backup. Always plan migration rollbacks.",
                name.display
            ),
            fix,
            ref_schema("destructive-changes-and-rollback-plans"),
        );
        self.pending_drops.insert(name.key.clone(), fi);
        if let Some(tb) = self.catalog.get_mut(&name.key) {
            tb.dropped = true;
        }
    }

    fn drop_index(&mut self, n: &ObjectName, table: Option<&ObjectName>) {
        let Some(iname) = object_idents(n).and_then(|v| v.last().map(|i| i.value.clone())) else {
            return;
        };
        if let Some(tn) = table {
            let key = self.ctx.table_name(tn).key;
            if let Some(t) = self.catalog.get_mut(&key) {
                t.remove_named(&iname, true, false);
            }
            return;
        }
        // Only indexes the script created can be removed; others were never in the catalog.
        let Some(key) = self.index_homes.remove(&iname.to_lowercase()) else {
            return;
        };
        if self
            .catalog
            .get_mut(&key)
            .is_some_and(|t| t.remove_named(&iname, true, false))
        {
            return;
        }
        // The table was renamed since: fall back to a scan.
        for t in self.catalog.tables.iter_mut().filter(|t| !t.dropped) {
            if t.remove_named(&iname, true, false) {
                return;
            }
        }
    }

    /// Records the names of the indexes statement `pos` added to `table`, so that a later DROP INDEX
    /// finds them without scanning every table. Indexes are appended, so the new ones are at the end.
    fn register_indexes(&mut self, table: &ObjectName, pos: usize) {
        let key = self.ctx.table_name(table).key;
        if let Some(t) = self.catalog.get(&key) {
            for i in t.indexes.iter().rev().take_while(|i| i.stmt == pos) {
                if let Some(n) = &i.name {
                    self.index_homes.insert(n.to_lowercase(), key.clone());
                }
            }
        }
    }

    // --- rules on the final catalog -----------------------------------------------------------------

    fn catalog_rules(&mut self) {
        let dialect = self.ctx.dialect;
        for t in self.catalog.tables.iter().filter(|t| !t.dropped) {
            // missing-primary-key
            if let Some(pos) = t.created_stmt
                && t.complete
                && !t.temporary
                && !t.has_pk()
            {
                let (message, fix) = missing_pk_advice(&self.ctx, t);
                self.out.push(
                    pos,
                    t.created_line,
                    "missing-primary-key",
                    Severity::High,
                    &t.name.display,
                    vec![],
                    message,
                    fix,
                    ref_schema("choosing-primary-keys"),
                );
            }
            // inline-references-ignored (MySQL before 9.0)
            if dialect == SqlDialect::Mysql {
                for fk in t.fks.iter().filter(|f| f.inline) {
                    let cname = format!(
                        "fk_{}_{}",
                        sanitize(&t.name.short),
                        fk.col_display
                            .iter()
                            .map(|c| sanitize(c))
                            .collect::<Vec<_>>()
                            .join("_")
                    );
                    let ref_cols = if fk.ref_cols.is_empty() {
                        "<referenced key>".to_string()
                    } else {
                        self.ctx.cols_sql(&fk.ref_cols)
                    };
                    self.out.push(
                        fk.stmt,
                        fk.line,
                        "inline-references-ignored",
                        Severity::Medium,
                        &t.name.display,
                        fk.col_display.clone(),
                        format!(
                            "{}.{} uses a column-level REFERENCES {}: MySQL before 9.0 parses it and silently \
                             ignores it, so no foreign key is created (no integrity check, and no index on the \
                             column). Declare it as a table-level FOREIGN KEY constraint.",
                            t.name.display,
                            fk.col_display.join(", "),
                            fk.ref_table
                        ),
                        format!(
                            "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({ref_cols});",
                            t.name.sql,
                            self.ctx.q(&cname),
                            self.ctx.cols_sql(&fk.col_display),
                            fk.ref_sql
                        ),
                        ref_schema("indexing-foreign-keys"),
                    );
                }
            }
            // unindexed-foreign-key
            if dialect != SqlDialect::Mysql {
                for fk in &t.fks {
                    if fk.cols.is_empty() || t.indexes.iter().any(|i| serves_fk(i, &fk.cols)) {
                        continue;
                    }
                    let who = match dialect {
                        SqlDialect::Postgres => {
                            "PostgreSQL does not index foreign key columns itself"
                        }
                        SqlDialect::Sqlite => "SQLite does not index foreign key columns itself",
                        _ => {
                            "most databases (PostgreSQL, SQLite) do not index foreign key columns themselves (MySQL InnoDB does)"
                        }
                    };
                    self.out.push(
                        fk.stmt,
                        fk.line,
                        "unindexed-foreign-key",
                        Severity::Medium,
                        &t.name.display,
                        fk.col_display.clone(),
                        format!(
                            "Foreign key {}({}) -> {} has no index whose leftmost columns are ({}): {who}. \
                             Every JOIN from {} to its {} rows scans {}, and every DELETE or key UPDATE on {} \
                             scans it too (to check or cascade the reference) while holding locks.",
                            t.name.display,
                            fk.col_display.join(", "),
                            fk.ref_table,
                            fk.col_display.join(", "),
                            fk.ref_table,
                            t.name.display,
                            t.name.display,
                            fk.ref_table
                        ),
                        self.ctx.create_index_sql(&t.name, &fk.col_display),
                        ref_schema("indexing-foreign-keys"),
                    );
                }
            }
            // redundant-index
            for (ai, a) in t.indexes.iter().enumerate() {
                if let Some(b) = redundant_with(t, ai, a) {
                    let name = a
                        .name
                        .clone()
                        .unwrap_or_else(|| "<unnamed index>".to_string());
                    let fix = if a.name.is_some() {
                        self.ctx.drop_index_sql(&t.name, &name)
                    } else {
                        format!(
                            "-- remove the unnamed index on ({}) from the DDL (look up its generated name to drop it)",
                            a.col_display.join(", ")
                        )
                    };
                    let same = a.cols == b.cols;
                    self.out.push(
                        a.stmt,
                        a.line,
                        "redundant-index",
                        Severity::Low,
                        &t.name.display,
                        a.col_display.clone(),
                        format!(
                            "Index {} on {} is {} {}: by the leftmost-prefix rule every query it serves, the \
                             other serves too, while every INSERT, UPDATE and DELETE pays to maintain both (and \
                             both take memory).",
                            a.label(),
                            t.name.display,
                            if same {
                                "a duplicate of"
                            } else {
                                "a leftmost prefix of"
                            },
                            b.label()
                        ),
                        fix,
                        ref_schema("redundant-indexes-and-write-cost"),
                    );
                }
            }
        }
        // MySQL InnoDB creates an index for each foreign key not already served by one.
        if dialect == SqlDialect::Mysql {
            for t in self.catalog.tables.iter_mut().filter(|t| !t.dropped) {
                let mut extra = Vec::new();
                for fk in t.fks.iter().filter(|f| !f.inline) {
                    if fk.cols.is_empty() || t.indexes.iter().any(|i| serves_fk(i, &fk.cols)) {
                        continue;
                    }
                    extra.push(Index {
                        name: fk.name.clone(),
                        cols: fk.cols.iter().cloned().map(Some).collect(),
                        col_display: fk.col_display.clone(),
                        unique: false,
                        primary: false,
                        partial: false,
                        method: Method::BTree,
                        stmt: fk.stmt,
                        line: fk.line,
                        implicit: true,
                    });
                }
                t.indexes.extend(extra);
            }
        }
    }

    // --- queries ------------------------------------------------------------------------------------

    fn query(&mut self, base: usize, qi: usize, stmts: &[Statement]) {
        let mut walker = Walker {
            ctx: &self.ctx,
            catalog: &self.catalog,
            uses: Vec::new(),
            notes: Vec::new(),
            depth_exceeded: false,
        };
        for st in stmts {
            walker.statement(st, &HashSet::new(), 0);
        }
        let Walker {
            uses,
            notes,
            depth_exceeded,
            ..
        } = walker;
        for n in notes {
            self.out.notes.push(format!("queries[{qi}]: {n}"));
        }
        if depth_exceeded {
            self.out.notes.push(format!(
                "queries[{qi}]: nested deeper than {MAX_WALK_DEPTH} levels; the deepest parts were not analysed"
            ));
        }
        let pos = base.saturating_add(qi);
        for u in uses {
            self.judge_use(pos, qi, u);
        }
    }

    fn judge_use(&mut self, pos: usize, qi: usize, u: TableUse) {
        let Some(t) = self.catalog.get(&u.table_key) else {
            if self.unknown_tables_noted.insert((qi, u.table_key.clone())) {
                let seq = self.out.findings.len();
                self.out.findings.push(Pending {
                    pos,
                    seq,
                    finding: Finding {
                        rule: "query-table-unknown".to_string(),
                        severity: Severity::Low,
                        table: u.table_display.clone(),
                        columns: vec![],
                        message: format!(
                            "Query {} uses table {}, which the DDL does not define, so its indexes cannot be \
                             checked. Design from access patterns: include that table's DDL to have the query \
                             checked.",
                            qi.saturating_add(1),
                            u.table_display
                        ),
                        fix: format!(
                            "-- add the CREATE TABLE / CREATE INDEX statements of {} to `ddl`, or check the \
                             query with EXPLAIN on the real database",
                            u.table_display
                        ),
                        reference: ref_schema("design-from-access-patterns"),
                        statement: None,
                        line: None,
                        query: Some(qi.saturating_add(1)),
                    },
                });
            }
            return;
        };
        let mut need = u.need;
        if t.complete {
            let unknown: Vec<String> = need
                .all()
                .into_iter()
                .filter(|c| t.column(c).is_none())
                .collect();
            if !unknown.is_empty() {
                self.out.notes.push(format!(
                    "queries[{qi}]: {} has no column(s) {} in the DDL; ignored",
                    t.name.display,
                    unknown.join(", ")
                ));
                need.retain(|c| t.column(c).is_some());
            }
        }
        let rec = need.recommended();
        if rec.is_empty() {
            return;
        }
        let coverage = coverage(t, &need);
        let partial = match coverage {
            Coverage::Full => return,
            Coverage::Partial(i) => Some(i),
            Coverage::None => None,
        };
        let rec_display: Vec<String> = rec.iter().map(|c| t.col_display(c)).collect();
        if let Some(&fi) = self.query_fixes.get(&(t.name.key.clone(), rec.clone())) {
            if let Some(p) = self.out.findings.get_mut(fi) {
                p.finding.message.push_str(&format!(
                    " Query {} needs the same index.",
                    qi.saturating_add(1)
                ));
            }
            return;
        }
        let mut parts = Vec::new();
        if !need.eq.is_empty() {
            parts.push(format!(
                "filters or joins on {} (equality)",
                need.eq
                    .iter()
                    .map(|c| t.col_display(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !need.range.is_empty() {
            parts.push(format!(
                "ranges over {}",
                need.range
                    .iter()
                    .map(|c| t.col_display(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !need.order.is_empty() {
            parts.push(format!(
                "sorts by {}",
                need.order
                    .iter()
                    .map(|c| t.col_display(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let outside = if t.complete {
            ""
        } else {
            " (only the indexes visible in this DDL were checked)"
        };
        let (severity, verdict) = match &partial {
            Some(i) => (
                Severity::Low,
                format!(
                    "the best index, {}, serves only part of it: the rest is filtered or sorted row by row",
                    i.label()
                ),
            ),
            None => (
                if t.complete {
                    Severity::Medium
                } else {
                    Severity::Low
                },
                format!(
                    "no index on {} has these columns as its leftmost prefix{outside}, so the database scans \
                     the table (a full table scan under load cascades into timeouts)",
                    t.name.display
                ),
            ),
        };
        let message = format!(
            "Query {} on {} {}: {verdict}. Index columns that appear in WHERE, JOIN and ORDER BY, equality \
             columns first; a composite index on (a, b, c) serves (a), (a, b) and (a, b, c) but not (b, c).",
            qi.saturating_add(1),
            t.name.display,
            parts.join(", ")
        );
        let mut fix = self.ctx.create_index_sql(&t.name, &rec_display);
        if let Some(i) = &partial
            && !i.unique
            && !i.implicit
            && let (Some(name), Some(cols)) = (&i.name, i.plain_cols())
            && cols.len() < rec.len()
            && cols.iter().zip(rec.iter()).all(|(a, b)| *a == b.as_str())
        {
            fix.push_str(&format!(
                "\n-- then {} is a leftmost prefix of the new index, hence redundant:\n{}",
                name,
                self.ctx.drop_index_sql(&t.name, name)
            ));
        }
        let key = (t.name.key.clone(), rec);
        let table_display = t.name.display.clone();
        let seq = self.out.findings.len();
        self.out.findings.push(Pending {
            pos,
            seq,
            finding: Finding {
                rule: "query-not-covered".to_string(),
                severity,
                table: table_display,
                columns: rec_display,
                message,
                fix,
                reference: ref_schema("composite-indexes-and-the-leftmost-prefix-rule"),
                statement: None,
                line: None,
                query: Some(qi.saturating_add(1)),
            },
        });
        self.query_fixes.insert(key, seq);
    }

    fn into_output(self, had_queries: bool) -> ReviewSchemaOutput {
        let Reviewer {
            catalog, out, ctx, ..
        } = self;
        let Out {
            mut findings,
            mut notes,
        } = out;
        findings
            .sort_by(|a, b| (a.pos, &a.finding.rule, a.seq).cmp(&(b.pos, &b.finding.rule, b.seq)));
        let findings: Vec<Finding> = findings.into_iter().map(|p| p.finding).collect();
        let mut summary = SeveritySummary::default();
        for f in &findings {
            match f.severity {
                Severity::High => summary.high += 1,
                Severity::Medium => summary.medium += 1,
                Severity::Low => summary.low += 1,
            }
        }
        summary.total = findings.len();
        let mut references: Vec<String> = Vec::new();
        for f in &findings {
            if !references.contains(&f.reference) {
                references.push(f.reference.clone());
            }
        }
        if !had_queries {
            notes.push(
                "no `queries` given: pass the application's SELECT/UPDATE/DELETE statements to check that an \
                 index serves each one"
                    .to_string(),
            );
            let r = ref_schema("design-from-access-patterns");
            if !references.contains(&r) {
                references.push(r);
            }
        }
        let tables = catalog
            .live()
            .map(|t| TableSummary {
                name: t.name.display.clone(),
                created_in_script: t.created_stmt.is_some(),
                column_count: t.columns.len(),
                primary_key: t
                    .indexes
                    .iter()
                    .find(|i| i.primary)
                    .map(|i| i.col_display.clone())
                    .unwrap_or_default(),
                indexes: t
                    .indexes
                    .iter()
                    .map(|i| IndexSummary {
                        name: i.name.clone(),
                        columns: i.col_display.clone(),
                        unique: i.unique,
                        primary: i.primary,
                        partial: i.partial,
                        implicit: i.implicit,
                    })
                    .collect(),
                foreign_keys: t
                    .fks
                    .iter()
                    .map(|f| ForeignKeySummary {
                        name: f.name.clone(),
                        columns: f.col_display.clone(),
                        references_table: f.ref_table.clone(),
                        references_columns: f.ref_cols.clone(),
                    })
                    .collect(),
            })
            .collect();
        ReviewSchemaOutput {
            dialect: ctx.dialect,
            findings,
            tables,
            summary,
            notes,
            references,
        }
    }
}

fn missing_pk_advice(ctx: &Ctx, t: &Table) -> (String, String) {
    let tsql = &t.name.sql;
    let why = match ctx.dialect {
        SqlDialect::Mysql => {
            " InnoDB then clusters the rows on a hidden row id you cannot use, and row-based replication \
             must scan the table for every changed row."
        }
        SqlDialect::Postgres => {
            " PostgreSQL logical replication cannot replicate its UPDATEs and DELETEs without one."
        }
        SqlDialect::Sqlite => {
            " SQLite's implicit rowid can change on VACUUM unless an INTEGER PRIMARY KEY aliases it."
        }
        SqlDialect::Generic => "",
    };
    let message = format!(
        "Table {} has no primary key: rows cannot be addressed reliably (updates, deletes, replication, \
         change data capture), duplicates creep in, and no other table can reference it.{why} Give every \
         table a primary key: a surrogate bigint identity (or a time-ordered UUID when ids are generated \
         outside the database), or the natural composite key of a join table.",
        t.name.display
    );
    let fk_cols: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for fk in &t.fks {
            for c in &fk.col_display {
                if !v.contains(c) {
                    v.push(c.clone());
                }
            }
        }
        v
    };
    let fix = if t.column("id").is_some() {
        match ctx.dialect {
            SqlDialect::Sqlite => format!(
                "-- SQLite cannot add a primary key with ALTER TABLE: declare it in the CREATE TABLE\n\
                 --   id INTEGER PRIMARY KEY\n\
                 -- (for an existing table: create {s}_new with the key, INSERT INTO {s}_new SELECT ..., drop, rename)",
                s = sanitize(&t.name.short)
            ),
            _ => format!("ALTER TABLE {tsql} ADD PRIMARY KEY (id);"),
        }
    } else if t.fks.len() >= 2 && fk_cols.len() >= 2 {
        match ctx.dialect {
            SqlDialect::Sqlite => format!(
                "-- declare the natural key of this join table in the CREATE TABLE:\n--   PRIMARY KEY ({})",
                ctx.cols_sql(&fk_cols)
            ),
            _ => format!(
                "ALTER TABLE {tsql} ADD PRIMARY KEY ({});  -- the natural key of this join table",
                ctx.cols_sql(&fk_cols)
            ),
        }
    } else {
        match ctx.dialect {
            SqlDialect::Postgres | SqlDialect::Generic => format!(
                "ALTER TABLE {tsql} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;\n\
                 -- or declare it in the CREATE TABLE: id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
            ),
            SqlDialect::Mysql => format!(
                "ALTER TABLE {tsql} ADD COLUMN id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST;"
            ),
            SqlDialect::Sqlite => {
                "-- SQLite cannot add a primary key with ALTER TABLE: declare it in the CREATE TABLE\n\
                 --   id INTEGER PRIMARY KEY"
                    .to_string()
            }
        }
    };
    (message, fix)
}

/// The index `a` (at position `ai`) is redundant if another index on the table makes it so.
fn redundant_with<'t>(t: &'t Table, ai: usize, a: &Index) -> Option<&'t Index> {
    if a.primary || a.implicit || a.partial || a.method != Method::BTree {
        return None;
    }
    let acols = a.plain_cols()?;
    if acols.is_empty() {
        return None;
    }
    for (bi, b) in t.indexes.iter().enumerate() {
        if bi == ai || b.partial || b.implicit || b.method != Method::BTree {
            continue;
        }
        let Some(bcols) = b.plain_cols() else {
            continue;
        };
        if bcols.len() < acols.len() || !acols.iter().zip(bcols.iter()).all(|(x, y)| x == y) {
            continue;
        }
        let same = bcols.len() == acols.len();
        if !same {
            // A strict prefix: redundant unless it enforces uniqueness on fewer columns.
            if !a.unique {
                return Some(b);
            }
            continue;
        }
        // Same columns: keep the stronger one (primary > unique > plain), else the earlier one.
        let rank = |i: &Index| {
            if i.primary {
                2
            } else if i.unique {
                1
            } else {
                0
            }
        };
        if rank(b) > rank(a) || (rank(b) == rank(a) && bi < ai) {
            return Some(b);
        }
    }
    None
}

fn serves_fk(i: &Index, cols: &[String]) -> bool {
    if i.partial || i.cols.len() < cols.len() {
        return false;
    }
    match i.method {
        Method::Other => false,
        Method::Hash => {
            cols.len() == 1
                && i.cols.len() == 1
                && i.cols.first().and_then(|c| c.as_deref()) == cols.first().map(String::as_str)
        }
        Method::BTree => {
            let prefix: HashSet<&str> = i
                .cols
                .iter()
                .take(cols.len())
                .filter_map(|c| c.as_deref())
                .collect();
            prefix.len() == cols.len() && cols.iter().all(|c| prefix.contains(c.as_str()))
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Column and constraint replay
// ---------------------------------------------------------------------------------------------------

fn is_auto_increment(o: &ColumnOption) -> bool {
    if let ColumnOption::DialectSpecific(tokens) = o {
        tokens.iter().any(|t| {
            matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case("AUTO_INCREMENT")
                || w.value.eq_ignore_ascii_case("AUTOINCREMENT"))
        })
    } else {
        false
    }
}

fn method_of(t: Option<&IndexType>) -> Method {
    match t {
        None | Some(IndexType::BTree) => Method::BTree,
        Some(IndexType::Hash) => Method::Hash,
        Some(IndexType::Custom(i)) if i.value.eq_ignore_ascii_case("btree") => Method::BTree,
        Some(_) => Method::Other,
    }
}

/// The column key and display text of one index key part.
fn index_col(ctx: &Ctx, ic: &IndexColumn) -> (Option<String>, String) {
    match &ic.column.expr {
        Expr::Identifier(id) => (Some(id.value.to_lowercase()), ctx.ident_display(id)),
        Expr::CompoundIdentifier(parts) => match parts.last() {
            Some(id) => (Some(id.value.to_lowercase()), ctx.ident_display(id)),
            None => (None, String::new()),
        },
        // MySQL prefix index `name(10)` parses as a call with one numeric argument.
        Expr::Function(f) if ctx.dialect == SqlDialect::Mysql => {
            let numeric_arg = match &f.args {
                FunctionArguments::List(l) => {
                    l.args.len() == 1
                        && matches!(
                            l.args.first(),
                            Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v))))
                                if matches!(v.value, Value::Number(..))
                        )
                }
                _ => false,
            };
            match object_idents(&f.name) {
                Some(ids) if numeric_arg && ids.len() == 1 => match ids.first() {
                    Some(id) => (Some(id.value.to_lowercase()), ctx.ident_display(id)),
                    None => (None, ic.column.expr.to_string()),
                },
                _ => (None, ic.column.expr.to_string()),
            }
        }
        other => (None, other.to_string()),
    }
}

fn index_from(
    ctx: &Ctx,
    name: Option<&Ident>,
    columns: &[IndexColumn],
    unique: bool,
    primary: bool,
    method: Method,
    loc: &Loc,
) -> Index {
    let (cols, col_display) = columns.iter().map(|c| index_col(ctx, c)).unzip();
    Index {
        name: name.map(|n| ctx.ident_display(n)),
        cols,
        col_display,
        unique,
        primary,
        partial: false,
        method,
        stmt: loc.pos,
        line: loc.line,
        implicit: false,
    }
}

fn fk_from(ctx: &Ctx, fk: &ForeignKeyConstraint, own: Option<&Ident>, loc: &Loc) -> ForeignKey {
    let cols: Vec<&Ident> = if fk.columns.is_empty() {
        own.into_iter().collect()
    } else {
        fk.columns.iter().collect()
    };
    let rt = ctx.table_name(&fk.foreign_table);
    ForeignKey {
        name: fk.name.as_ref().map(|n| ctx.ident_display(n)),
        cols: cols.iter().map(|c| c.value.to_lowercase()).collect(),
        col_display: cols.iter().map(|c| ctx.ident_display(c)).collect(),
        ref_table: rt.display,
        ref_sql: rt.sql,
        inline: fk.columns.is_empty() && own.is_some(),
        ref_cols: fk
            .referred_columns
            .iter()
            .map(|c| ctx.ident_display(c))
            .collect(),
        stmt: loc.pos,
        line: loc.line,
    }
}

/// Adds a column definition (and its inline constraints) to `t`. `fresh`: the table is being created, so
/// the column cannot exist yet (skips the duplicate lookup, which would be quadratic on huge tables).
fn add_column(ctx: &Ctx, t: &mut Table, def: &ColumnDef, loc: &Loc, fresh: bool) {
    let key = def.name.value.to_lowercase();
    let display = ctx.ident_display(&def.name);
    let mut not_null = false;
    let mut has_default = is_serial(&def.data_type);
    let own = IndexColumn::from(def.name.clone());
    for o in &def.options {
        match &o.option {
            ColumnOption::NotNull => not_null = true,
            ColumnOption::Default(_)
            | ColumnOption::Materialized(_)
            | ColumnOption::Alias(_)
            | ColumnOption::Ephemeral(_)
            | ColumnOption::Generated { .. }
            | ColumnOption::Identity(_) => has_default = true,
            ColumnOption::PrimaryKey(pk) => {
                not_null = true;
                let cols = if pk.columns.is_empty() {
                    std::slice::from_ref(&own)
                } else {
                    pk.columns.as_slice()
                };
                let name = o.name.as_ref().or(pk.name.as_ref());
                let method = method_of(pk.index_type.as_ref());
                t.indexes
                    .push(index_from(ctx, name, cols, true, true, method, loc));
            }
            ColumnOption::Unique(u) => {
                let cols = if u.columns.is_empty() {
                    std::slice::from_ref(&own)
                } else {
                    u.columns.as_slice()
                };
                let name = o
                    .name
                    .as_ref()
                    .or(u.index_name.as_ref())
                    .or(u.name.as_ref());
                let method = method_of(u.index_type.as_ref());
                t.indexes
                    .push(index_from(ctx, name, cols, true, false, method, loc));
            }
            ColumnOption::ForeignKey(fk) => {
                let mut f = fk_from(ctx, fk, Some(&def.name), loc);
                if f.name.is_none() {
                    f.name = o.name.as_ref().map(|n| ctx.ident_display(n));
                }
                t.fks.push(f);
            }
            other => {
                if is_auto_increment(other) {
                    has_default = true;
                }
            }
        }
    }
    let col = Column {
        key,
        display,
        data_type: Some(def.data_type.clone()),
        not_null,
        has_default,
    };
    if fresh {
        t.columns.push(col);
    } else {
        t.upsert_column(col);
    }
}

fn apply_constraint(ctx: &Ctx, t: &mut Table, c: &TableConstraint, loc: &Loc) {
    match c {
        TableConstraint::PrimaryKey(pk) => {
            t.indexes.retain(|i| !i.primary);
            let name = pk.name.as_ref().or(pk.index_name.as_ref());
            t.indexes.push(index_from(
                ctx,
                name,
                &pk.columns,
                true,
                true,
                method_of(pk.index_type.as_ref()),
                loc,
            ));
            for ic in &pk.columns {
                if let (Some(k), _) = index_col(ctx, ic)
                    && let Some(col) = t.column_mut(&k)
                {
                    col.not_null = true;
                }
            }
        }
        TableConstraint::Unique(u) => {
            let name = u.index_name.as_ref().or(u.name.as_ref());
            t.indexes.push(index_from(
                ctx,
                name,
                &u.columns,
                true,
                false,
                method_of(u.index_type.as_ref()),
                loc,
            ));
        }
        TableConstraint::ForeignKey(fk) => t.fks.push(fk_from(ctx, fk, None, loc)),
        TableConstraint::Index(ic) => t.indexes.push(index_from(
            ctx,
            ic.name.as_ref(),
            &ic.columns,
            false,
            false,
            method_of(ic.index_type.as_ref()),
            loc,
        )),
        TableConstraint::FulltextOrSpatial(f) => t.indexes.push(index_from(
            ctx,
            f.opt_index_name.as_ref(),
            &f.columns,
            false,
            false,
            Method::Other,
            loc,
        )),
        TableConstraint::PrimaryKeyUsingIndex(u) | TableConstraint::UniqueUsingIndex(u) => {
            let primary = matches!(c, TableConstraint::PrimaryKeyUsingIndex(_));
            let iname = u.index_name.value.to_lowercase();
            if primary {
                t.indexes.retain(|i| !i.primary);
            }
            if let Some(i) = t
                .indexes
                .iter_mut()
                .find(|i| i.name.as_deref().is_some_and(|n| eq_ci(n, &iname)))
            {
                i.unique = true;
                i.primary = primary;
                if let Some(n) = &u.name {
                    i.name = Some(ctx.ident_display(n));
                }
            }
        }
        TableConstraint::Check(_) | TableConstraint::Exclude(_) => {}
    }
}

/// Column-level rules: plaintext secrets, float money, timestamps without time zone.
fn check_column_type(
    ctx: &Ctx,
    table: &TableName,
    col: &str,
    dt: &DataType,
    existing: bool,
    loc: &Loc,
    out: &mut Out,
) {
    let ty = classify(dt, ctx.dialect);
    let c = ctx.q(col);
    let tsql = &table.sql;
    // plaintext-secret
    if matches!(ty, Ty::Text(_) | Ty::Uuid | Ty::Other(_))
        && let Some(kind) = secret_kind(col)
    {
        let hash_type = match ctx.dialect {
            SqlDialect::Postgres => "bytea",
            SqlDialect::Mysql => "BINARY(32)",
            SqlDialect::Sqlite | SqlDialect::Generic => "BLOB",
        };
        let (what, anchor, fix) = match kind {
            SecretKind::Password => (
                "a password column that is not a hash: never store plain-text passwords; store only a slow, \
                 salted hash (argon2id, or bcrypt with cost 12+), so a leaked table does not leak passwords",
                "password-storage",
                format!(
                    "ALTER TABLE {tsql} ADD COLUMN {h} text;  -- argon2id / bcrypt encoded hash (includes the salt)\n\
                     -- application: hash with argon2id on signup and password change; on login verify and, for \
                     users still on {col}, hash it into {h}; force a reset for the rest\n\
                     ALTER TABLE {tsql} DROP COLUMN {c};  -- in a later release, once backfilled",
                    h = ctx.q(&format!("{}_hash", sanitize(col)))
                ),
            ),
            SecretKind::Token => (
                "a token stored as plaintext: anyone who can read the table (a backup, a replica, an SQL \
                 injection) can use every token. Store a SHA-256 digest (or HMAC-SHA-256 with a server-side key) \
                 and compare digests; show the token only once, at creation",
                "secrets-management",
                format!(
                    "ALTER TABLE {tsql} ADD COLUMN {h} {hash_type};  -- SHA-256 / HMAC-SHA-256 of the token\n\
                     -- application: look tokens up by digest; backfill digests, then in a later release:\n\
                     ALTER TABLE {tsql} DROP COLUMN {c};",
                    h = ctx.q(&format!("{}_digest", sanitize(col)))
                ),
            ),
            SecretKind::Key => (
                "a secret or key stored as plaintext. If you only need to verify it (API keys you issue), store \
                 a SHA-256/HMAC digest; if you must use it (third-party credentials), keep it in a secrets \
                 manager (Vault, AWS Secrets Manager) or encrypt it with a KMS-managed key, never in clear",
                "secrets-management",
                format!(
                    "-- keys you issue: ALTER TABLE {tsql} ADD COLUMN {h} {hash_type};  -- SHA-256 / HMAC digest\n\
                     -- credentials you must use: store a reference to the secrets manager instead, e.g.\n\
                     ALTER TABLE {tsql} ADD COLUMN {r} text;\n\
                     ALTER TABLE {tsql} DROP COLUMN {c};  -- after migrating the values out",
                    h = ctx.q(&format!("{}_digest", sanitize(col))),
                    r = ctx.q(&format!("{}_secret_ref", sanitize(col)))
                ),
            ),
        };
        out.push(
            loc.pos,
            loc.line,
            "plaintext-secret",
            Severity::High,
            &table.display,
            vec![col.to_string()],
            format!("{}.{col} ({dt}) looks like {what}.", table.display),
            fix,
            ref_security(anchor),
        );
    }
    // float-money
    if matches!(ty, Ty::Float(_)) && is_money_name(col) {
        let fix = match ctx.dialect {
            SqlDialect::Sqlite => format!(
                "-- SQLite has no exact decimal type (NUMERIC affinity still stores fractions as floats): store \
                 integer minor units, e.g. {}_cents INTEGER NOT NULL, and the currency code beside it",
                sanitize(col)
            ),
            SqlDialect::Mysql => {
                if existing {
                    ctx.alter_type_sql(table, col, "DECIMAL(19,4)")
                } else {
                    format!(
                        "-- declare it exact: {c} DECIMAL(19,4) (or {}_cents BIGINT minor units)",
                        sanitize(col)
                    )
                }
            }
            SqlDialect::Postgres | SqlDialect::Generic => {
                if existing {
                    ctx.alter_type_sql(table, col, "numeric(19,4)")
                } else {
                    format!(
                        "-- declare it exact: {c} numeric(19,4) (or {}_cents bigint minor units)",
                        sanitize(col)
                    )
                }
            }
        };
        out.push(
            loc.pos,
            loc.line,
            "float-money",
            Severity::High,
            &table.display,
            vec![col.to_string()],
            format!(
                "{}.{col} holds money in {dt}, a binary floating-point type: 0.1 + 0.2 is not 0.3, so sums and \
                 rounding drift by cents. Use numeric/decimal(precision, scale) or integer minor units (cents).",
                table.display
            ),
            fix,
            ref_schema("money-and-time-data-types"),
        );
    }
    // timestamp-without-time-zone
    if ctx.dialect == SqlDialect::Postgres
        && matches!(
            dt,
            DataType::Timestamp(_, TimezoneInfo::None | TimezoneInfo::WithoutTimeZone)
        )
    {
        let fix = if existing {
            format!(
                "ALTER TABLE {tsql} ALTER COLUMN {c} TYPE timestamptz USING {c} AT TIME ZONE 'UTC';  -- rewrites \
                 the table: expand-contract on a large one"
            )
        } else {
            format!("-- declare it as: {c} timestamptz")
        };
        out.push(
            loc.pos,
            loc.line,
            "timestamp-without-time-zone",
            Severity::Low,
            &table.display,
            vec![col.to_string()],
            format!(
                "{}.{col} is a timestamp without time zone: the instant it denotes depends on the writer's \
                 session time zone, and DST changes make values ambiguous. Use timestamptz (stores an \
                 absolute instant).",
                table.display
            ),
            fix,
            ref_schema("money-and-time-data-types"),
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// Query analysis
// ---------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Need {
    eq: Vec<String>,
    range: Vec<String>,
    order: Vec<String>,
}

impl Need {
    fn is_empty(&self) -> bool {
        self.eq.is_empty() && self.range.is_empty() && self.order.is_empty()
    }

    fn all(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for c in self.eq.iter().chain(&self.range).chain(&self.order) {
            if !v.contains(c) {
                v.push(c.clone());
            }
        }
        v
    }

    fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.eq.retain(|c| keep(c));
        self.range.retain(|c| keep(c));
        self.order.retain(|c| keep(c));
    }

    /// Equality columns first, then range, then order columns.
    fn recommended(&self) -> Vec<String> {
        self.all()
    }

    fn push(list: &mut Vec<String>, col: String) {
        if !list.contains(&col) {
            list.push(col);
        }
    }
}

enum Coverage {
    Full,
    Partial(Index),
    None,
}

fn coverage(t: &Table, need: &Need) -> Coverage {
    let eq: HashSet<&str> = need.eq.iter().map(String::as_str).collect();
    let tail: HashSet<&str> = need
        .range
        .iter()
        .chain(&need.order)
        .map(String::as_str)
        .filter(|c| !eq.contains(c))
        .collect();
    let mut best: Option<(usize, &Index)> = None;
    for i in &t.indexes {
        let score = match i.method {
            Method::Other => continue,
            Method::Hash => {
                let single = match i.cols.as_slice() {
                    [Some(c)] => Some(c.as_str()),
                    _ => None,
                };
                match single {
                    Some(c) if eq.contains(c) => {
                        if eq.len() == 1 && tail.is_empty() {
                            return Coverage::Full;
                        }
                        2
                    }
                    _ => continue,
                }
            }
            Method::BTree => {
                if i.unique
                    && !i.partial
                    && !i.cols.is_empty()
                    && i.cols
                        .iter()
                        .all(|c| c.as_deref().is_some_and(|c| eq.contains(c)))
                {
                    return Coverage::Full;
                }
                let lead_eq = i
                    .cols
                    .iter()
                    .take_while(|c| c.as_deref().is_some_and(|c| eq.contains(c)))
                    .count();
                let next_tail = i
                    .cols
                    .get(lead_eq)
                    .and_then(|c| c.as_deref())
                    .is_some_and(|c| tail.contains(c));
                if lead_eq >= eq.len() && (tail.is_empty() || next_tail) {
                    return Coverage::Full;
                }
                lead_eq
                    .saturating_mul(2)
                    .saturating_add(usize::from(next_tail))
            }
        };
        if score > 0 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, i));
        }
    }
    match best {
        Some((_, i)) => Coverage::Partial(i.clone()),
        None => Coverage::None,
    }
}

struct TableUse {
    table_key: String,
    table_display: String,
    need: Need,
}

/// One table (or CTE / derived table) in a query's FROM clause.
struct Inst {
    /// Catalog key of a base table; `None` for CTEs, derived tables and table functions.
    table: Option<String>,
    display: String,
    /// Alias (lower case) or the table's unqualified name.
    qualifier: String,
    /// The unqualified table name (lower case), also accepted as a qualifier.
    table_short: Option<String>,
    /// Known columns (tables created in the script).
    columns: Option<HashSet<String>>,
}

#[derive(Default)]
struct Scope {
    insts: Vec<Inst>,
}

impl Scope {
    fn by_qualifier(&self, q: &str) -> Option<usize> {
        self.insts
            .iter()
            .position(|i| i.qualifier == q)
            .or_else(|| {
                self.insts
                    .iter()
                    .position(|i| i.table_short.as_deref() == Some(q))
            })
    }

    fn owner_of(&self, col: &str) -> Option<usize> {
        let known: Vec<usize> = self
            .insts
            .iter()
            .enumerate()
            .filter(|(_, i)| i.columns.as_ref().is_some_and(|c| c.contains(col)))
            .map(|(n, _)| n)
            .collect();
        match known.as_slice() {
            [one] => Some(*one),
            [] if self.insts.len() == 1 => Some(0),
            [] => {
                // Only one table whose columns are unknown could own it.
                let unknown: Vec<usize> = self
                    .insts
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| i.columns.is_none())
                    .map(|(n, _)| n)
                    .collect();
                match unknown.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn knows_column(&self, col: &str) -> bool {
        self.insts
            .iter()
            .any(|i| i.columns.as_ref().is_some_and(|c| c.contains(col)))
    }
}

/// A column reference resolved in the current scope.
#[derive(Clone)]
struct ColRef {
    inst: usize,
    col: String,
}

enum Side {
    /// A column of an instance in the current scope.
    Col(ColRef),
    /// Anything else: a constant, a parameter, an outer column, an expression.
    Other,
}

#[derive(Clone, Copy)]
enum Kind {
    Eq,
    Range,
}

struct Walker<'a> {
    ctx: &'a Ctx,
    catalog: &'a Catalog,
    uses: Vec<TableUse>,
    notes: Vec<String>,
    depth_exceeded: bool,
}

fn join_constraint(op: &JoinOperator) -> Option<&JoinConstraint> {
    match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::CrossJoin(c)
        | JoinOperator::Semi(c)
        | JoinOperator::LeftSemi(c)
        | JoinOperator::RightSemi(c)
        | JoinOperator::Anti(c)
        | JoinOperator::LeftAnti(c)
        | JoinOperator::RightAnti(c)
        | JoinOperator::StraightJoin(c) => Some(c),
        JoinOperator::AsOf { constraint, .. } => Some(constraint),
        _ => None,
    }
}

impl<'a> Walker<'a> {
    fn deep(&mut self, depth: usize) -> bool {
        if depth > MAX_WALK_DEPTH {
            self.depth_exceeded = true;
            true
        } else {
            false
        }
    }

    fn statement(&mut self, st: &Statement, ctes: &HashSet<String>, depth: usize) {
        if self.deep(depth) {
            return;
        }
        match st {
            Statement::Query(q) => self.query(q, &[], ctes, depth + 1),
            Statement::Update(u) => {
                let mut scope = Scope::default();
                let mut conds: Vec<&Expr> = Vec::new();
                let mut usings = Vec::new();
                self.add_twj(
                    &u.table,
                    &mut scope,
                    &mut conds,
                    &mut usings,
                    &[],
                    ctes,
                    depth,
                );
                if let Some(from) = &u.from {
                    let v = match from {
                        UpdateTableFromKind::BeforeSet(v) | UpdateTableFromKind::AfterSet(v) => v,
                    };
                    for twj in v {
                        self.add_twj(twj, &mut scope, &mut conds, &mut usings, &[], ctes, depth);
                    }
                }
                if let Some(w) = &u.selection {
                    conds.push(w);
                }
                self.finish_scope(scope, conds, usings, Some(&u.order_by), &[], ctes, depth);
            }
            Statement::Delete(d) => {
                let mut scope = Scope::default();
                let mut conds: Vec<&Expr> = Vec::new();
                let mut usings = Vec::new();
                let v = match &d.from {
                    FromTable::WithFromKeyword(v) | FromTable::WithoutKeyword(v) => v,
                };
                for twj in v.iter().chain(d.using.iter().flatten()) {
                    self.add_twj(twj, &mut scope, &mut conds, &mut usings, &[], ctes, depth);
                }
                if let Some(w) = &d.selection {
                    conds.push(w);
                }
                self.finish_scope(scope, conds, usings, Some(&d.order_by), &[], ctes, depth);
            }
            Statement::Insert(ins) => {
                if let Some(src) = &ins.source {
                    self.query(src, &[], ctes, depth + 1);
                }
            }
            Statement::Explain { statement, .. } => self.statement(statement, ctes, depth + 1),
            _ => self
                .notes
                .push("not a SELECT, UPDATE, DELETE or INSERT ... SELECT; skipped".to_string()),
        }
    }

    fn query(&mut self, q: &Query, outer: &[&Scope], ctes: &HashSet<String>, depth: usize) {
        if self.deep(depth) {
            return;
        }
        let mut ctes = ctes.clone();
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                ctes.insert(cte.alias.name.value.to_lowercase());
            }
            for cte in &with.cte_tables {
                self.query(&cte.query, &[], &ctes, depth + 1);
            }
        }
        let order = q.order_by.as_ref().and_then(|o| match &o.kind {
            OrderByKind::Expressions(v) => Some(v),
            OrderByKind::All(_) => None,
        });
        self.set_expr(&q.body, order, outer, &ctes, depth + 1);
    }

    fn set_expr(
        &mut self,
        body: &SetExpr,
        order: Option<&Vec<OrderByExpr>>,
        outer: &[&Scope],
        ctes: &HashSet<String>,
        depth: usize,
    ) {
        if self.deep(depth) {
            return;
        }
        match body {
            SetExpr::Select(s) => self.select(s, order, outer, ctes, depth + 1),
            SetExpr::Query(q) => self.query(q, outer, ctes, depth + 1),
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left, None, outer, ctes, depth + 1);
                self.set_expr(right, None, outer, ctes, depth + 1);
            }
            SetExpr::Insert(st) | SetExpr::Update(st) | SetExpr::Delete(st) => {
                self.statement(st, ctes, depth + 1)
            }
            _ => {}
        }
    }

    fn select(
        &mut self,
        s: &Select,
        order: Option<&Vec<OrderByExpr>>,
        outer: &[&Scope],
        ctes: &HashSet<String>,
        depth: usize,
    ) {
        let mut scope = Scope::default();
        let mut conds: Vec<&Expr> = Vec::new();
        let mut usings = Vec::new();
        for twj in &s.from {
            self.add_twj(twj, &mut scope, &mut conds, &mut usings, outer, ctes, depth);
        }
        if let Some(w) = &s.selection {
            conds.push(w);
        }
        // Subqueries in the projection see this scope.
        {
            let mut inner_outer: Vec<&Scope> = vec![&scope];
            inner_outer.extend(outer.iter().copied());
            for item in &s.projection {
                if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item
                {
                    self.subqueries(e, &inner_outer, ctes, depth + 1);
                }
            }
        }
        let order_slice = order.map(|v| v.as_slice());
        self.finish_scope(scope, conds, usings, order_slice, outer, ctes, depth);
    }

    #[allow(clippy::too_many_arguments)]
    fn add_twj<'q>(
        &mut self,
        twj: &'q TableWithJoins,
        scope: &mut Scope,
        conds: &mut Vec<&'q Expr>,
        usings: &mut Vec<(usize, usize, Vec<String>)>,
        outer: &[&Scope],
        ctes: &HashSet<String>,
        depth: usize,
    ) {
        if self.deep(depth) {
            return;
        }
        self.add_factor(&twj.relation, scope, conds, usings, outer, ctes, depth + 1);
        for j in &twj.joins {
            let left_end = scope.insts.len();
            self.add_factor(&j.relation, scope, conds, usings, outer, ctes, depth + 1);
            match join_constraint(&j.join_operator) {
                Some(JoinConstraint::On(e)) => conds.push(e),
                Some(JoinConstraint::Using(names)) => {
                    let cols = names
                        .iter()
                        .filter_map(|n| {
                            object_idents(n).and_then(|v| v.last().map(|i| i.value.to_lowercase()))
                        })
                        .collect();
                    usings.push((left_end, scope.insts.len(), cols));
                }
                _ => {}
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_factor<'q>(
        &mut self,
        tf: &'q TableFactor,
        scope: &mut Scope,
        conds: &mut Vec<&'q Expr>,
        usings: &mut Vec<(usize, usize, Vec<String>)>,
        outer: &[&Scope],
        ctes: &HashSet<String>,
        depth: usize,
    ) {
        if self.deep(depth) {
            return;
        }
        match tf {
            TableFactor::Table { name, alias, .. } => {
                let idents = object_idents(name);
                let short = idents
                    .as_ref()
                    .and_then(|v| v.last().map(|i| i.value.to_lowercase()))
                    .unwrap_or_default();
                let single = idents.as_ref().is_some_and(|v| v.len() == 1);
                // MySQL's DUAL is a placeholder, not a table.
                if single && short == "dual" {
                    return;
                }
                let is_cte = single && ctes.contains(&short);
                let qualifier = alias
                    .as_ref()
                    .map(|a| a.name.value.to_lowercase())
                    .unwrap_or_else(|| short.clone());
                if is_cte {
                    scope.insts.push(Inst {
                        table: None,
                        display: short.clone(),
                        qualifier,
                        table_short: Some(short),
                        columns: None,
                    });
                } else {
                    let tn = self.ctx.table_name(name);
                    let columns = self
                        .catalog
                        .get(&tn.key)
                        .filter(|t| t.complete)
                        .map(|t| t.columns.iter().map(|c| c.key.clone()).collect());
                    scope.insts.push(Inst {
                        table: Some(tn.key),
                        display: tn.display,
                        qualifier,
                        table_short: Some(short),
                        columns,
                    });
                }
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                self.query(subquery, outer, ctes, depth + 1);
                scope.insts.push(Inst {
                    table: None,
                    display: String::new(),
                    qualifier: alias
                        .as_ref()
                        .map(|a| a.name.value.to_lowercase())
                        .unwrap_or_default(),
                    table_short: None,
                    columns: None,
                });
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => self.add_twj(
                table_with_joins,
                scope,
                conds,
                usings,
                outer,
                ctes,
                depth + 1,
            ),
            _ => scope.insts.push(Inst {
                table: None,
                display: String::new(),
                qualifier: String::new(),
                table_short: None,
                columns: None,
            }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_scope(
        &mut self,
        scope: Scope,
        conds: Vec<&Expr>,
        usings: Vec<(usize, usize, Vec<String>)>,
        order: Option<&[OrderByExpr]>,
        outer: &[&Scope],
        ctes: &HashSet<String>,
        depth: usize,
    ) {
        let mut needs: Vec<Need> = vec![Need::default(); scope.insts.len()];
        for c in conds {
            self.conjuncts(c, &scope, outer, &mut needs, ctes, depth + 1);
        }
        for (left_end, right_end, cols) in usings {
            for col in cols {
                for (n, inst) in scope.insts.iter().enumerate().take(right_end) {
                    let right = n >= left_end;
                    let has = inst.columns.as_ref().is_none_or(|c| c.contains(&col));
                    if (right || has)
                        && let Some(need) = needs.get_mut(n)
                    {
                        Need::push(&mut need.eq, col.clone());
                    }
                }
            }
        }
        if let Some(order) = order
            && !order.is_empty()
        {
            let refs: Vec<Option<ColRef>> = order
                .iter()
                .map(|o| match resolve(&o.expr, &scope) {
                    Side::Col(c) => Some(c),
                    Side::Other => None,
                })
                .collect();
            if let Some(first) = refs.first().and_then(|r| r.as_ref()) {
                let inst = first.inst;
                if refs
                    .iter()
                    .all(|r| r.as_ref().is_some_and(|r| r.inst == inst))
                    && let Some(need) = needs.get_mut(inst)
                {
                    for r in refs.into_iter().flatten() {
                        Need::push(&mut need.order, r.col);
                    }
                }
            }
        }
        for (inst, need) in scope.insts.iter().zip(needs) {
            if let Some(key) = &inst.table
                && !need.is_empty()
            {
                self.uses.push(TableUse {
                    table_key: key.clone(),
                    table_display: inst.display.clone(),
                    need,
                });
            } else if let Some(key) = &inst.table
                && self.catalog.get(key).is_none()
            {
                // Report tables unknown to the DDL even when the query has no predicate on them.
                self.uses.push(TableUse {
                    table_key: key.clone(),
                    table_display: inst.display.clone(),
                    need,
                });
            }
        }
    }

    /// Walks the AND-conjuncts of a predicate (iteratively) and records index-usable columns.
    fn conjuncts(
        &mut self,
        expr: &Expr,
        scope: &Scope,
        outer: &[&Scope],
        needs: &mut [Need],
        ctes: &HashSet<String>,
        depth: usize,
    ) {
        let mut inner_outer: Vec<&Scope> = vec![scope];
        inner_outer.extend(outer.iter().copied());
        let mut stack: Vec<&Expr> = vec![expr];
        while let Some(e) = stack.pop() {
            match e {
                Expr::BinaryOp {
                    left,
                    op: BinaryOperator::And,
                    right,
                } => {
                    stack.push(right);
                    stack.push(left);
                    continue;
                }
                Expr::Nested(inner) => {
                    stack.push(inner);
                    continue;
                }
                Expr::BinaryOp { left, op, right } => {
                    let kind = match op {
                        BinaryOperator::Eq => Some(Kind::Eq),
                        BinaryOperator::Lt
                        | BinaryOperator::Gt
                        | BinaryOperator::LtEq
                        | BinaryOperator::GtEq => Some(Kind::Range),
                        _ => None,
                    };
                    if let Some(kind) = kind {
                        record_pair(left, right, kind, scope, needs);
                        record_pair(right, left, kind, scope, needs);
                    }
                }
                Expr::Between {
                    expr: inner,
                    negated: false,
                    low,
                    high,
                } => {
                    if let Side::Col(c) = resolve(inner, scope)
                        && !refs_inst(low, scope, c.inst)
                        && !refs_inst(high, scope, c.inst)
                        && let Some(n) = needs.get_mut(c.inst)
                    {
                        Need::push(&mut n.range, c.col);
                    }
                }
                Expr::InList {
                    expr: inner,
                    negated: false,
                    list,
                } => {
                    if let Side::Col(c) = resolve(inner, scope)
                        && !list.iter().any(|x| refs_inst(x, scope, c.inst))
                        && let Some(n) = needs.get_mut(c.inst)
                    {
                        Need::push(&mut n.eq, c.col);
                    }
                }
                Expr::InSubquery {
                    expr: inner,
                    negated: false,
                    ..
                }
                | Expr::IsNull(inner) => {
                    if let Side::Col(c) = resolve(inner, scope)
                        && let Some(n) = needs.get_mut(c.inst)
                    {
                        Need::push(&mut n.eq, c.col);
                    }
                }
                Expr::Like {
                    negated: false,
                    expr: inner,
                    pattern,
                    ..
                } => {
                    let prefix = match pattern.as_ref() {
                        Expr::Value(v) => match &v.value {
                            Value::SingleQuotedString(s) => {
                                !s.is_empty() && !s.starts_with('%') && !s.starts_with('_')
                            }
                            _ => false,
                        },
                        _ => false,
                    };
                    if prefix
                        && let Side::Col(c) = resolve(inner, scope)
                        && let Some(n) = needs.get_mut(c.inst)
                    {
                        Need::push(&mut n.range, c.col);
                    }
                }
                _ => {}
            }
            self.subqueries(e, &inner_outer, ctes, depth + 1);
        }
    }

    /// Finds subqueries inside an expression and analyses each with the enclosing scopes as outer scopes.
    fn subqueries(&mut self, e: &Expr, outer: &[&Scope], ctes: &HashSet<String>, depth: usize) {
        if self.deep(depth) {
            return;
        }
        let d = depth + 1;
        match e {
            Expr::Subquery(q) | Expr::Exists { subquery: q, .. } => self.query(q, outer, ctes, d),
            Expr::InSubquery { expr, subquery, .. } => {
                self.subqueries(expr, outer, ctes, d);
                self.query(subquery, outer, ctes, d);
            }
            Expr::BinaryOp { left, right, .. }
            | Expr::AnyOp { left, right, .. }
            | Expr::AllOp { left, right, .. } => {
                self.subqueries(left, outer, ctes, d);
                self.subqueries(right, outer, ctes, d);
            }
            Expr::Nested(x)
            | Expr::UnaryOp { expr: x, .. }
            | Expr::IsNull(x)
            | Expr::IsNotNull(x)
            | Expr::IsTrue(x)
            | Expr::IsFalse(x)
            | Expr::Cast { expr: x, .. } => self.subqueries(x, outer, ctes, d),
            Expr::InList { expr, list, .. } => {
                self.subqueries(expr, outer, ctes, d);
                for x in list {
                    self.subqueries(x, outer, ctes, d);
                }
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                self.subqueries(expr, outer, ctes, d);
                self.subqueries(low, outer, ctes, d);
                self.subqueries(high, outer, ctes, d);
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                if let Some(o) = operand {
                    self.subqueries(o, outer, ctes, d);
                }
                for w in conditions {
                    self.subqueries(&w.condition, outer, ctes, d);
                    self.subqueries(&w.result, outer, ctes, d);
                }
                if let Some(x) = else_result {
                    self.subqueries(x, outer, ctes, d);
                }
            }
            Expr::Function(f) => {
                if let FunctionArguments::List(l) = &f.args {
                    for a in &l.args {
                        let arg = match a {
                            FunctionArg::Unnamed(x)
                            | FunctionArg::Named { arg: x, .. }
                            | FunctionArg::ExprNamed { arg: x, .. } => x,
                        };
                        if let FunctionArgExpr::Expr(x) = arg {
                            self.subqueries(x, outer, ctes, d);
                        }
                    }
                } else if let FunctionArguments::Subquery(q) = &f.args {
                    self.query(q, outer, ctes, d);
                }
            }
            Expr::Tuple(xs) => {
                for x in xs {
                    self.subqueries(x, outer, ctes, d);
                }
            }
            _ => {}
        }
    }
}

/// Records `col <op> other` when `col` is a column here and `other` does not involve the same table.
fn record_pair(col: &Expr, other: &Expr, kind: Kind, scope: &Scope, needs: &mut [Need]) {
    if let Side::Col(c) = resolve(col, scope)
        && !refs_inst(other, scope, c.inst)
        && let Some(n) = needs.get_mut(c.inst)
    {
        match kind {
            Kind::Eq => Need::push(&mut n.eq, c.col),
            Kind::Range => Need::push(&mut n.range, c.col),
        }
    }
}

fn resolve(e: &Expr, scope: &Scope) -> Side {
    match e {
        Expr::Identifier(id) => {
            let col = id.value.to_lowercase();
            match scope.owner_of(&col) {
                Some(inst) => Side::Col(ColRef { inst, col }),
                None => Side::Other,
            }
        }
        Expr::CompoundIdentifier(parts) => {
            let n = parts.len();
            if n < 2 {
                return Side::Other;
            }
            let (Some(q), Some(c)) = (parts.get(n - 2), parts.last()) else {
                return Side::Other;
            };
            match scope.by_qualifier(&q.value.to_lowercase()) {
                Some(inst) => Side::Col(ColRef {
                    inst,
                    col: c.value.to_lowercase(),
                }),
                None => Side::Other,
            }
        }
        Expr::Nested(inner) => match inner.as_ref() {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => resolve(inner, scope),
            _ => Side::Other,
        },
        _ => Side::Other,
    }
}

/// Whether an expression references a column of instance `inst` (shallow, depth-limited).
fn refs_inst(e: &Expr, scope: &Scope, inst: usize) -> bool {
    fn walk(e: &Expr, scope: &Scope, inst: usize, depth: usize) -> bool {
        if depth > MAX_WALK_DEPTH {
            return true; // be conservative: treat as same-table
        }
        match e {
            Expr::Identifier(id) => {
                let col = id.value.to_lowercase();
                match scope.owner_of(&col) {
                    Some(i) => i == inst,
                    None => scope.insts.len() == 1 && scope.knows_column(&col),
                }
            }
            Expr::CompoundIdentifier(_) => {
                matches!(resolve(e, scope), Side::Col(c) if c.inst == inst)
            }
            Expr::BinaryOp { left, right, .. } => {
                walk(left, scope, inst, depth + 1) || walk(right, scope, inst, depth + 1)
            }
            Expr::Nested(x) | Expr::UnaryOp { expr: x, .. } | Expr::Cast { expr: x, .. } => {
                walk(x, scope, inst, depth + 1)
            }
            Expr::Function(f) => match &f.args {
                FunctionArguments::List(l) => l.args.iter().any(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(x))
                    | FunctionArg::Named {
                        arg: FunctionArgExpr::Expr(x),
                        ..
                    }
                    | FunctionArg::ExprNamed {
                        arg: FunctionArgExpr::Expr(x),
                        ..
                    } => walk(x, scope, inst, depth + 1),
                    _ => false,
                }),
                _ => false,
            },
            _ => false,
        }
    }
    walk(e, scope, inst, 0)
}

#[cfg(test)]
mod tests {
    use super::super::common::is_citable;
    use super::*;
    use proptest::prelude::*;

    fn run(dialect: SqlDialect, ddl: &str, queries: &[&str]) -> ReviewSchemaOutput {
        let input = ReviewSchemaInput {
            ddl: ddl.to_string(),
            dialect: Some(dialect),
            queries: if queries.is_empty() {
                None
            } else {
                Some(queries.iter().map(|q| q.to_string()).collect())
            },
        };
        match review_schema(&input) {
            Ok(o) => o,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    fn pg(ddl: &str) -> ReviewSchemaOutput {
        run(SqlDialect::Postgres, ddl, &[])
    }

    fn err(dialect: SqlDialect, ddl: &str, queries: &[&str]) -> DecideError {
        let input = ReviewSchemaInput {
            ddl: ddl.to_string(),
            dialect: Some(dialect),
            queries: Some(queries.iter().map(|q| q.to_string()).collect()),
        };
        match review_schema(&input) {
            Ok(o) => panic!("expected an error, got {o}"),
            Err(e) => e,
        }
    }

    fn with<'o>(out: &'o ReviewSchemaOutput, rule: &str) -> Vec<&'o Finding> {
        out.findings.iter().filter(|f| f.rule == rule).collect()
    }

    fn one<'o>(out: &'o ReviewSchemaOutput, rule: &str) -> &'o Finding {
        let v = with(out, rule);
        assert_eq!(v.len(), 1, "expected one {rule} finding, got: {out}");
        v[0]
    }

    fn none(out: &ReviewSchemaOutput, rule: &str) {
        assert!(
            with(out, rule).is_empty(),
            "expected no {rule} finding, got: {out}"
        );
    }

    const CLEAN_PG: &str = r#"
        CREATE TABLE customers (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            email text NOT NULL,
            password_hash text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT customers_email_key UNIQUE (email)
        );
        CREATE TABLE orders (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            customer_id bigint NOT NULL REFERENCES customers (id),
            status text NOT NULL,
            total numeric(12, 2) NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX idx_orders_customer_id_created_at ON orders (customer_id, created_at);
        CREATE TABLE order_items (
            order_id bigint NOT NULL REFERENCES orders (id),
            line_no int NOT NULL,
            price_cents bigint NOT NULL,
            PRIMARY KEY (order_id, line_no)
        );
    "#;

    // --- clean schemas ----------------------------------------------------------------------------

    #[test]
    fn clean_postgres_schema_has_no_findings() {
        let out = run(
            SqlDialect::Postgres,
            CLEAN_PG,
            &[
                "SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20",
                "SELECT o.id, i.price_cents FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.id = $1",
                "SELECT * FROM customers WHERE email = $1",
            ],
        );
        assert_eq!(out.summary.total, 0, "{out}");
        assert_eq!(out.summary.high, 0);
        assert_eq!(out.tables.len(), 3);
        let orders = &out.tables[1];
        assert_eq!(orders.name, "orders");
        assert_eq!(orders.column_count, 5);
        assert_eq!(orders.primary_key, vec!["id"]);
        assert_eq!(orders.indexes.len(), 2);
        assert_eq!(orders.foreign_keys[0].references_table, "customers");
        assert!(out.tables.iter().all(|t| t.created_in_script));
    }

    #[test]
    fn clean_mysql_schema_has_no_findings() {
        let ddl = r#"
            CREATE TABLE `customers` (
              `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
              `email` VARCHAR(255) NOT NULL,
              `password_hash` VARCHAR(255) NOT NULL,
              PRIMARY KEY (`id`),
              UNIQUE KEY `uk_email` (`email`)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
            CREATE TABLE `orders` (
              `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
              `customer_id` BIGINT UNSIGNED NOT NULL,
              `price` DECIMAL(10,2) NOT NULL,
              `created_at` DATETIME NOT NULL,
              KEY `idx_customer_created` (`customer_id`, `created_at`),
              CONSTRAINT `fk_orders_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`)
            ) ENGINE=InnoDB;
        "#;
        let out = run(
            SqlDialect::Mysql,
            ddl,
            &["SELECT * FROM orders WHERE customer_id = ? ORDER BY created_at DESC"],
        );
        assert_eq!(out.summary.total, 0, "{out}");
    }

    #[test]
    fn clean_sqlite_and_generic_schemas_have_no_high_findings() {
        let ddl = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL);
                   CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), title TEXT);
                   CREATE INDEX idx_posts_user_id ON posts (user_id);";
        for d in [SqlDialect::Sqlite, SqlDialect::Generic] {
            let out = run(d, ddl, &["SELECT * FROM posts WHERE user_id = ?"]);
            assert_eq!(out.summary.high, 0, "{out}");
            assert_eq!(out.summary.total, 0, "{out}");
        }
    }

    // --- missing-primary-key ----------------------------------------------------------------------

    #[test]
    fn missing_primary_key_fires_with_identity_fix() {
        let out = pg("CREATE TABLE events (kind text NOT NULL, payload jsonb);");
        let f = one(&out, "missing-primary-key");
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.table, "events");
        assert_eq!(f.statement, Some(1));
        assert!(f.fix.contains("GENERATED ALWAYS AS IDENTITY PRIMARY KEY"));
        assert_eq!(f.reference, ref_schema("choosing-primary-keys"));
    }

    #[test]
    fn missing_primary_key_not_fired_when_added_later_or_temporary() {
        let out = pg("CREATE TABLE events (id bigint NOT NULL, kind text);
                      ALTER TABLE events ADD PRIMARY KEY (id);
                      CREATE TEMPORARY TABLE scratch (x int);");
        none(&out, "missing-primary-key");
        let out = run(
            SqlDialect::Mysql,
            "CREATE TABLE t (id INT NOT NULL KEY, v INT);",
            &[],
        );
        none(&out, "missing-primary-key");
    }

    #[test]
    fn missing_primary_key_suggests_natural_key_for_join_tables_and_id_column() {
        let out = pg(
            "CREATE TABLE a (id bigint PRIMARY KEY); CREATE TABLE b (id bigint PRIMARY KEY);
                      CREATE TABLE a_b (a_id bigint REFERENCES a(id), b_id bigint REFERENCES b(id));
                      CREATE TABLE c (id bigint NOT NULL, v text);",
        );
        let v = with(&out, "missing-primary-key");
        assert_eq!(v.len(), 2);
        assert!(
            v[0].fix.contains("ADD PRIMARY KEY (a_id, b_id)"),
            "{}",
            v[0].fix
        );
        assert!(v[1].fix.contains("ALTER TABLE c ADD PRIMARY KEY (id);"));
        let out = run(SqlDialect::Sqlite, "CREATE TABLE c (v TEXT);", &[]);
        assert!(
            one(&out, "missing-primary-key")
                .fix
                .contains("INTEGER PRIMARY KEY")
        );
        let out = run(SqlDialect::Mysql, "CREATE TABLE c (v TEXT);", &[]);
        assert!(
            one(&out, "missing-primary-key")
                .fix
                .contains("AUTO_INCREMENT PRIMARY KEY")
        );
    }

    // --- unindexed-foreign-key --------------------------------------------------------------------

    const FK_DDL: &str = "CREATE TABLE customers (id bigint PRIMARY KEY);
        CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id));";

    #[test]
    fn unindexed_foreign_key_postgres_gives_exact_create_index() {
        let out = pg(FK_DDL);
        let f = one(&out, "unindexed-foreign-key");
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(f.table, "orders");
        assert_eq!(f.columns, vec!["customer_id"]);
        assert!(f.fix.starts_with(
            "CREATE INDEX CONCURRENTLY idx_orders_customer_id ON orders (customer_id);"
        ));
        assert_eq!(f.reference, ref_schema("indexing-foreign-keys"));
        assert_eq!((f.statement, f.line), (Some(2), Some(2)));
    }

    #[test]
    fn unindexed_foreign_key_never_fires_for_mysql_innodb() {
        let ddl = "CREATE TABLE customers (id BIGINT PRIMARY KEY);
                   CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL,
                                        CONSTRAINT fk_oc FOREIGN KEY (customer_id) REFERENCES customers (id));";
        let out = run(
            SqlDialect::Mysql,
            ddl,
            &["SELECT * FROM orders WHERE customer_id = ?"],
        );
        none(&out, "unindexed-foreign-key");
        // InnoDB's own FK index serves the query too.
        none(&out, "query-not-covered");
        assert!(out.tables[1].indexes.iter().any(|i| i.implicit));
        assert_eq!(out.summary.total, 0, "{out}");
    }

    #[test]
    fn mysql_inline_references_are_flagged_and_create_no_index() {
        let out = run(
            SqlDialect::Mysql,
            FK_DDL,
            &["SELECT * FROM orders WHERE customer_id = ?"],
        );
        none(&out, "unindexed-foreign-key");
        let f = one(&out, "inline-references-ignored");
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(
            f.fix,
            "ALTER TABLE orders ADD CONSTRAINT fk_orders_customer_id FOREIGN KEY (customer_id) REFERENCES customers (id);"
        );
        one(&out, "query-not-covered");
        let out = pg(FK_DDL);
        none(&out, "inline-references-ignored");
    }

    #[test]
    fn unindexed_foreign_key_fires_for_sqlite_and_generic_without_concurrently() {
        for d in [SqlDialect::Sqlite, SqlDialect::Generic] {
            let out = run(d, FK_DDL, &[]);
            let f = one(&out, "unindexed-foreign-key");
            assert!(
                f.fix
                    .starts_with("CREATE INDEX idx_orders_customer_id ON orders (customer_id);")
            );
        }
    }

    #[test]
    fn foreign_key_served_by_index_created_later_or_by_leftmost_pk() {
        let out = pg(&format!(
            "{FK_DDL} CREATE INDEX ix ON orders (customer_id, id);"
        ));
        none(&out, "unindexed-foreign-key");
        // Join table: the PK (post_id, tag_id) serves post_id, not tag_id.
        let out = pg("CREATE TABLE posts (id int PRIMARY KEY); CREATE TABLE tags (id int PRIMARY KEY);
                      CREATE TABLE post_tags (post_id int REFERENCES posts(id), tag_id int REFERENCES tags(id),
                                              PRIMARY KEY (post_id, tag_id));");
        let f = one(&out, "unindexed-foreign-key");
        assert_eq!(f.columns, vec!["tag_id"]);
        // A composite FK is served by an index on the same columns in another order.
        let out = pg("CREATE TABLE p (a int, b int, PRIMARY KEY (a, b));
                      CREATE TABLE c (id int PRIMARY KEY, a int, b int, FOREIGN KEY (a, b) REFERENCES p (a, b));
                      CREATE INDEX c_ba ON c (b, a);");
        none(&out, "unindexed-foreign-key");
        // A partial index does not serve a foreign key.
        let out = pg(&format!(
            "{FK_DDL} CREATE INDEX ix ON orders (customer_id) WHERE id > 0;"
        ));
        one(&out, "unindexed-foreign-key");
    }

    #[test]
    fn foreign_key_added_to_existing_table_needs_index_and_not_valid() {
        let out = pg(
            "ALTER TABLE orders ADD CONSTRAINT fk_c FOREIGN KEY (customer_id) REFERENCES customers (id);",
        );
        one(&out, "unindexed-foreign-key");
        let f = one(&out, "blocking-foreign-key-validation");
        assert!(f.fix.contains("NOT VALID"));
        assert!(f.fix.contains("VALIDATE CONSTRAINT fk_c"));
        let out = pg("ALTER TABLE orders ADD CONSTRAINT fk_c FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
                      CREATE INDEX CONCURRENTLY idx_orders_customer_id ON orders (customer_id);");
        none(&out, "blocking-foreign-key-validation");
        none(&out, "unindexed-foreign-key");
        none(&out, "blocking-index-build");
    }

    #[test]
    fn dropped_indexes_and_constraints_leave_the_catalog() {
        let out = pg(&format!(
            "{FK_DDL} CREATE INDEX idx_oc ON orders (customer_id); DROP INDEX idx_oc; DROP INDEX IF EXISTS unknown_idx;"
        ));
        one(&out, "unindexed-foreign-key");
        let out = run(
            SqlDialect::Mysql,
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, KEY ka (a)); DROP INDEX ka ON t;
             ALTER TABLE t ADD INDEX kb (a), DROP INDEX kb;",
            &["SELECT * FROM t WHERE a = 1"],
        );
        one(&out, "query-not-covered");
        let out = pg(
            "CREATE TABLE t (id int, CONSTRAINT t_pkey PRIMARY KEY (id)); ALTER TABLE t DROP CONSTRAINT t_pkey;",
        );
        one(&out, "missing-primary-key");
        let out = pg(
            "CREATE TABLE t (id int PRIMARY KEY, a int); CREATE INDEX ta ON t (a);
                      ALTER TABLE t RENAME TO u; DROP INDEX ta;",
        );
        assert_eq!(out.tables[0].name, "u");
        assert_eq!(out.tables[0].indexes.len(), 1);
        let out = pg(
            "CREATE TABLE t (id int PRIMARY KEY, a int, b int); CREATE INDEX tab ON t (a, b);
                      ALTER TABLE t DROP COLUMN b;",
        );
        assert_eq!(out.tables[0].indexes.len(), 1);
    }

    // --- query-not-covered ------------------------------------------------------------------------

    const Q_DDL: &str = "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL,
                         created_at timestamptz NOT NULL, region text, total_cents bigint);
                         CREATE INDEX idx_abc ON orders (customer_id, status, created_at);";

    #[test]
    fn query_served_by_leftmost_prefix_gives_no_finding() {
        let out = run(
            SqlDialect::Postgres,
            Q_DDL,
            &[
                "SELECT * FROM orders WHERE customer_id = $1",
                "SELECT * FROM orders WHERE customer_id = $1 AND status = 'paid'",
                "SELECT * FROM orders WHERE status = 'paid' AND customer_id = $1 AND created_at > now()",
                "SELECT * FROM orders WHERE customer_id = $1 AND status = $2 ORDER BY created_at DESC",
                "SELECT * FROM orders WHERE id = $1 AND region = 'eu'",
            ],
        );
        none(&out, "query-not-covered");
    }

    #[test]
    fn query_on_non_leftmost_columns_is_not_covered() {
        let out = run(
            SqlDialect::Postgres,
            Q_DDL,
            &["SELECT * FROM orders WHERE status = 'paid' AND created_at >= $1"],
        );
        let f = one(&out, "query-not-covered");
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(f.query, Some(1));
        assert_eq!(f.statement, None);
        assert_eq!(f.columns, vec!["status", "created_at"]);
        assert!(f.fix.starts_with(
            "CREATE INDEX CONCURRENTLY idx_orders_status_created_at ON orders (status, created_at);"
        ));
        assert_eq!(
            f.reference,
            ref_schema("composite-indexes-and-the-leftmost-prefix-rule")
        );
    }

    #[test]
    fn query_recommendation_puts_equality_before_range_and_order() {
        let out = run(
            SqlDialect::Mysql,
            "CREATE TABLE orders (id INT PRIMARY KEY, region VARCHAR(10), created_at DATETIME, total_cents BIGINT);",
            &["SELECT * FROM orders WHERE created_at > ? AND region = ? ORDER BY total_cents"],
        );
        let f = one(&out, "query-not-covered");
        assert_eq!(f.columns, vec!["region", "created_at", "total_cents"]);
        assert!(
            f.fix
                .starts_with("CREATE INDEX idx_orders_region_created_at_total_cents ON orders")
        );
        assert!(!f.fix.contains("CONCURRENTLY"));
    }

    #[test]
    fn query_partly_served_is_low_and_suggests_dropping_the_prefix() {
        let out = run(
            SqlDialect::Postgres,
            "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, created_at timestamptz);
             CREATE INDEX idx_orders_customer ON orders (customer_id);",
            &["SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 10"],
        );
        let f = one(&out, "query-not-covered");
        assert_eq!(f.severity, Severity::Low);
        assert!(f.message.contains("idx_orders_customer"));
        assert!(
            f.fix
                .contains("DROP INDEX CONCURRENTLY idx_orders_customer;")
        );
    }

    #[test]
    fn query_join_columns_and_subqueries_are_checked() {
        let ddl = "CREATE TABLE orders (id int PRIMARY KEY, customer_id int);
                   CREATE INDEX idx_orders_customer_id ON orders (customer_id);
                   CREATE TABLE order_items (id int PRIMARY KEY, order_id int, product_id int);";
        let out = run(
            SqlDialect::Postgres,
            ddl,
            &[
                "SELECT i.* FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.customer_id = $1",
            ],
        );
        let f = one(&out, "query-not-covered");
        assert_eq!(f.table, "order_items");
        assert_eq!(f.columns, vec!["order_id"]);
        let out = run(
            SqlDialect::Postgres,
            ddl,
            &[
                "SELECT * FROM orders WHERE id IN (SELECT order_id FROM order_items WHERE product_id = $1)",
            ],
        );
        assert_eq!(one(&out, "query-not-covered").columns, vec!["product_id"]);
        let out = run(
            SqlDialect::Postgres,
            ddl,
            &[
                "SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)",
            ],
        );
        assert_eq!(one(&out, "query-not-covered").columns, vec!["order_id"]);
    }

    #[test]
    fn update_delete_and_cte_queries_are_checked() {
        let out = run(
            SqlDialect::Postgres,
            Q_DDL,
            &[
                "UPDATE orders SET status = 'x' WHERE region = $1",
                "DELETE FROM orders WHERE created_at < now() - interval '90 days'",
                "WITH recent AS (SELECT * FROM orders WHERE customer_id = $1) SELECT * FROM recent WHERE status = 'x'",
            ],
        );
        let v = with(&out, "query-not-covered");
        assert_eq!(v.len(), 2, "{out}");
        assert_eq!(v[0].columns, vec!["region"]);
        assert_eq!(v[1].columns, vec!["created_at"]);
        // The CTE name is not reported as an unknown table.
        none(&out, "query-table-unknown");
    }

    #[test]
    fn same_missing_index_for_two_queries_is_reported_once() {
        let out = run(
            SqlDialect::Postgres,
            Q_DDL,
            &[
                "SELECT * FROM orders WHERE region = $1",
                "SELECT id FROM orders WHERE region = 'eu'",
            ],
        );
        let f = one(&out, "query-not-covered");
        assert!(f.message.contains("Query 2 needs the same index"));
    }

    #[test]
    fn query_on_table_missing_from_ddl_is_a_low_note_not_a_crash() {
        let out = run(
            SqlDialect::Postgres,
            Q_DDL,
            &["SELECT * FROM invoices i JOIN orders o ON o.id = i.order_id WHERE i.number = $1"],
        );
        let f = one(&out, "query-table-unknown");
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(f.table, "invoices");
        assert_eq!(f.reference, ref_schema("design-from-access-patterns"));
        none(&out, "query-not-covered");
    }

    #[test]
    fn unknown_columns_and_non_queries_become_notes() {
        let out = run(
            SqlDialect::Postgres,
            Q_DDL,
            &[
                "SELECT * FROM orders WHERE nope = 1",
                "CREATE TABLE x (id int)",
            ],
        );
        none(&out, "query-not-covered");
        assert!(out.notes.iter().any(|n| n.contains("nope")));
        assert!(out.notes.iter().any(|n| n.contains("skipped")));
    }

    // --- redundant-index --------------------------------------------------------------------------

    #[test]
    fn redundant_prefix_and_duplicate_indexes_fire() {
        let out = pg("CREATE TABLE t (id int PRIMARY KEY, a int, b int);
                      CREATE INDEX t_a ON t (a);
                      CREATE INDEX t_ab ON t (a, b);
                      CREATE INDEX t_id ON t (id);");
        let v = with(&out, "redundant-index");
        assert_eq!(v.len(), 2, "{out}");
        assert_eq!(v[0].columns, vec!["a"]);
        assert!(v[0].message.contains("leftmost prefix of t_ab"));
        assert_eq!(v[0].fix, "DROP INDEX CONCURRENTLY t_a;");
        assert!(v[1].message.contains("duplicate"));
        assert_eq!(
            v.iter().map(|f| f.severity).collect::<Vec<_>>(),
            vec![Severity::Low; 2]
        );
        let out = run(
            SqlDialect::Mysql,
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, KEY ka (a), KEY kab (a, b));",
            &[],
        );
        assert_eq!(one(&out, "redundant-index").fix, "DROP INDEX ka ON t;");
    }

    #[test]
    fn unique_index_enforcing_a_constraint_is_not_redundant() {
        let out = pg(
            "CREATE TABLE t (id int PRIMARY KEY, a int, b int, UNIQUE (a));
                      CREATE INDEX t_ab ON t (a, b);
                      CREATE UNIQUE INDEX t_u2 ON t (a, b) WHERE b > 0;",
        );
        none(&out, "redundant-index");
        // Two unique indexes on the same columns: the later one is redundant.
        let out = pg(
            "CREATE TABLE t (id int PRIMARY KEY, a int, CONSTRAINT t_a_key UNIQUE (a));
                      CREATE UNIQUE INDEX t_a_uniq ON t (a);",
        );
        assert!(one(&out, "redundant-index").message.contains("t_a_uniq"));
    }

    // --- plaintext-secret -------------------------------------------------------------------------

    #[test]
    fn plaintext_secrets_fire_for_passwords_tokens_and_keys() {
        let out = pg(
            "CREATE TABLE users (id int PRIMARY KEY, password varchar(100), api_key text,
                      \"refreshToken\" text, client_secret text, reset_token uuid);",
        );
        let v = with(&out, "plaintext-secret");
        let cols: Vec<&str> = v.iter().map(|f| f.columns[0].as_str()).collect();
        assert_eq!(
            cols,
            vec![
                "password",
                "api_key",
                "refreshToken",
                "client_secret",
                "reset_token"
            ]
        );
        assert!(v.iter().all(|f| f.severity == Severity::High));
        assert_eq!(v[0].reference, ref_security("password-storage"));
        assert!(v[0].message.contains("argon2id"));
        assert_eq!(v[1].reference, ref_security("secrets-management"));
        assert!(v[2].fix.contains("SHA-256"));
    }

    #[test]
    fn hashed_or_metadata_secret_columns_do_not_fire() {
        let out = pg("CREATE TABLE users (id int PRIMARY KEY, password_hash text, hashed_password text,
                      encrypted_password varchar(255), \"passwordHash\" text, token_digest text,
                      api_key_fingerprint text, session_token bytea, password_changed_at timestamptz,
                      token_expires_at timestamptz, api_key_prefix varchar(8), tokens_used int,
                      password_reset_required boolean, secretary_name text);");
        none(&out, "plaintext-secret");
    }

    #[test]
    fn plaintext_secret_added_by_alter_fires_in_every_dialect() {
        for d in [
            SqlDialect::Postgres,
            SqlDialect::Mysql,
            SqlDialect::Sqlite,
            SqlDialect::Generic,
        ] {
            let out = run(d, "ALTER TABLE users ADD COLUMN access_token TEXT;", &[]);
            one(&out, "plaintext-secret");
        }
    }

    // --- float-money ------------------------------------------------------------------------------

    #[test]
    fn float_money_fires_and_exact_types_do_not() {
        let out = pg("CREATE TABLE p (id int PRIMARY KEY, price double precision, amount real, fee float,
                      total_weight float, price_exact numeric(12,2), balance_cents bigint, tax_rate real);");
        let cols: Vec<String> = with(&out, "float-money")
            .iter()
            .map(|f| f.columns[0].clone())
            .collect();
        assert_eq!(cols, vec!["price", "amount", "fee"]);
        assert!(with(&out, "float-money")[0].fix.contains("numeric(19,4)"));
        let out = run(
            SqlDialect::Mysql,
            "CREATE TABLE p (id INT PRIMARY KEY, unit_price DOUBLE);",
            &[],
        );
        assert!(one(&out, "float-money").fix.contains("DECIMAL(19,4)"));
        let out = run(
            SqlDialect::Sqlite,
            "CREATE TABLE p (id INTEGER PRIMARY KEY, balance REAL);",
            &[],
        );
        assert!(one(&out, "float-money").fix.contains("INTEGER"));
    }

    #[test]
    fn float_money_on_existing_table_gives_alter_fix() {
        let out = pg("ALTER TABLE invoices ALTER COLUMN amount TYPE float8;");
        let f = one(&out, "float-money");
        assert!(
            f.fix
                .contains("ALTER TABLE invoices ALTER COLUMN amount TYPE numeric(19,4);")
        );
        let out = run(
            SqlDialect::Mysql,
            "ALTER TABLE invoices ADD COLUMN amount FLOAT;",
            &[],
        );
        assert!(
            one(&out, "float-money")
                .fix
                .contains("MODIFY COLUMN amount DECIMAL(19,4)")
        );
    }

    // --- destructive-migration --------------------------------------------------------------------

    #[test]
    fn drop_column_and_drop_table_are_destructive() {
        let out = pg("ALTER TABLE users DROP COLUMN legacy_flag; DROP TABLE sessions;");
        let v = with(&out, "destructive-migration");
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].columns, vec!["legacy_flag"]);
        assert!(v[0].fix.contains("rollback plan"));
        assert_eq!(
            v[0].reference,
            ref_schema("destructive-changes-and-rollback-plans")
        );
        assert_eq!(v[1].table, "sessions");
        assert_eq!(v[1].statement, Some(2));
        assert!(v.iter().all(|f| f.severity == Severity::High));
    }

    #[test]
    fn rename_column_gives_expand_contract_steps() {
        let out = pg("CREATE TABLE users (id int PRIMARY KEY, name text);
                      ALTER TABLE users RENAME COLUMN name TO full_name;");
        let f = one(&out, "destructive-migration");
        assert_eq!(f.columns, vec!["name", "full_name"]);
        assert!(
            f.fix
                .contains("ALTER TABLE users ADD COLUMN full_name TEXT;")
        );
        assert!(f.fix.contains("UPDATE users SET full_name = name"));
        assert!(f.fix.contains("ALTER TABLE users DROP COLUMN name;"));
        assert_eq!(f.reference, ref_schema("renaming-a-column-safely"));
        // The catalog follows the rename.
        assert!(out.tables[0].indexes.len() == 1);
        let out = run(
            SqlDialect::Mysql,
            "CREATE TABLE u (id INT PRIMARY KEY, a VARCHAR(10)); ALTER TABLE u CHANGE COLUMN a b VARCHAR(10);",
            &[],
        );
        assert_eq!(one(&out, "destructive-migration").columns, vec!["a", "b"]);
    }

    #[test]
    fn rename_table_truncate_are_destructive() {
        let out = pg("CREATE TABLE a (id int PRIMARY KEY); ALTER TABLE a RENAME TO b; TRUNCATE b;");
        let v = with(&out, "destructive-migration");
        assert_eq!(v.len(), 2);
        assert!(v[0].fix.contains("CREATE VIEW a AS SELECT * FROM b;"));
        assert_eq!(out.tables[0].name, "b");
        let out = run(SqlDialect::Mysql, "RENAME TABLE a TO b;", &[]);
        one(&out, "destructive-migration");
    }

    #[test]
    fn narrowing_type_change_is_destructive_and_widening_is_not() {
        let out = pg(
            "CREATE TABLE u (id bigint PRIMARY KEY, email varchar(255), n bigint, d numeric(12,4));
                      ALTER TABLE u ALTER COLUMN email TYPE varchar(50);
                      ALTER TABLE u ALTER COLUMN n TYPE integer;
                      ALTER TABLE u ALTER COLUMN d TYPE numeric(12,2);",
        );
        let v = with(&out, "destructive-migration");
        assert_eq!(v.len(), 3, "{out}");
        assert!(v[0].message.contains("longer than 50 characters"));
        assert_eq!(v[0].reference, ref_schema("expand-contract-migrations"));
        let out = pg(
            "CREATE TABLE u (id bigint PRIMARY KEY, email varchar(50), d numeric(10,2));
                      ALTER TABLE u ALTER COLUMN email TYPE varchar(255);
                      ALTER TABLE u ALTER COLUMN email TYPE text;
                      ALTER TABLE u ALTER COLUMN d TYPE numeric(14,2);",
        );
        none(&out, "destructive-migration");
        none(&out, "column-type-change");
        let out = run(
            SqlDialect::Mysql,
            "CREATE TABLE u (id INT PRIMARY KEY, code VARCHAR(100)); ALTER TABLE u MODIFY COLUMN code VARCHAR(10);",
            &[],
        );
        one(&out, "destructive-migration");
    }

    #[test]
    fn rewriting_or_unknown_type_change_is_a_medium_column_type_change() {
        let out =
            pg("CREATE TABLE u (id int PRIMARY KEY); ALTER TABLE u ALTER COLUMN id TYPE bigint;");
        let f = one(&out, "column-type-change");
        assert_eq!(f.severity, Severity::Medium);
        assert!(f.message.contains("rewrites"));
        let out = pg("ALTER TABLE accounts ALTER COLUMN status TYPE varchar(20);");
        assert!(
            one(&out, "column-type-change")
                .message
                .contains("does not show the current type")
        );
        none(&out, "destructive-migration");
    }

    #[test]
    fn drop_then_recreate_is_softened_to_medium() {
        let out = run(
            SqlDialect::Mysql,
            "DROP TABLE IF EXISTS `t`; CREATE TABLE `t` (`id` INT PRIMARY KEY);",
            &[],
        );
        let f = one(&out, "destructive-migration");
        assert_eq!(f.severity, Severity::Medium);
        assert!(f.message.contains("recreates"));
        assert_eq!(out.summary.high, 0);
    }

    // --- not-null-without-default -----------------------------------------------------------------

    #[test]
    fn add_not_null_column_without_default_on_existing_table_fires() {
        let out = pg("ALTER TABLE orders ADD COLUMN status text NOT NULL;");
        let f = one(&out, "not-null-without-default");
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.columns, vec!["status"]);
        assert!(f.fix.contains("ALTER TABLE orders ADD COLUMN status TEXT;"));
        assert!(f.fix.contains("NOT VALID"));
        assert!(f.fix.contains("VALIDATE CONSTRAINT orders_status_not_null"));
        assert!(f.fix.contains("SET NOT NULL"));
        assert_eq!(f.reference, ref_schema("adding-a-not-null-column-safely"));
        let out = run(
            SqlDialect::Mysql,
            "ALTER TABLE orders ADD COLUMN status VARCHAR(20) NOT NULL;",
            &[],
        );
        assert!(
            one(&out, "not-null-without-default")
                .message
                .contains("implicit default")
        );
        let out = run(
            SqlDialect::Sqlite,
            "ALTER TABLE orders ADD COLUMN status TEXT NOT NULL;",
            &[],
        );
        assert!(
            one(&out, "not-null-without-default")
                .fix
                .contains("DEFAULT")
        );
    }

    #[test]
    fn add_not_null_column_with_default_identity_or_on_new_table_is_fine() {
        let out = pg(
            "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';
                      ALTER TABLE orders ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
                      ALTER TABLE orders ADD COLUMN n bigserial NOT NULL;
                      ALTER TABLE orders ADD COLUMN note text;
                      CREATE TABLE fresh (id int PRIMARY KEY);
                      ALTER TABLE fresh ADD COLUMN x int NOT NULL;",
        );
        none(&out, "not-null-without-default");
    }

    #[test]
    fn set_not_null_on_existing_postgres_table_is_blocking() {
        let out = pg("ALTER TABLE orders ALTER COLUMN status SET NOT NULL;");
        let f = one(&out, "blocking-set-not-null");
        assert!(f.fix.contains("CHECK (status IS NOT NULL) NOT VALID"));
        let out = run(
            SqlDialect::Generic,
            "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;",
            &[],
        );
        none(&out, "blocking-set-not-null");
    }

    // --- blocking-index-build ---------------------------------------------------------------------

    #[test]
    fn create_index_without_concurrently_on_existing_table_blocks() {
        let out = pg("CREATE INDEX idx_orders_status ON orders (status);");
        let f = one(&out, "blocking-index-build");
        assert_eq!(f.severity, Severity::Medium);
        assert!(
            f.fix
                .starts_with("CREATE INDEX CONCURRENTLY idx_orders_status ON orders")
        );
        assert_eq!(
            f.reference,
            ref_schema("building-indexes-without-blocking-writes")
        );
    }

    #[test]
    fn concurrently_same_script_table_and_other_dialects_do_not_block() {
        let out = pg(
            "CREATE INDEX CONCURRENTLY idx_orders_status ON orders (status);
                      CREATE TABLE t (id int PRIMARY KEY, a int); CREATE INDEX t_a ON t (a);",
        );
        none(&out, "blocking-index-build");
        for d in [SqlDialect::Mysql, SqlDialect::Sqlite, SqlDialect::Generic] {
            let out = run(d, "CREATE INDEX idx_orders_status ON orders (status);", &[]);
            none(&out, "blocking-index-build");
        }
    }

    #[test]
    fn adding_unique_constraint_to_existing_table_suggests_using_index() {
        let out = pg("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);");
        let f = one(&out, "blocking-index-build");
        assert!(
            f.fix
                .contains("CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);")
        );
        assert!(f.fix.contains("UNIQUE USING INDEX users_email_key"));
    }

    // --- timestamp-without-time-zone --------------------------------------------------------------

    #[test]
    fn timestamp_without_time_zone_is_a_postgres_low() {
        let out = pg(
            "CREATE TABLE e (id int PRIMARY KEY, happened_at timestamp, ok_at timestamptz,
                      also_ok timestamp with time zone);",
        );
        let f = one(&out, "timestamp-without-time-zone");
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(f.columns, vec!["happened_at"]);
        let out = run(
            SqlDialect::Mysql,
            "CREATE TABLE e (id INT PRIMARY KEY, happened_at TIMESTAMP);",
            &[],
        );
        none(&out, "timestamp-without-time-zone");
    }

    // --- identifiers ------------------------------------------------------------------------------

    #[test]
    fn quoted_mixed_case_and_schema_qualified_names_are_normalised() {
        // Unquoted ORDERS folds to orders; public.orders is the same table.
        let out = pg("CREATE TABLE public.customers (id int PRIMARY KEY);
                      CREATE TABLE ORDERS (ID int PRIMARY KEY, Customer_Id int REFERENCES Customers (Id));
                      CREATE INDEX idx ON public.orders (customer_id);");
        none(&out, "unindexed-foreign-key");
        none(&out, "blocking-index-build");
        assert_eq!(out.tables.len(), 2);
        assert_eq!(out.tables[1].name, "orders");
        // Quoted mixed-case names keep their case and are quoted in fixes.
        let out = pg("CREATE TABLE \"Customers\" (\"Id\" int PRIMARY KEY);
                      CREATE TABLE \"OrderItems\" (\"Id\" int PRIMARY KEY, \"CustomerId\" int REFERENCES \"Customers\" (\"Id\"));");
        let f = one(&out, "unindexed-foreign-key");
        assert_eq!(f.table, "OrderItems");
        assert!(f.fix.starts_with(
            "CREATE INDEX CONCURRENTLY idx_orderitems_customerid ON \"OrderItems\" (\"CustomerId\");"
        ), "{}", f.fix);
        // Queries match case-insensitively.
        let out = run(
            SqlDialect::Postgres,
            "CREATE TABLE \"Users\" (\"Id\" int PRIMARY KEY, \"Email\" text);",
            &["SELECT * FROM \"Users\" u WHERE u.\"Email\" = $1"],
        );
        assert_eq!(one(&out, "query-not-covered").columns, vec!["Email"]);
    }

    #[test]
    fn two_schemas_with_the_same_table_name_stay_apart() {
        let out = pg(
            "CREATE TABLE billing.accounts (id int PRIMARY KEY, owner_id int);
                      CREATE TABLE crm.accounts (id int PRIMARY KEY, owner_id int);
                      CREATE INDEX a_owner ON billing.accounts (owner_id);",
        );
        assert_eq!(out.tables.len(), 2);
        assert_eq!(out.tables[0].name, "billing.accounts");
        assert_eq!(out.tables[0].indexes.len(), 2);
        assert_eq!(out.tables[1].indexes.len(), 1);
        let out = run(
            SqlDialect::Mysql,
            "CREATE TABLE shop.`Orders` (id INT PRIMARY KEY, status VARCHAR(10));",
            &["SELECT * FROM orders WHERE STATUS = 'x'"],
        );
        assert_eq!(
            one(&out, "query-not-covered").fix,
            "CREATE INDEX idx_orders_status ON shop.Orders (status);"
        );
    }

    // --- errors and limits ------------------------------------------------------------------------

    #[test]
    fn invalid_sql_reports_line_and_column() {
        let e = err(
            SqlDialect::Postgres,
            "CREATE TABLE t (id int PRIMARY KEY);\nCREATE TABLE (",
            &[],
        );
        let DecideError::InvalidInput(m) = e else {
            panic!("expected InvalidInput")
        };
        assert!(m.starts_with("ddl: does not parse as PostgreSQL"), "{m}");
        assert!(m.contains("Line: 2"), "{m}");
        assert!(m.contains("Column:"), "{m}");
        let e = err(
            SqlDialect::Mysql,
            "CREATE TABLE t (id INT PRIMARY KEY);",
            &["SELEC * FROM t"],
        );
        assert!(
            matches!(e, DecideError::InvalidInput(m) if m.starts_with("queries[0]:") && m.contains("Line: 1"))
        );
        let e = err(
            SqlDialect::Sqlite,
            "CREATE TABLE t (x TEXT DEFAULT 'unterminated",
            &[],
        );
        assert!(matches!(e, DecideError::InvalidInput(m) if m.contains("Line: 1")));
    }

    #[test]
    fn empty_inputs_are_refused() {
        for ddl in ["", "   \n", "-- just a comment\n", ";;"] {
            assert!(
                matches!(err(SqlDialect::Postgres, ddl, &[]), DecideError::InvalidInput(m) if m.starts_with("ddl:"))
            );
        }
        let e = err(
            SqlDialect::Postgres,
            "CREATE TABLE t (id int PRIMARY KEY);",
            &["  "],
        );
        assert!(matches!(e, DecideError::InvalidInput(m) if m.starts_with("queries[0]: empty")));
    }

    #[test]
    fn oversize_inputs_are_refused() {
        let big = format!(
            "CREATE TABLE t (id int PRIMARY KEY);{}",
            " ".repeat(MAX_DDL_BYTES)
        );
        assert!(
            matches!(err(SqlDialect::Postgres, &big, &[]), DecideError::TooLarge(m) if m.contains("1 MiB"))
        );
        let many: Vec<&str> = vec!["SELECT 1"; MAX_QUERIES + 1];
        assert!(matches!(
            err(SqlDialect::Postgres, "CREATE TABLE t (id int PRIMARY KEY);", &many),
            DecideError::TooLarge(m) if m.starts_with("queries:")
        ));
        let long_q = format!("SELECT 1 {}", " ".repeat(MAX_QUERY_BYTES));
        assert!(matches!(
            err(SqlDialect::Postgres, "CREATE TABLE t (id int PRIMARY KEY);", &[&long_q]),
            DecideError::TooLarge(m) if m.starts_with("queries[0]:")
        ));
        // Exactly at the limit is accepted.
        let at = format!(
            "CREATE TABLE t (id int PRIMARY KEY);{}",
            " ".repeat(MAX_DDL_BYTES - 36)
        );
        assert_eq!(at.len(), MAX_DDL_BYTES);
        assert_eq!(pg(&at).tables.len(), 1);
    }

    #[test]
    fn deeply_nested_or_chained_input_is_refused_without_overflow() {
        let nested = format!(
            "CREATE TABLE t (x int CHECK ({}1{}));",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        assert!(matches!(
            err(SqlDialect::Postgres, &nested, &[]),
            DecideError::InvalidInput(_)
        ));
        let chain = format!("CREATE TABLE t (x int DEFAULT 1{});", "+1".repeat(100_000));
        assert!(
            matches!(err(SqlDialect::Postgres, &chain, &[]), DecideError::InvalidInput(m) if m.contains("too complex"))
        );
        let paren_chain = format!(
            "CREATE TABLE t (x int DEFAULT (1){});",
            "+(1)".repeat(100_000)
        );
        assert!(matches!(
            err(SqlDialect::Generic, &paren_chain, &[]),
            DecideError::InvalidInput(_)
        ));
        // Parser recursion limit (nesting under the bracket limit) is an InvalidInput too.
        let nested = format!("SELECT {}1{}", "(".repeat(100), ")".repeat(100));
        let e = err(
            SqlDialect::Postgres,
            "CREATE TABLE t (id int PRIMARY KEY);",
            &[&nested],
        );
        assert!(matches!(e, DecideError::InvalidInput(_)));
        // A long but acceptable AND chain in a query is analysed.
        let conds: Vec<String> = (0..1000).map(|i| format!("a = {i}")).collect();
        let q = format!("SELECT * FROM t WHERE {}", conds.join(" AND "));
        let out = run(
            SqlDialect::Postgres,
            "CREATE TABLE t (id int PRIMARY KEY, a int);",
            &[&q],
        );
        assert_eq!(one(&out, "query-not-covered").columns, vec!["a"]);
    }

    #[test]
    fn longest_accepted_chains_do_not_overflow_the_stack() {
        // Just under the token limit, in statements that get displayed, spanned and walked.
        let chain = "+1".repeat(MAX_CHAIN_TOKENS / 2 - 20);
        let ddl = format!(
            "CREATE INDEX i ON t (a) WHERE a = 1{chain}; CREATE TABLE u (id int PRIMARY KEY, c int CHECK (c > 1{chain}) DEFAULT 1{chain});"
        );
        let q1 = format!("SELECT * FROM u WHERE c = 1{chain}");
        let q2 = format!("SELECT * FROM u WHERE c IN (SELECT c FROM u WHERE c = 1{chain})");
        let handle = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || run(SqlDialect::Postgres, &ddl, &[&q1, &q2]).findings.len())
            .expect("spawn");
        assert!(handle.join().expect("no stack overflow") >= 1);
    }

    #[test]
    fn unsupported_statements_are_skipped() {
        let out = pg(
            "BEGIN; CREATE EXTENSION IF NOT EXISTS pgcrypto; SET statement_timeout = 0;
                      CREATE TABLE t (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
                      COMMENT ON TABLE t IS 'x'; CREATE VIEW v AS SELECT * FROM t; COMMIT;",
        );
        assert_eq!(out.summary.total, 0, "{out}");
        let out = pg("CREATE TABLE c AS SELECT 1 AS x;");
        assert!(out.notes.iter().any(|n| n.contains("copies its columns")));
        none(&out, "missing-primary-key");
    }

    // --- output -----------------------------------------------------------------------------------

    const KITCHEN_SINK: &str = "CREATE TABLE users (email text, password text, balance float, seen timestamp);
        CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (email), a int, b int);
        CREATE INDEX o_a ON orders (a); CREATE INDEX o_ab ON orders (a, b);
        ALTER TABLE accounts ADD COLUMN kind text NOT NULL;
        CREATE INDEX acc_kind ON accounts (kind);
        ALTER TABLE accounts ADD CONSTRAINT acc_u UNIQUE (kind);
        ALTER TABLE accounts ADD CONSTRAINT acc_fk FOREIGN KEY (owner_id) REFERENCES users (id);
        ALTER TABLE accounts ALTER COLUMN kind SET NOT NULL;
        ALTER TABLE accounts ALTER COLUMN note TYPE varchar(5);
        ALTER TABLE accounts DROP COLUMN legacy;
        ALTER TABLE accounts RENAME COLUMN x TO y;
        DROP TABLE junk;";

    #[test]
    fn every_rule_and_reference_is_reachable_and_allowed() {
        let out = run(
            SqlDialect::Postgres,
            KITCHEN_SINK,
            &[
                "SELECT * FROM orders WHERE b = $1",
                "SELECT * FROM ghosts WHERE x = 1",
            ],
        );
        let rules: BTreeSet<&str> = out.findings.iter().map(|f| f.rule.as_str()).collect();
        for r in [
            "missing-primary-key",
            "unindexed-foreign-key",
            "query-not-covered",
            "redundant-index",
            "plaintext-secret",
            "float-money",
            "destructive-migration",
            "not-null-without-default",
            "blocking-index-build",
            "blocking-foreign-key-validation",
            "blocking-set-not-null",
            "column-type-change",
            "timestamp-without-time-zone",
            "query-table-unknown",
        ] {
            assert!(rules.contains(r), "rule {r} not reached: {out}");
        }
        let mysql = run(SqlDialect::Mysql, FK_DDL, &[]);
        assert!(
            mysql
                .findings
                .iter()
                .any(|f| f.rule == "inline-references-ignored")
        );
        let mut all_refs: Vec<String> = out.references.clone();
        for d in [SqlDialect::Mysql, SqlDialect::Sqlite, SqlDialect::Generic] {
            let o = run(
                d,
                "CREATE TABLE t (api_key text, price real); ALTER TABLE t RENAME TO u;",
                &[],
            );
            all_refs.extend(o.references);
            all_refs.extend(o.findings.into_iter().map(|f| f.reference));
        }
        all_refs.extend(out.findings.iter().map(|f| f.reference.clone()));
        for r in &all_refs {
            assert!(is_citable(r), "reference {r} is not citable");
        }
        for f in &out.findings {
            assert!(!f.message.is_empty() && !f.fix.is_empty() && !f.table.is_empty());
        }
    }

    #[test]
    fn findings_are_ordered_by_statement_then_rule_and_deterministic() {
        let a = run(
            SqlDialect::Postgres,
            KITCHEN_SINK,
            &["SELECT * FROM orders WHERE b = $1"],
        );
        let b = run(
            SqlDialect::Postgres,
            KITCHEN_SINK,
            &["SELECT * FROM orders WHERE b = $1"],
        );
        assert_eq!(a.findings, b.findings);
        let keys: Vec<(usize, String)> = a
            .findings
            .iter()
            .map(|f| (f.statement.unwrap_or(usize::MAX), f.rule.clone()))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(
            a.findings.last().map(|f| f.rule.as_str()),
            Some("query-not-covered")
        );
        assert_eq!(
            a.summary.total,
            a.summary.high + a.summary.medium + a.summary.low
        );
        // Statement 1 findings come first, with its line.
        assert_eq!(a.findings[0].statement, Some(1));
        assert_eq!(a.findings[0].line, Some(1));
    }

    #[test]
    fn serde_contract_and_display() {
        let input: ReviewSchemaInput =
            serde_json::from_str(r#"{"ddl": "CREATE TABLE t (price float)"}"#)
                .expect("valid input");
        assert_eq!(input.dialect, None);
        let input: ReviewSchemaInput = serde_json::from_str(
            r#"{"ddl": "x", "dialect": "postgresql", "queries": ["SELECT 1"]}"#,
        )
        .expect("alias");
        assert_eq!(input.dialect, Some(SqlDialect::Postgres));
        for (s, d) in [
            ("mysql", SqlDialect::Mysql),
            ("sqlite", SqlDialect::Sqlite),
            ("generic", SqlDialect::Generic),
        ] {
            let v: SqlDialect = serde_json::from_str(&format!("\"{s}\"")).expect("dialect");
            assert_eq!(v, d);
        }
        assert!(serde_json::from_str::<ReviewSchemaInput>(r#"{"ddl": "x", "extra": 1}"#).is_err());
        assert!(
            serde_json::from_str::<ReviewSchemaInput>(r#"{"ddl": "x", "dialect": "oracle"}"#)
                .is_err()
        );

        let out = pg("CREATE TABLE t (price float);");
        let json = serde_json::to_value(&out).expect("serialize");
        assert_eq!(json["dialect"], "postgres");
        assert_eq!(json["findings"][0]["severity"], "high");
        assert_eq!(json["findings"][0]["rule"], "float-money");
        assert_eq!(json["findings"][0]["columns"][0], "price");
        assert!(json["findings"][0].get("query").is_none());
        assert_eq!(json["summary"]["high"], 2);
        let back: ReviewSchemaOutput = serde_json::from_value(json).expect("round trip");
        assert_eq!(back.findings, out.findings);

        let text = out.to_string();
        assert!(text.starts_with("Schema review (PostgreSQL): 1 table(s), 2 finding(s): 2 high"));
        assert!(text.contains("[HIGH] float-money: t (price)"));
        assert!(text.contains("Read: skill://backend-engineering/references/schema-design.md#"));
        assert!(text.contains("Notes:"));
        let clean = pg("CREATE TABLE t (id int PRIMARY KEY);").to_string();
        assert!(clean.contains("No findings."));
        assert!(!TITLE.is_empty() && DESCRIPTION.len() > 100);
    }

    #[test]
    fn json_schemas_describe_every_input_field() {
        let schema =
            serde_json::to_value(schemars::schema_for!(ReviewSchemaInput)).expect("schema");
        let props = &schema["properties"];
        for field in ["ddl", "dialect", "queries"] {
            assert!(props[field].is_object(), "missing {field} in {schema}");
        }
        assert!(
            props["ddl"]["description"]
                .as_str()
                .is_some_and(|d| d.contains("1 MiB"))
        );
        assert!(
            props["queries"]["description"]
                .as_str()
                .is_some_and(|d| d.contains("200 queries"))
        );
        assert_eq!(schema["required"], serde_json::json!(["ddl"]));
        let text =
            serde_json::to_string(&schemars::schema_for!(ReviewSchemaOutput)).expect("schema");
        for word in [
            "findings",
            "severity",
            "reference",
            "tables",
            "summary",
            "references",
            "postgres",
        ] {
            assert!(text.contains(word), "{word} missing from the output schema");
        }
        let out = run(
            SqlDialect::Mysql,
            "CREATE TABLE t (id INT PRIMARY KEY);",
            &["SELECT 1 FROM dual"],
        );
        assert_eq!(out.summary.total, 0);
    }

    // --- helpers ----------------------------------------------------------------------------------

    #[test]
    fn name_heuristics() {
        assert_eq!(name_words("apiKeyHash"), vec!["api", "key", "hash"]);
        assert_eq!(name_words("user-password"), vec!["user", "password"]);
        assert_eq!(secret_kind("apiKey"), Some(SecretKind::Key));
        assert_eq!(secret_kind("PASSWORD"), Some(SecretKind::Password));
        assert_eq!(secret_kind("password_salt"), None);
        assert_eq!(secret_kind("private_key_pem"), Some(SecretKind::Key));
        assert_eq!(secret_kind("keyboard"), None);
        assert!(is_money_name("unitPrice"));
        assert!(!is_money_name("score"));
        assert_eq!(generated_index_name(&"x".repeat(100), &[]).len(), 63);
    }

    #[test]
    fn type_comparisons() {
        let d = SqlDialect::Postgres;
        let ty = |s: &str| -> Ty {
            let sql = format!("CREATE TABLE t (c {s})");
            let st = Parser::parse_sql(&PostgreSqlDialect {}, &sql).expect("parse");
            match &st[0] {
                Statement::CreateTable(ct) => classify(&ct.columns[0].data_type, d),
                _ => unreachable!(),
            }
        };
        assert!(matches!(
            compare_types(&ty("bigint"), &ty("int")),
            TypeChange::Narrowing(_)
        ));
        assert!(matches!(
            compare_types(&ty("int"), &ty("bigint")),
            TypeChange::Rewrite
        ));
        assert!(matches!(
            compare_types(&ty("numeric(10,2)"), &ty("int")),
            TypeChange::Narrowing(_)
        ));
        assert!(matches!(
            compare_types(&ty("text"), &ty("int")),
            TypeChange::Narrowing(_)
        ));
        assert!(matches!(
            compare_types(&ty("timestamptz"), &ty("date")),
            TypeChange::Narrowing(_)
        ));
        assert!(matches!(
            compare_types(&ty("bigint"), &ty("numeric(10,0)")),
            TypeChange::Narrowing(_)
        ));
        assert!(matches!(
            compare_types(&ty("int"), &ty("numeric(20,0)")),
            TypeChange::Rewrite
        ));
        assert!(matches!(
            compare_types(&ty("varchar(10)"), &ty("varchar(10)")),
            TypeChange::Same
        ));
        assert!(matches!(
            compare_types(&ty("bytea"), &ty("bytea")),
            TypeChange::Same
        ));
        assert!(matches!(
            compare_types(&ty("serial"), &ty("bigint")),
            TypeChange::Rewrite
        ));
        assert!(matches!(
            compare_types(&ty("double precision"), &ty("real")),
            TypeChange::Narrowing(_)
        ));
        assert!(matches!(
            compare_types(&ty("uuid"), &ty("varchar(20)")),
            TypeChange::Narrowing(_)
        ));
        assert!(matches!(
            compare_types(&ty("int"), &ty("boolean")),
            TypeChange::Narrowing(_)
        ));
    }

    // --- never panic ------------------------------------------------------------------------------

    fn token_soup() -> impl Strategy<Value = String> {
        let tokens = prop::sample::select(vec![
            "CREATE",
            "TABLE",
            "INDEX",
            "UNIQUE",
            "ON",
            "ALTER",
            "ADD",
            "DROP",
            "COLUMN",
            "RENAME",
            "TO",
            "PRIMARY",
            "KEY",
            "FOREIGN",
            "REFERENCES",
            "NOT",
            "NULL",
            "DEFAULT",
            "CONCURRENTLY",
            "IF",
            "EXISTS",
            "SELECT",
            "FROM",
            "WHERE",
            "JOIN",
            "ORDER",
            "BY",
            "AND",
            "OR",
            "IN",
            "(",
            ")",
            ",",
            ";",
            "=",
            "<",
            ">",
            "t",
            "u",
            "\"T\"",
            "`t`",
            "s.t",
            "a",
            "b",
            "id",
            "password",
            "price",
            "int",
            "text",
            "float",
            "varchar(10)",
            "timestamp",
            "1",
            "'x'",
            "$1",
            "?",
            "TYPE",
            "SET",
            "CONSTRAINT",
            "CHECK",
            "TRUNCATE",
            "WITH",
            "AS",
            "USING",
            "KEY",
            "CHANGE",
            "MODIFY",
        ]);
        prop::collection::vec(tokens, 0..60).prop_map(|v| v.join(" "))
    }

    fn dialects() -> impl Strategy<Value = Option<SqlDialect>> {
        prop::option::of(prop::sample::select(vec![
            SqlDialect::Postgres,
            SqlDialect::Mysql,
            SqlDialect::Sqlite,
            SqlDialect::Generic,
        ]))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_strings_never_panic(ddl in ".{0,300}", q in ".{0,120}", dialect in dialects()) {
            let input = ReviewSchemaInput { ddl, dialect, queries: Some(vec![q]) };
            let _ = review_schema(&input);
        }

        #[test]
        fn token_soups_never_panic(ddl in token_soup(), qs in prop::collection::vec(token_soup(), 0..3), dialect in dialects()) {
            let input = ReviewSchemaInput { ddl, dialect, queries: Some(qs) };
            if let Ok(out) = review_schema(&input) {
                prop_assert_eq!(out.summary.total, out.findings.len());
                let _ = out.to_string();
            }
        }

        #[test]
        fn generated_schemas_never_panic(
            cols in prop::collection::vec(("[a-z_]{1,12}", prop::sample::select(vec!["int", "bigint", "text", "float", "numeric(10,2)", "timestamp", "bytea", "varchar(5)"]), any::<bool>()), 1..8),
            extra in prop::sample::select(vec![
                "", "ALTER TABLE t DROP COLUMN c0;", "CREATE INDEX i ON t (c0);", "ALTER TABLE t RENAME TO v;",
                "ALTER TABLE t ALTER COLUMN c0 TYPE int;", "DROP TABLE t;", "ALTER TABLE t ADD COLUMN z int NOT NULL;",
            ]),
            dialect in dialects(),
        ) {
            let defs: Vec<String> = cols.iter().enumerate().map(|(i, (n, ty, nn))| {
                format!("c{i}_{n} {ty}{}", if *nn { " NOT NULL" } else { "" })
            }).collect();
            let ddl = format!("CREATE TABLE t ({}); {extra}", defs.join(", "));
            let q = "SELECT * FROM t WHERE c0 = 1 ORDER BY c1".to_string();
            let input = ReviewSchemaInput { ddl, dialect, queries: Some(vec![q]) };
            if let Ok(out) = review_schema(&input) {
                prop_assert!(out.findings.iter().all(|f| is_citable(&f.reference)));
            }
        }
    }
}
