//! Fixes that work (issue 8): for every rule of the catalogue, its flagged example is set up on a real
//! engine (PostgreSQL through `psql`, SQLite through the `sqlite3` shell), with rows, reviewed by
//! `review_schema`, and the `fix` the tool returns is run where it says it goes; then the catalog is
//! asked whether the fix did what the message claims (the column exists, the index is valid per
//! `pg_index.indisvalid`, the constraint is validated per `pg_constraint.convalidated`, ...).
//!
//! On PostgreSQL the table files (`pg_class.relfilenode`) are read before and after the fix: when the
//! fix rewrote a table, its message or fix must say that it rewrites.
//!
//! Where the engine comes from: `PG_URL` (or libpq's PGHOST/PGPORT/PGDATABASE), as printed by
//! `scripts/ci-postgres.sh`, which `.ci/run` runs and which sets `BEM_REQUIRE_ENGINES=1`. Without a
//! reachable server (a developer's machine) each test prints why it checked nothing; with
//! `BEM_REQUIRE_ENGINES=1` a missing engine fails the test instead.
//!
//! Value slots: a fix that backfills with a value only the user knows writes `<value>`; the test puts
//! a constant there and says so in the case. Rules of MySQL only are listed with no engine here.

use std::io::Write;
use std::process::{Command, Stdio};

use backend_engineering_mcp::decide::schema::{
    Finding, ReviewSchemaInput, SqlDialect, review_schema, rules,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Engine {
    Postgres,
    Sqlite,
}

/// Where the fix goes in the script.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Place {
    /// In place of the flagged statement (the lines from the finding's line to the first `;`).
    Replace,
    /// Before the whole migration (a setting for the script).
    Before,
    /// After the whole migration (a follow-up on the tables it made).
    After,
    /// Around the flagged statement: it goes where the fix's `-- keep ...` line is.
    Around,
}

/// One rule on one engine.
struct Case {
    rule: &'static str,
    engine: Engine,
    /// The live tables (given to the tool as `schema`; empty: the flagged example is one script).
    schema: &'static str,
    /// Rows put in the tables before the fix (after `schema`, or after the migration for `After`).
    rows: &'static str,
    /// The migration: None, the rule's flagged example; Some(""), none (`schema` alone is reviewed).
    migration: Option<&'static str>,
    queries: &'static [&'static str],
    place: Place,
    /// `(slot, text)`: value slots of the fix filled by the test.
    slots: &'static [(&'static str, &'static str)],
    /// `(query, expected single value)`, run in a new session after the script.
    checks: &'static [(&'static str, &'static str)],
    /// A lock another session holds while the script runs, and the error the script must then end
    /// with (the fix is a timeout).
    blocker: Option<(&'static str, &'static str)>,
}

const fn case(rule: &'static str, engine: Engine) -> Case {
    Case {
        rule,
        engine,
        schema: "",
        rows: "",
        migration: None,
        queries: &[],
        place: Place::Replace,
        slots: &[],
        checks: &[],
        blocker: None,
    }
}

/// Rules whose fix is advice, not SQL to run, and why (checked: the fix holds no statement).
const ADVICE: &[(&str, Engine, &str)] = &[
    (
        "query-table-unknown",
        Engine::Postgres,
        "the fix is to pass the missing table's DDL",
    ),
    (
        "missing-primary-key",
        Engine::Sqlite,
        "SQLite cannot add a primary key with ALTER TABLE: the fix says to declare it in the CREATE TABLE",
    ),
    (
        "float-money",
        Engine::Sqlite,
        "SQLite has no exact decimal type: the fix says to store integer minor units",
    ),
];

/// Rules no engine here runs (MySQL only).
const NO_ENGINE: &[&str] = &["inline-references-ignored"];

const PG_INDEX_VALID: &str = "SELECT bool_and(i.indisvalid) AND count(*) > 0 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
     WHERE c.relnamespace = current_schema()::regnamespace";

/// The primary key's column and its type, for `int-primary-key`.
const PG_KEY_TYPE_PAGE_HITS: &str = "SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ',') FROM pg_constraint c \
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) WHERE c.conrelid = 'page_hits'::regclass AND c.contype = 'p'";
const PG_KEY_TYPE_ACCOUNTS: &str = "SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ',') FROM pg_constraint c \
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) WHERE c.conrelid = 'accounts'::regclass AND c.contype = 'p'";

fn cases() -> Vec<Case> {
    use Engine::*;
    use Place::*;
    vec![
        // --- design rules: the flagged CREATE TABLE is the script, rows go in, the fix follows.
        Case {
            place: After,
            rows: "INSERT INTO audit_events (kind) VALUES ('a'), ('b'), ('c');",
            checks: &[
                (
                    "SELECT count(*) FROM pg_constraint WHERE conrelid = 'audit_events'::regclass AND contype = 'p'",
                    "1",
                ),
                ("SELECT count(DISTINCT id) FROM audit_events", "3"),
            ],
            ..case("missing-primary-key", Postgres)
        },
        Case {
            // A live identity key, no foreign key known: widened in place, still ALWAYS identity.
            schema: "CREATE TABLE page_hits (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, path text NOT NULL);",
            rows: "INSERT INTO page_hits (path) VALUES ('/'), ('/a');",
            migration: Some(""),
            place: After,
            checks: &[
                (PG_KEY_TYPE_PAGE_HITS, "id bigint"),
                (
                    "SELECT attidentity FROM pg_attribute WHERE attrelid = 'page_hits'::regclass AND attname = 'id'",
                    "a",
                ),
                (
                    "WITH i AS (INSERT INTO page_hits (path) VALUES ('/b') RETURNING id) SELECT id > 2 FROM i",
                    "t",
                ),
                (
                    "SELECT string_agg(id || path, ',' ORDER BY id) FROM page_hits WHERE path <> '/b'",
                    "1/,2/a",
                ),
            ],
            ..case("int-primary-key", Postgres)
        },
        Case {
            // A live serial key that another table references (ON DELETE CASCADE): the key is widened,
            // the sequence keeps feeding it, and the foreign key is back, validated, on the new column.
            schema: "CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL);\n\
                     CREATE TABLE invoices (id bigint PRIMARY KEY, account_id integer NOT NULL REFERENCES accounts (id) ON DELETE CASCADE);\n\
                     CREATE INDEX invoices_account_id_idx ON invoices (account_id);",
            rows: "INSERT INTO accounts (name) VALUES ('a'), ('b'), ('c'); INSERT INTO invoices VALUES (1, 1), (2, 3);",
            migration: Some(""),
            place: After,
            checks: &[
                (PG_KEY_TYPE_ACCOUNTS, "id bigint"),
                (
                    "WITH i AS (INSERT INTO accounts (name) VALUES ('d') RETURNING id) SELECT id > 3 FROM i",
                    "t",
                ),
                (
                    "SELECT string_agg(id || name, ',' ORDER BY id) FROM accounts WHERE name <> 'd'",
                    "1a,2b,3c",
                ),
                (
                    "SELECT string_agg(conname || ' ' || convalidated || ' ' || confdeltype::text || ' ' || (confkey = ARRAY[( \
                     SELECT attnum FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'id')]), ',') \
                     FROM pg_constraint WHERE contype = 'f' AND confrelid = 'accounts'::regclass AND conrelid = 'invoices'::regclass",
                    "invoices_account_id_fkey true c true",
                ),
                (
                    "DELETE FROM accounts WHERE id = 1; SELECT count(*) FROM invoices",
                    "1",
                ),
            ],
            ..case("int-primary-key", Postgres)
        },
        Case {
            // The same in pg_dump's form: sequence OWNED BY, key and foreign key added by ALTER TABLE ONLY,
            // a named foreign key, and a second table referencing the key.
            schema: "CREATE TABLE accounts (id integer NOT NULL, name text NOT NULL);\n\
                     CREATE SEQUENCE accounts_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;\n\
                     ALTER SEQUENCE accounts_id_seq OWNED BY accounts.id;\n\
                     ALTER TABLE ONLY accounts ALTER COLUMN id SET DEFAULT nextval('accounts_id_seq'::regclass);\n\
                     ALTER TABLE ONLY accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);\n\
                     CREATE TABLE invoices (id bigint NOT NULL, account_id integer NOT NULL);\n\
                     ALTER TABLE ONLY invoices ADD CONSTRAINT invoices_pkey PRIMARY KEY (id);\n\
                     ALTER TABLE ONLY invoices ADD CONSTRAINT invoices_account_fk FOREIGN KEY (account_id) REFERENCES accounts(id);\n\
                     CREATE TABLE notes (id bigint PRIMARY KEY, account_id integer REFERENCES accounts);",
            rows: "INSERT INTO accounts (name) VALUES ('a'), ('b'), ('c'); INSERT INTO invoices VALUES (1, 1), (2, 3); \
                   INSERT INTO notes VALUES (1, 2);",
            migration: Some(""),
            place: After,
            checks: &[
                (PG_KEY_TYPE_ACCOUNTS, "id bigint"),
                (
                    "WITH i AS (INSERT INTO accounts (name) VALUES ('d') RETURNING id) SELECT id > 3 FROM i",
                    "t",
                ),
                (
                    "SELECT string_agg(id || name, ',' ORDER BY id) FROM accounts WHERE name <> 'd'",
                    "1a,2b,3c",
                ),
                (
                    "SELECT string_agg(conrelid::regclass || ' ' || conname || ' ' || convalidated || ' ' || (confkey = ARRAY[( \
                     SELECT attnum FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'id')]), ',' ORDER BY conname) \
                     FROM pg_constraint WHERE contype = 'f' AND confrelid = 'accounts'::regclass",
                    "invoices invoices_account_fk true true,notes notes_account_id_fkey true true",
                ),
            ],
            ..case("int-primary-key", Postgres)
        },
        Case {
            // On a table being created the fix is the declaration; on a live one, the switch to run.
            schema: "CREATE TABLE tags (name text NOT NULL);",
            rows: "INSERT INTO tags (name) VALUES ('a'), ('b'), ('c');",
            migration: Some("ALTER TABLE tags ADD COLUMN id bigserial;"),
            place: After,
            checks: &[
                (
                    "SELECT attidentity FROM pg_attribute WHERE attrelid = 'tags'::regclass AND attname = 'id'",
                    "a",
                ),
                (
                    "WITH i AS (INSERT INTO tags (name) VALUES ('d') RETURNING id) SELECT id FROM i",
                    "4",
                ),
            ],
            ..case("prefer-identity", Postgres)
        },
        Case {
            place: After,
            rows: "INSERT INTO orders VALUES (1), (2); INSERT INTO order_lines VALUES (1, 1), (2, 2);",
            checks: &[
                (PG_INDEX_VALID, "t"),
                (
                    "SELECT count(*) FROM pg_index WHERE indrelid = 'order_lines'::regclass AND indkey[0] = \
                  (SELECT attnum FROM pg_attribute WHERE attrelid = 'order_lines'::regclass AND attname = 'order_id')",
                    "1",
                ),
            ],
            ..case("unindexed-foreign-key", Postgres)
        },
        Case {
            place: After,
            rows: "INSERT INTO orders VALUES (1), (2); INSERT INTO order_lines VALUES (1, 1), (2, 2);",
            checks: &[(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'order_lines' AND sql LIKE '%(order_id)'",
                "1",
            )],
            ..case("unindexed-foreign-key", Sqlite)
        },
        Case {
            place: After,
            rows: "INSERT INTO t VALUES (1, 1, 1);",
            checks: &[(
                "SELECT to_regclass('t_a') IS NULL AND to_regclass('t_a_b') IS NOT NULL",
                "t",
            )],
            ..case("redundant-index", Postgres)
        },
        Case {
            place: After,
            checks: &[(
                "SELECT group_concat(name) FROM sqlite_master WHERE type = 'index' AND tbl_name = 't' AND sql IS NOT NULL",
                "t_a_b",
            )],
            ..case("redundant-index", Sqlite)
        },
        Case {
            place: After,
            migration: Some("CREATE TABLE t (id bigint PRIMARY KEY, a int, b int);"),
            queries: &["SELECT * FROM t WHERE b = $1"],
            checks: &[
                (PG_INDEX_VALID, "t"),
                (
                    "SELECT count(*) FROM pg_index WHERE indrelid = 't'::regclass AND indkey[0] = 3",
                    "1",
                ),
            ],
            ..case("query-not-covered", Postgres)
        },
        Case {
            place: After,
            rows: "INSERT INTO users VALUES (1, 'x');",
            checks: &[(
                "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0 AND NOT attisdropped",
                "id,password_hash",
            )],
            ..case("plaintext-secret", Postgres)
        },
        Case {
            place: After,
            rows: "INSERT INTO users VALUES (1, 'x');",
            checks: &[(
                "SELECT group_concat(name) FROM pragma_table_info('users')",
                "id,password_hash",
            )],
            ..case("plaintext-secret", Sqlite)
        },
        Case {
            schema: "CREATE TABLE invoices (id bigint PRIMARY KEY, total_amount double precision NOT NULL);",
            rows: "INSERT INTO invoices VALUES (1, 0.1), (2, 0.2);",
            migration: Some(""),
            place: After,
            checks: &[
                (
                    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'invoices'::regclass AND attname = 'total_amount'",
                    "numeric(19,4)",
                ),
                ("SELECT sum(total_amount) FROM invoices", "0.3000"),
            ],
            ..case("float-money", Postgres)
        },
        Case {
            schema: "CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamp NOT NULL);",
            rows: "INSERT INTO events VALUES (1, '2026-03-29 01:30');",
            migration: Some(""),
            place: After,
            checks: &[
                (
                    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'happened_at'",
                    "timestamp with time zone",
                ),
                (
                    "SELECT happened_at AT TIME ZONE 'UTC' FROM events",
                    "2026-03-29 01:30:00",
                ),
            ],
            ..case("timestamp-without-time-zone", Postgres)
        },
        Case {
            schema: "CREATE TABLE countries (id bigint PRIMARY KEY, code char(2) NOT NULL);",
            rows: "INSERT INTO countries VALUES (1, 'de'), (2, 'fr');",
            migration: Some(""),
            place: After,
            checks: &[
                (
                    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'countries'::regclass AND attname = 'code'",
                    "text",
                ),
                (
                    "SELECT bool_and(convalidated) FROM pg_constraint WHERE conrelid = 'countries'::regclass AND contype = 'c'",
                    "t",
                ),
            ],
            ..case("char-type", Postgres)
        },
        Case {
            schema: "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL);",
            rows: "INSERT INTO users VALUES (1, 'a@example.com');",
            migration: Some(""),
            place: After,
            checks: &[
                (
                    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email'",
                    "text",
                ),
                (
                    "SELECT bool_and(convalidated) FROM pg_constraint WHERE conrelid = 'users'::regclass AND contype = 'c'",
                    "t",
                ),
            ],
            ..case("varchar-length", Postgres)
        },
        Case {
            checks: &[(
                "SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'note'",
                "1",
            )],
            ..case("duplicate-column", Postgres)
        },
        Case {
            checks: &[(
                "SELECT count(*) FROM pragma_table_info('t') WHERE name = 'note'",
                "1",
            )],
            ..case("duplicate-column", Sqlite)
        },
        Case {
            place: After,
            checks: &[(
                "SELECT max(octet_length(attname)) <= 63 AND bool_and(attname NOT LIKE 'this_column_name_is_far_too_long%identifier') \
                 FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0",
                "t",
            )],
            ..case("identifier-too-long", Postgres)
        },
        // --- migration rules: the live tables (with rows), then the flagged statement replaced by the fix.
        Case {
            schema: "CREATE TABLE customers (id bigint PRIMARY KEY, fax_number text);",
            rows: "INSERT INTO customers VALUES (1, '555'), (2, NULL);",
            checks: &[
                (
                    "SELECT count(*) FROM customers_fax_number_backup WHERE id IS NOT NULL",
                    "2",
                ),
                (
                    "SELECT count(*) FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'fax_number' AND NOT attisdropped",
                    "0",
                ),
            ],
            ..case("destructive-migration", Postgres)
        },
        Case {
            schema: "CREATE TABLE customers (id INTEGER PRIMARY KEY, fax_number TEXT);",
            rows: "INSERT INTO customers VALUES (1, '555'), (2, NULL);",
            checks: &[
                (
                    "SELECT count(*) FROM customers_fax_number_backup WHERE id IS NOT NULL",
                    "2",
                ),
                (
                    "SELECT count(*) FROM pragma_table_info('customers') WHERE name = 'fax_number'",
                    "0",
                ),
            ],
            ..case("destructive-migration", Sqlite)
        },
        Case {
            schema: "CREATE TABLE customers (id bigint PRIMARY KEY, name text);",
            rows: "INSERT INTO customers VALUES (1, 'a'), (2, 'b');",
            slots: &[("<value>", "'standard'")],
            checks: &[
                (
                    "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'tier'",
                    "t",
                ),
                (
                    "SELECT count(*) FROM pg_constraint WHERE conrelid = 'customers'::regclass AND contype = 'c'",
                    "0",
                ),
                (
                    "SELECT count(*) FROM customers WHERE tier = 'standard'",
                    "2",
                ),
            ],
            ..case("not-null-without-default", Postgres)
        },
        Case {
            schema: "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);",
            rows: "INSERT INTO customers VALUES (1, 'a'), (2, 'b');",
            slots: &[("<value>", "'standard'")],
            checks: &[
                (
                    "SELECT \"notnull\" FROM pragma_table_info('customers') WHERE name = 'tier'",
                    "1",
                ),
                (
                    "SELECT count(*) FROM customers WHERE tier = 'standard'",
                    "2",
                ),
            ],
            ..case("not-null-without-default", Sqlite)
        },
        Case {
            schema: "CREATE TABLE orders (id bigint PRIMARY KEY);",
            rows: "INSERT INTO orders VALUES (1), (2);",
            checks: &[
                ("SELECT count(*) FROM orders WHERE public_id IS NULL", "0"),
                (
                    "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'orders'::regclass",
                    "gen_random_uuid()",
                ),
            ],
            ..case("add-column-rewrite", Postgres)
        },
        Case {
            schema: "CREATE TABLE orders (id bigint PRIMARY KEY, quantity integer);",
            rows: "INSERT INTO orders VALUES (1, 3), (2, NULL), (3, 5);",
            checks: &[
                (
                    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'quantity_new'",
                    "bigint",
                ),
                (
                    "SELECT count(*) FROM orders WHERE quantity_new IS DISTINCT FROM quantity",
                    "0",
                ),
            ],
            ..case("column-type-change", Postgres)
        },
        Case {
            schema: "CREATE TABLE orders (id bigint PRIMARY KEY, status text);",
            rows: "INSERT INTO orders VALUES (1, 'new'), (2, 'paid');",
            checks: &[
                (PG_INDEX_VALID, "t"),
                ("SELECT to_regclass('orders_status_idx') IS NOT NULL", "t"),
            ],
            ..case("blocking-index-build", Postgres)
        },
        Case {
            schema: "CREATE TABLE orders (id bigint PRIMARY KEY, status text);\nCREATE INDEX orders_status_idx ON orders (status);",
            rows: "INSERT INTO orders VALUES (1, 'new');",
            checks: &[("SELECT to_regclass('orders_status_idx') IS NULL", "t")],
            ..case("blocking-index-drop", Postgres)
        },
        Case {
            schema: "CREATE TABLE customers (id bigint PRIMARY KEY, email text);",
            rows: "INSERT INTO customers VALUES (1, 'a@example.com'), (2, 'b@example.com');",
            checks: &[
                (
                    "SELECT count(*) FROM pg_constraint WHERE conrelid = 'customers'::regclass AND contype = 'u' AND conname = 'customers_email_key'",
                    "1",
                ),
                (PG_INDEX_VALID, "t"),
            ],
            ..case("blocking-unique-constraint", Postgres)
        },
        Case {
            schema: "CREATE TABLE orders (id bigint PRIMARY KEY);\nCREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint);",
            rows: "INSERT INTO orders VALUES (1), (2); INSERT INTO shipments VALUES (1, 1), (2, 2);",
            checks: &[(
                "SELECT convalidated FROM pg_constraint WHERE conname = 'shipments_order_fk' AND connamespace = current_schema()::regnamespace",
                "t",
            )],
            ..case("blocking-foreign-key-validation", Postgres)
        },
        Case {
            schema: "CREATE TABLE order_lines (id bigint PRIMARY KEY, quantity integer NOT NULL);",
            rows: "INSERT INTO order_lines VALUES (1, 1), (2, 2);",
            checks: &[(
                "SELECT convalidated FROM pg_constraint WHERE conname = 'order_lines_quantity_positive' AND connamespace = current_schema()::regnamespace",
                "t",
            )],
            ..case("blocking-check-validation", Postgres)
        },
        Case {
            schema: "CREATE TABLE orders (id bigint PRIMARY KEY, status text);",
            rows: "INSERT INTO orders VALUES (1, 'new'), (2, 'paid');",
            checks: &[
                (
                    "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'status'",
                    "t",
                ),
                (
                    "SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'c'",
                    "0",
                ),
            ],
            ..case("blocking-set-not-null", Postgres)
        },
        Case {
            schema: "CREATE TABLE orders (id bigint PRIMARY KEY, status text);\nCREATE INDEX orders_status_idx ON orders (status);",
            rows: "INSERT INTO orders VALUES (1, 'new'), (2, 'paid');",
            checks: &[
                (PG_INDEX_VALID, "t"),
                (
                    "SELECT count(*) FROM pg_index WHERE indrelid = 'orders'::regclass",
                    "2",
                ),
            ],
            ..case("blocking-table-rewrite", Postgres)
        },
        Case {
            schema: "CREATE TABLE payments (id bigint PRIMARY KEY, amount numeric NOT NULL);",
            rows: "INSERT INTO payments VALUES (1, 10), (2, 20);",
            checks: &[(
                "SELECT convalidated FROM pg_constraint WHERE conname = 'payments_amount_positive' AND connamespace = current_schema()::regnamespace",
                "t",
            )],
            ..case("validate-in-same-transaction", Postgres)
        },
        Case {
            schema: "CREATE TABLE orders (id bigint PRIMARY KEY, status text);",
            rows: "INSERT INTO orders VALUES (1, 'new');",
            place: Around,
            checks: &[
                (PG_INDEX_VALID, "t"),
                ("SELECT to_regclass('orders_status_idx') IS NOT NULL", "t"),
            ],
            ..case("concurrent-in-transaction", Postgres)
        },
        Case {
            schema: "CREATE TABLE customers (id bigint PRIMARY KEY);",
            rows: "INSERT INTO customers VALUES (1);",
            place: Before,
            // While another session reads the table, the ALTER gives up after the timeout instead of
            // queueing every query behind it.
            blocker: Some((
                "LOCK TABLE customers IN ACCESS SHARE MODE",
                "canceling statement due to lock timeout",
            )),
            checks: &[(
                "SELECT count(*) FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'nickname'",
                "0",
            )],
            ..case("missing-lock-timeout", Postgres)
        },
        Case {
            schema: "CREATE TABLE customers (id bigint PRIMARY KEY);",
            checks: &[(
                "SELECT count(*) FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname IN ('nickname', 'locale')",
                "2",
            )],
            ..case("transaction-nesting", Postgres)
        },
        Case {
            schema: "CREATE TABLE customers (id INTEGER PRIMARY KEY);",
            checks: &[(
                "SELECT count(*) FROM pragma_table_info('customers') WHERE name IN ('nickname', 'locale')",
                "2",
            )],
            ..case("transaction-nesting", Sqlite)
        },
        Case {
            schema: "CREATE TABLE customers (id bigint PRIMARY KEY);",
            place: After,
            checks: &[(
                "SELECT count(*) FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'nickname'",
                "1",
            )],
            ..case("uncommitted-transaction", Postgres)
        },
        Case {
            schema: "CREATE TABLE customers (id INTEGER PRIMARY KEY);",
            place: After,
            checks: &[(
                "SELECT count(*) FROM pragma_table_info('customers') WHERE name = 'nickname'",
                "1",
            )],
            ..case("uncommitted-transaction", Sqlite)
        },
    ]
}

// ------------------------------------------------------------------------------------------------
// Engines
// ------------------------------------------------------------------------------------------------

fn required() -> bool {
    std::env::var("BEM_REQUIRE_ENGINES").is_ok_and(|v| v == "1")
}

/// Whether `engine` answers; if not, the reason (and a failure when engines are required).
fn available(engine: Engine) -> bool {
    let probe = match engine {
        Engine::Postgres => run_pg(None, "SELECT 1;").map(|_| ()),
        Engine::Sqlite => run_sqlite(None, "SELECT 1;").map(|_| ()),
    };
    match probe {
        Ok(()) => true,
        Err(e) => {
            let msg = format!(
                "{engine:?} not reachable ({}): run `eval \"$(sudo scripts/ci-postgres.sh)\"` for a local one",
                e.lines().next().unwrap_or("")
            );
            assert!(!required(), "BEM_REQUIRE_ENGINES=1 but {msg}");
            eprintln!("schema_fixes: skipped: {msg}");
            false
        }
    }
}

fn pg_target() -> String {
    std::env::var("PG_URL").unwrap_or_default()
}

/// Runs `sql` in one psql session (search_path = `schema` when given); stdout, or stdout+stderr as
/// the error when a statement failed.
fn run_pg(schema: Option<&str>, sql: &str) -> Result<String, String> {
    let mut cmd = Command::new("psql");
    cmd.args(["-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1"]);
    let target = pg_target();
    if !target.is_empty() {
        cmd.args(["-d", &target]);
    }
    if let Some(s) = schema {
        cmd.env("PGOPTIONS", format!("-c search_path={s}"));
    }
    feed(cmd, sql)
}

/// Runs `sql` in the sqlite3 shell on `db` (in memory when None), stopping at the first error.
fn run_sqlite(db: Option<&std::path::Path>, sql: &str) -> Result<String, String> {
    let mut cmd = Command::new("sqlite3");
    cmd.arg("-bail");
    cmd.arg(db.map_or(":memory:".into(), |p| p.display().to_string()));
    feed(cmd, sql)
}

fn feed(mut cmd: Command, sql: &str) -> Result<String, String> {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot start: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    stdin
        .write_all(sql.as_bytes())
        .map_err(|e| format!("write: {e}"))?;
    drop(stdin);
    let out = child.wait_with_output().map_err(|e| format!("wait: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    if out.status.success() && !stderr.contains("ERROR") && !stderr.starts_with("Error") {
        Ok(stdout + &stderr)
    } else {
        Err(format!("{stderr}{stdout}"))
    }
}

// ------------------------------------------------------------------------------------------------
// The check
// ------------------------------------------------------------------------------------------------

fn rule(id: &str) -> &'static rules::Rule {
    rules::get(id).unwrap_or_else(|| panic!("no rule {id}"))
}

/// The rule's flagged example, without its `-- with queries:` line.
fn example(id: &str) -> String {
    let bad = rule(id).bad;
    match bad.strip_prefix("-- with queries: ") {
        Some(rest) => rest.split_once('\n').map_or("", |x| x.1).to_string(),
        None => bad.to_string(),
    }
}

fn review(c: &Case, migration: &str) -> Vec<Finding> {
    let dialect = match c.engine {
        Engine::Postgres => SqlDialect::Postgres,
        Engine::Sqlite => SqlDialect::Sqlite,
    };
    let input = ReviewSchemaInput {
        schema: (!c.schema.is_empty()).then(|| c.schema.to_string()),
        migration: (!migration.is_empty()).then(|| migration.to_string()),
        dialect: Some(dialect),
        queries: (!c.queries.is_empty()).then(|| c.queries.iter().map(|q| q.to_string()).collect()),
        ..Default::default()
    };
    review_schema(&input)
        .unwrap_or_else(|e| panic!("{}: {e}", c.rule))
        .findings
}

/// The one finding of `rule` (one finding per problem: two for one example is a failure).
fn the_finding(findings: &[Finding], rule: &str, what: &str) -> Finding {
    let mine: Vec<&Finding> = findings.iter().filter(|f| f.rule == rule).collect();
    assert_eq!(
        mine.len(),
        1,
        "{what}: expected one {rule} finding, got {}: {findings:#?}",
        mine.len()
    );
    mine[0].clone()
}

/// The script with the fix where it goes.
fn place_fix(c: &Case, migration: &str, fix: &str, line: Option<u64>) -> (String, String) {
    match c.place {
        Place::Before => (String::new(), format!("{fix}\n{migration}\n")),
        Place::After => (format!("{migration}\n{}\n", c.rows), format!("{fix}\n")),
        Place::Replace | Place::Around => {
            let line =
                line.unwrap_or_else(|| panic!("{}: the finding has no line", c.rule)) as usize;
            let lines: Vec<&str> = migration.lines().collect();
            let start = line.saturating_sub(1).min(lines.len());
            let end = (start..lines.len())
                .find(|&i| lines[i].trim_end().ends_with(';'))
                .map_or(lines.len(), |i| i + 1);
            let fix = if c.place == Place::Around {
                let stmt = lines[start..end].join("\n");
                let keep = fix
                    .lines()
                    .find(|l| l.starts_with("-- keep"))
                    .unwrap_or_else(|| {
                        panic!(
                            "{}: the fix does not say where the statement stays: {fix}",
                            c.rule
                        )
                    });
                fix.replacen(keep, &stmt, 1)
            } else {
                fix.to_string()
            };
            (
                lines[..start].join("\n"),
                format!("{fix}\n{}\n", lines[end..].join("\n")),
            )
        }
    }
}

fn fill_slots(c: &Case, fix: &str) -> String {
    let mut f = fix.to_string();
    for (slot, text) in c.slots {
        f = f.replace(slot, text);
    }
    let code: String = f
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let slot = code
        .char_indices()
        .any(|(i, ch)| ch == '<' && code[i + 1..].starts_with(|n: char| n.is_ascii_alphabetic()));
    assert!(!slot, "{}: a slot left in the fix's SQL: {f}", c.rule);
    f
}

/// Table files in the case's schema, as `name=relfilenode` pairs.
const PG_FILES: &str = "SELECT 'files:' || coalesce(string_agg(relname || '=' || relfilenode, ',' ORDER BY relname), '') \
     FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r';\n";

fn files_line(out: &str, nth: usize) -> String {
    out.lines()
        .filter(|l| l.starts_with("files:"))
        .nth(nth)
        .unwrap_or("")
        .to_string()
}

fn run_case(c: &Case, n: usize) {
    let migration = c.migration.map_or_else(|| example(c.rule), str::to_string);
    let f = the_finding(&review(c, &migration), c.rule, c.rule);
    let fix = fill_slots(c, &f.fix);
    let (before, fix_part) = place_fix(c, &migration, &fix, f.line);
    let pre_rows = if c.place == Place::After { "" } else { c.rows };
    let what = format!(
        "{} on {:?}\n--- fix:\n{}\n--- message: {}",
        c.rule, c.engine, f.fix, f.message
    );
    println!("{} on {:?}: applying its fix:\n{}", c.rule, c.engine, f.fix);
    match c.engine {
        Engine::Postgres => {
            let schema = format!("fix_{n}_{}", c.rule.replace('-', "_"));
            run_pg(
                None,
                &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"),
            )
            .unwrap_or_else(|e| panic!("{what}\ncreate schema: {e}"));
            let script = format!(
                "{}\n{pre_rows}\n{before}\n{PG_FILES}{fix_part}\n{PG_FILES}",
                c.schema
            );
            if let Some((lock, error)) = c.blocker {
                run_pg(
                    Some(&schema),
                    &format!("{}\n{pre_rows}\n{before}", c.schema),
                )
                .unwrap_or_else(|e| panic!("{what}\nsetup: {e}"));
                let blocker = hold_lock(&schema, lock);
                let r = run_pg(Some(&schema), &fix_part);
                drop(blocker);
                let e = r.expect_err(&format!("{what}\nthe script ran although {lock} was held"));
                assert!(e.contains(error), "{what}\nexpected `{error}`, got: {e}");
            } else {
                let out = run_pg(Some(&schema), &script).unwrap_or_else(|e| {
                    panic!("{what}\nthe script with the fix failed: {e}\n{script}")
                });
                assert!(!out.contains("WARNING"), "{what}\nthe engine warned: {out}");
                let (a, b) = (files_line(&out, 0), files_line(&out, 1));
                let rewritten: Vec<&str> = a
                    .trim_start_matches("files:")
                    .split(',')
                    .filter(|p| {
                        !p.is_empty() && !b.trim_start_matches("files:").split(',').any(|q| q == *p)
                    })
                    .collect();
                // A table whose file changed was rewritten (or dropped): the advice must say so.
                let says = format!("{} {}", f.message, f.fix).to_lowercase();
                let dropped = |p: &str| {
                    let name = p.split('=').next().unwrap_or("");
                    !b.contains(&format!("{name}="))
                };
                let rewrites: Vec<&&str> = rewritten.iter().filter(|p| !dropped(p)).collect();
                assert!(
                    rewrites.is_empty() || says.contains("rewrit"),
                    "{what}\nthe fix rewrote {rewrites:?} and does not say so"
                );
            }
            for (q, want) in c.checks {
                let got = run_pg(Some(&schema), &format!("{q};"))
                    .unwrap_or_else(|e| panic!("{what}\ncheck {q}: {e}"));
                assert_eq!(got.trim(), *want, "{what}\ncheck {q}");
            }
            let _ = run_pg(None, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE;"));
        }
        Engine::Sqlite => {
            let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("schema-fixes");
            std::fs::create_dir_all(&dir).expect("scratch directory");
            let db = dir.join(format!("{n}-{}.db", c.rule));
            let _ = std::fs::remove_file(&db);
            let script = format!("{}\n{pre_rows}\n{before}\n{fix_part}", c.schema);
            let out = run_sqlite(Some(&db), &script).unwrap_or_else(|e| {
                panic!("{what}\nthe script with the fix failed: {e}\n{script}")
            });
            assert!(!out.contains("Error"), "{what}\n{out}");
            for (q, want) in c.checks {
                let got = run_sqlite(Some(&db), &format!("{q};"))
                    .unwrap_or_else(|e| panic!("{what}\ncheck {q}: {e}"));
                assert_eq!(got.trim(), *want, "{what}\ncheck {q}");
            }
            let _ = std::fs::remove_file(&db);
        }
    }
}

/// Another session that holds `lock` (in `schema`) until dropped; its server process is ended too
/// (killing psql alone leaves the backend asleep with the lock).
struct Blocker(std::process::Child, String);

impl Drop for Blocker {
    fn drop(&mut self) {
        let _ = run_pg(
            None,
            &format!(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '{}';",
                self.1
            ),
        );
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn hold_lock(schema: &str, lock: &str) -> Blocker {
    let mut cmd = Command::new("psql");
    cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1"]);
    let target = pg_target();
    if !target.is_empty() {
        cmd.args(["-d", &target]);
    }
    let app = format!("bem-blocker-{schema}");
    cmd.env("PGOPTIONS", format!("-c search_path={schema}"))
        .env("PGAPPNAME", &app)
        .args([
            "-c",
            &format!("BEGIN; {lock}; SELECT 'held'; SELECT pg_sleep(60); COMMIT;"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = cmd.spawn().expect("start the blocking session");
    let blocker = Blocker(child, app);
    // Wait (bounded: 200 tries) until the lock shows in pg_locks.
    for _ in 0..200 {
        let q = format!(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
             WHERE c.relnamespace = '{schema}'::regnamespace AND l.granted AND l.pid <> pg_backend_pid();"
        );
        if run_pg(None, &q).is_ok_and(|o| o.trim() != "0") {
            return blocker;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the blocking session never took {lock}");
}

fn check_engine(engine: Engine) {
    if !available(engine) {
        return;
    }
    let all = cases();
    let mut failures = Vec::new();
    for (n, c) in all.iter().enumerate().filter(|(_, c)| c.engine == engine) {
        if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_case(c, n))) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(msg);
        }
    }
    for (id, e, why) in ADVICE.iter().filter(|a| a.1 == engine) {
        let queries: Vec<&'static str> = rule(id)
            .bad
            .strip_prefix("-- with queries: ")
            .and_then(|r| r.split_once('\n'))
            .map(|(q, _)| vec![q])
            .unwrap_or_default();
        let c = Case {
            queries: queries.leak(),
            ..case(id, *e)
        };
        let findings = review(&c, &example(id));
        let f = the_finding(&findings, id, id);
        let code: Vec<&str> = f
            .fix
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("--"))
            .collect();
        if !code.is_empty() {
            failures.push(format!(
                "{id} on {engine:?} is listed as advice ({why}) but its fix has SQL: {code:?}; add a case"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_rule_has_a_case() {
    let all = cases();
    for r in rules::ALL {
        let covered = all.iter().any(|c| c.rule == r.id)
            || ADVICE.iter().any(|a| a.0 == r.id)
            || NO_ENGINE.contains(&r.id);
        assert!(covered, "{}: no case in tests/schema_fixes.rs", r.id);
    }
}

#[test]
fn postgres_fixes_work() {
    check_engine(Engine::Postgres);
}

#[test]
fn sqlite_fixes_work() {
    check_engine(Engine::Sqlite);
}
