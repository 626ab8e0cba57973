//! `plan_data_consistency`: picks ACID in one database, the outbox pattern, or a saga (choreography or
//! orchestration) from whether strong consistency is required, whether the change is a multi-step
//! business process and how complex the flow is, and spells out the steps, compensations and pitfalls.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{DecideError, NextQuestion, reference_uri};

/// Human title of the tool.
pub const TITLE: &str = "Plan data consistency across services";

/// When to call the tool and what it returns.
pub const DESCRIPTION: &str = "Choose how to keep one business operation consistent: \
acid-single-database, outbox (one database plus an email, event, webhook or call elsewhere) or a \
saga. Returns the pattern, why and the steps, or the next question.";

/// Most saga steps accepted in `steps`.
pub const MAX_STEPS: usize = 50;
/// Longest accepted step description, in characters.
pub const MAX_STEP_CHARS: usize = 200;
/// Most services accepted in `services_involved`.
pub const MAX_SERVICES: u32 = 1000;
/// Services in one flow at or above which the flow counts as complex (rule of thumb).
pub const COMPLEX_SERVICES: u32 = 4;
/// Saga steps at or above which the flow counts as complex (rule of thumb).
pub const COMPLEX_STEPS: usize = 5;

/// Input of `plan_data_consistency`. Every field is optional: `{}` starts the interview.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDataConsistencyInput {
    /// Must every reader see all of the change at once (e.g. a ledger)? false: eventual is fine.
    #[serde(default)]
    pub strong_consistency_required: Option<bool>,
    /// Do steps run in different services or over time, so a later one can fail after earlier ones
    /// committed?
    #[serde(default)]
    pub multi_step_process: Option<bool>,
    /// Many participants, branches, timeouts or strict order?
    #[serde(default)]
    pub complex_flow: Option<bool>,
    /// Does all the data changed live in one database?
    #[serde(default)]
    pub single_database: Option<bool>,
    /// How many services own data touched.
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub services_involved: Option<u32>,
    /// The business steps in order, e.g. ["reserve stock", "charge card"].
    #[serde(default)]
    pub steps: Option<Vec<String>>,
    /// Must something outside the database happen reliably too: an email, a message to another
    /// service, a webhook? Read from `steps` (send, email, notify, publish...) when not given.
    #[serde(default)]
    pub external_side_effect: Option<bool>,
}

/// The consistency pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConsistencyPattern {
    /// One database, one ACID transaction.
    AcidSingleDatabase,
    /// Transactional outbox: the event is written in the same transaction and relayed afterwards.
    Outbox,
    /// Saga where each service reacts to the previous service's event.
    SagaChoreography,
    /// Saga driven by one orchestrator that sends commands and runs compensations.
    SagaOrchestration,
}

impl ConsistencyPattern {
    /// The contract identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AcidSingleDatabase => "acid-single-database",
            Self::Outbox => "outbox",
            Self::SagaChoreography => "saga-choreography",
            Self::SagaOrchestration => "saga-orchestration",
        }
    }
}

/// One answered question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Decision {
    /// The question.
    pub question: String,
    /// The answer taken.
    pub answer: String,
    /// `caller`, or the input it was derived from (e.g. `services_involved`).
    pub source: String,
}

/// One saga step with its compensation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SagaStep {
    /// Position in the saga, from 1.
    pub order: usize,
    /// The forward action (a local transaction in one service).
    pub action: String,
    /// The compensating action that semantically undoes it if a later step fails.
    pub compensation: String,
}

/// Output of `plan_data_consistency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlanDataConsistencyOutput {
    /// The pattern, or null while a question is open (see `next_question`).
    pub pattern: Option<ConsistencyPattern>,
    /// What readers will observe: `strong` or `eventual` (null while undecided).
    pub guarantee: Option<String>,
    /// Why this pattern, in the skill's terms.
    pub why: String,
    /// The questions answered on the way.
    pub path: Vec<Decision>,
    /// Concrete implementation steps, in order.
    pub steps: Vec<String>,
    /// For sagas: each step with its compensation, in order (empty otherwise).
    pub saga_steps: Vec<SagaStep>,
    /// A worked example (outbox table and relay loop, or the saga's shape), as text.
    pub example: Option<String>,
    /// Mistakes to avoid with this pattern.
    pub pitfalls: Vec<String>,
    /// The question to answer next when the decision could not be made.
    pub next_question: Option<NextQuestion>,
    /// Reference sections to read next.
    pub references: Vec<String>,
}

fn fp(anchor: &str) -> String {
    reference_uri("failure-patterns.md", anchor)
}

fn validate(input: &PlanDataConsistencyInput) -> Result<(), DecideError> {
    if let Some(n) = input.services_involved
        && (n == 0 || n > MAX_SERVICES)
    {
        return Err(DecideError::InvalidInput(format!(
            "services_involved: {n} is out of range; accepted: 1 to {MAX_SERVICES}"
        )));
    }
    if let Some(steps) = &input.steps {
        if steps.len() > MAX_STEPS {
            return Err(DecideError::TooLarge(format!(
                "steps: {} steps given; at most {MAX_STEPS} are accepted",
                steps.len()
            )));
        }
        for (i, s) in steps.iter().enumerate() {
            if s.trim().is_empty() {
                return Err(DecideError::InvalidInput(format!(
                    "steps[{i}]: empty; give a short description such as \"reserve inventory\""
                )));
            }
            if s.chars().count() > MAX_STEP_CHARS {
                return Err(DecideError::InvalidInput(format!(
                    "steps[{i}]: longer than {MAX_STEP_CHARS} characters; give a short description"
                )));
            }
        }
    }
    Ok(())
}

/// Leading verbs of a step that reaches outside the database (it cannot be rolled back with it).
const EXTERNAL_VERBS: &[&str] = &[
    "send", "email", "mail", "notify", "publish", "emit", "call", "post", "webhook", "enqueue",
    "push", "sms", "text", "message", "invoke", "trigger",
];

/// Whether the operation has an effect outside the database: `external_side_effect`, or a step
/// whose leading verb sends something out.
fn external_effect(input: &PlanDataConsistencyInput) -> Option<(bool, &'static str)> {
    if let Some(b) = input.external_side_effect {
        return Some((b, "caller"));
    }
    let steps = input.steps.as_ref()?;
    let external = steps.iter().any(|step| {
        let first = step.split_whitespace().next().unwrap_or("").to_lowercase();
        EXTERNAL_VERBS.contains(&first.as_str())
    });
    Some((external, "steps"))
}

/// Whether one ACID transaction can cover the data, from `single_database` or `services_involved`.
fn one_database(input: &PlanDataConsistencyInput) -> Option<(bool, &'static str)> {
    match (input.single_database, input.services_involved) {
        (Some(b), _) => Some((b, "caller")),
        (None, Some(1)) => Some((true, "services_involved")),
        (None, Some(_)) => Some((false, "services_involved")),
        (None, None) => None,
    }
}

fn q_strong() -> NextQuestion {
    NextQuestion {
        field: "strong_consistency_required".to_string(),
        question: "Must every reader see the whole change at once, or is it acceptable for other parts \
                   of the system to catch up a little later (eventual consistency)?"
            .to_string(),
        options: vec!["true".to_string(), "false".to_string()],
        how_to_tell: "Ask what breaks if a reader sees the change half-applied for a few seconds. Money \
                      moving between accounts, stock that must never be oversold, uniqueness that must \
                      hold: true. A search index, a notification, a loyalty-points balance or a report \
                      that catches up in seconds: false. Most cross-service data can be eventual."
            .to_string(),
    }
}

fn q_multi_step() -> NextQuestion {
    NextQuestion {
        field: "multi_step_process".to_string(),
        question: "Is this a multi-step business process, where a later step (in another service or \
                   later in time) can fail after earlier steps have committed?"
            .to_string(),
        options: vec!["true".to_string(), "false".to_string()],
        how_to_tell: "List the steps. If one local change only needs to be announced to others (e.g. \
                      \"order placed\" for email and analytics), answer false. If the business outcome \
                      needs several services to each do their part and a failure midway must undo the \
                      earlier parts (reserve stock, charge card, ship), answer true."
            .to_string(),
    }
}

fn q_single_database() -> NextQuestion {
    NextQuestion {
        field: "single_database".to_string(),
        question: "Does all the data this process changes live in one database?".to_string(),
        options: vec!["true".to_string(), "false".to_string()],
        how_to_tell: "If one connection can open one transaction that covers every table involved, \
                      answer true (strong consistency is then one ACID transaction). If the data belongs \
                      to different services or databases, answer false (or give services_involved)."
            .to_string(),
    }
}

fn q_complex() -> NextQuestion {
    NextQuestion {
        field: "complex_flow".to_string(),
        question:
            "Is the flow complex: many participants, branches, timeouts, strict ordering, or a \
                   need to see where each run stands?"
                .to_string(),
        options: vec!["true".to_string(), "false".to_string()],
        how_to_tell: format!(
            "A short linear chain of 2-3 services with one failure path is simple (false). Rule of \
             thumb: {COMPLEX_SERVICES} or more services, {COMPLEX_STEPS} or more steps, conditional \
             branches or human/timeout steps make it complex (true). You can also send \
             services_involved or steps."
        ),
    }
}

/// A compensation for a step, from its leading verb (a semantic undo, not a rollback).
fn compensation_for(step: &str) -> String {
    let first = step.split_whitespace().next().unwrap_or("").to_lowercase();
    let rest = step
        .split_whitespace()
        .skip(1)
        .collect::<Vec<_>>()
        .join(" ");
    // "the inventory" when the step names an object, "it" otherwise.
    let obj = if rest.is_empty() {
        "it".to_string()
    } else {
        format!("the {rest}")
    };
    match first.as_str() {
        "reserve" | "hold" | "lock" | "allocate" => {
            format!("release {obj} (delete or expire the reservation)")
        }
        "charge" | "capture" | "pay" | "bill" => {
            format!("refund {obj} (a new refund, never a deleted payment row)")
        }
        "debit" | "withdraw" => format!("credit {obj} back with a reversing entry"),
        "credit" | "deposit" => format!("debit {obj} back with a reversing entry"),
        "create" | "place" | "insert" | "open" | "register" | "add" => {
            format!("mark {obj} cancelled (keep the row, change its status)")
        }
        "book" | "schedule" => format!("cancel {obj} (release the booked slot)"),
        "authorize" | "authorise" => format!("void the authorization on {obj}"),
        "send" | "notify" | "email" | "publish" => format!(
            "cannot be unsent: send a correction after {obj}, or move this step after the pivot \
             (the last step that can fail)"
        ),
        "ship" | "deliver" | "dispatch" => format!(
            "cannot be undone physically: start a return of {obj}, or make this the last step so \
             nothing after it can fail"
        ),
        _ => format!(
            "define a semantic undo for \"{step}\" (a new action that reverses its business effect)"
        ),
    }
}

fn default_steps() -> Vec<String> {
    [
        "create order",
        "reserve inventory",
        "charge payment",
        "ship order",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect()
}

fn saga_steps(steps: &[String]) -> Vec<SagaStep> {
    let n = steps.len();
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| SagaStep {
            order: i + 1,
            action: s.clone(),
            compensation: if i + 1 == n && n > 1 {
                "none: the last step; if it fails its own transaction rolls back".to_string()
            } else {
                compensation_for(s)
            },
        })
        .collect()
}

const OUTBOX_EXAMPLE: &str = "BEGIN;
UPDATE inventory SET reserved = reserved + $qty WHERE sku = $sku;
INSERT INTO outbox (id, aggregate_id, event_type, payload) VALUES (gen_random_uuid(), $order, 'OrderPlaced', $json);
COMMIT;
-- relay, in a loop: publish then mark, at least once
SELECT * FROM outbox WHERE published_at IS NULL ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED;
UPDATE outbox SET published_at = now() WHERE id = ANY($published);";

const ACID_EXAMPLE: &str = "BEGIN;
SELECT 1 FROM accounts WHERE id IN ($from, $to) ORDER BY id FOR UPDATE;  -- lock in id order
UPDATE accounts SET balance_cents = balance_cents - $amount WHERE id = $from AND balance_cents >= $amount;
-- 0 rows updated: ROLLBACK (insufficient funds)
UPDATE accounts SET balance_cents = balance_cents + $amount WHERE id = $to;
COMMIT;";

struct Plan {
    pattern: ConsistencyPattern,
    guarantee: &'static str,
    why: String,
}

fn plan_output(
    plan: Plan,
    path: Vec<Decision>,
    input: &PlanDataConsistencyInput,
) -> PlanDataConsistencyOutput {
    let mut references = vec![fp("choosing-a-consistency-pattern")];
    let (steps, saga, example, pitfalls): (Vec<&str>, Vec<SagaStep>, Option<String>, Vec<&str>) =
        match plan.pattern {
            ConsistencyPattern::AcidSingleDatabase => {
                references.push(fp("acid-transactions-in-one-database"));
                (
                    vec![
                        "Keep every table the invariant touches in one database owned by one service.",
                        "One transaction for the reads that decide and all the writes; ROLLBACK on any \
                         error.",
                        "Lock what you decide on (SELECT ... FOR UPDATE, in a consistent order) or use \
                         SERIALIZABLE and retry serialization failures.",
                        "Enforce invariants in the database too: constraints, CHECKs, conditional \
                         UPDATEs.",
                    ],
                    Vec::new(),
                    Some(ACID_EXAMPLE.to_string()),
                    vec![
                        "Remote calls or broker publishes inside the transaction: they cannot roll back \
                         and hold locks while waiting (use an outbox row instead).",
                        "Long transactions: keep them to milliseconds.",
                        "Two-phase commit across services to fake one transaction.",
                    ],
                )
            }
            ConsistencyPattern::Outbox => {
                references.push(fp("the-outbox-pattern"));
                references.push(fp("consumer-deduplication"));
                (
                    vec![
                        "Insert the event into an outbox table in the same transaction as the data \
                         change; never send from the request handler.",
                        "A relay publishes unpublished rows in order (FOR UPDATE SKIP LOCKED, batches \
                         of ~100), waits for the ack, marks them published; or use change data \
                         capture (Debezium).",
                        "Delivery is at least once: the receiver dedupes on the event id.",
                        "Partition by aggregate id to keep one entity's events ordered; alert on \
                         outbox lag and purge published rows.",
                    ],
                    Vec::new(),
                    Some(OUTBOX_EXAMPLE.to_string()),
                    vec![
                        "Dual writes (commit, then send) lose the side effect when the process dies \
                         between the two.",
                        "Expecting exactly-once delivery.",
                        "Downstream readers see the change later; design for it.",
                    ],
                )
            }
            ConsistencyPattern::SagaChoreography | ConsistencyPattern::SagaOrchestration => {
                let orchestrated = plan.pattern == ConsistencyPattern::SagaOrchestration;
                references.push(fp("sagas"));
                references.push(fp("choreography-versus-orchestration"));
                let names = input.steps.clone().unwrap_or_else(default_steps);
                let saga = saga_steps(&names);
                let steps = if orchestrated {
                    vec![
                        "One orchestrator owns the process as a state machine (Temporal, Step \
                         Functions, or a saga table), persisting its state before and after each \
                         step.",
                        "Each participant runs its step as one local ACID transaction; every command \
                         carries an idempotency key (saga id + step).",
                        "Per-step timeouts; on failure run the completed steps' compensations \
                         (saga_steps) in reverse order, retried until they succeed.",
                        "Put steps that cannot be undone (email, shipping) after the last step that \
                         can fail; alert on sagas stuck in one state.",
                    ]
                } else {
                    vec![
                        "Each service consumes the previous event, does its step in one local ACID \
                         transaction and publishes success or failure through an outbox.",
                        "Carry a correlation id in every event; consumers dedupe on the event id.",
                        "On a failure event, the services that completed a step run its compensation \
                         (saga_steps), in reverse order.",
                        "Put steps that cannot be undone (email, shipping) after the last step that \
                         can fail; past 3-4 services or with branches, move to orchestration.",
                    ]
                };
                (
                    steps,
                    saga,
                    None,
                    vec![
                        "Readers see intermediate states: give them explicit statuses (PENDING).",
                        "Compensations are new business actions (refund, release), idempotent and \
                         retried, not rollbacks.",
                        if orchestrated {
                            "An orchestrator holding the participants' business rules becomes a god \
                             service."
                        } else {
                            "Choreography hides the flow: nobody sees the whole saga, and event cycles \
                             creep in."
                        },
                    ],
                )
            }
        };
    PlanDataConsistencyOutput {
        pattern: Some(plan.pattern),
        guarantee: Some(plan.guarantee.to_string()),
        why: plan.why,
        path,
        steps: steps.into_iter().map(str::to_string).collect(),
        saga_steps: saga,
        example,
        pitfalls: pitfalls.into_iter().map(str::to_string).collect(),
        next_question: None,
        references,
    }
}

fn ask(q: NextQuestion, path: Vec<Decision>) -> PlanDataConsistencyOutput {
    let mut references = vec![fp("choosing-a-consistency-pattern")];
    match q.field.as_str() {
        "strong_consistency_required" => {
            references.push(fp("acid-transactions-in-one-database"));
            references.push(reference_uri("scalable-systems.md", "cap-and-pacelc"));
        }
        "multi_step_process" => {
            references.push(fp("the-outbox-pattern"));
            references.push(fp("sagas"));
        }
        "single_database" => references.push(fp("acid-transactions-in-one-database")),
        _ => references.push(fp("choreography-versus-orchestration")),
    }
    PlanDataConsistencyOutput {
        pattern: None,
        guarantee: None,
        why: format!("Cannot choose a pattern yet: `{}` is unanswered.", q.field),
        path,
        steps: Vec::new(),
        saga_steps: Vec::new(),
        example: None,
        pitfalls: Vec::new(),
        next_question: Some(q),
        references,
    }
}

fn decision(question: &str, answer: impl Into<String>, source: &str) -> Decision {
    Decision {
        question: question.to_string(),
        answer: answer.into(),
        source: source.to_string(),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Derives complexity: the caller's answer, else the rule of thumb on services/steps.
fn complexity(input: &PlanDataConsistencyInput) -> Option<(bool, String, String)> {
    if let Some(c) = input.complex_flow {
        let why = if c {
            "the flow is complex, so an orchestrator keeps the sequence, timeouts and state in one place"
        } else {
            "the flow is simple, so choreography (services reacting to each other's events) avoids a \
             central coordinator"
        };
        return Some((c, "caller".to_string(), why.to_string()));
    }
    let services = input.services_involved.filter(|n| *n >= COMPLEX_SERVICES);
    let steps = input
        .steps
        .as_ref()
        .map(Vec::len)
        .filter(|n| *n >= COMPLEX_STEPS);
    match (services, steps) {
        (Some(n), _) => Some((
            true,
            "services_involved".to_string(),
            format!(
                "{n} services take part (rule of thumb: {COMPLEX_SERVICES} or more makes a flow \
                 complex), so an orchestrator keeps the sequence visible"
            ),
        )),
        (None, Some(n)) => Some((
            true,
            "steps".to_string(),
            format!(
                "{n} steps (rule of thumb: {COMPLEX_STEPS} or more makes a flow complex), so an \
                 orchestrator keeps the sequence visible"
            ),
        )),
        (None, None) => None,
    }
}

fn saga_plan(
    input: &PlanDataConsistencyInput,
    mut path: Vec<Decision>,
    strong: bool,
) -> PlanDataConsistencyOutput {
    let Some((complex, source, reason)) = complexity(input) else {
        return ask(q_complex(), path);
    };
    path.push(decision("Is the flow complex?", yes_no(complex), &source));
    let pattern = if complex {
        ConsistencyPattern::SagaOrchestration
    } else {
        ConsistencyPattern::SagaChoreography
    };
    let mut why = format!(
        "A multi-step process across services is a saga: local ACID transactions in sequence, each \
         completed step compensated if a later one fails; here {reason}."
    );
    if strong {
        why.push_str(
            " Note: you asked for strong consistency, but the data spans several databases, and a saga \
             is eventually consistent: other readers can see intermediate states until it completes or \
             compensates. If that is unacceptable, move the data that must change together into one \
             database/service boundary and use one ACID transaction instead; do not reach for \
             two-phase commit.",
        );
    }
    plan_output(
        Plan {
            pattern,
            guarantee: "eventual",
            why,
        },
        path,
        input,
    )
}

/// One database plus an email, a message or a webhook: the outbox. The data change and an outbox row
/// commit in one transaction; a relay delivers the side effect afterwards, at least once.
fn outbox_for_side_effect(
    input: &PlanDataConsistencyInput,
    path: &mut Vec<Decision>,
    guarantee: &'static str,
) -> Option<Plan> {
    let (true, src) = external_effect(input)? else {
        return None;
    };
    path.push(decision(
        "Must something outside the database happen too (email, message, webhook)?",
        "yes",
        src,
    ));
    Some(Plan {
        pattern: ConsistencyPattern::Outbox,
        guarantee,
        why: "One database, plus a side effect outside it (email, message, webhook) that no \
              transaction can roll back: commit the change and an outbox row together; a relay sends \
              the side effect after commit, at least once."
            .to_string(),
    })
}

/// Plans how to keep data consistent.
pub fn plan_data_consistency(
    input: &PlanDataConsistencyInput,
) -> Result<PlanDataConsistencyOutput, DecideError> {
    validate(input)?;
    let mut path = Vec::new();
    let one_db = one_database(input);

    let Some(strong) = input.strong_consistency_required else {
        return Ok(ask(q_strong(), path));
    };
    path.push(decision(
        "Is strong consistency required?",
        yes_no(strong),
        "caller",
    ));

    if strong {
        if let Some((true, src)) = one_db {
            path.push(decision("Does the data live in one database?", "yes", src));
            if let Some(plan) = outbox_for_side_effect(input, &mut path, "strong") {
                return Ok(plan_output(plan, path, input));
            }
            let mut why =
                "Strong consistency is required and all the data lives in one database: use \
                           one ACID transaction. It is the simplest and strongest option; nothing \
                           distributed is needed."
                    .to_string();
            if input.multi_step_process == Some(true) {
                why.push_str(
                    " The process has several steps, but they all touch this one database, so run \
                     them in one short transaction; any step that calls another service or waits on \
                     a person falls outside the transaction and needs an outbox or a saga.",
                );
            }
            return Ok(plan_output(
                Plan {
                    pattern: ConsistencyPattern::AcidSingleDatabase,
                    guarantee: "strong",
                    why,
                },
                path,
                input,
            ));
        }
        let Some(multi) = input.multi_step_process else {
            return Ok(plan_output(
                Plan {
                    pattern: ConsistencyPattern::AcidSingleDatabase,
                    guarantee: "strong",
                    why: "Strong consistency: change the data in one ACID transaction in one \
                          database. Steps in different services would be a saga \
                          (multi_step_process: true)."
                        .to_string(),
                },
                path,
                input,
            ));
        };
        path.push(decision(
            "Is it a multi-step business process?",
            yes_no(multi),
            "caller",
        ));
        if !multi {
            let why = match one_db {
                Some((false, _)) => {
                    "Strong consistency is required, and it only comes from one ACID transaction in one \
                     database. The data currently spans several services: bring the data that must \
                     change together into one database/service boundary (the split is probably along \
                     the wrong line), or reconsider whether eventual consistency with the outbox \
                     pattern is acceptable. Do not use two-phase commit across services."
                }
                _ => {
                    "Strong consistency is required: use a single database and one ACID transaction. \
                     If the data lives in several services today, bring it into one database/service \
                     boundary, or reconsider whether eventual consistency (outbox) is acceptable."
                }
            };
            if let Some((b, src)) = one_db {
                path.push(decision(
                    "Does the data live in one database?",
                    yes_no(b),
                    src,
                ));
            }
            return Ok(plan_output(
                Plan {
                    pattern: ConsistencyPattern::AcidSingleDatabase,
                    guarantee: "strong",
                    why: why.to_string(),
                },
                path,
                input,
            ));
        }
        match one_db {
            None => return Ok(ask(q_single_database(), path)),
            Some((b, src)) => path.push(decision(
                "Does the data live in one database?",
                yes_no(b),
                src,
            )),
        }
        return Ok(saga_plan(input, path, true));
    }

    let Some(multi) = input.multi_step_process else {
        return Ok(ask(q_multi_step(), path));
    };
    path.push(decision(
        "Is it a multi-step business process?",
        yes_no(multi),
        "caller",
    ));
    if multi {
        if let Some((b, src)) = one_db {
            path.push(decision(
                "Does the data live in one database?",
                yes_no(b),
                src,
            ));
        }
        let mut out = saga_plan(input, path, false);
        if one_db.is_some_and(|(b, _)| b) && out.pattern.is_some() {
            out.why.push_str(
                " All the data is in one database: if the steps are short and need no other service or \
                 human wait, one ACID transaction is simpler than a saga.",
            );
        }
        return Ok(out);
    }
    if let Some((true, src)) = one_db {
        path.push(decision("Does the data live in one database?", "yes", src));
        if let Some(plan) = outbox_for_side_effect(input, &mut path, "eventual") {
            return Ok(plan_output(plan, path, input));
        }
        return Ok(plan_output(
            Plan {
                pattern: ConsistencyPattern::AcidSingleDatabase,
                guarantee: "strong",
                why: "Eventual consistency would be acceptable, but all the data lives in one database \
                      and this is a single step: one ACID transaction gives you strong consistency for \
                      free (simple until proven otherwise). When another service must hear about the \
                      change, add an outbox row in the same transaction."
                    .to_string(),
            },
            path,
            input,
        ));
    }
    if let Some((b, src)) = one_db {
        path.push(decision(
            "Does the data live in one database?",
            yes_no(b),
            src,
        ));
    }
    Ok(plan_output(
        Plan {
            pattern: ConsistencyPattern::Outbox,
            guarantee: "eventual",
            why: "Eventual consistency is acceptable and this is not a multi-step business process: \
                  event-driven with the outbox pattern. Write the event to an outbox table in the same \
                  transaction as the data change, and let a separate relay publish it to the broker. \
                  That guarantees at-least-once delivery without two-phase commit; consumers dedupe."
                .to_string(),
        },
        path,
        input,
    ))
}

impl fmt::Display for PlanDataConsistencyOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pattern {
            Some(p) => writeln!(
                f,
                "Consistency pattern: {} ({} consistency)",
                p.as_str(),
                self.guarantee.as_deref().unwrap_or("unknown")
            )?,
            None => writeln!(f, "Consistency pattern: undecided (one more answer needed)")?,
        }
        writeln!(f, "\n{}", self.why)?;
        if !self.path.is_empty() {
            writeln!(f, "\nPath:")?;
            for d in &self.path {
                writeln!(f, "  - {} -> {} [{}]", d.question, d.answer, d.source)?;
            }
        }
        if let Some(q) = &self.next_question {
            writeln!(f, "\nNext question ({}): {}", q.field, q.question)?;
            writeln!(f, "  Options: {}", q.options.join(", "))?;
            writeln!(f, "  How to tell: {}", q.how_to_tell)?;
        }
        if !self.steps.is_empty() {
            writeln!(f, "\nSteps:")?;
            for (i, s) in self.steps.iter().enumerate() {
                writeln!(f, "  {}. {}", i + 1, s)?;
            }
        }
        if !self.saga_steps.is_empty() {
            writeln!(f, "\nSaga steps and compensations:")?;
            for s in &self.saga_steps {
                writeln!(
                    f,
                    "  {}. {}\n     compensate: {}",
                    s.order, s.action, s.compensation
                )?;
            }
        }
        if let Some(e) = &self.example {
            writeln!(f, "\nExample:")?;
            for line in e.lines() {
                writeln!(f, "    {line}")?;
            }
        }
        super::common::write_list(f, "Pitfalls", &self.pitfalls)?;
        super::common::write_read_next(f, &self.references)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::is_citable;
    use super::*;
    use proptest::prelude::*;

    fn assert_refs_allowed(out: &PlanDataConsistencyOutput) {
        for r in &out.references {
            assert!(is_citable(r), "reference not citable: {r}");
        }
    }

    fn run(json: serde_json::Value) -> PlanDataConsistencyOutput {
        let input: PlanDataConsistencyInput = serde_json::from_value(json).expect("valid input");
        let out = plan_data_consistency(&input).expect("ok");
        assert_refs_allowed(&out);
        assert!(!out.to_string().is_empty());
        assert!(out.pattern.is_some() != out.next_question.is_some());
        out
    }

    fn pat(out: &PlanDataConsistencyOutput) -> Option<&'static str> {
        out.pattern.map(ConsistencyPattern::as_str)
    }

    #[test]
    fn decision_table() {
        use serde_json::json;
        let cases = [
            (
                json!({"strong_consistency_required": true}),
                Some("acid-single-database"),
                None,
            ),
            (
                json!({"strong_consistency_required": false, "multi_step_process": false, "single_database": true, "steps": ["update inventory", "send confirmation email"]}),
                Some("outbox"),
                None,
            ),
            (
                json!({"strong_consistency_required": true, "single_database": true, "external_side_effect": true}),
                Some("outbox"),
                None,
            ),
            (
                json!({"strong_consistency_required": false, "multi_step_process": false, "single_database": true, "external_side_effect": false}),
                Some("acid-single-database"),
                None,
            ),
            (
                json!({"strong_consistency_required": true, "multi_step_process": false}),
                Some("acid-single-database"),
                None,
            ),
            (
                json!({"strong_consistency_required": true, "single_database": true}),
                Some("acid-single-database"),
                None,
            ),
            (
                json!({"strong_consistency_required": true, "services_involved": 1}),
                Some("acid-single-database"),
                None,
            ),
            (
                json!({"strong_consistency_required": true, "multi_step_process": true, "single_database": true}),
                Some("acid-single-database"),
                None,
            ),
            (
                json!({"strong_consistency_required": true, "multi_step_process": true}),
                None,
                Some("single_database"),
            ),
            (
                json!({"strong_consistency_required": true, "multi_step_process": true, "single_database": false}),
                None,
                Some("complex_flow"),
            ),
            (
                json!({"strong_consistency_required": true, "multi_step_process": true, "single_database": false, "complex_flow": false}),
                Some("saga-choreography"),
                None,
            ),
            (
                json!({"strong_consistency_required": true, "multi_step_process": true, "services_involved": 3, "complex_flow": true}),
                Some("saga-orchestration"),
                None,
            ),
            (
                json!({"strong_consistency_required": true, "multi_step_process": false, "single_database": false}),
                Some("acid-single-database"),
                None,
            ),
            (json!({}), None, Some("strong_consistency_required")),
            (
                json!({"multi_step_process": true, "complex_flow": true}),
                None,
                Some("strong_consistency_required"),
            ),
            (
                json!({"strong_consistency_required": false}),
                None,
                Some("multi_step_process"),
            ),
            (
                json!({"strong_consistency_required": false, "multi_step_process": false}),
                Some("outbox"),
                None,
            ),
            (
                json!({"strong_consistency_required": false, "multi_step_process": false, "single_database": false}),
                Some("outbox"),
                None,
            ),
            (
                json!({"strong_consistency_required": false, "multi_step_process": false, "single_database": true}),
                Some("acid-single-database"),
                None,
            ),
            (
                json!({"strong_consistency_required": false, "multi_step_process": true}),
                None,
                Some("complex_flow"),
            ),
            (
                json!({"strong_consistency_required": false, "multi_step_process": true, "complex_flow": false}),
                Some("saga-choreography"),
                None,
            ),
            (
                json!({"strong_consistency_required": false, "multi_step_process": true, "complex_flow": true}),
                Some("saga-orchestration"),
                None,
            ),
            (
                json!({"strong_consistency_required": false, "multi_step_process": true, "services_involved": 4}),
                Some("saga-orchestration"),
                None,
            ),
            (
                json!({"strong_consistency_required": false, "multi_step_process": true, "services_involved": 3}),
                None,
                Some("complex_flow"),
            ),
            (
                json!({"strong_consistency_required": false, "multi_step_process": true, "steps": ["a x", "b y", "c z", "d w", "e v"]}),
                Some("saga-orchestration"),
                None,
            ),
            (
                json!({"strong_consistency_required": false, "multi_step_process": true, "single_database": true, "complex_flow": false}),
                Some("saga-choreography"),
                None,
            ),
        ];
        for (json, want, question) in cases {
            let out = run(json.clone());
            assert_eq!(pat(&out), want, "{json}");
            assert_eq!(
                out.next_question.as_ref().map(|q| q.field.as_str()),
                question,
                "{json}"
            );
        }
    }

    #[test]
    fn outbox_plan_has_table_relay_and_dedupe() {
        let out = run(
            serde_json::json!({"strong_consistency_required": false, "multi_step_process": false}),
        );
        assert_eq!(out.guarantee.as_deref(), Some("eventual"));
        assert!(out.why.contains("same transaction"));
        assert!(out.why.contains("at-least-once"));
        assert!(out.why.contains("two-phase commit"));
        let ex = out.example.as_ref().unwrap();
        assert!(ex.contains("INSERT INTO outbox"));
        assert!(ex.contains("FOR UPDATE SKIP LOCKED"));
        assert!(out.steps.iter().any(|s| s.contains("relay")));
        assert!(
            out.steps
                .iter()
                .any(|s| s.contains("dedupes on the event id"))
        );
        assert!(out.references.contains(&fp("the-outbox-pattern")));
        assert!(out.references.contains(&fp("consumer-deduplication")));
        assert!(out.saga_steps.is_empty());
    }

    #[test]
    fn acid_plan_explains_boundaries() {
        let out = run(
            serde_json::json!({"strong_consistency_required": true, "multi_step_process": false, "services_involved": 3}),
        );
        assert_eq!(pat(&out), Some("acid-single-database"));
        assert_eq!(out.guarantee.as_deref(), Some("strong"));
        assert!(out.why.contains("one database/service boundary"));
        assert!(out.why.contains("two-phase commit"));
        assert!(out.example.as_ref().unwrap().contains("FOR UPDATE"));
        assert!(
            out.references
                .contains(&fp("acid-transactions-in-one-database"))
        );

        let multi = run(
            serde_json::json!({"strong_consistency_required": true, "multi_step_process": true, "single_database": true}),
        );
        assert!(multi.why.contains("one short transaction"));

        let free = run(
            serde_json::json!({"strong_consistency_required": false, "multi_step_process": false, "services_involved": 1}),
        );
        assert_eq!(pat(&free), Some("acid-single-database"));
        assert!(free.why.contains("for free"));
    }

    #[test]
    fn strong_across_services_saga_says_eventual() {
        let out = run(
            serde_json::json!({"strong_consistency_required": true, "multi_step_process": true, "services_involved": 5}),
        );
        assert_eq!(pat(&out), Some("saga-orchestration"));
        assert_eq!(out.guarantee.as_deref(), Some("eventual"));
        assert!(out.why.contains("eventually consistent"));
        assert!(out.why.contains("one database/service boundary"));
        assert_eq!(out.path.last().unwrap().source, "services_involved");
    }

    #[test]
    fn saga_compensations_per_step() {
        let out = run(serde_json::json!({
            "strong_consistency_required": false, "multi_step_process": true, "complex_flow": false,
            "steps": ["create order", "reserve inventory", "charge payment", "ship order"]
        }));
        assert_eq!(pat(&out), Some("saga-choreography"));
        let comp: Vec<&str> = out
            .saga_steps
            .iter()
            .map(|s| s.compensation.as_str())
            .collect();
        assert!(comp[0].contains("cancelled"));
        assert!(comp[1].contains("release the inventory"));
        assert!(comp[2].contains("refund"));
        assert!(comp[3].starts_with("none: the last step"));
        assert_eq!(out.saga_steps[3].order, 4);
        // The saga steps are the example: no second rendering of the same chain.
        assert!(out.example.is_none());
        assert!(
            out.pitfalls
                .iter()
                .any(|p| p.contains("intermediate states"))
        );
        assert!(out.references.contains(&fp("sagas")));
        assert!(
            out.references
                .contains(&fp("choreography-versus-orchestration"))
        );

        let orch = run(
            serde_json::json!({"strong_consistency_required": false, "multi_step_process": true, "complex_flow": true}),
        );
        assert_eq!(orch.saga_steps.len(), 4, "default example steps");
        assert!(orch.steps[0].contains("orchestrator"));
        assert!(orch.steps.iter().any(|s| s.contains("idempotency key")));

        let verbs = [
            ("debit account", "credit the account back"),
            ("credit wallet", "debit the wallet back"),
            ("book flight", "cancel the flight"),
            ("authorize card", "void the authorization on the card"),
            ("send email", "cannot be unsent"),
            ("ship parcel", "start a return of the parcel"),
            ("frobnicate widget", "define a semantic undo"),
            ("Reserve", "release it"),
        ];
        for (step, want) in verbs {
            assert!(
                compensation_for(step).contains(want),
                "{step}: {}",
                compensation_for(step)
            );
        }
        // A single step saga: the only step gets a compensation rule, not "none needed".
        let one = saga_steps(&["charge card".to_string()]);
        assert!(one[0].compensation.contains("refund"));
    }

    #[test]
    fn questions_carry_options_and_guidance() {
        for q in [q_strong(), q_multi_step(), q_single_database(), q_complex()] {
            assert_eq!(q.options, vec!["true", "false"]);
            assert!(!q.how_to_tell.is_empty());
        }
    }

    #[test]
    fn errors_name_the_field() {
        use serde_json::json;
        let long = "x".repeat(MAX_STEP_CHARS + 1);
        let many: Vec<String> = (0..=MAX_STEPS).map(|i| format!("step {i}")).collect();
        let cases = [
            (json!({"services_involved": 0}), "services_involved"),
            (json!({"services_involved": 1001}), "services_involved"),
            (json!({"steps": [" "]}), "steps[0]"),
            (json!({"steps": ["ok", long]}), "steps[1]"),
            (json!({"steps": many}), "steps"),
        ];
        for (json, field) in cases {
            let input: PlanDataConsistencyInput = serde_json::from_value(json.clone()).unwrap();
            let err = plan_data_consistency(&input).unwrap_err();
            let msg = match err {
                DecideError::InvalidInput(m) | DecideError::TooLarge(m) => m,
            };
            assert!(msg.starts_with(field), "{json}: {msg}");
        }
        assert!(
            serde_json::from_value::<PlanDataConsistencyInput>(json!({"strong": true})).is_err()
        );
    }

    #[test]
    fn serialized_identifiers_match_the_contract() {
        for (p, id) in [
            (
                ConsistencyPattern::AcidSingleDatabase,
                "acid-single-database",
            ),
            (ConsistencyPattern::Outbox, "outbox"),
            (ConsistencyPattern::SagaChoreography, "saga-choreography"),
            (ConsistencyPattern::SagaOrchestration, "saga-orchestration"),
        ] {
            assert_eq!(serde_json::to_value(p).unwrap(), id);
            assert_eq!(p.as_str(), id);
        }
        let schema = serde_json::to_value(schemars::schema_for!(PlanDataConsistencyInput)).unwrap();
        for key in [
            "strong_consistency_required",
            "multi_step_process",
            "complex_flow",
        ] {
            assert!(
                schema["properties"][key]["description"].is_string(),
                "{key}"
            );
        }
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(
            strong in any::<Option<bool>>(),
            multi in any::<Option<bool>>(),
            complex in any::<Option<bool>>(),
            single in any::<Option<bool>>(),
            services in proptest::option::of(prop_oneof![0u32..10, any::<u32>()]),
            steps in proptest::option::of(proptest::collection::vec(".{0,40}", 0..8)),
            external in any::<Option<bool>>(),
        ) {
            let input = PlanDataConsistencyInput {
                strong_consistency_required: strong,
                multi_step_process: multi,
                complex_flow: complex,
                single_database: single,
                services_involved: services,
                steps,
                external_side_effect: external,
            };
            if let Ok(out) = plan_data_consistency(&input) {
                prop_assert!(out.pattern.is_some() != out.next_question.is_some());
                assert_refs_allowed(&out);
                let _ = out.to_string();
                prop_assert!(serde_json::to_string(&out).is_ok());
            }
        }
    }
}
