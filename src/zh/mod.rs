//! Chinese questions, English references: a reviewed bilingual glossary (`glossary.tsv`) and a
//! longest-match segmenter over it that turns a Chinese or mixed query into the English words the
//! references use. English words in the query pass through untouched, so they keep their weight.
//!
//! Why a glossary and not a general segmenter: the references are English, so a Chinese word helps
//! only if we know its English counterpart. Segmenting with the glossary itself finds exactly those
//! words (the longest entry wins: 联合索引 before 索引), costs no dictionary in the binary beyond the
//! glossary (about 15 KB), and needs no model. Chinese text the glossary does not know (如何, 怎么,
//! 的, 了) is dropped, which is what a stop-word list would do to it anyway.

pub mod questions;

use std::collections::HashMap;
use std::sync::OnceLock;

const GLOSSARY: &str = include_str!("glossary.tsv");

/// A glossary entry: a Chinese term and the English words it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The Chinese term as written in the glossary (lowercase where it holds Latin letters).
    pub zh: &'static str,
    /// The English words.
    pub en: &'static str,
}

/// The glossary, parsed once.
#[derive(Debug)]
pub struct Glossary {
    entries: Vec<Entry>,
    by_term: HashMap<&'static str, &'static str>,
    /// Longest term, in chars: the segmenter tries at most this many chars at each position.
    longest: usize,
}

/// A line of `glossary.tsv` that is not `term<TAB>english`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("glossary.tsv line {line}: {problem}")]
pub struct GlossaryError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

impl Glossary {
    /// Parse glossary text: `#` comments and blank lines are skipped; every other line is
    /// `chinese<TAB>english words`, each term once.
    pub fn parse(text: &'static str) -> Result<Self, GlossaryError> {
        let mut entries = Vec::new();
        let mut by_term = HashMap::new();
        let mut longest = 0;
        for (n, line) in text.lines().enumerate() {
            let line_no = n + 1;
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |problem: &str| GlossaryError {
                line: line_no,
                problem: problem.to_string(),
            };
            let (zh, en) = line
                .split_once('\t')
                .ok_or_else(|| err("expected a Chinese term, a tab, then English words"))?;
            let (zh, en) = (zh.trim(), en.trim());
            if zh.is_empty() || en.is_empty() {
                return Err(err("empty term or empty English side"));
            }
            if !zh.chars().any(is_cjk) {
                return Err(err("the term has no Chinese character"));
            }
            if zh.chars().any(|c| c.is_ascii_uppercase()) {
                return Err(err("write Latin letters of a term in lowercase"));
            }
            if by_term.insert(zh, en).is_some() {
                return Err(err(&format!("{zh} is listed twice")));
            }
            longest = longest.max(zh.chars().count());
            entries.push(Entry { zh, en });
        }
        Ok(Self {
            entries,
            by_term,
            longest,
        })
    }

    /// The embedded glossary.
    pub fn get() -> &'static Glossary {
        static GLOSSARY_PARSED: OnceLock<Glossary> = OnceLock::new();
        GLOSSARY_PARSED.get_or_init(|| match Glossary::parse(GLOSSARY) {
            Ok(glossary) => glossary,
            // Compiled-in data, checked by the unit tests below: a failure is a build defect.
            Err(e) => panic!("embedded glossary is malformed: {e}"),
        })
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The English words for a Chinese term, exactly as listed.
    pub fn english(&self, zh: &str) -> Option<&'static str> {
        self.by_term.get(zh).copied()
    }

    /// Turn a query into English words: glossary terms (longest match first) become their English
    /// words, other Chinese characters are dropped, and everything else (English words, numbers,
    /// identifiers, punctuation) is kept as written. Cost: at most `longest` hash look-ups per char.
    pub fn translate(&self, query: &str) -> Translation {
        let lower: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
        let mut out = String::with_capacity(query.len());
        let mut matched = Vec::new();
        let mut dropped = String::new();
        let mut buf = String::new();
        let mut lookups = 0;
        let mut i = 0;
        while i < lower.len() {
            let c = lower[i];
            // A term may start with Latin letters (sql注入); it must then start a word.
            let may_start = is_cjk(c) || i == 0 || !lower[i - 1].is_alphanumeric();
            let mut hit = None;
            if may_start {
                let max = self.longest.min(lower.len() - i);
                for len in (1..=max).rev() {
                    lookups += 1;
                    buf.clear();
                    buf.extend(&lower[i..i + len]);
                    if let Some((zh, en)) = self.by_term.get_key_value(buf.as_str()) {
                        hit = Some((len, Entry { zh, en }));
                        break;
                    }
                }
            }
            match hit {
                Some((len, entry)) => {
                    out.push(' ');
                    out.push_str(entry.en);
                    out.push(' ');
                    matched.push(entry);
                    i += len;
                }
                None if is_cjk(c) => {
                    dropped.push(c);
                    out.push(' ');
                    i += 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        Translation {
            english: out.split_whitespace().collect::<Vec<_>>().join(" "),
            matched,
            dropped,
            lookups,
        }
    }
}

/// What [`Glossary::translate`] made of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    /// The query in English words.
    pub english: String,
    /// The glossary entries found, in query order.
    pub matched: Vec<Entry>,
    /// Chinese characters no entry covered, in order.
    pub dropped: String,
    /// Glossary look-ups made: at most the longest term's length per char of the query.
    pub lookups: usize,
}

/// Whether a char is a CJK ideograph (the unified blocks and their extensions A–F, compatibility
/// ideographs) or CJK punctuation and full-width forms, which are dropped with the text around them.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'   // CJK symbols and punctuation
        | '\u{3400}'..='\u{4DBF}' // extension A
        | '\u{4E00}'..='\u{9FFF}' // unified ideographs
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{FF00}'..='\u{FFEF}' // full-width forms
        | '\u{20000}'..='\u{2EBEF}' // extensions B–F
    )
}

/// Whether a text holds any Chinese character.
pub fn has_cjk(text: &str) -> bool {
    text.chars().any(is_cjk)
}

/// The query a search should run: `query` itself when it has no Chinese, else its English
/// translation through the glossary.
pub fn search_text(query: &str) -> std::borrow::Cow<'_, str> {
    if has_cjk(query) {
        std::borrow::Cow::Owned(Glossary::get().translate(query).english)
    } else {
        std::borrow::Cow::Borrowed(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_glossary_parses_and_has_at_least_300_terms() {
        let g = Glossary::parse(GLOSSARY).unwrap();
        assert!(g.entries().len() >= 300, "{} entries", g.entries().len());
    }

    #[test]
    fn the_issue_terms_map_to_the_references_words() {
        let g = Glossary::get();
        for (zh, en) in [
            ("索引", "index"),
            ("联合索引", "composite index"),
            ("分片", "sharding"),
            ("幂等", "idempotency"),
            ("熔断", "circuit breaker"),
            ("限流", "rate limiting"),
            ("慢查询", "slow query"),
            ("连接池", "connection pool"),
            ("读写分离", "read replica"),
            ("最终一致性", "eventual consistency"),
            ("补偿", "compensation"),
        ] {
            let got = g.english(zh).unwrap_or_default();
            assert!(
                got.contains(en),
                "{zh} → {got:?}, expected it to contain {en:?}"
            );
        }
    }

    #[test]
    fn longest_term_wins_and_unknown_chinese_is_dropped() {
        let t = Glossary::get().translate("如何设计联合索引");
        assert_eq!(
            t.matched.iter().map(|e| e.zh).collect::<Vec<_>>(),
            ["联合索引"]
        );
        assert_eq!(t.english, "composite index");
        assert!(t.dropped.contains("如何"));
    }

    #[test]
    fn english_words_in_a_mixed_query_are_kept() {
        let t = Glossary::get().translate("如何给 orders 表加索引");
        assert!(t.english.starts_with("orders "), "{}", t.english);
        assert!(
            t.english.contains("table") && t.english.contains("add index"),
            "{}",
            t.english
        );
        let t = Glossary::get().translate("p99 延迟突然变高");
        assert!(t.english.starts_with("p99 latency"), "{}", t.english);
    }

    #[test]
    fn latin_led_terms_match_only_at_a_word_start() {
        let g = Glossary::get();
        assert!(g.translate("防止sql注入").english.contains("injection"));
        // "nosql注入" must not be read as "sql注入" starting inside a word.
        let t = g.translate("nosql注入");
        assert!(t.english.starts_with("nosql"), "{}", t.english);
        assert!(t.english.contains("injection"), "{}", t.english);
    }

    #[test]
    fn plain_english_is_untouched() {
        assert_eq!(search_text("NOT NULL column"), "NOT NULL column");
    }

    #[test]
    fn malformed_lines_are_errors_with_their_line() {
        let e = Glossary::parse("# c\n索引 index\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = Glossary::parse("索引\tindex\n索引\tindex again\n").unwrap_err();
        assert!(e.problem.contains("twice"), "{e}");
        assert!(Glossary::parse("index\tindex\n").is_err());
        assert!(Glossary::parse("SQL注入\tx\n").is_err());
    }

    #[test]
    fn work_is_bounded_by_the_longest_term_per_char() {
        // A long query of unknown Chinese costs at most `longest` look-ups per char.
        let g = Glossary::get();
        let q: String = std::iter::repeat_n('鬼', 1000).collect();
        let t = g.translate(&q);
        assert!(t.english.is_empty());
        assert_eq!(t.dropped.chars().count(), 1000);
        assert!(t.lookups <= 1000 * g.longest, "{} look-ups", t.lookups);
        let doubled: String = q.repeat(2);
        assert!(g.translate(&doubled).lookups <= 2 * t.lookups + g.longest * g.longest);
    }
}
