//! The `backend-engineering-mcp` binary: parse the command line, set up logging on stderr, and run the
//! stdio server or a CLI command.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use backend_engineering_mcp::cli::{self, Cli, Command, LogFormat};
use backend_engineering_mcp::content::Skill;
use backend_engineering_mcp::http::HttpConfig;
use backend_engineering_mcp::mcp::BackendEngineeringServer;
use backend_engineering_mcp::mcp::exec::Executor;
use backend_engineering_mcp::mcp::stdio::{self, Limits};
use backend_engineering_mcp::search::SharedIndex;
use clap::Parser;
use rmcp::ServiceExt;
use rmcp::service::ServerInitializeError;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The static Linux (musl) builds allocate with mimalloc: under HTTP load musl's own malloc kept
/// growing the server's memory (47 to 67 MiB in two minutes, and on), where glibc's and mimalloc's
/// stay flat (docs/BENCHMARKS.md, "Memory of the static musl build").
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Longest log line written, in bytes; the rest of a longer one is cut.
const MAX_LOG_LINE: usize = 2048;

/// Log lines buffered for stderr; past it lines are dropped, never waited for.
const LOG_BUFFER_LINES: usize = 4096;

/// A writer that passes on at most [`MAX_LOG_LINE`] bytes of each event (a new one is made per event).
struct Truncating<W> {
    inner: W,
    written: usize,
}

impl<W: std::io::Write> std::io::Write for Truncating<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = MAX_LOG_LINE.saturating_sub(self.written);
        if buf.len() <= room {
            self.inner.write_all(buf)?;
        } else if room > 0 {
            let mut cut = buf[..room].to_vec();
            cut.extend_from_slice(" …(log line cut)\n".as_bytes());
            self.inner.write_all(&cut)?;
        }
        self.written = self.written.saturating_add(buf.len());
        // Claim it all: the cut part is dropped on purpose.
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[derive(Clone)]
struct TruncatingMakeWriter<M>(M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for TruncatingMakeWriter<M> {
    type Writer = Truncating<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        Truncating {
            inner: self.0.make_writer(),
            written: 0,
        }
    }
}

/// Logs go to stderr through a bounded, lossy queue and a writer thread: a client that never reads
/// stderr can make lines be dropped, never make the server wait. rmcp's own logs (which dump whole
/// messages at info) are kept at error unless the filter names them
/// (its warnings repeat, at length, every error reply already sent to the client).
fn init_logging(format: LogFormat, level: &str) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let filter = if level_names_rmcp(&filter) {
        filter
    } else {
        filter.add_directive("rmcp=error".parse().expect("a fixed, valid directive"))
    };
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(LOG_BUFFER_LINES)
        .thread_name("stderr-log")
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(TruncatingMakeWriter(writer))
        .with_ansi(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    guard
}

fn level_names_rmcp(filter: &EnvFilter) -> bool {
    filter.to_string().contains("rmcp")
}

async fn serve_stdio(executor: Executor, limits: Limits) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let skill = Skill::get();
    let server = BackendEngineeringServer::with_executor(
        skill,
        SharedIndex::build_in_background(skill),
        executor,
    );
    let transport = stdio::stdio(limits);
    tracing::info!(
        micros = started.elapsed().as_micros() as u64,
        "ready: serving MCP over stdio"
    );
    let service = loop {
        match server.clone().serve(transport.clone()).await {
            Ok(service) => break service,
            // The client went away before saying anything: nothing to serve, nothing failed.
            Err(ServerInitializeError::ConnectionClosed(reason)) => {
                tracing::info!(reason = %reason, "stdin closed before the session started");
                return Ok(());
            }
            // Before a session starts, a message rmcp cannot take, or an initialize it refused (its
            // error already sent): not the end of the connection. Wait for the next initialize.
            Err(
                e @ (ServerInitializeError::ExpectedInitializeRequest(_)
                | ServerInitializeError::InitializeFailed(_)
                | ServerInitializeError::UnexpectedInitializeResponse(_)),
            ) => {
                let what = backend_engineering_mcp::quote::quote(&e.to_string());
                tracing::debug!(%what, "no session yet; waiting for initialize");
                transport.restart_session();
            }
            Err(e) if transport.stdout_gone() => {
                tracing::info!(error = %e, "stdout closed before the session started");
                return Ok(());
            }
            Err(e) => return Err(e).context("starting the MCP session over stdio"),
        }
    };
    let reason = service.waiting().await.context("MCP session")?;
    tracing::info!(?reason, "stdio session ended");
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None | Some(Command::Stdio) => {
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(cores.clamp(1, 4))
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            let executor = Executor::new(
                cores,
                backend_engineering_mcp::mcp::exec::DEFAULT_MAX_QUEUED,
                Duration::from_secs(cli.call_timeout),
            );
            let limits = Limits {
                max_in_flight: usize::try_from(cli.max_in_flight).unwrap_or(usize::MAX),
                ..Limits::default()
            };
            let result = runtime.block_on(serve_stdio(executor, limits));
            // stdin is read by a blocking thread that cannot be interrupted, and calls past their
            // deadline may still be running: do not wait for either.
            runtime.shutdown_background();
            result.map(|()| ExitCode::SUCCESS)
        }
        Some(Command::Http(args)) => {
            let token_env = std::env::var(backend_engineering_mcp::http::TOKEN_ENV).ok();
            let config = match HttpConfig::from_args(&args, token_env.as_deref()) {
                Ok(config) => config,
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "error: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime.block_on(backend_engineering_mcp::http::serve(config))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(command) => cli::run(command),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match cli.command {
        None | Some(Command::Stdio) | Some(Command::Http(_)) => "info",
        Some(_) => "warn",
    };
    let guard = init_logging(
        cli.log_format,
        cli.log_level.as_deref().unwrap_or(default_level),
    );
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) if cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::FAILURE
        }
    };
    drop(guard);
    code
}
