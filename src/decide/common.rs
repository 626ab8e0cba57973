//! Types shared by every decision tool: errors, citations of reference sections, guided questions.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Why a decision tool could not answer. Every message is written for the caller (a model or a person)
/// to act on: it names the field and what would be accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecideError {
    /// An argument is present but unusable (out of range, contradictory, unparsable).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The input is larger than the tool accepts.
    #[error("input too large: {0}")]
    TooLarge(String),
}

/// The scheme and skill prefix of every reference URI.
pub const REFERENCE_URI_PREFIX: &str = "skill://backend-engineering/references/";

/// A URI naming one section of one reference document, e.g.
/// `skill://backend-engineering/references/schema-design.md#indexing-foreign-keys`.
pub fn reference_uri(file: &str, anchor: &str) -> String {
    format!("{REFERENCE_URI_PREFIX}{file}#{anchor}")
}

/// The next question of a guided interview: asked when a decision needs an answer the caller did not give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NextQuestion {
    /// The input field that answers the question.
    pub field: String,
    /// The question, in the skill's terms.
    pub question: String,
    /// The accepted answers for `field`.
    pub options: Vec<String>,
    /// How to decide the answer from evidence (metrics to look at, thresholds).
    pub how_to_tell: String,
}
