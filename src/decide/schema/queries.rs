use std::cell::RefCell;

use super::*;

/// Most columns an access pattern records per role (equality, range, order).
const MAX_NEED_COLUMNS: usize = 32;

#[derive(Debug, Clone, Default)]
pub struct Need {
    /// Equality filters: the column against a constant, a parameter or an outer column.
    pub eq: Vec<String>,
    /// Equality joins: the column against a column of another FROM item (ON, USING, IN (subquery)).
    /// Not also in `eq`: a column both filtered and joined on counts as a filter.
    pub join: Vec<String>,
    pub range: Vec<String>,
    pub order: Vec<String>,
}

impl Need {
    pub fn is_empty(&self) -> bool {
        self.eq.is_empty() && self.join.is_empty() && self.range.is_empty() && self.order.is_empty()
    }

    /// The equality columns: filters, then join columns.
    pub fn equalities(&self) -> impl Iterator<Item = &String> {
        self.eq.iter().chain(&self.join)
    }

    /// The range and sort columns that are not also equality columns, in order (range first).
    pub fn tail(&self) -> Vec<&String> {
        let mut v: Vec<&String> = Vec::new();
        for c in self.range.iter().chain(&self.order) {
            if !self.eq.contains(c) && !self.join.contains(c) && !v.contains(&c) {
                v.push(c);
            }
        }
        v
    }

    pub fn all(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for c in self
            .eq
            .iter()
            .chain(&self.join)
            .chain(&self.range)
            .chain(&self.order)
        {
            if !v.contains(c) {
                v.push(c.clone());
            }
        }
        v
    }

    pub fn len(&self) -> usize {
        self.eq.len() + self.join.len() + self.range.len() + self.order.len()
    }

    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.eq.retain(|c| keep(c));
        self.join.retain(|c| keep(c));
        self.range.retain(|c| keep(c));
        self.order.retain(|c| keep(c));
    }

    /// Equality filters first, then equality join columns (an index led by the filter also serves
    /// the query when the planner starts from this table), then range, then order columns.
    pub fn recommended(&self) -> Vec<String> {
        self.all()
    }

    /// Adds a column once. An index has at most 32 key columns (PostgreSQL's limit), so a list stops
    /// there: a query with thousands of predicates costs a bounded step each, not a scan of all.
    pub fn push(list: &mut Vec<String>, col: String) {
        budget::tally(list.len());
        if list.len() < MAX_NEED_COLUMNS && !list.contains(&col) {
            list.push(col);
        }
    }

    /// Records an equality filter (and drops the column from the join columns).
    pub fn push_eq(&mut self, col: String) {
        budget::tally(self.join.len());
        self.join.retain(|c| *c != col);
        Need::push(&mut self.eq, col);
    }

    /// Records an equality join column, unless the column is already an equality filter.
    pub fn push_join(&mut self, col: String) {
        budget::tally(self.eq.len());
        if !self.eq.contains(&col) {
            Need::push(&mut self.join, col);
        }
    }
}

/// How an index's key columns serve a need: the number of leading key columns that are equality
/// columns, whether the key column after them is a range or sort column, and whether that is all the
/// need asks (every equality column in the lead, then a range or sort column if it has one).
pub fn prefix_served<'k>(
    keys: impl IntoIterator<Item = Option<&'k str>>,
    eq: &HashSet<&str>,
    tail: &HashSet<&str>,
) -> (usize, bool, bool) {
    let mut keys = keys.into_iter();
    let mut lead_eq = 0;
    let mut next = None;
    for k in keys.by_ref() {
        match k {
            Some(c) if eq.contains(c) => lead_eq += 1,
            other => {
                next = other;
                break;
            }
        }
    }
    budget::tally(lead_eq + 1);
    let next_tail = next.is_some_and(|c| tail.contains(c));
    let full = lead_eq >= eq.len() && (tail.is_empty() || next_tail);
    (lead_eq, next_tail, full)
}

pub enum Coverage {
    Full,
    Partial(Index),
    None,
}

/// How the table's indexes serve a need. A table that is both filtered and joined on can be where
/// the plan starts (its filters are what an index must serve; the join columns are looked up in the
/// other table) or the inner side of a nested loop (filters and join columns together): an index
/// serving either view serves it. A unique index answers with one row when the filters (or, with
/// no filter, the join columns) hold all its columns. The partial index reported is the best one
/// for the filters, since the recommended index leads with them.
pub fn coverage(t: &Table, need: &Need) -> Coverage {
    let filters: HashSet<&str> = need.eq.iter().map(String::as_str).collect();
    let all_eq: HashSet<&str> = need.equalities().map(String::as_str).collect();
    let tail: HashSet<&str> = need.tail().into_iter().map(String::as_str).collect();
    let unique_set = if filters.is_empty() {
        &all_eq
    } else {
        &filters
    };
    let whole = scan(t, &all_eq, &tail, unique_set);
    if matches!(whole, Coverage::Full) || filters.is_empty() || need.join.is_empty() {
        return whole;
    }
    scan(t, &filters, &tail, &filters)
}

/// The indexes of `t` against one view of a need: `Full` when one serves it by its leftmost prefix,
/// else the one that serves the most of it.
fn scan(
    t: &Table,
    eq: &HashSet<&str>,
    tail: &HashSet<&str>,
    unique_set: &HashSet<&str>,
) -> Coverage {
    let mut best: Option<(usize, &Index)> = None;
    budget::tally(t.indexes.len());
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
                        .all(|c| c.as_deref().is_some_and(|c| unique_set.contains(c)))
                {
                    return Coverage::Full;
                }
                let (lead_eq, next_tail, full) =
                    prefix_served(i.cols.iter().map(|c| c.as_deref()), eq, tail);
                if full {
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

pub struct TableUse {
    pub table_key: String,
    pub table_display: String,
    pub need: Need,
}

/// One table (or CTE / derived table) in a query's FROM clause.
pub struct Inst<'c> {
    /// Catalog key of a base table; `None` for CTEs, derived tables and table functions.
    pub table: Option<String>,
    pub display: String,
    /// Alias (lower case) or the table's unqualified name.
    pub qualifier: String,
    /// The unqualified table name (lower case), also accepted as a qualifier.
    pub table_short: Option<String>,
    /// The catalog table when its column list is known (borrowed: a FROM item copies nothing).
    pub columns: Option<&'c Table>,
}

/// Column key -> positions in `catalog.tables` of the live tables with a known column list that have
/// it. Built once per review (linear in the catalog), so resolving an unqualified column visits the
/// tables that have a column of that name, not every table of the FROM clause.
#[derive(Default)]
pub struct ColumnTables {
    by_col: HashMap<String, Vec<usize>>,
}

impl ColumnTables {
    pub fn new(catalog: &Catalog, budget: &mut Budget) -> Result<Self, DecideError> {
        let mut by_col: HashMap<String, Vec<usize>> = HashMap::new();
        for (pos, t) in catalog.tables.iter().enumerate() {
            if t.dropped || !t.complete {
                continue;
            }
            budget.charge(1 + t.columns().len())?;
            for c in t.columns() {
                let v = by_col.entry(c.key.clone()).or_default();
                if v.last() != Some(&pos) {
                    v.push(pos);
                }
            }
        }
        Ok(ColumnTables { by_col })
    }

    pub fn tables(&self, col: &str) -> &[usize] {
        self.by_col.get(col).map_or(&[], Vec::as_slice)
    }
}

/// The FROM items of one SELECT (or UPDATE/DELETE), with the maps that resolve a name without a scan
/// of every item: `FROM t, t, ...` over a wide table costs one step per item and per reference.
pub struct Scope<'c> {
    catalog: &'c Catalog,
    col_tables: &'c ColumnTables,
    pub insts: Vec<Inst<'c>>,
    /// First instance per qualifier, and per unqualified table name.
    by_qualifier: HashMap<String, usize>,
    by_short: HashMap<String, usize>,
    /// Distinct tables with known columns: (table, first instance, number of instances).
    known: Vec<(&'c Table, usize, usize)>,
    known_at: HashMap<&'c str, usize>,
    /// Instances whose columns are unknown: how many, and the first.
    unknown: (usize, usize),
    /// Owners already resolved, by column name: a name repeated across a long WHERE or ON list
    /// costs one scan of the distinct tables.
    owners: RefCell<HashMap<String, Option<usize>>>,
}

impl<'c> Scope<'c> {
    pub fn new(catalog: &'c Catalog, col_tables: &'c ColumnTables) -> Self {
        Scope {
            catalog,
            col_tables,
            insts: Vec::new(),
            by_qualifier: HashMap::new(),
            by_short: HashMap::new(),
            known: Vec::new(),
            known_at: HashMap::new(),
            unknown: (0, 0),
            owners: RefCell::new(HashMap::new()),
        }
    }

    pub fn push(&mut self, inst: Inst<'c>) {
        let n = self.insts.len();
        self.by_qualifier.entry(inst.qualifier.clone()).or_insert(n);
        if let Some(s) = &inst.table_short {
            self.by_short.entry(s.clone()).or_insert(n);
        }
        match inst.columns {
            Some(t) => match self.known_at.get(t.name.key.as_str()) {
                Some(&k) => {
                    if let Some(e) = self.known.get_mut(k) {
                        e.2 += 1;
                    }
                }
                None => {
                    self.known_at.insert(t.name.key.as_str(), self.known.len());
                    self.known.push((t, n, 1));
                }
            },
            None => {
                if self.unknown.0 == 0 {
                    self.unknown.1 = n;
                }
                self.unknown.0 += 1;
            }
        }
        self.insts.push(inst);
        self.owners.get_mut().clear();
    }

    pub fn by_qualifier(&self, q: &str) -> Option<usize> {
        self.by_qualifier
            .get(q)
            .or_else(|| self.by_short.get(q))
            .copied()
    }

    /// The one instance that can own an unqualified column: the only known table that has it (named
    /// once), else, when no known table has it, the only instance with unknown columns. Visits the
    /// distinct tables of the FROM clause or the catalog's tables that have the column, whichever
    /// are fewer, and stops at a second owner.
    pub fn owner_of(&self, col: &str) -> Option<usize> {
        if let Some(&o) = self.owners.borrow().get(col) {
            return o;
        }
        let o = self.find_owner(col);
        self.owners.borrow_mut().insert(col.to_string(), o);
        o
    }

    fn find_owner(&self, col: &str) -> Option<usize> {
        let mut owner = None;
        let mut owners = 0;
        let having = self.col_tables.tables(col);
        if having.len() < self.known.len() {
            for (steps, &pos) in having.iter().enumerate() {
                let Some(t) = self.catalog.tables.get(pos) else {
                    continue;
                };
                let Some(&(known, first, count)) = self
                    .known_at
                    .get(t.name.key.as_str())
                    .and_then(|&k| self.known.get(k))
                else {
                    continue;
                };
                if !std::ptr::eq(known, t) {
                    continue;
                }
                owners += count;
                owner = Some(first);
                if owners > 1 {
                    budget::tally(steps + 1);
                    return None;
                }
            }
            budget::tally(having.len() + 1);
        } else {
            for (steps, (t, first, count)) in self.known.iter().enumerate() {
                if t.column(col).is_some() {
                    owners += count;
                    owner = Some(*first);
                    if owners > 1 {
                        budget::tally(steps + 1);
                        return None;
                    }
                }
            }
            budget::tally(self.known.len() + 1);
        }
        match owners {
            1 => owner,
            _ if self.insts.len() == 1 => Some(0),
            _ if self.unknown.0 == 1 => Some(self.unknown.1),
            _ => None,
        }
    }

    pub fn knows_column(&self, col: &str) -> bool {
        budget::tally(self.known.len());
        self.known.iter().any(|(t, _, _)| t.column(col).is_some())
    }
}

/// A column reference resolved in the current scope.
#[derive(Clone)]
pub struct ColRef {
    pub inst: usize,
    pub col: String,
}

pub enum Side {
    /// A column of an instance in the current scope.
    Col(ColRef),
    /// Anything else: a constant, a parameter, an outer column, an expression.
    Other,
}

#[derive(Clone, Copy)]
pub enum Kind {
    Eq,
    Range,
}

pub struct Walker<'a> {
    pub ctx: &'a Ctx,
    pub catalog: &'a Catalog,
    pub col_tables: &'a ColumnTables,
    /// CTE names in scope, with how many enclosing WITH clauses define each (added and removed as
    /// the walk enters and leaves a WITH, never copied).
    pub ctes: HashMap<String, usize>,
    pub uses: Vec<TableUse>,
    pub notes: Vec<String>,
    pub depth_exceeded: bool,
}

pub fn join_constraint(op: &JoinOperator) -> Option<&JoinConstraint> {
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
    pub fn deep(&mut self, depth: usize) -> bool {
        if depth > MAX_WALK_DEPTH {
            self.depth_exceeded = true;
            true
        } else {
            // Out of budget: stop here; the caller's settle reports it.
            budget::exhausted()
        }
    }

    pub fn statement(&mut self, st: &Statement, depth: usize) {
        if self.deep(depth) {
            return;
        }
        match st {
            Statement::Query(q) => self.query(q, &[], depth + 1),
            Statement::Update(u) => {
                let mut scope = Scope::new(self.catalog, self.col_tables);
                let mut conds: Vec<&Expr> = Vec::new();
                let mut usings = Vec::new();
                self.add_twj(&u.table, &mut scope, &mut conds, &mut usings, &[], depth);
                if let Some(from) = &u.from {
                    let v = match from {
                        UpdateTableFromKind::BeforeSet(v) | UpdateTableFromKind::AfterSet(v) => v,
                    };
                    for twj in v {
                        self.add_twj(twj, &mut scope, &mut conds, &mut usings, &[], depth);
                    }
                }
                if let Some(w) = &u.selection {
                    conds.push(w);
                }
                self.finish_scope(scope, conds, usings, Some(&u.order_by), &[], depth);
            }
            Statement::Delete(d) => {
                let mut scope = Scope::new(self.catalog, self.col_tables);
                let mut conds: Vec<&Expr> = Vec::new();
                let mut usings = Vec::new();
                let v = match &d.from {
                    FromTable::WithFromKeyword(v) | FromTable::WithoutKeyword(v) => v,
                };
                for twj in v.iter().chain(d.using.iter().flatten()) {
                    self.add_twj(twj, &mut scope, &mut conds, &mut usings, &[], depth);
                }
                if let Some(w) = &d.selection {
                    conds.push(w);
                }
                self.finish_scope(scope, conds, usings, Some(&d.order_by), &[], depth);
            }
            Statement::Insert(ins) => {
                if let Some(src) = &ins.source {
                    self.query(src, &[], depth + 1);
                }
            }
            Statement::Explain { statement, .. } => self.statement(statement, depth + 1),
            _ => self
                .notes
                .push("not a SELECT, UPDATE, DELETE or INSERT ... SELECT; skipped".to_string()),
        }
    }

    pub fn query(&mut self, q: &Query, outer: &[&Scope<'a>], depth: usize) {
        if self.deep(depth) {
            return;
        }
        let names: Vec<String> = q.with.as_ref().map_or_else(Vec::new, |with| {
            with.cte_tables
                .iter()
                .map(|cte| cte.alias.name.value.to_lowercase())
                .collect()
        });
        for n in &names {
            *self.ctes.entry(n.clone()).or_insert(0) += 1;
        }
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                self.query(&cte.query, &[], depth + 1);
            }
        }
        let order = q.order_by.as_ref().and_then(|o| match &o.kind {
            OrderByKind::Expressions(v) => Some(v),
            OrderByKind::All(_) => None,
        });
        self.set_expr(&q.body, order, outer, depth + 1);
        for n in names {
            if let Some(c) = self.ctes.get_mut(&n) {
                *c -= 1;
                if *c == 0 {
                    self.ctes.remove(&n);
                }
            }
        }
    }

    pub fn set_expr(
        &mut self,
        body: &SetExpr,
        order: Option<&Vec<OrderByExpr>>,
        outer: &[&Scope<'a>],
        depth: usize,
    ) {
        if self.deep(depth) {
            return;
        }
        match body {
            SetExpr::Select(s) => self.select(s, order, outer, depth + 1),
            SetExpr::Query(q) => self.query(q, outer, depth + 1),
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left, None, outer, depth + 1);
                self.set_expr(right, None, outer, depth + 1);
            }
            SetExpr::Insert(st) | SetExpr::Update(st) | SetExpr::Delete(st) => {
                self.statement(st, depth + 1)
            }
            _ => {}
        }
    }

    pub fn select(
        &mut self,
        s: &Select,
        order: Option<&Vec<OrderByExpr>>,
        outer: &[&Scope<'a>],
        depth: usize,
    ) {
        let mut scope = Scope::new(self.catalog, self.col_tables);
        let mut conds: Vec<&Expr> = Vec::new();
        let mut usings = Vec::new();
        for twj in &s.from {
            self.add_twj(twj, &mut scope, &mut conds, &mut usings, outer, depth);
        }
        if let Some(w) = &s.selection {
            conds.push(w);
        }
        // Subqueries in the projection see this scope.
        {
            let mut inner_outer: Vec<&Scope<'a>> = vec![&scope];
            inner_outer.extend(outer.iter().copied());
            for item in &s.projection {
                if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item
                {
                    self.subqueries(e, &inner_outer, depth + 1);
                }
            }
        }
        let order_slice = order.map(|v| v.as_slice());
        self.finish_scope(scope, conds, usings, order_slice, outer, depth);
    }

    #[allow(clippy::too_many_arguments)]
    pub fn add_twj<'q>(
        &mut self,
        twj: &'q TableWithJoins,
        scope: &mut Scope<'a>,
        conds: &mut Vec<&'q Expr>,
        usings: &mut Vec<(usize, usize, Vec<String>)>,
        outer: &[&Scope<'a>],
        depth: usize,
    ) {
        if self.deep(depth) {
            return;
        }
        self.add_factor(&twj.relation, scope, conds, usings, outer, depth + 1);
        for j in &twj.joins {
            let left_end = scope.insts.len();
            self.add_factor(&j.relation, scope, conds, usings, outer, depth + 1);
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
    pub fn add_factor<'q>(
        &mut self,
        tf: &'q TableFactor,
        scope: &mut Scope<'a>,
        conds: &mut Vec<&'q Expr>,
        usings: &mut Vec<(usize, usize, Vec<String>)>,
        outer: &[&Scope<'a>],
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
                let is_cte = single && self.ctes.contains_key(&short);
                let qualifier = alias
                    .as_ref()
                    .map(|a| a.name.value.to_lowercase())
                    .unwrap_or_else(|| short.clone());
                if is_cte {
                    scope.push(Inst {
                        table: None,
                        display: short.clone(),
                        qualifier,
                        table_short: Some(short),
                        columns: None,
                    });
                } else {
                    let tn = self.ctx.table_name(name);
                    let catalog: &'a Catalog = self.catalog;
                    let columns = catalog.get(&tn.key).filter(|t| t.complete);
                    scope.push(Inst {
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
                self.query(subquery, outer, depth + 1);
                scope.push(Inst {
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
            } => self.add_twj(table_with_joins, scope, conds, usings, outer, depth + 1),
            _ => scope.push(Inst {
                table: None,
                display: String::new(),
                qualifier: String::new(),
                table_short: None,
                columns: None,
            }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn finish_scope(
        &mut self,
        scope: Scope<'a>,
        conds: Vec<&Expr>,
        usings: Vec<(usize, usize, Vec<String>)>,
        order: Option<&[OrderByExpr]>,
        outer: &[&Scope<'a>],
        depth: usize,
    ) {
        let mut needs: Vec<Need> = vec![Need::default(); scope.insts.len()];
        for c in conds {
            self.conjuncts(c, &scope, outer, &mut needs, depth + 1);
        }
        // `JOIN ... USING (c)`: c is an equality on every right-side item and on the left-side items that
        // have it. Items are only appended, so a left-side item already visited for c by an earlier
        // USING has its answer: each (item, column) is visited once, not once per join of a long chain.
        let mut visited: HashMap<String, usize> = HashMap::new();
        for (left_end, right_end, cols) in usings {
            for col in cols {
                let from = visited.get(&col).copied().unwrap_or(0).min(left_end);
                budget::tally(right_end.saturating_sub(from));
                for (n, inst) in scope.insts.iter().enumerate().take(right_end).skip(from) {
                    let right = n >= left_end;
                    let has = inst.columns.is_none_or(|t| t.column(&col).is_some());
                    if (right || has)
                        && let Some(need) = needs.get_mut(n)
                    {
                        need.push_join(col.clone());
                    }
                }
                let seen = visited.entry(col).or_insert(0);
                *seen = (*seen).max(right_end);
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
    pub fn conjuncts(
        &mut self,
        expr: &Expr,
        scope: &Scope<'a>,
        outer: &[&Scope<'a>],
        needs: &mut [Need],
        depth: usize,
    ) {
        let mut inner_outer: Vec<&Scope<'a>> = vec![scope];
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
                        n.push_eq(c.col);
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
                        n.push_eq(c.col);
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
            self.subqueries(e, &inner_outer, depth + 1);
        }
    }

    /// Finds subqueries inside an expression and analyses each with the enclosing scopes as outer scopes.
    pub fn subqueries(&mut self, e: &Expr, outer: &[&Scope<'a>], depth: usize) {
        if self.deep(depth) {
            return;
        }
        let d = depth + 1;
        match e {
            Expr::Subquery(q) | Expr::Exists { subquery: q, .. } => self.query(q, outer, d),
            Expr::InSubquery { expr, subquery, .. } => {
                self.subqueries(expr, outer, d);
                self.query(subquery, outer, d);
            }
            Expr::BinaryOp { left, right, .. }
            | Expr::AnyOp { left, right, .. }
            | Expr::AllOp { left, right, .. } => {
                self.subqueries(left, outer, d);
                self.subqueries(right, outer, d);
            }
            Expr::Nested(x)
            | Expr::UnaryOp { expr: x, .. }
            | Expr::IsNull(x)
            | Expr::IsNotNull(x)
            | Expr::IsTrue(x)
            | Expr::IsFalse(x)
            | Expr::Cast { expr: x, .. } => self.subqueries(x, outer, d),
            Expr::InList { expr, list, .. } => {
                self.subqueries(expr, outer, d);
                for x in list {
                    self.subqueries(x, outer, d);
                }
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                self.subqueries(expr, outer, d);
                self.subqueries(low, outer, d);
                self.subqueries(high, outer, d);
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                if let Some(o) = operand {
                    self.subqueries(o, outer, d);
                }
                for w in conditions {
                    self.subqueries(&w.condition, outer, d);
                    self.subqueries(&w.result, outer, d);
                }
                if let Some(x) = else_result {
                    self.subqueries(x, outer, d);
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
                            self.subqueries(x, outer, d);
                        }
                    }
                } else if let FunctionArguments::Subquery(q) = &f.args {
                    self.query(q, outer, d);
                }
            }
            Expr::Tuple(xs) => {
                for x in xs {
                    self.subqueries(x, outer, d);
                }
            }
            _ => {}
        }
    }
}

/// Records `col <op> other` when `col` is a column here and `other` does not involve the same table.
/// An equality with a column of another FROM item is a join; with anything else, a filter.
pub fn record_pair(col: &Expr, other: &Expr, kind: Kind, scope: &Scope, needs: &mut [Need]) {
    if let Side::Col(c) = resolve(col, scope)
        && !refs_inst(other, scope, c.inst)
        && let Some(n) = needs.get_mut(c.inst)
    {
        match kind {
            Kind::Eq if matches!(resolve(other, scope), Side::Col(_)) => n.push_join(c.col),
            Kind::Eq => n.push_eq(c.col),
            Kind::Range => Need::push(&mut n.range, c.col),
        }
    }
}

pub fn resolve(e: &Expr, scope: &Scope) -> Side {
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
pub fn refs_inst(e: &Expr, scope: &Scope, inst: usize) -> bool {
    pub fn walk(e: &Expr, scope: &Scope, inst: usize, depth: usize) -> bool {
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
