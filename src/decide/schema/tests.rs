//! Behaviour tests of the whole review, through `review_schema`.

use super::*;
use crate::decide::common::is_citable;
use proptest::prelude::*;

fn run(dialect: SqlDialect, ddl: &str, queries: &[&str]) -> ReviewSchemaOutput {
    let input = ReviewSchemaInput {
        ddl: Some(ddl.to_string()),
        dialect: Some(dialect),
        queries: if queries.is_empty() {
            None
        } else {
            Some(queries.iter().map(|q| q.to_string()).collect())
        },
        ..Default::default()
    };
    match review_schema(&input) {
        Ok(o) => o,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn pg(ddl: &str) -> ReviewSchemaOutput {
    run(SqlDialect::Postgres, ddl, &[])
}

fn err(dialect: SqlDialect, ddl: &str, queries: &[&str]) -> DecideError {
    let input = ReviewSchemaInput {
        ddl: Some(ddl.to_string()),
        dialect: Some(dialect),
        queries: Some(queries.iter().map(|q| q.to_string()).collect()),
        ..Default::default()
    };
    match review_schema(&input) {
        Ok(o) => panic!("expected an error, got {o}"),
        Err(e) => e,
    }
}

fn with<'o>(out: &'o ReviewSchemaOutput, rule: &str) -> Vec<&'o Finding> {
    out.findings.iter().filter(|f| f.rule == rule).collect()
}

fn one<'o>(out: &'o ReviewSchemaOutput, rule: &str) -> &'o Finding {
    let v = with(out, rule);
    assert_eq!(v.len(), 1, "expected one {rule} finding, got: {out}");
    v[0]
}

fn none(out: &ReviewSchemaOutput, rule: &str) {
    assert!(
        with(out, rule).is_empty(),
        "expected no {rule} finding, got: {out}"
    );
}

const CLEAN_PG: &str = r#"
        CREATE TABLE customers (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            email text NOT NULL,
            password_hash text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT customers_email_key UNIQUE (email)
        );
        CREATE TABLE orders (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            customer_id bigint NOT NULL REFERENCES customers (id),
            status text NOT NULL,
            total numeric(12, 2) NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX idx_orders_customer_id_created_at ON orders (customer_id, created_at);
        CREATE TABLE order_items (
            order_id bigint NOT NULL REFERENCES orders (id),
            line_no int NOT NULL,
            price_cents bigint NOT NULL,
            PRIMARY KEY (order_id, line_no)
        );
    "#;

// --- clean schemas ----------------------------------------------------------------------------

#[test]
fn clean_postgres_schema_has_no_findings() {
    let out = run(
        SqlDialect::Postgres,
        CLEAN_PG,
        &[
            "SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20",
            "SELECT o.id, i.price_cents FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.id = $1",
            "SELECT * FROM customers WHERE email = $1",
        ],
    );
    assert_eq!(out.summary.total, 0, "{out}");
    assert_eq!(out.summary.high, 0);
    assert_eq!(out.tables.len(), 3);
    let orders = &out.tables[1];
    assert_eq!(orders.name, "orders");
    assert_eq!(orders.column_count, 5);
    assert_eq!(orders.primary_key, vec!["id"]);
    assert_eq!(orders.indexes.len(), 2);
    assert_eq!(orders.foreign_keys[0].references_table, "customers");
    assert!(out.tables.iter().all(|t| t.created_in_script));
}

#[test]
fn clean_mysql_schema_has_no_findings() {
    let ddl = r#"
            CREATE TABLE `customers` (
              `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
              `email` VARCHAR(255) NOT NULL,
              `password_hash` VARCHAR(255) NOT NULL,
              PRIMARY KEY (`id`),
              UNIQUE KEY `uk_email` (`email`)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
            CREATE TABLE `orders` (
              `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
              `customer_id` BIGINT UNSIGNED NOT NULL,
              `price` DECIMAL(10,2) NOT NULL,
              `created_at` DATETIME NOT NULL,
              KEY `idx_customer_created` (`customer_id`, `created_at`),
              CONSTRAINT `fk_orders_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`)
            ) ENGINE=InnoDB;
        "#;
    let out = run(
        SqlDialect::Mysql,
        ddl,
        &["SELECT * FROM orders WHERE customer_id = ? ORDER BY created_at DESC"],
    );
    assert_eq!(out.summary.total, 0, "{out}");
}

#[test]
fn clean_sqlite_and_generic_schemas_have_no_high_findings() {
    let ddl = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL);
                   CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), title TEXT);
                   CREATE INDEX idx_posts_user_id ON posts (user_id);";
    for d in [SqlDialect::Sqlite, SqlDialect::Generic] {
        let out = run(d, ddl, &["SELECT * FROM posts WHERE user_id = ?"]);
        assert_eq!(out.summary.high, 0, "{out}");
        assert_eq!(out.summary.total, 0, "{out}");
    }
}

// --- missing-primary-key ----------------------------------------------------------------------

#[test]
fn missing_primary_key_fires_with_identity_fix() {
    let out = pg("CREATE TABLE events (kind text NOT NULL, payload jsonb);");
    let f = one(&out, "missing-primary-key");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.table, "events");
    assert_eq!(f.statement, Some(1));
    assert!(f.fix.contains("GENERATED ALWAYS AS IDENTITY PRIMARY KEY"));
    assert_eq!(f.reference, ref_schema("choosing-primary-keys"));
}

#[test]
fn missing_primary_key_not_fired_when_added_later_or_temporary() {
    let out = pg("CREATE TABLE events (id bigint NOT NULL, kind text);
                      ALTER TABLE events ADD PRIMARY KEY (id);
                      CREATE TEMPORARY TABLE scratch (x int);");
    none(&out, "missing-primary-key");
    let out = run(
        SqlDialect::Mysql,
        "CREATE TABLE t (id INT NOT NULL KEY, v INT);",
        &[],
    );
    none(&out, "missing-primary-key");
}

#[test]
fn missing_primary_key_suggests_natural_key_for_join_tables_and_id_column() {
    let out = pg(
        "CREATE TABLE a (id bigint PRIMARY KEY); CREATE TABLE b (id bigint PRIMARY KEY);
                      CREATE TABLE a_b (a_id bigint REFERENCES a(id), b_id bigint REFERENCES b(id));
                      CREATE TABLE c (id bigint NOT NULL, v text);",
    );
    let v = with(&out, "missing-primary-key");
    assert_eq!(v.len(), 2);
    assert!(
        v[0].fix.contains("ADD PRIMARY KEY (a_id, b_id)"),
        "{}",
        v[0].fix
    );
    assert!(v[1].fix.contains("ALTER TABLE c ADD PRIMARY KEY (id);"));
    let out = run(SqlDialect::Sqlite, "CREATE TABLE c (v TEXT);", &[]);
    assert!(
        one(&out, "missing-primary-key")
            .fix
            .contains("INTEGER PRIMARY KEY")
    );
    let out = run(SqlDialect::Mysql, "CREATE TABLE c (v TEXT);", &[]);
    assert!(
        one(&out, "missing-primary-key")
            .fix
            .contains("AUTO_INCREMENT PRIMARY KEY")
    );
}

// --- unindexed-foreign-key --------------------------------------------------------------------

const FK_DDL: &str = "CREATE TABLE customers (id bigint PRIMARY KEY);
        CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id));";

#[test]
fn unindexed_foreign_key_postgres_gives_exact_create_index() {
    let out = pg(FK_DDL);
    let f = one(&out, "unindexed-foreign-key");
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.table, "orders");
    assert_eq!(f.columns, vec!["customer_id"]);
    assert!(
        f.fix.starts_with(
            "CREATE INDEX CONCURRENTLY idx_orders_customer_id ON orders (customer_id);"
        )
    );
    assert_eq!(f.reference, ref_schema("indexing-foreign-keys"));
    assert_eq!((f.statement, f.line), (Some(2), Some(2)));
}

#[test]
fn unindexed_foreign_key_never_fires_for_mysql_innodb() {
    let ddl = "CREATE TABLE customers (id BIGINT PRIMARY KEY);
                   CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL,
                                        CONSTRAINT fk_oc FOREIGN KEY (customer_id) REFERENCES customers (id));";
    let out = run(
        SqlDialect::Mysql,
        ddl,
        &["SELECT * FROM orders WHERE customer_id = ?"],
    );
    none(&out, "unindexed-foreign-key");
    // InnoDB's own FK index serves the query too.
    none(&out, "query-not-covered");
    assert!(out.tables[1].indexes.iter().any(|i| i.implicit));
    assert_eq!(out.summary.total, 0, "{out}");
}

#[test]
fn mysql_inline_references_are_flagged_and_create_no_index() {
    let out = run(
        SqlDialect::Mysql,
        FK_DDL,
        &["SELECT * FROM orders WHERE customer_id = ?"],
    );
    none(&out, "unindexed-foreign-key");
    let f = one(&out, "inline-references-ignored");
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(
        f.fix,
        "ALTER TABLE orders ADD CONSTRAINT fk_orders_customer_id FOREIGN KEY (customer_id) REFERENCES customers (id);"
    );
    one(&out, "query-not-covered");
    let out = pg(FK_DDL);
    none(&out, "inline-references-ignored");
}

#[test]
fn unindexed_foreign_key_fires_for_sqlite_and_generic_without_concurrently() {
    for d in [SqlDialect::Sqlite, SqlDialect::Generic] {
        let out = run(d, FK_DDL, &[]);
        let f = one(&out, "unindexed-foreign-key");
        assert!(
            f.fix
                .starts_with("CREATE INDEX idx_orders_customer_id ON orders (customer_id);")
        );
    }
}

#[test]
fn foreign_key_served_by_index_created_later_or_by_leftmost_pk() {
    let out = pg(&format!(
        "{FK_DDL} CREATE INDEX ix ON orders (customer_id, id);"
    ));
    none(&out, "unindexed-foreign-key");
    // Join table: the PK (post_id, tag_id) serves post_id, not tag_id.
    let out = pg("CREATE TABLE posts (id int PRIMARY KEY); CREATE TABLE tags (id int PRIMARY KEY);
                      CREATE TABLE post_tags (post_id int REFERENCES posts(id), tag_id int REFERENCES tags(id),
                                              PRIMARY KEY (post_id, tag_id));");
    let f = one(&out, "unindexed-foreign-key");
    assert_eq!(f.columns, vec!["tag_id"]);
    // A composite FK is served by an index on the same columns in another order.
    let out = pg("CREATE TABLE p (a int, b int, PRIMARY KEY (a, b));
                      CREATE TABLE c (id int PRIMARY KEY, a int, b int, FOREIGN KEY (a, b) REFERENCES p (a, b));
                      CREATE INDEX c_ba ON c (b, a);");
    none(&out, "unindexed-foreign-key");
    // A partial index does not serve a foreign key.
    let out = pg(&format!(
        "{FK_DDL} CREATE INDEX ix ON orders (customer_id) WHERE id > 0;"
    ));
    one(&out, "unindexed-foreign-key");
}

#[test]
fn foreign_key_added_to_existing_table_needs_index_and_not_valid() {
    let out = pg(
        "ALTER TABLE orders ADD CONSTRAINT fk_c FOREIGN KEY (customer_id) REFERENCES customers (id);",
    );
    // The script does not define orders, so its indexes are unknown: no claim about them.
    none(&out, "unindexed-foreign-key");
    let f = one(&out, "blocking-foreign-key-validation");
    assert!(f.fix.contains("NOT VALID"));
    assert!(f.fix.contains("VALIDATE CONSTRAINT fk_c"));
    let out = pg("ALTER TABLE orders ADD CONSTRAINT fk_c FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
                      CREATE INDEX CONCURRENTLY idx_orders_customer_id ON orders (customer_id);");
    none(&out, "blocking-foreign-key-validation");
    none(&out, "unindexed-foreign-key");
    none(&out, "blocking-index-build");
    // With the live schema given, the missing index is known.
    let input = ReviewSchemaInput {
        schema: Some("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);".into()),
        migration: Some(
            "ALTER TABLE orders ADD CONSTRAINT fk_c FOREIGN KEY (customer_id) REFERENCES customers (id);".into(),
        ),
        ..Default::default()
    };
    let out = review_schema(&input).unwrap_or_else(|e| panic!("{e}"));
    one(&out, "unindexed-foreign-key");
}

#[test]
fn dropped_indexes_and_constraints_leave_the_catalog() {
    let out = pg(&format!(
        "{FK_DDL} CREATE INDEX idx_oc ON orders (customer_id); DROP INDEX idx_oc; DROP INDEX IF EXISTS unknown_idx;"
    ));
    one(&out, "unindexed-foreign-key");
    let out = run(
        SqlDialect::Mysql,
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, KEY ka (a)); DROP INDEX ka ON t;
             ALTER TABLE t ADD INDEX kb (a), DROP INDEX kb;",
        &["SELECT * FROM t WHERE a = 1"],
    );
    one(&out, "query-not-covered");
    let out = pg(
        "CREATE TABLE t (id int, CONSTRAINT t_pkey PRIMARY KEY (id)); ALTER TABLE t DROP CONSTRAINT t_pkey;",
    );
    one(&out, "missing-primary-key");
    let out = pg(
        "CREATE TABLE t (id int PRIMARY KEY, a int); CREATE INDEX ta ON t (a);
                      ALTER TABLE t RENAME TO u; DROP INDEX ta;",
    );
    assert_eq!(out.tables[0].name, "u");
    assert_eq!(out.tables[0].indexes.len(), 1);
    let out = pg(
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int); CREATE INDEX tab ON t (a, b);
                      ALTER TABLE t DROP COLUMN b;",
    );
    assert_eq!(out.tables[0].indexes.len(), 1);
}

// --- query-not-covered ------------------------------------------------------------------------

const Q_DDL: &str =
    "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL,
                         created_at timestamptz NOT NULL, region text, total_cents bigint);
                         CREATE INDEX idx_abc ON orders (customer_id, status, created_at);";

#[test]
fn query_served_by_leftmost_prefix_gives_no_finding() {
    let out = run(
        SqlDialect::Postgres,
        Q_DDL,
        &[
            "SELECT * FROM orders WHERE customer_id = $1",
            "SELECT * FROM orders WHERE customer_id = $1 AND status = 'paid'",
            "SELECT * FROM orders WHERE status = 'paid' AND customer_id = $1 AND created_at > now()",
            "SELECT * FROM orders WHERE customer_id = $1 AND status = $2 ORDER BY created_at DESC",
            "SELECT * FROM orders WHERE id = $1 AND region = 'eu'",
        ],
    );
    none(&out, "query-not-covered");
}

#[test]
fn query_on_non_leftmost_columns_is_not_covered() {
    let out = run(
        SqlDialect::Postgres,
        Q_DDL,
        &["SELECT * FROM orders WHERE status = 'paid' AND created_at >= $1"],
    );
    let f = one(&out, "query-not-covered");
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.query, Some(1));
    assert_eq!(f.statement, None);
    assert_eq!(f.columns, vec!["status", "created_at"]);
    assert!(f.fix.starts_with(
        "CREATE INDEX CONCURRENTLY idx_orders_status_created_at ON orders (status, created_at);"
    ));
    assert_eq!(
        f.reference,
        ref_schema("composite-indexes-and-the-leftmost-prefix-rule")
    );
}

#[test]
fn query_recommendation_puts_equality_before_range_and_order() {
    let out = run(
        SqlDialect::Mysql,
        "CREATE TABLE orders (id INT PRIMARY KEY, region VARCHAR(10), created_at DATETIME, total_cents BIGINT);",
        &["SELECT * FROM orders WHERE created_at > ? AND region = ? ORDER BY total_cents"],
    );
    let f = one(&out, "query-not-covered");
    assert_eq!(f.columns, vec!["region", "created_at", "total_cents"]);
    assert!(
        f.fix
            .starts_with("CREATE INDEX idx_orders_region_created_at_total_cents ON orders")
    );
    assert!(!f.fix.contains("CONCURRENTLY"));
}

#[test]
fn query_partly_served_is_low_and_suggests_dropping_the_prefix() {
    let out = run(
        SqlDialect::Postgres,
        "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, created_at timestamptz);
             CREATE INDEX idx_orders_customer ON orders (customer_id);",
        &["SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 10"],
    );
    let f = one(&out, "query-not-covered");
    assert_eq!(f.severity, Severity::Low);
    assert!(f.message.contains("idx_orders_customer"));
    assert!(
        f.fix
            .contains("DROP INDEX CONCURRENTLY idx_orders_customer;")
    );
}

#[test]
fn query_join_columns_and_subqueries_are_checked() {
    let ddl = "CREATE TABLE orders (id int PRIMARY KEY, customer_id int);
                   CREATE INDEX idx_orders_customer_id ON orders (customer_id);
                   CREATE TABLE order_items (id int PRIMARY KEY, order_id int, product_id int);";
    let out = run(
        SqlDialect::Postgres,
        ddl,
        &[
            "SELECT i.* FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.customer_id = $1",
        ],
    );
    let f = one(&out, "query-not-covered");
    assert_eq!(f.table, "order_items");
    assert_eq!(f.columns, vec!["order_id"]);
    let out = run(
        SqlDialect::Postgres,
        ddl,
        &[
            "SELECT * FROM orders WHERE id IN (SELECT order_id FROM order_items WHERE product_id = $1)",
        ],
    );
    assert_eq!(one(&out, "query-not-covered").columns, vec!["product_id"]);
    let out = run(
        SqlDialect::Postgres,
        ddl,
        &[
            "SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)",
        ],
    );
    assert_eq!(one(&out, "query-not-covered").columns, vec!["order_id"]);
}

#[test]
fn update_delete_and_cte_queries_are_checked() {
    let out = run(
        SqlDialect::Postgres,
        Q_DDL,
        &[
            "UPDATE orders SET status = 'x' WHERE region = $1",
            "DELETE FROM orders WHERE created_at < now() - interval '90 days'",
            "WITH recent AS (SELECT * FROM orders WHERE customer_id = $1) SELECT * FROM recent WHERE status = 'x'",
        ],
    );
    let v = with(&out, "query-not-covered");
    assert_eq!(v.len(), 2, "{out}");
    assert_eq!(v[0].columns, vec!["region"]);
    assert_eq!(v[1].columns, vec!["created_at"]);
    // The CTE name is not reported as an unknown table.
    none(&out, "query-table-unknown");
}

#[test]
fn same_missing_index_for_two_queries_is_reported_once() {
    let out = run(
        SqlDialect::Postgres,
        Q_DDL,
        &[
            "SELECT * FROM orders WHERE region = $1",
            "SELECT id FROM orders WHERE region = 'eu'",
        ],
    );
    let f = one(&out, "query-not-covered");
    assert!(f.message.contains("Query 2 needs the same index"));
}

#[test]
fn query_on_table_missing_from_ddl_is_a_low_note_not_a_crash() {
    let out = run(
        SqlDialect::Postgres,
        Q_DDL,
        &["SELECT * FROM invoices i JOIN orders o ON o.id = i.order_id WHERE i.number = $1"],
    );
    let f = one(&out, "query-table-unknown");
    assert_eq!(f.severity, Severity::Low);
    assert_eq!(f.table, "invoices");
    assert_eq!(f.reference, ref_schema("design-from-access-patterns"));
    none(&out, "query-not-covered");
}

#[test]
fn unknown_columns_and_non_queries_become_notes() {
    let out = run(
        SqlDialect::Postgres,
        Q_DDL,
        &[
            "SELECT * FROM orders WHERE nope = 1",
            "CREATE TABLE x (id int)",
        ],
    );
    none(&out, "query-not-covered");
    assert!(out.notes.iter().any(|n| n.contains("nope")));
    assert!(out.notes.iter().any(|n| n.contains("skipped")));
}

// --- one index plan per table ----------------------------------------------------------------

const PLAN_DDL: &str = "CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);
    CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL,
                         created_at timestamptz NOT NULL, total_cents bigint NOT NULL);";

const PLAN_QUERIES: &[&str] = &[
    "SELECT * FROM orders WHERE customer_id = $1",
    "SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20",
    "SELECT * FROM orders WHERE customer_id = $1 AND status = $2 AND created_at > $3",
    "SELECT o.* FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.email = $1",
];

/// The `query-not-covered` findings on one table, and a check that none suggests a leftmost prefix
/// of another's index.
fn plans<'o>(out: &'o ReviewSchemaOutput, table: &str) -> Vec<&'o Finding> {
    let v: Vec<&Finding> = with(out, "query-not-covered")
        .into_iter()
        .filter(|f| f.table == table)
        .collect();
    for a in &v {
        for b in &v {
            assert!(
                std::ptr::eq(*a, *b) || !b.columns.starts_with(&a.columns),
                "overlapping suggestions ({}) and ({}): {out}",
                a.columns.join(", "),
                b.columns.join(", ")
            );
        }
    }
    v
}

#[test]
fn queries_on_one_table_get_one_index_equality_columns_first() {
    let out = run(SqlDialect::Postgres, PLAN_DDL, PLAN_QUERIES);
    let v = plans(&out, "orders");
    assert_eq!(v.len(), 1, "one suggested index on orders: {out}");
    let f = v[0];
    assert_eq!(f.columns, vec!["customer_id", "status", "created_at"]);
    assert_eq!(f.query, Some(1));
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.fix.starts_with(
        "CREATE INDEX CONCURRENTLY idx_orders_customer_id_status_created_at ON orders (customer_id, status, created_at);"
    ));
    // Every query is named once; the one the index serves only in part is told so, with its own index.
    for q in ["Query 2 ", "Query 3 ", "Query 4 "] {
        assert_eq!(f.message.matches(q).count(), 1, "{q} in {}", f.message);
    }
    assert!(
        f.message
            .contains("served by its leading column(s) customer_id only"),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("its own index (customer_id, created_at)")
    );
    // The other table keeps its own plan: its filter, not the primary key it is joined on.
    let c = plans(&out, "customers");
    assert_eq!(c.len(), 1, "{out}");
    assert_eq!(c[0].columns, vec!["email"]);
}

#[test]
fn the_merged_index_replaces_an_existing_prefix_instead_of_standing_beside_it() {
    let ddl = format!("{PLAN_DDL}\nCREATE INDEX idx_orders_customer ON orders (customer_id);");
    let out = run(SqlDialect::Postgres, &ddl, PLAN_QUERIES);
    let v = plans(&out, "orders");
    assert_eq!(v.len(), 1, "{out}");
    let f = v[0];
    // Queries 1 and 4 are served by the existing index; 2 and 3 share one new index.
    assert_eq!(f.columns, vec!["customer_id", "status", "created_at"]);
    assert_eq!(f.severity, Severity::Low);
    // Told from query 3, which it serves fully; query 2 follows, served by its leading column.
    assert_eq!(f.query, Some(3));
    assert!(f.message.starts_with("Query 3 on orders"), "{}", f.message);
    assert!(f.message.contains("Query 2 (filters on customer_id (equality), sorts by created_at) is served by its leading column(s) customer_id only"));
    assert_eq!(
        f.fix
            .matches("DROP INDEX CONCURRENTLY idx_orders_customer;")
            .count(),
        1,
        "{}",
        f.fix
    );
}

#[test]
fn an_equality_filter_leads_a_join_column() {
    let out = run(
        SqlDialect::Postgres,
        PLAN_DDL,
        &["SELECT o.* FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = $1"],
    );
    let f = one(&out, "query-not-covered");
    assert_eq!(f.table, "orders");
    assert_eq!(f.columns, vec!["status", "customer_id"]);
    assert!(
        f.message
            .contains("filters on status (equality), joins on customer_id (equality)")
    );
}

#[test]
fn queries_with_no_leading_column_in_common_keep_separate_indexes() {
    let out = run(
        SqlDialect::Postgres,
        PLAN_DDL,
        &[
            "SELECT * FROM orders WHERE status = $1",
            "SELECT * FROM orders WHERE created_at > $1",
            "SELECT * FROM orders WHERE status = $1 ORDER BY total_cents",
        ],
    );
    let v = plans(&out, "orders");
    let cols: Vec<&Vec<String>> = v.iter().map(|f| &f.columns).collect();
    assert_eq!(
        cols,
        vec![
            &vec!["status".to_string(), "total_cents".to_string()],
            &vec!["created_at".to_string()]
        ]
    );
}

// --- a remark said once ------------------------------------------------------------------------

#[test]
fn a_remark_about_many_tables_is_explained_once() {
    // A reset script (a dump's DROP TABLE IF EXISTS preamble) and int keys on every table: the
    // explanation differs only by the table's name, so it is given once per rule.
    let tables = ["album", "artist", "genre", "track"];
    let mut ddl: String = tables
        .iter()
        .map(|t| format!("DROP TABLE IF EXISTS {t};\n"))
        .collect();
    for t in tables {
        ddl.push_str(&format!(
            "CREATE TABLE {t} ({t}_id int PRIMARY KEY, name varchar({}));\n",
            t.len() * 10
        ));
    }
    let out = pg(&ddl);
    for rule in ["destructive-migration", "int-primary-key", "varchar-length"] {
        let v = with(&out, rule);
        assert_eq!(v.len(), tables.len(), "{rule}: {out}");
        let explained = v
            .iter()
            .filter(|f| !f.message.contains("(why: see the first"))
            .count();
        assert_eq!(explained, 1, "{rule} explained once: {out}");
        assert!(!v[0].message.contains("(why: see the first"));
        // Each pointer still names its own table.
        for (f, t) in v.iter().zip(tables) {
            assert!(f.message.contains(t), "{}", f.message);
        }
    }
}

// --- redundant-index --------------------------------------------------------------------------

#[test]
fn redundant_prefix_and_duplicate_indexes_fire() {
    let out = pg("CREATE TABLE t (id int PRIMARY KEY, a int, b int);
                      CREATE INDEX t_a ON t (a);
                      CREATE INDEX t_ab ON t (a, b);
                      CREATE INDEX t_id ON t (id);");
    let v = with(&out, "redundant-index");
    assert_eq!(v.len(), 2, "{out}");
    assert_eq!(v[0].columns, vec!["a"]);
    assert!(v[0].message.contains("leftmost prefix of t_ab"));
    assert_eq!(v[0].fix, "DROP INDEX CONCURRENTLY t_a;");
    assert!(v[1].message.contains("duplicate"));
    assert_eq!(
        v.iter().map(|f| f.severity).collect::<Vec<_>>(),
        vec![Severity::Low; 2]
    );
    let out = run(
        SqlDialect::Mysql,
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, KEY ka (a), KEY kab (a, b));",
        &[],
    );
    assert_eq!(one(&out, "redundant-index").fix, "DROP INDEX ka ON t;");
}

#[test]
fn unique_index_enforcing_a_constraint_is_not_redundant() {
    let out = pg(
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int, UNIQUE (a));
                      CREATE INDEX t_ab ON t (a, b);
                      CREATE UNIQUE INDEX t_u2 ON t (a, b) WHERE b > 0;",
    );
    none(&out, "redundant-index");
    // Two unique indexes on the same columns: the later one is redundant.
    let out = pg(
        "CREATE TABLE t (id int PRIMARY KEY, a int, CONSTRAINT t_a_key UNIQUE (a));
                      CREATE UNIQUE INDEX t_a_uniq ON t (a);",
    );
    assert!(one(&out, "redundant-index").message.contains("t_a_uniq"));
}

// --- plaintext-secret -------------------------------------------------------------------------

#[test]
fn plaintext_secrets_fire_for_passwords_tokens_and_keys() {
    let out = pg(
        "CREATE TABLE users (id int PRIMARY KEY, password varchar(100), api_key text,
                      \"refreshToken\" text, client_secret text, reset_token uuid);",
    );
    let v = with(&out, "plaintext-secret");
    let cols: Vec<&str> = v.iter().map(|f| f.columns[0].as_str()).collect();
    assert_eq!(
        cols,
        vec![
            "password",
            "api_key",
            "refreshToken",
            "client_secret",
            "reset_token"
        ]
    );
    assert!(v.iter().all(|f| f.severity == Severity::High));
    assert_eq!(v[0].reference, ref_security("password-storage"));
    assert!(v[0].message.contains("argon2id"));
    assert_eq!(v[1].reference, ref_security("secrets-management"));
    assert!(v[2].fix.contains("SHA-256"));
}

#[test]
fn hashed_or_metadata_secret_columns_do_not_fire() {
    let out = pg("CREATE TABLE users (id int PRIMARY KEY, password_hash text, hashed_password text,
                      encrypted_password varchar(255), \"passwordHash\" text, token_digest text,
                      api_key_fingerprint text, session_token bytea, password_changed_at timestamptz,
                      token_expires_at timestamptz, api_key_prefix varchar(8), tokens_used int,
                      password_reset_required boolean, secretary_name text);");
    none(&out, "plaintext-secret");
}

#[test]
fn plaintext_secret_added_by_alter_fires_in_every_dialect() {
    for d in [
        SqlDialect::Postgres,
        SqlDialect::Mysql,
        SqlDialect::Sqlite,
        SqlDialect::Generic,
    ] {
        let out = run(d, "ALTER TABLE users ADD COLUMN access_token TEXT;", &[]);
        one(&out, "plaintext-secret");
    }
}

// --- float-money ------------------------------------------------------------------------------

#[test]
fn float_money_fires_and_exact_types_do_not() {
    let out = pg("CREATE TABLE p (id int PRIMARY KEY, price double precision, amount real, fee float,
                      total_weight float, price_exact numeric(12,2), balance_cents bigint, tax_rate real);");
    let cols: Vec<String> = with(&out, "float-money")
        .iter()
        .map(|f| f.columns[0].clone())
        .collect();
    assert_eq!(cols, vec!["price", "amount", "fee"]);
    assert!(with(&out, "float-money")[0].fix.contains("numeric(19,4)"));
    let out = run(
        SqlDialect::Mysql,
        "CREATE TABLE p (id INT PRIMARY KEY, unit_price DOUBLE);",
        &[],
    );
    assert!(one(&out, "float-money").fix.contains("DECIMAL(19,4)"));
    let out = run(
        SqlDialect::Sqlite,
        "CREATE TABLE p (id INTEGER PRIMARY KEY, balance REAL);",
        &[],
    );
    assert!(one(&out, "float-money").fix.contains("INTEGER"));
}

#[test]
fn float_money_on_existing_table_gives_alter_fix() {
    let out = pg("ALTER TABLE invoices ALTER COLUMN amount TYPE float8;");
    let f = one(&out, "float-money");
    assert!(
        f.fix
            .contains("ALTER TABLE invoices ALTER COLUMN amount TYPE numeric(19,4);")
    );
    let out = run(
        SqlDialect::Mysql,
        "ALTER TABLE invoices ADD COLUMN amount FLOAT;",
        &[],
    );
    assert!(
        one(&out, "float-money")
            .fix
            .contains("MODIFY COLUMN amount DECIMAL(19,4)")
    );
}

// --- destructive-migration --------------------------------------------------------------------

#[test]
fn drop_column_and_drop_table_are_destructive() {
    let out = pg("ALTER TABLE users DROP COLUMN legacy_flag; DROP TABLE sessions;");
    let v = with(&out, "destructive-migration");
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].columns, vec!["legacy_flag"]);
    assert!(v[0].fix.contains("rollback plan"));
    assert_eq!(
        v[0].reference,
        ref_schema("destructive-changes-and-rollback-plans")
    );
    assert_eq!(v[1].table, "sessions");
    assert_eq!(v[1].statement, Some(2));
    assert!(v.iter().all(|f| f.severity == Severity::High));
}

#[test]
fn rename_column_gives_expand_contract_steps() {
    let out = pg("CREATE TABLE users (id int PRIMARY KEY, name text);
                      ALTER TABLE users RENAME COLUMN name TO full_name;");
    let f = one(&out, "destructive-migration");
    assert_eq!(f.columns, vec!["name", "full_name"]);
    assert!(
        f.fix
            .contains("ALTER TABLE users ADD COLUMN full_name TEXT;")
    );
    assert!(f.fix.contains("UPDATE users SET full_name = name"));
    assert!(f.fix.contains("ALTER TABLE users DROP COLUMN name;"));
    assert_eq!(f.reference, ref_schema("renaming-a-column-safely"));
    // The catalog follows the rename.
    assert!(out.tables[0].indexes.len() == 1);
    let out = run(
        SqlDialect::Mysql,
        "CREATE TABLE u (id INT PRIMARY KEY, a VARCHAR(10)); ALTER TABLE u CHANGE COLUMN a b VARCHAR(10);",
        &[],
    );
    assert_eq!(one(&out, "destructive-migration").columns, vec!["a", "b"]);
}

#[test]
fn rename_table_truncate_are_destructive() {
    let out = pg("CREATE TABLE a (id int PRIMARY KEY); ALTER TABLE a RENAME TO b; TRUNCATE b;");
    let v = with(&out, "destructive-migration");
    assert_eq!(v.len(), 2);
    assert!(v[0].fix.contains("CREATE VIEW a AS SELECT * FROM b;"));
    assert_eq!(out.tables[0].name, "b");
    let out = run(SqlDialect::Mysql, "RENAME TABLE a TO b;", &[]);
    one(&out, "destructive-migration");
}

#[test]
fn narrowing_type_change_is_destructive_and_widening_is_not() {
    let out = pg(
        "CREATE TABLE u (id bigint PRIMARY KEY, email varchar(255), n bigint, d numeric(12,4));
                      ALTER TABLE u ALTER COLUMN email TYPE varchar(50);
                      ALTER TABLE u ALTER COLUMN n TYPE integer;
                      ALTER TABLE u ALTER COLUMN d TYPE numeric(12,2);",
    );
    let v = with(&out, "destructive-migration");
    assert_eq!(v.len(), 3, "{out}");
    assert!(v[0].message.contains("longer than 50 characters"));
    assert_eq!(v[0].reference, ref_schema("expand-contract-migrations"));
    let out = pg(
        "CREATE TABLE u (id bigint PRIMARY KEY, email varchar(50), d numeric(10,2));
                      ALTER TABLE u ALTER COLUMN email TYPE varchar(255);
                      ALTER TABLE u ALTER COLUMN email TYPE text;
                      ALTER TABLE u ALTER COLUMN d TYPE numeric(14,2);",
    );
    none(&out, "destructive-migration");
    none(&out, "column-type-change");
    let out = run(
        SqlDialect::Mysql,
        "CREATE TABLE u (id INT PRIMARY KEY, code VARCHAR(100)); ALTER TABLE u MODIFY COLUMN code VARCHAR(10);",
        &[],
    );
    one(&out, "destructive-migration");
}

#[test]
fn rewriting_or_unknown_type_change_is_a_medium_column_type_change() {
    let out = pg("CREATE TABLE u (id int PRIMARY KEY); ALTER TABLE u ALTER COLUMN id TYPE bigint;");
    let f = one(&out, "column-type-change");
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.message.contains("rewrites"));
    let out = pg("ALTER TABLE accounts ALTER COLUMN status TYPE varchar(20);");
    assert!(
        one(&out, "column-type-change")
            .message
            .contains("does not show the current type")
    );
    none(&out, "destructive-migration");
}

#[test]
fn drop_then_recreate_is_softened_to_medium() {
    let out = run(
        SqlDialect::Mysql,
        "DROP TABLE IF EXISTS `t`; CREATE TABLE `t` (`id` INT PRIMARY KEY);",
        &[],
    );
    let f = one(&out, "destructive-migration");
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.message.contains("recreates"));
    assert_eq!(out.summary.high, 0);
}

// --- not-null-without-default -----------------------------------------------------------------

#[test]
fn add_not_null_column_without_default_on_existing_table_fires() {
    let out = pg("ALTER TABLE orders ADD COLUMN status text NOT NULL;");
    let f = one(&out, "not-null-without-default");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.columns, vec!["status"]);
    assert!(f.fix.contains("ALTER TABLE orders ADD COLUMN status TEXT;"));
    assert!(f.fix.contains("NOT VALID"));
    assert!(f.fix.contains("VALIDATE CONSTRAINT orders_status_not_null"));
    assert!(f.fix.contains("SET NOT NULL"));
    assert_eq!(f.reference, ref_schema("adding-a-not-null-column-safely"));
    let out = run(
        SqlDialect::Mysql,
        "ALTER TABLE orders ADD COLUMN status VARCHAR(20) NOT NULL;",
        &[],
    );
    assert!(
        one(&out, "not-null-without-default")
            .message
            .contains("implicit default")
    );
    let out = run(
        SqlDialect::Sqlite,
        "ALTER TABLE orders ADD COLUMN status TEXT NOT NULL;",
        &[],
    );
    assert!(
        one(&out, "not-null-without-default")
            .fix
            .contains("DEFAULT")
    );
}

#[test]
fn add_not_null_column_with_default_identity_or_on_new_table_is_fine() {
    let out = pg(
        "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';
                      ALTER TABLE orders ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
                      ALTER TABLE orders ADD COLUMN n bigserial NOT NULL;
                      ALTER TABLE orders ADD COLUMN note text;
                      CREATE TABLE fresh (id int PRIMARY KEY);
                      ALTER TABLE fresh ADD COLUMN x int NOT NULL;",
    );
    none(&out, "not-null-without-default");
}

#[test]
fn set_not_null_on_existing_postgres_table_is_blocking() {
    let out = pg("ALTER TABLE orders ALTER COLUMN status SET NOT NULL;");
    let f = one(&out, "blocking-set-not-null");
    assert!(f.fix.contains("CHECK (status IS NOT NULL) NOT VALID"));
    let out = run(
        SqlDialect::Generic,
        "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;",
        &[],
    );
    none(&out, "blocking-set-not-null");
}

// --- blocking-index-build ---------------------------------------------------------------------

#[test]
fn create_index_without_concurrently_on_existing_table_blocks() {
    let out = pg("CREATE INDEX idx_orders_status ON orders (status);");
    let f = one(&out, "blocking-index-build");
    assert_eq!(f.severity, Severity::Medium);
    assert!(
        f.fix
            .starts_with("CREATE INDEX CONCURRENTLY idx_orders_status ON orders")
    );
    assert_eq!(
        f.reference,
        ref_schema("building-indexes-without-blocking-writes")
    );
}

#[test]
fn concurrently_same_script_table_and_other_dialects_do_not_block() {
    let out = pg(
        "CREATE INDEX CONCURRENTLY idx_orders_status ON orders (status);
                      CREATE TABLE t (id int PRIMARY KEY, a int); CREATE INDEX t_a ON t (a);",
    );
    none(&out, "blocking-index-build");
    for d in [SqlDialect::Mysql, SqlDialect::Sqlite, SqlDialect::Generic] {
        let out = run(d, "CREATE INDEX idx_orders_status ON orders (status);", &[]);
        none(&out, "blocking-index-build");
    }
}

#[test]
fn adding_unique_constraint_to_existing_table_suggests_using_index() {
    let out = pg("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);");
    let f = one(&out, "blocking-unique-constraint");
    assert!(
        f.fix
            .contains("CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);")
    );
    assert!(f.fix.contains("UNIQUE USING INDEX users_email_key"));
}

// --- timestamp-without-time-zone --------------------------------------------------------------

#[test]
fn timestamp_without_time_zone_is_a_postgres_low() {
    let out = pg(
        "CREATE TABLE e (id int PRIMARY KEY, happened_at timestamp, ok_at timestamptz,
                      also_ok timestamp with time zone);",
    );
    let f = one(&out, "timestamp-without-time-zone");
    assert_eq!(f.severity, Severity::Low);
    assert_eq!(f.columns, vec!["happened_at"]);
    let out = run(
        SqlDialect::Mysql,
        "CREATE TABLE e (id INT PRIMARY KEY, happened_at TIMESTAMP);",
        &[],
    );
    none(&out, "timestamp-without-time-zone");
}

// --- identifiers ------------------------------------------------------------------------------

#[test]
fn quoted_mixed_case_and_schema_qualified_names_are_normalised() {
    // Unquoted ORDERS folds to orders; public.orders is the same table.
    let out = pg("CREATE TABLE public.customers (id int PRIMARY KEY);
                      CREATE TABLE ORDERS (ID int PRIMARY KEY, Customer_Id int REFERENCES Customers (Id));
                      CREATE INDEX idx ON public.orders (customer_id);");
    none(&out, "unindexed-foreign-key");
    none(&out, "blocking-index-build");
    assert_eq!(out.tables.len(), 2);
    assert_eq!(out.tables[1].name, "orders");
    // Quoted mixed-case names keep their case and are quoted in fixes.
    let out = pg("CREATE TABLE \"Customers\" (\"Id\" int PRIMARY KEY);
                      CREATE TABLE \"OrderItems\" (\"Id\" int PRIMARY KEY, \"CustomerId\" int REFERENCES \"Customers\" (\"Id\"));");
    let f = one(&out, "unindexed-foreign-key");
    assert_eq!(f.table, "OrderItems");
    assert!(f.fix.starts_with(
            "CREATE INDEX CONCURRENTLY idx_orderitems_customerid ON \"OrderItems\" (\"CustomerId\");"
        ), "{}", f.fix);
    // Queries match case-insensitively.
    let out = run(
        SqlDialect::Postgres,
        "CREATE TABLE \"Users\" (\"Id\" int PRIMARY KEY, \"Email\" text);",
        &["SELECT * FROM \"Users\" u WHERE u.\"Email\" = $1"],
    );
    assert_eq!(one(&out, "query-not-covered").columns, vec!["Email"]);
}

#[test]
fn two_schemas_with_the_same_table_name_stay_apart() {
    let out = pg(
        "CREATE TABLE billing.accounts (id int PRIMARY KEY, owner_id int);
                      CREATE TABLE crm.accounts (id int PRIMARY KEY, owner_id int);
                      CREATE INDEX a_owner ON billing.accounts (owner_id);",
    );
    assert_eq!(out.tables.len(), 2);
    assert_eq!(out.tables[0].name, "billing.accounts");
    assert_eq!(out.tables[0].indexes.len(), 2);
    assert_eq!(out.tables[1].indexes.len(), 1);
    let out = run(
        SqlDialect::Mysql,
        "CREATE TABLE shop.`Orders` (id INT PRIMARY KEY, status VARCHAR(10));",
        &["SELECT * FROM orders WHERE STATUS = 'x'"],
    );
    assert_eq!(
        one(&out, "query-not-covered").fix,
        "CREATE INDEX idx_orders_status ON shop.Orders (status);"
    );
}

// --- errors and limits ------------------------------------------------------------------------

#[test]
fn statements_that_do_not_parse_are_listed_and_the_review_goes_on() {
    let out =
        pg("CREATE TABLE t (id int PRIMARY KEY);\nCREATE TABLE (\n;\nCREATE TABLE u (x int);");
    assert_eq!(out.unparsed.len(), 1, "{out}");
    assert_eq!(out.unparsed[0].line, 2);
    assert_eq!(out.unparsed[0].input, "ddl");
    assert_eq!(out.unparsed[0].starts, "CREATE TABLE");
    one(&out, "missing-primary-key");
    // Queries are the caller's own statements: a bad one is still an error with its position.
    let e = err(
        SqlDialect::Mysql,
        "CREATE TABLE t (id INT PRIMARY KEY);",
        &["SELEC * FROM t"],
    );
    assert!(
        matches!(e, DecideError::InvalidInput(m) if m.starts_with("queries[0]:") && m.contains("Line: 1"))
    );
    // Nothing of the script parses: an error, not an empty review.
    let e = err(
        SqlDialect::Sqlite,
        "CREATE TABLE t (x TEXT DEFAULT 'unterminated",
        &[],
    );
    assert!(
        matches!(e, DecideError::InvalidInput(m) if m.contains("no statement parses") && m.contains("line 1 (CREATE TABLE T"))
    );
}

#[test]
fn empty_inputs_are_refused() {
    for ddl in ["", "   \n"] {
        assert!(
            matches!(
                err(SqlDialect::Postgres, ddl, &[]),
                DecideError::InvalidInput(_)
            ),
            "{ddl:?}"
        );
    }
    let e = err(
        SqlDialect::Postgres,
        "CREATE TABLE t (id int PRIMARY KEY);",
        &["  "],
    );
    assert!(matches!(e, DecideError::InvalidInput(m) if m.starts_with("queries[0]: empty")));
    let both = ReviewSchemaInput {
        ddl: Some("CREATE TABLE t (id int);".into()),
        migration: Some("DROP TABLE t;".into()),
        ..Default::default()
    };
    assert!(
        matches!(review_schema(&both), Err(DecideError::InvalidInput(m)) if m.contains("not both"))
    );
}

#[test]
fn comment_only_scripts_review_as_empty_with_a_note() {
    // A migration set's placeholder file: nothing to judge, so an empty review that says why.
    for ddl in [
        "-- just a comment\n",
        ";;",
        "/* nothing */ ;\n-- here either",
    ] {
        let out = review_schema(&ReviewSchemaInput {
            ddl: Some(ddl.into()),
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("{ddl:?}: {e}"));
        assert!(out.findings.is_empty(), "{ddl:?}");
        assert!(
            out.notes
                .iter()
                .any(|n| n.starts_with("ddl: only comments")),
            "{ddl:?}: {:?}",
            out.notes
        );
    }
    let out = review_schema(&ReviewSchemaInput {
        schema: Some("CREATE TABLE t (id bigint PRIMARY KEY, note text);".into()),
        migration: Some("-- Updates from version 1.0\n-- (nothing to do)\n".into()),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.findings.is_empty(), "{:?}", out.findings);
    assert!(
        out.notes
            .iter()
            .any(|n| n.starts_with("migration: only comments")),
        "{:?}",
        out.notes
    );
}

#[test]
fn oversize_inputs_are_refused() {
    let big = format!(
        "CREATE TABLE t (id int PRIMARY KEY);{}",
        " ".repeat(MAX_INPUT_BYTES)
    );
    assert!(
        matches!(err(SqlDialect::Postgres, &big, &[]), DecideError::TooLarge(m) if m.contains("16 MiB"))
    );
    let many: Vec<&str> = vec!["SELECT 1"; MAX_QUERIES + 1];
    assert!(matches!(
        err(SqlDialect::Postgres, "CREATE TABLE t (id int PRIMARY KEY);", &many),
        DecideError::TooLarge(m) if m.starts_with("queries:")
    ));
    let long_q = format!("SELECT 1 {}", " ".repeat(MAX_QUERY_BYTES));
    assert!(matches!(
        err(SqlDialect::Postgres, "CREATE TABLE t (id int PRIMARY KEY);", &[&long_q]),
        DecideError::TooLarge(m) if m.starts_with("queries[0]:")
    ));
    // Exactly at the limit is accepted.
    let at = format!(
        "CREATE TABLE t (id int PRIMARY KEY);{}",
        " ".repeat(MAX_INPUT_BYTES - 36)
    );
    assert_eq!(at.len(), MAX_INPUT_BYTES);
    assert_eq!(pg(&at).tables.len(), 1);
}

#[test]
fn deeply_nested_or_chained_statements_are_skipped_without_overflow() {
    let nested = format!(
        "CREATE TABLE ok (id bigint PRIMARY KEY); CREATE TABLE t (x int CHECK ({}1{}));",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let out = pg(&nested);
    assert!(out.unparsed[0].error.contains("nest"), "{out}");
    let chain = format!(
        "CREATE TABLE ok (id bigint PRIMARY KEY); CREATE TABLE t (x int DEFAULT 1{});",
        "+1".repeat(100_000)
    );
    assert!(pg(&chain).unparsed[0].error.contains("too complex"));
    let paren_chain = format!(
        "CREATE TABLE ok (id bigint PRIMARY KEY); CREATE TABLE t (x int DEFAULT (1){});",
        "+(1)".repeat(100_000)
    );
    assert_eq!(
        run(SqlDialect::Generic, &paren_chain, &[]).unparsed.len(),
        1
    );
    // Parser recursion limit (nesting under the bracket limit) in a query is an InvalidInput.
    let nested = format!("SELECT {}1{}", "(".repeat(100), ")".repeat(100));
    let e = err(
        SqlDialect::Postgres,
        "CREATE TABLE t (id int PRIMARY KEY);",
        &[&nested],
    );
    assert!(matches!(e, DecideError::InvalidInput(_)));
    // A long but acceptable AND chain in a query is analysed.
    let conds: Vec<String> = (0..1000).map(|i| format!("a = {i}")).collect();
    let q = format!("SELECT * FROM t WHERE {}", conds.join(" AND "));
    let out = run(
        SqlDialect::Postgres,
        "CREATE TABLE t (id bigint PRIMARY KEY, a int);",
        &[&q],
    );
    assert_eq!(one(&out, "query-not-covered").columns, vec!["a"]);
}

#[test]
fn longest_accepted_chains_do_not_overflow_the_stack() {
    // Just under the token limit, in statements that get displayed, spanned and walked.
    let chain = "+1".repeat(MAX_CHAIN_TOKENS / 2 - 20);
    let ddl = format!(
        "CREATE INDEX i ON t (a) WHERE a = 1{chain}; CREATE TABLE u (id int PRIMARY KEY, c int CHECK (c > 1{chain}) DEFAULT 1{chain});"
    );
    let q1 = format!("SELECT * FROM u WHERE c = 1{chain}");
    let q2 = format!("SELECT * FROM u WHERE c IN (SELECT c FROM u WHERE c = 1{chain})");
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || run(SqlDialect::Postgres, &ddl, &[&q1, &q2]).findings.len())
        .expect("spawn");
    assert!(handle.join().expect("no stack overflow") >= 1);
}

#[test]
fn unsupported_statements_are_skipped() {
    let out = pg(
        "BEGIN; CREATE EXTENSION IF NOT EXISTS pgcrypto; SET statement_timeout = 0;
                      CREATE TABLE t (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
                      COMMENT ON TABLE t IS 'x'; CREATE VIEW v AS SELECT * FROM t; COMMIT;",
    );
    assert_eq!(out.summary.total, 0, "{out}");
    let out = pg("CREATE TABLE c AS SELECT 1 AS x;");
    assert!(out.notes.iter().any(|n| n.contains("copies its columns")));
    none(&out, "missing-primary-key");
}

// --- output -----------------------------------------------------------------------------------

const KITCHEN_SINK: &str = "CREATE TABLE users (email text, password text, balance float, seen timestamp);
        CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (email), a int, b int);
        CREATE INDEX o_a ON orders (a); CREATE INDEX o_ab ON orders (a, b);
        ALTER TABLE accounts ADD COLUMN kind text NOT NULL;
        CREATE INDEX acc_kind ON accounts (kind);
        ALTER TABLE accounts ADD CONSTRAINT acc_u UNIQUE (kind);
        ALTER TABLE accounts ADD CONSTRAINT acc_fk FOREIGN KEY (owner_id) REFERENCES users (id);
        ALTER TABLE accounts ALTER COLUMN kind SET NOT NULL;
        ALTER TABLE accounts ALTER COLUMN note TYPE varchar(5);
        ALTER TABLE accounts DROP COLUMN legacy;
        ALTER TABLE accounts RENAME COLUMN x TO y;
        DROP TABLE junk;";

#[test]
fn every_rule_and_reference_is_reachable_and_allowed() {
    let out = run(
        SqlDialect::Postgres,
        KITCHEN_SINK,
        &[
            "SELECT * FROM orders WHERE b = $1",
            "SELECT * FROM ghosts WHERE x = 1",
        ],
    );
    let rules: BTreeSet<&str> = out.findings.iter().map(|f| f.rule.as_str()).collect();
    for r in [
        "missing-primary-key",
        "unindexed-foreign-key",
        "query-not-covered",
        "redundant-index",
        "plaintext-secret",
        "float-money",
        "destructive-migration",
        "not-null-without-default",
        "blocking-index-build",
        "blocking-foreign-key-validation",
        "blocking-set-not-null",
        "column-type-change",
        "timestamp-without-time-zone",
        "query-table-unknown",
    ] {
        assert!(rules.contains(r), "rule {r} not reached: {out}");
    }
    let mysql = run(SqlDialect::Mysql, FK_DDL, &[]);
    assert!(
        mysql
            .findings
            .iter()
            .any(|f| f.rule == "inline-references-ignored")
    );
    let mut all_refs: Vec<String> = out.references.clone();
    for d in [SqlDialect::Mysql, SqlDialect::Sqlite, SqlDialect::Generic] {
        let o = run(
            d,
            "CREATE TABLE t (api_key text, price real); ALTER TABLE t RENAME TO u;",
            &[],
        );
        all_refs.extend(o.references);
        all_refs.extend(o.findings.into_iter().map(|f| f.reference));
    }
    all_refs.extend(out.findings.iter().map(|f| f.reference.clone()));
    for r in &all_refs {
        assert!(is_citable(r), "reference {r} is not citable");
    }
    for f in &out.findings {
        assert!(!f.message.is_empty() && !f.fix.is_empty() && !f.table.is_empty());
    }
}

#[test]
fn findings_are_ordered_by_statement_then_rule_and_deterministic() {
    let a = run(
        SqlDialect::Postgres,
        KITCHEN_SINK,
        &["SELECT * FROM orders WHERE b = $1"],
    );
    let b = run(
        SqlDialect::Postgres,
        KITCHEN_SINK,
        &["SELECT * FROM orders WHERE b = $1"],
    );
    assert_eq!(a.findings, b.findings);
    let keys: Vec<(usize, String)> = a
        .findings
        .iter()
        .map(|f| (f.statement.unwrap_or(usize::MAX), f.rule.clone()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(
        a.findings.last().map(|f| f.rule.as_str()),
        Some("query-not-covered")
    );
    assert_eq!(
        a.summary.total,
        a.summary.high + a.summary.medium + a.summary.low
    );
    // Statement 1 findings come first, with its line.
    assert_eq!(a.findings[0].statement, Some(1));
    assert_eq!(a.findings[0].line, Some(1));
}

#[test]
fn serde_contract_and_display() {
    let input: ReviewSchemaInput =
        serde_json::from_str(r#"{"ddl": "CREATE TABLE t (price float)"}"#).expect("valid input");
    assert_eq!(input.dialect, None);
    let input: ReviewSchemaInput =
        serde_json::from_str(r#"{"ddl": "x", "dialect": "postgresql", "queries": ["SELECT 1"]}"#)
            .expect("alias");
    assert_eq!(input.dialect, Some(SqlDialect::Postgres));
    for (s, d) in [
        ("mysql", SqlDialect::Mysql),
        ("sqlite", SqlDialect::Sqlite),
        ("generic", SqlDialect::Generic),
    ] {
        let v: SqlDialect = serde_json::from_str(&format!("\"{s}\"")).expect("dialect");
        assert_eq!(v, d);
    }
    assert!(serde_json::from_str::<ReviewSchemaInput>(r#"{"ddl": "x", "extra": 1}"#).is_err());
    assert!(
        serde_json::from_str::<ReviewSchemaInput>(r#"{"ddl": "x", "dialect": "oracle"}"#).is_err()
    );

    let out = pg("CREATE TABLE t (price float);");
    let json = serde_json::to_value(&out).expect("serialize");
    assert_eq!(json["dialect"], "postgres");
    assert_eq!(json["findings"][0]["severity"], "high");
    assert_eq!(json["findings"][0]["rule"], "float-money");
    assert_eq!(json["findings"][0]["columns"][0], "price");
    assert!(json["findings"][0].get("query").is_none());
    assert_eq!(json["summary"]["high"], 2);
    let back: ReviewSchemaOutput = serde_json::from_value(json).expect("round trip");
    assert_eq!(back.findings, out.findings);

    let text = out.to_string();
    assert!(text.starts_with("Schema review (PostgreSQL): 1 table(s), 2 finding(s): 2 high"));
    assert!(text.contains("[HIGH] float-money: t (price)"));
    assert!(text.contains("Read: skill://backend-engineering/references/schema-design.md#"));
    assert!(text.contains("Notes:"));
    let clean = pg("CREATE TABLE t (id bigint PRIMARY KEY);").to_string();
    assert!(clean.contains("No findings."));
    assert!(!TITLE.is_empty() && DESCRIPTION.len() > 100);
}

#[test]
fn json_schemas_describe_every_input_field() {
    let schema = serde_json::to_value(schemars::schema_for!(ReviewSchemaInput)).expect("schema");
    let props = &schema["properties"];
    for field in ["ddl", "dialect", "queries"] {
        assert!(props[field].is_object(), "missing {field} in {schema}");
    }
    for field in ["schema", "migration", "postgres_version"] {
        assert!(props[field].is_object(), "missing {field} in {schema}");
    }
    assert!(
        props["queries"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("200"))
    );
    assert!(schema.get("required").is_none(), "{schema}");
    let text = serde_json::to_string(&schemars::schema_for!(ReviewSchemaOutput)).expect("schema");
    for word in [
        "findings",
        "severity",
        "reference",
        "tables",
        "summary",
        "references",
        "postgres",
    ] {
        assert!(text.contains(word), "{word} missing from the output schema");
    }
    let out = run(
        SqlDialect::Mysql,
        "CREATE TABLE t (id BIGINT PRIMARY KEY);",
        &["SELECT 1 FROM dual"],
    );
    assert_eq!(out.summary.total, 0);
}

// --- helpers ----------------------------------------------------------------------------------

#[test]
fn name_heuristics() {
    assert_eq!(name_words("apiKeyHash"), vec!["api", "key", "hash"]);
    assert_eq!(name_words("user-password"), vec!["user", "password"]);
    assert_eq!(secret_kind("apiKey"), Some(SecretKind::Key));
    assert_eq!(secret_kind("PASSWORD"), Some(SecretKind::Password));
    assert_eq!(secret_kind("password_salt"), None);
    assert_eq!(secret_kind("private_key_pem"), Some(SecretKind::Key));
    assert_eq!(secret_kind("keyboard"), None);
    assert!(is_money_name("unitPrice"));
    assert!(!is_money_name("score"));
    assert_eq!(generated_index_name(&"x".repeat(100), &[]).len(), 63);
}

#[test]
fn type_comparisons() {
    let d = SqlDialect::Postgres;
    let ty = |s: &str| -> Ty {
        let sql = format!("CREATE TABLE t (c {s})");
        let st = Parser::parse_sql(&PostgreSqlDialect {}, &sql).expect("parse");
        match &st[0] {
            Statement::CreateTable(ct) => classify(&ct.columns[0].data_type, d),
            _ => unreachable!(),
        }
    };
    assert!(matches!(
        compare_types(&ty("bigint"), &ty("int")),
        TypeChange::Narrowing(_)
    ));
    assert!(matches!(
        compare_types(&ty("int"), &ty("bigint")),
        TypeChange::Rewrite
    ));
    assert!(matches!(
        compare_types(&ty("numeric(10,2)"), &ty("int")),
        TypeChange::Narrowing(_)
    ));
    assert!(matches!(
        compare_types(&ty("text"), &ty("int")),
        TypeChange::Narrowing(_)
    ));
    assert!(matches!(
        compare_types(&ty("timestamptz"), &ty("date")),
        TypeChange::Narrowing(_)
    ));
    assert!(matches!(
        compare_types(&ty("bigint"), &ty("numeric(10,0)")),
        TypeChange::Narrowing(_)
    ));
    assert!(matches!(
        compare_types(&ty("int"), &ty("numeric(20,0)")),
        TypeChange::Rewrite
    ));
    assert!(matches!(
        compare_types(&ty("varchar(10)"), &ty("varchar(10)")),
        TypeChange::Same
    ));
    assert!(matches!(
        compare_types(&ty("bytea"), &ty("bytea")),
        TypeChange::Same
    ));
    assert!(matches!(
        compare_types(&ty("serial"), &ty("bigint")),
        TypeChange::Rewrite
    ));
    assert!(matches!(
        compare_types(&ty("double precision"), &ty("real")),
        TypeChange::Narrowing(_)
    ));
    assert!(matches!(
        compare_types(&ty("uuid"), &ty("varchar(20)")),
        TypeChange::Narrowing(_)
    ));
    assert!(matches!(
        compare_types(&ty("int"), &ty("boolean")),
        TypeChange::Narrowing(_)
    ));
}

// --- never panic ------------------------------------------------------------------------------

fn token_soup() -> impl Strategy<Value = String> {
    let tokens = prop::sample::select(vec![
        "CREATE",
        "TABLE",
        "INDEX",
        "UNIQUE",
        "ON",
        "ALTER",
        "ADD",
        "DROP",
        "COLUMN",
        "RENAME",
        "TO",
        "PRIMARY",
        "KEY",
        "FOREIGN",
        "REFERENCES",
        "NOT",
        "NULL",
        "DEFAULT",
        "CONCURRENTLY",
        "IF",
        "EXISTS",
        "SELECT",
        "FROM",
        "WHERE",
        "JOIN",
        "ORDER",
        "BY",
        "AND",
        "OR",
        "IN",
        "(",
        ")",
        ",",
        ";",
        "=",
        "<",
        ">",
        "t",
        "u",
        "\"T\"",
        "`t`",
        "s.t",
        "a",
        "b",
        "id",
        "password",
        "price",
        "int",
        "text",
        "float",
        "varchar(10)",
        "timestamp",
        "1",
        "'x'",
        "$1",
        "?",
        "TYPE",
        "SET",
        "CONSTRAINT",
        "CHECK",
        "TRUNCATE",
        "WITH",
        "AS",
        "USING",
        "KEY",
        "CHANGE",
        "MODIFY",
    ]);
    prop::collection::vec(tokens, 0..60).prop_map(|v| v.join(" "))
}

fn dialects() -> impl Strategy<Value = Option<SqlDialect>> {
    prop::option::of(prop::sample::select(vec![
        SqlDialect::Postgres,
        SqlDialect::Mysql,
        SqlDialect::Sqlite,
        SqlDialect::Generic,
    ]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_strings_never_panic(ddl in ".{0,300}", q in ".{0,120}", dialect in dialects()) {
        let input = ReviewSchemaInput { ddl: Some(ddl), dialect, queries: Some(vec![q]), ..Default::default() };
        let _ = review_schema(&input);
    }

    #[test]
    fn token_soups_never_panic(ddl in token_soup(), qs in prop::collection::vec(token_soup(), 0..3), dialect in dialects()) {
        let input = ReviewSchemaInput { ddl: Some(ddl), dialect, queries: Some(qs), ..Default::default() };
        if let Ok(out) = review_schema(&input) {
            prop_assert_eq!(out.summary.total, out.findings.len());
            let _ = out.to_string();
        }
    }

    #[test]
    fn generated_schemas_never_panic(
        cols in prop::collection::vec(("[a-z_]{1,12}", prop::sample::select(vec!["int", "bigint", "text", "float", "numeric(10,2)", "timestamp", "bytea", "varchar(5)"]), any::<bool>()), 1..8),
        extra in prop::sample::select(vec![
            "", "ALTER TABLE t DROP COLUMN c0;", "CREATE INDEX i ON t (c0);", "ALTER TABLE t RENAME TO v;",
            "ALTER TABLE t ALTER COLUMN c0 TYPE int;", "DROP TABLE t;", "ALTER TABLE t ADD COLUMN z int NOT NULL;",
        ]),
        dialect in dialects(),
    ) {
        let defs: Vec<String> = cols.iter().enumerate().map(|(i, (n, ty, nn))| {
            format!("c{i}_{n} {ty}{}", if *nn { " NOT NULL" } else { "" })
        }).collect();
        let ddl = format!("CREATE TABLE t ({}); {extra}", defs.join(", "));
        let q = "SELECT * FROM t WHERE c0 = 1 ORDER BY c1".to_string();
        let input = ReviewSchemaInput { ddl: Some(ddl), dialect, queries: Some(vec![q]), ..Default::default() };
        if let Ok(out) = review_schema(&input) {
            prop_assert!(out.findings.iter().all(|f| is_citable(&f.reference)));
        }
    }
}

// --- bounded cost: work counted, growth pinned -------------------------------------------------

fn work(schema: Option<String>, ddl: String) -> usize {
    let input = ReviewSchemaInput {
        schema,
        migration: None,
        ddl: Some(ddl),
        ..Default::default()
    };
    match review_counting(&input, usize::MAX) {
        Ok((_, w)) => w,
        Err(e) => panic!("{e}"),
    }
}

/// Work for 2n items is at most 2.3 times the work for n: linear or n log n, not quadratic.
fn assert_linear(make: impl Fn(usize) -> String, n: usize) {
    let a = work(None, make(n));
    let b = work(None, make(2 * n));
    assert!(
        b * 10 <= a * 23,
        "work grew from {a} to {b} when the input doubled"
    );
}

#[test]
fn many_indexes_on_a_table_the_script_does_not_create_cost_n_log_n() {
    assert_linear(
        |n| {
            (0..n)
                .map(|k| format!("CREATE INDEX i{k} ON t (a, b{k});\n"))
                .collect()
        },
        2_000,
    );
}

#[test]
fn many_foreign_keys_beside_unrelated_indexes_cost_linear() {
    assert_linear(
        |n| {
            let mut s = String::from(
                "CREATE TABLE u (id bigint PRIMARY KEY);\nCREATE TABLE t (id bigint PRIMARY KEY",
            );
            for k in 0..n {
                s.push_str(&format!(", c{k} bigint REFERENCES u (id)"));
            }
            s.push_str(");\n");
            for k in 0..n {
                s.push_str(&format!("CREATE INDEX j{k} ON t (id, c{k});\n"));
            }
            s
        },
        1_000,
    );
}

#[test]
fn a_hostile_input_gets_a_budget_error_not_an_abort() {
    let ddl: String = (0..2_000)
        .map(|k| format!("CREATE INDEX i{k} ON t (a, b{k});\n"))
        .collect();
    let input = ReviewSchemaInput {
        ddl: Some(ddl),
        ..Default::default()
    };
    assert!(matches!(
        review_with_budget(&input, 10_000),
        Err(DecideError::TooLarge(m)) if m.contains("work limit")
    ));
}

fn work_with_queries(ddl: String, queries: Vec<String>) -> usize {
    let input = ReviewSchemaInput {
        ddl: Some(ddl),
        queries: Some(queries),
        ..Default::default()
    };
    match review_counting(&input, usize::MAX) {
        Ok((_, w)) => w,
        Err(e) => panic!("{e}"),
    }
}

/// Like [`assert_linear`], for an input made of a DDL script and queries.
fn assert_linear_with_queries(make: impl Fn(usize) -> (String, Vec<String>), n: usize) {
    let (d, q) = make(n);
    let a = work_with_queries(d, q);
    let (d, q) = make(2 * n);
    let b = work_with_queries(d, q);
    assert!(
        b * 10 <= a * 23,
        "work grew from {a} to {b} when the input doubled"
    );
}

fn wide_table(cols: usize) -> String {
    let defs: Vec<String> = (0..cols).map(|k| format!("c{k} int")).collect();
    format!(
        "CREATE TABLE t (id bigint PRIMARY KEY, {});\n",
        defs.join(", ")
    )
}

#[test]
fn from_items_over_a_wide_table_do_not_copy_its_columns() {
    // Doubling both the table's width and the FROM list must not quadruple the work.
    assert_linear_with_queries(
        |n| {
            let from = vec!["t"; n].join(", ");
            (wide_table(n), vec![format!("SELECT 1 FROM {from}")])
        },
        400,
    );
}

#[test]
fn column_references_do_not_scan_every_from_item() {
    assert_linear_with_queries(
        |n| {
            let from: Vec<String> = (0..n).map(|k| format!("t a{k}")).collect();
            let preds: Vec<String> = (0..n).map(|k| format!("c{} = 1", k % 50)).collect();
            (
                wide_table(50),
                vec![format!(
                    "SELECT 1 FROM {} WHERE {}",
                    from.join(", "),
                    preds.join(" AND ")
                )],
            )
        },
        500,
    );
}

#[test]
fn unqualified_columns_over_many_distinct_tables_cost_linear() {
    // n distinct tables in one FROM clause; each predicate names a column that none of them has
    // (x_k) and one that exactly one has (c_k): resolving a name visits the tables that have it.
    assert_linear_with_queries(
        |n| {
            let ddl: String = (0..n)
                .map(|k| format!("CREATE TABLE t{k} (id bigint PRIMARY KEY, c{k} int);\n"))
                .collect();
            let from: Vec<String> = (0..n).map(|k| format!("t{k}")).collect();
            let preds: Vec<String> = (0..n).map(|k| format!("(x{k} = 1 AND c{k} = 1)")).collect();
            (
                ddl,
                vec![format!(
                    "SELECT 1 FROM {} WHERE {}",
                    from.join(", "),
                    preds.join(" AND ")
                )],
            )
        },
        600,
    );
}

#[test]
fn many_predicates_on_one_table_cost_linear() {
    assert_linear_with_queries(
        |n| {
            let preds: Vec<String> = (0..n).map(|k| format!("c{k} = 1")).collect();
            (
                wide_table(n),
                vec![format!("SELECT 1 FROM t WHERE {}", preds.join(" AND "))],
            )
        },
        500,
    );
}

#[test]
fn a_long_join_using_chain_costs_linear() {
    assert_linear_with_queries(
        |n| {
            let joins: String = (0..n).map(|_| " JOIN t USING (c0)").collect();
            (wide_table(4), vec![format!("SELECT 1 FROM t{joins}")])
        },
        800,
    );
}

#[test]
fn subqueries_under_many_ctes_do_not_copy_them() {
    assert_linear_with_queries(
        |n| {
            let ctes: Vec<String> = (0..n)
                .map(|k| format!("w{k} AS (SELECT 1 FROM t WHERE c0 = 1)"))
                .collect();
            let subs: Vec<String> = (0..n)
                .map(|_| "(WITH x AS (SELECT 1) SELECT 1 FROM t)".to_string())
                .collect();
            (
                wide_table(4),
                vec![format!(
                    "WITH {} SELECT {} FROM t",
                    ctes.join(", "),
                    subs.join(", ")
                )],
            )
        },
        300,
    );
}

#[test]
fn many_columns_added_to_one_table_cost_linear() {
    assert_linear(
        |n| {
            let mut s = String::from("CREATE TABLE t (id bigint PRIMARY KEY);\n");
            for k in 0..n {
                s.push_str(&format!("ALTER TABLE t ADD COLUMN c{k} int;\n"));
            }
            s
        },
        2_000,
    );
}

#[test]
fn many_partitions_of_one_keyed_parent_cost_linear() {
    assert_linear(
        |n| {
            let mut s = String::from(
                "CREATE TABLE p (id bigint, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);\n",
            );
            for k in 0..n {
                s.push_str(&format!("CREATE INDEX pi{k} ON p (at, id);\n"));
                s.push_str(&format!(
                    "CREATE TABLE p{k} PARTITION OF p FOR VALUES FROM ('{k}') TO ('{k}x');\n"
                ));
            }
            s
        },
        1_000,
    );
}

#[test]
fn repeated_drops_on_a_large_table_meet_the_budget() {
    // Each DROP INDEX scans the table's indexes: allowed, but counted, so thousands of them on one
    // table with thousands of indexes end in the budget's error, not minutes of CPU.
    let mut s = String::new();
    for k in 0..3_000 {
        s.push_str(&format!("CREATE INDEX i{k} ON t (a{k});\n"));
    }
    for k in 0..3_000 {
        s.push_str(&format!("ALTER TABLE t DROP CONSTRAINT x{k};\n"));
    }
    let w = work(None, s.clone());
    assert!(w > 3_000 * 3_000, "the scans are counted: {w}");
    let input = ReviewSchemaInput {
        ddl: Some(s),
        ..Default::default()
    };
    assert!(matches!(
        review_with_budget(&input, 1_000_000),
        Err(DecideError::TooLarge(m)) if m.contains("work limit")
    ));
}

#[test]
fn one_column_named_across_many_distinct_tables_costs_linear() {
    // No table has `y`: each reference would scan every table; the name resolves once per scope.
    assert_linear_with_queries(
        |n| {
            let ddl: String = (0..n)
                .map(|k| format!("CREATE TABLE t{k} (id bigint PRIMARY KEY, x int);\n"))
                .collect();
            let joins: String = (1..n).map(|k| format!(" JOIN t{k} ON y = 1")).collect();
            (ddl, vec![format!("SELECT 1 FROM t0{joins}")])
        },
        400,
    );
}

#[test]
fn names_guessed_under_two_schemas_from_the_text_are_checked_against_the_parse() {
    // The comment and the view write `orders` under two schemas; only the statements count: the table
    // stays `orders` (the guess is wrong for a looked-up name, so the review runs again, exactly).
    let out = pg(
        "-- see public.orders and audit.orders\nCREATE TABLE orders (id int);\n\
         CREATE VIEW v AS SELECT audit.orders.id FROM public.orders;",
    );
    assert!(
        out.tables.iter().any(|t| t.name == "orders"),
        "{:?}",
        out.tables
    );
    // Two schemas really holding `users`: both are kept apart and shown qualified.
    let out = pg(
        "CREATE TABLE a.users (id int PRIMARY KEY);\nCREATE TABLE b.users (id int PRIMARY KEY);",
    );
    let names: Vec<&str> = out.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["a.users", "b.users"]);
}

#[test]
fn a_wrong_guess_costs_one_more_pass_not_more() {
    // The guessed-but-false second schema makes the review run twice: about twice the work of the
    // same input without the comment, and still linear.
    let body = |n: usize| -> String {
        (0..n)
            .map(|k| format!("CREATE TABLE t{k} (id bigint PRIMARY KEY);\n"))
            .collect()
    };
    let plain = work(
        None,
        format!("CREATE TABLE orders (id int);\n{}", body(500)),
    );
    let guessed = work(
        None,
        format!(
            "-- public.orders audit.orders\nCREATE TABLE orders (id int);\n{}",
            body(500)
        ),
    );
    assert!(guessed <= plain * 2 + 100, "{plain} then {guessed}");
}
