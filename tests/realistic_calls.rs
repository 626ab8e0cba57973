//! The realistic-call set (tests/data/realistic_calls.json): each call through the real binary, its
//! key verdict checked, and what it costs a model in tokens (bytes / 4) in both forms a client may show:
//! the text block and the `structuredContent` JSON. Each result is also checked against its tool's
//! `outputSchema` (every key declared, types and enums as stated). The totals are pinned below the budget recorded in
//! docs/TOKENS.md, so a regression fails here.
//!
//! `cargo test --test realistic_calls -- --nocapture` prints the table. To measure another build
//! (e.g. main's, for a before/after), set `BEM_BINARY=/path/to/backend-engineering-mcp`: the table is
//! printed and verdict mismatches are listed instead of failing.

mod common;

use rmcp::model::CallToolRequestParams;
use serde_json::Value;

/// The set's totals before the answers were rewritten (docs/TOKENS.md): the target is at
/// least 40% fewer tokens in both forms.
const TEXT_BEFORE: usize = 12_243;
const JSON_BEFORE: usize = 14_412;
/// Token budgets for the whole set: the last measured totals (docs/TOKENS.md) with a little room, so
/// an answer that grows fails here.
const TEXT_BUDGET: usize = 6_700;
const JSON_BUDGET: usize = 7_700;

fn tokens(bytes: usize) -> usize {
    bytes.div_ceil(4)
}

/// Where `value` breaks `schema` (the subset of JSON Schema the output schemas use: `$ref` into
/// `$defs`, `type`, `enum`, `properties`, `items`, `anyOf`/`oneOf`, `minimum`). A key the schema does
/// not declare is a break too: the schema must say what the result holds.
fn schema_breaks(value: &Value, schema: &Value, root: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let def = r
            .strip_prefix("#/$defs/")
            .and_then(|name| root["$defs"].get(name));
        match def {
            Some(def) => schema_breaks(value, def, root, at, out),
            None => out.push(format!("{at}: unresolved $ref {r}")),
        }
        return;
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema[key].as_array() {
            let fits = branches.iter().any(|b| {
                let mut e = Vec::new();
                schema_breaks(value, b, root, at, &mut e);
                e.is_empty()
            });
            if !fits {
                out.push(format!("{at}: {value} fits no branch of {key}"));
            }
            return;
        }
    }
    if let Some(t) = schema.get("type") {
        let kinds: Vec<&str> = match t {
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            other => other.as_str().into_iter().collect(),
        };
        let kind = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        if !kinds
            .iter()
            .any(|k| *k == kind || (*k == "number" && kind == "integer"))
        {
            out.push(format!("{at}: {kind}, the schema says {t}"));
            return;
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        out.push(format!("{at}: {value} is not in the enum"));
    }
    if let (Some(min), Some(n)) = (schema["minimum"].as_f64(), value.as_f64())
        && n < min
    {
        out.push(format!("{at}: {n} is below the minimum {min}"));
    }
    if let Value::Object(fields) = value {
        let declared = schema["properties"].as_object();
        for (k, v) in fields {
            match declared.and_then(|d| d.get(k)) {
                Some(sub) => schema_breaks(v, sub, root, &format!("{at}/{k}"), out),
                None => out.push(format!("{at}/{k}: not declared by the output schema")),
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            schema_breaks(v, item_schema, root, &format!("{at}/{i}"), out);
        }
    }
}

#[tokio::test]
async fn realistic_calls_keep_their_verdicts_within_the_token_budget() {
    let data: Value = serde_json::from_str(include_str!("data/realistic_calls.json")).unwrap();
    let other = std::env::var("BEM_BINARY").ok();
    let client = match &other {
        Some(binary) => common::connect_to(binary).await,
        None => common::connect().await,
    };
    let output_schemas: std::collections::HashMap<String, Value> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|t| {
            let schema = Value::Object(t.output_schema.as_deref()?.clone());
            Some((t.name.to_string(), schema))
        })
        .collect();
    let (mut text_total, mut json_total) = (0, 0);
    let mut mismatches = Vec::new();
    eprintln!(
        "{:<4} {:<22} {:>6} {:>6}  verdict",
        "#", "tool", "text", "json"
    );
    for (i, call) in data["calls"].as_array().unwrap().iter().enumerate() {
        let tool = call["tool"].as_str().unwrap();
        let arguments = call["arguments"].as_object().unwrap().clone();
        let result = client
            .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(arguments))
            .await
            .unwrap_or_else(|e| panic!("call {i} ({tool}): {e}"));
        let text: String = result
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
            .collect::<Vec<_>>()
            .join("\n");
        let structured = result.structured_content.clone().unwrap_or(Value::Null);
        let json = serde_json::to_string(&structured).unwrap();
        let (t, j) = (tokens(text.len()), tokens(json.len()));
        // The result is what its output schema says it is.
        let mut breaks = Vec::new();
        match output_schemas.get(tool) {
            Some(schema) => schema_breaks(&structured, schema, schema, "", &mut breaks),
            None => breaks.push("no output schema".to_string()),
        }
        for b in breaks {
            mismatches.push(format!("call {i} ({tool}): outputSchema: {b}"));
        }
        text_total += t;
        json_total += j;
        let mut seen = Vec::new();
        for (pointer, expected) in call["verdict"].as_object().unwrap() {
            let got = structured.pointer(pointer).cloned().unwrap_or(Value::Null);
            let same = match (got.as_f64(), expected.as_f64()) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                _ => &got == expected,
            };
            seen.push(format!("{pointer}={got}"));
            if !same || result.is_error == Some(true) {
                mismatches.push(format!(
                    "call {i} ({tool}): {pointer} is {got}, expected {expected}; text: {text}"
                ));
            }
        }
        // The text form says the verdict first (after any note on how the arguments were read).
        let first_line = text
            .lines()
            .find(|l| !l.starts_with("Arguments read as:") && !l.is_empty())
            .unwrap_or("");
        let lead = call["text_first_line"].as_str().unwrap();
        if !first_line.starts_with(lead) {
            mismatches.push(format!(
                "call {i} ({tool}): the text opens with {first_line:?}, expected {lead:?}"
            ));
        }
        eprintln!("{i:<4} {tool:<22} {t:>6} {j:>6}  {}", seen.join(" "));
    }
    eprintln!("total{:>24} {:>6}", text_total, json_total);
    client.cancel().await.unwrap();
    if other.is_some() {
        for m in &mismatches {
            eprintln!("verdict mismatch: {m}");
        }
        return;
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    assert!(
        text_total * 10 <= TEXT_BEFORE * 6 && json_total * 10 <= JSON_BEFORE * 6,
        "not 40% fewer tokens than before: text {text_total} (before {TEXT_BEFORE}), \
         structuredContent {json_total} (before {JSON_BEFORE})"
    );
    assert!(
        text_total <= TEXT_BUDGET,
        "text form: {text_total} tokens, budget {TEXT_BUDGET}"
    );
    assert!(
        json_total <= JSON_BUDGET,
        "structuredContent: {json_total} tokens, budget {JSON_BUDGET}"
    );
}
