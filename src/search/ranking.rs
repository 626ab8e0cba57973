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

use super::FastMap;

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

/// One term's postings in one field, decoded: each section holding it, with the term's frequency
/// there, in document order. Its length is the term's document frequency in that field (the index
/// is built once and never deletes).
pub type PostingList = Box<[(DocId, u32)]>;

/// What BM25 needs of one field, beside the postings.
struct FieldStats {
    /// Each section's length in the field (tantivy's field norm), by document id.
    norms: Box<[u32]>,
    /// The mean length over sections (at least 1).
    avg_len: f32,
}

/// Everything a ranking reads, taken from the tantivy index once when it is built: every term of
/// the four ranked fields with its decoded posting list in each, and each field's section lengths.
/// A query term then costs one hash lookup and a walk over slices, where reading it from tantivy
/// cost a walk of the term dictionary and the opening and decoding of a posting list per field.
/// The index is read-only with one segment, so nothing here goes stale. On the seven references:
/// 4,698 terms, 28,650 postings, about 0.7 MB (see the test `the_rank_index_stays_small`).
#[derive(Default)]
pub struct RankIndex {
    terms: FastMap<String, [Option<PostingList>; 4]>,
    /// Body, lead, heading, title ([`RankFields::in_order`]).
    fields: Vec<FieldStats>,
    num_docs: f32,
}

impl RankIndex {
    /// The ranking data of `searcher`'s first (only) segment.
    pub fn build(searcher: &Searcher, fields: RankFields) -> tantivy::Result<Self> {
        let Some(segment) = searcher.segment_readers().first() else {
            return Ok(Self::default());
        };
        let num_docs = segment.num_docs() as f32;
        let mut terms: FastMap<String, [Option<PostingList>; 4]> = FastMap::default();
        let mut stats = Vec::with_capacity(4);
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
                terms.entry(text.to_string()).or_default()[slot] = Some(decoded.into());
            }
            let norms = segment.get_fieldnorms_reader(field)?;
            stats.push(FieldStats {
                norms: (0..segment.max_doc()).map(|d| norms.fieldnorm(d)).collect(),
                avg_len: (index.total_num_tokens() as f32 / num_docs.max(1.0)).max(1.0),
            });
        }
        Ok(Self {
            terms,
            fields: stats,
            num_docs,
        })
    }

    /// The term's posting lists in body, lead, heading and title (`None` where it does not occur).
    pub fn get(&self, text: &str) -> Option<&[Option<PostingList>; 4]> {
        self.terms.get(text)
    }

    /// In how many section bodies the term occurs.
    pub fn body_doc_freq(&self, text: &str) -> u32 {
        self.get(text)
            .and_then(|lists| lists[BODY].as_ref())
            .map_or(0, |list| list.len() as u32)
    }

    /// Number of distinct terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether the index holds no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Each section's length in a field (body, lead, heading, title by `slot`), for checks.
    #[cfg(test)]
    pub(super) fn norms(&self, slot: usize) -> &[u32] {
        self.fields.get(slot).map_or(&[], |f| &f.norms)
    }

    /// Terms, postings held over all of them, and bytes of the posting lists and keys.
    #[cfg(test)]
    pub(super) fn size(&self) -> (usize, usize, usize) {
        let postings: usize = self
            .terms
            .values()
            .flatten()
            .flatten()
            .map(|l| l.len())
            .sum();
        let keys: usize = self.terms.keys().map(String::len).sum();
        let bytes = postings * std::mem::size_of::<(DocId, u32)>()
            + keys
            + self.terms.len() * std::mem::size_of::<(String, [Option<PostingList>; 4])>();
        (self.terms.len(), postings, bytes)
    }

    /// Every section `keep` lets through that some term reaches, best first: only the best `top`
    /// (in the order the full ranking gives them).
    pub fn rank(
        &self,
        terms: &[QueryTerm],
        keep: impl Fn(DocId) -> bool,
        top: usize,
    ) -> (Vec<Ranked>, QueryStats) {
        let (mut ranked, stats) = self.score(terms, keep, WEIGHTS);
        if top == 0 {
            ranked.clear();
        } else if top < ranked.len() {
            ranked.select_nth_unstable_by(top - 1, best_first);
            ranked.truncate(top);
        }
        ranked.sort_by(best_first);
        (ranked, stats)
    }

    /// The whole ranking with other field weights (for tuning tools).
    pub fn rank_with(
        &self,
        terms: &[QueryTerm],
        keep: impl Fn(DocId) -> bool,
        weights: FieldWeights,
    ) -> (Vec<Ranked>, QueryStats) {
        let (mut ranked, stats) = self.score(terms, keep, weights);
        ranked.sort_by(best_first);
        (ranked, stats)
    }

    /// Every section some term reaches, with its score, in document order.
    ///
    /// Work: one lookup per term, then one pass over each of its posting lists; the per-section
    /// sums live in a vector indexed by document id (a few hundred sections), so a call costs
    /// O(terms + postings read + sections), plus the caller's sort.
    fn score(
        &self,
        terms: &[QueryTerm],
        keep: impl Fn(DocId) -> bool,
        weights: FieldWeights,
    ) -> (Vec<Ranked>, QueryStats) {
        const NOWHERE: [Option<PostingList>; 4] = [None, None, None, None];
        let num_docs = self.num_docs;
        let sections = self.fields.first().map_or(0, |f| f.norms.len());
        let mut acc: Vec<Acc> = vec![Acc::default(); sections];
        let mut stats = QueryStats::default();
        let mut own_idf_total = 0f32;
        for (number, term) in terms.iter().enumerate() {
            // Marks the sections this term already covered (body or heading), as number + 1.
            let mark = number as u32 + 1;
            let lists = self.get(&term.text).unwrap_or(&NOWHERE);
            let df = |slot: usize| lists[slot].as_ref().map_or(0, |list| list.len());
            // The term's IDF over section bodies and headings decides its share of coverage.
            let coverage_df = df(BODY).max(df(HEADING));
            let coverage_idf = idf(num_docs, coverage_df as f32);
            if term.own {
                own_idf_total += coverage_idf;
                stats.own_terms += 1;
                stats.known_terms += usize::from(coverage_df > 0);
            }
            for (slot, (list, field)) in lists.iter().zip(&self.fields).enumerate() {
                let Some(list) = list else {
                    continue;
                };
                let term_idf = idf(num_docs, list.len() as f32);
                let covers = term.own && (slot == BODY || slot == HEADING);
                for &(doc, tf) in list.iter() {
                    if !keep(doc) {
                        continue;
                    }
                    let (Some(entry), Some(&len)) =
                        (acc.get_mut(doc as usize), field.norms.get(doc as usize))
                    else {
                        continue;
                    };
                    let (tf, len) = (tf as f32, len as f32);
                    let bm25 = term_idf * tf * (K1 + 1.0)
                        / (tf + K1 * (1.0 - B + B * len / field.avg_len));
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
        let total = own_idf_total.max(f32::EPSILON);
        let ranked = acc
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
        (ranked, stats)
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

/// Higher score first, then lower document id: a total order, so a ranking is deterministic.
fn best_first(a: &Ranked, b: &Ranked) -> std::cmp::Ordering {
    b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc))
}
