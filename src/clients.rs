//! Client configuration: the snippet (or shell command) that registers this server with each MCP
//! client, and where that snippet goes. Pure functions: the caller passes the binary's path and the
//! operating system; nothing here reads the environment or touches a file.
//!
//! Formats, as each client documents them (checked against the clients' documentation and guides in
//! November 2026; the shapes have been stable since each client added MCP support):
//!
//! | client | file | shape |
//! |---|---|---|
//! | Claude Desktop | `claude_desktop_config.json` | `{"mcpServers": {name: {"command", "args"}}}` |
//! | Cursor | `~/.cursor/mcp.json` or `.cursor/mcp.json` | same as Claude Desktop |
//! | VS Code | `.vscode/mcp.json` or the user `mcp.json` | `{"servers": {name: {"type": "stdio", "command", "args"}}}` |
//! | Claude Code | (a command) | `claude mcp add <name> -- <command>` |
//! | Windsurf | `~/.codeium/windsurf/mcp_config.json` | same as Claude Desktop |
//! | Codex | `~/.codex/config.toml` | `[mcp_servers.<name>]` table with `command` and `args` |

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Serialize;

/// The name the server is registered under in every client's configuration.
pub const SERVER_KEY: &str = "backend-engineering";

/// An MCP client this server can be registered with. The clap names are the kebab-case variant
/// names: `claude-desktop`, `cursor`, `vscode`, `claude-code`, `windsurf`, `codex`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Client {
    /// Claude Desktop (`claude_desktop_config.json`).
    ClaudeDesktop,
    /// Cursor (`~/.cursor/mcp.json`).
    Cursor,
    /// VS Code with Copilot agent mode (`.vscode/mcp.json`).
    Vscode,
    /// Claude Code (the `claude mcp add` command).
    ClaudeCode,
    /// Windsurf (`~/.codeium/windsurf/mcp_config.json`).
    Windsurf,
    /// OpenAI Codex CLI and IDE extension (`~/.codex/config.toml`).
    Codex,
}

impl Client {
    /// Every client, in the order the CLI lists them.
    pub const ALL: [Client; 6] = [
        Client::ClaudeDesktop,
        Client::Cursor,
        Client::Vscode,
        Client::ClaudeCode,
        Client::Windsurf,
        Client::Codex,
    ];

    /// The name on the command line (`print-config <name>`).
    pub fn cli_name(self) -> &'static str {
        match self {
            Client::ClaudeDesktop => "claude-desktop",
            Client::Cursor => "cursor",
            Client::Vscode => "vscode",
            Client::ClaudeCode => "claude-code",
            Client::Windsurf => "windsurf",
            Client::Codex => "codex",
        }
    }

    /// The product name, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Client::ClaudeDesktop => "Claude Desktop",
            Client::Cursor => "Cursor",
            Client::Vscode => "VS Code",
            Client::ClaudeCode => "Claude Code",
            Client::Windsurf => "Windsurf",
            Client::Codex => "Codex",
        }
    }

    /// The language of this client's snippet.
    pub fn format(self) -> SnippetFormat {
        match self {
            Client::ClaudeDesktop | Client::Cursor | Client::Vscode | Client::Windsurf => {
                SnippetFormat::Json
            }
            Client::ClaudeCode => SnippetFormat::Shell,
            Client::Codex => SnippetFormat::Toml,
        }
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cli_name())
    }
}

/// What kind of text a snippet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnippetFormat {
    /// A JSON document to merge into the client's configuration file.
    Json,
    /// A TOML table to append to the client's configuration file.
    Toml,
    /// A command to run in a shell.
    Shell,
}

/// Operating system families whose configuration locations differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    /// macOS.
    MacOs,
    /// Windows.
    Windows,
    /// Linux and other Unix-like systems.
    Linux,
}

impl Os {
    /// The operating system this binary was compiled for.
    pub fn current() -> Os {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        }
    }
}

/// Why no snippet can be written for a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnippetError {
    /// JSON and TOML strings are Unicode; a path that is not cannot be written into them faithfully.
    #[error("the binary path {0:?} is not valid Unicode; move the binary to a path that is")]
    NonUnicodePath(String),
    /// Clients start servers from a working directory of their choosing, so a relative path breaks.
    #[error("the binary path {0:?} is relative; clients need an absolute path")]
    RelativePath(String),
    /// A control character (e.g. a newline) in the path: no client would run it as typed.
    #[error("the binary path {0:?} contains a control character")]
    ControlCharacter(String),
}

/// How a client starts the server: this binary's own path, or a package runner that fetches and
/// starts the prebuilt binary (the npm package or the PyPI wheel of the same name). The clap names
/// are `path`, `npx` and `uvx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum Launcher {
    /// The absolute path of this binary.
    #[default]
    Path,
    /// `npx -y backend-engineering-mcp` (Node.js); on Windows through `cmd /c`, since `npx` is a
    /// batch file that clients cannot start directly.
    Npx,
    /// `uvx backend-engineering-mcp` (uv, from PyPI).
    Uvx,
}

/// The package name on npm and PyPI (and crates.io).
pub const PACKAGE: &str = "backend-engineering-mcp";

/// The snippet registering `binary` with `client`, for the operating system this binary runs on.
/// See [`config_snippet_for`].
pub fn config_snippet(client: Client, binary: &Path) -> Result<String, SnippetError> {
    config_snippet_for(client, binary, Os::current())
}

/// The snippet registering `binary` with `client`: a JSON document (pretty, ending in a newline), a
/// TOML table, or a shell command, per [`Client::format`]. `binary` must be absolute (e.g.
/// `std::env::current_exe()`); `os` only changes how the Claude Code command quotes the path.
pub fn config_snippet_for(client: Client, binary: &Path, os: Os) -> Result<String, SnippetError> {
    launcher_snippet(client, Launcher::Path, binary, os)
}

/// The snippet registering the server with `client`, started by `launcher` on `os`. `binary` is
/// used (and checked) only for [`Launcher::Path`].
pub fn launcher_snippet(
    client: Client,
    launcher: Launcher,
    binary: &Path,
    os: Os,
) -> Result<String, SnippetError> {
    let (command, args): (&str, Vec<&str>) = match (launcher, os) {
        (Launcher::Path, _) => (checked_command(binary)?, Vec::new()),
        (Launcher::Npx, Os::Windows) => ("cmd", vec!["/c", "npx", "-y", PACKAGE]),
        (Launcher::Npx, _) => ("npx", vec!["-y", PACKAGE]),
        (Launcher::Uvx, _) => ("uvx", vec![PACKAGE]),
    };
    let text = match client {
        Client::ClaudeDesktop | Client::Cursor | Client::Windsurf => {
            json(&McpServersFile::new(StdioServer::new(command, &args, None)))
        }
        Client::Vscode => json(&VscodeFile::new(StdioServer::new(
            command,
            &args,
            Some("stdio"),
        ))),
        Client::ClaudeCode => {
            let mut line = format!(
                "claude mcp add {SERVER_KEY} -- {}",
                shell_quote(command, os)
            );
            for arg in &args {
                line.push(' ');
                line.push_str(&shell_quote(arg, os));
            }
            line.push('\n');
            line
        }
        Client::Codex => {
            let args: Vec<String> = args.iter().map(|a| toml_string(a)).collect();
            format!(
                "[mcp_servers.{SERVER_KEY}]\ncommand = {}\nargs = [{}]\n",
                toml_string(command),
                args.join(", ")
            )
        }
    };
    Ok(text)
}

/// Where the snippet goes, as one line for people (printed on stderr beside the snippet).
pub fn config_hint(client: Client, os: Os) -> String {
    match client {
        Client::ClaudeDesktop => {
            let file = match os {
                Os::MacOs => "~/Library/Application Support/Claude/claude_desktop_config.json",
                Os::Windows => r"%APPDATA%\Claude\claude_desktop_config.json",
                // There is no official Linux build; community builds use the XDG location.
                Os::Linux => "~/.config/Claude/claude_desktop_config.json",
            };
            format!(
                "Merge into {file} (Claude Desktop: Settings > Developer > Edit Config), then restart Claude Desktop."
            )
        }
        Client::Cursor => format!(
            "Merge into {} (all projects) or .cursor/mcp.json (one project), then reload Cursor.",
            home_path(os, ".cursor/mcp.json")
        ),
        Client::Vscode => {
            "Merge into .vscode/mcp.json in your workspace (or run \"MCP: Open User Configuration\" for every workspace), then start the server from that file."
                .to_string()
        }
        Client::ClaudeCode => {
            "Run this in a shell; add --scope user before the name to use the server in every project."
                .to_string()
        }
        Client::Windsurf => format!(
            "Merge into {}, then press Refresh in Windsurf's MCP settings.",
            home_path(os, ".codeium/windsurf/mcp_config.json")
        ),
        Client::Codex => format!(
            "Append to {} ($CODEX_HOME/config.toml when CODEX_HOME is set), then restart Codex.",
            home_path(os, ".codex/config.toml")
        ),
    }
}

/// A file under the home directory, spelt the way users of `os` write it.
fn home_path(os: Os, relative: &str) -> String {
    match os {
        Os::Windows => format!(r"%USERPROFILE%\{}", relative.replace('/', r"\")),
        Os::MacOs | Os::Linux => format!("~/{relative}"),
    }
}

fn checked_command(binary: &Path) -> Result<&str, SnippetError> {
    let shown = binary.to_string_lossy().into_owned();
    let Some(command) = binary.to_str() else {
        return Err(SnippetError::NonUnicodePath(shown));
    };
    if !binary.is_absolute() {
        return Err(SnippetError::RelativePath(shown));
    }
    if command.chars().any(char::is_control) {
        return Err(SnippetError::ControlCharacter(shown));
    }
    Ok(command)
}

/// One stdio server entry. Field order is the order people read: type, command, args.
#[derive(Serialize)]
struct StdioServer<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    command: &'a str,
    args: &'a [&'a str],
}

impl<'a> StdioServer<'a> {
    fn new(command: &'a str, args: &'a [&'a str], kind: Option<&'static str>) -> Self {
        StdioServer {
            kind,
            command,
            args,
        }
    }
}

/// Claude Desktop, Cursor and Windsurf: `{"mcpServers": {...}}`.
#[derive(Serialize)]
struct McpServersFile<'a> {
    #[serde(rename = "mcpServers")]
    servers: BTreeMap<&'static str, StdioServer<'a>>,
}

impl<'a> McpServersFile<'a> {
    fn new(server: StdioServer<'a>) -> Self {
        McpServersFile {
            servers: BTreeMap::from([(SERVER_KEY, server)]),
        }
    }
}

/// VS Code: `{"servers": {...}}`.
#[derive(Serialize)]
struct VscodeFile<'a> {
    servers: BTreeMap<&'static str, StdioServer<'a>>,
}

impl<'a> VscodeFile<'a> {
    fn new(server: StdioServer<'a>) -> Self {
        VscodeFile {
            servers: BTreeMap::from([(SERVER_KEY, server)]),
        }
    }
}

fn json<T: Serialize>(value: &T) -> String {
    // Serializing these plain structs of strings cannot fail; fall back to compact output rather
    // than panic should that ever change.
    let mut text = serde_json::to_string_pretty(value)
        .or_else(|_| serde_json::to_string(value))
        .unwrap_or_default();
    text.push('\n');
    text
}

/// A TOML string for `value`: a literal string (no escapes, so Windows paths stay readable) when
/// `value` allows one, otherwise a basic string with `\` and `"` escaped. Control characters are
/// escaped too, though [`checked_command`] already refuses them in paths.
fn toml_string(value: &str) -> String {
    let literal_ok = !value.contains('\'') && !value.chars().any(char::is_control);
    if literal_ok {
        return format!("'{value}'");
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `value` as one shell word. POSIX shells: bare when it holds only characters no shell treats
/// specially, else single-quoted (a `'` becomes `'\''`). Windows (cmd and PowerShell): bare or in
/// double quotes; Windows paths cannot contain `"`.
fn shell_quote(value: &str, os: Os) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:,@%=".contains(c));
    if plain {
        return value.to_string();
    }
    match os {
        Os::Windows => format!("\"{value}\""),
        Os::MacOs | Os::Linux => format!("'{}'", value.replace('\'', r"'\''")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// An absolute path on every OS (temp_dir is absolute), ending in `tail`.
    fn abs(tail: &str) -> PathBuf {
        std::env::temp_dir().join(tail)
    }

    fn parse_json(client: Client, binary: &Path) -> serde_json::Value {
        let text = config_snippet(client, binary).expect("snippet");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{client}: not JSON ({e}):\n{text}"))
    }

    fn parse_toml(binary: &Path) -> toml::Table {
        let text = config_snippet(Client::Codex, binary).expect("snippet");
        text.parse::<toml::Table>()
            .unwrap_or_else(|e| panic!("codex: not TOML ({e}):\n{text}"))
    }

    /// The command and args of the only server in a parsed JSON config, checking the shape.
    fn json_server(client: Client, value: &serde_json::Value) -> (String, Vec<serde_json::Value>) {
        let (top, with_type) = match client {
            Client::Vscode => ("servers", true),
            _ => ("mcpServers", false),
        };
        let root = value.as_object().expect("object");
        assert_eq!(
            root.keys().collect::<Vec<_>>(),
            [top],
            "{client}: top-level keys"
        );
        let servers = root[top].as_object().expect("servers object");
        assert_eq!(
            servers.keys().collect::<Vec<_>>(),
            [SERVER_KEY],
            "{client}: server names"
        );
        let server = servers[SERVER_KEY].as_object().expect("server object");
        let mut keys: Vec<&str> = server.keys().map(String::as_str).collect();
        keys.sort_unstable();
        if with_type {
            assert_eq!(keys, ["args", "command", "type"], "{client}: server keys");
            assert_eq!(server["type"], "stdio");
        } else {
            assert_eq!(keys, ["args", "command"], "{client}: server keys");
        }
        let command = server["command"].as_str().expect("command string");
        let args = server["args"].as_array().expect("args array").clone();
        (command.to_string(), args)
    }

    #[test]
    fn cli_names_are_clap_value_names() {
        use clap::ValueEnum;
        for client in Client::ALL {
            let value = client.to_possible_value().expect("visible value");
            assert_eq!(value.get_name(), client.cli_name());
            assert_eq!(Client::from_str(client.cli_name(), false), Ok(client));
        }
        assert_eq!(Client::value_variants().len(), Client::ALL.len());
    }

    #[test]
    fn json_clients_get_their_documented_shape() {
        let binary = abs("bem/backend-engineering-mcp");
        for client in Client::ALL
            .into_iter()
            .filter(|c| c.format() == SnippetFormat::Json)
        {
            let (command, args) = json_server(client, &parse_json(client, &binary));
            assert_eq!(Path::new(&command), binary, "{client}");
            assert!(
                args.is_empty(),
                "{client}: no arguments (stdio is the default)"
            );
        }
    }

    #[test]
    fn codex_gets_an_mcp_servers_table() {
        let binary = abs("bem/backend-engineering-mcp");
        let table = parse_toml(&binary);
        assert_eq!(table.keys().collect::<Vec<_>>(), ["mcp_servers"]);
        let servers = table["mcp_servers"].as_table().expect("table");
        assert_eq!(servers.keys().collect::<Vec<_>>(), [SERVER_KEY]);
        let server = servers[SERVER_KEY].as_table().expect("table");
        assert_eq!(server.keys().collect::<Vec<_>>(), ["args", "command"]);
        assert_eq!(server["command"].as_str().map(Path::new), Some(&*binary));
        assert_eq!(server["args"].as_array().map(Vec::len), Some(0));
    }

    #[test]
    fn claude_code_gets_the_add_command() {
        let binary = abs("bem/backend-engineering-mcp");
        let text = config_snippet_for(Client::ClaudeCode, &binary, Os::Linux).expect("snippet");
        assert_eq!(
            text,
            format!(
                "claude mcp add backend-engineering -- {}\n",
                binary.display()
            )
        );
    }

    /// Paths people really have: spaces (macOS "Application Support", Windows "Program Files"),
    /// quotes, backslashes, non-ASCII letters.
    const AWKWARD: [&str; 6] = [
        "My Tools/backend-engineering-mcp",
        "it's/backend-engineering-mcp",
        "say \"hi\"/backend-engineering-mcp",
        r"back\slash\dir/backend-engineering-mcp",
        "both ' and \" and \\/bem",
        "caf\u{e9} \u{65e5}\u{672c}/bem",
    ];

    #[test]
    fn awkward_paths_round_trip_through_json_and_toml() {
        for tail in AWKWARD {
            let binary = abs(tail);
            for client in Client::ALL
                .into_iter()
                .filter(|c| c.format() == SnippetFormat::Json)
            {
                let (command, _) = json_server(client, &parse_json(client, &binary));
                assert_eq!(Path::new(&command), binary, "{client}: {tail}");
            }
            let table = parse_toml(&binary);
            let command = table["mcp_servers"][SERVER_KEY]["command"].as_str();
            assert_eq!(command.map(Path::new), Some(&*binary), "codex: {tail}");
        }
    }

    #[test]
    fn toml_strings_escape_what_they_must() {
        assert_eq!(toml_string(r"C:\Tools\bem.exe"), r"'C:\Tools\bem.exe'");
        assert_eq!(toml_string(r#"it's "x"\y"#), r#""it's \"x\"\\y""#);
        assert_eq!(toml_string("a\u{7f}b"), r#""a\u007Fb""#);
        for value in [
            "plain",
            "it's",
            "a\"b",
            "a\\b",
            "tab\there",
            "nl\nx",
            "'\u{1}'",
        ] {
            let doc = format!("v = {}", toml_string(value));
            let table: toml::Table = doc.parse().unwrap_or_else(|e| panic!("{doc}: {e}"));
            assert_eq!(table["v"].as_str(), Some(value), "{doc}");
        }
    }

    #[test]
    fn shell_words_quote_for_posix_and_windows() {
        assert_eq!(
            shell_quote("/opt/bem/bin/bem", Os::Linux),
            "/opt/bem/bin/bem"
        );
        assert_eq!(
            shell_quote("/Users/me/My Tools/bem", Os::MacOs),
            "'/Users/me/My Tools/bem'"
        );
        assert_eq!(
            shell_quote("/tmp/it's/bem", Os::Linux),
            r"'/tmp/it'\''s/bem'"
        );
        assert_eq!(shell_quote("/tmp/$HOME/bem", Os::Linux), "'/tmp/$HOME/bem'");
        assert_eq!(
            shell_quote(r"C:\Program Files\bem\bem.exe", Os::Windows),
            r#""C:\Program Files\bem\bem.exe""#
        );
        assert_eq!(
            shell_quote(r"C:\bem\bem.exe", Os::Windows),
            r#""C:\bem\bem.exe""#
        );
    }

    /// What a POSIX shell does with the quoted word: `sh -c 'printf %s <word>'` prints the path back.
    #[cfg(unix)]
    #[test]
    fn posix_shell_reads_the_quoted_path_back() {
        for tail in AWKWARD {
            let binary = abs(tail);
            let path = binary.to_str().expect("utf-8");
            let script = format!("printf %s {}", shell_quote(path, Os::Linux));
            let output = std::process::Command::new("sh")
                .arg("-c")
                .arg(&script)
                .output()
                .expect("run sh");
            assert!(output.status.success(), "{script}");
            assert_eq!(String::from_utf8_lossy(&output.stdout), path, "{script}");
        }
    }

    #[test]
    fn paths_no_config_can_hold_are_refused() {
        assert!(matches!(
            config_snippet(Client::Cursor, Path::new("target/debug/bem")),
            Err(SnippetError::RelativePath(_))
        ));
        assert!(matches!(
            config_snippet(Client::Codex, &abs("line\nbreak/bem")),
            Err(SnippetError::ControlCharacter(_))
        ));
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let non_unicode = std::env::temp_dir().join(std::ffi::OsStr::from_bytes(b"\xff"));
            assert!(matches!(
                config_snippet(Client::Vscode, &non_unicode),
                Err(SnippetError::NonUnicodePath(_))
            ));
        }
    }

    #[test]
    fn launchers_start_the_packages_by_name() {
        let binary = Path::new("relative/is/ignored");
        for client in Client::ALL
            .into_iter()
            .filter(|c| c.format() == SnippetFormat::Json)
        {
            for (launcher, os, command, args) in [
                (Launcher::Npx, Os::Linux, "npx", vec!["-y", PACKAGE]),
                (Launcher::Npx, Os::MacOs, "npx", vec!["-y", PACKAGE]),
                (
                    Launcher::Npx,
                    Os::Windows,
                    "cmd",
                    vec!["/c", "npx", "-y", PACKAGE],
                ),
                (Launcher::Uvx, Os::Windows, "uvx", vec![PACKAGE]),
                (Launcher::Uvx, Os::Linux, "uvx", vec![PACKAGE]),
            ] {
                let text = launcher_snippet(client, launcher, binary, os).expect("snippet");
                let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
                let (got_command, got_args) = json_server(client, &value);
                assert_eq!(got_command, command, "{client} {launcher:?} {os:?}");
                assert_eq!(got_args, args, "{client} {launcher:?} {os:?}");
            }
        }
        let codex =
            launcher_snippet(Client::Codex, Launcher::Npx, binary, Os::Linux).expect("toml");
        let table: toml::Table = codex.parse().expect("TOML");
        let server = &table["mcp_servers"][SERVER_KEY];
        assert_eq!(server["command"].as_str(), Some("npx"));
        let args: Vec<&str> = server["args"]
            .as_array()
            .expect("args")
            .iter()
            .filter_map(|a| a.as_str())
            .collect();
        assert_eq!(args, ["-y", PACKAGE]);
        assert_eq!(
            launcher_snippet(Client::ClaudeCode, Launcher::Uvx, binary, Os::Linux).expect("line"),
            "claude mcp add backend-engineering -- uvx backend-engineering-mcp\n"
        );
        assert_eq!(
            launcher_snippet(Client::ClaudeCode, Launcher::Npx, binary, Os::Windows).expect("line"),
            "claude mcp add backend-engineering -- cmd /c npx -y backend-engineering-mcp\n"
        );
        // The path launcher still refuses a path no client can start.
        assert!(matches!(
            launcher_snippet(Client::Cursor, Launcher::Path, binary, Os::Linux),
            Err(SnippetError::RelativePath(_))
        ));
    }

    #[test]
    fn hints_name_the_file_for_each_os() {
        assert!(
            config_hint(Client::ClaudeDesktop, Os::MacOs)
                .contains("~/Library/Application Support/Claude/claude_desktop_config.json")
        );
        assert!(
            config_hint(Client::ClaudeDesktop, Os::Windows)
                .contains(r"%APPDATA%\Claude\claude_desktop_config.json")
        );
        assert!(config_hint(Client::Cursor, Os::Linux).contains("~/.cursor/mcp.json"));
        assert!(
            config_hint(Client::Cursor, Os::Windows).contains(r"%USERPROFILE%\.cursor\mcp.json")
        );
        assert!(config_hint(Client::Vscode, Os::Linux).contains(".vscode/mcp.json"));
        assert!(
            config_hint(Client::Windsurf, Os::MacOs)
                .contains("~/.codeium/windsurf/mcp_config.json")
        );
        assert!(config_hint(Client::Codex, Os::Linux).contains("~/.codex/config.toml"));
        for client in Client::ALL {
            for os in [Os::MacOs, Os::Windows, Os::Linux] {
                assert!(
                    !config_hint(client, os).contains('\n'),
                    "{client}: one line"
                );
            }
        }
    }
}
