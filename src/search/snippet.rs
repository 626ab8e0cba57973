//! Snippets: a short extract of a section body around the matched words, matches in **bold**.
//!
//! The body of every section is analyzed once, when the index is built ([`SnippetSource`]): its
//! tokens' byte ranges and terms are kept, so a search does not run the analyzer over the bodies it
//! returns. Choosing the extract follows tantivy's `SnippetGenerator` step for step (windows of at
//! most [`SNIPPET_CHARS`] bytes cut as the tokens come, each window scored by the summed weight of
//! the query terms in it, weight `1 / (1 + document frequency)`, the best window kept, earlier first
//! on a tie), so the text is the one tantivy's generator gave for the same query.

use super::FastMap;
use std::ops::Range;

use tantivy::tokenizer::TextAnalyzer;

/// Characters in a snippet.
pub const SNIPPET_CHARS: usize = 240;

/// The terms seen in section bodies, numbered (lowercased as the snippet matching compares them).
#[derive(Default)]
pub struct Vocabulary {
    ids: FastMap<String, u32>,
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
///
/// Where the windows fall depends on the body's tokens alone, not on the query, so the windows are
/// cut here once; a search then visits only the tokens of its own terms (`by_term`), not the body.
pub struct SnippetSource {
    spots: Vec<Spot>,
    /// The window each spot falls in, by spot.
    window_of: Vec<u32>,
    /// Each window's byte range, in body order.
    windows: Vec<(u32, u32)>,
    /// (term, spot) for every spot, sorted: the spots of one term are one run.
    by_term: Vec<(u32, u32)>,
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
        let (window_of, windows) = cut_windows(&spots);
        let mut by_term: Vec<(u32, u32)> = spots
            .iter()
            .enumerate()
            .map(|(n, spot)| (spot.term, n as u32))
            .collect();
        by_term.sort_unstable();
        Self {
            spots,
            window_of,
            windows,
            by_term,
            opening: plain.chars().take(SNIPPET_CHARS).collect(),
        }
    }

    /// (tokens, windows, heap bytes) of this body's tables, for the size checks.
    #[cfg(test)]
    pub fn size(&self) -> (usize, usize, usize) {
        let bytes = self.spots.capacity() * std::mem::size_of::<Spot>()
            + self.window_of.capacity() * 4
            + self.windows.capacity() * 8
            + self.by_term.capacity() * 8
            + self.opening.capacity();
        (self.spots.len(), self.windows.len(), bytes)
    }

    /// The spots of `term`, in body order.
    fn spots_of(&self, term: u32) -> impl Iterator<Item = usize> + '_ {
        let from = self.by_term.partition_point(|&(t, _)| t < term);
        self.by_term[from..]
            .iter()
            .take_while(move |&&(t, _)| t == term)
            .map(|&(_, spot)| spot as usize)
    }
}

/// The windows tantivy's generator cuts as the tokens come: a window starts at 0, and a token that
/// ends more than [`SNIPPET_CHARS`] bytes past the window's start (wrapping as tantivy's release build
/// computes it) closes it and starts the next at itself. Gives each spot's window and each window's
/// byte range (from its start to the end of its last token; empty for a window with none).
fn cut_windows(spots: &[Spot]) -> (Vec<u32>, Vec<(u32, u32)>) {
    let mut window_of = Vec::with_capacity(spots.len());
    let mut windows = Vec::new();
    let (mut start, mut stop) = (0usize, 0usize);
    for spot in spots {
        let (from, to) = (spot.from as usize, spot.to as usize);
        if to.wrapping_sub(start) > SNIPPET_CHARS {
            windows.push((start as u32, stop as u32));
            start = from;
        }
        stop = to;
        window_of.push(windows.len() as u32);
    }
    windows.push((start as u32, stop as u32));
    (window_of, windows)
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
        // n log n in the query's terms.
        weights.sort_by_key(|&(id, _)| id);
        weights.dedup_by_key(|&mut (id, _)| id);
        Self(weights)
    }
}

/// The best window of `source` (the analysis of `body`) for `weights`, as (fragment, highlighted
/// ranges within it); `None` when no query term is in the body. A window's score is the weights of
/// its matched tokens summed in body order (as tantivy sums them); the highest score wins, the
/// earliest window on a tie. Costs the query terms' binary searches and their matches, not the body.
pub(super) fn best_window<'b>(
    source: &SnippetSource,
    body: &'b str,
    weights: &Weights,
) -> Option<(&'b str, Vec<Range<usize>>)> {
    let mut matched: Vec<(usize, f32)> = weights
        .0
        .iter()
        .flat_map(|&(term, weight)| source.spots_of(term).map(move |spot| (spot, weight)))
        .collect();
    matched.sort_unstable_by_key(|&(spot, _)| spot);
    // (window, score, first and end index into `matched`) of the best window so far.
    let mut best: Option<(u32, f32, usize, usize)> = None;
    let mut at = 0;
    while at < matched.len() {
        let window = source.window_of[matched[at].0];
        let first = at;
        let mut score = 0.0f32;
        while at < matched.len() && source.window_of[matched[at].0] == window {
            score += matched[at].1;
            at += 1;
        }
        if score > 0.0 && best.is_none_or(|(_, top, _, _)| score > top) {
            best = Some((window, score, first, at));
        }
    }
    let (window, _, first, end) = best?;
    let &(start, stop) = source.windows.get(window as usize)?;
    let (start, stop) = (start as usize, stop as usize);
    let fragment = body.get(start..stop)?;
    let highlighted = matched[first..end]
        .iter()
        .map(|&(spot, _)| {
            let spot = source.spots[spot];
            spot.from as usize - start..spot.to as usize - start
        })
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
    /// `text` split at every whitespace character (`char::is_whitespace`), byte by byte: only a
    /// non-ASCII byte is decoded as a character.
    fn push(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let (mut piece, mut at) = (0, 0);
        while at < bytes.len() {
            let (white, width) = match bytes[at] {
                b @ 0..0x80 => (matches!(b, b' ' | b'\t'..=b'\r'), 1),
                _ => text[at..]
                    .chars()
                    .next()
                    .map_or((false, 1), |c| (c.is_whitespace(), c.len_utf8())),
            };
            if white {
                self.word(&text[piece..at]);
                // Every later piece followed whitespace (an empty one: whitespace after whitespace).
                self.gap = true;
                piece = at + width;
            }
            at += width;
        }
        self.word(&text[piece..]);
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
            "v\x0bf\x0c|\x1cx\x1f\u{85}nel\u{2028}ls\u{202f}é\u{200b}zw",
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
