//! Real application schemas and migration sets from Debian bookworm packages (roundcube-core,
//! icinga2-ido-pgsql/-mysql, pdns-backend-pgsql/-mysql/-sqlite3, mediawiki), laid out by
//! scripts/public-schemas.sh in `$BEM_PUBLIC_SCHEMAS/debian` (default target/public-schemas/debian).
//! `.ci/run` runs the script first; with `CI=true` a missing file fails the test, elsewhere the test
//! says so on stderr and checks nothing.
//!
//! The expected facts were read from the database catalogs, not from the reviewer: the PostgreSQL files
//! loaded into PostgreSQL 15 (scripts/ci-postgres.sh) and queried with
//! scripts/public-schemas-catalog.sql; the SQLite files loaded with sqlite3 and read with
//! `pragma_table_info`; the MySQL files (no MySQL server here) are the same applications' tables, so
//! their tables and keys were compared by hand with the PostgreSQL and SQLite versions.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::{BIN, MIGRATION_RULES, set, tables_with};

/// Where scripts/public-schemas.sh put the files, or None (after saying why) when they are absent;
/// under CI a missing file is a failure, so a broken download cannot pass as "nothing to check".
fn debian_file(rel: &str) -> Option<PathBuf> {
    let base = std::env::var_os("BEM_PUBLIC_SCHEMAS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/public-schemas"));
    let path = base.join("debian").join(rel);
    if path.exists() {
        return Some(path);
    }
    let msg = format!(
        "{} missing: run scripts/public-schemas.sh (it fetches the Debian packages)",
        path.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("{msg}; not checked");
    None
}

/// `review-schema --json` on `file`, with `--schema` when given; the parsed review.
fn run(file: &Path, schema: Option<&Path>, dialect: &str) -> Value {
    let mut cmd = Command::new(BIN);
    cmd.args(["review-schema", "--json", "--dialect", dialect]);
    if let Some(s) = schema {
        cmd.arg("--schema").arg(s);
    }
    let out = cmd.arg(file).output().expect("run the binary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}: exit {:?}: {stderr}",
        file.display(),
        out.status.code()
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: stdout is not a JSON review ({e}); stderr: {stderr}",
            file.display()
        )
    })
}

fn count(review: &Value, rule: &str) -> usize {
    review["findings"]
        .as_array()
        .map_or(0, |fs| fs.iter().filter(|f| f["rule"] == rule).count())
}

/// One Debian schema file and what its catalog says.
struct Schema {
    file: &'static str,
    dialect: &'static str,
    /// Tables the catalog holds after loading the file.
    tables: usize,
    /// At most this many statements may be listed as unparsed (what sqlparser lacks, named below).
    max_unparsed: usize,
    /// Tables without a primary key.
    no_pk: &'static [&'static str],
    /// Tables with a non-unique index that is a leftmost prefix of another (same method, opclasses).
    redundant: &'static [&'static str],
}

/// Reviews the file whole and checks it against the catalog's facts.
fn check(s: &Schema) {
    let Some(path) = debian_file(s.file) else {
        return;
    };
    let r = run(&path, None, s.dialect);
    let unparsed = r["unparsed"].as_array().cloned().unwrap_or_default();
    for u in &unparsed {
        println!(
            "{}: unparsed line {} `{}`: {}",
            s.file, u["line"], u["starts"], u["error"]
        );
    }
    assert!(
        unparsed.len() <= s.max_unparsed,
        "{}: {} unparsed statements, at most {} expected",
        s.file,
        unparsed.len(),
        s.max_unparsed
    );
    let tables = r["tables"].as_array().map_or(0, Vec::len);
    assert_eq!(tables, s.tables, "{}: tables reviewed", s.file);
    assert_eq!(
        tables_with(&r, "missing-primary-key"),
        set(s.no_pk),
        "{}: missing-primary-key",
        s.file
    );
    assert_eq!(
        tables_with(&r, "redundant-index"),
        set(s.redundant),
        "{}: redundant-index",
        s.file
    );
    // Every foreign key in these files has an index that leads with its columns (catalog: none
    // listed by the second query), and InnoDB makes one itself for the MySQL files.
    let fk = tables_with(&r, "unindexed-foreign-key");
    assert!(fk.is_empty(), "{}: unindexed-foreign-key on {fk:?}", s.file);
    for rule in MIGRATION_RULES {
        let t = tables_with(&r, rule);
        assert!(
            t.is_empty(),
            "{}: {rule} on {t:?}, but every table is new",
            s.file
        );
    }
}

/// icinga2-ido-pgsql: 24 tables have a redundant index (27 pairs; icinga_objects' objtype index is
/// inside two others, icinga_comments and icinga_scheduleddowntime have two each).
const ICINGA_REDUNDANT: &[&str] = &[
    "icinga_commands",
    "icinga_comments",
    "icinga_configfiles",
    "icinga_contactgroups",
    "icinga_contacts",
    "icinga_customvariables",
    "icinga_endpointstatus",
    "icinga_eventhandlers",
    "icinga_hostdependencies",
    "icinga_hostescalation_contacts",
    "icinga_hostescalations",
    "icinga_hostgroups",
    "icinga_hosts",
    "icinga_objects",
    "icinga_programstatus",
    "icinga_runtimevariables",
    "icinga_scheduleddowntime",
    "icinga_serviceescalation_contacts",
    "icinga_serviceescalations",
    "icinga_servicegroups",
    "icinga_services",
    "icinga_systemcommands",
    "icinga_timeperiods",
    "icinga_zonestatus",
];

/// MediaWiki's five keyless tables (the same in the three dialects; PostgreSQL and SQLite catalogs).
const MEDIAWIKI_NO_PK: &[&str] = &[
    "oldimage",
    "querycache",
    "querycachetwo",
    "searchindex",
    "user_newtalk",
];

#[test]
fn roundcube_postgres() {
    check(&Schema {
        file: "roundcube/postgres.initial.sql",
        dialect: "postgres",
        tables: 17,
        max_unparsed: 0,
        no_pk: &["dictionary"],
        redundant: &[],
    });
}

#[test]
fn roundcube_mysql() {
    check(&Schema {
        file: "roundcube/mysql.initial.sql",
        dialect: "mysql",
        tables: 17,
        max_unparsed: 0,
        // MySQL's dictionary has an `id` primary key (for Galera); the others' has none.
        no_pk: &[],
        redundant: &[],
    });
}

#[test]
fn roundcube_sqlite() {
    check(&Schema {
        file: "roundcube/sqlite.initial.sql",
        dialect: "sqlite",
        tables: 17,
        max_unparsed: 0,
        no_pk: &["dictionary"],
        redundant: &[],
    });
}

#[test]
fn icinga_pgsql() {
    let s = Schema {
        file: "icinga2-ido-pgsql/pgsql.sql",
        dialect: "postgres",
        tables: 61,
        max_unparsed: 0,
        no_pk: &[],
        redundant: ICINGA_REDUNDANT,
    };
    check(&s);
    // 81 columns in 26 tables are `timestamp without time zone` (catalog, pg_attribute): all named,
    // however the findings group them.
    if let Some(path) = debian_file(s.file) {
        let r = run(&path, None, s.dialect);
        let rule = "timestamp-without-time-zone";
        let columns: usize = r["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["rule"] == rule)
            .map(|f| f["columns"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(columns, 81, "{rule}: columns named");
        assert_eq!(tables_with(&r, rule).len(), 26, "{rule}: tables");
    }
}

/// icinga2-ido-mysql has fewer indexes than the PostgreSQL file: read by hand (no MySQL server here),
/// every table has a primary key and no live index is a prefix of another (the two that would be are
/// commented out in the file).
#[test]
fn icinga_mysql() {
    check(&Schema {
        file: "icinga2-ido-mysql/mysql.sql",
        dialect: "mysql",
        tables: 61,
        max_unparsed: 0,
        no_pk: &[],
        redundant: &[],
    });
}

#[test]
fn pdns_pgsql() {
    check(&Schema {
        file: "pdns/pgsql/schema.pgsql.sql",
        dialect: "postgres",
        tables: 7,
        max_unparsed: 0,
        no_pk: &[],
        // records: domain_id inside recordorder (domain_id, ordername text_pattern_ops) and
        // rec_name_index inside nametype_index; comments: domain_id inside comments_order_idx.
        redundant: &["comments", "records"],
    });
}

#[test]
fn pdns_mysql() {
    check(&Schema {
        file: "pdns/mysql/schema.mysql.sql",
        dialect: "mysql",
        tables: 7,
        max_unparsed: 0,
        no_pk: &[],
        redundant: &[],
    });
}

#[test]
fn pdns_sqlite() {
    check(&Schema {
        file: "pdns/sqlite3/schema.sqlite3.sql",
        dialect: "sqlite",
        tables: 7,
        max_unparsed: 0,
        // SQLite's supermasters has only a UNIQUE index where PostgreSQL's has a primary key.
        no_pk: &["supermasters"],
        redundant: &[],
    });
}

#[test]
fn mediawiki_postgres() {
    check(&Schema {
        file: "mediawiki/postgres/tables-generated.sql",
        dialect: "postgres",
        tables: 58,
        max_unparsed: 0,
        no_pk: MEDIAWIKI_NO_PK,
        redundant: &[],
    });
}

#[test]
fn mediawiki_mysql() {
    check(&Schema {
        file: "mediawiki/tables-generated.sql",
        dialect: "mysql",
        tables: 58,
        max_unparsed: 0,
        no_pk: MEDIAWIKI_NO_PK,
        redundant: &[],
    });
}

#[test]
fn mediawiki_sqlite() {
    check(&Schema {
        file: "mediawiki/sqlite/tables-generated.sql",
        dialect: "sqlite",
        tables: 58,
        max_unparsed: 0,
        no_pk: MEDIAWIKI_NO_PK,
        redundant: &[],
    });
}

/// The sort key of a migration file name: its runs of digits as numbers (2.10 after 2.9).
fn version_key(name: &str) -> Vec<u64> {
    name.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// What a migration does to tables it did not create, read from its lines (each statement of these
/// files starts on its own line): `(table, builds an index without CONCURRENTLY)` per ALTER TABLE,
/// DROP TABLE, DROP INDEX (table unknown: empty), CREATE INDEX and REFERENCES (a foreign key locks
/// the table it points at).
fn locks_existing(sql: &str) -> Vec<(String, bool)> {
    let name = |s: &str| {
        s.split('(')
            .next()
            .unwrap_or("")
            .trim_matches(|c: char| c == '"' || c == ';')
            .rsplit('.')
            .next()
            .unwrap_or("")
            .trim_matches('"')
            .to_lowercase()
    };
    let mut created = BTreeSet::new();
    let mut out = Vec::new();
    for line in sql.lines() {
        let words: Vec<String> = line.split_whitespace().map(|w| w.to_uppercase()).collect();
        let raw: Vec<&str> = line.split_whitespace().collect();
        // A foreign key to a table the file did not create (in CREATE TABLE or ALTER TABLE) takes a
        // SHARE ROW EXCLUSIVE lock on that table: writes to it wait, and it queues behind them.
        if let Some(p) = words.iter().position(|w| w == "REFERENCES")
            && let Some(t) = raw.get(p + 1).map(|t| name(t))
            && !created.contains(&t)
        {
            out.push((t, false));
        }
        match words
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["CREATE", "TABLE", ..] => {
                let i = if words.get(2).is_some_and(|w| w == "IF") {
                    5
                } else {
                    2
                };
                if let Some(t) = raw.get(i) {
                    created.insert(name(t));
                }
            }
            ["ALTER", "TABLE", ..] => {
                let i = match (
                    words.get(2).map(String::as_str),
                    words.get(3).map(String::as_str),
                ) {
                    (Some("IF"), _) => 4,
                    (Some("ONLY"), _) => 3,
                    _ => 2,
                };
                if let Some(t) = raw.get(i).map(|t| name(t))
                    && !created.contains(&t)
                {
                    out.push((t, false));
                }
            }
            ["DROP", "TABLE", ..] => {
                let i = if words.get(2).is_some_and(|w| w == "IF") {
                    4
                } else {
                    2
                };
                if let Some(t) = raw.get(i).map(|t| name(t))
                    && !created.contains(&t)
                {
                    out.push((t, false));
                }
            }
            ["DROP", "INDEX", ..] if !words.iter().any(|w| w == "CONCURRENTLY") => {
                // Locks the index's table, which the statement does not name.
                out.push((String::new(), false));
            }
            ["CREATE", "INDEX", ..] | ["CREATE", "UNIQUE", "INDEX", ..] => {
                if words.iter().any(|w| w == "CONCURRENTLY") {
                    continue;
                }
                if let Some(p) = words.iter().position(|w| w == "ON")
                    && let Some(t) = raw.get(p + 1).map(|t| name(t))
                    && !created.contains(&t)
                {
                    out.push((t, true));
                }
            }
            _ => {}
        }
    }
    out
}

/// Each migration of a set, in order, reviewed against the initial schema plus the migrations before
/// it (`--schema`). Where it alters or indexes a table it did not create, and none of these files sets
/// a lock_timeout (checked), `missing-lock-timeout` must fire once; a plain CREATE INDEX on such a
/// table must be `blocking-index-build` on it.
fn check_migrations(initial: &str, dir: &str, only: fn(&str) -> bool) {
    let (Some(initial), Some(dir)) = (debian_file(initial), debian_file(dir)) else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read the migration directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(only))
        .collect();
    files.sort_by_key(|p| version_key(&p.file_name().unwrap_or_default().to_string_lossy()));
    assert!(
        files.len() >= 4,
        "{}: only {} migrations",
        dir.display(),
        files.len()
    );
    let mut schema_so_far = std::fs::read_to_string(&initial).expect("read the initial schema");
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("public-schemas");
    std::fs::create_dir_all(&tmp).expect("make a scratch directory");
    let mut flagged = 0;
    for file in &files {
        let name = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let sql = std::fs::read_to_string(file).expect("read a migration");
        let lower = sql.to_lowercase();
        assert!(
            !lower.contains("lock_timeout"),
            "{name} sets lock_timeout: revisit the test"
        );
        let schema_path = tmp.join(format!(
            "{}-before-{name}",
            dir.file_name().unwrap_or_default().to_string_lossy()
        ));
        std::fs::write(&schema_path, &schema_so_far).expect("write the schema so far");
        let r = run(file, Some(&schema_path), "postgres");
        let locks = locks_existing(&sql);
        let lock_timeouts = count(&r, "missing-lock-timeout");
        println!(
            "{name}: {} statement(s) on existing tables, {lock_timeouts} missing-lock-timeout",
            locks.len()
        );
        if locks.is_empty() {
            assert_eq!(lock_timeouts, 0, "{name}: touches no existing table");
        } else {
            assert_eq!(
                lock_timeouts, 1,
                "{name}: alters {:?} without lock_timeout",
                locks
            );
            flagged += 1;
        }
        let builds: BTreeSet<String> = locks.iter().filter(|l| l.1).map(|l| l.0.clone()).collect();
        let flagged_builds = tables_with(&r, "blocking-index-build");
        assert!(
            builds.is_subset(&flagged_builds),
            "{name}: CREATE INDEX without CONCURRENTLY on {builds:?}, blocking-index-build on {flagged_builds:?}"
        );
        schema_so_far.push('\n');
        schema_so_far.push_str(&sql);
    }
    assert!(
        flagged > 0,
        "{}: no migration touched an existing table",
        dir.display()
    );
}

#[test]
fn roundcube_postgres_migrations() {
    check_migrations(
        "roundcube/postgres.initial.sql",
        "roundcube/postgres",
        |n| n.ends_with(".sql"),
    );
}

#[test]
fn pdns_pgsql_migrations() {
    // The X_to_Y upgrades in order; the two 3.x files are alternatives for installs before 3.4.
    check_migrations("pdns/pgsql/schema.pgsql.sql", "pdns/pgsql", |n| {
        n.contains("_to_") && !n.contains("dnssec")
    });
}

#[test]
fn icinga_pgsql_migrations() {
    check_migrations(
        "icinga2-ido-pgsql/pgsql.sql",
        "icinga2-ido-pgsql/upgrade",
        |n| n.ends_with(".sql"),
    );
}

#[test]
fn version_order_is_numeric() {
    let mut v = [
        "2.10.0.sql",
        "2.8.1.sql",
        "2.8.0.sql",
        "2.11.0.sql",
        "2.0.2.sql",
    ];
    v.sort_by_key(|n| version_key(n));
    assert_eq!(
        v,
        [
            "2.0.2.sql",
            "2.8.0.sql",
            "2.8.1.sql",
            "2.10.0.sql",
            "2.11.0.sql"
        ]
    );
}

#[test]
fn locks_existing_reads_the_statement_heads() {
    let sql = "CREATE TABLE \"t\" (id int);\nALTER TABLE t ADD x int;\nALTER TABLE ONLY public.\"u\" ADD y int;\n\
               CREATE INDEX i ON \"v\" (a);\nCREATE INDEX CONCURRENTLY j ON w (a);\nCREATE UNIQUE INDEX k ON t (x);\n\
               CREATE INDEX l ON x(a, b);\nDROP TABLE IF EXISTS y;\nDROP INDEX m;\nDROP TABLE t;\n\
               CREATE TABLE n (\n  t_id int REFERENCES t (id),\n  z_id int REFERENCES \"z\" (id)\n);\n";
    assert_eq!(
        locks_existing(sql),
        vec![
            ("u".to_string(), false),
            ("v".to_string(), true),
            ("x".to_string(), true),
            ("y".to_string(), false),
            (String::new(), false),
            ("z".to_string(), false),
        ]
    );
}
