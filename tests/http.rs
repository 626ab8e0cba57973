//! The real binary over streamable HTTP: whole sessions with rmcp's client in both protocol eras
//! (2025-11-25 `initialize` sessions and 2026-07-28 `server/discover`), in both server modes
//! (default and `--stateless`), bearer-token auth, the refusal to listen unauthenticated off
//! loopback, and graceful shutdown on SIGTERM exiting 0.

mod common;

use std::process::Command;

use common::BIN;
use common::http::HttpServer as Server;

use rmcp::model::{CallToolRequestParams, ProtocolVersion, ReadResourceRequestParams};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientLifecycleMode, ClientServiceExt, RoleClient, ServiceExt};

const TOKEN: &str = "socket-test-token-0123456789";

fn transport(url: &str, token: Option<&str>) -> StreamableHttpClientTransport<reqwest::Client> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_string());
    config.auth_header = token.map(str::to_string);
    StreamableHttpClientTransport::from_config(config)
}

async fn connect(url: &str, era: &str, token: Option<&str>) -> RunningService<RoleClient, ()> {
    match era {
        "2025-11-25" => ().serve(transport(url, token)).await.expect("initialize"),
        _ => ()
            .serve_with_lifecycle(
                transport(url, token),
                ClientLifecycleMode::Discover {
                    preferred_versions: vec![ProtocolVersion::V_2026_07_28],
                },
            )
            .await
            .expect("discover"),
    }
}

/// Tools, a search, a bad argument, a resource and the prompts: one whole session.
async fn whole_session(client: &RunningService<RoleClient, ()>) {
    let info = client.peer_info().expect("server info");
    let name = info.server_info.as_ref().map(|i| i.name.as_str());
    assert_eq!(name, Some("backend-engineering-mcp"));
    let tools = client.list_all_tools().await.expect("tools/list");
    assert!(tools.iter().any(|t| t.name == "search_references"));
    let mut call = CallToolRequestParams::new("search_references");
    call.arguments = Some(
        serde_json::json!({"query": "connection pool size", "limit": 2})
            .as_object()
            .unwrap()
            .clone(),
    );
    let result = client.call_tool(call).await.expect("tools/call");
    assert_ne!(result.is_error, Some(true));
    let text = serde_json::to_string(&result).unwrap();
    assert!(text.contains("connection-pool-sizing"), "{text}");
    let mut bad = CallToolRequestParams::new("search_references");
    bad.arguments = Some(
        serde_json::json!({"limit": 99})
            .as_object()
            .unwrap()
            .clone(),
    );
    let result = client
        .call_tool(bad)
        .await
        .expect("tools/call with a bad argument");
    assert_eq!(result.is_error, Some(true));
    let resource = client
        .read_resource(ReadResourceRequestParams::new(
            "skill://backend-engineering/SKILL.md",
        ))
        .await
        .expect("resources/read");
    assert!(
        serde_json::to_string(&resource)
            .unwrap()
            .contains("backend-engineering")
    );
    let prompts = client.list_all_prompts().await.expect("prompts/list");
    assert!(prompts.iter().any(|p| p.name == "design-schema"));
}

#[tokio::test]
async fn both_eras_in_both_modes() {
    for flags in [&[][..], &["--stateless"][..]] {
        let server = Server::start(flags, &[]);
        for era in ["2025-11-25", "2026-07-28"] {
            let client = connect(&server.url, era, None).await;
            whole_session(&client).await;
            client.cancel().await.expect("close the client");
        }
        let status = server.terminate();
        assert!(status.success(), "{flags:?}: exit {status:?}");
    }
}

#[tokio::test]
async fn bearer_tokens_from_the_environment_gate_the_endpoint() {
    let server = Server::start(&[], &[("BACKEND_ENGINEERING_MCP_TOKEN", TOKEN)]);
    assert!(
        ().serve(transport(&server.url, None)).await.is_err(),
        "no token: refused"
    );
    assert!(
        ().serve(transport(&server.url, Some("wrong-token-0123456789")))
            .await
            .is_err(),
        "wrong token: refused"
    );
    for era in ["2025-11-25", "2026-07-28"] {
        let client = connect(&server.url, era, Some(TOKEN)).await;
        whole_session(&client).await;
        client.cancel().await.expect("close the client");
    }
    assert!(server.terminate().success());
}

#[tokio::test]
async fn health_readiness_metrics_and_shutdown_over_a_socket() {
    let server = Server::start(&["--stateless"], &[]);
    let base = server.url.trim_end_matches("/mcp").to_string();
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Ready once the index is built (a few ms after start; poll a little).
    let mut ready = false;
    for _ in 0..100 {
        if http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(ready);
    let client = connect(&server.url, "2026-07-28", None).await;
    whole_session(&client).await;
    client.cancel().await.unwrap();
    let metrics = http.get(format!("{base}/metrics")).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    assert!(text.contains("error_type=\"tool_error\""), "{text}");
    assert!(
        text.contains("mcp_method_name=\"resources/read\""),
        "{text}"
    );
    assert!(server.terminate().success());
}

#[test]
fn listening_off_loopback_without_auth_is_refused() {
    let output = Command::new(BIN)
        .args(["http", "--listen", "0.0.0.0:0"])
        .env_remove("BACKEND_ENGINEERING_MCP_TOKEN")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("without authentication"), "{stderr}");
}

#[tokio::test]
async fn log_messages_reach_a_session_client_on_its_get_stream() {
    // rmcp 3.11's session router sends responses, progress and cancellations on the request's own
    // stream and every other notification, log messages among them, on the session's GET stream.
    use common::http::{open_session, post};
    let server = Server::start(&["--rate-limit", "off"], &[]);
    let http = reqwest::Client::new();
    let session = open_session(&http, &server.url).await;
    let mut stream = http
        .get(&server.url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .expect("GET stream");
    assert_eq!(stream.status(), 200);
    let call = br#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search_references","arguments":{"query":"retry budget"}}}"#;
    let set = post(
        &http,
        &server.url,
        Some(&session),
        br#"{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"debug"}}"#
            .to_vec(),
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let reply = post(&http, &server.url, Some(&session), call.to_vec()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut seen = String::new();
    let found = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Some(chunk) = stream.chunk().await.expect("a chunk") {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("notifications/message") && seen.contains("search_references") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "no log message on the GET stream: {seen}");
    assert!(seen.contains("\"level\":\"debug\""), "{seen}");
    drop(stream);
    assert!(server.terminate().success());
}
