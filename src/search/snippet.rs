//! Snippets: a short extract of a section body around the matched words, matches in **bold**.

use tantivy::snippet::SnippetGenerator;

/// Characters in a snippet.
pub const SNIPPET_CHARS: usize = 240;

/// A snippet with the matched words in markdown bold; the section's opening words when nothing in
/// the body matched (e.g. the match was in the heading).
pub fn render(generator: &SnippetGenerator, body: &str) -> String {
    let snippet = generator.snippet(body);
    let fragment = snippet.fragment();
    if fragment.is_empty() {
        let plain: String = body
            .lines()
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
