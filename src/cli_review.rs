//! `review-schema` on the command line: reads the schema and the migration files (directories in name
//! order), runs the review, maps each finding back to its file and line, and prints it as text, JSON,
//! GitHub annotations or SARIF. `--fail-on` turns findings into exit status 1 for CI.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde_json::{Value, json};

use crate::decide::schema::{self, Finding, ReviewSchemaInput, ReviewSchemaOutput, Severity};

/// Largest file (or stdin) the review reads, in bytes: the core's own limit.
const MAX_FILE_BYTES: u64 = schema::MAX_INPUT_BYTES as u64;

/// Output formats of `review-schema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable report.
    Text,
    /// The structured review (findings carry `file` and `line`).
    Json,
    /// GitHub Actions workflow commands (`::error file=...`), shown inline on pull requests.
    Github,
    /// SARIF 2.1.0, for code-scanning uploads.
    Sarif,
}

/// Severity threshold of `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    High,
    Medium,
    Low,
}

fn rank(s: Severity) -> u8 {
    match s {
        Severity::High => 3,
        Severity::Medium => 2,
        Severity::Low => 1,
    }
}

impl FailOn {
    fn reached_by(self, s: Severity) -> bool {
        let min = match self {
            FailOn::High => 3,
            FailOn::Medium => 2,
            FailOn::Low => 1,
        };
        rank(s) >= min
    }
}

/// What `review-schema` was asked.
#[derive(Debug, Clone)]
pub struct Request {
    pub paths: Vec<String>,
    pub schema: Option<String>,
    pub dialect: Option<String>,
    pub postgres_version: Option<u32>,
    pub queries: Vec<String>,
    pub format: Format,
    pub fail_on: Option<FailOn>,
    pub exclude: Vec<String>,
}

/// Why `review-schema` stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// Bad arguments or input: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Findings at or above `--fail-on`: exit 1 (the report is already printed).
    #[error("{0} finding(s) at or above --fail-on")]
    Failed(usize),
    /// The report could not be written (stdout is not a closed pipe, which is fine, but broken).
    #[error("writing the report: {0}")]
    Output(#[source] std::io::Error),
}

/// The report on stdout. A reader that stopped reading (`| head`) is not an error: the review is
/// done, and `--fail-on` still decides the exit code.
fn write_report(text: &str) -> Result<(), ReviewError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(text.as_bytes())
        .and_then(|()| {
            if text.ends_with('\n') {
                Ok(())
            } else {
                out.write_all(b"\n")
            }
        })
        .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(ReviewError::Output(e)),
        _ => Ok(()),
    }
}

/// One input file's place in the concatenated script.
struct Part {
    path: String,
    first_line: u64,
}

fn read_text(path: &Path) -> Result<String, ReviewError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| ReviewError::Usage(format!("{name}: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| ReviewError::Usage(format!("{name}: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReviewError::Usage(format!(
            "{name}: {} bytes; at most {MAX_FILE_BYTES} bytes are reviewed",
            meta.len()
        )));
    }
    // The size a device or a pipe reports is no bound (`/dev/zero` says 0): the read is.
    read_bounded(file, &name)
}

fn read_stdin() -> Result<String, ReviewError> {
    read_bounded(std::io::stdin().lock(), "stdin")
}

/// At most one byte past the limit, then UTF-8 with the offset of the first bad byte.
fn read_bounded(reader: impl std::io::Read, name: &str) -> Result<String, ReviewError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    reader
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReviewError::Usage(format!("{name}: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReviewError::Usage(format!(
            "{name}: longer than {MAX_FILE_BYTES} bytes; at most that much is reviewed at once"
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        ReviewError::Usage(format!(
            "{name} is not UTF-8 text (invalid byte at offset {}); give a SQL file",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The files named: a directory stands for its `*.sql` files, sorted by name.
fn expand(paths: &[String]) -> Result<Vec<PathBuf>, ReviewError> {
    let mut files = Vec::new();
    for p in paths {
        let path = PathBuf::from(p);
        if path.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|e| ReviewError::Usage(format!("{p}: {e}")))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file() && f.extension().is_some_and(|x| x.eq_ignore_ascii_case("sql"))
                })
                .collect();
            v.sort();
            if v.is_empty() {
                return Err(ReviewError::Usage(format!(
                    "{p}: no .sql files in this directory"
                )));
            }
            files.extend(v);
        } else {
            files.push(path);
        }
    }
    Ok(files)
}

/// Reads and joins the script files, remembering where each starts.
fn read_script(paths: &[String]) -> Result<(String, Vec<Part>), ReviewError> {
    if paths.is_empty() || (paths.len() == 1 && paths.first().is_some_and(|p| p == "-")) {
        return Ok((
            read_stdin()?,
            vec![Part {
                path: "-".into(),
                first_line: 1,
            }],
        ));
    }
    let mut text = String::new();
    let mut parts = Vec::new();
    let mut line = 1u64;
    for f in expand(paths)? {
        let t = read_text(&f)?;
        parts.push(Part {
            path: f.display().to_string(),
            first_line: line,
        });
        line += t.matches('\n').count() as u64;
        text.push_str(&t);
        if !t.ends_with('\n') {
            text.push('\n');
            line += 1;
        }
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(ReviewError::Usage(format!(
                "the migration files add up to more than {MAX_FILE_BYTES} bytes; review them in parts"
            )));
        }
    }
    Ok((text, parts))
}

/// File and line in that file of a line of the concatenated script.
fn locate(parts: &[Part], line: u64) -> (&str, u64) {
    let part = parts.iter().rev().find(|p| p.first_line <= line);
    match part {
        Some(p) => (p.path.as_str(), line - p.first_line + 1),
        None => ("-", line),
    }
}

/// Runs the review and prints it. `Ok(())` when nothing reaches `--fail-on`.
pub fn run(req: &Request) -> Result<(), ReviewError> {
    for r in &req.exclude {
        if schema::rules::get(r).is_none() {
            let ids: Vec<&str> = schema::rules::ALL.iter().map(|r| r.id).collect();
            return Err(ReviewError::Usage(format!(
                "--exclude {r}: no such rule; rules: {}",
                ids.join(", ")
            )));
        }
    }
    let (script, parts) = read_script(&req.paths)?;
    let schema_text = match &req.schema {
        Some(p) if p == "-" => Some(read_stdin()?),
        Some(p) => Some(read_text(Path::new(p))?),
        None => None,
    };
    let dialect = match &req.dialect {
        Some(d) => Some(
            serde_json::from_value(Value::String(d.clone())).map_err(|_| {
                ReviewError::Usage(format!(
                    "--dialect {d}: use postgres, mysql, sqlite or generic"
                ))
            })?,
        ),
        None => None,
    };
    let two = schema_text.is_some();
    let input = ReviewSchemaInput {
        schema: schema_text,
        migration: two.then(|| script.clone()),
        ddl: (!two).then_some(script),
        dialect,
        postgres_version: req.postgres_version,
        queries: (!req.queries.is_empty()).then(|| req.queries.clone()),
        max_findings: None,
    };
    let mut out = schema::review_all(&input).map_err(|e| ReviewError::Usage(e.to_string()))?;
    out.findings.retain(|f| !req.exclude.contains(&f.rule));
    recount(&mut out);
    let schema_path = req.schema.clone().unwrap_or_else(|| "schema".into());
    let place = |f: &Finding| -> (String, Option<u64>) {
        match (f.input.as_deref(), f.line) {
            (Some("schema"), l) => (schema_path.clone(), l),
            (_, Some(l)) => {
                let (p, l) = locate(&parts, l);
                (p.to_string(), Some(l))
            }
            (_, None) => (
                parts.first().map_or("-".to_string(), |p| p.path.clone()),
                None,
            ),
        }
    };
    let text = match req.format {
        Format::Text => out.to_string(),
        Format::Json => json_report(&out, &place),
        Format::Github => github(&out, &place),
        Format::Sarif => sarif(&out, &place),
    };
    write_report(&text)?;
    if let Some(t) = req.fail_on {
        let n = out
            .findings
            .iter()
            .filter(|f| t.reached_by(f.severity))
            .count();
        if n > 0 {
            return Err(ReviewError::Failed(n));
        }
    }
    Ok(())
}

fn recount(out: &mut ReviewSchemaOutput) {
    let mut s = schema::SeveritySummary::default();
    for f in &out.findings {
        match f.severity {
            Severity::High => s.high += 1,
            Severity::Medium => s.medium += 1,
            Severity::Low => s.low += 1,
        }
    }
    s.total = out.findings.len();
    out.summary = s;
}

type Place<'a> = dyn Fn(&Finding) -> (String, Option<u64>) + 'a;

fn json_report(out: &ReviewSchemaOutput, place: &Place<'_>) -> String {
    let mut v = serde_json::to_value(out).unwrap_or(Value::Null);
    if let Some(list) = v.get_mut("findings").and_then(Value::as_array_mut) {
        for (item, f) in list.iter_mut().zip(&out.findings) {
            let (file, line) = place(f);
            if let Some(o) = item.as_object_mut() {
                o.insert("file".into(), Value::String(file));
                if let Some(l) = line {
                    o.insert("line".into(), json!(l));
                }
            }
        }
    }
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// Escapes a GitHub workflow command property or message.
fn gh_escape(s: &str, property: bool) -> String {
    let mut e = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        e = e.replace(':', "%3A").replace(',', "%2C");
    }
    e
}

fn github(out: &ReviewSchemaOutput, place: &Place<'_>) -> String {
    let mut s = String::new();
    for f in &out.findings {
        let (file, line) = place(f);
        let level = match f.severity {
            Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low => "notice",
        };
        let line = line.map(|l| format!(",line={l}")).unwrap_or_default();
        s.push_str(&format!(
            "::{level} file={}{line},title={}::{}\n",
            gh_escape(&file, true),
            gh_escape(&f.rule, true),
            gh_escape(&format!("{} Fix: {}", f.message, f.fix), false)
        ));
    }
    for u in &out.unparsed {
        s.push_str(&format!(
            "::notice title=not parsed::{} line {}: {} ({})\n",
            gh_escape(&u.input, false),
            u.line,
            gh_escape(&u.starts, false),
            gh_escape(&u.error, false)
        ));
    }
    s.push_str(&format!(
        "review-schema: {} finding(s): {} high, {} medium, {} low\n",
        out.summary.total, out.summary.high, out.summary.medium, out.summary.low
    ));
    s
}

fn sarif(out: &ReviewSchemaOutput, place: &Place<'_>) -> String {
    let rules: Vec<Value> = schema::rules::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": { "text": r.what },
                "fullDescription": { "text": format!("{} {}", r.why, r.instead) },
                "helpUri": r.reference(),
            })
        })
        .collect();
    let results: Vec<Value> = out
        .findings
        .iter()
        .map(|f| {
            let (file, line) = place(f);
            let level = match f.severity {
                Severity::High => "error",
                Severity::Medium => "warning",
                Severity::Low => "note",
            };
            let mut loc = json!({ "physicalLocation": { "artifactLocation": { "uri": file } } });
            if let (Some(l), Some(p)) = (
                line,
                loc.get_mut("physicalLocation")
                    .and_then(Value::as_object_mut),
            ) {
                p.insert("region".into(), json!({ "startLine": l }));
            }
            json!({
                "ruleId": f.rule,
                "level": level,
                "message": { "text": format!("{} Fix: {}", f.message, f.fix) },
                "locations": [loc],
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "backend-engineering-mcp review-schema",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_map_back_to_their_file() {
        let parts = vec![
            Part {
                path: "a.sql".into(),
                first_line: 1,
            },
            Part {
                path: "b.sql".into(),
                first_line: 11,
            },
        ];
        assert_eq!(locate(&parts, 3), ("a.sql", 3));
        assert_eq!(locate(&parts, 11), ("b.sql", 1));
        assert_eq!(locate(&parts, 15), ("b.sql", 5));
    }

    #[test]
    fn fail_on_thresholds() {
        assert!(FailOn::Medium.reached_by(Severity::High));
        assert!(FailOn::Medium.reached_by(Severity::Medium));
        assert!(!FailOn::Medium.reached_by(Severity::Low));
        assert!(!FailOn::High.reached_by(Severity::Medium));
    }

    #[test]
    fn github_commands_escape_their_properties() {
        assert_eq!(gh_escape("a:b,c\n", true), "a%3Ab%2Cc%0A");
        assert_eq!(gh_escape("50% done", false), "50%25 done");
    }
}
