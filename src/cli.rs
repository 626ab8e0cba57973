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
    /// RUST_LOG wins when set.
    #[arg(long, default_value = "info", global = true)]
    pub log_level: String,
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

/// Run a non-server command. Returns the process exit code.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match run_inner(command) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => match e.downcast_ref::<UsageError>() {
            Some(usage) => {
                eprintln!("error: {usage}");
                Ok(ExitCode::from(2))
            }
            None => Err(e),
        },
    }
}

fn usage(e: impl std::fmt::Display) -> anyhow::Error {
    UsageError(e.to_string()).into()
}

fn run_inner(command: Command) -> anyhow::Result<()> {
    let skill = Skill::get();
    match command {
        Command::Stdio => unreachable_stdio(),
        Command::Search {
            query,
            limit,
            reference,
            max_tokens,
            json,
        } => {
            let index = SearchIndex::build(skill)?;
            let request = SearchRequest {
                query,
                limit: Some(limit),
                reference,
                max_tokens,
            };
            let response = index.search(&request).map_err(usage)?;
            if json {
                return print_json(&response);
            }
            if response.hits.is_empty() {
                return print_text("No section matched. Try other words.");
            }
            let mut text = String::new();
            for (i, hit) in response.hits.iter().enumerate() {
                text.push_str(&format!(
                    "{}. {}  [{:.2}]\n   {}\n   {}\n\n",
                    i + 1,
                    hit.section,
                    hit.score,
                    hit.uri,
                    hit.snippet
                ));
            }
            print_text(&text)
        }
        Command::Skill { lang, json } => {
            let response = read::get_skill(skill, &GetSkillRequest { lang }).map_err(usage)?;
            if json {
                print_json(&response)
            } else {
                print_text(&response.text)
            }
        }
        Command::Read {
            name,
            section,
            json,
        } => {
            let response =
                read::read_reference(skill, &ReadReferenceRequest { name, section }).map_err(usage)?;
            if json {
                print_json(&response)
            } else {
                print_text(&response.text)
            }
        }
    }
}

fn unreachable_stdio() -> anyhow::Result<()> {
    Err(anyhow::anyhow!("the stdio server is started by main, not by cli::run"))
}
