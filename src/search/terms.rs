//! The last stage of the English analyzer: lowercase, drop stop words, stem — remembered per word.
//!
//! The references use a few thousand distinct words tens of thousands of times, and lowercasing,
//! stop-word lookup and Snowball stemming of every occurrence were most of the index build. What a
//! word becomes is a pure function of the word, so this filter keeps the result in a map shared by
//! every clone of the analyzer (the index fields, query parsing, snippets). The map stops growing at
//! [`MAX_REMEMBERED_WORDS`] so that query words cannot grow it without bound; words past that are
//! processed each time.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tantivy::tokenizer::{
    Language, RawTokenizer, StopWordFilter, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// Most words remembered (the references use about 8,000 distinct ones).
pub const MAX_REMEMBERED_WORDS: usize = 50_000;

/// What a word becomes: its stem, or nothing for a stop word.
type Memo = Arc<RwLock<HashMap<String, Option<String>>>>;

/// Lowercasing, English stop-word removal and Snowball stemming, memoized.
#[derive(Clone)]
pub struct EnglishTerms {
    memo: Memo,
    /// tantivy's English stop-word list, applied to one lowercased word at a time on a memo miss.
    stop_words: TextAnalyzer,
}

impl EnglishTerms {
    /// A filter with an empty memo.
    pub fn new() -> Self {
        let stop = StopWordFilter::new(Language::English)
            .unwrap_or_else(|| StopWordFilter::remove(Vec::new()));
        Self {
            memo: Arc::new(RwLock::new(HashMap::new())),
            stop_words: TextAnalyzer::builder(RawTokenizer::default())
                .filter(stop)
                .build(),
        }
    }
}

impl Default for EnglishTerms {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenFilter for EnglishTerms {
    type Tokenizer<T: Tokenizer> = EnglishTermsTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> EnglishTermsTokenizer<T> {
        EnglishTermsTokenizer {
            inner: tokenizer,
            terms: self,
        }
    }
}

/// The tokenizer the filter wraps around the previous stage.
#[derive(Clone)]
pub struct EnglishTermsTokenizer<T> {
    inner: T,
    terms: EnglishTerms,
}

impl<T: Tokenizer> Tokenizer for EnglishTermsTokenizer<T> {
    type TokenStream<'a> = EnglishTermsTokenStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        EnglishTermsTokenStream {
            tail: self.inner.token_stream(text),
            terms: &mut self.terms,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

/// Tokens of the previous stage, as index terms.
pub struct EnglishTermsTokenStream<'a, T> {
    tail: T,
    terms: &'a mut EnglishTerms,
    stemmer: frostem::Stemmer,
}

impl<T> EnglishTermsTokenStream<'_, T> {
    /// The term for a word not yet in the memo: `None` for a stop word.
    fn process(&mut self, word: &str) -> Option<String> {
        let lower = word.to_lowercase();
        let mut stream = self.terms.stop_words.token_stream(&lower);
        if !stream.advance() {
            return None;
        }
        Some(self.stemmer.stem(&lower).into_owned())
    }
}

impl<T: TokenStream> TokenStream for EnglishTermsTokenStream<'_, T> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            // A poisoned lock only means another thread panicked mid-insert; the map is still a
            // valid memo, so keep using it.
            let remembered = self
                .terms
                .memo
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .get(self.tail.token().text.as_str())
                .cloned();
            let term = match remembered {
                Some(term) => term,
                None => {
                    let word = self.tail.token().text.clone();
                    let term = self.process(&word);
                    let mut memo = self.terms.memo.write().unwrap_or_else(|p| p.into_inner());
                    if memo.len() < MAX_REMEMBERED_WORDS {
                        memo.insert(word, term.clone());
                    }
                    term
                }
            };
            if let Some(term) = term {
                self.tail.token_mut().text = term;
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, Stemmer};

    use super::*;

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize)> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push((stream.token().text.clone(), stream.token().position));
        }
        out
    }

    #[test]
    fn gives_the_same_terms_as_tantivys_own_filters_and_again_from_memory() {
        let text = "The Indexing of indexes: we RETRIED retries, and THIS connection pool was pooling connections";
        let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(StopWordFilter::new(Language::English).unwrap())
            .filter(Stemmer::new(Language::English))
            .build();
        let mut memo = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(EnglishTerms::new())
            .build();
        let expected = tokens(&mut plain, text);
        assert!(expected.iter().all(|(t, _)| t != "the" && t != "this"));
        assert_eq!(tokens(&mut memo, text), expected);
        assert_eq!(tokens(&mut memo, text), expected, "from the memo");
    }
}
