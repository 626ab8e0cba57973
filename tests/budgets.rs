//! What a model is shown before it does any work, measured through the real binary: the names,
//! descriptions and input schemas of all tools (what clients put in the model's context) at most
//! 14 KB, the whole `tools/list` result at most 40 KB, and the server instructions short.
//! docs/TOKENS.md records the numbers before and after.

mod common;

/// Names + descriptions + input schemas of all tools, in bytes of compact JSON.
const SHOWN_BUDGET: usize = 14 * 1024;
/// The whole `tools/list` result, in bytes of compact JSON.
const WHOLE_BUDGET: usize = 40 * 1024;
/// The `instructions` string sent at initialize.
const INSTRUCTIONS_BUDGET: usize = 700;

#[test]
fn tools_list_fits_the_context_budget() {
    let (replies, _) = common::raw_session(&[
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"budget","version":"1"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    ]);
    let reply = |id: u64| {
        replies
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no reply {id} in {replies:?}"))
    };
    let instructions = reply(1)["result"]["instructions"].as_str().unwrap_or("");
    let result = &reply(2)["result"];
    let whole = serde_json::to_string(result).unwrap().len();
    let tools = result["tools"].as_array().expect("tools");
    let mut shown = 0;
    let mut table = String::new();
    for tool in tools {
        let name = tool["name"].as_str().unwrap_or_default();
        let description = tool["description"].as_str().unwrap_or_default().len();
        let input = serde_json::to_string(&tool["inputSchema"]).unwrap().len();
        let output = serde_json::to_string(&tool["outputSchema"]).unwrap().len();
        shown += name.len() + description + input;
        table.push_str(&format!(
            "{name:<24} description {description:>5}  input {input:>5}  output {output:>5}\n"
        ));
    }
    eprintln!(
        "{table}shown {shown} B (budget {SHOWN_BUDGET}), whole tools/list {whole} B (budget {WHOLE_BUDGET}), instructions {} B",
        instructions.len()
    );
    assert!(
        shown <= SHOWN_BUDGET,
        "names + descriptions + input schemas: {shown} B > {SHOWN_BUDGET} B\n{table}"
    );
    assert!(
        whole <= WHOLE_BUDGET,
        "tools/list: {whole} B > {WHOLE_BUDGET} B\n{table}"
    );
    assert!(
        instructions.len() <= INSTRUCTIONS_BUDGET,
        "instructions: {} B > {INSTRUCTIONS_BUDGET} B",
        instructions.len()
    );
}

/// The `backend-engineering` prompt's `task` completes to the skill's common tasks.
#[test]
fn prompt_task_completes_to_the_common_tasks() {
    let (replies, _) = common::raw_session(&[
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"budget","version":"1"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"backend-engineering"},"argument":{"name":"task","value":"de"}}}"#,
    ]);
    let reply = replies.iter().find(|r| r["id"] == 2).expect("reply 2");
    let values = reply["result"]["completion"]["values"].as_array().unwrap();
    assert_eq!(
        values,
        &vec![
            serde_json::json!("Design a database schema"),
            serde_json::json!("Design an API")
        ]
    );
}
