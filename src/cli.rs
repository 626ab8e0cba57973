//! The command line: clap definitions and a thin translation to the core. Human-readable output by
//! default, `--json` for scripts. Errors go to stderr with exit code 2 (bad input) or 1 (failure).

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::content::Skill;
use crate::content::read::{self, GetSkillRequest, ReadReferenceRequest};
use crate::search::{SearchIndex, SearchRequest};

/// The backend-engineering skill for LLM agents, over MCP.
///
/// With no command, serves MCP over stdio (what Claude Desktop and IDE agents spawn).
#[derive(Debug, Parser)]
#[command(name = "backend-engineering-mcp", version, about, long_about = None)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Log filter (tracing EnvFilter syntax, e.g. `info` or `backend_engineering_mcp=debug`);
    /// RUST_LOG wins when set. Default: `info` for the server, `warn` for other commands.
    #[arg(long, global = true)]
    pub log_level: Option<String>,
    /// Server: seconds a tool call may run before it is stopped and answered with an error.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub call_timeout: u64,
    /// Server: requests read but not yet answered; past it a request is refused as busy (-32000).
    #[arg(long, value_name = "N", default_value_t = 64, global = true,
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_in_flight: u64,
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Log output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve MCP over stdio (the default).
    Stdio,
    /// Serve MCP over streamable HTTP (see `http --help` for the secure defaults).
    Http(Box<crate::http::HttpArgs>),
    /// Search the reference documents; prints the best sections.
    Search {
        /// What you need, in plain words.
        query: String,
        /// How many sections, 1 to 20.
        #[arg(long, default_value_t = 5)]
        limit: i64,
        /// Only this reference (e.g. security.md).
        #[arg(long)]
        reference: Option<String>,
        /// Token budget for the full section texts.
        #[arg(long)]
        max_tokens: Option<i64>,
        /// How many of the best hits carry their full text (JSON output), 0 to 20.
        #[arg(long)]
        full_texts: Option<i64>,
        /// Print the full result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the skill (SKILL.md).
    Skill {
        /// Language (served: en).
        #[arg(long)]
        lang: Option<String>,
        /// Print as JSON with name, description and digest.
        #[arg(long)]
        json: bool,
    },
    /// Review a migration against the live schema (or one DDL script): locks, rewrites, keys, indexes, types.
    ///
    /// With --schema, the files are the migration judged against it (every table it does not create is
    /// live); without, they are one script. Directories stand for their *.sql files in name order.
    ReviewSchema {
        /// Migration files or directories, in order; `-` or none for stdin.
        paths: Vec<String>,
        /// The current schema (pg_dump --schema-only, structure.sql, mysqldump --no-data, .schema).
        #[arg(long, value_name = "FILE")]
        schema: Option<String>,
        /// SQL dialect: postgres (default), mysql, sqlite, generic.
        #[arg(long)]
        dialect: Option<String>,
        /// PostgreSQL major version the migration runs on (default 16).
        #[arg(long, value_name = "N")]
        postgres_version: Option<u32>,
        /// An access pattern to check against the indexes (a SQL query); repeatable.
        #[arg(long = "query", value_name = "SQL")]
        queries: Vec<String>,
        /// Output: text (default), json, github (annotations), sarif.
        #[arg(long, value_enum)]
        format: Option<crate::cli_review::Format>,
        /// Same as --format json.
        #[arg(long)]
        json: bool,
        /// Exit with status 1 when a finding of this severity or higher exists.
        #[arg(long, value_enum, value_name = "SEVERITY")]
        fail_on: Option<crate::cli_review::FailOn>,
        /// Leave out findings of this rule; repeatable.
        #[arg(long, value_name = "RULE")]
        exclude: Vec<String>,
    },
    /// Walk the scaling decision tree (e.g. `--set single_server_sufficient=false --set bottleneck=data`).
    #[command(
        after_help = "Example: backend-engineering-mcp scaling --input '{\"metrics\": {\"app_cpu_percent\": 70, \"larger_instance_available\": true}}'"
    )]
    Scaling(DecisionArgs),
    /// Plan an SLO: error budget and multiwindow burn-rate alerts (e.g. `--set target_percent=99.9`).
    #[command(
        after_help = "Example: backend-engineering-mcp slo --input '{\"target_percent\": 99.95, \"window_days\": 28, \"requests_per_second\": 200}'"
    )]
    Slo(DecisionArgs),
    /// Diagnose slowness with the five-step checklist (e.g. `--set cpu_percent=95`).
    #[command(
        after_help = "Example: backend-engineering-mcp diagnose --input @examples/metrics.json (the shape: examples/metrics.json in the repository)"
    )]
    Diagnose(DecisionArgs),
    /// Plan retries, backoff, timeout and circuit breaker for a failing call
    /// (e.g. `--set failure=http_503 --set idempotent=true`).
    #[command(
        after_help = "Example: backend-engineering-mcp retries --input '{\"failure\": \"http_503\", \"idempotent\": false, \"has_idempotency_key\": true, \"retry_after_ms\": 2000, \"deadline_ms\": 10000}'"
    )]
    Retries(DecisionArgs),
    /// Audit a service against the minimum security checklist (e.g. `--set password_hashing=md5`).
    #[command(
        after_help = "Example: backend-engineering-mcp audit-security --input '{\"password_hashing\": \"bcrypt\", \"bcrypt_cost\": 12, \"sql\": \"orm\", \"transport\": \"tls_at_edge_only\"}'"
    )]
    AuditSecurity(DecisionArgs),
    /// Choose an API style, pagination, versioning and rate limiting
    /// (e.g. `--set 'needs=["crud"]' --set consumers=public`).
    #[command(
        after_help = "Example: backend-engineering-mcp api-style --input '{\"needs\": [\"crud\"], \"consumers\": \"public\", \"data_set\": {\"size\": \"large\", \"changing\": true}}'"
    )]
    ApiStyle(DecisionArgs),
    /// Choose ACID, outbox or a saga (e.g. `--set strong_consistency_required=false`).
    #[command(
        after_help = "Example: backend-engineering-mcp consistency --input '{\"strong_consistency_required\": false, \"multi_step_process\": false, \"single_database\": true, \"steps\": [\"update inventory\", \"send confirmation email\"]}'"
    )]
    Consistency(DecisionArgs),
    /// Print the configuration that registers this binary with an MCP client: JSON or TOML to merge
    /// into the client's config file, or the command to run (Claude Code). Where it goes is printed
    /// on stderr, so `> file` or a pipe gets the snippet alone.
    PrintConfig {
        /// The client.
        #[arg(value_enum)]
        client: crate::clients::Client,
        /// How the client starts the server: this binary's path, or `npx`/`uvx` with the npm or
        /// PyPI package (no path to keep up to date).
        #[arg(long, value_enum, default_value_t)]
        launcher: crate::clients::Launcher,
    },
    /// Print a reference document, or one section of it.
    Read {
        /// File name (security.md), stem (security) or URI.
        name: String,
        /// Section anchor (e.g. password-storage).
        #[arg(long)]
        section: Option<String>,
        /// Print as JSON with the list of sections.
        #[arg(long)]
        json: bool,
    },
}

/// Input of a decision tool on the command line.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DecisionArgs {
    /// The tool's input as a JSON object: inline, `@path/to/file.json`, or `-` for stdin. Field names
    /// as in the matching MCP tool's inputSchema (the subcommand's example shows some).
    #[arg(long)]
    pub input: Option<String>,
    /// Set one input field: `--set field=value` (value read as JSON when it parses, else as text);
    /// repeatable, applied over --input.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
    /// Print the structured verdict as JSON.
    #[arg(long)]
    pub json: bool,
}

impl DecisionArgs {
    /// The JSON input object: --input, then each --set over it.
    fn object(&self) -> anyhow::Result<serde_json::Map<String, serde_json::Value>> {
        let mut object = match self.input.as_deref() {
            None => serde_json::Map::new(),
            Some(source) => {
                let text = read_source(source)?;
                match serde_json::from_str(&text) {
                    Ok(serde_json::Value::Object(map)) => map,
                    Ok(other) => {
                        let shown = crate::quote::quote(&other.to_string());
                        return Err(usage(format!("--input must be a JSON object, got {shown}")));
                    }
                    Err(e) => {
                        return Err(usage(format!(
                            "--input is not valid JSON: {}",
                            crate::quote::shorten_quotes(&e.to_string())
                        )));
                    }
                }
            }
        };
        for assignment in &self.set {
            let Some((field, value)) = assignment.split_once('=') else {
                return Err(usage(format!(
                    "--set takes FIELD=VALUE, got {assignment:?}"
                )));
            };
            let value = serde_json::from_str(value)
                .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
            object.insert(field.trim().to_string(), value);
        }
        Ok(object)
    }
}

/// Text from `-` (stdin), `@path`, or the argument itself.
fn read_source(source: &str) -> anyhow::Result<String> {
    if let Some(path) = source.strip_prefix('@') {
        read_file(path)
    } else if source == "-" {
        read_file("-")
    } else {
        Ok(source.to_string())
    }
}

/// A file (or `-`, stdin) as UTF-8 text of at most `MAX_INPUT_BYTES`: reading stops one byte past the
/// limit whatever the file claims its size is (a pipe, `/dev/zero`), and binary input is named as such.
fn read_file(path: &str) -> anyhow::Result<String> {
    use std::io::Read;
    let limit = crate::decide::MAX_INPUT_BYTES;
    let (name, reader): (&str, Box<dyn Read>) = if path == "-" {
        ("stdin", Box::new(std::io::stdin().lock()))
    } else {
        let file = std::fs::File::open(path).map_err(|e| usage(format!("{path}: {e}")))?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(usage(format!("{path} is a directory; give a file")));
        }
        (path, Box::new(file))
    };
    let mut bytes = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| usage(format!("{name}: {e}")))?;
    if bytes.len() > limit {
        return Err(usage(format!(
            "{name} is longer than the limit of {limit} bytes; split it"
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        usage(format!(
            "{name} is not UTF-8 text (invalid byte at offset {}); give a text file",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Run a decision tool on a JSON object and print its verdict.
fn run_decision<I, O, E>(
    args: &DecisionArgs,
    object: serde_json::Map<String, serde_json::Value>,
    decide: fn(&I) -> Result<O, E>,
) -> anyhow::Result<()>
where
    I: serde::de::DeserializeOwned + schemars::JsonSchema,
    O: Serialize + std::fmt::Display,
    E: std::fmt::Display,
{
    let decoded = crate::decode::decode::<I>(serde_json::Value::Object(object))
        .map_err(|e| usage(format!("invalid input: {e}")))?;
    for note in &decoded.notes {
        let _ = writeln!(std::io::stderr(), "note: {note}");
    }
    let output = decide(&decoded.input).map_err(usage)?;
    if args.json {
        print_json(&output)
    } else {
        print_text(&output.to_string())
    }
}

/// An error the user can fix: printed and exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

fn print_text(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        writeln!(out)?;
    }
    Ok(())
}

/// Run a non-server command. Returns the process exit code: 0, 2 for input the user can fix, 1 for
/// any other failure. A reader that closed stdout early (`| head`) is not a failure: exit 0, quietly,
/// as `head` asked for no more.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match run_inner(command) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if is_broken_pipe(&e) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            if let Some(failed) = e.downcast_ref::<crate::cli_review::ReviewError>() {
                let _ = writeln!(std::io::stderr(), "{failed}");
                return Ok(ExitCode::from(1));
            }
            match e.downcast_ref::<UsageError>() {
                Some(usage) => {
                    let _ = writeln!(std::io::stderr(), "error: {usage}");
                    Ok(ExitCode::from(2))
                }
                None => Err(e),
            }
        }
    }
}

/// Whether `e` is a write to a closed pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(|json| json.io_error_kind())
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn usage(e: impl std::fmt::Display) -> anyhow::Error {
    UsageError(e.to_string()).into()
}

fn run_inner(command: Command) -> anyhow::Result<()> {
    let skill = Skill::get();
    match command {
        Command::Stdio | Command::Http(_) => Err(anyhow::anyhow!(
            "servers are started by main, not by cli::run"
        )),
        Command::Search {
            query,
            limit,
            reference,
            max_tokens,
            full_texts,
            json,
        } => {
            let index = SearchIndex::build(skill)?;
            let request = SearchRequest {
                query,
                limit: Some(limit),
                reference,
                max_tokens,
                full_texts,
            };
            let response = index.search(&request).map_err(usage)?;
            if json {
                return print_json(&response);
            }
            print_text(&response.render(false))
        }
        Command::Skill { lang, json } => {
            let response = read::get_skill(skill, &GetSkillRequest { lang }).map_err(usage)?;
            if json {
                print_json(&response)
            } else {
                print_text(&response.text)
            }
        }
        Command::ReviewSchema {
            paths,
            schema,
            dialect,
            postgres_version,
            queries,
            format,
            json,
            fail_on,
            exclude,
        } => {
            let format = format.unwrap_or(if json {
                crate::cli_review::Format::Json
            } else {
                crate::cli_review::Format::Text
            });
            let request = crate::cli_review::Request {
                paths,
                schema,
                dialect,
                postgres_version,
                queries,
                format,
                fail_on,
                exclude,
            };
            crate::cli_review::run(&request).map_err(|e| match e {
                crate::cli_review::ReviewError::Usage(m) => usage(m),
                failed => failed.into(),
            })
        }
        Command::Scaling(args) => run_decision(
            &args,
            args.object()?,
            crate::decide::scaling::pick_scaling_strategy,
        ),
        Command::AuditSecurity(args) => run_decision(
            &args,
            args.object()?,
            crate::decide::security::audit_security,
        ),
        Command::ApiStyle(args) => {
            run_decision(&args, args.object()?, crate::decide::api::choose_api_style)
        }
        Command::Consistency(args) => run_decision(
            &args,
            args.object()?,
            crate::decide::consistency::plan_data_consistency,
        ),
        Command::Slo(args) => run_decision(
            &args,
            args.object()?,
            crate::decide::observability::plan_slo,
        ),
        Command::Diagnose(args) => run_decision(
            &args,
            args.object()?,
            crate::decide::performance::diagnose_performance,
        ),
        Command::Retries(args) => {
            run_decision(&args, args.object()?, crate::decide::failure::plan_retries)
        }
        Command::PrintConfig { client, launcher } => {
            let binary = std::env::current_exe()
                .map_err(|e| anyhow::anyhow!("cannot tell where this binary is: {e}"))?;
            let os = crate::clients::Os::current();
            let snippet =
                crate::clients::launcher_snippet(client, launcher, &binary, os).map_err(usage)?;
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                crate::clients::config_hint(client, crate::clients::Os::current())
            );
            print_text(&snippet)
        }
        Command::Read {
            name,
            section,
            json,
        } => {
            let response = read::read_reference(skill, &ReadReferenceRequest { name, section })
                .map_err(usage)?;
            if json {
                print_json(&response)
            } else {
                print_text(&response.text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Each decision subcommand's `--help` ends with an `--input` example; every one of them runs.
    #[test]
    fn every_decision_subcommand_shows_an_input_example_that_runs() {
        let subcommands = [
            "scaling",
            "slo",
            "diagnose",
            "retries",
            "audit-security",
            "api-style",
            "consistency",
        ];
        let cli = Cli::command();
        for name in subcommands {
            let sub = cli.find_subcommand(name).expect(name);
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            let prefix = format!("Example: backend-engineering-mcp {name} --input ");
            let rest = help
                .strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("{name}: no --input example in {help:?}"));
            let input = match rest.strip_prefix('\'') {
                Some(quoted) => quoted.split('\'').next().unwrap_or_default(),
                None => rest.split(' ').next().unwrap_or_default(),
            };
            let parsed = Cli::try_parse_from(["backend-engineering-mcp", name, "--input", input])
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let command = parsed.command.expect("a subcommand");
            if let Err(e) = run_inner(command) {
                panic!("{name} --input {input}: {e}");
            }
        }
    }
}
