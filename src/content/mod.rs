//! The skill's files, embedded at compile time and parsed once: frontmatter, sections with heading
//! paths and stable anchors, and SHA-256 digests of the exact bytes served.

pub mod markdown;
pub mod read;
pub mod tasks;

use std::sync::OnceLock;

use markdown::{Frontmatter, RawSection};

/// The skill's name, as in SKILL.md's frontmatter and every URI.
pub const SKILL_NAME: &str = "backend-engineering";
/// URI of SKILL.md.
pub const SKILL_URI: &str = "skill://backend-engineering/SKILL.md";
/// URI of the Chinese SKILL.md.
pub const SKILL_ZH_URI: &str = "skill://backend-engineering/SKILL.zh.md";
/// URI prefix of the reference documents.
pub const REFERENCES_URI_PREFIX: &str = "skill://backend-engineering/references/";
/// URI template of the reference documents.
pub const REFERENCE_URI_TEMPLATE: &str = "skill://backend-engineering/references/{name}";
/// Languages the skill is served in: English (canonical) and Chinese.
pub const LANGUAGES: &[&str] = &["en", "zh"];

const SKILL_MD: &str = include_str!("../../skill/SKILL.md");
const SKILL_ZH_MD: &str = include_str!("../../skill/SKILL.zh.md");

/// The seven reference documents, by file name. `include_str!` makes cargo rebuild when one changes.
const REFERENCES: &[(&str, &str)] = &[
    (
        "schema-design.md",
        include_str!("../../skill/references/schema-design.md"),
    ),
    (
        "scalable-systems.md",
        include_str!("../../skill/references/scalable-systems.md"),
    ),
    (
        "observability.md",
        include_str!("../../skill/references/observability.md"),
    ),
    (
        "performance.md",
        include_str!("../../skill/references/performance.md"),
    ),
    (
        "security.md",
        include_str!("../../skill/references/security.md"),
    ),
    (
        "api-design.md",
        include_str!("../../skill/references/api-design.md"),
    ),
    (
        "failure-patterns.md",
        include_str!("../../skill/references/failure-patterns.md"),
    ),
];

/// A problem with the embedded content (found by tests, never by users: the content is fixed at
/// compile time).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContentError {
    /// The frontmatter is not in the supported form.
    #[error("frontmatter: {0}")]
    Frontmatter(String),
}

/// One section of a document: a heading of level 1 to 3 and the text up to the next such heading.
#[derive(Debug, Clone)]
pub struct Section {
    /// 1 to 3.
    pub level: u8,
    /// The heading text.
    pub title: String,
    /// The GitHub-style anchor.
    pub anchor: String,
    /// Titles from the document title down to this heading, joined with " > ".
    pub heading_path: String,
    /// The section's own markdown, heading line included, subsections excluded.
    pub text: &'static str,
    /// The section with its subsections.
    pub text_with_children: &'static str,
}

/// One embedded markdown file.
#[derive(Debug, Clone)]
pub struct Document {
    /// File name relative to the skill root, e.g. `SKILL.md` or `references/security.md`.
    pub path: String,
    /// File name alone, e.g. `security.md`.
    pub name: String,
    /// The `skill://` URI.
    pub uri: String,
    /// The H1 title (or the file name when there is none).
    pub title: String,
    /// The exact bytes served.
    pub text: &'static str,
    /// `sha256:` and 64 hex digits of `text`.
    pub digest: String,
    /// Sections in document order.
    pub sections: Vec<Section>,
}

impl Document {
    fn parse(path: &str, name: &str, text: &'static str) -> Result<Self, ContentError> {
        let (_, body) = markdown::split_frontmatter(text)?;
        let offset = text.len() - body.len();
        let raw = markdown::sections(body);
        let title = raw
            .iter()
            .find(|s| s.level == 1)
            .map_or_else(|| name.to_string(), |s| s.title.clone());
        let sections = build_sections(text, offset, &raw);
        Ok(Self {
            path: path.to_string(),
            name: name.to_string(),
            uri: format!("skill://{SKILL_NAME}/{path}"),
            title,
            text,
            digest: sha256_digest(text.as_bytes()),
            sections,
        })
    }

    /// The section with this anchor.
    pub fn section(&self, anchor: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.anchor == anchor)
    }

    /// A section by anchor, or by what a person would write for it: the heading itself ("Password
    /// storage"), the anchor in another case or with a leading `#`.
    pub fn find_section(&self, given: &str) -> Option<&Section> {
        let given = given.trim().trim_start_matches('#').trim();
        self.section(given)
            .or_else(|| self.section(&markdown::slugify(given)))
            .or_else(|| {
                self.sections
                    .iter()
                    .find(|s| s.title.eq_ignore_ascii_case(given))
            })
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.text.len() as u64
    }
}

fn build_sections(text: &'static str, offset: usize, raw: &[RawSection]) -> Vec<Section> {
    let mut path: Vec<(u8, &str)> = Vec::new();
    raw.iter()
        .map(|s| {
            while path.last().is_some_and(|(level, _)| *level >= s.level) {
                path.pop();
            }
            path.push((s.level, s.title.as_str()));
            Section {
                level: s.level,
                title: s.title.clone(),
                anchor: s.anchor.clone(),
                heading_path: path.iter().map(|(_, t)| *t).collect::<Vec<_>>().join(" > "),
                text: &text[offset + s.start..offset + s.end],
                text_with_children: &text[offset + s.start..offset + s.end_with_children],
            }
        })
        .collect()
}

/// The whole skill: SKILL.md, its frontmatter, its Chinese version, and the references.
#[derive(Debug)]
pub struct Skill {
    /// SKILL.md.
    pub skill_md: Document,
    /// SKILL.zh.md, the Chinese version of SKILL.md (same rules, same structure).
    pub skill_md_zh: Document,
    /// SKILL.zh.md's frontmatter.
    pub frontmatter_zh: Frontmatter,
    /// SKILL.md's frontmatter.
    pub frontmatter: Frontmatter,
    /// The reference documents, in the order SKILL.md lists them.
    pub references: Vec<Document>,
}

impl Skill {
    /// Parse the embedded files.
    pub fn load() -> Result<Self, ContentError> {
        let (frontmatter, _) = markdown::split_frontmatter(SKILL_MD)?;
        let skill_md = Document::parse("SKILL.md", "SKILL.md", SKILL_MD)?;
        let (frontmatter_zh, _) = markdown::split_frontmatter(SKILL_ZH_MD)?;
        let skill_md_zh = Document::parse("SKILL.zh.md", "SKILL.zh.md", SKILL_ZH_MD)?;
        let references = REFERENCES
            .iter()
            .map(|(name, text)| Document::parse(&format!("references/{name}"), name, text))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            skill_md,
            skill_md_zh,
            frontmatter_zh,
            frontmatter,
            references,
        })
    }

    /// The skill parsed once per process.
    pub fn get() -> &'static Skill {
        static SKILL: OnceLock<Skill> = OnceLock::new();
        SKILL.get_or_init(|| match Skill::load() {
            Ok(skill) => skill,
            // The content is compiled in and checked by the test suite; a failure here is a build
            // defect, not bad input.
            Err(e) => panic!("embedded skill content is malformed: {e}"),
        })
    }

    /// The `description` of the frontmatter.
    pub fn description(&self) -> &str {
        self.frontmatter.scalar("description").unwrap_or_default()
    }

    /// SKILL.md in a served language (`en` or `zh`, as [`read::check_language`] returns them);
    /// English for anything else.
    pub fn skill_document(&self, lang: &str) -> &Document {
        if lang == "zh" {
            &self.skill_md_zh
        } else {
            &self.skill_md
        }
    }

    /// The frontmatter `description` in a served language.
    pub fn description_in(&self, lang: &str) -> &str {
        let frontmatter = if lang == "zh" {
            &self.frontmatter_zh
        } else {
            &self.frontmatter
        };
        frontmatter.scalar("description").unwrap_or_default()
    }

    /// A reference by file name (`security.md`), stem (`security`), path (`references/security.md`)
    /// or URI (`skill://backend-engineering/references/security.md`), in any case, ignoring any
    /// `#anchor`.
    pub fn reference(&self, name: &str) -> Option<&Document> {
        let name = name.split('#').next().unwrap_or_default().trim();
        let name = name
            .strip_prefix(REFERENCES_URI_PREFIX)
            .or_else(|| name.strip_prefix("references/"))
            .unwrap_or(name)
            .to_ascii_lowercase()
            .replace([' ', '_'], "-");
        let stem = name.strip_suffix(".md").unwrap_or(&name);
        self.references
            .iter()
            .find(|d| d.name.strip_suffix(".md").unwrap_or(&d.name) == stem)
    }

    /// Every served document: SKILL.md first, SKILL.zh.md, then the references.
    pub fn documents(&self) -> impl Iterator<Item = &Document> {
        [&self.skill_md, &self.skill_md_zh]
            .into_iter()
            .chain(self.references.iter())
    }

    /// The reference file names, for messages that list what exists.
    pub fn reference_names(&self) -> Vec<&str> {
        self.references.iter().map(|d| d.name.as_str()).collect()
    }

    /// The document and section a `skill://` URI names: `(document, Some(section))` for a URI with a
    /// `#anchor`, `(document, None)` for a whole file. `None` when it names nothing served.
    pub fn resolve_uri(&self, uri: &str) -> Option<(&Document, Option<&Section>)> {
        let (path, anchor) = match uri.split_once('#') {
            Some((path, anchor)) => (path, Some(anchor)),
            None => (uri, None),
        };
        let doc = self.documents().find(|d| d.uri == path)?;
        match anchor {
            None => Some((doc, None)),
            Some(anchor) => doc.section(anchor).map(|s| (doc, Some(s))),
        }
    }
}

/// `sha256:` and the 64 lowercase hex digits of the SHA-256 of `bytes` (the form SEP-2640 manifests
/// use).
pub fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(bytes);
    let mut digest = String::with_capacity(71);
    digest.push_str("sha256:");
    for byte in hash {
        digest.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        digest.push(char::from(b"0123456789abcdef"[usize::from(byte & 0x0f)]));
    }
    digest
}

/// Rough token count of a text for budgets: one token per four bytes, rounded up. This is the usual
/// rule of thumb for English with BPE tokenizers; it overestimates code slightly, which keeps a
/// budget safe.
pub fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_parses_with_a_title_and_sections() {
        let skill = Skill::load().unwrap();
        assert_eq!(skill.references.len(), 7);
        for doc in skill.documents() {
            assert!(!doc.sections.is_empty(), "{} has no sections", doc.name);
            assert!(doc.digest.starts_with("sha256:") && doc.digest.len() == 71);
        }
    }

    #[test]
    fn references_resolve_by_name_stem_path_and_uri() {
        let skill = Skill::load().unwrap();
        for name in [
            "security.md",
            "security",
            "references/security.md",
            "skill://backend-engineering/references/security.md",
            "skill://backend-engineering/references/security.md#password-storage",
        ] {
            assert_eq!(
                skill.reference(name).map(|d| d.name.as_str()),
                Some("security.md"),
                "{name}"
            );
        }
        assert!(skill.reference("../SKILL.md").is_none());
        assert!(skill.reference("nothing.md").is_none());
    }

    #[test]
    fn heading_paths_start_at_the_document_title() {
        let skill = Skill::load().unwrap();
        let doc = skill.reference("schema-design.md").unwrap();
        let section = doc.sections.iter().find(|s| s.level == 3).unwrap();
        assert!(
            section.heading_path.starts_with(&doc.title),
            "{}",
            section.heading_path
        );
        assert_eq!(section.heading_path.matches(" > ").count(), 2);
    }

    #[test]
    fn digests_are_sha256_in_the_manifest_form() {
        assert_eq!(
            sha256_digest(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn token_estimate_rounds_up() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abcde"), 2);
    }
}
