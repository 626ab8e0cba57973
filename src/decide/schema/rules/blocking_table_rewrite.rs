//! `blocking-table-rewrite`: REINDEX, CLUSTER, VACUUM FULL, SET LOGGED/UNLOGGED or DETACH PARTITION without their online forms on a live table.

use super::{Kind, POSTGRES, Rule, SCHEMA_DOC};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "blocking-table-rewrite",
    severity: Severity::Medium,
    kind: Kind::Migration,
    dialects: POSTGRES,
    what: "REINDEX, CLUSTER, VACUUM FULL, SET LOGGED/UNLOGGED or DETACH PARTITION without their online forms on a live table.",
    why: "Each holds an ACCESS EXCLUSIVE lock (REINDEX: a lock that blocks writes) for a full rewrite or scan.",
    instead: "REINDEX ... CONCURRENTLY (12+); pg_repack instead of CLUSTER or VACUUM FULL; DETACH PARTITION ... CONCURRENTLY (14+).",
    bad: "REINDEX TABLE orders;",
    good: "REINDEX TABLE CONCURRENTLY orders;",
    reference: (SCHEMA_DOC, "building-indexes-without-blocking-writes"),
};

/// The rewriting operation.
#[derive(Debug, Clone)]
pub enum Op {
    Reindex(String),
    Cluster,
    VacuumFull,
    SetLogged(bool),
    Detach(String),
}

/// Message and fix for `op` on `table` (empty: several tables or unknown).
pub fn advice(op: Op, table: &str, pg_version: u32) -> (String, String) {
    let on = if table.is_empty() {
        "the tables it names".to_string()
    } else {
        table.to_string()
    };
    match op {
        Op::Reindex(target) => (
            format!("REINDEX {target} locks {on} against writes (and the index against reads) while it rebuilds."),
            if pg_version >= 12 {
                format!("REINDEX {} CONCURRENTLY {};  -- PostgreSQL 12+, outside a transaction block",
                    target.split_whitespace().next().unwrap_or("INDEX"),
                    target.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
            } else {
                "-- before PostgreSQL 12: CREATE INDEX CONCURRENTLY a copy, then DROP INDEX CONCURRENTLY the old one".to_string()
            },
        ),
        Op::Cluster => (
            format!("CLUSTER rewrites {on} under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole rewrite."),
            "-- reorder online with pg_repack (--order-by), or drop the CLUSTER: PostgreSQL does not keep the order anyway".to_string(),
        ),
        Op::VacuumFull => (
            format!("VACUUM FULL rewrites {on} under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole rewrite."),
            "-- plain VACUUM (no lock on reads or writes) is usually enough; to return space to the OS, use pg_repack".to_string(),
        ),
        Op::SetLogged(logged) => (
            format!(
                "SET {} rewrites {on} under an ACCESS EXCLUSIVE lock{}.",
                if logged { "LOGGED" } else { "UNLOGGED" },
                if logged { " and writes all of it to the WAL" } else { "" }
            ),
            "-- do it in a maintenance window, or create the table with the wanted persistence and copy into it".to_string(),
        ),
        Op::Detach(child) => (
            format!("DETACH PARTITION {child} from {on} takes an ACCESS EXCLUSIVE lock on the parent: every query on {on} waits."),
            if pg_version >= 14 {
                format!("ALTER TABLE {on} DETACH PARTITION {child} CONCURRENTLY;  -- PostgreSQL 14+, outside a transaction block")
            } else {
                "-- before PostgreSQL 14 detach in a quiet window with a short lock_timeout and retry".to_string()
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
