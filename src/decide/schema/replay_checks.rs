//! Statement checks shared by the replay's handlers: identifier length, serial columns, references to
//! live tables, what ADD COLUMN locks or rewrites, and VALIDATE CONSTRAINT.

use super::*;

/// The name of a table constraint, when it has one.
pub fn constraint_name(c: &TableConstraint) -> Option<&Ident> {
    match c {
        TableConstraint::Check(c) => c.name.as_ref(),
        TableConstraint::ForeignKey(f) => f.name.as_ref(),
        TableConstraint::PrimaryKey(p) => p.name.as_ref(),
        TableConstraint::Unique(u) => u.name.as_ref(),
        _ => None,
    }
}

/// `col IS NOT NULL` (possibly parenthesised): the column key.
pub fn is_not_null_check(e: &Expr) -> Option<String> {
    match e {
        Expr::Nested(inner) => is_not_null_check(inner),
        Expr::IsNotNull(inner) => match inner.as_ref() {
            Expr::Identifier(id) => Some(id.value.to_lowercase()),
            Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.to_lowercase()),
            _ => None,
        },
        _ => None,
    }
}

impl Reviewer {
    /// identifier-too-long, for names the script introduces.
    pub fn check_identifier(&mut self, loc: &Loc, table: &str, what: &str, name: &str) {
        if self.phase != Phase::Script {
            return;
        }
        if let Some(limit) = rules::identifier_too_long::limit(self.opts.dialect)
            && name.len() > limit
        {
            let tsql = self
                .catalog
                .get(&table.to_lowercase())
                .map_or_else(|| table.to_string(), |t| t.name.sql.clone());
            let (m, f) =
                rules::identifier_too_long::advice(what, name, limit, self.opts.dialect, &tsql);
            self.push_rule(&rules::identifier_too_long::RULE, loc, table, vec![], m, f);
        }
    }

    /// prefer-identity, for serial columns the script declares.
    pub fn check_serial(&mut self, loc: &Loc, name: &TableName, col: &str, dt: &DataType) {
        let table = name.display.as_str();
        if self.phase != Phase::Script
            || self.opts.dialect != SqlDialect::Postgres
            || !is_serial(dt)
        {
            return;
        }
        let (m, f) = rules::prefer_identity::advice(
            table,
            col,
            &dt.to_string(),
            &self.ctx.q(col),
            &name.sql,
            // A live table (ADD COLUMN): the switch to run; a table being created: the declaration.
            self.catalog.get(&name.key).is_some_and(|t| !t.new),
        );
        self.push_rule(
            &rules::prefer_identity::RULE,
            loc,
            table,
            vec![col.to_string()],
            m,
            f,
        );
    }

    /// A new table's foreign key locks the live table it references (SHARE ROW EXCLUSIVE).
    pub fn references_live_table(&mut self, loc: &Loc, def: &ColumnDef) {
        if self.phase != Phase::Script {
            return;
        }
        for o in &def.options {
            if let ColumnOption::ForeignKey(fk) = &o.option {
                let rt = self.ctx.table_name(&fk.foreign_table);
                if !self.catalog.get(&rt.key).is_some_and(|t| t.new) {
                    self.strong_lock(loc, &rt.display);
                }
            }
        }
    }

    /// ADD COLUMN on a live table: rewrites, inline UNIQUE / PRIMARY KEY and REFERENCES.
    pub fn add_column_locks(&mut self, name: &TableName, def: &ColumnDef, loc: &Loc) {
        if self.phase != Phase::Script {
            return;
        }
        let col = self.ctx.ident_display(&def.name);
        let qcol = self.ctx.q(&col);
        let dialect = self.opts.dialect;
        if let Some(why) =
            rules::add_column_rewrite::rewrite_reason(def, dialect, self.opts.pg_version)
        {
            let default = def.options.iter().find_map(|o| match &o.option {
                ColumnOption::Default(e) => Some(e.to_string()),
                _ => None,
            });
            let (m, mut f) = rules::add_column_rewrite::advice(
                &name.display,
                &col,
                &why,
                &name.sql,
                &qcol,
                &plain_type(&def.data_type),
                default.as_deref(),
            );
            if let Some(e) = &default {
                f.push('\n');
                f.push_str(&self.ctx.batch_update_sql(
                    &name.sql,
                    &format!("{qcol} = {e}"),
                    &format!("{qcol} IS NULL"),
                ));
            }
            self.push_rule(
                &rules::add_column_rewrite::RULE,
                loc,
                &name.display,
                vec![col.clone()],
                m,
                f,
            );
        }
        if dialect != SqlDialect::Postgres {
            return;
        }
        for o in &def.options {
            match &o.option {
                ColumnOption::Unique(_) | ColumnOption::PrimaryKey(_) => {
                    let kind = if matches!(o.option, ColumnOption::PrimaryKey(_)) {
                        "PRIMARY KEY"
                    } else {
                        "UNIQUE"
                    };
                    let iname =
                        self.ctx
                            .q(&format!("{}_{}_key", sanitize(&name.short), sanitize(&col)));
                    self.push_rule(
                        &rules::blocking_unique_constraint::RULE,
                        loc,
                        &name.display,
                        vec![col.clone()],
                        format!(
                            "ADD COLUMN {col} ... {kind} on {}, a live table, builds a unique index under an \
                             ACCESS EXCLUSIVE lock: reads and writes wait for the whole build.",
                            name.display
                        ),
                        format!(
                            "ALTER TABLE {t} ADD COLUMN {qcol} {ty};\n\
                             -- fill it in batches, then:\n\
                             CREATE UNIQUE INDEX CONCURRENTLY {iname} ON {t} ({qcol});\n\
                             ALTER TABLE {t} ADD CONSTRAINT {iname} {kind} USING INDEX {iname};",
                            t = name.sql,
                            ty = plain_type(&def.data_type)
                        ),
                    );
                }
                ColumnOption::ForeignKey(fk) => {
                    let cname = self.ctx.q(&format!(
                        "{}_{}_fkey",
                        sanitize(&name.short),
                        sanitize(&col)
                    ));
                    let rt = self.ctx.table_name(&fk.foreign_table);
                    let ref_cols = if fk.referred_columns.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " ({})",
                            fk.referred_columns
                                .iter()
                                .map(|c| self.ctx.q(&self.ctx.ident_display(c)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    self.push_rule(
                        &rules::blocking_foreign_key_validation::RULE,
                        loc,
                        &name.display,
                        vec![col.clone()],
                        format!(
                            "ADD COLUMN {col} ... REFERENCES {} on {}, a live table, takes a SHARE ROW EXCLUSIVE \
                             lock on both tables while the constraint is added. Add the column plain, then the \
                             foreign key NOT VALID, then VALIDATE it.",
                            rt.display, name.display
                        ),
                        format!(
                            "ALTER TABLE {t} ADD COLUMN {qcol} {ty};\n\
                             ALTER TABLE {t} ADD CONSTRAINT {cname} FOREIGN KEY ({qcol}) REFERENCES {r}{ref_cols} NOT VALID;\n\
                             ALTER TABLE {t} VALIDATE CONSTRAINT {cname};  -- in its own transaction",
                            t = name.sql,
                            r = rt.sql,
                            ty = plain_type(&def.data_type)
                        ),
                    );
                }
                _ => {}
            }
        }
    }

    /// VALIDATE CONSTRAINT: in the same transaction as its NOT VALID ADD, and the SET NOT NULL recipe.
    pub fn validate_constraint(&mut self, name: &TableName, cname: &Ident, loc: &Loc) {
        let key = cname.value.to_lowercase();
        let serial = self.script.open_tx.map(|_| self.script.tx_serial);
        let Some(t) = self.catalog.get_mut(&name.key) else {
            return;
        };
        budget::tally(1 + t.not_valid.len() + t.pending_not_null.len());
        let same_tx = t
            .not_valid
            .iter()
            .any(|(n, tx)| *n == key && serial.is_some_and(|s| s == *tx));
        t.not_valid.retain(|(n, _)| *n != key);
        if let Some(p) = t.pending_not_null.iter().position(|(n, _)| *n == key) {
            let (_, col) = t.pending_not_null.swap_remove(p);
            t.validated_not_null.insert(col);
        }
        if same_tx && self.phase == Phase::Script && self.opts.dialect == SqlDialect::Postgres {
            let c = self.ctx.q(&self.ctx.ident_display(cname));
            let (m, f) = rules::validate_in_same_transaction::advice(&name.display, &name.sql, &c);
            self.push_rule(
                &rules::validate_in_same_transaction::RULE,
                loc,
                &name.display,
                vec![],
                m,
                f,
            );
        }
    }
}

/// The column type as SQL, without serial sugar (serial becomes its integer type).
fn plain_type(dt: &DataType) -> String {
    let s = dt.to_string();
    match s.to_ascii_lowercase().as_str() {
        "serial" | "serial4" => "integer".to_string(),
        "bigserial" | "serial8" => "bigint".to_string(),
        "smallserial" | "serial2" => "smallint".to_string(),
        _ => s,
    }
}
