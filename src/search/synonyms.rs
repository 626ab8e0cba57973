//! Vocabulary the references do not spell out: a curated list of equivalent expressions
//! (`synonyms.tsv`), applied at query time only and at a lower weight than the question's own words.
//!
//! A group applies when the question contains every word of one of its expressions; the other
//! expressions' terms are then searched too, at [`SYNONYM_WEIGHT`]. Terms the question already has
//! keep their full weight.

use super::{FastMap, FastSet};

use tantivy::tokenizer::TextAnalyzer;

use super::analysis;

/// The curated list, embedded in the binary.
pub const SYNONYMS: &str = include_str!("synonyms.tsv");

/// Weight of a term that only a synonym brought in (the question's own terms weigh 1).
pub const SYNONYM_WEIGHT: f32 = 0.7;

/// One expression: the terms that must all be present to match, and every term it contributes.
#[derive(Debug, Clone)]
struct Expression {
    required: Vec<String>,
    terms: Vec<String>,
}

/// The parsed list: groups of equivalent expressions.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    groups: Vec<Vec<Expression>>,
    /// Each expression's first required term, to the groups holding such an expression: a
    /// question is only checked against the groups one of its own terms can open.
    openers: FastMap<String, Vec<usize>>,
}

impl Synonyms {
    /// Parse the list; `#` starts a comment line, `|` separates the expressions of a group.
    pub fn parse(analyzer: &mut TextAnalyzer, text: &str) -> Self {
        let mut groups = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let group: Vec<Expression> = line
                .split('|')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(|e| {
                    let terms = analysis::terms(analyzer, e);
                    // A joined form (`multicolumn` from `multi-column`) is not required to match:
                    // the question may write the words apart.
                    let pieces = analysis::terms(analyzer, &e.replace(['-', '_', '/', '+'], " "));
                    let required = if pieces.is_empty() {
                        terms.clone()
                    } else {
                        pieces
                    };
                    Expression { required, terms }
                })
                .filter(|e| !e.required.is_empty())
                .collect();
            if group.len() > 1 {
                groups.push(group);
            }
        }
        let mut openers: FastMap<String, Vec<usize>> = FastMap::default();
        for (number, group) in groups.iter().enumerate() {
            for first in group.iter().filter_map(|e| e.required.first()) {
                let opened = openers.entry(first.clone()).or_default();
                if opened.last() != Some(&number) {
                    opened.push(number);
                }
            }
        }
        Self { groups, openers }
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The terms the question's terms bring in through the list, without the question's own.
    pub fn expand(&self, question_terms: &[String]) -> Vec<String> {
        let have: FastSet<&str> = question_terms.iter().map(String::as_str).collect();
        // Groups in file order, so that the added terms come in the order the list gives them.
        let mut candidates: Vec<usize> = have
            .iter()
            .filter_map(|t| self.openers.get(*t))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut added: Vec<String> = Vec::new();
        let mut seen: FastSet<&str> = FastSet::default();
        for group in candidates.into_iter().filter_map(|n| self.groups.get(n)) {
            let matched = group
                .iter()
                .any(|e| e.required.iter().all(|t| have.contains(t.as_str())));
            if !matched {
                continue;
            }
            for term in group.iter().flat_map(|e| &e.terms) {
                if !have.contains(term.as_str()) && seen.insert(term.as_str()) {
                    added.push(term.clone());
                }
            }
        }
        added
    }

    /// Every term any expression contributes (for checks against the references' vocabulary).
    pub fn all_terms(&self) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .flatten()
            .flat_map(|e| e.terms.iter().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Skill;

    fn parsed() -> Synonyms {
        Synonyms::parse(&mut analysis::analyzer(), SYNONYMS)
    }

    fn expand(question: &str) -> Vec<String> {
        let mut a = analysis::analyzer();
        let q = analysis::query_terms(&mut a, question);
        parsed().expand(&q)
    }

    #[test]
    fn every_line_is_a_group_of_at_least_two_expressions() {
        let lines = SYNONYMS
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .count();
        assert_eq!(
            parsed().len(),
            lines,
            "a line parsed to fewer than two expressions"
        );
        assert!(lines >= 50);
    }

    #[test]
    fn the_issue_examples_expand() {
        assert!(expand("multi-column index order").contains(&"composit".to_string()));
        assert!(expand("multi column index").contains(&"composit".to_string()));
        assert!(expand("too many traces").contains(&"sampl".to_string()));
        assert!(expand("k8s pod restarts").contains(&"kubernet".to_string()));
        assert!(expand("pg connection limit").contains(&"postgr".to_string()));
        assert!(expand("p99 went up").contains(&"tail".to_string()));
    }

    #[test]
    fn a_partial_expression_does_not_apply() {
        // "index" alone is not "composite index".
        assert!(!expand("index on email").contains(&"composit".to_string()));
        assert!(expand("the").is_empty());
    }

    #[test]
    fn each_group_reaches_the_references() {
        // A group is useful only if some expression's terms occur in the references.
        let skill = Skill::get();
        let mut a = analysis::analyzer();
        let mut vocabulary: std::collections::HashSet<String> = std::collections::HashSet::new();
        for doc in &skill.references {
            for section in &doc.sections {
                vocabulary.extend(analysis::terms(&mut a, section.text));
            }
        }
        for group in &parsed().groups {
            assert!(
                group
                    .iter()
                    .any(|e| e.terms.iter().all(|t| vocabulary.contains(t))),
                "no expression of {:?} occurs in the references",
                group.iter().map(|e| e.terms.join(" ")).collect::<Vec<_>>()
            );
        }
    }
}
