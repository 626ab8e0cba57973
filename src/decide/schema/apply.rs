use super::*;

pub fn is_auto_increment(o: &ColumnOption) -> bool {
    if let ColumnOption::DialectSpecific(tokens) = o {
        tokens.iter().any(|t| {
            matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case("AUTO_INCREMENT")
                || w.value.eq_ignore_ascii_case("AUTOINCREMENT"))
        })
    } else {
        false
    }
}

pub fn method_of(t: Option<&IndexType>) -> Method {
    match t {
        None | Some(IndexType::BTree) => Method::BTree,
        Some(IndexType::Hash) => Method::Hash,
        Some(IndexType::Custom(i)) if i.value.eq_ignore_ascii_case("btree") => Method::BTree,
        Some(_) => Method::Other,
    }
}

/// The column key and display text of one index key part.
pub fn index_col(ctx: &Ctx, ic: &IndexColumn) -> (Option<String>, String) {
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

pub fn index_from(
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
        predicate: None,
        opclass: columns
            .iter()
            .map(|c| {
                c.operator_class
                    .as_ref()
                    .map(|o| o.to_string().to_lowercase())
            })
            .collect(),
        method,
        stmt: loc.pos,
        line: loc.line,
        implicit: false,
    }
}

/// The clauses after `REFERENCES t (cols)` that a re-created key must keep.
fn fk_actions(fk: &ForeignKeyConstraint) -> String {
    let mut s = String::new();
    if let Some(m) = &fk.match_kind {
        s.push_str(&format!(" {m}"));
    }
    if let Some(a) = &fk.on_delete {
        s.push_str(&format!(" ON DELETE {a}"));
    }
    if let Some(a) = &fk.on_update {
        s.push_str(&format!(" ON UPDATE {a}"));
    }
    if let Some(c) = &fk.characteristics {
        s.push_str(&format!(" {c}"));
    }
    s
}

pub fn fk_from(ctx: &Ctx, fk: &ForeignKeyConstraint, own: Option<&Ident>, loc: &Loc) -> ForeignKey {
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
        ref_key: rt.key,
        ref_sql: rt.sql,
        inline: fk.columns.is_empty() && own.is_some(),
        actions: fk_actions(fk),
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
pub fn add_column(ctx: &Ctx, t: &mut Table, def: &ColumnDef, loc: &Loc, fresh: bool) {
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
        sequence: is_serial(&def.data_type),
        identity: def.options.iter().find_map(|o| match &o.option {
            ColumnOption::Generated {
                generated_as,
                generation_expr: None,
                ..
            } => match generated_as {
                GeneratedAs::Always => Some("ALWAYS"),
                GeneratedAs::ByDefault => Some("BY DEFAULT"),
                GeneratedAs::ExpStored => None,
            },
            _ => None,
        }),
    };
    if fresh {
        t.push_column(col);
    } else {
        t.upsert_column(col);
    }
}

pub fn apply_constraint(ctx: &Ctx, t: &mut Table, c: &TableConstraint, loc: &Loc) {
    match c {
        TableConstraint::PrimaryKey(pk) => {
            budget::tally(t.indexes.len());
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
            budget::tally(t.indexes.len());
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
