//! The `backend-engineering-mcp` binary: parse the command line, set up logging on stderr, and run the
//! stdio server or a CLI command.

use std::process::ExitCode;

use anyhow::Context as _;
use backend_engineering_mcp::cli::{self, Cli, Command, LogFormat};
use backend_engineering_mcp::mcp::BackendEngineeringServer;
use clap::Parser;
use rmcp::ServiceExt;
use tracing_subscriber::EnvFilter;

fn init_logging(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn serve_stdio() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let server = BackendEngineeringServer::new();
    tracing::info!(
        micros = started.elapsed().as_micros() as u64,
        "ready: serving MCP over stdio"
    );
    let service = match server
        .serve(backend_engineering_mcp::mcp::stdio::stdio())
        .await
    {
        Ok(service) => service,
        // The client went away before saying anything: nothing to serve, nothing failed.
        Err(rmcp::service::ServerInitializeError::ConnectionClosed(reason)) => {
            tracing::info!(%reason, "stdin closed before the session started");
            return Ok(());
        }
        Err(e) => return Err(e).context("starting the MCP session over stdio"),
    };
    let reason = service.waiting().await.context("MCP session")?;
    tracing::info!(?reason, "stdio session ended");
    Ok(())
}

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        None | Some(Command::Stdio) => {
            init_logging(cli.log_format, cli.log_level.as_deref().unwrap_or("info"));
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime.block_on(serve_stdio())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(command) => {
            init_logging(cli.log_format, cli.log_level.as_deref().unwrap_or("warn"));
            cli::run(command)
        }
    }
}
