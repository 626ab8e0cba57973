//! Ranking: BM25 per field over the tantivy index's postings, combined so that a word shared with a
//! section's heading cannot beat the section whose body answers.
//!
//! Each section is indexed as four fields: `body` (the text under the heading), `lead` (its first
//! paragraph, where the rule is stated), `heading` (the heading path) and `title` (the document
//! title). For a query term `t` with weight `w` (1 for the question's own words, lower for synonyms)
//! every field contributes `w · bm25(t, field)`. The body and lead scores count as they are; the
//! heading and title scores are multiplied by the section's *body coverage*: the share of the
//! question's own term weight (by IDF) that the body contains. A heading that shares a word with a
//! question therefore only helps a section whose body also matches the question.

use std::collections::HashMap;

use tantivy::postings::Postings;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Searcher, TERMINATED, Term};

/// BM25 term-frequency saturation.
const K1: f32 = 1.2;
/// BM25 length normalisation.
const B: f32 = 0.75;

/// How much each field counts.
#[derive(Debug, Clone, Copy)]
pub struct FieldWeights {
    /// Text under the heading.
    pub body: f32,
    /// First paragraph under the heading.
    pub lead: f32,
    /// Heading path (scaled by body coverage).
    pub heading: f32,
    /// Document title (scaled by body coverage).
    pub title: f32,
}

/// The weights in use.
pub const WEIGHTS: FieldWeights = FieldWeights {
    body: 1.0,
    lead: 1.0,
    heading: 4.0,
    title: 0.3,
};

/// The indexed fields a ranking reads.
#[derive(Debug, Clone, Copy)]
pub struct RankFields {
    /// Body field.
    pub body: Field,
    /// Lead-paragraph field.
    pub lead: Field,
    /// Heading-path field.
    pub heading: Field,
    /// Title field.
    pub title: Field,
}

/// One analyzed query term and its weight.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryTerm {
    /// Analyzed (lowercased, stemmed) term.
    pub text: String,
    /// 1 for the question's own words, less for synonyms.
    pub weight: f32,
    /// Whether the question itself contained the term (only those count toward coverage).
    pub own: bool,
}

/// A ranked section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked {
    /// Document id in the one segment (equal to the section's ordinal).
    pub doc: DocId,
    /// Combined score.
    pub score: f32,
    /// Share of the question's own IDF weight found in the body or heading (0 to 1).
    pub coverage: f32,
}

#[derive(Default, Clone, Copy)]
struct Acc {
    body: f32,
    lead: f32,
    heading: f32,
    title: f32,
    covered: f32,
    body_covered: f32,
}

/// What the ranking learned about the question itself.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QueryStats {
    /// The question's own terms.
    pub own_terms: usize,
    /// How many of them occur anywhere in the references (body or heading).
    pub known_terms: usize,
}

impl QueryStats {
    /// Share of the question's own terms the references know (0 when it has none).
    pub fn known_share(&self) -> f32 {
        if self.own_terms == 0 {
            0.0
        } else {
            self.known_terms as f32 / self.own_terms as f32
        }
    }
}

/// BM25 inverse document frequency.
fn idf(num_docs: f32, doc_freq: f32) -> f32 {
    (1.0 + (num_docs - doc_freq + 0.5) / (doc_freq + 0.5)).ln()
}

/// Score every section that contains at least one query term; `keep` filters sections.
pub fn rank(
    searcher: &Searcher,
    fields: RankFields,
    terms: &[QueryTerm],
    keep: impl Fn(DocId) -> bool,
) -> tantivy::Result<(Vec<Ranked>, QueryStats)> {
    rank_with(searcher, fields, terms, keep, WEIGHTS)
}

/// [`rank`] with other field weights (for tuning tools).
pub fn rank_with(
    searcher: &Searcher,
    fields: RankFields,
    terms: &[QueryTerm],
    keep: impl Fn(DocId) -> bool,
    weights: FieldWeights,
) -> tantivy::Result<(Vec<Ranked>, QueryStats)> {
    let mut stats = QueryStats::default();
    let Some(segment) = searcher.segment_readers().first() else {
        return Ok((Vec::new(), stats));
    };
    let num_docs = segment.num_docs() as f32;
    let mut acc: HashMap<DocId, Acc> = HashMap::new();
    let mut own_idf_total = 0f32;
    let slots: [(Field, usize); 4] = [
        (fields.body, 0),
        (fields.lead, 1),
        (fields.heading, 2),
        (fields.title, 3),
    ];
    for term in terms {
        // The term's IDF over section bodies and headings decides its share of coverage.
        let body_index = segment.inverted_index(fields.body)?;
        let heading_index = segment.inverted_index(fields.heading)?;
        let body_term = Term::from_field_text(fields.body, &term.text);
        let heading_term = Term::from_field_text(fields.heading, &term.text);
        let df = body_index
            .doc_freq(&body_term)?
            .max(heading_index.doc_freq(&heading_term)?);
        let coverage_idf = idf(num_docs, df as f32);
        if term.own {
            own_idf_total += coverage_idf;
            stats.own_terms += 1;
            stats.known_terms += usize::from(df > 0);
        }
        for (field, slot) in slots {
            let index = segment.inverted_index(field)?;
            let key = Term::from_field_text(field, &term.text);
            let Some(mut postings) = index.read_postings(&key, IndexRecordOption::WithFreqs)?
            else {
                continue;
            };
            let field_df = index.doc_freq(&key)? as f32;
            let term_idf = idf(num_docs, field_df);
            let norms = segment.get_fieldnorms_reader(field)?;
            let avg_len = (index.total_num_tokens() as f32 / num_docs.max(1.0)).max(1.0);
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if keep(doc) {
                    let tf = postings.term_freq() as f32;
                    let len = norms.fieldnorm(doc) as f32;
                    let bm25 =
                        term_idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / avg_len));
                    let entry = acc.entry(doc).or_default();
                    let value = term.weight * bm25;
                    match slot {
                        0 => {
                            entry.body += value;
                            if term.own {
                                entry.body_covered += coverage_idf;
                            }
                        }
                        1 => entry.lead += value,
                        2 => entry.heading += value,
                        _ => entry.title += value,
                    }
                }
                doc = postings.advance();
            }
        }
        // Coverage (body or heading) per term, counted once per section.
        if term.own {
            let mut seen: Vec<DocId> = Vec::new();
            for (field, term_key) in [(fields.body, &body_term), (fields.heading, &heading_term)] {
                let index = segment.inverted_index(field)?;
                if let Some(mut postings) =
                    index.read_postings(term_key, IndexRecordOption::Basic)?
                {
                    let mut doc = postings.doc();
                    while doc != TERMINATED {
                        if keep(doc) && !seen.contains(&doc) {
                            seen.push(doc);
                            acc.entry(doc).or_default().covered += coverage_idf;
                        }
                        doc = postings.advance();
                    }
                }
            }
        }
    }
    let total = own_idf_total.max(f32::EPSILON);
    let mut ranked: Vec<Ranked> = acc
        .into_iter()
        .map(|(doc, a)| {
            let body_coverage = (a.body_covered / total).min(1.0);
            let score = weights.body * a.body
                + weights.lead * a.lead
                + body_coverage * (weights.heading * a.heading + weights.title * a.title);
            Ranked {
                doc,
                score,
                coverage: (a.covered / total).min(1.0),
            }
        })
        .filter(|r| r.score > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
    Ok((ranked, stats))
}
