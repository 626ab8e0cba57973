//! Section-level search over the reference documents: a tantivy index built in RAM at start-up, one
//! tantivy document per H2/H3 section.

pub mod terms;

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::directory::RamDirectory;
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter, TextAnalyzer,
    TokenizerManager,
};
use tantivy::{Index, IndexReader, TantivyDocument, Term, doc};

use crate::content::{Section, Skill, estimate_tokens};

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
/// Boost of a match in a section's heading path over one in its body.
const HEADING_BOOST: f32 = 1.3;
/// Boost of a match in the document title.
const TITLE_BOOST: f32 = 0.3;
/// Boost of a match in the section's first paragraph (where the rule is stated).
const LEAD_BOOST: f32 = 1.0;
/// Memory budget of the one-shot index writer (the references are well under 1 MB of text).
const WRITER_MEMORY_BYTES: usize = 1_000_000;
/// Characters in a snippet.
const SNIPPET_CHARS: usize = 240;

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
    /// What you need, in plain words (e.g. "how to add a NOT NULL column without downtime"). At most
    /// 1,000 characters. Any text is accepted: operators and punctuation are read leniently.
    pub query: String,
    /// How many sections to return, 1 to 20 (default 5).
    #[serde(default)]
    pub limit: Option<i64>,
    /// Only search this reference (file name such as `security.md`, or its stem `security`).
    #[serde(default)]
    pub reference: Option<String>,
    /// Budget for the full section texts returned, in estimated tokens (bytes / 4), 1 to 50,000
    /// (default 4,000). Hits past the budget carry only their snippet.
    #[serde(default)]
    pub max_tokens: Option<i64>,
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
    /// BM25 relevance score (higher is better; comparable within one call only).
    pub score: f32,
    /// A short extract around the matched words, with matches in **bold**.
    pub snippet: String,
    /// The section's full markdown, while within the token budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Estimated tokens of the section's full text.
    pub tokens: usize,
}

/// The result of a search.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct SearchResponse {
    /// Matching sections, best first.
    pub hits: Vec<SearchHit>,
    /// True when at least one hit's text was left out to stay within `max_tokens`.
    pub truncated: bool,
    /// Estimated tokens of the texts returned.
    pub tokens_returned: usize,
}

impl SearchResponse {
    /// The hits for people: heading path, score, URI and snippet of each, and the section texts that
    /// came back when `with_text`.
    pub fn render(&self, with_text: bool) -> String {
        if self.hits.is_empty() {
            return "No section matched. Try other words (e.g. the pattern's name), or drop the reference filter.\n"
                .to_string();
        }
        let mut text = String::new();
        for (i, hit) in self.hits.iter().enumerate() {
            text.push_str(&format!(
                "{}. {} (score {:.2})\n   {}\n   {}\n",
                i + 1,
                hit.section,
                hit.score,
                hit.uri,
                hit.snippet
            ));
            match hit.text.as_deref().filter(|_| with_text) {
                Some(body) => {
                    text.push('\n');
                    text.push_str(body.trim_end());
                    text.push_str("\n\n");
                }
                None => text.push('\n'),
            }
        }
        if with_text && self.truncated {
            text.push_str(
                "(Some section texts were left out to stay within max_tokens: read them with read_reference.)\n",
            );
        }
        text
    }
}

struct Fields {
    reference: Field,
    heading: Field,
    title: Field,
    body: Field,
    lead: Field,
    ordinal: Field,
}

/// A searchable entry: one section of one reference.
struct Entry {
    reference: &'static str,
    uri: String,
    section: &'static Section,
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
    reader: IndexReader,
    parser: QueryParser,
    fields: Fields,
    entries: Vec<Entry>,
    skill: &'static Skill,
}

impl SearchIndex {
    /// Build the index from the embedded skill.
    pub fn build(skill: &'static Skill) -> Result<Self, SearchError> {
        let mut builder = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
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
        let analyzer = analyzer();
        // One segment, written on this thread: no writer threads to start, no merges to wait for.
        let mut writer = Index::builder()
            .schema(builder.build())
            .tokenizers(tokenizers(&analyzer))
            .single_segment_index_writer(RamDirectory::create(), WRITER_MEMORY_BYTES)?;
        let mut entries = Vec::new();
        for document in &skill.references {
            for section in document.sections.iter().filter(|s| s.level >= 2) {
                let ordinal = entries.len() as u64;
                writer.add_document(doc!(
                    fields.reference => document.name.as_str(),
                    fields.heading => section.heading_path.as_str(),
                    fields.title => document.title.as_str(),
                    fields.body => section.text,
                    fields.lead => lead_paragraph(section.text),
                    fields.ordinal => ordinal,
                ))?;
                entries.push(Entry {
                    reference: document.name.as_str(),
                    uri: format!("{}#{}", document.uri, section.anchor),
                    section,
                });
            }
        }
        let index = writer.finalize()?;
        // The finalized index keeps the analyzer for query parsing and snippets; one memo of stems
        // serves all of them.
        index.tokenizers().register(TOKENIZER, analyzer);
        let reader = index.reader()?;
        let mut parser = QueryParser::for_index(
            &index,
            vec![fields.heading, fields.title, fields.body, fields.lead],
        );
        parser.set_field_boost(fields.lead, LEAD_BOOST);
        parser.set_field_boost(fields.heading, HEADING_BOOST);
        parser.set_field_boost(fields.title, TITLE_BOOST);
        Ok(Self {
            reader,
            parser,
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
                name: name.to_string(),
                known: self.skill.reference_names().join(", "),
            })
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
        let reference = request
            .reference
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .map(|r| self.resolve_reference(r))
            .transpose()?;

        // Agent text is words, not query syntax: "NOT NULL" must not exclude "null", and "title:" must
        // not name a field. Keep letters and digits only, lowercased, so the parser sees plain terms.
        // A Chinese or mixed question becomes the English words the references use (crate::zh).
        let words: String = crate::zh::search_text(query_text)
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .flat_map(char::to_lowercase)
            .collect();
        let (parsed, _errors) = self.parser.parse_query_lenient(&words);
        let query: Box<dyn Query> = match reference {
            None => parsed,
            Some(name) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, parsed),
                (
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(self.fields.reference, name),
                        IndexRecordOption::Basic,
                    )),
                ),
            ])),
        };
        let searcher = self.reader.searcher();
        // Collect a few extra so ties at the cut are ordered by document position, not by chance.
        let top = searcher.search(&query, &TopDocs::with_limit(limit + 8).order_by_score())?;
        let mut scored: Vec<(f32, usize)> = Vec::with_capacity(top.len());
        for (score, address) in top {
            let stored: TantivyDocument = searcher.doc(address)?;
            if let Some(ordinal) = stored
                .get_first(self.fields.ordinal)
                .and_then(|v| v.as_u64())
            {
                scored.push((score, ordinal as usize));
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(limit);

        let mut snippets = SnippetGenerator::create(&searcher, &*query, self.fields.body)?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
        let mut hits = Vec::with_capacity(scored.len());
        let mut budget_left = max_tokens;
        let mut truncated = false;
        let mut seen = HashSet::new();
        for (score, ordinal) in scored {
            let Some(entry) = self.entries.get(ordinal) else {
                continue;
            };
            if !seen.insert(ordinal) {
                continue;
            }
            let body = entry.section.text;
            let tokens = estimate_tokens(body);
            let text = if tokens <= budget_left {
                budget_left -= tokens;
                Some(body.to_string())
            } else {
                truncated = true;
                None
            };
            hits.push(SearchHit {
                reference: entry.reference.to_string(),
                section: entry.section.heading_path.clone(),
                uri: entry.uri.clone(),
                score,
                snippet: render_snippet(&snippets, body),
                text,
                tokens,
            });
        }
        Ok(SearchResponse {
            hits,
            truncated,
            tokens_returned: max_tokens - budget_left,
        })
    }
}

/// The first paragraph after the heading line.
fn lead_paragraph(section: &str) -> &str {
    let after_heading = section
        .split_once('\n')
        .map_or("", |(_, rest)| rest)
        .trim_start();
    after_heading.split("\n\n").next().unwrap_or_default()
}

/// Name of the analyzer for every text field.
const TOKENIZER: &str = "en_stem_stop";

/// English: split on non-alphanumerics, drop very long tokens, lowercase, drop stop words, stem.
fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(
            StopWordFilter::new(Language::English)
                .unwrap_or_else(|| StopWordFilter::remove(Vec::new())),
        )
        .filter(terms::MemoizedEnglishStemmer::new())
        .build()
}

fn tokenizers(analyzer: &TextAnalyzer) -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(TOKENIZER, analyzer.clone());
    manager
}

/// A snippet with the matched words in markdown bold; the section's opening words when nothing in
/// the body matched (e.g. the match was in the heading).
fn render_snippet(generator: &SnippetGenerator, body: &str) -> String {
    let snippet = generator.snippet(body);
    let fragment = snippet.fragment();
    if fragment.is_empty() {
        let plain: String = body
            .lines()
            .skip(1)
            .flat_map(|l| l.split_whitespace())
            .collect::<Vec<_>>()
            .join(" ");
        return plain.chars().take(SNIPPET_CHARS).collect();
    }
    let mut out = String::with_capacity(fragment.len() + 16);
    let mut last = 0;
    for range in snippet.highlighted() {
        if range.start < last || range.end > fragment.len() {
            continue;
        }
        out.push_str(&fragment[last..range.start]);
        out.push_str("**");
        out.push_str(&fragment[range.start..range.end]);
        out.push_str("**");
        last = range.end;
    }
    out.push_str(&fragment[last..]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
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
                .all(|h| h.text.is_none() && !h.snippet.is_empty())
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
