//! The skill's files keep the Agent Skills rules and the project's own writing rules: frontmatter,
//! resolvable links and anchors, tables of contents that match the headings, section sizes, lengths.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use backend_engineering_mcp::content::markdown::{links, word_count};
use backend_engineering_mcp::content::{Document, Skill};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Top-level frontmatter keys the Agent Skills specification defines.
const SPEC_KEYS: &[&str] = &[
    "name",
    "description",
    "license",
    "compatibility",
    "metadata",
    "allowed-tools",
];
const MIN_REFERENCE_WORDS: usize = 3_000;
const MAX_REFERENCE_WORDS: usize = 6_000;
const MAX_SECTION_WORDS: usize = 1_200;
const MAX_SKILL_LINES: usize = 500;

fn skill() -> &'static Skill {
    Skill::get()
}

/// Where a document lives on disk: every path is relative to skill/ (SKILL.md, references/*.md).
fn disk_path(doc: &Document) -> PathBuf {
    Path::new(ROOT).join("skill").join(&doc.path)
}

#[test]
fn frontmatter_follows_the_agent_skills_rules() {
    for fm in [&skill().frontmatter, &skill().frontmatter_zh] {
        check_frontmatter(fm);
    }
}

fn check_frontmatter(fm: &backend_engineering_mcp::content::markdown::Frontmatter) {
    let name = fm.scalar("name").expect("name");
    assert_eq!(name, "backend-engineering");
    assert!(name.len() <= 64);
    assert!(
        name.split('-').all(|part| !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
        "name must be lowercase letters, digits and single hyphens: {name}"
    );
    let description = fm.scalar("description").expect("description");
    let chars = description.chars().count();
    assert!(
        (1..=1024).contains(&chars),
        "description has {chars} characters"
    );
    for key in fm.keys() {
        assert!(
            SPEC_KEYS.contains(&key),
            "unknown top-level frontmatter key {key:?}"
        );
    }
}

#[test]
fn skill_md_is_under_500_lines_and_carries_the_activation_marker() {
    for lang in ["en", "zh"] {
        let doc = skill().skill_document(lang);
        let lines = doc.text.lines().count();
        assert!(lines < MAX_SKILL_LINES, "{} has {lines} lines", doc.path);
        assert!(doc.text.contains("🧢"), "{} lacks the marker", doc.path);
        for task in backend_engineering_mcp::content::tasks::TASKS {
            assert!(
                task.section(skill(), lang).is_some(),
                "{} lacks the task {:?}",
                doc.path,
                task.heading_in(lang)
            );
        }
    }
}

#[test]
fn embedded_references_are_exactly_the_files_on_disk() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(Path::new(ROOT).join("skill/references"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    let embedded: BTreeSet<String> = skill().references.iter().map(|d| d.name.clone()).collect();
    assert_eq!(on_disk, embedded);
    for doc in skill().documents() {
        let bytes = std::fs::read_to_string(disk_path(doc)).unwrap();
        assert_eq!(
            bytes, doc.text,
            "{} differs from the embedded copy",
            doc.path
        );
    }
    // The documents are real files in skill/ (what `npx skills add` copies), not reached through a
    // link that a checkout without symlinks (Windows' default) turns into a text file.
    for doc in skill().documents() {
        let path = disk_path(doc);
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert!(meta.is_file(), "skill/{} is not a plain file", doc.path);
        let parent = std::fs::symlink_metadata(path.parent().unwrap()).unwrap();
        assert!(
            parent.is_dir(),
            "the folder of skill/{} is a link",
            doc.path
        );
    }
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let mut problems = Vec::new();
    for doc in skill().documents() {
        let base = disk_path(doc);
        let dir = base.parent().unwrap();
        for (dest, line) in links(doc.text) {
            if dest.contains("://") || dest.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = match dest.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (dest.as_str(), None),
            };
            let target_doc = if file.is_empty() {
                Some(doc)
            } else {
                let target = dir.join(file);
                if !target.exists() {
                    problems.push(format!("{}:{line}: {dest} does not exist", doc.path));
                    continue;
                }
                let canonical = target.canonicalize().unwrap();
                skill()
                    .documents()
                    .find(|d| disk_path(d).canonicalize().ok() == Some(canonical.clone()))
            };
            if let Some(anchor) = anchor {
                match target_doc {
                    Some(t) if t.section(anchor).is_some() => {}
                    _ => problems.push(format!(
                        "{}:{line}: anchor #{anchor} of {dest} does not resolve",
                        doc.path
                    )),
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn each_reference_has_a_table_of_contents_matching_its_h2_headings() {
    for doc in &skill().references {
        let h2: Vec<String> = doc
            .sections
            .iter()
            .filter(|s| s.level == 2)
            .map(|s| s.anchor.clone())
            .collect();
        let toc: Vec<String> = links(doc.text)
            .into_iter()
            .filter_map(|(dest, _)| dest.strip_prefix('#').map(str::to_string))
            .filter(|a| h2.contains(a))
            .collect();
        // The contents list is the first run of in-file links, before the first H2.
        let first_h2 = doc
            .sections
            .iter()
            .find(|s| s.level == 2)
            .expect("an H2")
            .text;
        let preamble = &doc.text[..doc.text.find(first_h2).unwrap()];
        let toc_in_preamble: Vec<String> = links(preamble)
            .into_iter()
            .filter_map(|(dest, _)| dest.strip_prefix('#').map(str::to_string))
            .collect();
        assert_eq!(
            toc_in_preamble, h2,
            "{}: contents list vs H2 headings",
            doc.name
        );
        assert!(toc.len() >= h2.len());
        // One line on when to load it, before the contents.
        let intro = preamble
            .lines()
            .skip(1)
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default();
        assert!(
            !intro.starts_with("**Contents**") && !intro.starts_with('-'),
            "{}: no 'when to load' line",
            doc.name
        );
    }
}

#[test]
fn sections_are_not_empty_and_not_too_long() {
    let mut problems = Vec::new();
    for doc in skill().documents() {
        for section in doc.sections.iter().filter(|s| s.level >= 2) {
            let body: String = section.text.lines().skip(1).collect::<Vec<_>>().join("\n");
            let words = word_count(&body);
            if words == 0 {
                problems.push(format!("{}#{} is empty", doc.name, section.anchor));
            }
            if words > MAX_SECTION_WORDS {
                problems.push(format!(
                    "{}#{} has {words} words (limit {MAX_SECTION_WORDS})",
                    doc.name, section.anchor
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn references_are_3000_to_6000_words() {
    for doc in &skill().references {
        let words = word_count(doc.text);
        assert!(
            (MIN_REFERENCE_WORDS..=MAX_REFERENCE_WORDS).contains(&words),
            "{} has {words} words",
            doc.name
        );
    }
}

#[test]
fn anchors_are_unique_within_each_document() {
    for doc in skill().documents() {
        let mut seen = BTreeSet::new();
        for s in &doc.sections {
            assert!(
                seen.insert(&s.anchor),
                "{}: duplicate heading anchor {}",
                doc.name,
                s.anchor
            );
        }
    }
}

#[test]
fn every_task_reading_uri_resolves() {
    for task in backend_engineering_mcp::content::tasks::TASKS {
        for uri in task.reading_uris() {
            assert!(
                skill().resolve_uri(&uri).is_some_and(|(_, s)| s.is_some()),
                "{uri}"
            );
        }
    }
}

#[test]
fn every_section_a_decision_tool_may_cite_resolves() {
    for (file, anchor) in backend_engineering_mcp::decide::common::CITABLE_SECTIONS {
        let uri = backend_engineering_mcp::decide::common::reference_uri(file, anchor);
        assert!(
            skill().resolve_uri(&uri).is_some_and(|(_, s)| s.is_some()),
            "{uri} does not resolve"
        );
    }
}

/// What a section of SKILL.md carries, independent of its language: its level, how many table rows,
/// list items and code blocks it has, where its links go, and every number in its text.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    level: u8,
    table_rows: usize,
    list_items: usize,
    code_blocks: usize,
    links: Vec<String>,
    numbers: Vec<String>,
}

fn shape(level: u8, markdown: &str) -> Shape {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut shape = Shape {
        level,
        table_rows: 0,
        list_items: 0,
        code_blocks: 0,
        links: Vec::new(),
        numbers: Vec::new(),
    };
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::TableRow) => shape.table_rows += 1,
            Event::Start(Tag::Item) => shape.list_items += 1,
            Event::Start(Tag::CodeBlock(_)) => shape.code_blocks += 1,
            Event::Start(Tag::Link { dest_url, .. }) => shape.links.push(dest_url.to_string()),
            Event::Text(t) | Event::Code(t) => shape.numbers.extend(numbers(&t)),
            _ => {}
        }
    }
    shape.numbers.sort();
    shape
}

/// Runs of digits, with a decimal point between digits kept (99.9, 2.0).
fn numbers(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn the_chinese_skill_carries_every_rule_of_the_english_one() {
    let en = &skill().skill_md;
    let zh = &skill().skill_md_zh;
    assert_eq!(
        en.sections.len(),
        zh.sections.len(),
        "SKILL.md and SKILL.zh.md have different numbers of sections"
    );
    let mut problems = Vec::new();
    for (e, z) in en.sections.iter().zip(&zh.sections) {
        let (a, b) = (shape(e.level, e.text), shape(z.level, z.text));
        if a != b {
            problems.push(format!(
                "{:?} vs {:?}:\n  en {a:?}\n  zh {b:?}",
                e.title, z.title
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The same tools are named in both.
    for tool in [
        "review_schema",
        "pick_scaling_strategy",
        "plan_slo",
        "diagnose_performance",
        "audit_security",
        "choose_api_style",
        "plan_retries",
        "plan_data_consistency",
        "search_references",
    ] {
        assert_eq!(
            en.text.matches(tool).count(),
            zh.text.matches(tool).count(),
            "{tool} is named a different number of times"
        );
    }
}

/// The text of `file#anchor` without its subsections.
fn section_text(file: &str, anchor: &str) -> &'static str {
    skill()
        .references
        .iter()
        .find(|d| d.name == file)
        .and_then(|d| d.section(anchor))
        .map(|s| s.text)
        .unwrap_or_else(|| panic!("{file}#{anchor} does not exist"))
}

/// A number as the references write it: 600000 -> "600,000".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn assert_states(file: &str, anchor: &str, fact: &str) {
    assert!(
        section_text(file, anchor).contains(fact),
        "{file}#{anchor} no longer states {fact:?}, which a decision tool also states"
    );
}

/// Where a decision tool and the reference section it cites state the same fact (a number, a
/// formula, a rule), both say it the same way: change one side and this fails until the other
/// follows.
#[test]
fn decision_tools_state_the_facts_of_the_sections_they_cite() {
    use backend_engineering_mcp::decide::common::reference_uri;
    use backend_engineering_mcp::decide::{failure, security};

    // plan_retries: idempotency-key scope, retention and the in-flight status.
    let input: failure::PlanRetriesInput =
        serde_json::from_value(serde_json::json!({"failure": "timeout", "idempotent": false}))
            .unwrap();
    let out = failure::plan_retries(&input).unwrap();
    assert!(
        out.idempotency
            .steps
            .iter()
            .any(|s| s.contains(failure::IDEMPOTENCY_KEY_SCOPE)),
        "plan_retries no longer states the key scope"
    );
    let key_advice = out.idempotency.steps.join(" ");
    assert!(key_advice.contains(&format!("{}h", failure::IDEMPOTENCY_KEY_TTL_HOURS)));
    assert!(key_advice.contains("409"));
    assert!(
        out.references
            .contains(&reference_uri("failure-patterns.md", "idempotency-keys"))
    );
    // Both sections on keys state what the tool says (the tool cites the first).
    for (file, anchor) in [
        ("failure-patterns.md", "idempotency-keys"),
        ("api-design.md", "idempotency-keys-on-post"),
    ] {
        assert_states(file, anchor, failure::IDEMPOTENCY_KEY_SCOPE);
        assert_states(
            file,
            anchor,
            &format!("{} hours", failure::IDEMPOTENCY_KEY_TTL_HOURS),
        );
        assert_states(file, anchor, "409");
    }

    // plan_retries: full jitter, delay n drawn from [0, min(cap, base * 2^(n-1))], 3 to 5 retries;
    // the section gives that formula as the rule and gRPC's own +-20% multiplier apart from it.
    let retries = "retries-with-exponential-backoff-and-jitter";
    // A call that is retried (idempotent), so that the schedule is there to check.
    let input: failure::PlanRetriesInput =
        serde_json::from_value(serde_json::json!({"failure": "timeout", "idempotent": true}))
            .unwrap();
    let out = failure::plan_retries(&input).unwrap();
    assert!(!out.schedule.is_empty());
    assert!(
        out.references
            .contains(&reference_uri("failure-patterns.md", retries))
    );
    let base = failure::DEFAULT_BASE_DELAY_MS;
    for step in &out.schedule {
        assert_eq!(
            step.min_delay_ms, 0,
            "retry {} is not full jitter",
            step.retry
        );
        assert_eq!(
            step.max_delay_ms,
            (base << (step.retry - 1)).min(failure::DEFAULT_MAX_DELAY_MS)
        );
    }
    assert_states(
        "failure-patterns.md",
        retries,
        "sleep = random(0, min(cap, base * 2^attempt))",
    );
    assert_states(
        "failure-patterns.md",
        retries,
        &format!(
            "at most {} to {} times",
            failure::DEFAULT_MAX_RETRIES,
            failure::SKILL_RETRY_CAP
        ),
    );
    let grpc: Vec<&str> = section_text("failure-patterns.md", retries)
        .split("\n\n")
        .filter(|p| p.contains("proposal A6"))
        .collect();
    assert!(!grpc.is_empty());
    for paragraph in grpc {
        assert!(
            paragraph.contains("random(0.8, 1.2)")
                && paragraph.contains("does not use full jitter"),
            "the gRPC paragraph must give A6's 0.8-1.2 multiplier, not full jitter: {paragraph}"
        );
    }

    // plan_retries: a 429 is retried, never sooner than its Retry-After, as both documents say.
    let input: failure::PlanRetriesInput = serde_json::from_value(
        serde_json::json!({"failure": "http_429", "idempotent": true, "retry_after_ms": 5000}),
    )
    .unwrap();
    let limited = failure::plan_retries(&input).unwrap();
    assert!(limited.should_retry);
    assert!(limited.schedule.iter().all(|s| s.min_delay_ms == 5000));
    assert!(
        limited
            .references
            .contains(&reference_uri("api-design.md", "rate-limiting"))
    );
    assert_states(
        "failure-patterns.md",
        "what-is-safe-to-retry",
        "any method with 429 or 503 plus Retry-After | yes, after the stated delay",
    );
    assert_states(
        "api-design.md",
        "rate-limiting",
        "clients retry only after it",
    );
    assert!(
        section_text("api-design.md", "method-safety-and-idempotency")
            .lines()
            .any(|l| l.trim_start().starts_with("on: [") && l.contains("429")),
        "the retry policy in api-design.md must retry 429"
    );

    // plan_retries: the breaker thresholds are Hystrix's, as the section reports them.
    assert_states(
        "failure-patterns.md",
        "circuit-breakers",
        &format!(
            "{}% errors with at least {} requests in a {} second rolling window",
            failure::BREAKER_FAILURE_RATE_PERCENT,
            failure::BREAKER_MIN_REQUESTS,
            failure::BREAKER_WINDOW_SECONDS
        ),
    );

    // audit_security: the password-hashing minimums, and PBKDF2 accepted where FIPS-140 applies.
    let input: security::AuditSecurityInput = serde_json::from_value(serde_json::json!({
        "password_hashing": "pbkdf2",
        "pbkdf2_iterations": security::PBKDF2_SHA256_MIN_ITERATIONS
    }))
    .unwrap();
    let audit = security::audit_security(&input).unwrap();
    let item = audit
        .items
        .iter()
        .find(|i| i.id == "password_hashing")
        .unwrap();
    assert_eq!(item.status, security::Status::Pass);
    assert!(item.fix.contains("FIPS-140"));
    // A failing item cites the section that states the minimums.
    let input: security::AuditSecurityInput = serde_json::from_value(serde_json::json!({
        "password_hashing": "pbkdf2",
        "pbkdf2_iterations": security::PBKDF2_SHA256_MIN_ITERATIONS - 1
    }))
    .unwrap();
    let audit = security::audit_security(&input).unwrap();
    let item = audit
        .items
        .iter()
        .find(|i| i.id == "password_hashing")
        .unwrap();
    assert_eq!(item.status, security::Status::Fail);
    assert!(item.finding.contains("600,000"));
    assert_eq!(
        item.reference,
        reference_uri("security.md", "password-storage")
    );
    let iterations = grouped(u64::from(security::PBKDF2_SHA256_MIN_ITERATIONS));
    for anchor in ["password-storage", "the-minimum-security-checklist"] {
        assert_states("security.md", anchor, &iterations);
        assert_states("security.md", anchor, "FIPS-140");
    }
    assert_states(
        "security.md",
        "password-storage",
        &format!("work factor {} or more", security::BCRYPT_MIN_COST),
    );
    let [alt_high, (m, t), alt_low, ..] = security::ARGON2ID_OWASP_CONFIGS;
    assert_states(
        "security.md",
        "password-storage",
        &format!("m = {} MiB ({m} KiB), t = {t}", m / 1024),
    );
    for (m, t) in [alt_high, alt_low] {
        assert_states(
            "security.md",
            "password-storage",
            &format!("m = {} MiB with t = {t}", m / 1024),
        );
    }
}

/// security.md maps the current OWASP Top 10 edition, 2025, with its ids and names.
#[test]
fn the_owasp_table_is_the_2025_edition() {
    const TOP10_2025: [&str; 10] = [
        "A01 Broken Access Control",
        "A02 Security Misconfiguration",
        "A03 Software Supply Chain Failures",
        "A04 Cryptographic Failures",
        "A05 Injection",
        "A06 Insecure Design",
        "A07 Authentication Failures",
        "A08 Software or Data Integrity Failures",
        "A09 Security Logging and Alerting Failures",
        "A10 Mishandling of Exceptional Conditions",
    ];
    let text = section_text("security.md", "owasp-top-10-and-api-security-top-10");
    assert!(text.contains("| OWASP Top 10:2025 |"));
    let rows: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("| A"))
        .map(|l| l.split(" |").next().unwrap_or_default())
        .collect();
    let expected: Vec<String> = TOP10_2025.iter().map(|c| c[1..].to_string()).collect();
    let rows: Vec<String> = rows
        .iter()
        .map(|r| r.trim_end_matches(" (SSRF included)").to_string())
        .collect();
    assert_eq!(rows, expected);
}
