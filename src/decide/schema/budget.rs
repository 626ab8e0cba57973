//! The review's work budget: a thin adapter over the crate's shared [`crate::budget::Budget`] (a unit
//! cap, deadline and cancel flag). Every byte read and every catalog or rule step is charged, so a
//! hostile input gets a clear error instead of minutes of CPU or an allocation abort; the count is also
//! what the growth tests pin (work, not time).

use super::DecideError;

/// Work allowed per review by default: enough for a 16 MiB schema with room to spare; a pathological
/// input (quadratic fan-out) hits it long before it would hurt.
pub const DEFAULT_WORK: usize = 400_000_000;

/// Work counter with a limit.
#[derive(Debug)]
pub struct Budget {
    inner: crate::budget::Budget,
}

impl Budget {
    pub fn new(limit: usize) -> Self {
        Budget {
            inner: crate::budget::Budget::new(u64::try_from(limit).unwrap_or(u64::MAX)),
        }
    }

    /// Charges `n` units; an error once the limit is passed.
    pub fn charge(&mut self, n: usize) -> Result<(), DecideError> {
        self.inner
            .spend(u64::try_from(n).unwrap_or(u64::MAX))
            .map_err(|e| {
                DecideError::TooLarge(format!(
                    "review_schema: {e}; the input is too large or too repetitive to review at once: split it"
                ))
            })
    }

    pub fn used(&self) -> usize {
        usize::try_from(self.inner.spent()).unwrap_or(usize::MAX)
    }
}
