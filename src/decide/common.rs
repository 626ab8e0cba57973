//! Types shared by every decision tool: errors, citations of reference sections, guided questions.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Why a decision tool could not answer. Every message is written for the caller (a model or a person)
/// to act on: it names the field and what would be accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecideError {
    /// An argument is present but unusable (out of range, contradictory, unparsable).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The input is larger than the tool accepts.
    #[error("input too large: {0}")]
    TooLarge(String),
}

/// The scheme and skill prefix of every reference URI.
pub const REFERENCE_URI_PREFIX: &str = "skill://backend-engineering/references/";

/// Every reference section a decision tool may cite, as (file, anchor). A test checks that each one
/// resolves in the embedded references, and [`reference_uri`] refuses (in debug builds, so in every
/// test run) to build a URI outside this list: together they make every emitted URI resolvable.
pub const CITABLE_SECTIONS: &[(&str, &str)] = &[
    ("schema-design.md", "design-from-access-patterns"),
    ("schema-design.md", "normalization-and-when-to-denormalize"),
    ("schema-design.md", "choosing-primary-keys"),
    ("schema-design.md", "money-and-time-data-types"),
    (
        "schema-design.md",
        "composite-indexes-and-the-leftmost-prefix-rule",
    ),
    (
        "schema-design.md",
        "covering-partial-and-expression-indexes",
    ),
    ("schema-design.md", "redundant-indexes-and-write-cost"),
    ("schema-design.md", "indexing-foreign-keys"),
    ("schema-design.md", "reading-explain-output"),
    ("schema-design.md", "expand-contract-migrations"),
    ("schema-design.md", "renaming-a-column-safely"),
    ("schema-design.md", "adding-a-not-null-column-safely"),
    (
        "schema-design.md",
        "building-indexes-without-blocking-writes",
    ),
    ("schema-design.md", "destructive-changes-and-rollback-plans"),
    ("schema-design.md", "multi-tenant-schemas"),
    ("scalable-systems.md", "scale-vertically-first"),
    (
        "scalable-systems.md",
        "stateless-services-and-load-balancing",
    ),
    ("scalable-systems.md", "read-replicas-and-replication-lag"),
    ("scalable-systems.md", "caching-strategies"),
    ("scalable-systems.md", "cache-invalidation-and-stampedes"),
    ("scalable-systems.md", "sharding-and-partitioning"),
    ("scalable-systems.md", "queues-and-asynchronous-work"),
    ("scalable-systems.md", "when-to-split-a-monolith"),
    ("scalable-systems.md", "splitting-by-business-domain"),
    ("scalable-systems.md", "the-strangler-fig-migration"),
    ("scalable-systems.md", "cap-and-pacelc"),
    ("failure-patterns.md", "timeouts-and-deadlines"),
    (
        "failure-patterns.md",
        "retries-with-exponential-backoff-and-jitter",
    ),
    ("failure-patterns.md", "what-is-safe-to-retry"),
    ("failure-patterns.md", "retry-budgets"),
    ("failure-patterns.md", "circuit-breakers"),
    ("failure-patterns.md", "bulkheads"),
    ("failure-patterns.md", "load-shedding-and-backpressure"),
    ("failure-patterns.md", "idempotency-keys"),
    ("failure-patterns.md", "graceful-degradation"),
    ("failure-patterns.md", "choosing-a-consistency-pattern"),
    ("failure-patterns.md", "acid-transactions-in-one-database"),
    ("failure-patterns.md", "the-outbox-pattern"),
    ("failure-patterns.md", "consumer-deduplication"),
    ("failure-patterns.md", "sagas"),
    ("failure-patterns.md", "choreography-versus-orchestration"),
    ("failure-patterns.md", "exactly-once-delivery-is-a-myth"),
    ("failure-patterns.md", "health-checks"),
    ("failure-patterns.md", "chaos-and-fault-injection"),
    ("observability.md", "the-three-pillars-and-correlation"),
    ("observability.md", "structured-logging"),
    ("observability.md", "redacting-secrets-and-personal-data"),
    ("observability.md", "red-and-use-metrics"),
    ("observability.md", "metric-types-and-label-cardinality"),
    ("observability.md", "distributed-tracing"),
    ("observability.md", "trace-sampling"),
    ("observability.md", "slis-slos-and-error-budgets"),
    ("observability.md", "error-budget-arithmetic"),
    ("observability.md", "multiwindow-multi-burn-rate-alerts"),
    ("observability.md", "paging-versus-tickets"),
    ("observability.md", "runbooks"),
    ("observability.md", "dashboards"),
    ("performance.md", "measure-before-optimizing"),
    ("performance.md", "percentiles-and-tail-latency"),
    ("performance.md", "littles-law"),
    ("performance.md", "the-five-step-diagnosis-order"),
    ("performance.md", "finding-slow-queries"),
    ("performance.md", "reading-query-plans"),
    ("performance.md", "fixing-n1-queries"),
    ("performance.md", "offset-versus-keyset-pagination-cost"),
    ("performance.md", "connection-pool-sizing"),
    ("performance.md", "pgbouncer-pooling-modes"),
    ("performance.md", "slow-downstream-dependencies"),
    ("performance.md", "caching-hot-reads"),
    ("performance.md", "profiling-cpu-and-memory"),
    ("performance.md", "load-testing"),
    ("performance.md", "latency-budgets"),
    ("security.md", "the-minimum-security-checklist"),
    ("security.md", "authentication-for-users"),
    ("security.md", "authentication-between-services"),
    ("security.md", "sessions-versus-jwts"),
    ("security.md", "password-storage"),
    ("security.md", "api-keys-and-hmac-signing"),
    ("security.md", "authorization-in-middleware"),
    ("security.md", "object-level-authorization"),
    ("security.md", "input-validation"),
    ("security.md", "parameterized-sql"),
    ("security.md", "server-side-request-forgery"),
    ("security.md", "secrets-management"),
    ("security.md", "transport-security"),
    ("security.md", "encryption-at-rest"),
    ("security.md", "security-headers-and-cors"),
    ("security.md", "security-logging"),
    ("api-design.md", "choosing-an-api-style"),
    ("api-design.md", "design-from-the-consumer-inward"),
    ("api-design.md", "rest-resources-and-methods"),
    ("api-design.md", "status-codes"),
    ("api-design.md", "put-versus-patch"),
    ("api-design.md", "error-responses"),
    ("api-design.md", "graphql"),
    ("api-design.md", "grpc"),
    ("api-design.md", "websockets"),
    ("api-design.md", "webhooks"),
    ("api-design.md", "pagination"),
    ("api-design.md", "versioning"),
    ("api-design.md", "rate-limiting"),
    ("api-design.md", "compatibility-rules"),
    ("api-design.md", "idempotency-keys-on-post"),
    ("api-design.md", "openapi-contracts"),
];

/// A URI naming one section of one reference document, e.g.
/// `skill://backend-engineering/references/schema-design.md#indexing-foreign-keys`.
pub fn reference_uri(file: &str, anchor: &str) -> String {
    debug_assert!(
        CITABLE_SECTIONS.contains(&(file, anchor)),
        "{file}#{anchor} is not in CITABLE_SECTIONS"
    );
    format!("{REFERENCE_URI_PREFIX}{file}#{anchor}")
}

/// Whether `uri` is exactly [`REFERENCE_URI_PREFIX`] + file + `#` + anchor for an entry of
/// [`CITABLE_SECTIONS`]: the check every tool's tests apply to the URIs the tool emits.
pub fn is_citable(uri: &str) -> bool {
    uri.strip_prefix(REFERENCE_URI_PREFIX)
        .and_then(|rest| rest.split_once('#'))
        .is_some_and(|(file, anchor)| CITABLE_SECTIONS.contains(&(file, anchor)))
}

/// A titled bullet list in a decision tool's text report; nothing when the list is empty.
pub fn write_list(
    f: &mut std::fmt::Formatter<'_>,
    title: &str,
    items: &[String],
) -> std::fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(f, "\n{title}:")?;
    for item in items {
        writeln!(f, "  - {item}")?;
    }
    Ok(())
}

/// The closing block of every decision tool's text report: the sections to read next.
pub fn write_read_next(f: &mut std::fmt::Formatter<'_>, references: &[String]) -> std::fmt::Result {
    write_list(f, "Read next", references)
}

/// The next question of a guided interview: asked when a decision needs an answer the caller did not give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NextQuestion {
    /// The input field that answers the question.
    pub field: String,
    /// The question, in the skill's terms.
    pub question: String,
    /// The accepted answers for `field`.
    pub options: Vec<String>,
    /// How to decide the answer from evidence (metrics to look at, thresholds).
    pub how_to_tell: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_citable_accepts_listed_sections_only() {
        for (file, anchor) in CITABLE_SECTIONS {
            assert!(is_citable(&reference_uri(file, anchor)), "{file}#{anchor}");
        }
        assert!(is_citable(
            "skill://backend-engineering/references/schema-design.md#indexing-foreign-keys"
        ));
        // An anchor that is not listed, even in a listed file.
        assert!(!is_citable(
            "skill://backend-engineering/references/schema-design.md#no-such-section"
        ));
        // A listed anchor under the wrong file.
        assert!(!is_citable(
            "skill://backend-engineering/references/security.md#indexing-foreign-keys"
        ));
        // No `#` between file and anchor.
        assert!(!is_citable(
            "skill://backend-engineering/references/schema-design.mdindexing-foreign-keys"
        ));
        assert!(!is_citable(
            "skill://backend-engineering/references/schema-design.md"
        ));
        // Wrong prefix, or none.
        assert!(!is_citable(
            "skill://other-skill/references/schema-design.md#indexing-foreign-keys"
        ));
        assert!(!is_citable("schema-design.md#indexing-foreign-keys"));
        assert!(!is_citable(""));
    }
}
