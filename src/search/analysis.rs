//! Text analysis for this field: how section text and questions become index terms.
//!
//! Engineers search with code identifiers and compact notations as often as with words. The
//! tokenizer therefore emits, for every run of letters and digits joined by connectors (`-`, `_`,
//! `.`, `/`, `+`, `:` and apostrophes):
//!
//! - each part, and each camelCase or PascalCase piece of a part (`livenessProbe` → `liveness`,
//!   `probe`; `HTTPServer` → `http`, `server`);
//! - the whole part when it was split (`livenessprobe`), so the identifier itself stays searchable;
//! - the whole run with its connectors removed when it had several parts (`read-your-writes` →
//!   `readyourwrites`, `N+1` → `n1`, `HTTP/2` → `http2`, `HikariConfig.setMaximumPoolSize` →
//!   `hikariconfigsetmaximumpoolsize`, `log_min_duration_statement` → `logmindurationstatement`).
//!
//! Letters and digits are never split from each other (`p99`, `4xx`, `uuidv7` stay whole). The same
//! analyzer runs on the index side and the query side, so both meet on the same terms. After this
//! tokenizer: very long tokens are dropped, text is lowercased, English stop words are removed and
//! words are stemmed (`terms::MemoizedEnglishStemmer`).

use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, StopWordFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};

use super::terms::MemoizedEnglishStemmer;

/// Name of the analyzer registered for every text field.
pub const ANALYZER: &str = "backend_en";

/// Longest term kept, in bytes.
const MAX_TERM_BYTES: usize = 40;

/// Words that say nothing about the topic of a question: tantivy's English stop words plus the
/// question and pronoun words people wrap their questions in ("how do I ...", "what is ...").
const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "but",
    "by",
    "for",
    "if",
    "in",
    "into",
    "is",
    "it",
    "no",
    "not",
    "of",
    "on",
    "or",
    "such",
    "that",
    "the",
    "their",
    "then",
    "there",
    "these",
    "they",
    "this",
    "to",
    "was",
    "will",
    "with",
    "how",
    "what",
    "why",
    "when",
    "where",
    "which",
    "who",
    "whom",
    "whose",
    "do",
    "does",
    "did",
    "doing",
    "done",
    "i",
    "im",
    "me",
    "my",
    "we",
    "our",
    "us",
    "you",
    "your",
    "he",
    "she",
    "its",
    "them",
    "can",
    "could",
    "should",
    "would",
    "shall",
    "may",
    "might",
    "must",
    "am",
    "been",
    "being",
    "were",
    "has",
    "have",
    "had",
    "having",
    "so",
    "any",
    "some",
    "about",
    "from",
    "up",
    "out",
    "than",
    "too",
    "very",
    "just",
    "also",
    "here",
    "get",
    "got",
    "want",
    "need",
    "way",
    "ways",
    "best",
    "good",
    "use",
    "using",
    "used",
    "question",
    "questions",
    "help",
    "please",
    "thanks",
    "anyone",
    "someone",
    "something",
    "thing",
    "things",
];

/// The analyzer for index and query text.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(IdentifierTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TERM_BYTES))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| w.to_string()),
        ))
        .filter(MemoizedEnglishStemmer::new())
        .build()
}

/// Characters that join parts of one identifier or notation.
fn is_connector(c: char) -> bool {
    matches!(c, '-' | '_' | '.' | '/' | '+' | ':' | '\'' | '\u{2019}')
}

/// Splits text into words, identifier pieces and joined forms (see the module docs).
#[derive(Clone, Copy, Default)]
pub struct IdentifierTokenizer;

impl Tokenizer for IdentifierTokenizer {
    type TokenStream<'a> = IdentifierTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> IdentifierTokenStream {
        IdentifierTokenStream {
            tokens: tokenize(text),
            next: 0,
        }
    }
}

/// The tokens of one text, computed up front (texts are one section or one question).
pub struct IdentifierTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for IdentifierTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self
            .next
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1))]
    }

    fn token_mut(&mut self) -> &mut Token {
        let last = self.tokens.len().saturating_sub(1);
        &mut self.tokens[self.next.saturating_sub(1).min(last)]
    }
}

/// Byte ranges of the camelCase pieces of one alphanumeric part, written to `pieces` (cleared
/// first): a piece ends before an upper-case letter that follows a lower-case one, and before the
/// last of a run of upper-case letters when a lower-case one follows it (`HTTPServer` → `HTTP`,
/// `Server`).
fn camel_pieces(part: &str, start: usize, pieces: &mut Vec<(usize, usize)>) {
    pieces.clear();
    let mut chars = part.char_indices().peekable();
    let Some((_, mut prev)) = chars.next() else {
        return;
    };
    let mut from = 0;
    while let Some((at, cur)) = chars.next() {
        let next_lower = chars.peek().is_some_and(|&(_, c)| c.is_lowercase());
        let boundary = (prev.is_lowercase() && cur.is_uppercase())
            || (prev.is_uppercase() && cur.is_uppercase() && next_lower);
        if boundary {
            pieces.push((start + from, start + at));
            from = at;
        }
        prev = cur;
    }
    pieces.push((start + from, start + part.len()));
}

fn token(text: &str, from: usize, to: usize, position: usize) -> Token {
    Token {
        offset_from: from,
        offset_to: to,
        position,
        text: text.to_string(),
        position_length: 1,
    }
}

/// Every token of `text`, in position order.
pub fn tokenize(text: &str) -> Vec<Token> {
    // About one token every five bytes of English prose and identifiers.
    let mut tokens = Vec::with_capacity(text.len() / 5 + 1);
    let mut position = 0usize;
    let mut chars = text.char_indices().peekable();
    let mut parts: Vec<(usize, usize)> = Vec::new();
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    while let Some(&(start, c)) = chars.peek() {
        if !c.is_alphanumeric() {
            chars.next();
            continue;
        }
        // One run: alphanumeric parts joined by single connectors.
        parts.clear();
        let mut part_start = start;
        let mut end = start;
        while let Some(&(i, ch)) = chars.peek() {
            if ch.is_alphanumeric() {
                end = i + ch.len_utf8();
                chars.next();
            } else if is_connector(ch) {
                // A connector joins only when an alphanumeric follows it directly (`::` counts as
                // one connector).
                let mut ahead = chars.clone();
                ahead.next();
                let mut width = 1;
                if ch == ':' && ahead.peek().is_some_and(|&(_, c)| c == ':') {
                    ahead.next();
                    width = 2;
                }
                match ahead.peek() {
                    Some(&(j, next)) if next.is_alphanumeric() => {
                        parts.push((part_start, end));
                        part_start = j;
                        for _ in 0..width {
                            chars.next();
                        }
                    }
                    _ => break,
                }
            } else {
                break;
            }
        }
        parts.push((part_start, end));
        let run_from = parts[0].0;
        let run_to = parts[parts.len() - 1].1;
        if parts.len() > 1 {
            let joined: String = parts.iter().map(|&(a, b)| &text[a..b]).collect();
            tokens.push(token(&joined, run_from, run_to, position));
        }
        for &(a, b) in &parts {
            // A plural of a number ("400s", "5xxs" are rare) also means the number.
            let part = &text[a..b];
            if part.len() > 1
                && part.ends_with(['s', 'S'])
                && part[..part.len() - 1].bytes().all(|c| c.is_ascii_digit())
            {
                tokens.push(token(&part[..part.len() - 1], a, b - 1, position));
            }
            camel_pieces(&text[a..b], a, &mut pieces);
            if pieces.len() > 1 {
                tokens.push(token(&text[a..b], a, b, position));
            }
            for &(pa, pb) in &pieces {
                tokens.push(token(&text[pa..pb], pa, pb, position));
                position += 1;
            }
        }
    }
    tokens
}

/// The analyzed terms of a text, in order, duplicates kept.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        // Taken, not cloned: the next `advance` writes the next token over this one.
        out.push(std::mem::take(&mut stream.token_mut().text));
    }
    out
}

/// The words of a question as the query builder sees them: a Chinese or mixed question first becomes
/// English words (`crate::zh`), then everything runs through the same analyzer as the index.
///
/// This is the one entry point from query text to terms.
pub fn query_terms(analyzer: &mut TextAnalyzer, question: &str) -> Vec<String> {
    let english = crate::zh::search_text(question);
    let all = terms(analyzer, &english);
    let mut seen = super::FastSet::with_capacity_and_hasher(all.len(), Default::default());
    let first: Vec<bool> = all.iter().map(|t| seen.insert(t.as_str())).collect();
    drop(seen);
    all.into_iter()
        .zip(first)
        .filter_map(|(term, first)| first.then_some(term))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.text).collect()
    }

    fn analyzed(text: &str) -> Vec<String> {
        terms(&mut analyzer(), text)
    }

    #[test]
    fn identifiers_split_and_stay_whole() {
        assert_eq!(raw("livenessProbe"), ["livenessProbe", "liveness", "Probe"]);
        assert_eq!(
            raw("IdempotencyKey"),
            ["IdempotencyKey", "Idempotency", "Key"]
        );
        assert_eq!(raw("HTTPServer"), ["HTTPServer", "HTTP", "Server"]);
        assert_eq!(
            raw("log_min_duration_statement"),
            [
                "logmindurationstatement",
                "log",
                "min",
                "duration",
                "statement"
            ]
        );
        assert_eq!(
            raw("HikariConfig.setMaximumPoolSize"),
            [
                "HikariConfigsetMaximumPoolSize",
                "HikariConfig",
                "Hikari",
                "Config",
                "setMaximumPoolSize",
                "set",
                "Maximum",
                "Pool",
                "Size"
            ]
        );
        assert_eq!(raw("std::io::Error"), ["stdioError", "std", "io", "Error"]);
    }

    #[test]
    fn notations_keep_a_joined_form() {
        assert_eq!(
            raw("read-your-writes"),
            ["readyourwrites", "read", "your", "writes"]
        );
        assert_eq!(raw("N+1"), ["N1", "N", "1"]);
        assert_eq!(raw("HTTP/2"), ["HTTP2", "HTTP", "2"]);
        assert_eq!(raw("p99 4xx uuidv7"), ["p99", "4xx", "uuidv7"]);
        assert_eq!(raw("99.9%"), ["999", "99", "9"]);
    }

    #[test]
    fn sentence_punctuation_does_not_join() {
        assert_eq!(raw("pool. Then -x, (y)"), ["pool", "Then", "x", "y"]);
        assert_eq!(raw("end."), ["end"]);
        assert_eq!(raw(""), Vec::<String>::new());
        assert_eq!(raw("--- // ::"), Vec::<String>::new());
    }

    #[test]
    fn offsets_point_at_the_source_text() {
        let text = "use livenessProbe now";
        for t in tokenize(text) {
            assert!(
                text[t.offset_from..t.offset_to].eq_ignore_ascii_case(&t.text)
                    || t.text.len() < t.offset_to - t.offset_from,
                "{t:?}"
            );
        }
    }

    #[test]
    fn index_and_query_sides_meet() {
        // The question's identifier and the reference's prose share terms.
        let q = analyzed("livenessProbe restarts");
        for t in analyzed("liveness probe") {
            assert!(q.contains(&t), "{t} missing from {q:?}");
        }
        let q = analyzed("N+1 queries");
        assert!(
            analyzed("Fixing N+1 queries")
                .iter()
                .any(|t| q.contains(t) && t == "n1")
        );
        // Stop words alone leave nothing.
        assert!(analyzed("the of to in a").is_empty());
    }

    #[test]
    fn non_ascii_text_is_safe() {
        for text in ["naïve café", "索引 index", "émoji 🎉 test", "ǅungla", "ÀÉÎ"] {
            let _ = analyzed(text);
            for t in tokenize(text) {
                assert!(text.is_char_boundary(t.offset_from) && text.is_char_boundary(t.offset_to));
            }
        }
    }
}
