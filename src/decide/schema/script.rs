//! Script-level state: transactions, `lock_timeout`, and the statements sqlparser does not parse but
//! the review still understands (sequences owned by a column, partitions, REINDEX, CLUSTER, domains).

use super::*;

/// Transaction and timeout state of the script under review.
#[derive(Debug, Default)]
pub struct ScriptState {
    /// Line of the BEGIN of the open explicit transaction.
    pub open_tx: Option<u64>,
    /// Number of explicit transactions begun so far (0 outside any).
    pub tx_serial: usize,
    /// `SET lock_timeout` (session-wide) to a non-zero value seen.
    pub session_timeout: bool,
    /// `SET LOCAL lock_timeout` in the open transaction.
    pub local_timeout: bool,
    /// missing-lock-timeout already reported (once per script).
    pub timeout_reported: bool,
}

impl ScriptState {
    fn timeout_active(&self) -> bool {
        self.session_timeout || (self.local_timeout && self.open_tx.is_some())
    }
}

/// Whether a SET/set_config value turns the timeout off (`0`, `'0'`, `'0ms'`, DEFAULT).
fn zero_timeout(v: &str) -> bool {
    let v = v
        .trim()
        .trim_matches('\'')
        .trim_matches('"')
        .trim()
        .to_ascii_lowercase();
    v.is_empty()
        || v == "default"
        || v.trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .trim()
            .parse::<f64>()
            .is_ok_and(|n| n == 0.0)
}

impl Reviewer {
    /// Transaction control, timeouts and whole-statement lock facts of a script statement.
    pub fn script_statement(&mut self, st: &Statement, stmt: &Stmt, loc: &Loc) {
        match st {
            Statement::StartTransaction { .. } => {
                if let Some(open) = self.script.open_tx {
                    let (m, f) = rules::transaction_nesting::nested_begin(open);
                    self.push_rule(&rules::transaction_nesting::RULE, loc, "", vec![], m, f);
                } else {
                    self.script.open_tx = loc.line;
                    self.script.tx_serial += 1;
                }
            }
            Statement::Commit { .. } | Statement::Rollback { .. } => {
                if self.script.open_tx.is_none() {
                    let (m, f) = rules::transaction_nesting::stray_commit();
                    self.push_rule(&rules::transaction_nesting::RULE, loc, "", vec![], m, f);
                }
                self.script.open_tx = None;
                self.script.local_timeout = false;
            }
            Statement::Set(Set::SingleAssignment {
                scope,
                variable,
                values,
                ..
            }) if variable.to_string().eq_ignore_ascii_case("lock_timeout") => {
                let on = !values.first().is_some_and(|v| zero_timeout(&v.to_string()));
                let local = scope
                    .as_ref()
                    .is_some_and(|s| s.to_string().eq_ignore_ascii_case("LOCAL"));
                if local {
                    self.script.local_timeout = on;
                } else {
                    self.script.session_timeout = on;
                }
            }
            Statement::Query(q) => {
                // SELECT set_config('lock_timeout', '1s', is_local)
                let text = q.to_string();
                let lower = text.to_ascii_lowercase();
                if let Some(p) = lower.find("set_config('lock_timeout'") {
                    let args: Vec<&str> = lower
                        .get(p + "set_config(".len()..)
                        .unwrap_or("")
                        .split([',', ')'])
                        .map(str::trim)
                        .collect();
                    let on = !args.get(1).is_some_and(|v| zero_timeout(v));
                    if args.get(2).is_some_and(|v| *v == "true") {
                        self.script.local_timeout = on;
                    } else {
                        self.script.session_timeout = on;
                    }
                }
            }
            Statement::Vacuum(v) => {
                if self.script.open_tx.is_some() {
                    self.concurrent_in_tx(loc, "VACUUM");
                }
                if v.full {
                    let name = v
                        .table_name
                        .as_ref()
                        .map(|n| self.ctx.table_name(n))
                        .map(|n| n.display);
                    let table = name.unwrap_or_default();
                    self.table_rewrite(loc, &table, rules::blocking_table_rewrite::Op::VacuumFull);
                }
            }
            _ => {}
        }
        let _ = stmt;
    }

    /// A statement about to take a lock that blocks reads or writes of the live table `table`: the
    /// first one without a lock_timeout in force gets the script's one missing-lock-timeout.
    pub fn strong_lock(&mut self, loc: &Loc, table: &str) {
        if self.phase != Phase::Script
            || self.opts.dialect != SqlDialect::Postgres
            || self.script.timeout_reported
            || self.script.timeout_active()
        {
            return;
        }
        self.script.timeout_reported = true;
        let (m, f) = rules::missing_lock_timeout::advice(table, self.script.open_tx.is_some());
        self.push_rule(&rules::missing_lock_timeout::RULE, loc, table, vec![], m, f);
    }

    /// A CONCURRENTLY form (or VACUUM) inside an explicit transaction: PostgreSQL refuses it.
    pub fn concurrent_in_tx(&mut self, loc: &Loc, what: &str) {
        if self.phase == Phase::Script && self.opts.dialect == SqlDialect::Postgres {
            let (m, f) =
                rules::concurrent_in_transaction::advice(what, self.script.open_tx.unwrap_or(0));
            self.push_rule(
                &rules::concurrent_in_transaction::RULE,
                loc,
                "",
                vec![],
                m,
                f,
            );
        }
    }

    /// REINDEX, CLUSTER, VACUUM FULL, SET LOGGED/UNLOGGED, blocking DETACH on a live table.
    pub fn table_rewrite(&mut self, loc: &Loc, table: &str, op: rules::blocking_table_rewrite::Op) {
        if self.phase != Phase::Script || self.opts.dialect != SqlDialect::Postgres {
            return;
        }
        if !table.is_empty() {
            self.touched.insert(table.to_string());
            if self
                .catalog
                .get(&table.to_lowercase())
                .is_some_and(|t| t.new)
            {
                return;
            }
        }
        self.strong_lock(loc, table);
        let (m, f) = rules::blocking_table_rewrite::advice(op, table, self.opts.pg_version);
        self.push_rule(
            &rules::blocking_table_rewrite::RULE,
            loc,
            table,
            vec![],
            m,
            f,
        );
    }

    /// Pushes a finding of a catalogue rule.
    pub fn push_rule(
        &mut self,
        rule: &rules::Rule,
        loc: &Loc,
        table: &str,
        columns: Vec<String>,
        message: String,
        fix: String,
    ) -> usize {
        self.out.push(
            loc.pos,
            loc.line,
            rule.id,
            rule.severity,
            table,
            columns,
            message,
            fix,
            rule.reference(),
        )
    }

    /// Statements recognised without a syntax tree.
    pub fn recognised(&mut self, r: &Recognised, loc: &Loc) {
        match r {
            Recognised::SequenceOwnedBy { table, column } => {
                let name = self.ctx.table_name(table);
                let key = column.value.to_lowercase();
                if let Some(c) = self
                    .catalog
                    .get_mut(&name.key)
                    .and_then(|t| t.column_mut(&key))
                {
                    c.has_default = true;
                    c.sequence = true;
                }
            }
            Recognised::IdentityAdded {
                table,
                column,
                always,
            } => {
                let name = self.ctx.table_name(table);
                let key = column.value.to_lowercase();
                if let Some(c) = self
                    .catalog
                    .get_mut(&name.key)
                    .and_then(|t| t.column_mut(&key))
                {
                    c.has_default = true;
                    c.identity = Some(if *always { "ALWAYS" } else { "BY DEFAULT" });
                }
            }
            Recognised::Sequence | Recognised::AttachIndex => {}
            Recognised::CreateTable { name } => {
                let n = self.ctx.table_name(name);
                if self.phase == Phase::Script {
                    self.touched.insert(n.display.clone());
                }
                let mut t = Table::new(n);
                t.created_stmt = Some(loc.pos);
                t.created_line = loc.line;
                t.new = self.phase == Phase::Script;
                self.catalog.insert(t);
                self.out.notes.push(format!(
                    "line {}: a CREATE TABLE did not parse; the table is known, its columns are not",
                    loc.line.unwrap_or(0)
                ));
            }
            Recognised::AttachPartition { parent, child } => {
                let p = self.ctx.table_name(parent);
                let c = self.ctx.table_name(child);
                if self.phase == Phase::Script {
                    self.touched.insert(p.display.clone());
                    if !self.catalog.get(&c.key).is_some_and(|t| t.new) {
                        self.strong_lock(loc, &c.display);
                    }
                }
                if let Some(t) = self.catalog.ensure(&c) {
                    t.partition_of = Some(p.key);
                }
            }
            Recognised::DetachPartition {
                parent,
                child,
                concurrently,
            } => {
                let p = self.ctx.table_name(parent);
                let c = self.ctx.table_name(child);
                if *concurrently {
                    if self.script.open_tx.is_some() {
                        self.concurrent_in_tx(loc, "DETACH PARTITION ... CONCURRENTLY");
                    }
                } else {
                    self.table_rewrite(
                        loc,
                        &p.display,
                        rules::blocking_table_rewrite::Op::Detach(c.display.clone()),
                    );
                }
                if let Some(t) = self.catalog.get_mut(&c.key) {
                    t.partition_of = None;
                }
            }
            Recognised::Reindex {
                kind,
                name,
                concurrently,
            } => {
                if *concurrently {
                    if self.script.open_tx.is_some() {
                        self.concurrent_in_tx(loc, "REINDEX CONCURRENTLY");
                    }
                    return;
                }
                let target = name.as_ref().map(|n| n.to_string()).unwrap_or_default();
                let table = if kind == "TABLE" {
                    name.as_ref()
                        .map(|n| self.ctx.table_name(n).display)
                        .unwrap_or_default()
                } else if kind == "INDEX" {
                    name.as_ref()
                        .and_then(|n| {
                            object_idents(n).and_then(|v| v.last().map(|i| i.value.to_lowercase()))
                        })
                        .and_then(|i| self.index_homes.get(&i).cloned())
                        .and_then(|k| self.catalog.get(&k).map(|t| t.name.display.clone()))
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                self.table_rewrite(
                    loc,
                    &table,
                    rules::blocking_table_rewrite::Op::Reindex(
                        format!("{kind} {target}").trim().to_string(),
                    ),
                );
            }
            Recognised::Cluster { table } => {
                let t = table
                    .as_ref()
                    .map(|n| self.ctx.table_name(n).display)
                    .unwrap_or_default();
                self.table_rewrite(loc, &t, rules::blocking_table_rewrite::Op::Cluster);
            }
            Recognised::DomainConstraint { domain, not_valid } => {
                if self.phase == Phase::Script
                    && !not_valid
                    && self.opts.dialect == SqlDialect::Postgres
                {
                    let (m, f) = rules::blocking_check_validation::domain(&domain.to_string());
                    self.push_rule(
                        &rules::blocking_check_validation::RULE,
                        loc,
                        "",
                        vec![],
                        m,
                        f,
                    );
                }
            }
        }
    }

    /// After the last statement: an explicit transaction left open.
    pub fn end_of_script(&mut self, positions: &Positions) {
        if let Some(line) = self.script.open_tx {
            // The script's statements come last: its final one, if any.
            let pos = if positions.total > positions.schema {
                positions.total - 1
            } else {
                0
            };
            let loc = Loc {
                pos,
                line: Some(line),
            };
            let (m, f) = rules::uncommitted_transaction::advice(line);
            self.push_rule(
                &rules::uncommitted_transaction::RULE,
                &loc,
                "",
                vec![],
                m,
                f,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_timeouts() {
        for v in ["0", "'0'", "'0ms'", "DEFAULT", "'0s'"] {
            assert!(zero_timeout(v), "{v}");
        }
        for v in ["'2s'", "1000", "'1min'"] {
            assert!(!zero_timeout(v), "{v}");
        }
    }
}
