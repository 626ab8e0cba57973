//! Section-level search over the reference documents: a tantivy index built in RAM at start-up, one
//! tantivy document per H2/H3 section.
//!
//! The parts, one file each: `analysis` (how text becomes terms: identifiers, notations, stemming),
//! `synonyms` (the curated vocabulary list), `ranking` (BM25 per field with heading boosts gated by
//! body evidence), `confidence` (the relevance floor), `snippet` (extracts) and `render` (the text a
//! person or a model reads).

pub mod analysis;
pub mod confidence;
pub mod ranking;
mod render;
mod snippet;
pub mod synonyms;
pub mod terms;

/// The hash map of the search's own tables and per-question sets: foldhash, seeded per map, in
/// place of std's SipHash (SipHash's `hash_one` and `write` were 4.9% of the search probe's
/// instructions under callgrind). Seeded, so a client cannot work out colliding words in advance.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// The set of [`FastMap`].
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

use std::sync::{Arc, Mutex, OnceLock};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tantivy::directory::RamDirectory;
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, TokenizerManager};
use tantivy::{Index, TantivyDocument, doc};

use crate::content::{Section, Skill, estimate_tokens};
pub use confidence::Confidence;
use ranking::{QueryTerm, RankFields};
use synonyms::Synonyms;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// Most hits one call returns.
pub const MAX_LIMIT: usize = 20;
/// Hits returned when the caller does not say.
pub const DEFAULT_LIMIT: usize = 5;
/// Token budget for full section texts when the caller does not say.
pub const DEFAULT_MAX_TOKENS: usize = 4_000;
/// Largest token budget accepted.
pub const MAX_MAX_TOKENS: usize = 50_000;
/// Hits that carry their full text when the caller does not say.
pub const DEFAULT_FULL_TEXTS: usize = 1;
/// Memory budget of the one-shot index writer (the references are well under 1 MB of text).
const WRITER_MEMORY_BYTES: usize = 1_000_000;
/// Query analyzers kept for reuse.
const MAX_SPARE_ANALYZERS: usize = 16;

/// Why a search could not run. Messages are written for the caller to act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SearchError {
    /// The query is empty or whitespace.
    #[error(
        "query is empty: pass a few words describing what you need, e.g. \"index foreign keys postgres\""
    )]
    EmptyQuery,
    /// The query is longer than [`MAX_QUERY_CHARS`].
    #[error(
        "query is {0} characters long; the limit is {MAX_QUERY_CHARS}: shorten it to the key terms"
    )]
    QueryTooLong(usize),
    /// `limit` outside 1..=[`MAX_LIMIT`].
    #[error("limit must be between 1 and {MAX_LIMIT}, got {0}")]
    BadLimit(i64),
    /// `max_tokens` outside 1..=[`MAX_MAX_TOKENS`].
    #[error("max_tokens must be between 1 and {MAX_MAX_TOKENS}, got {0}")]
    BadMaxTokens(i64),
    /// `full_texts` outside 0..=[`MAX_LIMIT`].
    #[error("full_texts must be between 0 and {MAX_LIMIT}, got {0}")]
    BadFullTexts(i64),
    /// The reference filter names no reference.
    #[error("unknown reference {name:?}; the references are: {known}")]
    UnknownReference {
        /// What the caller passed.
        name: String,
        /// The file names that exist.
        known: String,
    },
    /// tantivy failed (a defect, not bad input).
    #[error("search index error: {0}")]
    Index(String),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError::Index(e.to_string())
    }
}

/// A search request.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// What you need, in plain words or code identifiers.
    pub query: String,
    /// Sections to return, 1 to 20. Default 5.
    #[serde(default)]
    pub limit: Option<i64>,
    /// Only this reference, e.g. security.md.
    #[serde(default)]
    pub reference: Option<String>,
    /// Token budget for the section texts. Default 4000.
    #[serde(default)]
    pub max_tokens: Option<i64>,
    /// Hits with their full text, 0 to 20. Default 1.
    #[serde(default)]
    pub full_texts: Option<i64>,
}

/// One matching section.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct SearchHit {
    /// Reference file name, e.g. `schema-design.md`.
    pub reference: String,
    /// Heading path of the section, e.g. `Schema design > Indexing > Composite indexes`.
    pub section: String,
    /// URI of the section: read it with `read_reference` or `resources/read`.
    pub uri: String,
    /// Relevance score (higher is better; comparable within one call only).
    pub score: f32,
    /// A short extract around the matched words, with matches in **bold**; absent when `text` is
    /// present and when there is no good match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// The section's full markdown, for the best hits within the token budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Estimated tokens of the section's full text.
    pub tokens: usize,
}

/// The result of a search.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct SearchResponse {
    /// `high` when the best sections answer the query; `low` when nothing matches well: the hits are
    /// then only the closest headings, without text or snippet.
    pub confidence: Confidence,
    /// Matching sections, best first.
    pub hits: Vec<SearchHit>,
    /// True when a hit that should have carried its text was left without it to stay within
    /// `max_tokens`.
    pub truncated: bool,
    /// Estimated tokens of the texts returned.
    pub tokens_returned: usize,
}

struct Fields {
    reference: Field,
    heading: Field,
    title: Field,
    body: Field,
    lead: Field,
    ordinal: Field,
}

impl Fields {
    fn rank(&self) -> RankFields {
        RankFields {
            body: self.body,
            lead: self.lead,
            heading: self.heading,
            title: self.title,
        }
    }
}

/// A searchable entry: one section of one reference.
struct Entry {
    reference: &'static str,
    uri: String,
    section: &'static Section,
    /// The body analyzed once, for snippets.
    snippet: snippet::SnippetSource,
}

/// An index being built on a background thread, so that a server answers `initialize` and the
/// listings without waiting for it. The first search waits for the build if it is not done yet.
#[derive(Clone)]
pub struct SharedIndex {
    skill: &'static Skill,
    cell: Arc<OnceLock<Result<SearchIndex, String>>>,
}

impl SharedIndex {
    /// Start building the index on its own thread.
    pub fn build_in_background(skill: &'static Skill) -> Self {
        let shared = Self {
            skill,
            cell: Arc::new(OnceLock::new()),
        };
        let builder = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("search-index".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                if builder.get().is_ok() {
                    tracing::debug!(
                        micros = started.elapsed().as_micros() as u64,
                        "search index built"
                    );
                }
            });
        if let Err(e) = spawned {
            // No thread: the first search builds it instead.
            tracing::warn!(error = %e, "could not start the index thread; building on first search");
        }
        shared
    }

    /// Whether the index has been built (or failed to build): [`Self::get`] will not wait.
    pub fn is_built(&self) -> bool {
        self.cell.get().is_some()
    }

    /// The index, waiting for (or doing) the build.
    pub fn get(&self) -> Result<&SearchIndex, SearchError> {
        self.cell
            .get_or_init(|| SearchIndex::build(self.skill).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| SearchError::Index(e.clone()))
    }
}

/// The in-RAM index over every H2/H3 section of the references.
pub struct SearchIndex {
    /// The tantivy index, kept only for the tests that check [`ranking::RankIndex`] and the
    /// snippets against tantivy's own reading of it; a search never reads it, so a server drops it
    /// once the ranking data is taken.
    #[cfg(test)]
    reader: tantivy::IndexReader,
    analyzer: TextAnalyzer,
    /// Analyzers ready for queries (a clone copies the stop-word set, so clones are kept for reuse).
    spare_analyzers: Mutex<Vec<TextAnalyzer>>,
    vocabulary: snippet::Vocabulary,
    synonyms: Synonyms,
    ranks: ranking::RankIndex,
    #[cfg(test)]
    fields: Fields,
    entries: Vec<Entry>,
    skill: &'static Skill,
}

/// The text under a section's heading line.
fn body_of(section: &str) -> &str {
    section.split_once('\n').map_or("", |(_, rest)| rest)
}

/// The first paragraph after the heading line.
fn lead_paragraph(section: &str) -> &str {
    body_of(section)
        .trim_start()
        .split("\n\n")
        .next()
        .unwrap_or_default()
}

impl SearchIndex {
    /// Build the index from the embedded skill.
    pub fn build(skill: &'static Skill) -> Result<Self, SearchError> {
        let mut builder = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analysis::ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            reference: builder.add_text_field("reference", STRING),
            heading: builder.add_text_field("heading", text.clone()),
            title: builder.add_text_field("title", text.clone()),
            body: builder.add_text_field("body", text.clone()),
            lead: builder.add_text_field("lead", text),
            ordinal: builder.add_u64_field("ordinal", STORED),
        };
        let mut analyzer = analysis::analyzer();
        let manager = TokenizerManager::default();
        manager.register(analysis::ANALYZER, analyzer.clone());
        // One segment, written on this thread: no writer threads to start, no merges to wait for.
        let mut writer = Index::builder()
            .schema(builder.build())
            .tokenizers(manager)
            .single_segment_index_writer(RamDirectory::create(), WRITER_MEMORY_BYTES)?;
        let mut entries = Vec::new();
        let mut vocabulary = snippet::Vocabulary::default();
        for document in &skill.references {
            for section in document.sections.iter().filter(|s| s.level >= 2) {
                let ordinal = entries.len() as u64;
                writer.add_document(doc!(
                    fields.reference => document.name.as_str(),
                    fields.heading => section.heading_path.as_str(),
                    fields.title => document.title.as_str(),
                    fields.body => body_of(section.text),
                    fields.lead => lead_paragraph(section.text),
                    fields.ordinal => ordinal,
                ))?;
                entries.push(Entry {
                    reference: document.name.as_str(),
                    uri: format!("{}#{}", document.uri, section.anchor),
                    section,
                    snippet: snippet::SnippetSource::new(
                        &mut analyzer,
                        &mut vocabulary,
                        body_of(section.text),
                    ),
                });
            }
        }
        let index = writer.finalize()?;
        // The finalized index keeps the analyzer for snippets; one memo of stems serves all.
        index
            .tokenizers()
            .register(analysis::ANALYZER, analyzer.clone());
        let reader = index.reader()?;
        // Documents were added in order into one segment, so a document id is the entry's ordinal.
        let searcher = reader.searcher();
        for (ordinal, _) in entries.iter().enumerate().step_by(37) {
            let stored: TantivyDocument =
                searcher.doc(tantivy::DocAddress::new(0, ordinal as u32))?;
            let got = stored.get_first(fields.ordinal).and_then(|v| v.as_u64());
            if got != Some(ordinal as u64) {
                return Err(SearchError::Index(format!(
                    "document {ordinal} holds ordinal {got:?}"
                )));
            }
        }
        let synonyms = Synonyms::parse(&mut analyzer, synonyms::SYNONYMS);
        let ranks = ranking::RankIndex::build(&searcher, fields.rank())?;
        Ok(Self {
            #[cfg(test)]
            reader,
            ranks,
            analyzer,
            spare_analyzers: Mutex::new(Vec::new()),
            vocabulary,
            synonyms,
            #[cfg(test)]
            fields,
            entries,
            skill,
        })
    }

    /// Number of indexed sections.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn resolve_reference(&self, name: &str) -> Result<&'static str, SearchError> {
        self.skill
            .reference(name)
            .map(|d| d.name.as_str())
            .ok_or_else(|| SearchError::UnknownReference {
                name: crate::quote::quote(name),
                known: self.skill.reference_names().join(", "),
            })
    }

    /// The weighted terms a question searches for: its own analyzed words, then synonyms.
    pub fn query_terms(&self, question: &str) -> Vec<QueryTerm> {
        let spare = self
            .spare_analyzers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop();
        let mut analyzer = spare.unwrap_or_else(|| self.analyzer.clone());
        let own = analysis::query_terms(&mut analyzer, question);
        let mut spares = self
            .spare_analyzers
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        // One per thread that searches at once is enough.
        if spares.len() < MAX_SPARE_ANALYZERS {
            spares.push(analyzer);
        }
        drop(spares);
        let extra = self.synonyms.expand(&own);
        own.into_iter()
            .map(|text| QueryTerm {
                text,
                weight: 1.0,
                own: true,
            })
            .chain(extra.into_iter().map(|text| QueryTerm {
                text,
                weight: synonyms::SYNONYM_WEIGHT,
                own: false,
            }))
            .collect()
    }

    /// The full ranking for a question (for evaluation and tuning tools).
    pub fn debug_rank(
        &self,
        question: &str,
        weights: ranking::FieldWeights,
        synonym_weight: f32,
    ) -> (Vec<(ranking::Ranked, String)>, ranking::QueryStats) {
        let mut terms = self.query_terms(question);
        for t in terms.iter_mut().filter(|t| !t.own) {
            t.weight = synonym_weight;
        }
        let (ranked, stats) = self.ranks.rank_with(&terms, |_| true, weights);
        let named = ranked
            .into_iter()
            .filter_map(|r| self.entries.get(r.doc as usize).map(|e| (r, e.uri.clone())))
            .collect();
        (named, stats)
    }

    /// The snippet weights of the query terms, as tantivy's snippet generator sets them (one over one
    /// plus the term's document frequency in section bodies).
    fn snippet_weights(&self, terms: &[QueryTerm]) -> snippet::Weights {
        let frequencies = terms.iter().map(|t| {
            (
                t.text.as_str(),
                u64::from(self.ranks.body_doc_freq(&t.text)),
            )
        });
        snippet::Weights::new(&self.vocabulary, frequencies)
    }

    /// Run a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        let query_text = request.query.trim();
        if query_text.is_empty() {
            return Err(SearchError::EmptyQuery);
        }
        let chars = request.query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(SearchError::QueryTooLong(chars));
        }
        let limit = match request.limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
            Some(n) => return Err(SearchError::BadLimit(n)),
        };
        let max_tokens = match request.max_tokens {
            None => DEFAULT_MAX_TOKENS,
            Some(n) if (1..=MAX_MAX_TOKENS as i64).contains(&n) => n as usize,
            Some(n) => return Err(SearchError::BadMaxTokens(n)),
        };
        let full_texts = match request.full_texts {
            None => DEFAULT_FULL_TEXTS,
            Some(n) if (0..=MAX_LIMIT as i64).contains(&n) => n as usize,
            Some(n) => return Err(SearchError::BadFullTexts(n)),
        };
        let reference = request
            .reference
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .map(|r| self.resolve_reference(r))
            .transpose()?;

        let terms = self.query_terms(query_text);
        let keep = |doc: tantivy::DocId| {
            reference.is_none_or(|name| {
                self.entries
                    .get(doc as usize)
                    .is_some_and(|e| e.reference == name)
            })
        };
        let (ranked, _) = self.ranks.rank(&terms, keep, limit);
        let confidence = confidence::judge(ranked.first());
        if confidence == Confidence::Low {
            let hits = ranked
                .iter()
                .take(confidence::CLOSEST.min(limit))
                .filter_map(|r| self.entries.get(r.doc as usize).map(|e| (r, e)))
                .map(|(r, entry)| SearchHit {
                    reference: entry.reference.to_string(),
                    section: entry.section.heading_path.clone(),
                    uri: entry.uri.clone(),
                    score: r.score,
                    snippet: None,
                    text: None,
                    tokens: estimate_tokens(entry.section.text),
                })
                .collect();
            return Ok(SearchResponse {
                confidence,
                hits,
                truncated: false,
                tokens_returned: 0,
            });
        }

        let weights = self.snippet_weights(&terms);
        let mut hits = Vec::with_capacity(limit);
        let mut budget_left = max_tokens;
        let mut truncated = false;
        for (rank, r) in ranked.iter().take(limit).enumerate() {
            let Some(entry) = self.entries.get(r.doc as usize) else {
                continue;
            };
            let full = entry.section.text;
            let tokens = estimate_tokens(full);
            let text = if rank < full_texts {
                if tokens <= budget_left {
                    budget_left -= tokens;
                    Some(full.to_string())
                } else {
                    truncated = true;
                    None
                }
            } else {
                None
            };
            let snippet = match text {
                Some(_) => None,
                None => Some(snippet::render(&entry.snippet, body_of(full), &weights)),
            };
            hits.push(SearchHit {
                reference: entry.reference.to_string(),
                section: entry.section.heading_path.clone(),
                uri: entry.uri.clone(),
                score: r.score,
                snippet,
                text,
                tokens,
            });
        }
        Ok(SearchResponse {
            confidence,
            hits,
            truncated,
            tokens_returned: max_tokens - budget_left,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SearchIndex {
        SearchIndex::build(Skill::get()).unwrap()
    }

    fn req(query: &str) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            ..Default::default()
        }
    }

    /// The real questions engineers asked (tests/retrieval/real_questions.tsv).
    fn real_questions() -> Vec<&'static str> {
        include_str!("../../tests/retrieval/real_questions.tsv")
            .lines()
            .skip(1)
            .map(|l| l.split('\t').nth(2).expect("a question column"))
            .collect()
    }

    /// The ranking data decoded at build time holds exactly what tantivy's term dictionaries,
    /// posting lists and field norms hold, for every term a real question searches (synonyms
    /// included) and every indexed term.
    #[test]
    fn the_rank_index_agrees_with_tantivys_postings() {
        use tantivy::postings::Postings as _;
        use tantivy::{DocSet as _, TERMINATED};
        let idx = index();
        let searcher = idx.reader.searcher();
        let segment = &searcher.segment_readers()[0];
        let fields = idx.fields.rank();
        let order = [fields.body, fields.lead, fields.heading, fields.title];
        let mut texts: Vec<String> = real_questions()
            .iter()
            .flat_map(|q| idx.query_terms(q))
            .map(|t| t.text)
            .collect();
        texts.push("no-such-term-anywhere".to_string());
        for field in order {
            let inverted = segment.inverted_index(field).unwrap();
            let mut stream = inverted.terms().stream().unwrap();
            while stream.advance() {
                texts.push(String::from_utf8(stream.key().to_vec()).unwrap());
            }
        }
        assert!(idx.ranks.len() > 1000, "{} terms", idx.ranks.len());
        for text in &texts {
            let lists = idx.ranks.get(text).cloned().unwrap_or_default();
            for (slot, field) in order.into_iter().enumerate() {
                let inverted = segment.inverted_index(field).unwrap();
                let term = tantivy::Term::from_field_text(field, text);
                let expected: Option<ranking::PostingList> = inverted
                    .read_postings(&term, tantivy::schema::IndexRecordOption::WithFreqs)
                    .unwrap()
                    .map(|mut postings| {
                        let mut decoded = Vec::new();
                        let mut doc = postings.doc();
                        while doc != TERMINATED {
                            decoded.push((doc, postings.term_freq()));
                            doc = postings.advance();
                        }
                        decoded.into()
                    });
                let doc_freq = inverted.doc_freq(&term).unwrap() as usize;
                assert_eq!(lists[slot], expected, "term {text:?}, field {slot}");
                assert_eq!(
                    lists[slot].as_ref().map_or(0, |l| l.len()),
                    doc_freq,
                    "term {text:?}, field {slot}: a list's length is the document frequency"
                );
            }
        }
        for (slot, field) in order.into_iter().enumerate() {
            let norms = segment.get_fieldnorms_reader(field).unwrap();
            let expected: Vec<u32> = (0..segment.max_doc()).map(|d| norms.fieldnorm(d)).collect();
            assert_eq!(idx.ranks.norms(slot), expected, "field {slot}");
        }
    }

    /// The decoded ranking data is held in memory for the life of the process: on the seven
    /// references it is 4,698 terms, 28,650 postings and about 0.7 MB (2026-12-04). It must stay
    /// a small multiple of the references, not grow with use.
    #[test]
    fn the_rank_index_stays_small() {
        let (terms, postings, bytes) = index().ranks.size();
        let words: usize = Skill::get()
            .references
            .iter()
            .map(|d| d.text.split_whitespace().count())
            .sum();
        assert!(
            terms > 1000 && postings > terms,
            "{terms} terms, {postings} postings"
        );
        assert!(
            postings <= 4 * words,
            "{postings} postings for {words} words"
        );
        assert!(bytes < 2 * 1024 * 1024, "{bytes} bytes");
    }

    /// The snippet tables (every body token with its window and its place by term) hold a few
    /// words' worth of bytes per token and stay a small part of the process.
    #[test]
    fn the_snippet_tables_stay_small() {
        let (mut tokens, mut windows, mut bytes) = (0, 0, 0);
        for entry in &index().entries {
            let (t, w, b) = entry.snippet.size();
            (tokens, windows, bytes) = (tokens + t, windows + w, bytes + b);
        }
        eprintln!("snippet tables: {tokens} tokens, {windows} windows, {bytes} bytes");
        assert!(
            tokens > 10_000 && windows * 10 < tokens,
            "{tokens} tokens, {windows} windows"
        );
        assert!(bytes <= tokens * 40, "{bytes} bytes for {tokens} tokens");
        assert!(bytes < 4 * 1024 * 1024, "{bytes} bytes");
    }

    /// Keeping only the best few gives the full ranking's first few, in the same order.
    #[test]
    fn the_best_few_are_the_full_rankings_first_few() {
        let idx = index();
        for question in real_questions() {
            let terms = idx.query_terms(question);
            let (full, _) = idx.ranks.rank_with(&terms, |_| true, ranking::WEIGHTS);
            assert!(full.len() > 3, "{question}: {} sections", full.len());
            for top in [0, 1, 3, 20, full.len(), full.len() + 5] {
                let (best, _) = idx.ranks.rank(&terms, |_| true, top);
                assert_eq!(best, full[..top.min(full.len())], "{question}, top {top}");
            }
        }
    }

    /// Snippets come from each body's analysis made at build time; the window they choose must be
    /// the one tantivy's own `SnippetGenerator` chooses, checked on the real questions engineers
    /// asked (tests/retrieval/real_questions.tsv) against every section body.
    #[test]
    fn snippet_windows_are_the_ones_tantivys_generator_chooses() {
        use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
        use tantivy::snippet::SnippetGenerator;
        let idx = index();
        let searcher = idx.reader.searcher();
        let (mut compared, mut lit) = (0, 0);
        for question in real_questions() {
            let terms = idx.query_terms(question);
            let query = BooleanQuery::new(
                terms
                    .iter()
                    .map(|t| {
                        let q: Box<dyn Query> = Box::new(TermQuery::new(
                            tantivy::Term::from_field_text(idx.fields.body, &t.text),
                            IndexRecordOption::WithFreqs,
                        ));
                        (Occur::Should, q)
                    })
                    .collect(),
            );
            let mut generator =
                SnippetGenerator::create(&searcher, &query, idx.fields.body).unwrap();
            generator.set_max_num_chars(snippet::SNIPPET_CHARS);
            let weights = idx.snippet_weights(&terms);
            for entry in &idx.entries {
                let body = body_of(entry.section.text);
                let theirs = generator.snippet(body);
                let ours = snippet::best_window(&entry.snippet, body, &weights)
                    .map(|(fragment, highlighted)| (fragment.to_string(), highlighted))
                    .unwrap_or_default();
                assert_eq!(
                    ours,
                    (theirs.fragment().to_string(), theirs.highlighted().to_vec()),
                    "{question:?} in {}",
                    entry.uri
                );
                compared += 1;
                lit += usize::from(!ours.1.is_empty());
            }
        }
        assert!(
            compared > 10_000 && lit > 1_000,
            "{compared} bodies, {lit} lit"
        );
    }

    #[test]
    fn indexes_every_h2_and_h3_section() {
        let skill = Skill::get();
        let expected: usize = skill
            .references
            .iter()
            .map(|d| d.sections.iter().filter(|s| s.level >= 2).count())
            .sum();
        assert_eq!(index().len(), expected);
    }

    #[test]
    fn syntax_characters_are_not_errors() {
        let idx = index();
        for q in [
            "(unbalanced",
            "AND OR NOT",
            "title:",
            "\"open quote",
            "a^2 ~ * ? : [ ]",
            "-",
        ] {
            assert!(idx.search(&req(q)).is_ok(), "{q}");
        }
    }

    #[test]
    fn bad_arguments_are_explained() {
        let idx = index();
        assert_eq!(idx.search(&req("  ")), Err(SearchError::EmptyQuery));
        assert_eq!(
            idx.search(&req(&"x".repeat(1001))),
            Err(SearchError::QueryTooLong(1001))
        );
        let mut r = req("index");
        r.limit = Some(0);
        assert_eq!(idx.search(&r), Err(SearchError::BadLimit(0)));
        r.limit = Some(21);
        assert_eq!(idx.search(&r), Err(SearchError::BadLimit(21)));
        r.limit = None;
        r.reference = Some("nope.md".into());
        let err = idx.search(&r).unwrap_err().to_string();
        assert!(err.contains("security.md"), "{err}");
        r.reference = None;
        r.max_tokens = Some(0);
        assert_eq!(idx.search(&r), Err(SearchError::BadMaxTokens(0)));
    }

    #[test]
    fn reference_filter_keeps_only_that_file() {
        let idx = index();
        let mut r = req("timeouts retries");
        r.reference = Some("api-design".into());
        r.limit = Some(20);
        let res = idx.search(&r).unwrap();
        assert!(!res.hits.is_empty());
        assert!(res.hits.iter().all(|h| h.reference == "api-design.md"));
    }

    #[test]
    fn token_budget_drops_texts_but_keeps_hits() {
        let idx = index();
        let mut r = req("index");
        r.limit = Some(10);
        r.max_tokens = Some(1);
        let res = idx.search(&r).unwrap();
        assert_eq!(res.hits.len(), 10);
        assert!(res.truncated);
        assert!(
            res.hits
                .iter()
                .all(|h| h.text.is_none() && h.snippet.as_ref().is_some_and(|s| !s.is_empty()))
        );
        assert_eq!(res.tokens_returned, 0);
    }

    #[test]
    fn results_are_deterministic_and_sorted() {
        let idx = index();
        let mut r = req("cache invalidation stampede");
        r.limit = Some(20);
        let a = idx.search(&r).unwrap();
        let b = idx.search(&r).unwrap();
        assert_eq!(a, b);
        assert!(a.hits.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn every_hit_uri_resolves_to_its_section() {
        let skill = Skill::get();
        let idx = index();
        let mut r = req("database");
        r.limit = Some(20);
        for hit in idx.search(&r).unwrap().hits {
            let (doc, section) = skill.resolve_uri(&hit.uri).unwrap();
            assert_eq!(doc.name, hit.reference);
            assert_eq!(section.unwrap().heading_path, hit.section);
        }
    }
}
