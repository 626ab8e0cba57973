//! Snippets: a short extract of a section body around the matched words, matches in **bold**.
//!
//! The body of every section is analyzed once, when the index is built ([`SnippetSource`]): its
//! tokens' byte ranges and terms are kept, so a search does not run the analyzer over the bodies it
//! returns. Choosing the extract follows tantivy's `SnippetGenerator` step for step (windows of at
//! most [`SNIPPET_CHARS`] bytes cut as the tokens come, each window scored by the summed weight of
//! the query terms in it, weight `1 / (1 + document frequency)`, the best window kept, earlier first
//! on a tie), so the text is the one tantivy's generator gave for the same query.

use std::collections::HashMap;
use std::ops::Range;

use tantivy::tokenizer::TextAnalyzer;

/// Characters in a snippet.
pub const SNIPPET_CHARS: usize = 240;

/// The terms seen in section bodies, numbered (lowercased as the snippet matching compares them).
#[derive(Default)]
pub struct Vocabulary {
    ids: HashMap<String, u32>,
}

impl Vocabulary {
    fn id(&mut self, term: String) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(term).or_insert(next)
    }

    /// The number of a term, if some body has it.
    pub fn get(&self, term: &str) -> Option<u32> {
        self.ids.get(term).copied()
    }
}

/// One analyzed token of a body: byte range and term number.
#[derive(Clone, Copy)]
struct Spot {
    from: u32,
    to: u32,
    term: u32,
}

/// What a section body's snippets are made from, computed once per section.
pub struct SnippetSource {
    spots: Vec<Spot>,
    /// The body's opening words, for a body with no matched word.
    opening: String,
}

impl SnippetSource {
    /// Analyze `body` with the index's analyzer.
    pub fn new(analyzer: &mut TextAnalyzer, vocabulary: &mut Vocabulary, body: &str) -> Self {
        let mut spots = Vec::new();
        let mut stream = analyzer.token_stream(body);
        while let Some(token) = stream.next() {
            spots.push(Spot {
                from: token.offset_from as u32,
                to: token.offset_to as u32,
                term: vocabulary.id(token.text.to_lowercase()),
            });
        }
        let plain: String = body
            .lines()
            .flat_map(|l| l.split_whitespace())
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            spots,
            opening: plain.chars().take(SNIPPET_CHARS).collect(),
        }
    }
}

/// The query terms that can light up a snippet, by term number, with their weights.
pub struct Weights(Vec<(u32, f32)>);

impl Weights {
    /// `terms` as (text, document frequency in bodies); terms no body has are left out.
    pub fn new<'a>(
        vocabulary: &Vocabulary,
        terms: impl IntoIterator<Item = (&'a str, u64)>,
    ) -> Self {
        let mut weights: Vec<(u32, f32)> = terms
            .into_iter()
            .filter(|&(_, doc_freq)| doc_freq > 0)
            .filter_map(|(text, doc_freq)| {
                vocabulary
                    .get(text)
                    .map(|id| (id, 1.0 / (1.0 + doc_freq as f32)))
            })
            .collect();
        // Sorted by term, one entry a term (the first, as a query names a term once per weight):
        // n log n in the query's terms, and a lookup per body token is a binary search.
        weights.sort_by_key(|&(id, _)| id);
        weights.dedup_by_key(|&mut (id, _)| id);
        Self(weights)
    }

    fn of(&self, term: u32) -> Option<f32> {
        self.0
            .binary_search_by_key(&term, |&(id, _)| id)
            .ok()
            .map(|at| self.0[at].1)
    }
}

struct Window {
    score: f32,
    start: usize,
    stop: usize,
    highlighted: Vec<Range<usize>>,
}

impl Window {
    fn at(start: usize) -> Self {
        Self {
            score: 0.0,
            start,
            stop: start,
            highlighted: Vec::new(),
        }
    }

    /// Whether `self` ranks above `other`: a higher score, else the earlier window.
    fn beats(&self, other: &Window) -> bool {
        match self
            .score
            .partial_cmp(&other.score)
            .unwrap_or(std::cmp::Ordering::Equal)
        {
            std::cmp::Ordering::Equal => (other.start, other.stop) > (self.start, self.stop),
            order => order == std::cmp::Ordering::Greater,
        }
    }
}

/// The best window of `source` (the analysis of `body`) for `weights`, as (fragment, highlighted
/// ranges within it); `None` when no query term is in the body. Windows are scored in one pass and
/// only the best so far is kept (of equal ones the last, as `Iterator::max_by` keeps it).
pub(super) fn best_window<'b>(
    source: &SnippetSource,
    body: &'b str,
    weights: &Weights,
) -> Option<(&'b str, Vec<Range<usize>>)> {
    let mut best: Option<Window> = None;
    let mut window = Window::at(0);
    let close = |full: Window, best: &mut Option<Window>| {
        if full.score > 0.0 && best.as_ref().is_none_or(|b| !b.beats(&full)) {
            *best = Some(full);
        }
    };
    for spot in &source.spots {
        let (from, to) = (spot.from as usize, spot.to as usize);
        // Wrapping as tantivy's release build computes it.
        if to.wrapping_sub(window.start) > SNIPPET_CHARS {
            let full = std::mem::replace(&mut window, Window::at(from));
            close(full, &mut best);
        }
        window.stop = to;
        if let Some(weight) = weights.of(spot.term) {
            window.score += weight;
            window.highlighted.push(from..to);
        }
    }
    close(window, &mut best);
    let best = best?;
    let fragment = body.get(best.start..best.stop)?;
    let highlighted = best
        .highlighted
        .iter()
        .map(|r| r.start - best.start..r.end - best.start)
        .collect();
    Some((fragment, highlighted))
}

/// Text written with every run of whitespace made one space and none at either end: what
/// `split_whitespace` then `join(" ")` gives for the whole, without the vector of pieces.
struct Squeezed {
    out: String,
    /// Whitespace was seen since the last character written.
    gap: bool,
}

impl Squeezed {
    fn push(&mut self, text: &str) {
        let mut pieces = text.split(char::is_whitespace);
        if let Some(first) = pieces.next() {
            self.word(first);
        }
        // Every later piece followed whitespace (an empty one: whitespace right after whitespace).
        for piece in pieces {
            self.gap = true;
            self.word(piece);
        }
    }

    fn word(&mut self, piece: &str) {
        if piece.is_empty() {
            return;
        }
        if self.gap && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.gap = false;
        self.out.push_str(piece);
    }
}

/// A snippet with the matched words in markdown bold; the section's opening words when nothing in
/// the body matched (e.g. the match was in the heading).
pub fn render(source: &SnippetSource, body: &str, weights: &Weights) -> String {
    let Some((fragment, highlighted)) =
        best_window(source, body, weights).filter(|(f, _)| !f.is_empty())
    else {
        return source.opening.clone();
    };
    let mut out = Squeezed {
        out: String::with_capacity(fragment.len() + 16),
        gap: false,
    };
    let mut last = 0;
    for range in highlighted {
        if range.start < last || range.end > fragment.len() {
            continue;
        }
        out.push(&fragment[last..range.start]);
        out.push("**");
        out.push(&fragment[range.start..range.end]);
        out.push("**");
        last = range.end;
    }
    out.push(&fragment[last..]);
    out.out
}

#[cfg(test)]
mod tests {
    use super::Squeezed;

    /// Text written in pieces, cut anywhere, comes out as `split_whitespace` and `join(" ")` make
    /// of the whole: runs of any whitespace (tabs, newlines, no-break spaces) one space, none at
    /// either end.
    #[test]
    fn squeezing_in_pieces_equals_squeezing_the_whole() {
        let texts = [
            "",
            " ",
            "word",
            "  two   words  ",
            "line\none\n\n\tand\u{a0}more\r\n",
            "**bold** ,  after",
            "  中文 内容\u{3000}全角空格 ",
        ];
        for text in texts {
            let whole = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let cuts: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            for &a in &cuts {
                for &b in cuts.iter().filter(|&&b| b >= a) {
                    let mut out = Squeezed {
                        out: String::new(),
                        gap: false,
                    };
                    out.push(&text[..a]);
                    out.push(&text[a..b]);
                    out.push(&text[b..]);
                    assert_eq!(out.out, whole, "{text:?} cut at {a} and {b}");
                }
            }
        }
    }
}
