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
use tantivy::{DocId, DocSet, Searcher, TERMINATED};

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

impl RankFields {
    /// Body, lead, heading, title: the order of a ranking's per-field tables.
    fn in_order(self) -> [Field; 4] {
        [self.body, self.lead, self.heading, self.title]
    }
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

/// One term's postings in one field, decoded: (section, term frequency) by section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Posted {
    /// In how many sections the term occurs in this field.
    pub doc_freq: u32,
    /// Each of those sections with the term's frequency there, in document order.
    pub postings: Box<[(DocId, u32)]>,
}

/// Every term of the four ranked fields with its postings in each, decoded once when the index is
/// built: a query term then costs one hash lookup, where reading it from tantivy cost four walks
/// of the term dictionary and the opening and decoding of each posting list. The index is
/// read-only with one segment, so nothing here goes stale; the whole table is a few hundred KB.
#[derive(Default)]
pub struct TermTable {
    terms: HashMap<String, [Option<Posted>; 4]>,
}

impl TermTable {
    /// The table of `searcher`'s first (only) segment.
    pub fn build(searcher: &Searcher, fields: RankFields) -> tantivy::Result<Self> {
        let mut terms: HashMap<String, [Option<Posted>; 4]> = HashMap::new();
        let Some(segment) = searcher.segment_readers().first() else {
            return Ok(Self { terms });
        };
        for (slot, field) in fields.in_order().into_iter().enumerate() {
            let index = segment.inverted_index(field)?;
            let mut stream = index.terms().stream()?;
            while stream.advance() {
                // Text fields hold UTF-8 terms; anything else cannot be a query term.
                let Ok(text) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let info = stream.value();
                let mut postings =
                    index.read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
                let mut decoded = Vec::with_capacity(info.doc_freq as usize);
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    decoded.push((doc, postings.term_freq()));
                    doc = postings.advance();
                }
                let entry = terms.entry(text.to_string()).or_default();
                entry[slot] = Some(Posted {
                    doc_freq: info.doc_freq,
                    postings: decoded.into_boxed_slice(),
                });
            }
        }
        Ok(Self { terms })
    }

    /// The term's postings in body, lead, heading and title (`None` where it does not occur).
    pub fn get(&self, text: &str) -> Option<&[Option<Posted>; 4]> {
        self.terms.get(text)
    }

    /// In how many section bodies the term occurs.
    pub fn body_doc_freq(&self, text: &str) -> u32 {
        self.get(text)
            .and_then(|posted| posted[BODY].as_ref())
            .map_or(0, |p| p.doc_freq)
    }

    /// Number of distinct terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Postings held over all terms and fields.
    pub fn postings(&self) -> usize {
        self.terms
            .values()
            .flatten()
            .flatten()
            .map(|p| p.postings.len())
            .sum()
    }
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
    /// The last term (its number + 1) whose coverage was counted here.
    covered_by: u32,
    /// Whether any term's postings reached this section.
    found: bool,
}

/// Positions of the fields in a ranking's per-field tables ([`RankFields::in_order`]).
const BODY: usize = 0;
const LEAD: usize = 1;
const HEADING: usize = 2;

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
/// Only the best `top` are kept, in the same order as the full ranking's first `top`.
pub fn rank(
    searcher: &Searcher,
    fields: RankFields,
    table: &TermTable,
    terms: &[QueryTerm],
    keep: impl Fn(DocId) -> bool,
    top: usize,
) -> tantivy::Result<(Vec<Ranked>, QueryStats)> {
    let (mut ranked, stats) = score(searcher, fields, table, terms, keep, WEIGHTS)?;
    if top == 0 {
        ranked.clear();
    } else if top < ranked.len() {
        ranked.select_nth_unstable_by(top - 1, best_first);
        ranked.truncate(top);
    }
    ranked.sort_by(best_first);
    Ok((ranked, stats))
}

/// Higher score first, then lower document id: a total order, so a ranking is deterministic.
fn best_first(a: &Ranked, b: &Ranked) -> std::cmp::Ordering {
    b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc))
}

/// [`rank`] with other field weights and every scored section (for tuning tools).
pub fn rank_with(
    searcher: &Searcher,
    fields: RankFields,
    table: &TermTable,
    terms: &[QueryTerm],
    keep: impl Fn(DocId) -> bool,
    weights: FieldWeights,
) -> tantivy::Result<(Vec<Ranked>, QueryStats)> {
    let (mut ranked, stats) = score(searcher, fields, table, terms, keep, weights)?;
    ranked.sort_by(best_first);
    Ok((ranked, stats))
}

/// Every section some term reaches, with its score, in document order.
///
/// Work: one [`TermTable`] lookup per term, then one pass over each of its decoded posting lists; the per-section sums live in a vector indexed by document id (the segment holds a few
/// hundred sections), so a call costs O(terms × 4 + postings read) plus the caller's sort.
fn score(
    searcher: &Searcher,
    fields: RankFields,
    table: &TermTable,
    terms: &[QueryTerm],
    keep: impl Fn(DocId) -> bool,
    weights: FieldWeights,
) -> tantivy::Result<(Vec<Ranked>, QueryStats)> {
    let mut stats = QueryStats::default();
    let Some(segment) = searcher.segment_readers().first() else {
        return Ok((Vec::new(), stats));
    };
    let num_docs = segment.num_docs() as f32;
    let mut acc: Vec<Acc> = vec![Acc::default(); segment.max_doc() as usize];
    let mut own_idf_total = 0f32;
    let mut slots = Vec::with_capacity(4);
    for field in fields.in_order() {
        let index = segment.inverted_index(field)?;
        let norms = segment.get_fieldnorms_reader(field)?;
        let avg_len = (index.total_num_tokens() as f32 / num_docs.max(1.0)).max(1.0);
        slots.push((norms, avg_len));
    }
    const NOWHERE: [Option<Posted>; 4] = [None, None, None, None];
    for (number, term) in terms.iter().enumerate() {
        // Marks the sections this term already covered (body or heading), as number + 1.
        let mark = number as u32 + 1;
        let posted = table.get(&term.text).unwrap_or(&NOWHERE);
        // The term's IDF over section bodies and headings decides its share of coverage.
        let df = |slot: usize| posted[slot].as_ref().map_or(0, |p| p.doc_freq);
        let coverage_idf = idf(num_docs, df(BODY).max(df(HEADING)) as f32);
        if term.own {
            own_idf_total += coverage_idf;
            stats.own_terms += 1;
            stats.known_terms += usize::from(df(BODY).max(df(HEADING)) > 0);
        }
        for (slot, (posted, (norms, avg_len))) in posted.iter().zip(&slots).enumerate() {
            let Some(posted) = posted else {
                continue;
            };
            let term_idf = idf(num_docs, posted.doc_freq as f32);
            let covers = term.own && (slot == BODY || slot == HEADING);
            for &(doc, tf) in posted.postings.iter() {
                if keep(doc)
                    && let Some(entry) = acc.get_mut(doc as usize)
                {
                    let tf = tf as f32;
                    let len = norms.fieldnorm(doc) as f32;
                    let bm25 =
                        term_idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / avg_len));
                    let value = term.weight * bm25;
                    entry.found = true;
                    match slot {
                        BODY => {
                            entry.body += value;
                            if term.own {
                                entry.body_covered += coverage_idf;
                            }
                        }
                        LEAD => entry.lead += value,
                        HEADING => entry.heading += value,
                        _ => entry.title += value,
                    }
                    // Coverage (body or heading) counts once per term and section.
                    if covers && entry.covered_by != mark {
                        entry.covered_by = mark;
                        entry.covered += coverage_idf;
                    }
                }
            }
        }
    }
    let total = own_idf_total.max(f32::EPSILON);
    let ranked: Vec<Ranked> = acc
        .into_iter()
        .zip(0 as DocId..)
        .filter(|(a, _)| a.found)
        .map(|(a, doc)| {
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
    Ok((ranked, stats))
}
