//! When is a result a good match? A relevance floor, so that an off-topic or empty question gets a
//! worded "no good match" answer with the closest headings instead of unrelated full sections.
//!
//! The floor reads the best section's *coverage* (the share of the question's own IDF weight that
//! the section's body or heading contains, see `ranking`) and its score. Both floors were set from
//! the tuning questions and the off-topic queries in `tests/retrieval/`; the held-back questions were
//! not used.

use serde::{Deserialize, Serialize};

use super::ranking::Ranked;

/// A best section scoring at least this is a good match whatever its coverage.
pub const STRONG_SCORE: f32 = 20.0;
/// Least score of the best section for a good match by coverage.
pub const MIN_SCORE: f32 = 11.0;
/// Least coverage of the best section for a good match below [`STRONG_SCORE`].
pub const MIN_COVERAGE: f32 = 0.38;
/// Headings listed with a "no good match" answer.
pub const CLOSEST: usize = 3;

/// How well the best section matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The best sections answer the question.
    High,
    /// No good match: the hits are only the closest headings, without text.
    Low,
}

/// The confidence a ranking earns.
pub fn judge(best: Option<&Ranked>) -> Confidence {
    match best {
        Some(r) if r.score >= STRONG_SCORE => Confidence::High,
        Some(r) if r.score >= MIN_SCORE && r.coverage >= MIN_COVERAGE => Confidence::High,
        _ => Confidence::Low,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranked(score: f32, coverage: f32) -> Ranked {
        Ranked {
            doc: 0,
            score,
            coverage,
        }
    }

    #[test]
    fn both_floors_must_hold() {
        assert_eq!(judge(None), Confidence::Low);
        assert_eq!(judge(Some(&ranked(25.0, 0.1))), Confidence::High);
        assert_eq!(judge(Some(&ranked(12.0, 0.1))), Confidence::Low);
        assert_eq!(judge(Some(&ranked(0.5, 0.9))), Confidence::Low);
    }
}
