//! The near-miss table: calls the way models really make them, through the real tool input types.
//! Each is accepted with the meaning a person would read (checked field by field, with the notes it
//! must carry), or rejected with every problem named.

use serde::Serialize;
use serde_json::{Value, json};

use super::*;
use crate::decide::api::ChooseApiStyleInput;
use crate::decide::consistency::PlanDataConsistencyInput;
use crate::decide::failure::PlanRetriesInput;
use crate::decide::observability::PlanSloInput;
use crate::decide::performance::DiagnosePerformanceInput;
use crate::decide::scaling::PickScalingStrategyInput;
use crate::decide::security::AuditSecurityInput;

enum Expect {
    /// Accepted: (JSON pointer into the decoded input, value) pairs, and text each note must
    /// contain, one entry per note.
    Read(Vec<(&'static str, Value)>, &'static [&'static str]),
    /// Rejected: text each problem must contain, one entry per problem.
    Rejected(&'static [&'static str]),
}

fn check<I: DeserializeOwned + JsonSchema + Serialize>(case: usize, args: Value, expect: &Expect) {
    let result = decode::<I>(args.clone());
    match (expect, result) {
        (Expect::Read(fields, notes), Ok(decoded)) => {
            let value = serde_json::to_value(&decoded.input).unwrap();
            for (pointer, want) in fields.iter() {
                let got = value.pointer(pointer).unwrap_or(&Value::Null);
                assert_eq!(got, want, "case {case} {args}: {pointer} in {value}");
            }
            assert_eq!(
                decoded.notes.len(),
                notes.len(),
                "case {case} {args}: notes {:?}",
                decoded.notes
            );
            for (note, want) in decoded.notes.iter().zip(notes.iter()) {
                assert!(
                    note.contains(want),
                    "case {case} {args}: note {note:?} lacks {want:?}"
                );
            }
        }
        (Expect::Rejected(problems), Err(error)) => {
            assert_eq!(
                error.problems.len(),
                problems.len(),
                "case {case} {args}: {error}"
            );
            for (problem, want) in error.problems.iter().zip(problems.iter()) {
                let text = problem.to_string();
                assert!(
                    text.contains(want),
                    "case {case} {args}: {text:?} lacks {want:?}"
                );
            }
            let message = error.to_string();
            for rust in ["f64", "u32", "u64", "i64", "usize", "untagged", "variant"] {
                assert!(!message.contains(rust), "case {case}: Rust in {message:?}");
            }
        }
        (Expect::Read(..), Err(error)) => panic!("case {case} {args}: rejected: {error}"),
        (Expect::Rejected(_), Ok(decoded)) => {
            panic!("case {case} {args}: accepted, notes {:?}", decoded.notes)
        }
    }
}

#[test]
fn near_misses_read_as_a_person_would() {
    use Expect::{Read, Rejected};
    let retries: Vec<(Value, Expect)> = vec![
        (
            json!({"failure": "Timeout", "idempotent": "true", "max_retries": "3"}),
            Read(
                vec![
                    ("/failure", json!("timeout")),
                    ("/idempotent", json!(true)),
                    ("/max_retries", json!(3)),
                ],
                &[],
            ),
        ),
        (
            json!({"failure": "503", "idempotent": true}),
            Read(
                vec![("/failure", json!("http_503"))],
                &["\"503\" as \"http_503\""],
            ),
        ),
        (
            json!({"failure": "HTTP 503", "idempotent": true}),
            Read(vec![("/failure", json!("http_503"))], &[]),
        ),
        (
            json!({"failure": "http-429", "idempotent": "yes"}),
            Read(
                vec![
                    ("/failure", json!("http_429")),
                    ("/idempotent", json!(true)),
                ],
                &[],
            ),
        ),
        (
            json!({"failure": 404, "idempotent": false}),
            Read(vec![("/failure", json!("http_4xx"))], &["as \"http_4xx\""]),
        ),
        (
            json!({"failure": "connection refused", "idempotent": true}),
            Read(
                vec![("/failure", json!("connection_error"))],
                &["connection_error"],
            ),
        ),
        (
            json!({"failure": "timeout", "idempotent": true, "max_retries": 12}),
            Read(vec![("/max_retries", json!(10))], &["capped at 10"]),
        ),
        (
            json!({"failure": "timeout", "idempotent": true, "base_delay_ms": 100.0}),
            Read(vec![("/base_delay_ms", json!(100))], &[]),
        ),
        (
            json!({"failure": "timeout", "idempotent": true, "retries": 2}),
            Read(
                vec![("/max_retries", json!(2))],
                &["`retries`: read as `max_retries`"],
            ),
        ),
        (
            json!({"failure": "explode", "idempotent": "maybe", "max_retries": -1}),
            Rejected(&[
                "`failure`: \"explode\" is not accepted; give one of timeout",
                "`idempotent`: \"maybe\" is not accepted; give true or false, e.g. \"idempotent\": true",
                "`max_retries`: -1 is below the least accepted",
            ]),
        ),
        (
            json!({}),
            Rejected(&[
                "`idempotent`: missing",
                "`failure`: missing; give one of timeout",
            ]),
        ),
        (
            json!({"failure": "timeout", "idempotent": true, "bogus": 1, "other": 2}),
            Rejected(&["`bogus`, `other` are not fields; the fields are: base_delay_ms"]),
        ),
        (
            json!({"failure": "timeout", "idempotent": true, "base_delay_ms": 2.5}),
            Rejected(&["`base_delay_ms`: 2.5 is not accepted; give a whole number"]),
        ),
    ];
    let slo: Vec<(Value, Expect)> = vec![
        (
            json!({"target_percent": "99.9"}),
            Read(vec![("/target_percent", json!(99.9))], &[]),
        ),
        (
            json!({"target_percent": "99.9%", "window_days": 30.0}),
            Read(
                vec![
                    ("/target_percent", json!(99.9)),
                    ("/window_days", json!(30)),
                ],
                &[],
            ),
        ),
        (
            json!({"target_percent": 99.9, "window_days": "28"}),
            Read(vec![("/window_days", json!(28))], &[]),
        ),
        (
            json!({"target": 99.9, "window": 28}),
            Read(
                vec![
                    ("/target_percent", json!(99.9)),
                    ("/window_days", json!(28)),
                ],
                &["read as `target_percent`", "read as `window_days`"],
            ),
        ),
        (
            json!({"target_percent": "high"}),
            Rejected(&["`target_percent`: \"high\" is not accepted; give a number"]),
        ),
        (
            json!({"Target_Percent": 99.5}),
            Read(vec![("/target_percent", json!(99.5))], &[]),
        ),
    ];
    let scaling: Vec<(Value, Expect)> = vec![
        (
            json!({"workload": "read-heavy"}),
            Read(vec![("/workload", json!("read_heavy"))], &[]),
        ),
        (
            json!({"workload": "Read Heavy", "bottleneck": "Data"}),
            Read(
                vec![
                    ("/workload", json!("read_heavy")),
                    ("/bottleneck", json!("data")),
                ],
                &[],
            ),
        ),
        (
            json!({"bottleneck": "database"}),
            Read(
                vec![("/bottleneck", json!("data"))],
                &["\"database\" as \"data\""],
            ),
        ),
        (
            json!({"workload": "read"}),
            Read(
                vec![("/workload", json!("read_heavy"))],
                &["as \"read_heavy\""],
            ),
        ),
        (
            json!({"single_server_sufficient": "no"}),
            Read(vec![("/single_server_sufficient", json!(false))], &[]),
        ),
        (
            json!({"db_cpu_percent": 90}),
            Read(
                vec![("/metrics/db_cpu_percent", json!(90.0))],
                &["belongs in `metrics`"],
            ),
        ),
        (
            json!({"metrics": {"db_cpu_percent": "90%", "larger_instance_available": "yes"}}),
            Read(
                vec![
                    ("/metrics/db_cpu_percent", json!(90.0)),
                    ("/metrics/larger_instance_available", json!(true)),
                ],
                &[],
            ),
        ),
        (
            json!({"needs": {"team_boundaries": "true"}}),
            Read(vec![("/needs/team_boundaries", json!(true))], &[]),
        ),
        (
            json!({"independent_deployments": true, "bottleneck": "compute"}),
            Read(
                vec![("/needs/independent_deployments", json!(true))],
                &["belongs in `needs`"],
            ),
        ),
        (
            json!({"workload": "balanced"}),
            Rejected(&[
                "`workload`: \"balanced\" is not accepted; give one of read_heavy, write_heavy, e.g. \"workload\": \"read_heavy\"",
            ]),
        ),
        (
            json!({"bottleneck": "memory", "frobnicate": 1}),
            Rejected(&[
                "`frobnicate` is not a field; the fields are:",
                "`bottleneck`: \"memory\" is not accepted; give one of compute, data",
            ]),
        ),
        (
            json!({"metrics": {"db_cpu": 90}}),
            Read(
                vec![("/metrics/db_cpu_percent", json!(90.0))],
                &["`metrics.db_cpu`: read as `metrics.db_cpu_percent`"],
            ),
        ),
        (
            json!({"metrics": {"qps": 900}}),
            Rejected(&[
                "`metrics.qps` is not a field of `metrics`; the fields are: app_cpu_percent",
            ]),
        ),
    ];
    let api: Vec<(Value, Expect)> = vec![
        (
            json!({"needs": "crud"}),
            Read(vec![("/needs", json!(["crud"]))], &[]),
        ),
        (
            json!({"needs": ["CRUD", "Realtime"]}),
            Read(
                vec![("/needs", json!(["crud", "realtime_bidirectional"]))],
                &["as \"realtime_bidirectional\""],
            ),
        ),
        (
            json!({"needs": ["crud"], "consumers": "Public"}),
            Read(vec![("/consumers", json!("public"))], &[]),
        ),
        (
            json!({"needs": ["crud"], "data_set": {"size": "Large", "changing": "true"}}),
            Read(
                vec![
                    ("/data_set/size", json!("large")),
                    ("/data_set/changing", json!(true)),
                ],
                &[],
            ),
        ),
        (
            json!({"needs": ["telepathy"]}),
            Rejected(&["`needs[0]`: \"telepathy\" is not accepted; give one of crud"]),
        ),
        (
            json!({"needs": ["crud"], "consumers": "everyone"}),
            Rejected(&[
                "`consumers`: \"everyone\" is not accepted; give one of public, internal, both",
            ]),
        ),
    ];
    let security: Vec<(Value, Expect)> = vec![
        (
            json!({"password_hashing": "argon2"}),
            Read(
                vec![("/password_hashing", json!("argon2id"))],
                &["\"argon2\" as \"argon2id\""],
            ),
        ),
        (
            json!({"password_hashing": "Argon2id", "bcrypt_cost": "12"}),
            Read(
                vec![
                    ("/password_hashing", json!("argon2id")),
                    ("/bcrypt_cost", json!(12)),
                ],
                &[],
            ),
        ),
        (
            json!({"transport": "TLS"}),
            Rejected(&["`transport`: \"TLS\" could be any of tls_everywhere, tls_at_edge_only"]),
        ),
        (
            json!({"secrets": "Vault"}),
            Read(
                vec![("/secrets", json!("secrets_manager"))],
                &["secrets_manager"],
            ),
        ),
        (
            json!({"sql": "prepared statements"}),
            Read(vec![("/sql", json!("parameterized"))], &["parameterized"]),
        ),
        (
            json!({"user_authentication": "OAuth2", "service_authentication": "oauth2"}),
            Read(
                vec![
                    ("/user_authentication", json!("oauth2_oidc")),
                    (
                        "/service_authentication",
                        json!("oauth2_client_credentials"),
                    ),
                ],
                &["oauth2_client_credentials", "oauth2_oidc"],
            ),
        ),
        (
            json!({"password_hashing": "SHA-256"}),
            Read(vec![("/password_hashing", json!("sha256"))], &[]),
        ),
        (
            json!({"authorization_checked_every_request": 1}),
            Read(
                vec![("/authorization_checked_every_request", json!(true))],
                &[],
            ),
        ),
        (
            json!({"password_hashing": "rot13", "sql": "vibes"}),
            Rejected(&["`password_hashing`: \"rot13\"", "`sql`: \"vibes\""]),
        ),
    ];
    let consistency: Vec<(Value, Expect)> = vec![
        (
            json!({"strong_consistency_required": "yes", "steps": "charge card"}),
            Read(
                vec![
                    ("/strong_consistency_required", json!(true)),
                    ("/steps", json!(["charge card"])),
                ],
                &[],
            ),
        ),
        (
            json!({"services_involved": "3"}),
            Read(vec![("/services_involved", json!(3))], &[]),
        ),
        (
            json!({"multi_step": true}),
            Read(
                vec![("/multi_step_process", json!(true))],
                &["read as `multi_step_process`"],
            ),
        ),
        (
            json!({"strong_consistency_required": "sometimes"}),
            Rejected(&["true or false"]),
        ),
    ];
    let performance: Vec<(Value, Expect)> = vec![
        (
            json!({"slow_queries": "42"}),
            Read(vec![("/slow_queries", json!(42))], &[]),
        ),
        (
            json!({"slow_queries": "yes"}),
            Read(vec![("/slow_queries", json!(true))], &[]),
        ),
        (
            json!({"cpu": 95}),
            Read(
                vec![("/cpu_percent", json!(95.0))],
                &["`cpu`: read as `cpu_percent`"],
            ),
        ),
        (
            json!({"percent": 95}),
            Rejected(&["`percent` is not a field; the fields are:"]),
        ),
        (
            json!({"cpu_percent": "95%", "n_plus_one": "true"}),
            Read(
                vec![("/cpu_percent", json!(95.0)), ("/n_plus_one", json!(true))],
                &[],
            ),
        ),
        (
            json!({"slow_queries": "lots"}),
            Rejected(&[
                "`slow_queries`: \"lots\" is not accepted; give true or false, or a whole number",
            ]),
        ),
    ];
    let mut n = 0;
    for (args, expect) in &retries {
        check::<PlanRetriesInput>(n, args.clone(), expect);
        n += 1;
    }
    for (args, expect) in &slo {
        check::<PlanSloInput>(n, args.clone(), expect);
        n += 1;
    }
    for (args, expect) in &scaling {
        check::<PickScalingStrategyInput>(n, args.clone(), expect);
        n += 1;
    }
    for (args, expect) in &api {
        check::<ChooseApiStyleInput>(n, args.clone(), expect);
        n += 1;
    }
    for (args, expect) in &security {
        check::<AuditSecurityInput>(n, args.clone(), expect);
        n += 1;
    }
    for (args, expect) in &consistency {
        check::<PlanDataConsistencyInput>(n, args.clone(), expect);
        n += 1;
    }
    for (args, expect) in &performance {
        check::<DiagnosePerformanceInput>(n, args.clone(), expect);
        n += 1;
    }
    assert!(n >= 40, "{n} near-miss cases");
}
