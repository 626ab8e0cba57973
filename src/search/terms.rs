//! The analyzer's last stage: English Snowball stemming, remembered per word.
//!
//! The references use a few thousand distinct words tens of thousands of times, and stemming every
//! occurrence was the largest single cost of the index build. A stem is a pure function of the word,
//! so this filter keeps stems in a map shared by every clone of the analyzer (the index fields, query
//! parsing, snippets). The map stops growing at [`MAX_REMEMBERED_WORDS`] so that query words cannot
//! grow it without bound; words past that are stemmed each time.

use super::FastMap;
use std::sync::{Arc, RwLock};

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Most words remembered (the references use about 8,000 distinct ones).
pub const MAX_REMEMBERED_WORDS: usize = 50_000;

type Memo = Arc<RwLock<FastMap<String, String>>>;

/// English Snowball stemming with a shared memo of stems.
#[derive(Clone, Default)]
pub struct MemoizedEnglishStemmer {
    memo: Memo,
}

impl MemoizedEnglishStemmer {
    /// A filter with an empty memo.
    pub fn new() -> Self {
        Self::default()
    }
}

impl TokenFilter for MemoizedEnglishStemmer {
    type Tokenizer<T: Tokenizer> = MemoizedStemmerTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MemoizedStemmerTokenizer<T> {
        MemoizedStemmerTokenizer {
            inner: tokenizer,
            memo: self.memo,
        }
    }
}

/// The tokenizer the filter wraps around the previous stage.
#[derive(Clone)]
pub struct MemoizedStemmerTokenizer<T> {
    inner: T,
    memo: Memo,
}

impl<T: Tokenizer> Tokenizer for MemoizedStemmerTokenizer<T> {
    type TokenStream<'a> = MemoizedStemmerTokenStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MemoizedStemmerTokenStream {
            tail: self.inner.token_stream(text),
            memo: &self.memo,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

/// Tokens of the previous stage, stemmed.
pub struct MemoizedStemmerTokenStream<'a, T> {
    tail: T,
    memo: &'a Memo,
    stemmer: frostem::Stemmer,
}

impl<T: TokenStream> TokenStream for MemoizedStemmerTokenStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        // A poisoned lock only means another thread panicked mid-insert; the map is still a valid
        // memo, so keep using it.
        {
            let memo = self
                .memo
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(stem) = memo.get(token.text.as_str()) {
                // Written over the word in place: no allocation when the stem fits (a stem is
                // rarely longer than its word).
                token.text.clear();
                token.text.push_str(stem);
                return true;
            }
        }
        let stem = self.stemmer.stem(&token.text).into_owned();
        let mut memo = self.memo.write().unwrap_or_else(|p| p.into_inner());
        if memo.len() < MAX_REMEMBERED_WORDS {
            memo.insert(token.text.clone(), stem.clone());
        }
        drop(memo);
        token.text = stem;
        true
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
    use tantivy::tokenizer::{
        Language, LowerCaser, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    };

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
    fn gives_the_same_terms_as_tantivys_stemmer_and_again_from_memory() {
        let text = "The Indexing of indexes: we RETRIED retries, and THIS connection pool was pooling connections";
        let build = |memoized: bool| {
            let builder = TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(LowerCaser)
                .filter(StopWordFilter::new(Language::English).unwrap());
            if memoized {
                builder.filter(MemoizedEnglishStemmer::new()).build()
            } else {
                builder.filter(Stemmer::new(Language::English)).build()
            }
        };
        let expected = tokens(&mut build(false), text);
        assert!(expected.iter().all(|(t, _)| t != "the" && t != "this"));
        let mut memo = build(true);
        assert_eq!(tokens(&mut memo, text), expected);
        assert_eq!(tokens(&mut memo, text), expected, "from the memo");
    }
}
