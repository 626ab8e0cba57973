//! `plan_retries`: whether a failed call may be retried, the backoff schedule (exponential, full
//! jitter, as ranges so the answer is deterministic), the worst case against the caller's deadline,
//! the timeout, circuit-breaker settings and idempotency-key advice.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{DecideError, reference_uri};

/// Human title of the tool.
pub const TITLE: &str = "Plan retries for a failed call";

/// When to call the tool and what it returns.
pub const DESCRIPTION: &str = "Plan retries for a failed call: whether to retry, the exponential \
backoff with full jitter, the worst case against the deadline, the timeout, circuit breaker and \
idempotency key. Give the failure and whether the operation is idempotent.";

/// Retries when `max_retries` is absent.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Highest accepted `max_retries`.
pub const MAX_RETRIES_LIMIT: u32 = 10;
/// The skill caps retries at 3-5; above this the tool warns.
pub const SKILL_RETRY_CAP: u32 = 5;
/// Base delay when `base_delay_ms` is absent.
pub const DEFAULT_BASE_DELAY_MS: u64 = 100;
/// Cap of one delay when `max_delay_ms` is absent: long enough to ride out a brief blip, short enough
/// that a caller is not left waiting minutes.
pub const DEFAULT_MAX_DELAY_MS: u64 = 20_000;
/// Largest accepted `base_delay_ms` and `max_delay_ms` (10 minutes).
pub const MAX_DELAY_LIMIT_MS: u64 = 600_000;
/// Largest accepted `deadline_ms` and `retry_after_ms` (24 hours).
pub const MAX_DEADLINE_MS: u64 = 86_400_000;
/// Largest accepted `per_attempt_timeout_ms` (1 hour).
pub const MAX_ATTEMPT_TIMEOUT_MS: u64 = 3_600_000;

/// Circuit breaker: open when at least this share of calls in the window failed.
pub const BREAKER_FAILURE_RATE_PERCENT: u32 = 50;
/// Circuit breaker: rolling window over which the failure rate is measured.
pub const BREAKER_WINDOW_SECONDS: u32 = 10;
/// Circuit breaker: no verdict on the failure rate below this many calls in the window.
pub const BREAKER_MIN_REQUESTS: u32 = 20;
/// Circuit breaker: or open after this many consecutive failures.
pub const BREAKER_CONSECUTIVE_FAILURES: u32 = 5;
/// Circuit breaker: how long it stays open before letting probes through.
pub const BREAKER_OPEN_SECONDS: u32 = 30;
/// Circuit breaker: probe calls allowed while half-open.
pub const BREAKER_HALF_OPEN_PROBES: u32 = 3;
/// How long a server keeps an idempotency key and its first response.
pub const IDEMPOTENCY_KEY_TTL_HOURS: u32 = 24;
/// The key scope the advice states, word for word as in failure-patterns.md#idempotency-keys and
/// api-design.md#idempotency-keys-on-post (Stripe's rule; tests/content.rs holds the three together).
pub const IDEMPOTENCY_KEY_SCOPE: &str = "scoped per account, and a key reused with different \
parameters (another endpoint or body) is rejected with 422";

/// What went wrong with the call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum FailureKind {
    /// No response within the timeout: the request may or may not have been applied.
    #[default]
    #[serde(rename = "timeout")]
    Timeout,
    /// Connection refused, reset or dropped: if the request was sent, it may have been applied.
    #[serde(rename = "connection_error")]
    ConnectionError,
    /// 429 Too Many Requests: rate limited; honour Retry-After.
    #[serde(rename = "http_429")]
    Http429,
    /// 500 Internal Server Error: ambiguous, often a bug that fails the same way again.
    #[serde(rename = "http_500")]
    Http500,
    /// 502 Bad Gateway: a proxy got a bad answer from upstream.
    #[serde(rename = "http_502")]
    Http502,
    /// 503 Service Unavailable: overloaded or down for maintenance; honour Retry-After.
    #[serde(rename = "http_503")]
    Http503,
    /// 504 Gateway Timeout: a proxy timed out waiting for upstream.
    #[serde(rename = "http_504")]
    Http504,
    /// Any other 4xx (400, 401, 403, 404, 409, 422...): the request itself is wrong.
    #[serde(rename = "http_4xx")]
    Http4xx,
}

impl FailureKind {
    /// The identifier used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Timeout => "timeout",
            FailureKind::ConnectionError => "connection_error",
            FailureKind::Http429 => "http_429",
            FailureKind::Http500 => "http_500",
            FailureKind::Http502 => "http_502",
            FailureKind::Http503 => "http_503",
            FailureKind::Http504 => "http_504",
            FailureKind::Http4xx => "http_4xx",
        }
    }

    /// Whether the server may carry a Retry-After header with this failure.
    fn has_retry_after(self) -> bool {
        matches!(self, FailureKind::Http429 | FailureKind::Http503)
    }
}

/// The failed call to plan retries for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRetriesInput {
    /// Does doing it twice equal doing it once (GET, PUT, DELETE; not a POST that creates or
    /// charges)?
    pub idempotent: bool,
    /// Does the call carry an idempotency key the server dedupes on?
    #[serde(default)]
    pub has_idempotency_key: bool,
    /// What failed; http_4xx is any other 4xx.
    pub failure: FailureKind,
    /// Retries after the first attempt. Default 3.
    #[serde(default)]
    #[schemars(range(max = 10))]
    pub max_retries: Option<u32>,
    /// Backoff base, ms. Default 100.
    #[serde(default)]
    pub base_delay_ms: Option<u64>,
    /// Cap on one delay, ms. Default 20000.
    #[serde(default)]
    pub max_delay_ms: Option<u64>,
    /// The caller's own deadline.
    #[serde(default)]
    pub deadline_ms: Option<u64>,
    /// Retry-After of a 429 or 503.
    #[serde(default)]
    pub retry_after_ms: Option<u64>,
    #[serde(default)]
    pub per_attempt_timeout_ms: Option<u64>,
}

/// One retry of the schedule. Delays are ranges: draw uniformly between min and max at run time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RetryStep {
    /// Retry number, from 1 (retry n is attempt n + 1).
    pub retry: u32,
    /// Lower end of the delay range: 0 with full jitter, or the Retry-After.
    pub min_delay_ms: u64,
    /// Upper end (cap) of the delay range: min(max_delay_ms, base_delay_ms * 2^(retry-1)), plus the
    /// Retry-After when there is one.
    pub max_delay_ms: u64,
    /// Worst-case time from the start of the original call to the end of this attempt: all maximum
    /// delays so far plus every attempt's timeout when `per_attempt_timeout_ms` is given.
    pub cumulative_worst_case_ms: u64,
}

/// Where the per-attempt timeout came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeoutSource {
    /// The caller gave `per_attempt_timeout_ms`.
    Given,
    /// Derived from `deadline_ms`: what is left after the delays, shared by the attempts.
    DerivedFromDeadline,
    /// Neither given nor derivable: set one.
    NotSet,
}

/// The timeout to set on each attempt.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TimeoutAdvice {
    /// The per-attempt timeout in milliseconds, when given or derivable.
    pub per_attempt_timeout_ms: Option<u64>,
    /// `given`, `derived_from_deadline` or `not_set`.
    pub source: TimeoutSource,
    /// How to set and propagate it.
    pub advice: Vec<String>,
}

/// Circuit-breaker settings for calls to this dependency.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CircuitBreakerAdvice {
    /// Open when at least this percentage of calls in the window failed...
    pub failure_rate_threshold_percent: u32,
    /// ...over a rolling window of this many seconds...
    pub window_seconds: u32,
    /// ...with at least this many calls in the window.
    pub minimum_requests: u32,
    /// Or open after this many consecutive failures.
    pub consecutive_failures: u32,
    /// Stay open (fail fast, no calls) this long before probing.
    pub open_seconds: u32,
    /// Calls let through while half-open to test recovery (1 to 3).
    pub half_open_probes: u32,
    /// Which outcomes count as failures.
    pub counts_as_failure: Vec<String>,
}

/// How to make retries of this call safe.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct IdempotencyAdvice {
    /// Whether the call needs an idempotency key for retries to be safe (it is not idempotent).
    pub key_required: bool,
    /// Whether the call already has what it needs.
    pub satisfied: bool,
    /// How to implement keys, client and server side.
    pub steps: Vec<String>,
}

/// Whether and how to retry.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PlanRetriesOutput {
    /// The failure, as given.
    pub failure: FailureKind,
    /// Whether to retry this failure at all.
    pub should_retry: bool,
    /// The rules applied, in the skill's terms.
    pub why: Vec<String>,
    /// The backoff formula used, when retrying.
    pub backoff: Option<String>,
    /// The retries planned, with delay ranges; empty when `should_retry` is false.
    pub schedule: Vec<RetryStep>,
    /// Worst-case time for all attempts: the sum of maximum delays, plus every attempt's timeout when
    /// `per_attempt_timeout_ms` is given (otherwise the attempts' own durations are not included).
    pub worst_case_total_ms: u64,
    /// Whether the worst case fits `deadline_ms`; absent without a deadline.
    pub fits_deadline: Option<bool>,
    /// When a deadline is given: how many retries fit inside it in the worst case.
    pub retries_that_fit: Option<u32>,
    /// The timeout to set on each attempt.
    pub timeout: TimeoutAdvice,
    /// Circuit-breaker settings for this dependency.
    pub circuit_breaker: CircuitBreakerAdvice,
    /// Idempotency-key advice.
    pub idempotency: IdempotencyAdvice,
    /// Things to fix or watch.
    pub warnings: Vec<String>,
    /// Reference sections to read next.
    pub references: Vec<String>,
}

struct Settings {
    max_retries: u32,
    base: u64,
    cap: u64,
    retry_after: Option<u64>,
}

fn invalid(msg: String) -> DecideError {
    DecideError::InvalidInput(msg)
}

fn check_range(field: &str, v: Option<u64>, lo: u64, hi: u64) -> Result<(), DecideError> {
    match v {
        Some(x) if !(lo..=hi).contains(&x) => Err(invalid(format!(
            "{field}: {x} is out of range; accepted {lo} to {hi}"
        ))),
        _ => Ok(()),
    }
}

fn validate(input: &PlanRetriesInput) -> Result<(), DecideError> {
    let retries = input.max_retries.unwrap_or(DEFAULT_MAX_RETRIES);
    if retries > MAX_RETRIES_LIMIT {
        return Err(invalid(format!(
            "max_retries: {retries} is out of range; accepted 0 to {MAX_RETRIES_LIMIT} (the skill caps \
             retries at 3-5)"
        )));
    }
    check_range("base_delay_ms", input.base_delay_ms, 1, MAX_DELAY_LIMIT_MS)?;
    check_range("max_delay_ms", input.max_delay_ms, 1, MAX_DELAY_LIMIT_MS)?;
    check_range("deadline_ms", input.deadline_ms, 1, MAX_DEADLINE_MS)?;
    check_range("retry_after_ms", input.retry_after_ms, 0, MAX_DEADLINE_MS)?;
    check_range(
        "per_attempt_timeout_ms",
        input.per_attempt_timeout_ms,
        1,
        MAX_ATTEMPT_TIMEOUT_MS,
    )?;
    let base = input.base_delay_ms.unwrap_or(DEFAULT_BASE_DELAY_MS);
    let cap = input.max_delay_ms.unwrap_or(DEFAULT_MAX_DELAY_MS);
    if cap < base {
        return Err(invalid(format!(
            "max_delay_ms: {cap} is below base_delay_ms {base}; the cap must be at least the base delay"
        )));
    }
    Ok(())
}

/// The upper end of the delay range before retry `retry` (1-based, at most 10).
fn delay_cap(s: &Settings, retry: u32) -> u64 {
    let factor = 1u64
        .checked_shl(retry.saturating_sub(1))
        .unwrap_or(u64::MAX);
    let exp = s.base.saturating_mul(factor).min(s.cap);
    // With a Retry-After the jitter goes on top of it: clients told the same Retry-After must not
    // all come back at the same instant.
    match s.retry_after {
        Some(ra) => ra.saturating_add(exp),
        None => exp,
    }
}

fn build_schedule(s: &Settings, timeout: Option<u64>) -> Vec<RetryStep> {
    let mut elapsed = timeout.unwrap_or(0);
    (1..=s.max_retries)
        .map(|retry| {
            let min = s.retry_after.unwrap_or(0);
            let max = delay_cap(s, retry);
            elapsed = elapsed
                .saturating_add(max)
                .saturating_add(timeout.unwrap_or(0));
            RetryStep {
                retry,
                min_delay_ms: min,
                max_delay_ms: max,
                cumulative_worst_case_ms: elapsed,
            }
        })
        .collect()
}

/// Worst case with `retries` retries: every attempt's timeout plus every maximum delay.
fn worst_case(s: &Settings, retries: u32, timeout: Option<u64>) -> u64 {
    let delays = (1..=retries).fold(0u64, |acc, r| acc.saturating_add(delay_cap(s, r)));
    let attempts = u64::from(retries).saturating_add(1);
    delays.saturating_add(attempts.saturating_mul(timeout.unwrap_or(0)))
}

/// The reference sections cited for this input and answer.
fn references(input: &PlanRetriesInput, should_retry: bool, timeout_set: bool) -> Vec<String> {
    let mut refs = vec![reference_uri(
        "failure-patterns.md",
        "what-is-safe-to-retry",
    )];
    if should_retry {
        refs.push(reference_uri(
            "failure-patterns.md",
            "retries-with-exponential-backoff-and-jitter",
        ));
    }
    if !timeout_set {
        refs.push(reference_uri(
            "failure-patterns.md",
            "timeouts-and-deadlines",
        ));
    }
    if !input.idempotent {
        refs.push(reference_uri("failure-patterns.md", "idempotency-keys"));
    }
    if input.failure.has_retry_after() {
        refs.push(reference_uri("api-design.md", "rate-limiting"));
    }
    refs
}

fn circuit_breaker() -> CircuitBreakerAdvice {
    CircuitBreakerAdvice {
        failure_rate_threshold_percent: BREAKER_FAILURE_RATE_PERCENT,
        window_seconds: BREAKER_WINDOW_SECONDS,
        minimum_requests: BREAKER_MIN_REQUESTS,
        consecutive_failures: BREAKER_CONSECUTIVE_FAILURES,
        open_seconds: BREAKER_OPEN_SECONDS,
        half_open_probes: BREAKER_HALF_OPEN_PROBES,
        counts_as_failure: vec![
            "timeouts and connection errors".into(),
            "500, 502, 503, 504".into(),
            "429 only when it is the dependency's capacity, not your quota".into(),
        ],
    }
}

fn idempotency(input: &PlanRetriesInput) -> IdempotencyAdvice {
    let key_required = !input.idempotent;
    let satisfied = input.idempotent || input.has_idempotency_key;
    let mut steps = Vec::new();
    if input.idempotent {
        steps.push(
            "The operation is idempotent, so a retry is safe as it is; keep it that way (no hidden \
             counters or appends behind a PUT or DELETE)."
                .to_string(),
        );
    } else if input.has_idempotency_key {
        steps.push(
            "Reuse the SAME key on every retry of this operation; a new key per attempt makes the \
             duplicate look like a new request."
                .to_string(),
        );
    } else {
        steps.push(
            "Add an idempotency key before retrying this call: every mutating operation should accept \
             one so that duplicates produce the same result."
                .to_string(),
        );
    }
    if !input.idempotent {
        steps.push(format!(
            "Client: one random UUID per logical operation in the `Idempotency-Key` header, reused on \
             every retry. Server: keys {IDEMPOTENCY_KEY_SCOPE}; store the key, a fingerprint of the \
             request and the first response for {IDEMPOTENCY_KEY_TTL_HOURS}h in the side effect's \
             transaction, replay it on a repeat, answer 409 while the first is in flight."
        ));
    }
    IdempotencyAdvice {
        key_required,
        satisfied,
        steps,
    }
}

/// Decide whether and how to retry a failed call.
pub fn plan_retries(input: &PlanRetriesInput) -> Result<PlanRetriesOutput, DecideError> {
    validate(input)?;
    let failure = input.failure;
    let mut warnings = Vec::new();
    let mut why = Vec::new();

    let retry_after = match input.retry_after_ms {
        Some(ra) if failure.has_retry_after() => Some(ra),
        Some(_) => {
            warnings.push(format!(
                "retry_after_ms is ignored for {}: only 429 and 503 responses carry a Retry-After to \
                 honour.",
                failure.as_str()
            ));
            None
        }
        None => None,
    };
    let settings = Settings {
        max_retries: input.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
        base: input.base_delay_ms.unwrap_or(DEFAULT_BASE_DELAY_MS),
        cap: input.max_delay_ms.unwrap_or(DEFAULT_MAX_DELAY_MS),
        retry_after,
    };
    if settings.max_retries > SKILL_RETRY_CAP {
        warnings.push(format!(
            "max_retries {} is above the skill's cap of 3-5: each extra retry adds load to a dependency \
             that is already failing, and retries at several layers multiply (3 retries at each of 3 \
             layers is 64 calls).",
            settings.max_retries
        ));
    }

    // 1. Is the failure transient at all?
    let transient = match failure {
        FailureKind::Http4xx => {
            why.push(
                "A 4xx other than 429 means the request itself is wrong (bad input, auth, not found, \
                 conflict): the same request fails the same way every time. Never retry it; fix the \
                 request."
                    .to_string(),
            );
            false
        }
        FailureKind::Http500 => {
            why.push(
                "A 500 is ambiguous: it may be a transient fault or a bug that fails the same way on \
                 every attempt. Retry it only when the call is safe to repeat, and watch whether \
                 retries ever succeed."
                    .to_string(),
            );
            warnings.push(
                "Retrying 500s: if the error is a deterministic bug, every retry fails too and only \
                 adds load; alert on the 500s themselves."
                    .to_string(),
            );
            true
        }
        FailureKind::Http429 | FailureKind::Http503 => {
            why.push(format!(
                "{} is transient: the server is shedding load or rate limiting and asks the client to \
                 come back later.",
                failure.as_str()
            ));
            true
        }
        FailureKind::Timeout
        | FailureKind::ConnectionError
        | FailureKind::Http502
        | FailureKind::Http504 => {
            why.push(format!(
                "{} is a transient failure (a network blip, a restarting or overloaded upstream): a \
                 later attempt may succeed.",
                failure.as_str()
            ));
            true
        }
    };

    // 2. Is repeating the call safe?
    let safe = input.idempotent || input.has_idempotency_key;
    if transient && !safe {
        let detail = match failure {
            FailureKind::Http429 | FailureKind::Http503 => {
                "the server most likely refused it before doing any work, but nothing proves it"
            }
            FailureKind::Http500 => "the server may have applied part or all of it before failing",
            _ => {
                "the request may have reached the server and been applied; only the answer was lost"
            }
        };
        why.push(format!(
            "The call is not idempotent and has no idempotency key, and {detail}: a retry could apply \
             it twice (a double charge, a duplicate order). Never retry a non-idempotent call without \
             an idempotency key; add one, or read back the outcome before trying again."
        ));
    } else if transient && input.idempotent {
        why.push("The call is idempotent, so repeating it is safe.".to_string());
    } else if transient {
        why.push(
            "The call is not idempotent but carries an idempotency key: the server deduplicates \
             repeats, so a retry with the same key is safe."
                .to_string(),
        );
    }
    let retryable = transient && safe;

    // 3. Timeout and deadline.
    let retries_that_fit = input.deadline_ms.map(|deadline| {
        (0..=settings.max_retries)
            .rev()
            .find(|&k| worst_case(&settings, k, input.per_attempt_timeout_ms) <= deadline)
            .unwrap_or(0)
    });

    let mut should_retry = retryable;
    if retryable && settings.max_retries == 0 {
        should_retry = false;
        why.push("Retrying would be safe, but max_retries is 0.".to_string());
    }
    if should_retry
        && let (Some(ra), Some(deadline)) = (retry_after, input.deadline_ms)
        && ra >= deadline
    {
        should_retry = false;
        why.push(format!(
            "The server asks to wait {ra} ms (Retry-After) but the caller's deadline is {deadline} ms: \
             a retry would land after the caller gave up. Fail fast and surface the error."
        ));
    }
    if should_retry && retries_that_fit == Some(0) {
        should_retry = false;
        why.push(
            "Not even one retry fits the caller's deadline in the worst case: fail fast instead of \
             retrying past it."
                .to_string(),
        );
    }
    if let (Some(ra), true) = (retry_after, should_retry)
        && ra > settings.cap
    {
        warnings.push(format!(
            "Retry-After ({ra} ms) is longer than max_delay_ms ({} ms): honour it anyway; the delay is \
             at least the Retry-After.",
            settings.cap
        ));
    }
    if should_retry && failure.has_retry_after() && retry_after.is_none() {
        why.push(
            "If the response carries a Retry-After header, wait at least that long before the next \
             attempt (it overrides a shorter backoff)."
                .to_string(),
        );
    }

    let (schedule, worst_case_total_ms) = if should_retry {
        let schedule = build_schedule(&settings, input.per_attempt_timeout_ms);
        let worst = worst_case(
            &settings,
            settings.max_retries,
            input.per_attempt_timeout_ms,
        );
        (schedule, worst)
    } else {
        (
            Vec::new(),
            worst_case(&settings, 0, input.per_attempt_timeout_ms),
        )
    };
    let fits_deadline = input.deadline_ms.map(|d| worst_case_total_ms <= d);
    if should_retry {
        why.push(
            "Full jitter keeps clients that failed together from retrying together; retry at one \
             layer only, within a retry budget (about 10% of requests)."
                .to_string(),
        );
        if fits_deadline == Some(false)
            && let Some(fit) = retries_that_fit
        {
            warnings.push(format!(
                "The worst case ({worst_case_total_ms} ms) exceeds the deadline ({} ms): only {fit} \
                 retr{} fit; lower max_retries to {fit} or shorten the delays.",
                input.deadline_ms.unwrap_or(0),
                if fit == 1 { "y" } else { "ies" }
            ));
        }
    }
    if input.deadline_ms.is_none() && should_retry {
        warnings.push(
            "deadline_ms not given: the worst case is not checked against the caller's timeout."
                .to_string(),
        );
    }

    let timeout = timeout_advice(
        input,
        &settings,
        should_retry,
        retries_that_fit,
        &mut warnings,
    );

    let timeout_set = timeout.per_attempt_timeout_ms.is_some();
    Ok(PlanRetriesOutput {
        failure,
        should_retry,
        why,
        backoff: should_retry.then(|| {
            format!(
                "full jitter: delay before retry n = random(0, min({}, {} * 2^(n-1))) ms{}",
                settings.cap,
                settings.base,
                match retry_after {
                    Some(ra) => format!(", added to the Retry-After ({ra} ms)"),
                    None => String::new(),
                }
            )
        }),
        schedule,
        worst_case_total_ms,
        fits_deadline,
        retries_that_fit,
        timeout,
        circuit_breaker: circuit_breaker(),
        idempotency: idempotency(input),
        warnings,
        references: references(input, should_retry, timeout_set),
    })
}

fn timeout_advice(
    input: &PlanRetriesInput,
    s: &Settings,
    should_retry: bool,
    retries_that_fit: Option<u32>,
    warnings: &mut Vec<String>,
) -> TimeoutAdvice {
    let mut advice = Vec::new();
    if let Some(t) = input.per_attempt_timeout_ms {
        if let Some(d) = input.deadline_ms
            && t > d
        {
            warnings.push(format!(
                "per_attempt_timeout_ms ({t}) is longer than deadline_ms ({d}): the caller gives up \
                 before one attempt times out; make the attempt timeout shorter than the deadline."
            ));
        }
        return TimeoutAdvice {
            per_attempt_timeout_ms: Some(t),
            source: TimeoutSource::Given,
            advice,
        };
    }
    if let Some(deadline) = input.deadline_ms {
        let retries = if should_retry {
            retries_that_fit.unwrap_or(s.max_retries)
        } else {
            0
        };
        let delays = worst_case(s, retries, None);
        let attempts = u64::from(retries).saturating_add(1);
        let left = deadline.saturating_sub(delays);
        let per_attempt = left / attempts;
        if per_attempt > 0 {
            advice.push(format!(
                "({deadline} ms deadline - {delays} ms of delays) / {attempts} attempt{}; if the \
                 dependency's p99 is above that, plan fewer retries, not a longer timeout.",
                if attempts == 1 { "" } else { "s" }
            ));
            return TimeoutAdvice {
                per_attempt_timeout_ms: Some(per_attempt),
                source: TimeoutSource::DerivedFromDeadline,
                advice,
            };
        }
        warnings.push(format!(
            "The maximum delays alone ({delays} ms) use up the {deadline} ms deadline: no time is left \
             for the attempts; use fewer retries or shorter delays."
        ));
    } else {
        advice.push(
            "No timeout given: set one a little above the dependency's p99 (a call without one can \
             hold a thread and a connection forever), and a deadline for the whole operation, passed \
             downstream."
                .to_string(),
        );
    }
    TimeoutAdvice {
        per_attempt_timeout_ms: None,
        source: TimeoutSource::NotSet,
        advice,
    }
}

impl fmt::Display for PlanRetriesOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Failure: {} -> {}",
            self.failure.as_str(),
            if self.should_retry {
                "RETRY"
            } else {
                "DO NOT RETRY"
            }
        )?;
        for w in &self.why {
            writeln!(f, "- {w}")?;
        }
        if let Some(backoff) = &self.backoff {
            writeln!(f, "\nBackoff: {backoff}")?;
        }
        if !self.schedule.is_empty() {
            writeln!(f, "retry  delay (ms)       worst case so far (ms)")?;
            for s in &self.schedule {
                writeln!(
                    f,
                    "{:>5}  {:>5} - {:<8}  {:>6}",
                    s.retry, s.min_delay_ms, s.max_delay_ms, s.cumulative_worst_case_ms
                )?;
            }
        }
        write!(f, "Worst case total: {} ms", self.worst_case_total_ms)?;
        if self.schedule.is_empty() {
            write!(f, " (one attempt, no retries)")?;
        }
        match self.fits_deadline {
            Some(true) => writeln!(f, " (fits the deadline)")?,
            Some(false) => writeln!(
                f,
                " (EXCEEDS the deadline; {} retries fit)",
                self.retries_that_fit.unwrap_or(0)
            )?,
            None => writeln!(f)?,
        }
        match self.timeout.per_attempt_timeout_ms {
            Some(t) => write!(
                f,
                "Timeout per attempt: {t} ms ({})",
                match self.timeout.source {
                    TimeoutSource::Given => "given",
                    TimeoutSource::DerivedFromDeadline => "derived from the deadline",
                    TimeoutSource::NotSet => "not set",
                }
            )?,
            None => write!(f, "Timeout per attempt: NOT SET")?,
        }
        for a in &self.timeout.advice {
            write!(f, ". {a}")?;
        }
        writeln!(f)?;
        let cb = &self.circuit_breaker;
        writeln!(
            f,
            "Circuit breaker: open at {}% failures over {}s (at least {} calls) or {} in a row; fail \
             fast for {}s, then {} probe calls. Failures: {}.",
            cb.failure_rate_threshold_percent,
            cb.window_seconds,
            cb.minimum_requests,
            cb.consecutive_failures,
            cb.open_seconds,
            cb.half_open_probes,
            cb.counts_as_failure.join("; ")
        )?;
        writeln!(f, "Idempotency:")?;
        for s in &self.idempotency.steps {
            writeln!(f, "- {s}")?;
        }
        if !self.warnings.is_empty() {
            writeln!(f, "Warnings:")?;
            for w in &self.warnings {
                writeln!(f, "- {w}")?;
            }
        }
        super::common::write_read_next(f, &self.references)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::is_citable;
    use super::*;
    use proptest::prelude::*;

    const ALL_FAILURES: [FailureKind; 8] = [
        FailureKind::Timeout,
        FailureKind::ConnectionError,
        FailureKind::Http429,
        FailureKind::Http500,
        FailureKind::Http502,
        FailureKind::Http503,
        FailureKind::Http504,
        FailureKind::Http4xx,
    ];

    fn base(failure: FailureKind, idempotent: bool, key: bool) -> PlanRetriesInput {
        PlanRetriesInput {
            idempotent,
            has_idempotency_key: key,
            failure,
            ..Default::default()
        }
    }

    fn run(i: &PlanRetriesInput) -> PlanRetriesOutput {
        plan_retries(i).expect("valid input")
    }

    #[test]
    fn retry_decision_table() {
        use FailureKind::*;
        // (failure, idempotent, key, should_retry)
        let table = [
            (Timeout, true, false, true),
            (Timeout, false, true, true),
            (Timeout, false, false, false),
            (ConnectionError, true, false, true),
            (ConnectionError, false, false, false),
            (Http429, true, false, true),
            (Http429, false, true, true),
            (Http429, false, false, false),
            (Http500, true, false, true),
            (Http500, false, true, true),
            (Http500, false, false, false),
            (Http502, true, false, true),
            (Http502, false, false, false),
            (Http503, true, false, true),
            (Http503, false, false, false),
            (Http504, true, true, true),
            (Http504, false, false, false),
            (Http4xx, true, true, false),
            (Http4xx, false, false, false),
        ];
        for (failure, idem, key, expect) in table {
            let out = run(&base(failure, idem, key));
            assert_eq!(
                out.should_retry, expect,
                "{failure:?} idempotent={idem} key={key}"
            );
            assert_eq!(out.schedule.is_empty(), !expect);
            assert!(!out.why.is_empty());
        }
    }

    #[test]
    fn why_names_the_rule() {
        let out = run(&base(FailureKind::Timeout, false, false));
        assert!(
            out.why
                .iter()
                .any(|w| w.contains("may have reached the server"))
        );
        let out = run(&base(FailureKind::Http429, false, false));
        assert!(out.why.iter().any(|w| w.contains("refused it before")));
        let out = run(&base(FailureKind::Http500, false, false));
        assert!(out.why.iter().any(|w| w.contains("part or all")));
        let out = run(&base(FailureKind::Http500, true, false));
        assert!(out.why.iter().any(|w| w.contains("ambiguous")));
        assert!(out.warnings.iter().any(|w| w.contains("deterministic bug")));
        let out = run(&base(FailureKind::Http4xx, true, false));
        assert!(out.why.iter().any(|w| w.contains("Never retry")));
        let out = run(&base(FailureKind::Timeout, false, true));
        assert!(out.why.iter().any(|w| w.contains("idempotency key")));
        let out = run(&base(FailureKind::Http503, true, false));
        assert!(out.why.iter().any(|w| w.contains("Retry-After header")));
    }

    #[test]
    fn default_schedule_is_full_jitter() {
        let out = run(&base(FailureKind::Timeout, true, false));
        let caps: Vec<u64> = out.schedule.iter().map(|s| s.max_delay_ms).collect();
        assert_eq!(caps, vec![100, 200, 400]);
        assert!(out.schedule.iter().all(|s| s.min_delay_ms == 0));
        let retries: Vec<u32> = out.schedule.iter().map(|s| s.retry).collect();
        assert_eq!(retries, vec![1, 2, 3]);
        let cum: Vec<u64> = out
            .schedule
            .iter()
            .map(|s| s.cumulative_worst_case_ms)
            .collect();
        assert_eq!(cum, vec![100, 300, 700]);
        assert_eq!(out.worst_case_total_ms, 700);
        assert_eq!(out.fits_deadline, None);
        assert_eq!(out.retries_that_fit, None);
        assert_eq!(out.timeout.source, TimeoutSource::NotSet);
        assert!(
            out.timeout
                .advice
                .iter()
                .any(|w| w.contains("No timeout given"))
        );
        assert!(
            out.warnings
                .iter()
                .any(|w| w.contains("deadline_ms not given"))
        );
        assert!(
            out.backoff
                .as_deref()
                .unwrap_or_default()
                .contains("random(0, min(20000, 100 * 2^(n-1)))")
        );
    }

    #[test]
    fn delays_are_capped() {
        let mut i = base(FailureKind::Http503, true, false);
        i.max_retries = Some(10);
        i.base_delay_ms = Some(1000);
        i.max_delay_ms = Some(5000);
        let out = run(&i);
        let caps: Vec<u64> = out.schedule.iter().map(|s| s.max_delay_ms).collect();
        assert_eq!(
            caps,
            vec![1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000, 5000, 5000]
        );
        assert_eq!(out.worst_case_total_ms, 42_000);
        assert!(
            out.warnings
                .iter()
                .any(|w| w.contains("above the skill's cap"))
        );
    }

    #[test]
    fn extreme_delays_do_not_overflow() {
        let mut i = base(FailureKind::Timeout, true, false);
        i.max_retries = Some(10);
        i.base_delay_ms = Some(MAX_DELAY_LIMIT_MS);
        i.max_delay_ms = Some(MAX_DELAY_LIMIT_MS);
        i.per_attempt_timeout_ms = Some(MAX_ATTEMPT_TIMEOUT_MS);
        let out = run(&i);
        assert_eq!(out.worst_case_total_ms, 10 * 600_000 + 11 * 3_600_000);
    }

    #[test]
    fn deadline_and_timeouts() {
        // 3 retries, 1 s per attempt: 4 s of attempts + 700 ms of delays = 4.7 s.
        let mut i = base(FailureKind::Timeout, true, false);
        i.per_attempt_timeout_ms = Some(1000);
        i.deadline_ms = Some(5000);
        let out = run(&i);
        assert_eq!(out.worst_case_total_ms, 4700);
        assert_eq!(out.fits_deadline, Some(true));
        assert_eq!(out.retries_that_fit, Some(3));
        assert_eq!(out.timeout.source, TimeoutSource::Given);
        let cum: Vec<u64> = out
            .schedule
            .iter()
            .map(|s| s.cumulative_worst_case_ms)
            .collect();
        assert_eq!(cum, vec![2100, 3300, 4700]);

        // A 3 s deadline: 1 retry (2.1 s) fits, 2 retries (3.3 s) do not.
        i.deadline_ms = Some(3000);
        let out = run(&i);
        assert!(out.should_retry);
        assert_eq!(out.fits_deadline, Some(false));
        assert_eq!(out.retries_that_fit, Some(1));
        assert!(out.warnings.iter().any(|w| w.contains("only 1 retry fit")));
        assert!(out.to_string().contains("EXCEEDS the deadline"));

        // 1.5 s deadline: not even one retry fits -> do not retry.
        i.deadline_ms = Some(1500);
        let out = run(&i);
        assert!(!out.should_retry);
        assert_eq!(out.retries_that_fit, Some(0));
        assert_eq!(out.worst_case_total_ms, 1000);
        assert_eq!(out.fits_deadline, Some(true));
        assert!(
            out.why
                .iter()
                .any(|w| w.contains("Not even one retry fits"))
        );

        // Attempt timeout longer than the deadline.
        i.deadline_ms = Some(500);
        let out = run(&i);
        assert!(!out.should_retry);
        assert_eq!(out.fits_deadline, Some(false));
        assert!(
            out.warnings
                .iter()
                .any(|w| w.contains("longer than deadline_ms"))
        );
    }

    #[test]
    fn timeout_derived_from_deadline() {
        let mut i = base(FailureKind::Http502, true, false);
        i.deadline_ms = Some(2000);
        let out = run(&i);
        // (2000 - 700) / 4 = 325.
        assert_eq!(out.timeout.source, TimeoutSource::DerivedFromDeadline);
        assert_eq!(out.timeout.per_attempt_timeout_ms, Some(325));
        assert_eq!(out.fits_deadline, Some(true));

        // Delays alone use up the deadline: no time left for attempts.
        let mut i = base(FailureKind::Http502, true, false);
        i.base_delay_ms = Some(1000);
        i.deadline_ms = Some(1000);
        let out = run(&i);
        assert!(out.should_retry);
        assert_eq!(out.retries_that_fit, Some(1));
        assert_eq!(out.timeout.source, TimeoutSource::NotSet);
        assert!(out.warnings.iter().any(|w| w.contains("use up")));

        // Not retrying: the whole deadline is the one attempt's.
        let mut i = base(FailureKind::Http4xx, true, false);
        i.deadline_ms = Some(800);
        let out = run(&i);
        assert_eq!(out.timeout.per_attempt_timeout_ms, Some(800));
    }

    #[test]
    fn retry_after_is_honoured() {
        let mut i = base(FailureKind::Http429, true, false);
        i.retry_after_ms = Some(2000);
        let out = run(&i);
        assert!(out.schedule.iter().all(|s| s.min_delay_ms == 2000));
        let caps: Vec<u64> = out.schedule.iter().map(|s| s.max_delay_ms).collect();
        assert_eq!(caps, vec![2100, 2200, 2400]);
        assert_eq!(out.worst_case_total_ms, 6700);
        assert!(
            out.backoff
                .as_deref()
                .unwrap_or_default()
                .contains("added to the Retry-After (2000 ms)")
        );
        assert!(
            out.why
                .iter()
                .all(|w| !w.contains("If the response carries"))
        );

        let mut i = base(FailureKind::Http503, true, false);
        i.retry_after_ms = Some(30_000);
        let out = run(&i);
        assert!(out.warnings.iter().any(|w| w.contains("honour it anyway")));

        // Retry-After beyond the deadline: fail fast.
        i.deadline_ms = Some(10_000);
        let out = run(&i);
        assert!(!out.should_retry);
        assert!(
            out.why
                .iter()
                .any(|w| w.contains("after the caller gave up"))
        );

        // Ignored for other failures.
        let mut i = base(FailureKind::Timeout, true, false);
        i.retry_after_ms = Some(2000);
        let out = run(&i);
        assert!(out.warnings.iter().any(|w| w.contains("ignored")));
        assert_eq!(out.schedule[0].min_delay_ms, 0);
    }

    #[test]
    fn zero_retries() {
        let mut i = base(FailureKind::Timeout, true, false);
        i.max_retries = Some(0);
        let out = run(&i);
        assert!(!out.should_retry);
        assert!(out.why.iter().any(|w| w.contains("max_retries is 0")));
        assert!(out.schedule.is_empty());
        assert!(out.to_string().contains("(one attempt, no retries)"));
    }

    #[test]
    fn idempotency_advice() {
        let out = run(&base(FailureKind::Timeout, false, false));
        assert!(out.idempotency.key_required);
        assert!(!out.idempotency.satisfied);
        assert!(out.idempotency.steps[0].contains("Add an idempotency key"));
        assert!(
            out.idempotency.steps[1].contains("24h") && out.idempotency.steps[1].contains("409")
        );
        let out = run(&base(FailureKind::Timeout, false, true));
        assert!(out.idempotency.satisfied);
        assert!(out.idempotency.steps[0].contains("SAME key"));
        let out = run(&base(FailureKind::Timeout, true, false));
        assert!(!out.idempotency.key_required);
        assert!(out.idempotency.steps[0].contains("idempotent"));
        assert_eq!(
            out.idempotency.steps.len(),
            1,
            "no key advice for an idempotent call"
        );
    }

    #[test]
    fn circuit_breaker_settings() {
        let out = run(&base(FailureKind::Timeout, true, false));
        let cb = &out.circuit_breaker;
        assert_eq!(
            (
                cb.failure_rate_threshold_percent,
                cb.window_seconds,
                cb.minimum_requests,
                cb.consecutive_failures,
                cb.open_seconds,
                cb.half_open_probes
            ),
            (50, 10, 20, 5, 30, 3)
        );
        assert!(out.to_string().contains("open at 50% failures over 10s"));
    }

    #[test]
    fn errors_name_the_field() {
        let b = || base(FailureKind::Timeout, true, false);
        let table: Vec<(PlanRetriesInput, &str)> = vec![
            (
                PlanRetriesInput {
                    max_retries: Some(11),
                    ..b()
                },
                "max_retries",
            ),
            (
                PlanRetriesInput {
                    base_delay_ms: Some(0),
                    ..b()
                },
                "base_delay_ms",
            ),
            (
                PlanRetriesInput {
                    base_delay_ms: Some(600_001),
                    ..b()
                },
                "base_delay_ms",
            ),
            (
                PlanRetriesInput {
                    max_delay_ms: Some(0),
                    ..b()
                },
                "max_delay_ms",
            ),
            (
                PlanRetriesInput {
                    max_delay_ms: Some(50),
                    ..b()
                },
                "below base_delay_ms",
            ),
            (
                PlanRetriesInput {
                    deadline_ms: Some(0),
                    ..b()
                },
                "deadline_ms",
            ),
            (
                PlanRetriesInput {
                    deadline_ms: Some(u64::MAX),
                    ..b()
                },
                "deadline_ms",
            ),
            (
                PlanRetriesInput {
                    retry_after_ms: Some(u64::MAX),
                    ..b()
                },
                "retry_after_ms",
            ),
            (
                PlanRetriesInput {
                    per_attempt_timeout_ms: Some(0),
                    ..b()
                },
                "per_attempt_timeout_ms",
            ),
            (
                PlanRetriesInput {
                    per_attempt_timeout_ms: Some(3_600_001),
                    ..b()
                },
                "per_attempt_timeout_ms",
            ),
        ];
        for (i, needle) in table {
            match plan_retries(&i) {
                Err(DecideError::InvalidInput(m)) => assert!(m.contains(needle), "{m}"),
                other => panic!("{i:?}: expected an error, got {other:?}"),
            }
        }
    }

    #[test]
    fn json_contract() {
        for f in ALL_FAILURES {
            let json = format!(r#"{{"idempotent": true, "failure": "{}"}}"#, f.as_str());
            let i: PlanRetriesInput = serde_json::from_str(&json).unwrap();
            assert_eq!(i.failure, f);
            let v = serde_json::to_value(run(&i)).unwrap();
            assert_eq!(v["failure"], f.as_str());
            assert!(v["should_retry"].is_boolean());
            assert!(v["schedule"].is_array());
            assert!(v["worst_case_total_ms"].is_u64());
        }
        let i: PlanRetriesInput = serde_json::from_str(
            r#"{"idempotent": false, "has_idempotency_key": true, "failure": "http_503",
                "max_retries": 4, "base_delay_ms": 200, "max_delay_ms": 1000, "deadline_ms": 10000}"#,
        )
        .unwrap();
        let out = run(&i);
        assert_eq!(out.schedule.len(), 4);
        assert!(serde_json::from_str::<PlanRetriesInput>(r#"{"failure": "timeout"}"#).is_err());
        assert!(
            serde_json::from_str::<PlanRetriesInput>(
                r#"{"idempotent": true, "failure": "http_418"}"#
            )
            .is_err()
        );
        assert!(
            serde_json::from_str::<PlanRetriesInput>(
                r#"{"idempotent": true, "failure": "timeout", "retries": 3}"#
            )
            .is_err()
        );
    }

    #[test]
    fn references_are_known_anchors_and_display_works() {
        for f in ALL_FAILURES {
            for (idem, key) in [(true, false), (false, true), (false, false)] {
                let out = run(&base(f, idem, key));
                for r in &out.references {
                    assert!(is_citable(r), "{r}");
                }
                let text = out.to_string();
                assert!(text.contains(if out.should_retry {
                    "RETRY"
                } else {
                    "DO NOT RETRY"
                }));
            }
        }
        let mut i = base(FailureKind::Timeout, true, false);
        i.per_attempt_timeout_ms = Some(100);
        i.deadline_ms = Some(10_000);
        let text = run(&i).to_string();
        assert!(text.contains("fits the deadline"));
        assert!(text.contains("Timeout per attempt: 100 ms"));
    }

    fn failure_strategy() -> impl Strategy<Value = FailureKind> {
        proptest::sample::select(ALL_FAILURES.to_vec())
    }

    proptest! {
        #[test]
        fn never_panics(
            idempotent in any::<bool>(),
            key in any::<bool>(),
            failure in failure_strategy(),
            max_retries in proptest::option::of(prop_oneof![0u32..12, any::<u32>()]),
            base_delay in proptest::option::of(prop_oneof![0u64..700_000, any::<u64>()]),
            max_delay in proptest::option::of(prop_oneof![0u64..700_000, any::<u64>()]),
            deadline in proptest::option::of(prop_oneof![0u64..100_000_000, any::<u64>()]),
            retry_after in proptest::option::of(prop_oneof![0u64..100_000_000, any::<u64>()]),
            timeout in proptest::option::of(prop_oneof![0u64..4_000_000, any::<u64>()]),
        ) {
            let i = PlanRetriesInput {
                idempotent,
                has_idempotency_key: key,
                failure,
                max_retries,
                base_delay_ms: base_delay,
                max_delay_ms: max_delay,
                deadline_ms: deadline,
                retry_after_ms: retry_after,
                per_attempt_timeout_ms: timeout,
            };
            if let Ok(out) = plan_retries(&i) {
                prop_assert!(!out.to_string().is_empty());
                if out.should_retry {
                    prop_assert!(idempotent || key);
                    prop_assert!(failure != FailureKind::Http4xx);
                    prop_assert_eq!(out.schedule.len() as u32, max_retries.unwrap_or(3));
                }
                for s in &out.schedule {
                    prop_assert!(s.min_delay_ms <= s.max_delay_ms);
                }
                if let (Some(fit), Some(d)) = (out.retries_that_fit, deadline) {
                    prop_assert!(fit <= max_retries.unwrap_or(3));
                    let _ = d;
                }
            }
        }
    }
}
