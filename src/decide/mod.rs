//! The decision tools: one module per pillar, plain functions from typed input to typed output.
//! They know nothing about MCP, HTTP or the CLI; the adapters translate.

pub mod common;
