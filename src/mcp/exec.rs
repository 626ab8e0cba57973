//! Running tool calls off the protocol loop.
//!
//! A tool call is plain synchronous Rust that may take seconds on a large input. Run on the async
//! runtime it would stop every other request, `ping` included, until it finished. The [`Executor`]
//! runs each call on tokio's blocking pool instead, with:
//!
//! - as many calls at once as the machine has cores (a semaphore; the rest wait their turn);
//! - a cap on calls admitted (running plus waiting): past it a call is refused at once as busy;
//! - a deadline per call, counted from admission: when it passes the caller gets an answer, the
//!   call's [`Cancel`] flag is raised and budgets made inside the call ([`crate::budget`]) stop;
//! - a cancel signal from the transport (the client's `notifications/cancelled`, a dropped HTTP
//!   request) that does the same.
//!
//! Work that never checks a budget cannot be stopped from outside a thread; it keeps its worker
//! slot until it returns, so at most one runaway call per core runs at a time, and its reply is
//! dropped. The executor knows nothing of MCP or stdio: it takes a closure and gives back its value
//! or an [`ExecError`].

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::budget::{self, BudgetError, Cancel};

/// Default time a tool call may take, from admission to reply.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Default cap on calls admitted at once (running and waiting).
pub const DEFAULT_MAX_QUEUED: usize = 64;

/// Why a call gave no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    /// Too many calls are admitted already.
    #[error(
        "server busy: {limit} tool calls are already running or waiting; retry when one returns"
    )]
    Busy {
        /// The cap.
        limit: usize,
    },
    /// The deadline passed, or the call was cancelled.
    #[error(transparent)]
    Stopped(#[from] BudgetError),
    /// The work panicked or the pool is shutting down.
    #[error("the call failed inside the server")]
    Failed,
}

/// Runs calls on the blocking pool; cheap to clone (shared limits).
#[derive(Debug, Clone)]
pub struct Executor {
    workers: Arc<Semaphore>,
    admitted: Arc<AtomicUsize>,
    max_queued: usize,
    timeout: Duration,
}

/// One admitted call; dropping it gives the place back.
struct Ticket(Arc<AtomicUsize>);

impl Drop for Ticket {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Raises a call's cancel flag when the waiting side goes away, whatever the reason.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl Executor {
    /// `workers` calls at once, `max_queued` admitted, each with `timeout`.
    pub fn new(workers: usize, max_queued: usize, timeout: Duration) -> Self {
        let workers = workers.max(1);
        Self {
            workers: Arc::new(Semaphore::new(workers)),
            admitted: Arc::new(AtomicUsize::new(0)),
            max_queued: max_queued.max(workers),
            timeout,
        }
    }

    /// One worker per core, the default cap and timeout.
    pub fn for_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(cores, DEFAULT_MAX_QUEUED, DEFAULT_CALL_TIMEOUT)
    }

    /// The time a call may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    fn admit(&self) -> Option<Ticket> {
        let mut current = self.admitted.load(Ordering::Acquire);
        loop {
            if current >= self.max_queued {
                return None;
            }
            match self.admitted.compare_exchange_weak(
                current,
                current + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(Ticket(self.admitted.clone())),
                Err(now) => current = now,
            }
        }
    }

    /// Run `work` on the pool. Returns when it finishes, when the deadline passes, or when
    /// `cancelled` resolves, whichever comes first.
    pub async fn run<T, F>(
        &self,
        cancelled: impl Future<Output = ()>,
        work: F,
    ) -> Result<T, ExecError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let ticket = self.admit().ok_or(ExecError::Busy {
            limit: self.max_queued,
        })?;
        let started = Instant::now();
        let limit = self.timeout;
        let cancel = Cancel::new();
        let _cancel_on_drop = CancelOnDrop(cancel.clone());
        let workers = self.workers.clone();
        let flag = cancel.clone();
        let job = async move {
            let permit = workers
                .acquire_owned()
                .await
                .map_err(|_| ExecError::Failed)?;
            let handle = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let _ticket = ticket;
                // Waited past the deadline, or withdrawn while waiting: do not start.
                if flag.is_cancelled() || started.elapsed() >= limit {
                    return None;
                }
                Some(budget::with_call_limits(started, limit, &flag, work))
            });
            handle.await.map_err(|_| ExecError::Failed)
        };
        let deadline = tokio::time::Instant::from_std(started)
            .checked_add(limit)
            .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(86_400 * 365));
        tokio::select! {
            finished = tokio::time::timeout_at(deadline, job) => match finished {
                Ok(Ok(Some(value))) => Ok(value),
                Ok(Ok(None)) | Err(_) => Err(BudgetError::Deadline { limit }.into()),
                Ok(Err(e)) => Err(e),
            },
            () = cancelled => Err(BudgetError::Cancelled.into()),
        }
    }
}

impl Executor {
    /// Run `work` on the calling thread, for calls cheaper than the hop to the pool (a bounded
    /// search, a lookup). It is admitted against the same cap as [`Self::run`] (busy past it) and
    /// runs under the same deadline and a cancel flag, but takes no worker slot and cannot be
    /// withdrawn once started: it is over before anything could cancel it.
    pub fn run_inline<T>(&self, work: impl FnOnce() -> T) -> Result<T, ExecError> {
        let _ticket = self.admit().ok_or(ExecError::Busy {
            limit: self.max_queued,
        })?;
        let cancel = Cancel::new();
        Ok(budget::with_call_limits(
            Instant::now(),
            self.timeout,
            &cancel,
            work,
        ))
    }
}

impl Default for Executor {
    fn default() -> Self {
        Self::for_machine()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;
    use crate::budget::Budget;

    fn never() -> impl Future<Output = ()> {
        std::future::pending()
    }

    #[tokio::test]
    async fn runs_work_and_returns_its_value() {
        let exec = Executor::new(2, 4, Duration::from_secs(10));
        assert_eq!(exec.run(never(), || 6 * 7).await, Ok(42));
    }

    #[tokio::test]
    async fn a_cooperative_call_stops_at_its_deadline() {
        let exec = Executor::new(1, 4, Duration::from_millis(50));
        let result = exec
            .run(never(), || {
                let budget = Budget::unlimited();
                loop {
                    if let Err(e) = budget.spend(1) {
                        break e;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
            .await;
        // Either the executor answered at the deadline, or the work saw it first and returned.
        assert!(
            matches!(
                result,
                Err(ExecError::Stopped(BudgetError::Deadline { .. }))
                    | Ok(BudgetError::Deadline { .. } | BudgetError::Cancelled)
            ),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn a_cancel_stops_cooperative_work() {
        let exec = Executor::new(1, 4, Duration::from_secs(600));
        let (tx, rx) = mpsc::channel();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let (cancel_tx, cancel_rx) = tokio::sync::oneshot::channel::<()>();
        let run = tokio::spawn(async move {
            exec.run(
                async move {
                    let _ = cancel_rx.await;
                },
                move || {
                    let _ = started_tx.send(());
                    let budget = Budget::unlimited();
                    while budget.spend(1).is_ok() {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    let _ = tx.send(budget.check());
                },
            )
            .await
        });
        started_rx.await.expect("the work started");
        let _ = cancel_tx.send(());
        assert_eq!(
            run.await.expect("joined"),
            Err(ExecError::Stopped(BudgetError::Cancelled))
        );
        // The work itself stopped: it reports the cancel it saw.
        assert_eq!(rx.recv().expect("stopped"), Err(BudgetError::Cancelled));
    }

    #[tokio::test]
    async fn calls_past_the_cap_are_refused_as_busy() {
        let exec = Executor::new(1, 1, Duration::from_secs(600));
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let busy_exec = exec.clone();
        let first = tokio::spawn(async move {
            exec.run(never(), move || {
                let _ = started_tx.send(());
                let _ = release_rx.recv();
            })
            .await
        });
        started_rx.await.expect("the first call started");
        assert_eq!(
            busy_exec.run(never(), || ()).await,
            Err(ExecError::Busy { limit: 1 })
        );
        release_tx.send(()).expect("release");
        assert_eq!(first.await.expect("joined"), Ok(()));
        // The place is given back once the call returns.
        assert_eq!(busy_exec.run(never(), || 1).await, Ok(1));
    }

    #[tokio::test]
    async fn an_inline_call_does_not_wait_for_a_busy_worker_but_counts_against_the_cap() {
        // One worker, two places: a heavy call holds the worker.
        let exec = Executor::new(1, 2, Duration::from_secs(600));
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let heavy_exec = exec.clone();
        let heavy = tokio::spawn(async move {
            heavy_exec
                .run(never(), move || {
                    let _ = started_tx.send(());
                    let _ = release_rx.recv();
                })
                .await
        });
        started_rx.await.expect("the heavy call started");
        // A cheap call is served beside it, on this thread, under the call limits.
        assert_eq!(
            exec.run_inline(|| Budget::unlimited().spend(1).map(|()| 6 * 7)),
            Ok(Ok(42))
        );
        // With both places taken, an inline call is busy too.
        let (hold_tx, hold_rx) = mpsc::channel::<()>();
        let waiting_exec = exec.clone();
        let waiting =
            tokio::spawn(async move { waiting_exec.run(never(), move || hold_rx.recv()).await });
        while exec.admitted.load(Ordering::Acquire) < 2 {
            tokio::task::yield_now().await;
        }
        assert_eq!(exec.run_inline(|| ()), Err(ExecError::Busy { limit: 2 }));
        release_tx.send(()).expect("release");
        hold_tx.send(()).expect("release");
        assert_eq!(heavy.await.expect("joined"), Ok(()));
        assert_eq!(waiting.await.expect("joined"), Ok(Ok(())));
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            ExecError::Busy { limit: 64 }.to_string(),
            "server busy: 64 tool calls are already running or waiting; retry when one returns"
        );
        assert_eq!(
            ExecError::from(BudgetError::Deadline {
                limit: Duration::from_secs(30)
            })
            .to_string(),
            "time limit reached: the work did not finish within 30000 ms"
        );
    }
}
