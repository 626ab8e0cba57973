//! Each decision tool through the real binary and rmcp's client: a verdict with structured content and
//! resolvable citations, a guided question where input is missing, and a tool error for bad input.

mod common;

use backend_engineering_mcp::content::Skill;
use common::{args, connect};
use rmcp::RoleClient;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use serde_json::{Value, json};

async fn call(
    client: &RunningService<RoleClient, ()>,
    name: &str,
    arguments: Value,
) -> CallToolResult {
    client
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args(arguments)))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every `skill://` string anywhere in the value.
fn uris(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.starts_with("skill://") => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| uris(v, out)),
        Value::Object(map) => map.values().for_each(|v| uris(v, out)),
        _ => {}
    }
}

fn verdict(result: CallToolResult) -> Value {
    assert_eq!(result.is_error, Some(false), "{:?}", result.content);
    let text = serde_json::to_string(&result.content).unwrap();
    assert!(text.len() > 50, "a readable text comes with the verdict");
    let structured = result.structured_content.expect("structuredContent");
    let mut cited = Vec::new();
    uris(&structured, &mut cited);
    assert!(!cited.is_empty(), "the verdict cites sections to read");
    for uri in cited {
        assert!(
            Skill::get()
                .resolve_uri(&uri)
                .is_some_and(|(_, s)| s.is_some()),
            "{uri} does not resolve"
        );
    }
    structured
}

fn tool_error(result: CallToolResult) -> String {
    assert_eq!(
        result.is_error,
        Some(true),
        "{:?}",
        result.structured_content
    );
    serde_json::to_string(&result.content).unwrap()
}

#[tokio::test]
async fn review_schema_finds_an_unindexed_foreign_key_and_reports_parse_errors() {
    let client = connect().await;
    let ddl = "CREATE TABLE customers (id bigint PRIMARY KEY);\n\
               CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), total numeric(12,2));";
    let out = verdict(call(&client, "review_schema", json!({"ddl": ddl})).await);
    let findings = out["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "unindexed-foreign-key" && f["table"] == "orders"),
        "{findings:?}"
    );
    let mysql = verdict(
        call(
            &client,
            "review_schema",
            json!({"ddl": ddl, "dialect": "mysql"}),
        )
        .await,
    );
    assert!(
        !mysql["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "unindexed-foreign-key"),
        "InnoDB indexes foreign keys itself"
    );
    let message = tool_error(
        call(
            &client,
            "review_schema",
            json!({"ddl": "CREATE TABLE (oops"}),
        )
        .await,
    );
    assert!(
        message.contains("Line") || message.contains("line"),
        "{message}"
    );
    let message = tool_error(
        call(
            &client,
            "review_schema",
            json!({"ddl": "x".repeat(1_048_577)}),
        )
        .await,
    );
    assert!(message.contains("no statement parses"), "{message}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn pick_scaling_strategy_walks_the_tree_and_asks_when_input_is_missing() {
    let client = connect().await;
    let out = verdict(
        call(
            &client,
            "pick_scaling_strategy",
            json!({"single_server_sufficient": false, "bottleneck": "data", "workload": "read_heavy"}),
        )
        .await,
    );
    assert_eq!(out["strategy"], "read-replicas-then-cache");
    assert_eq!(out["path"].as_array().unwrap().len(), 3);
    let out = verdict(call(&client, "pick_scaling_strategy", json!({})).await);
    assert_eq!(out["strategy"], Value::Null);
    assert_eq!(out["next_question"]["field"], "single_server_sufficient");
    let message = tool_error(
        call(
            &client,
            "pick_scaling_strategy",
            json!({"bottleneck": "disk"}),
        )
        .await,
    );
    assert!(message.contains("bottleneck"), "{message}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn plan_slo_computes_the_budget_and_burn_rate_alerts() {
    let client = connect().await;
    let out = verdict(
        call(
            &client,
            "plan_slo",
            json!({"target_percent": 99.9, "window_days": 30}),
        )
        .await,
    );
    assert!((out["error_budget_minutes"].as_f64().unwrap() - 43.2).abs() < 1e-9);
    let rates: Vec<f64> = out["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["burn_rate"].as_f64().unwrap())
        .collect();
    assert_eq!(rates, [14.4, 6.0, 1.0]);
    let message = tool_error(call(&client, "plan_slo", json!({"target_percent": 100})).await);
    assert!(message.contains("100"), "{message}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn diagnose_performance_acts_on_the_first_problem_in_order() {
    let client = connect().await;
    let out = verdict(
        call(
            &client,
            "diagnose_performance",
            json!({"cpu_percent": 30, "memory_percent": 40, "io_wait_percent": 2, "network_saturated": false,
                   "slow_queries": true, "n_plus_one": true, "pool_in_use": 100, "pool_size": 100}),
        )
        .await,
    );
    assert_eq!(out["act_on"]["step"], 2);
    assert_eq!(out["steps"].as_array().unwrap().len(), 5);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn audit_security_fails_md5_and_passes_argon2id() {
    let client = connect().await;
    let out = verdict(
        call(
            &client,
            "audit_security",
            json!({"password_hashing": "md5", "sql": "parameterized"}),
        )
        .await,
    );
    let items = out["items"].as_array().unwrap();
    let status = |needle: &str| {
        items
            .iter()
            .find(|i| i["id"].as_str().unwrap_or_default().contains(needle))
            .map(|i| i["status"].clone())
            .unwrap_or_else(|| panic!("no item {needle}: {items:?}"))
    };
    assert_eq!(status("password"), "fail");
    assert_eq!(status("sql"), "pass");
    let out = verdict(
        call(
            &client,
            "audit_security",
            json!({"password_hashing": "argon2id"}),
        )
        .await,
    );
    let items = out["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["status"] == "pass"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn choose_api_style_follows_the_decision_table() {
    let client = connect().await;
    let out = verdict(
        call(
            &client,
            "choose_api_style",
            json!({"needs": ["internal_high_performance"], "consumers": "internal"}),
        )
        .await,
    );
    assert_eq!(out["style"], "grpc");
    let out = verdict(
        call(
            &client,
            "choose_api_style",
            json!({"needs": ["crud"], "consumers": "public"}),
        )
        .await,
    );
    assert_eq!(out["style"], "rest");
    assert_eq!(out["pagination"]["choice"], "cursor");
    assert!(serde_json::to_string(&out).unwrap().contains("next_cursor"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn plan_retries_refuses_a_non_idempotent_call_without_a_key() {
    let client = connect().await;
    let out = verdict(
        call(
            &client,
            "plan_retries",
            json!({"idempotent": false, "has_idempotency_key": false, "failure": "timeout"}),
        )
        .await,
    );
    assert_eq!(out["should_retry"], false);
    let out = verdict(
        call(
            &client,
            "plan_retries",
            json!({"idempotent": true, "failure": "http_503", "max_retries": 3, "base_delay_ms": 100, "max_delay_ms": 1000, "deadline_ms": 5000}),
        )
        .await,
    );
    assert_eq!(out["should_retry"], true);
    assert_eq!(out["schedule"].as_array().unwrap().len(), 3);
    assert_eq!(out["worst_case_total_ms"], 700);
    // Any other 4xx reads as http_4xx, and says so.
    let out = verdict(
        call(
            &client,
            "plan_retries",
            json!({"idempotent": true, "failure": "http_418"}),
        )
        .await,
    );
    assert_eq!(out["failure"], "http_4xx");
    assert_eq!(out["should_retry"], false);
    assert!(out["input_notes"][0].as_str().unwrap().contains("http_4xx"));
    client.cancel().await.unwrap();
}

/// The forgiving decoder through the binary: what a model writes is read as a person would, a count
/// out of range is capped with a note, and everything wrong in a call comes back in one message.
#[tokio::test]
async fn near_misses_are_read_and_every_problem_is_named_at_once() {
    let client = connect().await;
    let out = verdict(
        call(
            &client,
            "plan_retries",
            json!({"failure": "Timeout", "idempotent": "true", "max_retries": "3"}),
        )
        .await,
    );
    assert_eq!(out["failure"], "timeout");
    assert_eq!(out["schedule"].as_array().unwrap().len(), 3);
    // A reference in any case, and a heading for its anchor.
    let read = call(
        &client,
        "read_reference",
        json!({"name": "Security.MD", "section": "Password storage"}),
    )
    .await;
    assert_eq!(read.is_error, Some(false), "{:?}", read.content);
    let read = read.structured_content.unwrap();
    assert!(
        read["uri"]
            .as_str()
            .unwrap()
            .ends_with("security.md#password-storage"),
        "{read}"
    );
    let out = verdict(
        call(
            &client,
            "plan_retries",
            json!({"failure": "HTTP 503", "idempotent": true, "max_retries": 12}),
        )
        .await,
    );
    assert_eq!(out["schedule"].as_array().unwrap().len(), 10);
    assert!(
        out["input_notes"][0]
            .as_str()
            .unwrap()
            .contains("capped at 10")
    );
    let out = verdict(
        call(
            &client,
            "pick_scaling_strategy",
            json!({"single_server_sufficient": "no", "bottleneck": "Data", "workload": "read-heavy", "db_cpu_percent": 90}),
        )
        .await,
    );
    assert_eq!(out["strategy"], "read-replicas-then-cache");
    assert!(
        out["input_notes"][0]
            .as_str()
            .unwrap()
            .contains("belongs in `metrics`")
    );
    let out = verdict(
        call(
            &client,
            "plan_slo",
            json!({"target_percent": "99.9%", "window_days": 30.0}),
        )
        .await,
    );
    assert_eq!(out["error_budget_minutes"], 43.2);
    let out = verdict(
        call(
            &client,
            "choose_api_style",
            json!({"needs": "crud", "consumers": "Public"}),
        )
        .await,
    );
    assert_eq!(out["style"], "rest");
    let message = tool_error(
        call(
            &client,
            "plan_retries",
            json!({"failure": "explode", "idempotent": "maybe", "bogus": 1}),
        )
        .await,
    );
    assert!(message.contains("3 problems"), "{message}");
    for part in [
        "`bogus` is not a field",
        "`failure`: \\\"explode\\\"",
        "`idempotent`",
    ] {
        assert!(message.contains(part), "{part} in {message}");
    }
    assert!(
        !message.contains("f64") && !message.contains("variant"),
        "{message}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn plan_data_consistency_picks_acid_outbox_or_saga() {
    let client = connect().await;
    let out = verdict(
        call(
            &client,
            "plan_data_consistency",
            json!({"strong_consistency_required": true, "single_database": true}),
        )
        .await,
    );
    assert_eq!(out["pattern"], "acid-single-database");
    let out = verdict(
        call(
            &client,
            "plan_data_consistency",
            json!({"strong_consistency_required": false, "multi_step_process": false}),
        )
        .await,
    );
    assert_eq!(out["pattern"], "outbox");
    let out = verdict(
        call(
            &client,
            "plan_data_consistency",
            json!({"strong_consistency_required": false, "multi_step_process": true, "complex_flow": true}),
        )
        .await,
    );
    assert_eq!(out["pattern"], "saga-orchestration");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn chinese_answers_are_read_and_the_verdict_keeps_its_identifiers() {
    let client = connect().await;
    let v = verdict(
        call(
            &client,
            "pick_scaling_strategy",
            json!({"single_server_sufficient": "否", "bottleneck": "数据库", "workload": "读多写少"}),
        )
        .await,
    );
    assert_eq!(v["strategy"], "read-replicas-then-cache", "{v}");
    let v = verdict(
        call(
            &client,
            "plan_retries",
            json!({"failure": "服务不可用", "idempotent": "是"}),
        )
        .await,
    );
    assert_eq!(v["failure"], "http_503", "{v}");
    assert_eq!(v["should_retry"], true, "{v}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn review_schema_replies_stay_readable_for_a_dump_of_hundreds_of_tables() {
    let client = connect().await;
    // 400 keyless tables, each with an unindexed foreign key, then one plaintext password at the end.
    let mut ddl = common::heavy_ddl(400);
    ddl.push_str("CREATE TABLE accounts (id bigint PRIMARY KEY, email text, password text);\n");
    let result = call(&client, "review_schema", json!({"ddl": ddl})).await;
    let structured_bytes = serde_json::to_vec(&result.structured_content)
        .unwrap()
        .len();
    let text_bytes = serde_json::to_vec(&result.content).unwrap().len();
    let out = verdict(result);
    let findings = out["findings"].as_array().unwrap();
    let total = out["summary"]["total"].as_u64().unwrap();
    assert!(total > 800, "every finding is counted: {}", out["summary"]);
    assert_eq!(findings.len(), 30, "the default lists 30");
    let omitted = &out["omitted"];
    assert_eq!(omitted["findings"].as_u64(), Some(total - 30));
    let per_rule: u64 = omitted["by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(per_rule, total - 30, "{omitted}");
    assert!(
        findings
            .iter()
            .any(|f| f["table"] == "accounts" && f["rule"] == "plaintext-secret"),
        "a rule that fires once, on the last table, is not crowded out by one that fires 400 times"
    );
    let tables = out["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 25);
    assert_eq!(omitted["tables"].as_u64(), Some(376));
    assert!(tables.iter().any(|t| t["name"] == "accounts"));
    assert!(
        structured_bytes < 64 * 1024 && text_bytes < 64 * 1024,
        "structuredContent {structured_bytes} B, text {text_bytes} B"
    );

    let counts = verdict(
        call(
            &client,
            "review_schema",
            json!({"ddl": ddl, "max_findings": 0}),
        )
        .await,
    );
    assert_eq!(counts["findings"].as_array().map(Vec::len), Some(0));
    assert_eq!(counts["summary"]["total"].as_u64(), Some(total));
    let message = tool_error(
        call(
            &client,
            "review_schema",
            json!({"ddl": ddl, "max_findings": 1001}),
        )
        .await,
    );
    assert!(message.contains("at most 1000"), "{message}");
    client.cancel().await.unwrap();
}
