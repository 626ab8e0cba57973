//! backend-engineering-mcp: the backend-engineering skill for LLM agents.
//!
//! - [`budget`]: a work budget (unit cap, deadline, cancel flag) that long-running work checks.
//! - [`content`]: the embedded skill files, parsed once (frontmatter, sections, anchors, digests).
//! - [`search`]: a tantivy index over the reference sections.
//! - [`zh`]: Chinese questions to English words, through a reviewed bilingual glossary.
//! - [`decide`]: the decision tools, one module per pillar, plain typed functions.
//! - [`mcp`]: the MCP adapter (rmcp `ServerHandler`); [`cli`]: the command line. Both only translate.

pub mod budget;
pub mod cli;
pub mod cli_review;
pub mod clients;
pub mod content;
pub mod decide;
pub mod decode;
pub mod http;
pub mod mcp;
pub mod quote;
pub mod search;
pub mod zh;
