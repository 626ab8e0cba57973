//! Markdown helpers: frontmatter, GitHub-style heading anchors, and splitting a document into sections.

use std::collections::BTreeMap;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::ContentError;

/// A frontmatter value: the subset of YAML the skill uses (scalars and one level of mapping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrontmatterValue {
    /// A plain, single-quoted or double-quoted scalar.
    Scalar(String),
    /// A mapping of scalars, one level deep.
    Map(BTreeMap<String, String>),
}

/// The frontmatter of a markdown file, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontmatter {
    /// Top-level keys in the order they appear.
    pub entries: Vec<(String, FrontmatterValue)>,
}

impl Frontmatter {
    /// The scalar value of a top-level key.
    pub fn scalar(&self, key: &str) -> Option<&str> {
        self.entries.iter().find_map(|(k, v)| match v {
            FrontmatterValue::Scalar(s) if k == key => Some(s.as_str()),
            _ => None,
        })
    }

    /// Every top-level key.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// The frontmatter as a JSON object (mappings become objects).
    pub fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        self.entries
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    FrontmatterValue::Scalar(s) => serde_json::Value::String(s.clone()),
                    FrontmatterValue::Map(m) => serde_json::Value::Object(
                        m.iter()
                            .map(|(mk, mv)| (mk.clone(), serde_json::Value::String(mv.clone())))
                            .collect(),
                    ),
                };
                (k.clone(), value)
            })
            .collect()
    }
}

/// Split `text` into its frontmatter (between leading `---` lines) and the body after it.
/// A file without frontmatter has an empty one and is all body.
pub fn split_frontmatter(text: &str) -> Result<(Frontmatter, &str), ContentError> {
    let Some(rest) = text.strip_prefix("---\n") else {
        return Ok((Frontmatter::default(), text));
    };
    let Some(end) = rest.find("\n---\n").or_else(|| {
        rest.strip_suffix("\n---")
            .map(|without| without.len())
            .filter(|_| rest.ends_with("\n---"))
    }) else {
        return Err(ContentError::Frontmatter(
            "the opening --- has no closing --- line".into(),
        ));
    };
    let yaml = &rest[..end];
    let body_start = (end + "\n---\n".len()).min(rest.len());
    Ok((parse_frontmatter(yaml)?, &rest[body_start..]))
}

fn unquote(raw: &str) -> String {
    let raw = raw.trim();
    if raw.len() >= 2
        && ((raw.starts_with('"') && raw.ends_with('"'))
            || (raw.starts_with('\'') && raw.ends_with('\'')))
    {
        let inner = &raw[1..raw.len() - 1];
        if raw.starts_with('"') {
            inner.replace("\\\"", "\"").replace("\\\\", "\\")
        } else {
            inner.replace("''", "'")
        }
    } else {
        raw.to_string()
    }
}

fn parse_frontmatter(yaml: &str) -> Result<Frontmatter, ContentError> {
    let mut entries: Vec<(String, FrontmatterValue)> = Vec::new();
    for (number, line) in yaml.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indented = line.starts_with(' ') || line.starts_with('\t');
        let Some((key, value)) = line.trim().split_once(':') else {
            return Err(ContentError::Frontmatter(format!(
                "line {}: expected `key: value`, found {line:?}",
                number + 1
            )));
        };
        let key = key.trim().to_string();
        let value = value.trim();
        if indented {
            match entries.last_mut() {
                Some((_, FrontmatterValue::Map(map))) => {
                    map.insert(key, unquote(value));
                }
                _ => {
                    return Err(ContentError::Frontmatter(format!(
                        "line {}: indented key {key:?} outside a mapping",
                        number + 1
                    )));
                }
            }
        } else if entries.iter().any(|(k, _)| *k == key) {
            return Err(ContentError::Frontmatter(format!(
                "line {}: key {key:?} appears twice",
                number + 1
            )));
        } else if value.is_empty() {
            entries.push((key, FrontmatterValue::Map(BTreeMap::new())));
        } else {
            entries.push((key, FrontmatterValue::Scalar(unquote(value))));
        }
    }
    Ok(Frontmatter { entries })
}

/// The GitHub-style anchor of a heading: lowercase, punctuation dropped, spaces as hyphens.
pub fn slugify(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// One heading of a document with the byte range of the section it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSection {
    /// 1 for `#`, 2 for `##`, 3 for `###`.
    pub level: u8,
    /// The heading's text, without markup.
    pub title: String,
    /// The anchor, unique within the document (`-1`, `-2` suffixes as GitHub adds them).
    pub anchor: String,
    /// Byte offset where the heading line starts.
    pub start: usize,
    /// Byte offset where the section's own text ends: the next heading of level 1 to 3.
    pub end: usize,
    /// Byte offset where the section ends with its subsections: the next heading of the same or a
    /// higher level.
    pub end_with_children: usize,
}

/// Every heading of level 1 to 3 (deeper ones stay inside their section), with section ranges.
pub fn sections(body: &str) -> Vec<RawSection> {
    let mut found: Vec<(u8, String, usize)> = Vec::new();
    let mut current: Option<(u8, String, usize)> = None;
    for (event, range) in Parser::new_ext(body, Options::ENABLE_TABLES).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let level = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    _ => continue,
                };
                current = Some((level, String::new(), range.start));
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, title, _)) = current.as_mut() {
                    title.push_str(&text);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(heading) = current.take() {
                    found.push(heading);
                }
            }
            _ => {}
        }
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(found.len());
    for (i, (level, title, start)) in found.iter().enumerate() {
        let base = slugify(title);
        let count = seen.entry(base.clone()).or_insert(0);
        let anchor = if *count == 0 {
            base.clone()
        } else {
            format!("{base}-{count}")
        };
        *count += 1;
        let end = found.get(i + 1).map_or(body.len(), |next| next.2);
        let end_with_children = found[i + 1..]
            .iter()
            .find(|next| next.0 <= *level)
            .map_or(body.len(), |next| next.2);
        out.push(RawSection {
            level: *level,
            title: title.trim().to_string(),
            anchor,
            start: *start,
            end,
            end_with_children,
        });
    }
    out
}

/// Links in a markdown text: (destination, line number).
pub fn links(body: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (event, range) in Parser::new_ext(body, Options::ENABLE_TABLES).into_offset_iter() {
        if let Event::Start(Tag::Link { dest_url, .. }) = event {
            let line = body[..range.start].matches('\n').count() + 1;
            out.push((dest_url.to_string(), line));
        }
    }
    out
}

/// Number of words (whitespace-separated runs) in a text.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_github_rules() {
        assert_eq!(
            slugify("Composite indexes and the leftmost prefix rule"),
            "composite-indexes-and-the-leftmost-prefix-rule"
        );
        assert_eq!(
            slugify("SLIs, SLOs and error budgets"),
            "slis-slos-and-error-budgets"
        );
        assert_eq!(slugify("Fixing N+1 queries"), "fixing-n1-queries");
        assert_eq!(slugify("Little's law"), "littles-law");
        assert_eq!(slugify("PUT vs. PATCH (RFC 5789)"), "put-vs-patch-rfc-5789");
    }

    #[test]
    fn frontmatter_parses_scalars_and_one_level_maps() {
        let text = "---\nname: backend-engineering\ndescription: \"Use it: when\"\nmetadata:\n  version: \"0.1.0\"\n---\n# Title\n";
        let (fm, body) = split_frontmatter(text).unwrap();
        assert_eq!(fm.scalar("name"), Some("backend-engineering"));
        assert_eq!(fm.scalar("description"), Some("Use it: when"));
        assert_eq!(
            fm.keys().collect::<Vec<_>>(),
            ["name", "description", "metadata"]
        );
        assert_eq!(body, "# Title\n");
    }

    #[test]
    fn frontmatter_without_closing_line_is_an_error() {
        assert!(split_frontmatter("---\nname: x\n# body").is_err());
    }

    #[test]
    fn sections_have_ranges_and_unique_anchors() {
        let body = "# T\nintro\n## A\na\n### B\nb\n```\n# not a heading\n```\n## A\nc\n";
        let s = sections(body);
        let anchors: Vec<_> = s.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(anchors, ["t", "a", "b", "a-1"]);
        assert_eq!(&body[s[1].start..s[1].end], "## A\na\n");
        assert_eq!(
            &body[s[1].start..s[1].end_with_children],
            "## A\na\n### B\nb\n```\n# not a heading\n```\n"
        );
    }
}
