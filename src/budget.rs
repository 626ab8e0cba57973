//! A work budget: how much a single piece of work may do before it must stop.
//!
//! Three limits, any of which ends the work: a cap on abstract work units (a parser node, a rule
//! evaluation, a scored document — whatever the caller counts), a wall-clock deadline, and a cancel flag
//! that another thread may raise (a client's `notifications/cancelled`, a closed connection). Long-running
//! code calls [`Budget::spend`] as it goes, or [`Budget::check`] at convenient points, and returns the
//! [`BudgetError`] it gets; the error says in words which limit was hit.
//!
//! The type is plain Rust with no runtime behind it: a budget is `Send + Sync`, so a `&Budget` can be
//! handed to a worker thread or shared by recursive helpers, and [`Cancel`] is a cheap clonable handle.
//!
//! A caller that runs work on behalf of a request (the MCP tool executor) wraps it in
//! [`with_call_limits`]; every [`Budget::new`] made inside on that thread then also carries the request's
//! deadline and cancel flag, so core code sets only its own unit cap and still stops when the call does.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A shared cancel flag. Clones share the flag: raising it on one raises it on all.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag that is not raised.
    pub fn new() -> Self {
        Self::default()
    }

    /// Raise the flag; every budget holding a clone stops at its next `check` or `spend`.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether the flag has been raised.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Which limit stopped the work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    /// The unit counter went over the cap.
    #[error("work limit reached: the cap is {cap} units of work and this input needs more")]
    Cap {
        /// The cap the budget was created with.
        cap: u64,
    },
    /// The wall-clock deadline passed.
    #[error("time limit reached: the work did not finish within {} ms", .limit.as_millis())]
    Deadline {
        /// The time the work was given.
        limit: Duration,
    },
    /// The cancel flag was raised.
    #[error("cancelled: the request was withdrawn before the work finished")]
    Cancelled,
}

/// The deadline and cancel flag of the call the current thread works for.
#[derive(Debug, Clone)]
struct CallLimits {
    deadline: Option<(Instant, Duration)>,
    cancel: Cancel,
}

thread_local! {
    static CALL_LIMITS: RefCell<Option<CallLimits>> = const { RefCell::new(None) };
}

/// Run `work` with a call's limits in scope: budgets created inside it (on this thread) stop when
/// `cancel` is raised or `limit` has passed since `started`. The previous scope is restored afterwards.
pub fn with_call_limits<R>(
    started: Instant,
    limit: Duration,
    cancel: &Cancel,
    work: impl FnOnce() -> R,
) -> R {
    struct Restore(Option<CallLimits>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CALL_LIMITS.with(|slot| *slot.borrow_mut() = previous);
        }
    }
    let limits = CallLimits {
        deadline: started.checked_add(limit).map(|at| (at, limit)),
        cancel: cancel.clone(),
    };
    let _restore = Restore(CALL_LIMITS.with(|slot| slot.borrow_mut().replace(limits)));
    work()
}

/// A unit counter with a cap, an optional deadline and an optional shared cancel flag.
#[derive(Debug)]
pub struct Budget {
    cap: u64,
    spent: AtomicU64,
    deadline: Option<(Instant, Duration)>,
    cancel: Option<Cancel>,
}

impl Budget {
    /// A budget of `cap` units. Outside [`with_call_limits`] it has no deadline and no cancel flag;
    /// inside, it carries the call's.
    pub fn new(cap: u64) -> Self {
        let limits = CALL_LIMITS.with(|slot| slot.borrow().clone());
        Self {
            cap,
            spent: AtomicU64::new(0),
            deadline: limits.as_ref().and_then(|l| l.deadline),
            cancel: limits.map(|l| l.cancel),
        }
    }

    /// A budget that never runs out of units (`u64::MAX`); like [`new`](Self::new), it carries the
    /// call's deadline and cancel flag inside [`with_call_limits`].
    pub fn unlimited() -> Self {
        Self::new(u64::MAX)
    }

    /// The same budget, ending `limit` from now.
    pub fn with_timeout(mut self, limit: Duration) -> Self {
        // An `Instant` that would overflow is as good as no deadline at all.
        self.deadline = Instant::now().checked_add(limit).map(|at| (at, limit));
        self
    }

    /// The same budget, also stopped when `cancel` is raised.
    pub fn with_cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = Some(cancel);
        self
    }

    /// The same budget with a different unit cap (the deadline and cancel flag are kept). Useful when
    /// a caller passes its deadline and cancel in and the work sets its own cap.
    pub fn with_cap(mut self, cap: u64) -> Self {
        self.cap = cap;
        self
    }

    /// The unit cap.
    pub fn cap(&self) -> u64 {
        self.cap
    }

    /// Units spent so far (it may exceed the cap by the last `spend` that failed).
    pub fn spent(&self) -> u64 {
        self.spent.load(Ordering::Relaxed)
    }

    /// Units left before the cap.
    pub fn remaining(&self) -> u64 {
        self.cap.saturating_sub(self.spent())
    }

    /// Fail if the work was cancelled, its deadline passed, or the cap is already exceeded. Cancel is
    /// reported first: a withdrawn request's other limits no longer matter.
    pub fn check(&self) -> Result<(), BudgetError> {
        if self.cancel.as_ref().is_some_and(Cancel::is_cancelled) {
            return Err(BudgetError::Cancelled);
        }
        if let Some((at, limit)) = self.deadline
            && Instant::now() >= at
        {
            return Err(BudgetError::Deadline { limit });
        }
        if self.spent() > self.cap {
            return Err(BudgetError::Cap { cap: self.cap });
        }
        Ok(())
    }

    /// Count `units` of work, then [`check`](Self::check). Once a limit is hit every later call fails
    /// too, so code that ignores one error still stops at the next.
    pub fn spend(&self, units: u64) -> Result<(), BudgetError> {
        // fetch_add wraps on overflow; saturate instead so a huge `units` cannot wrap to a small total.
        let _ = self
            .spent
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| {
                Some(s.saturating_add(units))
            });
        self.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spends_up_to_the_cap_and_fails_past_it() {
        let budget = Budget::new(10);
        assert_eq!(budget.spend(4), Ok(()));
        assert_eq!(budget.spend(6), Ok(()), "exactly the cap is allowed");
        assert_eq!(budget.remaining(), 0);
        assert_eq!(budget.spend(1), Err(BudgetError::Cap { cap: 10 }));
        assert_eq!(budget.spent(), 11);
    }

    #[test]
    fn a_hit_limit_stays_hit() {
        let budget = Budget::new(2);
        assert!(budget.spend(3).is_err());
        assert_eq!(budget.check(), Err(BudgetError::Cap { cap: 2 }));
        assert_eq!(budget.spend(0), Err(BudgetError::Cap { cap: 2 }));
    }

    #[test]
    fn huge_spends_saturate_instead_of_wrapping() {
        let budget = Budget::new(u64::MAX - 1);
        assert_eq!(budget.spend(u64::MAX - 1), Ok(()));
        assert!(budget.spend(u64::MAX).is_err());
        assert_eq!(budget.spent(), u64::MAX);
        assert!(budget.spend(5).is_err(), "still over, not wrapped to 4");
    }

    #[test]
    fn unlimited_budget_never_runs_out() {
        let budget = Budget::unlimited();
        for _ in 0..1000 {
            assert_eq!(budget.spend(1_000_000), Ok(()));
        }
        assert_eq!(budget.check(), Ok(()));
    }

    #[test]
    fn a_passed_deadline_stops_the_work() {
        let budget = Budget::unlimited().with_timeout(Duration::ZERO);
        assert_eq!(
            budget.check(),
            Err(BudgetError::Deadline {
                limit: Duration::ZERO
            })
        );
        assert!(matches!(budget.spend(1), Err(BudgetError::Deadline { .. })));
    }

    #[test]
    fn a_far_deadline_does_not() {
        let budget = Budget::new(5).with_timeout(Duration::from_secs(3600));
        assert_eq!(budget.spend(5), Ok(()));
        // A deadline too far to represent is treated as none.
        let forever = Budget::new(5).with_timeout(Duration::MAX);
        assert_eq!(forever.check(), Ok(()));
    }

    #[test]
    fn cancel_from_another_thread_is_seen() {
        let cancel = Cancel::new();
        let budget = Budget::unlimited().with_cancel(cancel.clone());
        assert_eq!(budget.check(), Ok(()));
        std::thread::spawn(move || cancel.cancel())
            .join()
            .expect("the cancelling thread ran");
        assert_eq!(budget.check(), Err(BudgetError::Cancelled));
    }

    #[test]
    fn cancel_is_reported_before_other_limits() {
        let cancel = Cancel::new();
        cancel.cancel();
        let budget = Budget::new(0)
            .with_timeout(Duration::ZERO)
            .with_cancel(cancel);
        assert_eq!(budget.spend(1), Err(BudgetError::Cancelled));
    }

    #[test]
    fn with_cap_keeps_deadline_and_cancel() {
        let cancel = Cancel::new();
        let budget = Budget::unlimited()
            .with_timeout(Duration::from_secs(60))
            .with_cancel(cancel.clone())
            .with_cap(3);
        assert_eq!(budget.cap(), 3);
        assert!(budget.spend(4).is_err());
        cancel.cancel();
        assert_eq!(budget.check(), Err(BudgetError::Cancelled));
    }

    #[test]
    fn errors_say_which_limit_in_words() {
        assert_eq!(
            BudgetError::Cap { cap: 50_000 }.to_string(),
            "work limit reached: the cap is 50000 units of work and this input needs more"
        );
        assert_eq!(
            BudgetError::Deadline {
                limit: Duration::from_millis(2500)
            }
            .to_string(),
            "time limit reached: the work did not finish within 2500 ms"
        );
        assert_eq!(
            BudgetError::Cancelled.to_string(),
            "cancelled: the request was withdrawn before the work finished"
        );
    }

    #[test]
    fn budgets_made_inside_a_call_carry_its_limits() {
        let cancel = Cancel::new();
        let started = Instant::now();
        with_call_limits(started, Duration::from_secs(60), &cancel, || {
            let budget = Budget::new(10);
            assert_eq!(budget.spend(5), Ok(()));
            cancel.cancel();
            assert_eq!(budget.check(), Err(BudgetError::Cancelled));
        });
        // Outside the scope a new budget is free of the call again.
        assert_eq!(Budget::new(10).check(), Ok(()));
        let expired = with_call_limits(started, Duration::ZERO, &Cancel::new(), || {
            Budget::unlimited().check()
        });
        assert_eq!(
            expired,
            Err(BudgetError::Deadline {
                limit: Duration::ZERO
            })
        );
    }

    #[test]
    fn budget_and_cancel_cross_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Budget>();
        assert_send_sync::<Cancel>();
    }
}
