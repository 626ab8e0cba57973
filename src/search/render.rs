//! The text a person or a model reads for a search result.

use super::{Confidence, SearchResponse};

impl SearchResponse {
    /// The hits for people: heading path and URI of each, then the full text of the best hits (when
    /// `with_text`) or a snippet. A low-confidence result says "no good match" and lists the closest
    /// headings.
    pub fn render(&self, with_text: bool) -> String {
        let mut text = String::new();
        if self.confidence == Confidence::Low {
            if self.hits.is_empty() {
                text.push_str(
                    "No good match in the references for this query. Try other words (e.g. the \
                     pattern's name), or drop the reference filter.\n",
                );
            } else {
                text.push_str(
                    "No good match in the references for this query. Closest headings (read one \
                     with read_reference if it fits):\n",
                );
                for hit in &self.hits {
                    text.push_str(&format!("- {} ({})\n", hit.section, hit.uri));
                }
            }
            return text;
        }
        for (i, hit) in self.hits.iter().enumerate() {
            text.push_str(&format!("{}. {} ({})\n", i + 1, hit.section, hit.uri));
            match (hit.text.as_deref().filter(|_| with_text), &hit.snippet) {
                (Some(body), _) => {
                    text.push('\n');
                    text.push_str(body.trim_end());
                    text.push_str("\n\n");
                }
                (None, Some(snippet)) => {
                    text.push_str("   ");
                    text.push_str(snippet);
                    text.push_str("\n\n");
                }
                (None, None) => text.push('\n'),
            }
        }
        if with_text && self.truncated {
            text.push_str(
                "(A section text was left out to stay within max_tokens: read it with read_reference.)\n",
            );
        }
        text
    }
}
