//! The replay: every statement is applied to the catalog in order, and the statement rules fire as it
//! is. Tables created by `schema` are live; tables the script creates are new and empty.

use super::*;

/// One access pattern of `queries` that no index serves (fully or at all).
pub struct Uncovered {
    pub pos: usize,
    pub qi: usize,
    pub table_key: String,
    pub need: Need,
    /// The index that serves part of it, when one does.
    pub partial: Option<Index>,
}

pub struct Pending {
    pub pos: usize,
    pub seq: usize,
    pub finding: Finding,
}

#[derive(Default)]
pub struct Out {
    pub findings: Vec<Pending>,
    pub notes: Vec<String>,
}

impl Out {
    #[allow(clippy::too_many_arguments)]
    pub fn push(
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
                input: None,
                query: None,
            },
        });
        seq
    }
}

/// What the review is told about the run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub dialect: SqlDialect,
    /// PostgreSQL major version.
    pub pg_version: u32,
    /// `schema` and `migration` were both given: design findings are kept for the tables the migration
    /// touches.
    pub two_inputs: bool,
}

/// Rules whose per-column findings on one table are merged into one.
const PER_TABLE_RULES: &[&str] = &["varchar-length", "char-type", "timestamp-without-time-zone"];

pub struct Reviewer {
    pub opts: Options,
    /// Phase of the statement being replayed.
    pub phase: Phase,
    /// Transaction and timeout state of the script.
    pub script: ScriptState,
    /// Display names of the tables the script statements touch.
    pub touched: HashSet<String>,
    /// Keys of sequences and views the script creates.
    pub new_objects: HashSet<String>,
    pub ctx: Ctx,
    pub catalog: Catalog,
    pub out: Out,
    /// Table key -> index in `out.findings` of the DROP TABLE finding, to soften it when the script
    /// recreates the table.
    pub pending_drops: HashMap<String, usize>,
    /// Access patterns no index serves, in query order: planned per table once every query is read.
    pub uncovered: Vec<Uncovered>,
    pub unknown_tables_noted: HashSet<(usize, String)>,
    /// Lower-case index name -> key of the table it was created on (for DROP INDEX without ON).
    pub index_homes: HashMap<String, String>,
}

/// Where the statements came from, kept after their syntax trees are gone: the first `schema`
/// statements are the schema's, the rest up to `total` the script's.
#[derive(Debug, Default)]
pub struct Positions {
    pub schema: usize,
    pub total: usize,
    /// Rule ids silenced per statement position (only statements with an ignore comment).
    pub ignores: HashMap<usize, Vec<String>>,
}

/// What one review reads: the splitter's pieces of each input.
pub struct Inputs<'p, 'a> {
    pub dialect: SqlDialect,
    pub opts: Options,
    pub schema: Option<&'p [split::Piece<'a>]>,
    pub script: Option<&'p [split::Piece<'a>]>,
    pub script_name: &'static str,
}

/// The state after every statement was parsed and replayed.
pub struct Pass {
    pub reviewer: Reviewer,
    /// The schema qualifiers the parsed statements really wrote.
    pub exact: SchemaNames,
    pub unparsed: Vec<Unparsed>,
    pub positions: Positions,
    /// `schema` held comments only.
    pub empty_schema: bool,
    /// The script held comments only.
    pub empty_script: bool,
}

struct Sink {
    reviewer: Reviewer,
    exact: SchemaNames,
    positions: Positions,
}

impl Sink {
    fn take(&mut self, st: Stmt, budget: &mut Budget) -> Result<(), DecideError> {
        let pos = self.positions.total;
        if let Some(a) = &st.ast {
            self.exact.add_statement(a);
        }
        if !st.ignore.is_empty() {
            self.positions.ignores.insert(pos, st.ignore.clone());
        }
        self.positions.total += 1;
        self.reviewer.statement(pos, &st, budget)
    }
}

/// Parses and replays both inputs, one statement at a time (its tree is dropped once replayed).
pub fn replay_pass(inputs: &Inputs, ctx: Ctx, budget: &mut Budget) -> Result<Pass, DecideError> {
    let mut sink = Sink {
        reviewer: Reviewer::new(inputs.opts, ctx),
        exact: SchemaNames::default(),
        positions: Positions::default(),
    };
    let mut unparsed = Vec::new();
    let mut empty_schema = false;
    if let Some(pieces) = inputs.schema {
        parse::parse_pieces(
            inputs.dialect,
            pieces,
            Phase::Schema,
            "schema",
            budget,
            &mut unparsed,
            &mut |st, b| sink.take(st, b),
        )?;
        empty_schema = sink.positions.total == 0 && unparsed.is_empty();
    }
    sink.positions.schema = sink.positions.total;
    let mut empty_script = false;
    if let Some(pieces) = inputs.script {
        let before = (sink.positions.total, unparsed.len());
        parse::parse_pieces(
            inputs.dialect,
            pieces,
            Phase::Script,
            inputs.script_name,
            budget,
            &mut unparsed,
            &mut |st, b| sink.take(st, b),
        )?;
        empty_script = (sink.positions.total, unparsed.len()) == before;
    }
    Ok(Pass {
        reviewer: sink.reviewer,
        exact: sink.exact,
        unparsed,
        positions: sink.positions,
        empty_schema,
        empty_script,
    })
}

pub struct Loc {
    pub pos: usize,
    pub line: Option<u64>,
}

impl Reviewer {
    pub fn new(opts: Options, ctx: Ctx) -> Self {
        Reviewer {
            opts,
            phase: Phase::Script,
            script: ScriptState::default(),
            touched: HashSet::new(),
            new_objects: HashSet::new(),
            ctx,
            catalog: Catalog::default(),
            out: Out::default(),
            pending_drops: HashMap::new(),
            uncovered: Vec::new(),
            unknown_tables_noted: HashSet::new(),
            index_homes: HashMap::new(),
        }
    }

    /// Replays one statement.
    pub fn statement(
        &mut self,
        pos: usize,
        stmt: &Stmt,
        budget: &mut Budget,
    ) -> Result<(), DecideError> {
        budget.charge(1)?;
        self.replay_one(pos, stmt);
        budget.settle()
    }

    fn replay_one(&mut self, pos: usize, stmt: &Stmt) {
        self.phase = stmt.phase;
        if self.phase == Phase::Script {
            // Sequences and views the script creates are new objects: ALTER TABLE on them locks nothing live.
            if let Some(n) = parse::created_object(&stmt.head) {
                self.new_objects.insert(self.ctx.table_name(&n).key);
            }
        }
        let loc = Loc {
            pos,
            line: Some(u64::from(stmt.line)),
        };
        if let Some(r) = &stmt.recognised {
            self.recognised(r, &loc);
            return;
        }
        let Some(st) = &stmt.ast else {
            return;
        };
        if self.phase == Phase::Script {
            self.script_statement(st, stmt, &loc);
        }
        self.ast_statement(st, stmt, &loc);
    }

    fn ast_statement(&mut self, st: &Statement, stmt: &Stmt, loc: &Loc) {
        let pos = loc.pos;
        let loc = &Loc {
            pos,
            line: loc.line,
        };
        match st {
            Statement::CreateTable(ct) => {
                self.create_table(ct, loc);
                self.register_indexes(&ct.name, pos);
            }
            Statement::CreateIndex(ci) => {
                self.create_index(ci, stmt.on_only, loc);
                self.register_indexes(&ci.table_name, pos);
            }
            Statement::AlterTable(at) => {
                self.alter_table(at, loc);
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
                        if self.phase == Phase::Script {
                            let name = self.ctx.table_name(n);
                            if !self.catalog.get(&name.key).is_some_and(|t| t.new) {
                                self.strong_lock(loc, &name.display);
                            }
                        }
                        self.drop_table(n, loc);
                    }
                }
                ObjectType::Database | ObjectType::Schema => {
                    for n in names {
                        let what = if *object_type == ObjectType::Database {
                            "DATABASE"
                        } else {
                            "SCHEMA"
                        };
                        self.push_rule(
                            &rules::destructive_migration::RULE,
                            loc,
                            "",
                            vec![],
                            format!(
                                "DROP {what} {n} deletes every table in it with all their rows: no rollback but a \
                                 restore from backup. A migration should never drop a {}.",
                                what.to_lowercase()
                            ),
                            format!("-- remove it from the migration; if {n} is truly obsolete, back it up and drop it by hand"),
                        );
                    }
                }
                ObjectType::Index => {
                    for n in names {
                        self.drop_index(n, table.as_ref(), stmt.concurrently, loc);
                    }
                }
                _ => {}
            },
            Statement::RenameTable(pairs) => {
                for rt in pairs {
                    self.rename_table(&rt.old_name, &rt.new_name, loc);
                }
            }
            Statement::Truncate(tr) => {
                let cascade = matches!(tr.cascade, Some(sqlparser::ast::CascadeOption::Cascade));
                for t in &tr.table_names {
                    let name = self.ctx.table_name(&t.name);
                    if self.phase == Phase::Script
                        && !self.catalog.get(&name.key).is_some_and(|t| t.new)
                    {
                        self.touched.insert(name.display.clone());
                        self.strong_lock(loc, &name.display);
                    }
                    let also = if cascade {
                        " With CASCADE it also empties every table whose foreign keys reference it, and theirs \
                         in turn: rows the script never names."
                    } else {
                        ""
                    };
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
                             from backup.{also}",
                            name.display
                        ),
                        fix,
                        ref_schema("destructive-changes-and-rollback-plans"),
                    );
                }
            }
            Statement::CreateTrigger(tr) => {
                let name = self.ctx.table_name(&tr.table_name);
                if self.phase == Phase::Script
                    && !self.catalog.get(&name.key).is_some_and(|t| t.new)
                {
                    self.touched.insert(name.display.clone());
                    self.strong_lock(loc, &name.display);
                }
            }
            _ => {}
        }
    }

    // --- CREATE TABLE -------------------------------------------------------------------------------

    pub fn create_table(&mut self, ct: &CreateTable, loc: &Loc) {
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
        t.new = self.phase == Phase::Script;
        t.temporary = ct.temporary;
        t.complete = !ct.columns.is_empty() || ct.partition_of.is_some();
        t.partitioned = ct.partition_by.is_some();
        t.partition_of = ct.partition_of.as_ref().map(|p| self.ctx.table_name(p).key);
        if self.phase == Phase::Script {
            self.touched.insert(name.display.clone());
        }
        self.check_identifier(loc, &name.display, "Table", &name.short);
        let mut seen: HashSet<String> = HashSet::with_capacity(ct.columns.len());
        for def in &ct.columns {
            let key = def.name.value.to_lowercase();
            let col = self.ctx.ident_display(&def.name);
            if !seen.insert(key) {
                let (m, mut f) = rules::duplicate_column::advice(&name.display, &col, true);
                // The statement with the second definition left out, to run instead.
                let mut once = ct.clone();
                let mut kept = HashSet::with_capacity(once.columns.len());
                once.columns
                    .retain(|d| kept.insert(d.name.value.to_lowercase()));
                f = format!("{once};  -- {f}");
                self.push_rule(
                    &rules::duplicate_column::RULE,
                    loc,
                    &name.display,
                    vec![col.clone()],
                    m,
                    f,
                );
                continue;
            }
            self.check_identifier(loc, &name.display, "Column", &col);
            self.check_serial(loc, &name, &col, &def.data_type);
            self.references_live_table(loc, def);
            add_column(&self.ctx, &mut t, def, loc, true);
            // A table of `schema` is live: its fixes are ALTERs to run, not declarations to edit.
            let live = !t.new;
            check_column_type(
                &self.ctx,
                &name,
                &self.ctx.ident_display(&def.name),
                &def.data_type,
                live,
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

    pub fn create_index(&mut self, ci: &CreateIndex, on_only: bool, loc: &Loc) {
        let name = self.ctx.table_name(&ci.table_name);
        let created = self.catalog.get(&name.key).is_some_and(|t| t.new)
            || self.new_objects.contains(&name.key);
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
            predicate: ci.predicate.as_ref().map(|p| p.to_string().to_lowercase()),
            opclass: ci
                .columns
                .iter()
                .map(|c| {
                    c.operator_class
                        .as_ref()
                        .map(|o| o.to_string().to_lowercase())
                })
                .collect(),
            method: method_of(ci.using.as_ref()),
            stmt: loc.pos,
            line: loc.line,
            implicit: false,
        };
        if let Some(t) = self.catalog.ensure(&name) {
            // Only IF NOT EXISTS needs the scan (charged: thousands of them on one table meet the budget).
            let exists = ci.if_not_exists
                && index_name.as_deref().is_some_and(|n| {
                    budget::tally(t.indexes.len());
                    t.indexes
                        .iter()
                        .any(|i| i.name.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(n)))
                });
            if !exists {
                t.indexes.push(index);
            }
        }
        if self.phase == Phase::Script {
            self.touched.insert(name.display.clone());
            if let Some(n) = &index_name {
                self.check_identifier(loc, &name.display, "Index", n);
            }
            if ci.concurrently && self.script.open_tx.is_some() {
                self.concurrent_in_tx(loc, "CREATE INDEX CONCURRENTLY");
            }
        }
        if self.ctx.dialect == SqlDialect::Postgres && !ci.concurrently && !created && !on_only {
            self.strong_lock(loc, &name.display);
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

    pub fn alter_table(&mut self, at: &AlterTable, loc: &Loc) {
        let mut name = self.ctx.table_name(&at.name);
        if self.phase == Phase::Script {
            self.touched.insert(name.display.clone());
            let new = self.catalog.get(&name.key).is_some_and(|t| t.new)
                || self.new_objects.contains(&name.key);
            let only_validate = at
                .operations
                .iter()
                .all(|op| matches!(op, AlterTableOperation::ValidateConstraint { .. }));
            if !new && !only_validate {
                self.strong_lock(loc, &name.display);
            }
        }
        for op in &at.operations {
            let created = self.catalog.get(&name.key).is_some_and(|t| t.new);
            self.catalog.ensure(&name);
            match op {
                AlterTableOperation::AddColumn { column_def, .. } => {
                    self.add_column_op(&name, column_def, created, loc)
                }
                AlterTableOperation::AddConstraint {
                    constraint,
                    not_valid,
                } => self.add_constraint_op(&name, constraint, *not_valid, created, loc),
                AlterTableOperation::ValidateConstraint { name: cname } => {
                    self.validate_constraint(&name, cname, loc)
                }
                AlterTableOperation::SetLogged | AlterTableOperation::SetUnlogged if !created => {
                    let logged = matches!(op, AlterTableOperation::SetLogged);
                    self.table_rewrite(
                        loc,
                        &name.display,
                        rules::blocking_table_rewrite::Op::SetLogged(logged),
                    );
                }
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
                        budget::tally(t.indexes.len());
                        t.indexes.retain(|i| !i.primary);
                    }
                }
                _ => {}
            }
        }
    }

    pub fn add_column_op(&mut self, name: &TableName, def: &ColumnDef, created: bool, loc: &Loc) {
        let col = self.ctx.ident_display(&def.name);
        let key = def.name.value.to_lowercase();
        if self
            .catalog
            .get(&name.key)
            .is_some_and(|t| t.complete && t.column(&key).is_some())
        {
            let (m, f) = rules::duplicate_column::advice(&name.display, &col, false);
            self.push_rule(
                &rules::duplicate_column::RULE,
                loc,
                &name.display,
                vec![col.clone()],
                m,
                f,
            );
            return;
        }
        self.check_identifier(loc, &name.display, "Column", &col);
        self.check_serial(loc, name, &col, &def.data_type);
        if !created {
            self.add_column_locks(name, def, loc);
        }
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
        let batch =
            self.ctx
                .batch_update_sql(tsql, &format!("{c} = <value>"), &format!("{c} IS NULL"));
        let (why, fix) = match self.ctx.dialect {
            SqlDialect::Generic => (
                "most databases reject it once the table has rows (they would be NULL) or rewrite the \
                 whole table under a lock",
                format!(
                    "-- 1. add the column nullable:\n\
                     ALTER TABLE {tsql} ADD COLUMN {c} {ty};\n\
                     -- 2. deploy code that writes {col}; backfill old rows in small batches (repeat until 0 rows):\n\
                     {batch}\n\
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

    pub fn add_constraint_op(
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
        if not_valid && let Some(n) = constraint_name(constraint) {
            let serial = self.script.open_tx.map_or(0, |_| self.script.tx_serial);
            t.not_valid.push((n.value.to_lowercase(), serial));
            if let TableConstraint::Check(c) = constraint
                && let Some(col) = is_not_null_check(&c.expr)
            {
                t.pending_not_null.push((n.value.to_lowercase(), col));
            }
        }
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
                     -- the first step runs outside a transaction block. The second is brief only when the columns \
                     are already NOT NULL: for a PRIMARY KEY on nullable columns PostgreSQL scans the table under \
                     ACCESS EXCLUSIVE, so make them NOT NULL first (validated CHECK, then SET NOT NULL).",
                    i = self.ctx.q(&iname),
                    t = name.sql,
                    cols = self.ctx.cols_sql(&col_display),
                );
                self.out.push(
                    loc.pos,
                    loc.line,
                    "blocking-unique-constraint",
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
            TableConstraint::Check(c) if !not_valid => {
                let cname = c
                    .name
                    .as_ref()
                    .map(|n| self.ctx.q(&self.ctx.ident_display(n)))
                    .unwrap_or_else(|| self.ctx.q(&format!("{}_check", sanitize(&name.short))));
                let check = format!("CHECK ({})", c.expr);
                let (m, f) = rules::blocking_check_validation::advice(
                    &name.display,
                    &name.sql,
                    &cname,
                    &check,
                );
                self.push_rule(
                    &rules::blocking_check_validation::RULE,
                    loc,
                    &name.display,
                    vec![],
                    m,
                    f,
                );
            }
            _ => {}
        }
    }

    pub fn alter_column(
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
                let proven = self
                    .catalog
                    .get(&name.key)
                    .is_some_and(|t| t.validated_not_null.contains(&key))
                    && self.opts.pg_version >= 12;
                if self.ctx.dialect == SqlDialect::Postgres && !created && !proven {
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
                    if let AlterColumnOperation::AddGenerated { generated_as, .. } = op {
                        // pg_dump's form of an identity column.
                        c.identity = Some(match generated_as {
                            Some(GeneratedAs::ByDefault) => "BY DEFAULT",
                            _ => "ALWAYS",
                        });
                    }
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

    pub fn apply_nullability(
        &mut self,
        name: &TableName,
        column: &Ident,
        options: &[ColumnOption],
    ) {
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

    pub fn type_change(
        &mut self,
        name: &TableName,
        column: &Ident,
        new_type: &DataType,
        loc: &Loc,
    ) {
        let key = column.value.to_lowercase();
        let col = self.ctx.ident_display(column);
        let old = self
            .catalog
            .get(&name.key)
            .and_then(|t| t.column(&key))
            .and_then(|c| c.data_type.clone());
        let existing = self.catalog.get(&name.key).is_some_and(|t| !t.new);
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
            let batch = self.ctx.batch_update_sql(
                t,
                &format!("{tmp} = {c}"),
                &self.ctx.distinct_sql(tmp, &c),
            );
            format!(
                "-- expand: add the new column beside the old one\n\
                 ALTER TABLE {t} ADD COLUMN {tmp} {new_sql};\n\
                 -- deploy code that writes both; backfill in batches, checking values that do not fit:\n\
                 {batch}\n\
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
                sequence: false,
                identity: None,
            });
        }
    }

    pub fn drop_column(&mut self, name: &TableName, column: &Ident, loc: &Loc) {
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

    pub fn rename_column(&mut self, name: &TableName, old: &Ident, new: &Ident, loc: &Loc) {
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
        let batch =
            self.ctx
                .batch_update_sql(t, &format!("{n} = {o}"), &self.ctx.distinct_sql(&n, &o));
        let fix = format!(
            "-- expand: add the new column\n\
             ALTER TABLE {t} ADD COLUMN {n} {ty};\n\
             -- deploy code that writes both {old_d} and {new_d} (or a trigger), then backfill in batches:\n\
             {batch}\n\
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

    pub fn rename_table(&mut self, old: &ObjectName, new: &ObjectName, loc: &Loc) -> TableName {
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

    pub fn drop_table(&mut self, n: &ObjectName, loc: &Loc) {
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

    pub fn drop_index(
        &mut self,
        n: &ObjectName,
        table: Option<&ObjectName>,
        concurrently: bool,
        loc: &Loc,
    ) {
        let Some(iname) = object_idents(n).and_then(|v| v.last().map(|i| i.value.clone())) else {
            return;
        };
        let home_key = match table {
            Some(tn) => Some(self.ctx.table_name(tn).key),
            None => self.index_homes.get(&iname.to_lowercase()).cloned(),
        };
        let home = home_key
            .as_deref()
            .and_then(|k| self.catalog.get(k))
            .map(|t| (t.name.display.clone(), t.new));
        if self.phase == Phase::Script && self.opts.dialect == SqlDialect::Postgres {
            let (table_display, new) = home.unwrap_or_default();
            if !table_display.is_empty() {
                self.touched.insert(table_display.clone());
            }
            if concurrently {
                if self.script.open_tx.is_some() {
                    self.concurrent_in_tx(loc, "DROP INDEX CONCURRENTLY");
                }
            } else if !new {
                self.strong_lock(loc, &table_display);
                let isql = object_idents(n)
                    .map(|v| {
                        v.iter()
                            .map(|i| self.ctx.q(&self.ctx.ident_display(i)))
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .unwrap_or_else(|| n.to_string());
                let (m, f) = rules::blocking_index_drop::advice(&table_display, &isql);
                self.push_rule(
                    &rules::blocking_index_drop::RULE,
                    loc,
                    &table_display,
                    vec![],
                    m,
                    f,
                );
            }
        }
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
    pub fn register_indexes(&mut self, table: &ObjectName, pos: usize) {
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

    /// The foreign keys in `fks` (those referencing the key's table) that reference `col` (by name, or by default the primary key).
    fn live_key_refs(
        &self,
        col: &Column,
        fks: Option<&Vec<(&Table, &ForeignKey)>>,
    ) -> Vec<rules::int_primary_key::Referencing> {
        let q = |s: &str| self.ctx.q(s);
        fks.into_iter()
            .flatten()
            .filter(|(_, fk)| match fk.ref_cols.as_slice() {
                [] => true,
                [r] => eq_ci(r, &col.display),
                _ => false,
            })
            .filter(|(_, fk)| fk.cols.len() == 1)
            .map(|(rt, fk)| {
                let cols: Vec<String> = fk.col_display.iter().map(|c| q(c)).collect();
                rules::int_primary_key::Referencing {
                    table_sql: rt.name.sql.clone(),
                    name: q(&fk.name.clone().unwrap_or_else(|| {
                        format!("{}_{}_fkey", rt.name.short, fk.col_display.join("_"))
                    })),
                    cols: cols.join(", "),
                    display: format!("{}.{}", rt.name.display, fk.col_display.join(", ")),
                    actions: fk.actions.clone(),
                }
            })
            .collect()
    }

    /// Names for the online widening of `t`'s key `col` (PostgreSQL's defaults where the schema gave none).
    fn live_key<'a>(
        &self,
        t: &Table,
        pk: &Index,
        col: &Column,
        refs: &'a [rules::int_primary_key::Referencing],
    ) -> rules::int_primary_key::LiveKey<'a> {
        let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
        let short = &t.name.short;
        let c = &col.display;
        rules::int_primary_key::LiveKey {
            table_lit: lit(&t.name.sql),
            pk_name: self
                .ctx
                .q(&pk.name.clone().unwrap_or_else(|| format!("{short}_pkey"))),
            new_col: self.ctx.q(&format!("{c}_new")),
            old_col: self.ctx.q(&format!("{c}_old")),
            index: self.ctx.q(&format!("{short}_{c}_new_key")),
            check: self.ctx.q(&format!("{short}_{c}_new_not_null")),
            sync: self.ctx.q(&format!("{short}_{c}_new_sync")),
            col_lit: lit(c),
            new_col_lit: lit(&format!("{c}_new")),
            identity: col.identity,
            sequence: col.sequence,
            referencing: refs,
        }
    }

    pub fn catalog_rules(&mut self, budget: &mut Budget) -> Result<(), DecideError> {
        let dialect = self.ctx.dialect;
        // Whether each table has a key, found once (thousands of partitions share one parent).
        let has_pk: Vec<bool> = self.catalog.tables.iter().map(Table::has_pk).collect();
        // Foreign keys by the table they reference (the int -> bigint swap must re-create them).
        let mut referencing: HashMap<&str, Vec<(&Table, &ForeignKey)>> = HashMap::new();
        if dialect == SqlDialect::Postgres {
            for t in self.catalog.live() {
                budget.charge(1 + t.fks.len())?;
                for fk in &t.fks {
                    referencing
                        .entry(fk.ref_key.as_str())
                        .or_default()
                        .push((t, fk));
                }
            }
        }
        for t in self.catalog.tables.iter().filter(|t| !t.dropped) {
            budget.charge(1 + t.columns().len() + t.indexes.len() + t.fks.len())?;
            // missing-primary-key
            let parent_has_pk = t.partition_of.as_ref().is_some_and(|p| {
                let at = self.catalog.by_key.get(p.as_str()).copied();
                at.and_then(|i| self.catalog.tables.get(i))
                    .filter(|pt| !pt.dropped)
                    .is_none_or(|pt| {
                        at.is_some_and(|i| has_pk.get(i).copied().unwrap_or(false)) || !pt.complete
                    })
            });
            if let Some(pos) = t.created_stmt
                && t.complete
                && !t.temporary
                && !t.has_pk()
                && !parent_has_pk
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
            // int-primary-key
            if matches!(dialect, SqlDialect::Postgres | SqlDialect::Mysql)
                && t.created_stmt.is_some()
                && !t.temporary
                && let Some(pk) = t.indexes.iter().find(|i| i.primary)
                && let [Some(c)] = pk.cols.as_slice()
                && let Some(col) = t.column(c)
                && let Some(dt) = &col.data_type
                && matches!(classify(dt, dialect), Ty::Int(n) if n <= 4)
            {
                let refs = self.live_key_refs(col, referencing.get(t.name.key.as_str()));
                let live = self.live_key(t, pk, col, &refs);
                let (m, f) = rules::int_primary_key::advice(
                    &t.name.display,
                    &col.display,
                    &dt.to_string(),
                    &t.name.sql,
                    &self.ctx.q(&col.display),
                    t.new,
                    dialect,
                    Some(&live),
                );
                self.out.push(
                    pk.stmt,
                    pk.line,
                    rules::int_primary_key::RULE.id,
                    rules::int_primary_key::RULE.severity,
                    &t.name.display,
                    vec![col.display.clone()],
                    m,
                    f,
                    rules::int_primary_key::RULE.reference(),
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
            // (A table no input defines has unknown indexes: nothing to claim.)
            if dialect != SqlDialect::Mysql && t.complete {
                let serving = FkServing::new(t, budget)?;
                for fk in &t.fks {
                    budget.charge(1 + fk.cols.len())?;
                    if fk.cols.is_empty() || serving.serves(&fk.cols) {
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
            for (ai, bi) in redundant_pairs(t, budget)? {
                if let (Some(a), Some(b)) = (t.indexes.get(ai), t.indexes.get(bi)) {
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
                let serving = FkServing::new(t, budget)?;
                for fk in t.fks.iter().filter(|f| !f.inline) {
                    if fk.cols.is_empty() || serving.serves(&fk.cols) {
                        continue;
                    }
                    extra.push(Index {
                        name: fk.name.clone(),
                        cols: fk.cols.iter().cloned().map(Some).collect(),
                        col_display: fk.col_display.clone(),
                        unique: false,
                        primary: false,
                        partial: false,
                        predicate: None,
                        opclass: Vec::new(),
                        method: Method::BTree,
                        stmt: fk.stmt,
                        line: fk.line,
                        implicit: true,
                    });
                }
                t.indexes.extend(extra);
            }
        }
        Ok(())
    }

    // --- queries ------------------------------------------------------------------------------------

    pub fn query(
        &mut self,
        base: usize,
        qi: usize,
        stmts: &[Statement],
        col_tables: &ColumnTables,
        budget: &mut Budget,
    ) -> Result<(), DecideError> {
        budget.charge(1)?;
        let mut walker = Walker {
            ctx: &self.ctx,
            catalog: &self.catalog,
            col_tables,
            uses: Vec::new(),
            notes: Vec::new(),
            depth_exceeded: false,
            ctes: HashMap::new(),
        };
        for st in stmts {
            walker.statement(st, 0);
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
        budget.settle()?;
        let pos = base.saturating_add(qi);
        for u in uses {
            budget.charge(1 + u.need.len())?;
            self.judge_use(pos, qi, u);
            budget.settle()?;
        }
        Ok(())
    }

    pub fn judge_use(&mut self, pos: usize, qi: usize, u: TableUse) {
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
                        input: None,
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
        // Join columns that hold a whole unique key are looked up through that key on the inner side
        // of a join; an index for the filters needs nothing after them.
        if !need.eq.is_empty()
            && t.indexes.iter().any(|i| {
                i.unique
                    && !i.partial
                    && i.method == Method::BTree
                    && !i.cols.is_empty()
                    && i.cols
                        .iter()
                        .all(|c| c.as_ref().is_some_and(|c| need.join.contains(c)))
            })
        {
            need.join.clear();
        }
        if need.is_empty() {
            return;
        }
        let partial = match coverage(t, &need) {
            Coverage::Full => return,
            Coverage::Partial(i) => Some(i),
            Coverage::None => None,
        };
        self.uncovered.push(Uncovered {
            pos,
            qi,
            table_key: t.name.key.clone(),
            need,
            partial,
        });
    }

    /// Turns the access patterns no index serves into one index plan per table (see
    /// [`plan_indexes`]): one finding per suggested index, naming every query it is for.
    pub fn plan_queries(&mut self, budget: &mut Budget) -> Result<(), DecideError> {
        let uncovered = std::mem::take(&mut self.uncovered);
        let mut tables: Vec<Vec<&Uncovered>> = Vec::new();
        let mut table_at: HashMap<&str, usize> = HashMap::new();
        for u in &uncovered {
            budget.charge(1 + u.need.len())?;
            match table_at.get(u.table_key.as_str()) {
                Some(&k) => {
                    if let Some(v) = tables.get_mut(k) {
                        v.push(u);
                    }
                }
                None => {
                    table_at.insert(u.table_key.as_str(), tables.len());
                    tables.push(vec![u]);
                }
            }
        }
        for uses in tables {
            let needs: Vec<&Need> = uses.iter().map(|u| &u.need).collect();
            let plans = plan_indexes(&needs);
            budget.settle()?;
            for p in plans {
                let members: Vec<&Uncovered> = p
                    .members
                    .iter()
                    .filter_map(|&m| uses.get(m).copied())
                    .collect();
                self.plan_finding(&p.cols, &members);
                budget.settle()?;
            }
        }
        Ok(())
    }

    fn plan_finding(&mut self, cols: &[String], members: &[&Uncovered]) {
        // The finding is told from the first query the index serves fully (the first query when it
        // serves none fully); the others follow in query order.
        let head = members
            .iter()
            .position(|m| serves(cols, &m.need).0)
            .unwrap_or(0);
        let mut ordered: Vec<&Uncovered> = Vec::with_capacity(members.len());
        ordered.extend(members.get(head).copied());
        ordered.extend(
            members
                .iter()
                .enumerate()
                .filter(|&(n, _)| n != head)
                .map(|(_, m)| *m),
        );
        let members = ordered.as_slice();
        let Some(first) = members.first() else { return };
        let Some(t) = self.catalog.get(&first.table_key) else {
            return;
        };
        let display =
            |cs: &[String]| -> Vec<String> { cs.iter().map(|c| t.col_display(c)).collect() };
        let describe = |need: &Need| -> String {
            let mut parts = Vec::new();
            for (columns, before, after) in [
                (&need.eq, "filters on ", " (equality)"),
                (&need.join, "joins on ", " (equality)"),
                (&need.range, "ranges over ", ""),
                (&need.order, "sorts by ", ""),
            ] {
                if !columns.is_empty() {
                    parts.push(format!("{before}{}{after}", display(columns).join(", ")));
                }
            }
            parts.join(", ")
        };
        let outside = if t.complete {
            ""
        } else {
            " (only the indexes visible in this DDL were checked)"
        };
        let verdict = match &first.partial {
            Some(i) => format!(
                "the best index, {}, serves only part of it: the rest is filtered or sorted row by row",
                i.label()
            ),
            None => format!(
                "no index on {} has these columns as its leftmost prefix{outside}, so the database scans \
                 the table (a full table scan under load cascades into timeouts)",
                t.name.display
            ),
        };
        let severity = if t.complete && members.iter().any(|m| m.partial.is_none()) {
            Severity::Medium
        } else {
            Severity::Low
        };
        let mut message = format!(
            "Query {} on {} {}: {verdict}. Index columns that appear in WHERE, JOIN and ORDER BY, equality \
             columns first; a composite index on (a, b, c) serves (a), (a, b) and (a, b, c) but not (b, c).",
            first.qi.saturating_add(1),
            t.name.display,
            describe(&first.need)
        );
        // The other queries this index is for, each once, in query order.
        let mut told: HashSet<usize> = HashSet::from([first.qi]);
        let mut merged = false;
        for m in members.iter().skip(1) {
            if !told.insert(m.qi) {
                continue;
            }
            let q = m.qi.saturating_add(1);
            let (full, lead) = serves(cols, &m.need);
            if full && m.need.recommended() == cols {
                message.push_str(&format!(" Query {q} needs the same index."));
            } else if full {
                merged = true;
                message.push_str(&format!(
                    " Query {q} ({}) is served by the same index.",
                    describe(&m.need)
                ));
            } else {
                merged = true;
                let lead_cols = display(cols.get(..lead).unwrap_or(&[]));
                message.push_str(&format!(
                    " Query {q} ({}) is served by its leading {} only: the rest is filtered or sorted row \
                     by row; if it is hot, it needs its own index ({}).",
                    describe(&m.need),
                    if lead_cols.is_empty() {
                        "columns".to_string()
                    } else {
                        format!("column(s) {}", lead_cols.join(", "))
                    },
                    display(&m.need.recommended()).join(", ")
                ));
            }
        }
        if merged {
            message.push_str(
                " One index for these queries, not one each: equality columns first (filters before join \
                 columns), then the range or sort column.",
            );
        }
        let rec_display = display(cols);
        let mut fix = self.ctx.create_index_sql(&t.name, &rec_display);
        // An existing index that is a leftmost prefix of the new one becomes redundant.
        let mut dropped: HashSet<&str> = HashSet::new();
        for m in members {
            if let Some(i) = &m.partial
                && !i.unique
                && !i.implicit
                && let (Some(name), Some(icols)) = (&i.name, i.plain_cols())
                && icols.len() < cols.len()
                && icols.iter().zip(cols.iter()).all(|(a, b)| *a == b.as_str())
                && dropped.insert(name.as_str())
            {
                fix.push_str(&format!(
                    "\n-- then {} is a leftmost prefix of the new index, hence redundant:\n{}",
                    name,
                    self.ctx.drop_index_sql(&t.name, name)
                ));
            }
        }
        let table_display = t.name.display.clone();
        let seq = self.out.findings.len();
        self.out.findings.push(Pending {
            pos: first.pos,
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
                input: None,
                query: Some(first.qi.saturating_add(1)),
            },
        });
    }

    pub fn into_output(self, had_queries: bool, positions: &Positions) -> ReviewSchemaOutput {
        let Reviewer {
            catalog,
            out,
            ctx,
            opts,
            touched,
            ..
        } = self;
        let Out {
            mut findings,
            mut notes,
        } = out;
        findings
            .sort_by(|a, b| (a.pos, &a.finding.rule, a.seq).cmp(&(b.pos, &b.finding.rule, b.seq)));
        let mut left_out = 0usize;
        let findings: Vec<Finding> = findings
            .into_iter()
            .filter_map(|p| {
                let mut f = p.finding;
                if p.pos >= positions.total {
                    return Some(f); // a query finding
                }
                if positions
                    .ignores
                    .get(&p.pos)
                    .is_some_and(|v| v.contains(&f.rule))
                {
                    return None;
                }
                if p.pos < positions.schema {
                    if !rules::is_design(&f.rule) {
                        return None;
                    }
                    if opts.two_inputs && !touched.contains(&f.table) {
                        left_out += 1;
                        return None;
                    }
                    f.input = Some("schema".to_string());
                    f.statement = None;
                }
                Some(f)
            })
            .collect();
        // One finding per table for remarks that repeat per column (the fix is the same kind).
        let mut findings = findings;
        {
            let mut first: HashMap<(String, String, Option<String>), usize> = HashMap::new();
            let mut keep = vec![true; findings.len()];
            for n in 0..findings.len() {
                let Some(f) = findings.get(n) else { continue };
                if !PER_TABLE_RULES.contains(&f.rule.as_str()) || f.query.is_some() {
                    continue;
                }
                let key = (f.rule.clone(), f.table.clone(), f.input.clone());
                match first.get(&key) {
                    Some(&m) => {
                        let (cols, fix) = (f.columns.clone(), f.fix.clone());
                        if let Some(k) = keep.get_mut(n) {
                            *k = false;
                        }
                        if let Some(g) = findings.get_mut(m) {
                            g.columns.extend(cols);
                            if !g.fix.contains(&fix) {
                                g.fix.push('\n');
                                g.fix.push_str(&fix);
                            }
                        }
                    }
                    None => {
                        first.insert(key, n);
                    }
                }
            }
            let mut k = keep.into_iter();
            findings.retain(|_| k.next().unwrap_or(true));
            for f in &mut findings {
                if PER_TABLE_RULES.contains(&f.rule.as_str()) && f.columns.len() > 1 {
                    let rest = f.columns.get(1..).unwrap_or(&[]).join(", ");
                    f.message.push_str(&format!(" The same holds for {rest}."));
                }
            }
        }
        let names: HashSet<String> = catalog
            .tables
            .iter()
            .map(|t| t.name.short.to_lowercase())
            .collect();
        say_once(&mut findings, &names);
        if left_out > 0 {
            notes.push(format!(
                "{left_out} design finding(s) on tables the migration does not touch were left out; review \
                 `schema` alone to see them"
            ));
        }
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
            .filter(|t| !opts.two_inputs || t.new || touched.contains(&t.name.display))
            .map(|t| TableSummary {
                name: t.name.display.clone(),
                created_in_script: t.new,
                column_count: t.columns().len(),
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
            omitted: None,
            unparsed: Vec::new(),
            notes,
            references,
        }
    }
}

/// A remark that applies to many tables, said once: after the first finding of a rule, a fix comment
/// line already given by an earlier finding of that rule is left out, and so is an explanation (the
/// message after its first ": ") that an earlier finding of the rule gave with only the table and
/// column names and the numbers different (`tables`: lower-case unqualified names of every table in the catalog).
fn say_once(findings: &mut [Finding], tables: &HashSet<String>) {
    /// Shorter repeats are kept: they cost less than the pointer.
    const MIN_REPEAT: usize = 60;
    let mut comments: HashSet<(String, String)> = HashSet::new();
    let mut reasons: HashSet<(String, String)> = HashSet::new();
    for f in findings.iter_mut() {
        let lines: Vec<&str> = f.fix.lines().collect();
        let mut kept = Vec::with_capacity(lines.len());
        for line in lines {
            let t = line.trim();
            if t.starts_with("--")
                && t.len() >= MIN_REPEAT
                && !comments.insert((f.rule.clone(), t.to_string()))
            {
                continue;
            }
            kept.push(line);
        }
        if !kept.is_empty() {
            f.fix = kept.join("\n");
        }
        // The list of further columns that the per-table merge appended is kept, not compared.
        const MORE: &str = " The same holds for ";
        if let Some((head, rest)) = f.message.split_once(": ") {
            let (why, more) = match rest.split_once(MORE) {
                Some((why, more)) => (why, Some(more)),
                None => (rest, None),
            };
            if why.len() >= MIN_REPEAT
                && !reasons.insert((f.rule.clone(), without_names(why, tables, &f.columns)))
            {
                let more = more.map(|m| format!("{MORE}{m}")).unwrap_or_default();
                f.message = format!("{head} (why: see the first {} finding).{more}", f.rule);
            }
        }
    }
}

/// The text with every number and every word that names a table of the catalog or one of `columns`
/// replaced by `*` (words: runs of letters, digits, `_` and `$`; compared without case). Linear in the
/// text.
fn without_names(text: &str, tables: &HashSet<String>, columns: &[String]) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let columns: HashSet<String> = columns.iter().map(|c| c.to_lowercase()).collect();
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let lower = word.to_lowercase();
        let named = tables.contains(&lower) || columns.contains(&lower);
        if !word.is_empty() && (named || word.chars().all(|c| c.is_ascii_digit())) {
            out.push('*');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if is_word(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

pub fn missing_pk_advice(ctx: &Ctx, t: &Table) -> (String, String) {
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
            _ => format!(
                "ALTER TABLE {tsql} ADD PRIMARY KEY (id);  -- builds the index under an ACCESS EXCLUSIVE lock \
                 (and scans for NULLs); on a large live table build a unique index CONCURRENTLY first, then \
                 ADD PRIMARY KEY USING INDEX"
            ),
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
                 -- it numbers every existing row: the table is rewritten under an ACCESS EXCLUSIVE lock \
                 (instant while it is new and empty; plan a window for a large one)\n\
                 -- or declare it in the CREATE TABLE: id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
            ),
            SqlDialect::Mysql => format!(
                "ALTER TABLE {tsql} ADD COLUMN id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST;  \
                 -- rebuilds the table, and writes wait while an AUTO_INCREMENT column is added"
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
