//! The review's work budget: a thin adapter over the crate's shared [`crate::budget::Budget`] (a unit
//! cap, deadline and cancel flag). Every byte read and every catalog or rule step is charged, so a
//! hostile input gets a clear error instead of minutes of CPU or an allocation abort; the count is also
//! what the growth tests pin (work, not time).

use std::cell::Cell;

use super::DecideError;

thread_local! {
    /// Steps taken by code that has no budget at hand (catalog lookups, scope resolution, the query
    /// walker); [`Budget::settle`] moves them into the review's budget. A review runs on one thread.
    static TALLY: Cell<u64> = const { Cell::new(0) };
    /// What the budget had left at the last charge: a tally past it means the next settle fails, so
    /// long loops can stop early ([`exhausted`]).
    static ROOM: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Records `n` steps of work against the review running on this thread.
pub fn tally(n: usize) {
    let n = u64::try_from(n).unwrap_or(u64::MAX);
    TALLY.with(|t| t.set(t.get().saturating_add(n)));
}

/// Whether the steps tallied since the last settle already exceed the budget: loops that cannot
/// return an error stop, and the caller's next [`Budget::settle`] reports it.
pub fn exhausted() -> bool {
    TALLY.with(Cell::get) > ROOM.with(Cell::get)
}

fn take_tally() -> u64 {
    TALLY.with(|t| t.replace(0))
}

/// Work allowed per review by default. A generated pg_dump-shaped schema costs about 1.2 units per
/// byte (4 MiB: 4.9 million units, scripts/bench-schema.py), so 16 MiB needs about 20 million: this
/// leaves five times that, and a quadratic fan-out meets it long before minutes of CPU.
pub const DEFAULT_WORK: usize = 100_000_000;

/// Work counter with a limit.
#[derive(Debug)]
pub struct Budget {
    inner: crate::budget::Budget,
}

impl Budget {
    /// A fresh budget; steps tallied on this thread before it are discarded.
    pub fn new(limit: usize) -> Self {
        take_tally();
        let inner = crate::budget::Budget::new(u64::try_from(limit).unwrap_or(u64::MAX));
        ROOM.with(|r| r.set(inner.remaining()));
        Budget { inner }
    }

    /// Charges `n` units; an error once the limit is passed.
    pub fn charge(&mut self, n: usize) -> Result<(), DecideError> {
        let spent = self.inner.spend(u64::try_from(n).unwrap_or(u64::MAX));
        ROOM.with(|r| r.set(self.inner.remaining()));
        spent.map_err(|e| {
                DecideError::TooLarge(format!(
                    "review_schema: {e}; the input is too large or too repetitive to review at once: split it"
                ))
            })
    }

    /// Charges the steps tallied since the last settle (see [`tally`]).
    pub fn settle(&mut self) -> Result<(), DecideError> {
        let n = take_tally();
        if n == 0 {
            return Ok(());
        }
        self.charge(usize::try_from(n).unwrap_or(usize::MAX))
    }

    pub fn used(&self) -> usize {
        usize::try_from(self.inner.spent()).unwrap_or(usize::MAX)
    }
}
