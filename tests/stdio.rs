//! The real binary over stdio, driven by rmcp's client: every prompt, resource, the Skills extension,
//! completions, the skill tools, and every kind of bad input.

mod common;

use common::{args, connect, raw_session};
use rmcp::model::{
    CallToolRequestParams, GetPromptRequestParams, GetSkillRequestParams,
    ReadResourceRequestParams, ResourceContents, SkillResources,
};
use rmcp::service::ServiceError;
use serde_json::{Value, json};

const SKILL_URI: &str = "skill://backend-engineering/SKILL.md";
const TASK_PROMPTS: [&str; 8] = [
    "design-schema",
    "choose-scaling-strategy",
    "set-up-observability",
    "diagnose-performance",
    "secure-service",
    "design-api",
    "handle-partial-failures",
    "plan-data-consistency",
];

fn text_of(contents: &ResourceContents) -> &str {
    match contents {
        ResourceContents::TextResourceContents { text, .. } => text,
        other => panic!("expected text contents, got {other:?}"),
    }
}

fn mcp_error_code(error: ServiceError) -> i32 {
    match error {
        ServiceError::McpError(e) => e.code.0,
        other => panic!("expected an MCP error, got {other:?}"),
    }
}

#[tokio::test]
async fn initialize_names_the_server_and_gives_instructions() {
    let client = connect().await;
    let info = client.peer_info().expect("server info");
    assert_eq!(
        info.server_info.as_ref().map(|i| i.name.as_str()),
        Some("backend-engineering-mcp")
    );
    let instructions = info.instructions.clone().unwrap_or_default();
    assert!(instructions.contains("search_references"), "{instructions}");
    assert!(info.capabilities.tools.is_some());
    assert!(info.capabilities.prompts.is_some());
    assert!(info.capabilities.resources.is_some());
    assert!(info.capabilities.completions.is_some());
    assert!(info.capabilities.supports_skills());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn every_prompt_is_listed_and_gets_with_and_without_arguments() {
    let client = connect().await;
    let prompts = client.list_all_prompts().await.unwrap();
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    let mut expected = vec!["backend-engineering"];
    expected.extend(TASK_PROMPTS);
    assert_eq!(names, expected);
    for prompt in &prompts {
        assert!(prompt.description.as_deref().is_some_and(|d| !d.is_empty()));
        let bare = client
            .get_prompt(GetPromptRequestParams::new(prompt.name.clone()))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", prompt.name));
        assert_eq!(bare.messages.len(), 1);
        let arg = if prompt.name == "backend-engineering" {
            "task"
        } else {
            "context"
        };
        let with = client
            .get_prompt(
                GetPromptRequestParams::new(prompt.name.clone()).with_arguments(args(json!({
                    arg: "orders table with 40M rows, p99 at 900 ms",
                    "lang": "en"
                }))),
            )
            .await
            .unwrap();
        let text = serde_json::to_string(&with.messages).unwrap();
        assert!(
            text.contains("orders table with 40M rows"),
            "{}",
            prompt.name
        );
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn task_prompts_carry_rules_tool_and_reading() {
    let client = connect().await;
    let got = client
        .get_prompt(GetPromptRequestParams::new("design-schema"))
        .await
        .unwrap();
    let text = serde_json::to_string(&got.messages).unwrap();
    assert!(text.contains("review_schema"));
    assert!(text.contains("skill://backend-engineering/references/schema-design.md#"));
    assert!(
        text.contains("(b, c)"),
        "the composite-index rule is carried"
    );
    let got = client
        .get_prompt(GetPromptRequestParams::new("choose-scaling-strategy"))
        .await
        .unwrap();
    let text = serde_json::to_string(&got.messages).unwrap();
    assert!(text.contains("pick_scaling_strategy"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn prompt_errors_name_what_exists() {
    let client = connect().await;
    let err = client
        .get_prompt(GetPromptRequestParams::new("no-such-prompt"))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("design-schema"), "{message}");
    let err = client
        .get_prompt(
            GetPromptRequestParams::new("design-api").with_arguments(args(json!({"lang": "fr"}))),
        )
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("fr") && message.contains("en, zh"),
        "{message}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn chinese_is_served_by_prompts_tools_resources_and_search() {
    let client = connect().await;
    let text_of = |r: &rmcp::model::GetPromptResult| {
        serde_json::to_value(&r.messages).unwrap()[0]["content"]["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let whole = client
        .get_prompt(
            GetPromptRequestParams::new("backend-engineering")
                .with_arguments(args(json!({"lang": "zh", "task": "设计订单表"}))),
        )
        .await
        .unwrap();
    let text = text_of(&whole);
    assert!(
        text.contains("用中文回答") && text.contains("设计订单表"),
        "{text}"
    );
    assert!(
        text.contains("## 常见任务"),
        "the Chinese skill text is not in the prompt"
    );
    let task = client
        .get_prompt(
            GetPromptRequestParams::new("design-schema")
                .with_arguments(args(json!({"lang": "zh-CN"}))),
        )
        .await
        .unwrap();
    let text = text_of(&task);
    assert!(
        text.contains("### 设计数据库 schema") && text.contains("review_schema"),
        "{text}"
    );
    assert!(text.contains("schema-design.md#"), "{text}");

    let result = call(&client, "get_skill", json!({"lang": "zh"})).await;
    assert_ne!(result.is_error, Some(true));
    let structured = result.structured_content.unwrap();
    assert_eq!(structured["uri"], "skill://backend-engineering/SKILL.zh.md");
    assert!(structured["text"].as_str().unwrap().contains("## 反模式"));

    let read = client
        .read_resource(ReadResourceRequestParams::new(
            "skill://backend-engineering/SKILL.zh.md",
        ))
        .await
        .unwrap();
    let body = serde_json::to_value(&read.contents).unwrap();
    assert!(body[0]["text"].as_str().unwrap().contains("## 核心原则"));

    let result = call(
        &client,
        "search_references",
        json!({"query": "客户端重试导致重复扣款，如何避免", "limit": 3}),
    )
    .await;
    let hits = result.structured_content.unwrap()["hits"].clone();
    let uris: Vec<&str> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["uri"].as_str().unwrap())
        .collect();
    assert!(
        uris.iter().any(|u| u.contains("idempotency-key")),
        "a duplicate-charge question must find the idempotency-key sections: {uris:?}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn every_resource_reads_with_its_declared_size_and_digest() {
    let client = connect().await;
    let resources = client.list_all_resources().await.unwrap();
    assert_eq!(resources.len(), 9);
    assert_eq!(resources[0].uri, SKILL_URI);
    let skill = client
        .get_skill(GetSkillRequestParams::new(SKILL_URI))
        .await
        .unwrap()
        .skill;
    let SkillResources::Files(files) = &skill.resources else {
        panic!("expected a file manifest");
    };
    assert_eq!(files.len(), 9);
    for resource in &resources {
        assert_eq!(resource.mime_type.as_deref(), Some("text/markdown"));
        let read = client
            .read_resource(ReadResourceRequestParams::new(resource.uri.clone()))
            .await
            .unwrap();
        let text = text_of(&read.contents[0]);
        assert_eq!(Some(text.len() as u64), resource.size, "{}", resource.uri);
        let entry = files
            .iter()
            .find(|f| f.uri == resource.uri)
            .expect("in the manifest");
        entry
            .verify(text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn skills_list_matches_skills_get_and_the_frontmatter() {
    let client = connect().await;
    let listed = client.list_all_skills().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name(), "backend-engineering");
    let got = client
        .get_skill(GetSkillRequestParams::new(SKILL_URI))
        .await
        .unwrap();
    assert_eq!(got.skill, listed[0]);
    assert!(got.skill.frontmatter.description.len() <= 1024);
    let err = client
        .get_skill(GetSkillRequestParams::new("skill://other/SKILL.md"))
        .await
        .unwrap_err();
    assert_eq!(mcp_error_code(err), -32602);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn template_and_section_uris_read_and_others_are_not_found() {
    let client = connect().await;
    let templates = client.list_all_resource_templates().await.unwrap();
    assert_eq!(
        templates[0].uri_template,
        "skill://backend-engineering/references/{name}"
    );
    for uri in [
        "skill://backend-engineering/references/security",
        "skill://backend-engineering/references/security.md#password-storage",
    ] {
        let read = client
            .read_resource(ReadResourceRequestParams::new(uri))
            .await
            .unwrap_or_else(|e| panic!("{uri}: {e}"));
        assert!(!text_of(&read.contents[0]).is_empty());
    }
    for uri in [
        "skill://backend-engineering/references/../SKILL.md",
        "skill://backend-engineering/references/../../etc/passwd",
        "file:///etc/passwd",
        "skill://backend-engineering/Cargo.toml",
        "skill://backend-engineering/references/security.md#no-such-section",
        "",
    ] {
        let err = client
            .read_resource(ReadResourceRequestParams::new(uri))
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("schema-design.md"), "{uri}: {message}");
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn completions_offer_reference_names_and_languages() {
    let client = connect().await;
    let names = client
        .complete_resource_simple("skill://backend-engineering/references/{name}", "name", "s")
        .await
        .unwrap();
    assert_eq!(
        names,
        ["schema-design.md", "scalable-systems.md", "security.md"]
    );
    let all = client
        .complete_resource_simple("skill://backend-engineering/references/{name}", "name", "")
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
    let langs = client
        .complete_prompt_simple("design-schema", "lang", "")
        .await
        .unwrap();
    assert_eq!(langs, ["en", "zh"]);
    client.cancel().await.unwrap();
}

async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    name: &str,
    arguments: Value,
) -> rmcp::model::CallToolResult {
    client
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args(arguments)))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[tokio::test]
async fn skill_tools_return_structured_content() {
    let client = connect().await;
    let skill = call(&client, "get_skill", json!({})).await;
    assert_eq!(skill.is_error, Some(false));
    let structured = skill.structured_content.unwrap();
    assert_eq!(structured["name"], "backend-engineering");
    assert!(structured["text"].as_str().unwrap().contains("🧢"));

    let found = call(
        &client,
        "search_references",
        json!({"query": "how do I add a NOT NULL column without locking the table", "limit": 3}),
    )
    .await;
    let structured = found.structured_content.unwrap();
    let hits = structured["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 3);
    let wanted =
        "skill://backend-engineering/references/schema-design.md#adding-a-not-null-column-safely";
    let hit = hits
        .iter()
        .find(|h| h["uri"] == wanted)
        .unwrap_or_else(|| panic!("{wanted} in {hits:?}"));
    for key in ["reference", "section", "uri", "score", "tokens"] {
        assert!(hit.get(key).is_some(), "hit has {key}");
    }
    assert_eq!(structured["confidence"], "high");
    // The best hit carries its full text and no snippet; the others a snippet and no text.
    assert!(hits[0].get("text").is_some() && hits[0].get("snippet").is_none());
    for other in &hits[1..] {
        assert!(other.get("text").is_none() && other.get("snippet").is_some());
    }

    let off = call(
        &client,
        "search_references",
        json!({"query": "best pizza dough hydration"}),
    )
    .await;
    assert_eq!(off.structured_content.unwrap()["confidence"], "low");
    let text = off.content[0]
        .as_text()
        .map(|t| t.text.clone())
        .unwrap_or_default();
    assert!(text.starts_with("No good match"), "{text}");

    let read = call(&client, "read_reference", json!({"name": wanted})).await;
    let structured = read.structured_content.unwrap();
    assert!(
        structured["text"]
            .as_str()
            .unwrap()
            .starts_with("## Adding a NOT NULL column safely")
    );
    assert!(structured["sections"].as_array().unwrap().len() > 10);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn bad_tool_arguments_are_tool_errors_and_the_server_keeps_serving() {
    let client = connect().await;
    let cases = [
        ("search_references", json!({"query": ""}), "empty"),
        (
            "search_references",
            json!({"query": "x".repeat(1001)}),
            "1000",
        ),
        (
            "search_references",
            json!({"query": "index", "limit": 0}),
            "between 1 and 20",
        ),
        (
            "search_references",
            json!({"query": "index", "limit": 21}),
            "between 1 and 20",
        ),
        (
            "search_references",
            json!({"query": "index", "reference": "nope.md"}),
            "security.md",
        ),
        (
            "search_references",
            json!({"query": "index", "max_tokens": -5}),
            "max_tokens",
        ),
        ("search_references", json!({"limit": 3}), "query"),
        (
            "search_references",
            json!({"query": {"text": "x"}}),
            "query",
        ),
        (
            "search_references",
            json!({"query": "x", "bogus": true}),
            "bogus",
        ),
        (
            "read_reference",
            json!({"name": "../../etc/passwd"}),
            "schema-design.md",
        ),
        (
            "read_reference",
            json!({"name": "security.md", "section": "nope"}),
            "password-storage",
        ),
        ("get_skill", json!({"lang": "fr"}), "en, zh"),
    ];
    for (tool, arguments, needle) in cases {
        let result = call(&client, tool, arguments.clone()).await;
        assert_eq!(result.is_error, Some(true), "{tool} {arguments}");
        let text = serde_json::to_string(&result.content).unwrap();
        assert!(text.contains(needle), "{tool} {arguments}: {text}");
    }
    let err = client
        .call_tool(CallToolRequestParams::new("no_such_tool"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("search_references"), "{err}");
    // Still serving after all of that.
    let ok = call(
        &client,
        "search_references",
        json!({"query": "circuit breaker"}),
    )
    .await;
    assert_eq!(ok.is_error, Some(false));
    client.cancel().await.unwrap();
}

#[test]
fn a_line_that_is_not_json_rpc_gets_an_error_and_the_next_request_is_served() {
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;
    let (replies, status) = raw_session(&[
        init,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        "this is not json",
        r#"{"id":9,"hello":"world"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    ]);
    assert!(status.success());
    assert_eq!(replies.len(), 4, "{replies:?}");
    assert_eq!(replies[1]["error"]["code"], -32700);
    assert_eq!(replies[1]["id"], Value::Null);
    assert_eq!(replies[2]["error"]["code"], -32600);
    assert_eq!(replies[2]["id"], 9);
    assert_eq!(replies[3]["id"], 2);
    assert!(
        replies[3]["result"]["tools"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );
}

#[test]
fn replies_to_bad_lines_never_share_a_line_with_other_replies() {
    // Bad lines are answered from the read path while responses are written from request handlers;
    // each reply must still be one whole line (found by fuzzing: they were once glued together).
    let init = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;
    let mut lines: Vec<String> = vec![
        init.to_string(),
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_string(),
    ];
    // 60 calls: under the in-flight cap (64), so none is refused as busy.
    for i in 1..=150 {
        if i <= 60 {
            lines.push(format!(
                r#"{{"jsonrpc":"2.0","id":{i},"method":"tools/call","params":{{"name":"search_references","arguments":{{"query":"retry {i}","limit":1}}}}}}"#
            ));
        }
        lines.push("not json".to_string());
        lines.push(format!(r#"{{"id":"bad-{i}","x":1}}"#));
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    // raw_session parses every stdout line as JSON and fails on one that is not.
    let (replies, status) = raw_session(&refs);
    assert!(status.success());
    assert_eq!(
        replies.len(),
        1 + 60 + 150 * 2,
        "one reply per request and per bad line"
    );
    assert_eq!(
        replies
            .iter()
            .filter(|r| r["error"]["code"] == -32700)
            .count(),
        150
    );
    assert_eq!(
        replies
            .iter()
            .filter(|r| r["error"]["code"] == -32600)
            .count(),
        150
    );
}

#[test]
fn exits_cleanly_when_stdin_closes() {
    let (replies, status) = raw_session(&[]);
    assert!(replies.is_empty());
    assert!(status.success(), "{status:?}");
}

#[test]
fn every_supported_initialize_version_is_answered_in_kind() {
    for version in ["2025-03-26", "2025-06-18", "2025-11-25"] {
        let init = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocolVersion":"{version}","capabilities":{{}},"clientInfo":{{"name":"raw","version":"1"}}}}}}"#
        );
        let (replies, status) = raw_session(&[&init]);
        assert!(status.success());
        assert_eq!(replies[0]["result"]["protocolVersion"], version);
        assert_eq!(
            replies[0]["result"]["serverInfo"]["name"],
            "backend-engineering-mcp"
        );
    }
}

#[test]
fn stateless_2026_07_28_clients_discover_and_call_without_initialize() {
    let meta = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}"#;
    let discover =
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{{{meta}}}}}"#);
    let call = format!(
        r#"{{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{{meta},"name":"search_references","arguments":{{"query":"outbox pattern relay","limit":1}}}}}}"#
    );
    let skills =
        format!(r#"{{"jsonrpc":"2.0","id":3,"method":"skills/list","params":{{{meta}}}}}"#);
    let (replies, status) = raw_session(&[&discover, &call, &skills]);
    assert!(status.success());
    let by_id = |id: i64| {
        replies
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no reply {id}: {replies:?}"))
    };
    let versions = by_id(1)["result"]["supportedVersions"]
        .as_array()
        .unwrap()
        .clone();
    assert!(versions.contains(&json!("2026-07-28")) && versions.contains(&json!("2025-03-26")));
    let hit = &by_id(2)["result"]["structuredContent"]["hits"][0];
    assert!(
        hit["uri"]
            .as_str()
            .unwrap()
            .contains("failure-patterns.md#"),
        "{hit}"
    );
    assert_eq!(
        by_id(3)["result"]["skills"][0]["frontmatter"]["name"],
        "backend-engineering"
    );
}

/// A client that keeps the log messages the server sends.
#[derive(Clone, Default)]
struct LogCollector(std::sync::Arc<std::sync::Mutex<Vec<Value>>>);

#[allow(deprecated)] // MCP logging: deprecated in 2026-07-28, part of 2025-11-25.
impl rmcp::ClientHandler for LogCollector {
    async fn on_logging_message(
        &self,
        params: rmcp::model::LoggingMessageNotificationParam,
        _context: rmcp::service::NotificationContext<rmcp::RoleClient>,
    ) {
        let value = serde_json::to_value(&params).unwrap();
        self.0.lock().unwrap().push(value);
    }
}

impl LogCollector {
    fn levels(&self) -> Vec<String> {
        let logs = self.0.lock().unwrap();
        logs.iter()
            .map(|l| l["level"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    async fn wait_for(&self, count: usize) {
        for _ in 0..200 {
            if self.0.lock().unwrap().len() >= count {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("expected {count} log messages, got {:?}", self.levels());
    }
}

#[tokio::test]
#[allow(deprecated)]
async fn log_messages_follow_the_level_the_client_sets_and_none_before() {
    use rmcp::ServiceExt as _;
    use rmcp::model::{LoggingLevel, SetLevelRequestParams};
    let mut command = tokio::process::Command::new(common::BIN);
    command.env("RUST_LOG", "warn");
    let (transport, _stderr) = rmcp::transport::TokioChildProcess::builder(command)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let logs = LogCollector::default();
    let client = logs.clone().serve(transport).await.unwrap();
    assert!(client.peer_info().unwrap().capabilities.logging.is_some());
    let search =
        |query: Value| CallToolRequestParams::new("search_references").with_arguments(args(query));
    // No level set: nothing is sent.
    client
        .call_tool(search(json!({"query": "index", "limit": 1})))
        .await
        .unwrap();
    client
        .set_level(SetLevelRequestParams::new(LoggingLevel::Debug))
        .await
        .unwrap();
    client
        .call_tool(search(json!({"query": "index", "limit": 1})))
        .await
        .unwrap();
    logs.wait_for(1).await;
    assert_eq!(logs.levels(), ["debug"]);
    assert_eq!(
        logs.0.lock().unwrap()[0]["data"]["tool"],
        "search_references"
    );
    // At warning, a good call sends nothing and a tool error sends a warning.
    client
        .set_level(SetLevelRequestParams::new(LoggingLevel::Warning))
        .await
        .unwrap();
    client
        .call_tool(search(json!({"query": "index", "limit": 1})))
        .await
        .unwrap();
    let bad = client
        .call_tool(search(json!({"query": "index", "limit": 0})))
        .await
        .unwrap();
    assert_eq!(bad.is_error, Some(true));
    logs.wait_for(2).await;
    assert_eq!(logs.levels(), ["debug", "warning"]);
    assert_eq!(logs.0.lock().unwrap()[1]["data"]["isError"], true);
    client.cancel().await.unwrap();
}
