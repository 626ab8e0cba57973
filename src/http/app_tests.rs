//! Router tests: every security rule and limit, through the whole axum app with tower's `oneshot`
//! (no socket), each a request whose answer must be exactly the rule's status and headers.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use tower::ServiceExt as _;

use super::app::{AppState, app};
use super::auth::{AuthConfig, OAuth, OAuthSettings, StaticTokens};
use super::config::HttpConfig;
use super::jwt::testing;
use super::rate_limit::RateLimit;
use crate::mcp::BackendEngineeringServer;

const TOKEN: &str = "router-test-token-0123456789";

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;

fn search_call(id: u32) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"search_references","arguments":{{"query":"connection pool","limit":1}},"_meta":{{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{{}}}}}}}}"#
    )
}

fn config() -> HttpConfig {
    let mut config = HttpConfig::loopback_defaults();
    config.rate_limit = None;
    config
}

/// One server over one built index for every test, so no request waits for a build.
fn server() -> BackendEngineeringServer {
    static SERVER: std::sync::OnceLock<BackendEngineeringServer> = std::sync::OnceLock::new();
    SERVER
        .get_or_init(|| {
            let skill = crate::content::Skill::get();
            let index = crate::search::SharedIndex::build_in_background(skill);
            assert!(index.get().is_ok());
            BackendEngineeringServer::with_index(skill, index)
        })
        .clone()
}

fn state(config: HttpConfig) -> Arc<AppState> {
    let state = AppState::new(config, server());
    state.ready.store(true, Ordering::Release);
    state
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(state: &Arc<AppState>, request: Request<Body>) -> Answer {
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A well-formed MCP POST; `extra` headers are added (or replace the defaults).
fn mcp_post(body: &str, extra: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::post("/mcp")
        .header(header::HOST, "127.0.0.1:8765")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream");
    if body.contains("2026-07-28") {
        builder = builder
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", "search_references");
    }
    let mut request = builder.body(Body::from(body.to_string())).unwrap();
    for (name, value) in extra {
        let name = header::HeaderName::from_bytes(name.as_bytes()).unwrap();
        request.headers_mut().insert(name, value.parse().unwrap());
    }
    request
}

/// `request` without the header `name`.
fn without(mut request: Request<Body>, name: &str) -> Request<Body> {
    request.headers_mut().remove(name);
    request
}

/// A 2025-era GET or DELETE for session `id`.
fn session_request(method: Method, id: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri("/mcp")
        .header(header::HOST, "127.0.0.1:8765")
        .header(header::ACCEPT, "text/event-stream")
        .header("mcp-session-id", id)
        .header("mcp-protocol-version", "2025-11-25")
        .body(Body::empty())
        .unwrap()
}

fn get(path: &str) -> Request<Body> {
    Request::get(path)
        .header(header::HOST, "127.0.0.1:8765")
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn both_eras_are_served_with_a_request_id() {
    let s = state(config());
    let a = send(&s, mcp_post(INIT, &[])).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.headers.contains_key("mcp-session-id"));
    assert!(a.body.contains("backend-engineering-mcp"));
    assert_eq!(a.headers["x-request-id"].len(), 32);
    let a = send(
        &s,
        mcp_post(&search_call(2), &[("x-request-id", "edge-42")]),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.body.contains("connection-pool-sizing"), "{}", a.body);
    assert_eq!(a.headers["x-request-id"], "edge-42");
}

#[tokio::test]
async fn a_foreign_host_is_forbidden_unless_allowed() {
    let s = state(config());
    let a = send(&s, mcp_post(INIT, &[("host", "evil.example")])).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let mut c = config();
    c.allowed_hosts.push("mcp.example.com".into());
    let s = state(c);
    let a = send(&s, mcp_post(INIT, &[("host", "mcp.example.com")])).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
}

#[tokio::test]
async fn a_foreign_origin_is_forbidden_a_loopback_one_passes() {
    let s = state(config());
    let a = send(&s, mcp_post(INIT, &[("origin", "https://evil.example")])).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = send(&s, mcp_post(INIT, &[("origin", "null")])).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = send(&s, mcp_post(INIT, &[("origin", "http://localhost:3000")])).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let mut c = config();
    c.allowed_origins.push("https://app.example.com".into());
    let s = state(c);
    let a = send(&s, mcp_post(INIT, &[("origin", "https://app.example.com")])).await;
    assert_eq!(a.status, StatusCode::OK);
}

fn with_tokens() -> HttpConfig {
    let mut c = config();
    c.auth = AuthConfig {
        tokens: Some(StaticTokens::new(&[TOKEN.to_string()]).unwrap()),
        oauth: None,
    };
    c
}

#[tokio::test]
async fn bearer_tokens_are_required_when_configured() {
    let s = state(with_tokens());
    let a = send(&s, mcp_post(INIT, &[])).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.headers[header::WWW_AUTHENTICATE],
        "Bearer realm=\"backend-engineering-mcp\""
    );
    let a = send(
        &s,
        mcp_post(INIT, &[("authorization", "Bearer wrong-token-0123456789")]),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(
        a.headers[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
    let a = send(
        &s,
        mcp_post(INIT, &[("authorization", "Basic dXNlcjpwYXNz")]),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let good = format!("Bearer {TOKEN}");
    let a = send(&s, mcp_post(INIT, &[("authorization", &good)])).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    // /metrics sits behind the same credential; health checks do not.
    assert_eq!(
        send(&s, get("/metrics")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(send(&s, get("/healthz")).await.status, StatusCode::OK);
    assert_eq!(send(&s, get("/readyz")).await.status, StatusCode::OK);
    let text = s.metrics.render().unwrap();
    assert!(
        text.contains("mcp_server_rejections_total{reason=\"unauthorized\"} 4"),
        "{text}"
    );
}

fn with_oauth() -> HttpConfig {
    let mut c = config();
    let oauth = OAuth::new(&OAuthSettings {
        issuer: testing::ISSUER.into(),
        audience: testing::AUDIENCE.into(),
        jwks_file: testing::JWKS_PATH.into(),
        algorithms: vec!["ES256".into()],
        resource_url: testing::AUDIENCE.into(),
    })
    .unwrap();
    c.auth = AuthConfig {
        tokens: None,
        oauth: Some(Arc::new(oauth)),
    };
    c
}

#[tokio::test]
async fn oauth_mode_checks_jwts_and_points_at_its_metadata() {
    let s = state(with_oauth());
    let a = send(&s, mcp_post(INIT, &[])).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let challenge = a.headers[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains(
            "resource_metadata=\"http://127.0.0.1:8765/.well-known/oauth-protected-resource/mcp\""
        ),
        "{challenge}"
    );
    let token = testing::token(testing::good_claims(), Some("test-key-1"));
    let a = send(
        &s,
        mcp_post(INIT, &[("authorization", &format!("Bearer {token}"))]),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let mut expired = testing::good_claims();
    expired["exp"] = serde_json::json!(testing::now() - 3600);
    let token = testing::token(expired, Some("test-key-1"));
    let a = send(
        &s,
        mcp_post(INIT, &[("authorization", &format!("Bearer {token}"))]),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(
        a.headers[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .contains("expired")
    );
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let a = send(&s, get(path)).await;
        assert_eq!(a.status, StatusCode::OK);
        let doc: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(doc["resource"], testing::AUDIENCE);
        assert_eq!(doc["authorization_servers"][0], testing::ISSUER);
    }
    // Without OAuth there is no metadata.
    let plain = state(config());
    let a = send(&plain, get("/.well-known/oauth-protected-resource")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_client_is_rate_limited_with_retry_after() {
    let mut c = with_tokens();
    c.rate_limit = Some(RateLimit {
        per_second: 1,
        burst: 2,
    });
    let s = state(c);
    let good = format!("Bearer {TOKEN}");
    for _ in 0..2 {
        let a = send(&s, mcp_post(&search_call(1), &[("authorization", &good)])).await;
        assert_eq!(a.status, StatusCode::OK);
    }
    let a = send(&s, mcp_post(&search_call(1), &[("authorization", &good)])).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.headers[header::RETRY_AFTER], "1");
    let text = s.metrics.render().unwrap();
    assert!(
        text.contains("mcp_server_rejections_total{reason=\"rate_limited\"} 1"),
        "{text}"
    );
}

#[tokio::test]
async fn forwarded_for_counts_only_behind_trust_proxy() {
    for trust in [false, true] {
        let mut c = config();
        c.trust_proxy = trust;
        c.rate_limit = Some(RateLimit {
            per_second: 1,
            burst: 1,
        });
        let s = state(c);
        let a = send(
            &s,
            mcp_post(&search_call(1), &[("x-forwarded-for", "10.0.0.1")]),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK);
        // Another forwarded address: its own bucket only when the proxy is trusted.
        let a = send(
            &s,
            mcp_post(&search_call(1), &[("x-forwarded-for", "10.0.0.2")]),
        )
        .await;
        let expected = if trust {
            StatusCode::OK
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(a.status, expected, "trust_proxy={trust}");
    }
}

#[tokio::test]
async fn oversized_bodies_get_413_declared_or_streamed() {
    let mut c = config();
    c.max_body_bytes = 1024;
    let s = state(c);
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"pad":"{}"}}}}"#,
        "x".repeat(2000)
    );
    let a = send(&s, mcp_post(&big, &[])).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    // No Content-Length: the cap holds while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(vec![b' '; 600]), Ok(vec![b' '; 600])];
    let mut request = mcp_post("", &[]);
    *request.body_mut() = Body::from_stream(futures::stream::iter(chunks));
    let a = send(&s, request).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    // And the server goes on.
    assert_eq!(send(&s, mcp_post(INIT, &[])).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_full_server_answers_503_with_retry_after() {
    let mut c = config();
    c.max_concurrent = 1;
    let s = state(c);
    let held = s.concurrency.clone().try_acquire_owned().unwrap();
    let a = send(&s, mcp_post(INIT, &[])).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.headers[header::RETRY_AFTER], "1");
    drop(held);
    assert_eq!(send(&s, mcp_post(INIT, &[])).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_request_over_the_time_limit_gets_504() {
    let mut c = config();
    c.request_timeout = Duration::from_millis(100);
    let s = state(c);
    // A body that never ends: the server stops waiting at the time limit.
    let mut request = mcp_post("", &[]);
    *request.body_mut() =
        Body::from_stream(futures::stream::pending::<Result<Vec<u8>, std::io::Error>>());
    let a = send(&s, request).await;
    assert_eq!(a.status, StatusCode::GATEWAY_TIMEOUT);
}

#[tokio::test]
async fn sessions_are_capped() {
    let mut c = config();
    c.max_sessions = 1;
    let s = state(c);
    assert_eq!(send(&s, mcp_post(INIT, &[])).await.status, StatusCode::OK);
    // The session registers asynchronously; give it a moment.
    for _ in 0..50 {
        if s.session_count() == Some(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let a = send(&s, mcp_post(INIT, &[])).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn readiness_follows_the_index_and_health_is_always_up() {
    let s = AppState::new(config(), server());
    assert_eq!(
        send(&s, get("/readyz")).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(send(&s, get("/healthz")).await.status, StatusCode::OK);
    s.ready.store(true, Ordering::Release);
    assert_eq!(send(&s, get("/readyz")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_the_server_goes_on() {
    let s = state(config());
    let cases: Vec<(&str, Request<Body>, StatusCode)> = vec![
        (
            "malformed JSON",
            mcp_post("{\"jsonrpc\":", &[]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong content type",
            mcp_post(INIT, &[("content-type", "text/plain")]),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "missing Accept",
            mcp_post(INIT, &[("accept", "application/json")]),
            StatusCode::NOT_ACCEPTABLE,
        ),
        (
            "unknown session",
            mcp_post(
                r#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#,
                &[
                    ("mcp-session-id", "no-such-session"),
                    ("mcp-protocol-version", "2025-11-25"),
                ],
            ),
            StatusCode::NOT_FOUND,
        ),
        (
            "unsupported protocol-version header",
            mcp_post(
                r#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#,
                &[("mcp-protocol-version", "1999-01-01")],
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            "protocol-version header missing on a 2026 request",
            {
                let mut r = mcp_post(&search_call(4), &[]);
                r.headers_mut().remove("mcp-protocol-version");
                r
            },
            StatusCode::BAD_REQUEST,
        ),
        (
            "protocol-version header not matching _meta",
            mcp_post(&search_call(5), &[("mcp-protocol-version", "2025-11-25")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "mismatched Mcp-Method",
            mcp_post(&search_call(6), &[("mcp-method", "tools/list")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "mismatched Mcp-Name",
            mcp_post(&search_call(7), &[("mcp-name", "get_skill")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "no Accept header at all",
            without(mcp_post(&search_call(10), &[]), "accept"),
            StatusCode::NOT_ACCEPTABLE,
        ),
        (
            "Mcp-Method header missing on a 2026 request",
            without(mcp_post(&search_call(11), &[]), "mcp-method"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "Mcp-Name header missing on tools/call",
            without(mcp_post(&search_call(12), &[]), "mcp-name"),
            StatusCode::BAD_REQUEST,
        ),
        ("an empty body", mcp_post("", &[]), StatusCode::BAD_REQUEST),
        (
            "JSON that is not JSON-RPC",
            mcp_post(r#"{"hello":"world"}"#, &[]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a JSON array (no batches since 2025-06-18)",
            mcp_post("[]", &[]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a body that is not UTF-8",
            {
                let mut r = mcp_post("", &[]);
                *r.body_mut() =
                    Body::from(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}".to_vec());
                r
            },
            StatusCode::BAD_REQUEST,
        ),
        (
            "unknown session on GET",
            session_request(Method::GET, "no-such-session"),
            StatusCode::NOT_FOUND,
        ),
        (
            "unknown session on DELETE",
            session_request(Method::DELETE, "no-such-session"),
            StatusCode::NOT_FOUND,
        ),
        (
            "an HTTP method /mcp does not serve",
            {
                let mut r = mcp_post(INIT, &[]);
                *r.method_mut() = Method::PUT;
                r
            },
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ];
    for (what, request, expected) in cases {
        let a = send(&s, request).await;
        assert_eq!(a.status, expected, "{what}: {}", a.body);
        assert!(!a.body.is_empty(), "{what}: the answer says why");
        // A body that reached JSON-RPC parsing gets the code the specification gives.
        for (case, code) in [
            ("an empty body", "-32700"),
            ("a body that is not UTF-8", "-32700"),
            ("JSON that is not JSON-RPC", "-32600"),
            ("a JSON array (no batches since 2025-06-18)", "-32600"),
        ] {
            if what == case {
                assert!(a.body.contains(code), "{what}: {}", a.body);
            }
        }
        // The next good request is served.
        let a = send(&s, mcp_post(&search_call(9), &[])).await;
        assert_eq!(a.status, StatusCode::OK, "after {what}");
    }
}

#[tokio::test]
async fn stateless_mode_keeps_no_sessions_and_refuses_get() {
    let mut c = config();
    c.stateless = true;
    let s = state(c);
    let a = send(&s, mcp_post(INIT, &[])).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(!a.headers.contains_key("mcp-session-id"));
    assert_eq!(s.session_count(), None);
    let mut request = get("/mcp");
    request
        .headers_mut()
        .insert(header::ACCEPT, "text/event-stream".parse().unwrap());
    assert_eq!(
        send(&s, request).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let a = send(&s, mcp_post(&search_call(2), &[])).await;
    assert_eq!(a.status, StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_tool_errors_and_methods() {
    let s = state(config());
    send(&s, mcp_post(&search_call(1), &[])).await;
    let bad = search_call(2).replace(r#""query":"connection pool","limit":1"#, r#""limit":99"#);
    let a = send(&s, mcp_post(&bad, &[])).await;
    assert!(a.body.contains("\"isError\":true"), "{}", a.body);
    let a = send(&s, get("/metrics")).await;
    assert_eq!(a.status, StatusCode::OK);
    let ok = "mcp_server_operation_duration_seconds_count{mcp_method_name=\"tools/call\",gen_ai_tool_name=\"search_references\",error_type=\"\"} 1";
    let err = "mcp_server_operation_duration_seconds_count{mcp_method_name=\"tools/call\",gen_ai_tool_name=\"search_references\",error_type=\"tool_error\"} 1";
    assert!(a.body.contains(ok), "{}", a.body);
    assert!(a.body.contains(err), "{}", a.body);
}
