//! The decision tools: one module per pillar, plain functions from typed input to typed output.
//! They know nothing about MCP, HTTP or the CLI; the adapters translate.

pub mod common;

/// Largest input any decision tool reads from a file or stdin: 1 MiB.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

pub mod api;
pub mod consistency;
pub mod failure;
pub mod observability;
pub mod performance;
pub mod scaling;
pub mod schema;
pub mod security;
