//! The skill's own tools, as plain functions: the SKILL.md text (`get_skill`) and a reference file or one
//! of its sections (`read_reference`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{LANGUAGES, Skill, estimate_tokens};

/// Why a read failed. Messages name what exists so the caller can retry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    /// A language the skill is not served in.
    #[error("the skill is not served in language {0:?}; languages served: {langs}", langs = LANGUAGES.join(", "))]
    UnknownLanguage(String),
    /// No reference by that name.
    #[error("unknown reference {name:?}; the references are: {known}")]
    UnknownReference {
        /// What the caller passed.
        name: String,
        /// The file names that exist.
        known: String,
    },
    /// No section with that anchor in the reference.
    #[error("{reference} has no section {anchor:?}; its sections are: {known}")]
    UnknownSection {
        /// The reference file.
        reference: String,
        /// What the caller passed.
        anchor: String,
        /// The anchors that exist.
        known: String,
    },
}

/// Check a `lang` argument: absent or empty (English), or a served language. Common spellings of
/// Chinese (`zh-CN`, `zh_Hans`, `cn`, `chinese`, `中文`) mean `zh`; `en-US` and `english` mean `en`.
pub fn check_language(lang: Option<&str>) -> Result<&'static str, ReadError> {
    let Some(given) = lang.map(str::trim).filter(|l| !l.is_empty()) else {
        return Ok(LANGUAGES[0]);
    };
    let lower = given.to_lowercase().replace('_', "-");
    let primary = lower.split('-').next().unwrap_or_default();
    let code = match primary {
        "zh" | "cn" | "chinese" | "中文" | "汉语" | "简体中文" => "zh",
        "en" | "english" => "en",
        _ => primary,
    };
    LANGUAGES
        .iter()
        .copied()
        .find(|known| *known == code)
        .ok_or_else(|| ReadError::UnknownLanguage(given.chars().take(40).collect()))
}

/// Input of `get_skill`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetSkillRequest {
    /// Language of the skill text: `en` (the default) or `zh`.
    #[serde(default)]
    pub lang: Option<String>,
}

/// Output of `get_skill`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct GetSkillResponse {
    /// The skill's name.
    pub name: String,
    /// The skill's description (when to use it).
    pub description: String,
    /// Language of `text`.
    pub lang: String,
    /// URI of the SKILL.md served (`SKILL.zh.md` for `zh`).
    pub uri: String,
    /// The full SKILL.md, frontmatter included.
    pub text: String,
    /// `sha256:` digest of `text`.
    pub digest: String,
}

/// The SKILL.md text.
pub fn get_skill(skill: &Skill, request: &GetSkillRequest) -> Result<GetSkillResponse, ReadError> {
    let lang = check_language(request.lang.as_deref())?;
    let doc = skill.skill_document(lang);
    Ok(GetSkillResponse {
        name: super::SKILL_NAME.to_string(),
        description: skill.description_in(lang).to_string(),
        lang: lang.to_string(),
        uri: doc.uri.clone(),
        text: doc.text.to_string(),
        digest: doc.digest.clone(),
    })
}

/// Input of `read_reference`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadReferenceRequest {
    /// A reference file (security.md, any case, .md optional) or a URI from search_references (its
    /// #anchor picks the section).
    pub name: String,
    /// A section's anchor or heading, e.g. password-storage; omit for the whole file.
    #[serde(default)]
    pub section: Option<String>,
}

/// One entry of a reference's table of contents.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct SectionEntry {
    /// Anchor, for `section`.
    pub anchor: String,
    /// Heading path.
    pub heading: String,
    /// Heading level: 1 (title), 2 or 3.
    pub level: u8,
    /// URI of the section.
    pub uri: String,
    /// Estimated tokens of the section with its subsections.
    pub tokens: usize,
}

/// Output of `read_reference`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ReadReferenceResponse {
    /// Reference file name.
    pub reference: String,
    /// URI of what was read (with `#anchor` for a section).
    pub uri: String,
    /// Heading path of the section read, or the document title.
    pub heading: String,
    /// The markdown text.
    pub text: String,
    /// Estimated tokens of `text` (bytes / 4).
    pub tokens: usize,
    /// Every section of the reference, to read next.
    pub sections: Vec<SectionEntry>,
}

/// A whole reference or one section of it.
pub fn read_reference(
    skill: &Skill,
    request: &ReadReferenceRequest,
) -> Result<ReadReferenceResponse, ReadError> {
    let doc = skill
        .reference(&request.name)
        .ok_or_else(|| ReadError::UnknownReference {
            name: crate::quote::quote(&request.name),
            known: skill.reference_names().join(", "),
        })?;
    let anchor = request
        .section
        .as_deref()
        .map(|s| s.trim().trim_start_matches('#'))
        .filter(|s| !s.is_empty())
        .or_else(|| request.name.split_once('#').map(|(_, a)| a.trim()))
        .filter(|s| !s.is_empty());
    let sections = doc
        .sections
        .iter()
        .map(|s| SectionEntry {
            anchor: s.anchor.clone(),
            heading: s.heading_path.clone(),
            level: s.level,
            uri: format!("{}#{}", doc.uri, s.anchor),
            tokens: estimate_tokens(s.text_with_children),
        })
        .collect();
    let (uri, heading, text) = match anchor {
        None => (doc.uri.clone(), doc.title.clone(), doc.text),
        Some(anchor) => {
            let section = doc
                .find_section(anchor)
                .ok_or_else(|| ReadError::UnknownSection {
                    reference: doc.name.clone(),
                    anchor: crate::quote::quote(anchor),
                    known: doc
                        .sections
                        .iter()
                        .map(|s| s.anchor.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            (
                format!("{}#{}", doc.uri, section.anchor),
                section.heading_path.clone(),
                section.text_with_children,
            )
        }
    };
    Ok(ReadReferenceResponse {
        reference: doc.name.clone(),
        uri,
        heading,
        text: text.to_string(),
        tokens: estimate_tokens(text),
        sections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_checked() {
        assert_eq!(check_language(None), Ok("en"));
        assert_eq!(check_language(Some("EN")), Ok("en"));
        for zh in [
            "zh",
            "zh-CN",
            "zh_Hans",
            "ZH-hans-cn",
            "cn",
            "Chinese",
            "中文",
        ] {
            assert_eq!(check_language(Some(zh)), Ok("zh"), "{zh}");
        }
        let err = check_language(Some("fr")).unwrap_err().to_string();
        assert!(err.contains("\"fr\"") && err.contains("en, zh"), "{err}");
    }

    #[test]
    fn get_skill_serves_the_chinese_skill_for_zh() {
        let skill = Skill::get();
        let zh = get_skill(
            skill,
            &GetSkillRequest {
                lang: Some("zh-CN".into()),
            },
        )
        .unwrap();
        assert_eq!(zh.lang, "zh");
        assert_eq!(zh.uri, crate::content::SKILL_ZH_URI);
        assert_eq!(zh.text, skill.skill_md_zh.text);
        assert_eq!(zh.digest, skill.skill_md_zh.digest);
        assert!(zh.description.contains("决策规则"), "{}", zh.description);
        let en = get_skill(skill, &GetSkillRequest::default()).unwrap();
        assert_eq!(en.uri, crate::content::SKILL_URI);
    }

    #[test]
    fn read_whole_file_section_and_anchor_in_name() {
        let skill = Skill::get();
        let whole = read_reference(
            skill,
            &ReadReferenceRequest {
                name: "security".into(),
                section: None,
            },
        )
        .unwrap();
        assert_eq!(whole.text, skill.reference("security.md").unwrap().text);
        let anchor = &whole.sections[1].anchor;
        let one = read_reference(
            skill,
            &ReadReferenceRequest {
                name: "security.md".into(),
                section: Some(anchor.clone()),
            },
        )
        .unwrap();
        assert!(one.text.len() < whole.text.len());
        assert!(one.uri.ends_with(&format!("#{anchor}")));
        let by_uri = read_reference(
            skill,
            &ReadReferenceRequest {
                name: one.uri.clone(),
                section: None,
            },
        )
        .unwrap();
        assert_eq!(by_uri.text, one.text);
    }

    #[test]
    fn unknown_names_list_what_exists() {
        let skill = Skill::get();
        let err = read_reference(
            skill,
            &ReadReferenceRequest {
                name: "../../etc/passwd".into(),
                section: None,
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("schema-design.md"));
        let err = read_reference(
            skill,
            &ReadReferenceRequest {
                name: "security.md".into(),
                section: Some("nope".into()),
            },
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("password-storage")
                || err.to_string().contains("sections are")
        );
    }
}
