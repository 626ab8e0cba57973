//! The work budget of one review: every byte read and every catalog or rule step is charged, so a
//! hostile input gets a clear error instead of minutes of CPU or an allocation abort. The count is
//! also what the growth tests pin (work, not time).

use super::DecideError;

/// Work allowed per review by default: enough for a 16 MiB schema with room to spare; a pathological
/// input (quadratic fan-out) hits it long before it would hurt.
pub const DEFAULT_WORK: usize = 400_000_000;

/// Work counter with a limit.
#[derive(Debug)]
pub struct Budget {
    limit: usize,
    used: usize,
}

impl Budget {
    pub fn new(limit: usize) -> Self {
        Budget { limit, used: 0 }
    }

    /// Charges `n` units; an error once the limit is passed.
    pub fn charge(&mut self, n: usize) -> Result<(), DecideError> {
        self.used = self.used.saturating_add(n);
        if self.used > self.limit {
            return Err(DecideError::TooLarge(format!(
                "the review needs more than its work budget ({} units): the input is too large or too \
                 repetitive to review at once; split it",
                self.limit
            )));
        }
        Ok(())
    }

    pub fn used(&self) -> usize {
        self.used
    }
}
