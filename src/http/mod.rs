//! The streamable HTTP transport: rmcp's `StreamableHttpService` on axum, secure by default.
//!
//! One concept a file: [`config`] (flags and checked limits), [`app`] (the router and shared
//! state), [`auth`] with [`tokens`] and [`jwt`] (bearer tokens, OAuth resource server, RFC 9728),
//! [`rate_limit`], [`limits`] (concurrency and time), [`operation`] (body cap, MCP method and tool,
//! outcome) with [`rpc`] (bodies read as stdio reads lines: error codes, ids kept exactly), [`metrics`], [`observe`] (request id, traceparent, access log), [`health`] and
//! [`server`] (bind, serve, graceful shutdown). The MCP handling itself is [`crate::mcp`]'s.

pub mod app;
#[cfg(test)]
mod app_tests;
pub mod auth;
pub mod config;
pub mod health;
pub mod jwt;
pub mod limits;
pub mod metrics;
pub mod observe;
pub mod operation;
pub mod rate_limit;
pub mod rpc;
pub mod server;
pub mod tokens;

pub use app::{AppState, app};
pub use config::{HttpArgs, HttpConfig, TOKEN_ENV};
pub use server::{ServeError, serve};
