use super::*;

#[derive(Debug, Clone)]
pub struct Column {
    pub key: String,
    pub display: String,
    pub data_type: Option<DataType>,
    pub not_null: bool,
    pub has_default: bool,
    /// Fed by a sequence (serial, or a sequence OWNED BY it).
    pub sequence: bool,
    /// An identity column: `ALWAYS` or `BY DEFAULT`.
    pub identity: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    BTree,
    Hash,
    Other,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub name: Option<String>,
    /// Column keys; `None` for an expression.
    pub cols: Vec<Option<String>>,
    pub col_display: Vec<String>,
    pub unique: bool,
    pub primary: bool,
    pub partial: bool,
    /// The partial index's predicate, lower case.
    pub predicate: Option<String>,
    /// Operator class per key column (`text_pattern_ops`), lower case.
    pub opclass: Vec<Option<String>>,
    pub method: Method,
    pub stmt: usize,
    pub line: Option<u64>,
    pub implicit: bool,
}

impl Index {
    pub fn plain_cols(&self) -> Option<Vec<&str>> {
        self.cols.iter().map(|c| c.as_deref()).collect()
    }

    pub fn label(&self) -> String {
        format!(
            "{} ({})",
            self.name.as_deref().unwrap_or("(unnamed index)"),
            self.col_display.join(", ")
        )
    }
}

#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub cols: Vec<String>,
    pub col_display: Vec<String>,
    pub ref_table: String,
    /// The referenced table's catalog key.
    pub ref_key: String,
    pub ref_sql: String,
    pub ref_cols: Vec<String>,
    /// Declared as a column-level `REFERENCES` clause.
    pub inline: bool,
    /// What follows the referenced columns when the key is declared again (` ON DELETE CASCADE`, ...).
    pub actions: String,
    pub stmt: usize,
    pub line: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: TableName,
    pub created_stmt: Option<usize>,
    /// Created by the script under review (so new and empty); false for `schema` tables and tables
    /// the script only alters (live, with rows).
    pub new: bool,
    /// Partitioned parent (PARTITION BY): its partitions take its keys.
    pub partitioned: bool,
    /// Parent table key when this is a partition (PARTITION OF, ATTACH PARTITION).
    pub partition_of: Option<String>,
    /// Lower-case names of constraints added NOT VALID and not validated since, with the transaction
    /// number they were added in.
    pub not_valid: Vec<(String, usize)>,
    /// CHECK (col IS NOT NULL) constraints known validated, by column key (the safe SET NOT NULL recipe).
    pub validated_not_null: HashSet<String>,
    /// NOT VALID `CHECK (col IS NOT NULL)` constraints: (constraint name, column key).
    pub pending_not_null: Vec<(String, String)>,
    pub created_line: Option<u64>,
    pub temporary: bool,
    /// Whether the column list is known (created in the script with explicit columns).
    pub complete: bool,
    pub dropped: bool,
    /// In declaration order; read through [`Table::columns`], changed through the methods below so
    /// `col_pos` stays right.
    columns: Vec<Column>,
    /// Column key -> position of its first column in `columns`: lookups are O(1), so a table with
    /// thousands of columns and as many ALTERs costs linear work, not quadratic.
    col_pos: HashMap<String, usize>,
    pub indexes: Vec<Index>,
    pub fks: Vec<ForeignKey>,
}

impl Table {
    pub fn new(name: TableName) -> Self {
        Table {
            name,
            created_stmt: None,
            new: false,
            partitioned: false,
            partition_of: None,
            not_valid: Vec::new(),
            validated_not_null: HashSet::new(),
            pending_not_null: Vec::new(),
            created_line: None,
            temporary: false,
            complete: false,
            dropped: false,
            columns: Vec::new(),
            col_pos: HashMap::new(),
            indexes: Vec::new(),
            fks: Vec::new(),
        }
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    pub fn column(&self, key: &str) -> Option<&Column> {
        self.col_pos.get(key).and_then(|&i| self.columns.get(i))
    }

    pub fn column_mut(&mut self, key: &str) -> Option<&mut Column> {
        match self.col_pos.get(key) {
            Some(&i) => self.columns.get_mut(i),
            None => None,
        }
    }

    /// Appends a column (CREATE TABLE has already refused duplicate names).
    pub fn push_column(&mut self, col: Column) {
        self.col_pos
            .entry(col.key.clone())
            .or_insert(self.columns.len());
        self.columns.push(col);
    }

    pub fn col_display(&self, key: &str) -> String {
        self.column(key)
            .map(|c| c.display.clone())
            .unwrap_or_else(|| key.to_string())
    }

    pub fn has_pk(&self) -> bool {
        self.indexes.iter().any(|i| i.primary)
    }

    pub fn upsert_column(&mut self, col: Column) {
        if let Some(c) = self.column_mut(&col.key) {
            *c = col;
        } else {
            self.push_column(col);
        }
    }

    /// Drops a column and what is built on it. Linear in the table's size (charged as such): a script
    /// that drops thousands of columns of one wide table meets the work budget.
    pub fn remove_column(&mut self, key: &str) {
        budget::tally(self.columns.len() + self.indexes.len() + self.fks.len());
        if self.col_pos.contains_key(key) {
            self.columns.retain(|c| c.key != key);
            self.col_pos.clear();
            for (n, c) in self.columns.iter().enumerate() {
                self.col_pos.entry(c.key.clone()).or_insert(n);
            }
        }
        self.indexes
            .retain(|i| !i.cols.iter().any(|c| c.as_deref() == Some(key)));
        self.fks.retain(|f| !f.cols.iter().any(|c| c == key));
    }

    /// Renames a column in the table, its indexes and its foreign keys (linear in those, charged).
    pub fn rename_column(&mut self, old: &str, new_key: &str, new_display: &str) {
        budget::tally(1 + self.indexes.len() + self.fks.len());
        if let Some(i) = self.col_pos.remove(old)
            && let Some(c) = self.columns.get_mut(i)
        {
            c.key = new_key.to_string();
            c.display = new_display.to_string();
            let at = self.col_pos.entry(new_key.to_string()).or_insert(i);
            *at = (*at).min(i);
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
    pub fn remove_named(&mut self, name: &str, indexes: bool, fks: bool) -> bool {
        budget::tally(1 + self.indexes.len() + self.fks.len());
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
pub struct Catalog {
    pub tables: Vec<Table>,
    pub by_key: HashMap<String, usize>,
}

impl Catalog {
    pub fn get(&self, key: &str) -> Option<&Table> {
        self.by_key
            .get(key)
            .and_then(|&i| self.tables.get(i))
            .filter(|t| !t.dropped)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Table> {
        match self.by_key.get(key) {
            Some(&i) => self.tables.get_mut(i).filter(|t| !t.dropped),
            None => None,
        }
    }

    /// The live table, or a new entry for a table defined outside the script.
    pub fn ensure(&mut self, name: &TableName) -> Option<&mut Table> {
        if self.get(&name.key).is_none() {
            self.insert(Table::new(name.clone()));
        }
        self.get_mut(&name.key)
    }

    pub fn insert(&mut self, table: Table) {
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

    pub fn rename(&mut self, old_key: &str, new: TableName) {
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

    pub fn live(&self) -> impl Iterator<Item = &Table> {
        self.tables.iter().filter(|t| !t.dropped)
    }
}
