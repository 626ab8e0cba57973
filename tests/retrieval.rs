//! Retrieval quality: questions phrased the way engineers ask them (not copied headings), each with the
//! reference section that answers it. Prints recall@1, recall@3 and MRR; fails under recall@3 = 0.9.
//! Run `cargo test --test retrieval -- --nocapture` to see the per-query ranks.

use backend_engineering_mcp::content::Skill;
use backend_engineering_mcp::search::{SearchIndex, SearchRequest};

/// (question, acceptable sections as `file#anchor`; the first is the intended one).
const CASES: &[(&str, &[&str])] = &[
    (
        "my orders query filters on status and created_at, which index should I add",
        &["schema-design.md#composite-indexes-and-the-leftmost-prefix-rule"],
    ),
    (
        "does an index on (a, b, c) help a query that only filters by b",
        &["schema-design.md#composite-indexes-and-the-leftmost-prefix-rule"],
    ),
    (
        "postgres does not index foreign key columns automatically, should I",
        &["schema-design.md#indexing-foreign-keys"],
    ),
    (
        "how do I add a NOT NULL column to a big table without downtime",
        &["schema-design.md#adding-a-not-null-column-safely"],
    ),
    (
        "rename a column while old app versions are still running",
        &["schema-design.md#renaming-a-column-safely"],
    ),
    (
        "CREATE INDEX is blocking inserts on production",
        &["schema-design.md#building-indexes-without-blocking-writes"],
    ),
    (
        "should I store prices as float or decimal",
        &["schema-design.md#money-and-time-data-types"],
    ),
    (
        "uuid v7 or bigint identity for the id column",
        &["schema-design.md#choosing-primary-keys"],
    ),
    (
        "one database for many customers, keep tenants apart",
        &[
            "schema-design.md#multi-tenant-schemas",
            "schema-design.md#row-level-security",
        ],
    ),
    (
        "backfill a new column on 200 million rows in chunks",
        &["schema-design.md#batched-backfills"],
    ),
    (
        "we have one server at 40% CPU, do we need Kubernetes and more machines",
        &[
            "scalable-systems.md#scale-vertically-first",
            "scalable-systems.md#the-scaling-decision-tree",
        ],
    ),
    (
        "users read stale data right after saving because of the replica",
        &[
            "scalable-systems.md#read-your-writes-consistency",
            "scalable-systems.md#read-replicas-and-replication-lag",
        ],
    ),
    (
        "thundering herd when a popular cache key expires",
        &["scalable-systems.md#cache-invalidation-and-stampedes"],
    ),
    (
        "how to pick a shard key so one partition does not get all the traffic",
        &["scalable-systems.md#choosing-a-shard-key-and-avoiding-hot-partitions"],
    ),
    (
        "when is it worth breaking our monolith into microservices",
        &["scalable-systems.md#when-to-split-a-monolith"],
    ),
    (
        "migrate away from the legacy system piece by piece",
        &["scalable-systems.md#the-strangler-fig-migration"],
    ),
    (
        "messages that keep failing in the queue consumer",
        &["scalable-systems.md#queues-and-asynchronous-work"],
    ),
    (
        "what fields should every JSON log line have",
        &["observability.md#structured-logging"],
    ),
    (
        "keep passwords and emails out of the logs",
        &["observability.md#redacting-secrets-and-personal-data"],
    ),
    (
        "prometheus memory blew up after adding a user_id label",
        &["observability.md#metric-types-and-label-cardinality"],
    ),
    (
        "how many minutes of downtime does 99.9 percent allow per month",
        &[
            "observability.md#error-budget-arithmetic",
            "observability.md#slis-slos-and-error-budgets",
        ],
    ),
    (
        "alerting that pages on fast burn but not on a brief blip",
        &["observability.md#multiwindow-multi-burn-rate-alerts"],
    ),
    (
        "propagate the trace id between services over http",
        &[
            "observability.md#the-traceparent-header",
            "observability.md#distributed-tracing",
        ],
    ),
    (
        "keep only the slow and failed traces",
        &["observability.md#trace-sampling"],
    ),
    (
        "the API got slow, where do I start looking",
        &["performance.md#the-five-step-diagnosis-order"],
    ),
    (
        "the ORM runs one query per row in a loop",
        &[
            "performance.md#fixing-n1-queries",
            "api-design.md#the-n1-problem-and-dataloaders",
        ],
    ),
    (
        "how big should the database connection pool be",
        &["performance.md#connection-pool-sizing"],
    ),
    (
        "transaction mode in pgbouncer breaks prepared statements",
        &["performance.md#pgbouncer-pooling-modes"],
    ),
    (
        "why is page 5000 of the listing so slow with OFFSET",
        &[
            "performance.md#offset-versus-keyset-pagination-cost",
            "api-design.md#keyset-queries-behind-the-cursor",
        ],
    ),
    (
        "average latency looks fine but some users wait seconds",
        &["performance.md#percentiles-and-tail-latency"],
    ),
    (
        "load test results look too good, coordinated omission",
        &["performance.md#coordinated-omission"],
    ),
    (
        "what hashing algorithm and parameters for user passwords",
        &["security.md#password-storage"],
    ),
    (
        "users can see other customers invoices by changing the id in the URL",
        &["security.md#object-level-authorization"],
    ),
    (
        "sign requests between our internal services",
        &[
            "security.md#api-keys-and-hmac-signing",
            "security.md#authentication-between-services",
        ],
    ),
    (
        "login for a single page app with an identity provider",
        &[
            "security.md#authorization-code-flow-with-pkce",
            "security.md#authentication-for-users",
        ],
    ),
    (
        "someone committed an AWS key to the repository",
        &[
            "security.md#keeping-secrets-out-of-git",
            "security.md#secrets-management",
        ],
    ),
    (
        "server fetches a user supplied URL and could hit the metadata endpoint",
        &["security.md#server-side-request-forgery"],
    ),
    (
        "should this endpoint be REST or GraphQL or gRPC",
        &["api-design.md#choosing-an-api-style"],
    ),
    (
        "return 422 or 400 for a validation error",
        &[
            "api-design.md#status-codes",
            "api-design.md#error-responses",
        ],
    ),
    (
        "paginate a feed that changes while the client scrolls",
        &["api-design.md#pagination"],
    ),
    (
        "how should we version a public API",
        &["api-design.md#versioning"],
    ),
    (
        "tell clients when to come back after too many requests",
        &[
            "api-design.md#rate-limit-response-headers",
            "api-design.md#rate-limiting",
        ],
    ),
    (
        "notify partner systems when an order ships",
        &["api-design.md#webhooks"],
    ),
    (
        "safe to remove a field from a protobuf message",
        &["api-design.md#protobuf-evolution-rules"],
    ),
    (
        "client retries a payment POST, avoid charging twice",
        &[
            "api-design.md#idempotency-keys-on-post",
            "failure-patterns.md#idempotency-keys",
        ],
    ),
    (
        "how long to wait between retries so clients do not retry in sync",
        &["failure-patterns.md#retries-with-exponential-backoff-and-jitter"],
    ),
    (
        "stop calling a dependency that keeps failing",
        &["failure-patterns.md#circuit-breakers"],
    ),
    (
        "one slow downstream service uses up all our threads",
        &[
            "failure-patterns.md#bulkheads",
            "performance.md#slow-downstream-dependencies",
        ],
    ),
    (
        "publish an event reliably after the database commit",
        &["failure-patterns.md#the-outbox-pattern"],
    ),
    (
        "order, payment and shipping in different services need to roll back together",
        &[
            "failure-patterns.md#sagas",
            "failure-patterns.md#choreography-versus-orchestration",
        ],
    ),
    (
        "kubernetes liveness versus readiness probe",
        &["failure-patterns.md#health-checks"],
    ),
    (
        "can kafka give us exactly once",
        &["failure-patterns.md#exactly-once-delivery-is-a-myth"],
    ),
    // Written after the field weights were tuned on the questions above, as a held-out check that the
    // tuning generalizes; kept here with their misses so the number stays honest.
    (
        "index for a LIKE prefix search on email",
        &["schema-design.md#b-tree-indexes-and-selectivity"],
    ),
    (
        "should deleted rows stay in the table with a deleted_at column",
        &["schema-design.md#soft-deletes-and-audit-columns"],
    ),
    (
        "sticky sessions on the load balancer are causing uneven load",
        &[
            "scalable-systems.md#stateless-services-and-load-balancing",
            "scalable-systems.md#load-balancing-algorithms",
        ],
    ),
    (
        "cache aside versus write through",
        &["scalable-systems.md#caching-strategies"],
    ),
    (
        "messages processed twice after consumer crash",
        &[
            "failure-patterns.md#consumer-deduplication",
            "failure-patterns.md#exactly-once-delivery-is-a-myth",
        ],
    ),
    (
        "how many replicas before adding a cache",
        &[
            "scalable-systems.md#read-replicas-and-replication-lag",
            "scalable-systems.md#the-scaling-decision-tree",
        ],
    ),
    (
        "log levels which one for a failed payment",
        &["observability.md#log-levels-and-what-they-mean"],
    ),
    (
        "what is a good SLO for an internal API",
        &["observability.md#slis-slos-and-error-budgets"],
    ),
    (
        "histogram buckets for request latency",
        &[
            "observability.md#metric-types-and-label-cardinality",
            "observability.md#prometheus-naming-conventions",
            "performance.md#percentiles-and-tail-latency",
        ],
    ),
    (
        "p99 went up after deploy",
        &[
            "performance.md#the-five-step-diagnosis-order",
            "performance.md#measure-before-optimizing",
        ],
    ),
    (
        "our service keeps running out of database connections",
        &["performance.md#connection-pool-sizing"],
    ),
    (
        "GC pauses causing latency spikes",
        &["performance.md#memory-pressure-and-garbage-collection"],
    ),
    (
        "JWT or server side sessions for a web app",
        &["security.md#sessions-versus-jwts"],
    ),
    (
        "rotate database credentials without downtime",
        &["security.md#rotation"],
    ),
    (
        "CORS error from the browser calling our API",
        &["security.md#security-headers-and-cors"],
    ),
    (
        "PATCH semantics for partial update",
        &["api-design.md#put-versus-patch"],
    ),
    (
        "breaking change to a REST response field",
        &["api-design.md#compatibility-rules"],
    ),
    (
        "websocket or server sent events for live updates",
        &["api-design.md#websockets"],
    ),
    (
        "timeout for calls to a third party payment API",
        &["failure-patterns.md#timeouts-and-deadlines"],
    ),
    (
        "compensating transaction when shipping fails",
        &["failure-patterns.md#sagas"],
    ),
];

#[test]
fn recall_at_3_is_at_least_0_9() {
    let index = SearchIndex::build(Skill::get()).expect("index");
    let mut found_at_1 = 0usize;
    let mut found_at_3 = 0usize;
    let mut reciprocal_ranks = 0f64;
    let mut misses = Vec::new();
    for (question, expected) in CASES {
        let response = index
            .search(&SearchRequest {
                query: question.to_string(),
                limit: Some(10),
                reference: None,
                max_tokens: Some(1),
            })
            .expect("search");
        let uris: Vec<String> = response
            .hits
            .iter()
            .map(|h| {
                h.uri
                    .trim_start_matches("skill://backend-engineering/references/")
                    .to_string()
            })
            .collect();
        let rank = uris
            .iter()
            .position(|u| expected.contains(&u.as_str()))
            .map(|i| i + 1);
        match rank {
            Some(r) => {
                reciprocal_ranks += 1.0 / r as f64;
                if r == 1 {
                    found_at_1 += 1;
                }
                if r <= 3 {
                    found_at_3 += 1;
                } else {
                    misses.push(format!(
                        "rank {r}: {question:?} -> top: {:?}",
                        &uris[..3.min(uris.len())]
                    ));
                }
            }
            None => misses.push(format!(
                "not in top 10: {question:?} -> top: {:?}",
                &uris[..3.min(uris.len())]
            )),
        }
        println!(
            "{:>4}  {question}",
            rank.map_or("-".to_string(), |r| r.to_string())
        );
    }
    let n = CASES.len() as f64;
    let recall_1 = found_at_1 as f64 / n;
    let recall_3 = found_at_3 as f64 / n;
    let mrr = reciprocal_ranks / n;
    println!(
        "queries: {}  recall@1: {recall_1:.3}  recall@3: {recall_3:.3}  MRR: {mrr:.3}",
        CASES.len()
    );
    for miss in &misses {
        println!("miss  {miss}");
    }
    assert!(CASES.len() >= 30);
    assert!(
        recall_3 >= 0.9,
        "recall@3 = {recall_3:.3} < 0.9; misses:\n{}",
        misses.join("\n")
    );
}

#[test]
fn every_expected_section_exists() {
    let skill = Skill::get();
    for (question, expected) in CASES {
        for target in *expected {
            let uri = format!("skill://backend-engineering/references/{target}");
            assert!(
                skill.resolve_uri(&uri).is_some_and(|(_, s)| s.is_some()),
                "{question}: {target} does not exist"
            );
        }
    }
}
