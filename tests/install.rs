//! Installing the server: the MCP Bundle manifest (what Claude Desktop shows before it installs) must
//! describe what the binary really serves, and `print-config` must print a configuration each client
//! accepts, pointing at this binary.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use backend_engineering_mcp::clients::{self, Client, SERVER_KEY, SnippetFormat};
use serde_json::Value;

const MANIFEST: &str = include_str!("../manifest.json");

fn manifest() -> Value {
    serde_json::from_str(MANIFEST).expect("manifest.json is JSON")
}

/// `name` of each object in `list`, in order.
fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|item| item["name"].as_str().expect("a name").to_string())
        .collect()
}

/// The result of the response with `id` among `responses`.
fn result(responses: &[Value], id: i64) -> &Value {
    let response = responses
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no response with id {id}: {responses:?}"));
    assert!(response.get("error").is_none(), "error: {response}");
    &response["result"]
}

#[test]
fn manifest_lists_exactly_the_tools_and_prompts_the_binary_serves() {
    let (responses, status) = common::raw_session(&[
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"install-test","version":"0"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"prompts/list"}"#,
    ]);
    assert!(
        status.success(),
        "the server exits cleanly when stdin closes"
    );
    let manifest = manifest();

    assert_eq!(
        result(&responses, 1)["serverInfo"]["name"],
        manifest["name"],
        "the bundle's name is the server's name"
    );

    let tools = result(&responses, 2);
    assert!(tools.get("nextCursor").is_none(), "one page of tools");
    assert_eq!(
        names(&manifest["tools"]),
        names(&tools["tools"]),
        "manifest.json `tools` must list the server's tools in tools/list order"
    );

    let prompts = result(&responses, 3);
    assert!(prompts.get("nextCursor").is_none(), "one page of prompts");
    assert_eq!(
        names(&manifest["prompts"]),
        names(&prompts["prompts"]),
        "manifest.json `prompts` must list the server's prompts in prompts/list order"
    );
    // The manifest lists each prompt's argument names; they must be the ones the server takes.
    for (declared, served) in manifest["prompts"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(prompts["prompts"].as_array().into_iter().flatten())
    {
        let served_args: Vec<&str> = served["arguments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["name"].as_str())
            .collect();
        let declared_args: Vec<&str> = declared["arguments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            declared_args, served_args,
            "arguments of {}",
            served["name"]
        );
    }
    assert_eq!(manifest["tools_generated"], false);
    assert_eq!(manifest["prompts_generated"], false);
}

#[test]
fn manifest_version_and_repository_are_the_crates() {
    let manifest = manifest();
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["name"], env!("CARGO_PKG_NAME"));
    assert_eq!(manifest["repository"]["url"], env!("CARGO_PKG_REPOSITORY"));
    assert_eq!(manifest["license"], env!("CARGO_PKG_LICENSE"));
    assert_eq!(manifest["manifest_version"], "0.2");
}

/// scripts/package.sh stages the binary at `entry_point`; Claude Desktop runs `mcp_config.command`
/// with `${__dirname}` replaced by the unpacked bundle's folder. They must name the same file.
#[test]
fn manifest_runs_the_binary_the_bundle_ships() {
    let server = &manifest()["server"];
    assert_eq!(server["type"], "binary");
    let entry = server["entry_point"].as_str().expect("entry_point");
    assert_eq!(entry, format!("server/{}", env!("CARGO_PKG_NAME")));
    let config = &server["mcp_config"];
    assert_eq!(config["command"], format!("${{__dirname}}/{entry}"));
    assert_eq!(
        config["args"],
        serde_json::json!([]),
        "stdio is the default"
    );
    assert_eq!(
        config["platform_overrides"]["win32"]["command"],
        format!("${{__dirname}}/{entry}.exe")
    );
}

/// The path `print-config` should write: the binary's own, as the OS resolves it.
fn real_binary() -> PathBuf {
    std::fs::canonicalize(common::BIN).expect("canonical binary path")
}

/// The command of the only server in a client's parsed configuration, after checking its shape.
fn configured_command(client: Client, text: &str) -> String {
    let server = match client.format() {
        SnippetFormat::Json => {
            let value: Value = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("{client}: not JSON ({e}):\n{text}"));
            let top = if client == Client::Vscode {
                "servers"
            } else {
                "mcpServers"
            };
            let root = value.as_object().expect("a JSON object");
            assert_eq!(root.len(), 1, "{client}: only `{top}` at the top:\n{text}");
            let server = value[top][SERVER_KEY].clone();
            if client == Client::Vscode {
                assert_eq!(server["type"], "stdio", "{client}");
            }
            assert_eq!(server["args"], serde_json::json!([]), "{client}");
            server
        }
        SnippetFormat::Toml => {
            let table: toml::Table = text
                .parse()
                .unwrap_or_else(|e| panic!("{client}: not TOML ({e}):\n{text}"));
            assert_eq!(table.len(), 1, "{client}: only `mcp_servers`:\n{text}");
            let server = table["mcp_servers"][SERVER_KEY].clone();
            assert_eq!(server["args"].as_array().map(Vec::len), Some(0), "{client}");
            serde_json::to_value(server).expect("TOML table as JSON")
        }
        SnippetFormat::Shell => {
            let prefix = format!("claude mcp add {SERVER_KEY} -- ");
            let word = text
                .trim_end()
                .strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("{client}: expected `{prefix}<path>`, got {text:?}"));
            serde_json::json!({ "command": shell_word(word) })
        }
    };
    server["command"]
        .as_str()
        .unwrap_or_else(|| panic!("{client}: no command string in {server}"))
        .to_string()
}

/// What a POSIX shell makes of one quoted word.
#[cfg(unix)]
fn shell_word(word: &str) -> String {
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("printf %s {word}"))
        .output()
        .expect("run sh");
    assert!(output.status.success(), "sh could not read {word}");
    String::from_utf8(output.stdout).expect("utf-8")
}

#[cfg(not(unix))]
fn shell_word(word: &str) -> String {
    word.trim_matches('"').to_string()
}

#[test]
fn print_config_prints_a_working_configuration_for_every_client() {
    let binary = real_binary();
    for client in Client::ALL {
        let output = Command::new(common::BIN)
            .args(["print-config", client.cli_name()])
            .output()
            .expect("run print-config");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "print-config {client} failed ({}): {stderr}",
            output.status
        );
        let command = configured_command(client, &stdout);
        let resolved = std::fs::canonicalize(&command)
            .unwrap_or_else(|e| panic!("{client}: {command} is not a file: {e}"));
        assert_eq!(resolved, binary, "{client}: the binary's own path");
        // stdout parsed as a whole above, so the hint cannot be there; it must be on stderr.
        assert!(
            !stderr.trim().is_empty(),
            "{client}: print-config says on stderr where the snippet goes"
        );
    }
}

#[test]
fn print_config_rejects_an_unknown_client_by_listing_the_known_ones() {
    let output = Command::new(common::BIN)
        .args(["print-config", "notepad"])
        .output()
        .expect("run print-config");
    assert_eq!(output.status.code(), Some(2), "a usage error");
    assert!(
        output.stdout.is_empty(),
        "nothing a script could mistake for config"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    for client in Client::ALL {
        assert!(
            stderr.contains(client.cli_name()),
            "{client} named in: {stderr}"
        );
    }
}

/// The library function behind `print-config`, on the real binary's path.
#[test]
fn snippets_for_this_binary_parse_for_every_client() {
    let binary = real_binary();
    for client in Client::ALL {
        let text = clients::config_snippet(client, &binary).expect("snippet");
        let command = configured_command(client, &text);
        assert_eq!(Path::new(&command), binary, "{client}");
    }
}

#[test]
fn print_config_launcher_npx_and_uvx_name_the_package_not_a_path() {
    for (launcher, command, args) in [
        ("npx", "npx", vec!["-y", "backend-engineering-mcp"]),
        ("uvx", "uvx", vec!["backend-engineering-mcp"]),
    ] {
        let output = Command::new(common::BIN)
            .args(["print-config", "cursor", "--launcher", launcher])
            .output()
            .expect("run print-config");
        assert!(output.status.success(), "--launcher {launcher}");
        let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        let server = &value["mcpServers"]["backend-engineering"];
        if cfg!(windows) && launcher == "npx" {
            assert_eq!(server["command"], "cmd");
        } else {
            assert_eq!(server["command"], command, "--launcher {launcher}");
            assert_eq!(
                server["args"],
                serde_json::json!(args),
                "--launcher {launcher}"
            );
        }
    }
    let output = Command::new(common::BIN)
        .args(["print-config", "cursor", "--launcher", "brew"])
        .output()
        .expect("run print-config");
    assert_eq!(
        output.status.code(),
        Some(2),
        "an unknown launcher is a usage error"
    );
    assert!(output.stdout.is_empty());
}
