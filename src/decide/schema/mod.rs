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
    Expr, ForeignKeyConstraint, FromTable, FunctionArg, FunctionArgExpr, FunctionArguments,
    GeneratedAs, Ident, IndexColumn, IndexType, JoinConstraint, JoinOperator, ObjectName,
    ObjectType, OrderByExpr, OrderByKind, Query, RenameTableNameKind, Select, SelectItem, Set,
    SetExpr, Statement, TableConstraint, TableFactor, TableWithJoins, TimezoneInfo,
    UpdateTableFromKind, Value,
};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer};

use sqlparser::tokenizer::TokenWithSpan;

use super::common::{DecideError, reference_uri};

mod apply;
mod budget;
mod catalog;
mod column_rules;
mod heuristics;
mod index_rules;
mod names;
mod parse;
mod plan;
mod queries;
mod replay;
mod replay_checks;
pub mod reply;
pub mod rules;
mod script;
mod split;
mod types;

use apply::*;
use budget::Budget;
use catalog::*;
use column_rules::*;
use heuristics::*;
use index_rules::*;
use names::*;
#[cfg(test)]
use parse::MAX_CHAIN_TOKENS;
pub use parse::Unparsed;
use parse::{Phase, Recognised, Stmt};
use plan::*;
use queries::*;
use replay::*;
use replay_checks::*;
use script::*;
use types::*;

#[cfg(test)]
mod tests;

/// Human title of the tool.
pub const TITLE: &str = "Review a database schema";

/// When to call the tool and what it returns.
pub const DESCRIPTION: &str = "Call before running a migration or when designing a schema. To review a migration, \
pass `schema` (the live tables: a dump or structure.sql, read whole) and `migration` (the change): every table the \
migration does not create counts as live, with rows. For a new schema, pass `ddl`. Add `queries` to check indexes. \
Returns findings (rule id, severity, table, columns, why, the exact fix SQL; the `max_findings` most severe, the \
rest counted): locks and rewrites on live tables \
(missing lock_timeout, non-concurrent index builds, validating constraints, SET NOT NULL, type changes), data loss, \
transaction mistakes, and design rules (keys, foreign key indexes, types, secrets, money). Statements that do not \
parse are listed; the rest is reviewed.";

/// Largest total input (`schema` + `migration` + `ddl`) accepted, in bytes (16 MiB). Over MCP the
/// stdio line cap (4 MiB per request) binds first.
pub const MAX_INPUT_BYTES: usize = 16 * 1_048_576;
/// Most `queries` accepted.
pub const MAX_QUERIES: usize = 200;
/// Largest single query accepted, in bytes (64 KiB).
pub const MAX_QUERY_BYTES: usize = 65_536;
/// Deepest syntax-tree recursion the query analysis follows; deeper parts are skipped, not analysed.
const MAX_WALK_DEPTH: usize = 48;
/// PostgreSQL major version assumed when `postgres_version` is not given.
pub const DEFAULT_POSTGRES_VERSION: u32 = 16;

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
    /// The current schema: live tables with data (pg_dump --schema-only, structure.sql, mysqldump
    /// --no-data, sqlite .schema). Read whole; what does not parse is listed and skipped.
    #[serde(default)]
    pub schema: Option<String>,
    /// The migration to review against `schema`: lock and rewrite rules treat every table it does not
    /// create as live.
    #[serde(default)]
    pub migration: Option<String>,
    /// One script (a new schema, or schema then migration): tables it creates count as new and empty.
    #[serde(default)]
    pub ddl: Option<String>,
    /// `postgres` (default), `mysql` (InnoDB), `sqlite` or `generic`.
    #[serde(default)]
    pub dialect: Option<SqlDialect>,
    /// PostgreSQL major version the migration runs on (default 16).
    #[serde(default)]
    pub postgres_version: Option<u32>,
    /// The application's SELECT/UPDATE/DELETE statements, checked against the indexes (at most 200).
    #[serde(default)]
    pub queries: Option<Vec<String>>,
    /// Findings listed, most severe first (default 30, at most 1000).
    #[serde(default)]
    pub max_findings: Option<usize>,
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
    /// 1-based line of that statement in its input (`migration` or `ddl`; `schema` when `input` says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// `schema` when the finding is about a statement of `schema` (absent: `migration` or `ddl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
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
    /// Counts by severity (of every finding, listed or not).
    pub summary: SeveritySummary,
    /// What this reply left out to stay readable: findings beyond `max_findings`, tables beyond 25.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omitted: Option<reply::Omitted>,
    /// Statements that did not parse and were skipped (the rest was reviewed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unparsed: Vec<Unparsed>,
    /// Things the review skipped or could not judge (unsupported statements, unknown columns).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
        if let Some(o) = self.omitted.as_ref().filter(|o| o.findings > 0) {
            let rules: Vec<String> = o
                .by_rule
                .iter()
                .map(|c| {
                    format!(
                        "{} {} ({})",
                        c.count,
                        c.rule,
                        c.severity.label().to_lowercase()
                    )
                })
                .collect();
            writeln!(
                f,
                "\n{} more finding(s) not listed: {}",
                o.findings,
                rules.join(", ")
            )?;
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
            if let Some(o) = self.omitted.as_ref().filter(|o| o.tables > 0) {
                writeln!(f, "  ... and {} more table(s)", o.tables)?;
            }
        }
        if !self.unparsed.is_empty() {
            writeln!(f, "\nNot parsed (skipped, the rest was reviewed):")?;
            for u in &self.unparsed {
                writeln!(
                    f,
                    "  {} line {}: {}: {}",
                    u.input, u.line, u.starts, u.error
                )?;
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

fn check_queries(queries: &[String]) -> Result<(), DecideError> {
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
    Ok(())
}

/// Reviews the migration (or `ddl`) against `schema`, and the access patterns in `queries`: a reply
/// for a model, listing at most `max_findings` findings and [`reply::MAX_TABLES`] tables.
pub fn review_schema(input: &ReviewSchemaInput) -> Result<ReviewSchemaOutput, DecideError> {
    let max_findings = reply::max_findings(input.max_findings)?;
    let mut out = review_with_budget(input, budget::DEFAULT_WORK)?;
    reply::trim(&mut out, max_findings);
    Ok(out)
}

/// The whole review, every finding and table listed (the command line's; `max_findings` is ignored).
pub fn review_all(input: &ReviewSchemaInput) -> Result<ReviewSchemaOutput, DecideError> {
    review_with_budget(input, budget::DEFAULT_WORK)
}

/// [`review_all`] with an explicit work budget (units: bytes read plus catalog and rule steps).
pub fn review_with_budget(
    input: &ReviewSchemaInput,
    work: usize,
) -> Result<ReviewSchemaOutput, DecideError> {
    let (out, _) = review_counting(input, work)?;
    Ok(out)
}

/// The review and the work it took (for the tests that pin growth).
pub fn review_counting(
    input: &ReviewSchemaInput,
    work: usize,
) -> Result<(ReviewSchemaOutput, usize), DecideError> {
    let dialect = input.dialect.unwrap_or_default();
    let pg_version = input.postgres_version.unwrap_or(DEFAULT_POSTGRES_VERSION);
    if !(9..=30).contains(&pg_version) {
        return Err(DecideError::InvalidInput(format!(
            "postgres_version: {pg_version}; give the major version, 9 to 30 (default {DEFAULT_POSTGRES_VERSION})"
        )));
    }
    fn given(s: &Option<String>) -> Option<&str> {
        s.as_deref().filter(|s| !s.trim().is_empty())
    }
    let (schema, migration, ddl) = (
        given(&input.schema),
        given(&input.migration),
        given(&input.ddl),
    );
    if ddl.is_some() && (schema.is_some() || migration.is_some()) {
        return Err(DecideError::InvalidInput(
            "ddl: give either `ddl` (one script) or `schema` and/or `migration`, not both".into(),
        ));
    }
    let total = [schema, migration, ddl]
        .iter()
        .map(|s| s.map_or(0, str::len))
        .sum::<usize>();
    if total > MAX_INPUT_BYTES {
        return Err(DecideError::TooLarge(format!(
            "schema + migration + ddl: {total} bytes; at most {MAX_INPUT_BYTES} bytes (16 MiB) are reviewed at once"
        )));
    }
    if total == 0 {
        return Err(DecideError::InvalidInput(
            "schema, migration and ddl are all empty; pass `migration` (and `schema`, the live tables) or `ddl`"
                .into(),
        ));
    }
    let queries: &[String] = input.queries.as_deref().unwrap_or(&[]);
    check_queries(queries)?;

    let script_name = if ddl.is_some() { "ddl" } else { "migration" };
    let schema_pieces = schema.map(|s| split::split(s, dialect));
    let script_pieces = migration.or(ddl).map(|s| split::split(s, dialect));
    let opts = Options {
        dialect,
        pg_version,
        two_inputs: schema.is_some() && migration.is_some(),
    };
    let inputs = Inputs {
        dialect,
        opts,
        schema: schema_pieces.as_deref(),
        script: script_pieces.as_deref(),
        script_name,
    };
    let mut budget = Budget::new(work);
    // Statements are parsed and replayed one at a time, so only one syntax tree is alive at once. Names
    // are keyed with a guess read from the text (which tables are written under two schemas); when the
    // parsed statements prove the guess wrong for a name that was looked up, the review runs again with
    // the exact set.
    let texts = schema_pieces
        .iter()
        .chain(script_pieces.iter())
        .flatten()
        .filter(|p| !p.client_command)
        .map(|p| p.text);
    let guess = SchemaNames::guess(texts);
    let mut pass = replay_pass(&inputs, Ctx::new(dialect, guess), &mut budget)?;
    if !pass.reviewer.ctx.guess_held(&pass.exact) {
        let exact = std::mem::take(&mut pass.exact);
        drop(pass);
        pass = replay_pass(&inputs, Ctx::new(dialect, exact), &mut budget)?;
    }
    let Pass {
        mut reviewer,
        exact,
        unparsed,
        positions,
        empty_schema,
        empty_script,
    } = pass;
    reviewer.ctx.settle_names(exact);
    let reviewed_script = positions.total > positions.schema;
    if !reviewed_script && !empty_script && (migration.is_some() || ddl.is_some()) {
        let first: Vec<String> = unparsed
            .iter()
            .filter(|u| u.input == script_name)
            .take(3)
            .map(|u| format!("line {} ({}): {}", u.line, u.starts, u.error))
            .collect();
        return Err(DecideError::InvalidInput(format!(
            "{script_name}: no statement parses as {}: {}",
            dialect.label(),
            first.join("; ")
        )));
    }
    let mut parsed_queries = Vec::with_capacity(queries.len());
    for (i, q) in queries.iter().enumerate() {
        budget.charge(q.len())?;
        parsed_queries.push(parse::parse_query(dialect, q, &format!("queries[{i}]"))?);
    }

    reviewer.end_of_script(&positions);
    reviewer.catalog_rules(&mut budget)?;
    let base = positions.total;
    let col_tables = if parsed_queries.is_empty() {
        ColumnTables::default()
    } else {
        ColumnTables::new(&reviewer.catalog, &mut budget)?
    };
    for (qi, stmts) in parsed_queries.iter().enumerate() {
        reviewer.query(base, qi, stmts, &col_tables, &mut budget)?;
    }
    reviewer.plan_queries(&mut budget)?;
    let mut out = reviewer.into_output(!queries.is_empty(), &positions);
    out.unparsed = unparsed;
    for (empty, name) in [(empty_script, script_name), (empty_schema, "schema")] {
        if empty {
            out.notes.insert(
                0,
                format!("{name}: only comments, no SQL statement; reviewed as empty"),
            );
        }
    }
    Ok((out, budget.used()))
}
