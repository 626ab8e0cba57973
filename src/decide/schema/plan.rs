//! One index plan per table from the access patterns in `queries` that no index serves: the needs are
//! grouped by the column their index would lead with, and each group gets one composite index
//! (equality columns first, filters before join columns, then one range or sort column). Groups lead
//! with different columns, so no suggested index is a leftmost prefix of another. The cost is a few
//! hash-map steps per need column plus one sort of each group's equality columns: n·log n in the
//! needs.

use std::cmp::Reverse;

use super::*;

/// Most key columns an index may have (PostgreSQL's limit); a plan stops there.
const MAX_PLAN_COLUMNS: usize = 32;

/// One suggested index and the needs (positions in the input slice) it is for, in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedIndex {
    pub cols: Vec<String>,
    pub members: Vec<usize>,
}

/// What the table's needs say about one column.
struct Stat {
    /// Compared with a constant or a parameter (not only joined on) by some need.
    filter: bool,
    /// Needs that hold it as an equality column.
    count: usize,
    /// Order of first mention across the needs (ties are broken by it, so the plan is stable).
    first: usize,
}

/// The index plan for one table's needs: one index per group of needs that lead with the same column.
pub fn plan_indexes(needs: &[&Need]) -> Vec<PlannedIndex> {
    let mut stats: HashMap<&str, Stat> = HashMap::new();
    let mut seen = 0usize;
    for need in needs {
        budget::tally(need.len());
        for (c, filter, equality) in need
            .eq
            .iter()
            .map(|c| (c, true, true))
            .chain(need.join.iter().map(|c| (c, false, true)))
            .chain(
                need.range
                    .iter()
                    .chain(&need.order)
                    .map(|c| (c, false, false)),
            )
        {
            let s = stats.entry(c.as_str()).or_insert_with(|| {
                seen += 1;
                Stat {
                    filter: false,
                    count: 0,
                    first: seen,
                }
            });
            s.filter |= filter;
            s.count += usize::from(equality);
        }
    }
    // Filters before join columns, then the more shared column, then the first mentioned.
    let rank = |c: &str, count: usize| match stats.get(c) {
        Some(s) => (!s.filter, Reverse(count), s.first),
        None => (true, Reverse(count), usize::MAX),
    };
    let global = |c: &str| rank(c, stats.get(c).map_or(0, |s| s.count));

    // Group by leading column: the best-ranked equality column, else the first range or sort column.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    let mut group_of: HashMap<String, usize> = HashMap::new();
    for (n, need) in needs.iter().enumerate() {
        let lead = need
            .equalities()
            .min_by_key(|c| global(c))
            .or_else(|| need.tail().first().copied());
        let Some(lead) = lead else { continue };
        match group_of.get(lead.as_str()) {
            Some(&g) => {
                if let Some((_, members)) = groups.get_mut(g) {
                    members.push(n);
                }
            }
            None => {
                group_of.insert(lead.clone(), groups.len());
                groups.push((lead.clone(), vec![n]));
            }
        }
    }

    let mut out = Vec::with_capacity(groups.len());
    for (_, members) in groups {
        // Equality columns of the group, the ones more of its needs share first.
        let mut in_group: HashMap<&str, usize> = HashMap::new();
        for &m in &members {
            if let Some(need) = needs.get(m) {
                for c in need.equalities() {
                    *in_group.entry(c.as_str()).or_insert(0) += 1;
                }
            }
        }
        let mut eq: Vec<(&str, usize)> = in_group.into_iter().collect();
        budget::tally(eq.len().saturating_mul(usize::BITS as usize));
        eq.sort_by_key(|&(c, count)| rank(c, count));
        let mut cols: Vec<String> = eq.iter().map(|(c, _)| c.to_string()).collect();
        let eq_set: HashSet<&str> = eq.iter().map(|&(c, _)| c).collect();

        // Then the range or sort column most of its needs start their tail with (the first one
        // mentioned on a tie), followed by the rest of the tail of the first need that starts so.
        let mut firsts: HashMap<&str, usize> = HashMap::new();
        for &m in &members {
            if let Some(c) = needs.get(m).and_then(|n| first_tail(n, &eq_set)) {
                *firsts.entry(c).or_insert(0) += 1;
            }
        }
        let chosen = firsts
            .into_iter()
            .min_by_key(|&(c, count)| {
                (Reverse(count), stats.get(c).map_or(usize::MAX, |s| s.first))
            })
            .map(|(c, _)| c);
        if let Some(chosen) = chosen
            && let Some(donor) = members
                .iter()
                .filter_map(|&m| needs.get(m))
                .find(|n| first_tail(n, &eq_set) == Some(chosen))
        {
            for c in donor.tail() {
                if !eq_set.contains(c.as_str()) && !cols.contains(c) {
                    cols.push(c.clone());
                }
            }
        }
        cols.truncate(MAX_PLAN_COLUMNS);
        out.push(PlannedIndex { cols, members });
    }
    out
}

/// The first range or sort column of a need that is not an equality column of the group.
fn first_tail<'n>(need: &'n Need, eq: &HashSet<&str>) -> Option<&'n str> {
    need.tail()
        .into_iter()
        .map(String::as_str)
        .find(|c| !eq.contains(c))
}

/// How a planned index serves one need: fully, or by its first `n` key columns only.
pub fn serves(cols: &[String], need: &Need) -> (bool, usize) {
    let eq: HashSet<&str> = need.equalities().map(String::as_str).collect();
    let tail: HashSet<&str> = need.tail().into_iter().map(String::as_str).collect();
    let (lead, next_tail, full) = prefix_served(cols.iter().map(|c| Some(c.as_str())), &eq, &tail);
    (full, lead + usize::from(next_tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(eq: &[&str], join: &[&str], range: &[&str], order: &[&str]) -> Need {
        let v = |s: &[&str]| s.iter().map(|c| c.to_string()).collect();
        Need {
            eq: v(eq),
            join: v(join),
            range: v(range),
            order: v(order),
        }
    }

    fn plan(needs: &[Need]) -> Vec<(Vec<String>, Vec<usize>)> {
        let refs: Vec<&Need> = needs.iter().collect();
        plan_indexes(&refs)
            .into_iter()
            .map(|p| (p.cols, p.members))
            .collect()
    }

    fn cols(c: &[&str]) -> Vec<String> {
        c.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn needs_sharing_a_leading_column_get_one_index_equality_first() {
        let p = plan(&[
            need(&["customer_id"], &[], &[], &[]),
            need(&["customer_id"], &[], &[], &["created_at"]),
            need(&["customer_id", "status"], &[], &["created_at"], &[]),
            need(&[], &["customer_id"], &[], &[]),
        ]);
        assert_eq!(
            p,
            vec![(
                cols(&["customer_id", "status", "created_at"]),
                vec![0, 1, 2, 3]
            )]
        );
    }

    #[test]
    fn a_filter_leads_a_join_column() {
        let p = plan(&[need(&["status"], &["customer_id"], &[], &[])]);
        assert_eq!(p, vec![(cols(&["status", "customer_id"]), vec![0])]);
    }

    #[test]
    fn needs_with_different_leads_get_separate_indexes() {
        let p = plan(&[
            need(&["region"], &[], &[], &[]),
            need(&[], &[], &["created_at"], &[]),
            need(&["region"], &[], &[], &["total"]),
        ]);
        assert_eq!(
            p,
            vec![
                (cols(&["region", "total"]), vec![0, 2]),
                (cols(&["created_at"]), vec![1])
            ]
        );
    }

    #[test]
    fn the_plan_says_which_needs_it_serves_fully() {
        let n = need(&["customer_id"], &[], &[], &["created_at"]);
        assert_eq!(
            serves(&cols(&["customer_id", "status", "created_at"]), &n),
            (false, 1)
        );
        assert_eq!(serves(&cols(&["customer_id", "created_at"]), &n), (true, 2));
    }
}
