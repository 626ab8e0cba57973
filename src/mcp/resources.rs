//! Resources and the Skills extension: SKILL.md and the references as `skill://` resources, the
//! reference template, and the SEP-2640 manifest with digests of the exact bytes served.

use rmcp::ErrorData;
use rmcp::model::{
    Annotations, ReadResourceResult, Resource, ResourceContents, ResourceTemplate, Role,
    Skill as McpSkill, SkillFrontmatter, SkillResource, SkillResources,
};

use crate::content::{Document, REFERENCE_URI_TEMPLATE, REFERENCES_URI_PREFIX, SKILL_URI, Skill};

const MARKDOWN: &str = "text/markdown";

fn resource(doc: &Document, description: String, priority: f32) -> Resource {
    Resource::new(doc.uri.clone(), doc.path.clone())
        .with_title(doc.title.clone())
        .with_description(description)
        .with_mime_type(MARKDOWN)
        .with_size(doc.size())
        .with_annotations(
            Annotations::default()
                .with_audience(vec![Role::Assistant, Role::User])
                .with_priority(priority),
        )
}

/// Every resource, SKILL.md first. SKILL.md is named and described by its frontmatter, as SEP-2640
/// asks of a skill's SKILL.md resource.
pub fn list(skill: &Skill) -> Vec<Resource> {
    let description = skill.frontmatter.scalar("description").map_or_else(
        || "The backend-engineering skill: principles, the eight common tasks and their decision rules, \
            anti-patterns, and when to load each reference."
            .to_string(),
        str::to_string,
    );
    let mut skill_md = resource(&skill.skill_md, description, 1.0);
    if let Some(name) = skill.frontmatter.scalar("name") {
        skill_md.name = name.to_string();
    }
    let mut out = vec![skill_md];
    out.push(resource(
        &skill.skill_md_zh,
        "backend-engineering 技能的中文版：与 SKILL.md 相同的原则、八类常见任务及其决策规则、反模式和参考文档索引。\
         The Chinese version of SKILL.md."
            .to_string(),
        0.9,
    ));
    for doc in &skill.references {
        let sections: Vec<&str> = doc
            .sections
            .iter()
            .filter(|s| s.level == 2)
            .map(|s| s.title.as_str())
            .collect();
        out.push(resource(
            doc,
            format!(
                "Reference: {}. Sections: {}.",
                doc.title,
                sections.join("; ")
            ),
            0.5,
        ));
    }
    out
}

/// The reference template.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(REFERENCE_URI_TEMPLATE, "reference")
            .with_title("Backend-engineering reference document")
            .with_description(
                "One of the seven reference documents by file name (e.g. security.md); add #anchor for one section.",
            )
            .with_mime_type(MARKDOWN),
    ]
}

/// Longest URI a not-found error names whole.
const MAX_URI_ECHOED: usize = 2048;

/// Read a resource: a whole document, or one section when the URI has a `#anchor`. Template-style
/// names without `.md` are accepted. Nothing outside the embedded set is ever readable.
pub fn read(skill: &Skill, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let normalized = normalize(uri);
    let Some((doc, section)) = skill.resolve_uri(&normalized) else {
        let known: Vec<&str> = skill.documents().map(|d| d.uri.as_str()).collect();
        let hint = match normalized.split_once('#') {
            Some((path, _)) if skill.documents().any(|d| d.uri == path) => {
                " (the file exists but has no section with that anchor; read the file to list its sections)"
            }
            _ => "",
        };
        return Err(ErrorData::resource_not_found(
            format!(
                "no resource at {:?}{hint}; the resources are: {}",
                super::jsonrpc::quote(uri),
                known.join(", ")
            ),
            // SEP-2164: the error names the URI that was not found (a prefix of one longer than any
            // real URI, so a 1 MiB URI is not sent back whole).
            Some(serde_json::json!({ "uri": if uri.len() <= MAX_URI_ECHOED {
                uri.to_string()
            } else {
                super::jsonrpc::quote(uri)
            } })),
        ));
    };
    let text = section.map_or(doc.text, |s| s.text_with_children);
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(text, uri.to_string()).with_mime_type(MARKDOWN),
    ]))
}

/// Map `references/security` (template value without extension) to `references/security.md`.
fn normalize(uri: &str) -> String {
    let (path, anchor) = match uri.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (uri, None),
    };
    let path = match path.strip_prefix(REFERENCES_URI_PREFIX) {
        Some(name) if !name.is_empty() && !name.ends_with(".md") && !name.contains(['/', '.']) => {
            format!("{REFERENCES_URI_PREFIX}{name}.md")
        }
        _ => path.to_string(),
    };
    match anchor {
        Some(a) => format!("{path}#{a}"),
        None => path,
    }
}

/// The skill's SEP-2640 manifest entry.
pub fn manifest(skill: &Skill) -> McpSkill {
    let mut frontmatter = SkillFrontmatter::new(crate::content::SKILL_NAME, skill.description());
    for (key, value) in skill.frontmatter.to_json() {
        if key != "name" && key != "description" {
            frontmatter = frontmatter.with_field(key, value);
        }
    }
    let files = skill
        .documents()
        .map(|d| SkillResource::new(d.uri.clone(), d.digest.clone(), d.size()))
        .collect();
    McpSkill::new(SKILL_URI, frontmatter, SkillResources::Files(files))
}

/// Completion values for the reference template's `name`.
pub fn complete_reference_name(skill: &Skill, prefix: &str) -> Vec<String> {
    skill
        .references
        .iter()
        .map(|d| d.name.clone())
        .filter(|n| n.starts_with(prefix))
        .collect()
}
