//! The probes' clock: CPU time, not wall time, so a busy machine's waits do not count.

use std::time::Duration;

/// This thread's CPU time so far (`/proc/thread-self/schedstat`; zero where it cannot be read).
pub fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = stat
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}
