//! The index facts the catalog rules need, computed in n·log n: which foreign key column sets some
//! index serves (a hash set of every index's sorted leading-column sets), and which indexes are a
//! duplicate or a leftmost prefix of another (one sort of the key lists; an index's extensions sort
//! right after it).

use super::*;

/// Longest index prefix considered when serving foreign keys (PostgreSQL allows 32 key columns).
const MAX_PREFIX: usize = 32;

/// The foreign key column sets that this table's indexes serve.
pub struct FkServing {
    sets: HashSet<Vec<String>>,
}

impl FkServing {
    pub fn new(t: &Table, budget: &mut Budget) -> Result<Self, DecideError> {
        let mut sets = HashSet::new();
        for i in &t.indexes {
            budget.charge(1 + i.cols.len().min(MAX_PREFIX))?;
            if i.partial
                && !i
                    .predicate
                    .as_deref()
                    .is_some_and(|p| p.contains("is not null"))
            {
                continue;
            }
            match i.method {
                Method::Other => {}
                Method::Hash => {
                    if let [Some(c)] = i.cols.as_slice() {
                        sets.insert(vec![c.clone()]);
                    }
                }
                Method::BTree => {
                    let mut prefix: Vec<String> = Vec::new();
                    for c in i.cols.iter().take(MAX_PREFIX) {
                        let Some(c) = c else { break };
                        prefix.push(c.clone());
                        let mut sorted = prefix.clone();
                        sorted.sort();
                        sets.insert(sorted);
                    }
                }
            }
        }
        Ok(FkServing { sets })
    }

    /// Whether an index's leading columns are exactly these (in any order). A partial index serves
    /// only when its predicate is `col IS NOT NULL` on a key column (the rows the check can touch).
    pub fn serves(&self, cols: &[String]) -> bool {
        let mut sorted = cols.to_vec();
        sorted.sort();
        self.sets.contains(&sorted)
    }
}

fn rank(i: &Index) -> u8 {
    if i.primary {
        2
    } else if i.unique {
        1
    } else {
        0
    }
}

/// Pairs (redundant index position, the index that makes it so) on one table.
pub fn redundant_pairs(t: &Table, budget: &mut Budget) -> Result<Vec<(usize, usize)>, DecideError> {
    // Key list of each plain B-tree index: (column, operator class) per key column.
    let mut keyed: Vec<(Vec<(&str, &str)>, usize)> = Vec::new();
    for (n, i) in t.indexes.iter().enumerate() {
        if i.partial || i.implicit || i.method != Method::BTree {
            continue;
        }
        let Some(cols) = i.plain_cols() else { continue };
        if cols.is_empty() {
            continue;
        }
        budget.charge(cols.len())?;
        let key = cols
            .iter()
            .enumerate()
            .map(|(k, c)| {
                (
                    *c,
                    i.opclass.get(k).and_then(|o| o.as_deref()).unwrap_or(""),
                )
            })
            .collect();
        keyed.push((key, n));
    }
    keyed.sort();
    budget.charge(keyed.len().saturating_mul(usize::BITS as usize))?;
    let mut out = Vec::new();
    let mut k = 0;
    while k < keyed.len() {
        // A run of identical key lists: keep the strongest (primary > unique > plain), then the first.
        let mut end = k + 1;
        while keyed
            .get(end)
            .is_some_and(|(c, _)| Some(c) == keyed.get(k).map(|(c, _)| c))
        {
            end += 1;
        }
        let run = keyed.get(k..end).unwrap_or(&[]);
        let keep = run
            .iter()
            .max_by(|a, b| {
                let (ia, ib) = (&t.indexes[a.1], &t.indexes[b.1]);
                rank(ia).cmp(&rank(ib)).then(b.1.cmp(&a.1))
            })
            .map(|(_, n)| *n);
        if let Some(keep) = keep {
            for (_, n) in run {
                if *n != keep && !t.indexes.get(*n).is_some_and(|i| i.primary) {
                    out.push((*n, keep));
                }
            }
            // A strict prefix of the next key list is redundant unless it enforces uniqueness.
            if let (Some((next, m)), Some((cols, _))) = (keyed.get(end), keyed.get(k))
                && next.len() > cols.len()
                && next.starts_with(cols)
                && let Some(i) = t.indexes.get(keep)
                && !i.unique
                && !i.primary
            {
                out.push((keep, *m));
            }
        }
        k = end;
    }
    Ok(out)
}
