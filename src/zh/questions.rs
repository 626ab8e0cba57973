//! The decision tools' next questions in Chinese: a reviewed table (`questions.txt`) keyed by the tool
//! and the question's `field`, and the one function that turns an English [`NextQuestion`] into its
//! Chinese version. The field, and every option that is an accepted value, stay as they are: only the
//! words a person reads change.

use std::sync::OnceLock;

use crate::decide::common::NextQuestion;

const QUESTIONS: &str = include_str!("questions.txt");

/// One question's Chinese text. A tool and field may have several blocks: one per English wording
/// (`en_question`), and one without `en_question` for the question as usually asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The tool that asks it.
    pub tool: &'static str,
    /// The question's `field`; a trailing `*` matches every field with that prefix.
    pub field: &'static str,
    /// The English question with `{}` where a value is filled in at run time, when there is one.
    pub en_question: Option<&'static str>,
    /// The question (with the same `{}` as `en_question`).
    pub question: &'static str,
    /// How to decide the answer.
    pub how_to_tell: &'static str,
    /// The options in Chinese, one per English option; empty when the English ones serve.
    pub options: Vec<&'static str>,
}

impl Block {
    fn matches(&self, tool: &str, field: &str) -> bool {
        self.tool == tool
            && match self.field.strip_suffix('*') {
                Some(prefix) => field.starts_with(prefix),
                None => self.field == field,
            }
    }
}

/// A line of `questions.txt` that does not fit its format.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("questions.txt line {line}: {problem}")]
pub struct QuestionsError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

/// Parse the table: `#` comments and blank lines are skipped; a block is `[tool field]` followed by
/// `key = value` lines (`question`, `how_to_tell`, `option`, `en_question`).
pub fn parse(text: &'static str) -> Result<Vec<Block>, QuestionsError> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut open: Option<(usize, Block)> = None;
    let finish =
        |open: Option<(usize, Block)>, blocks: &mut Vec<Block>| -> Result<(), QuestionsError> {
            let Some((line, block)) = open else {
                return Ok(());
            };
            let err = |problem: String| QuestionsError { line, problem };
            if block.question.is_empty() || block.how_to_tell.is_empty() {
                return Err(err(format!(
                    "[{} {}] needs both question and how_to_tell",
                    block.tool, block.field
                )));
            }
            let slots = |s: &str| s.matches("{}").count();
            let wanted = block.en_question.map_or(0, slots);
            if slots(block.question) != wanted {
                return Err(err(format!(
                    "[{} {}]: question has {} `{{}}`, en_question {wanted}",
                    block.tool,
                    block.field,
                    slots(block.question)
                )));
            }
            if blocks.iter().any(|b| {
                b.tool == block.tool && b.field == block.field && b.en_question == block.en_question
            }) {
                return Err(err(format!(
                    "[{} {}] is listed twice",
                    block.tool, block.field
                )));
            }
            blocks.push(block);
            Ok(())
        };
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let err = |problem: &str| QuestionsError {
            line: line_no,
            problem: problem.to_string(),
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let header = header
                .strip_suffix(']')
                .ok_or_else(|| err("a block header is `[tool field]`"))?;
            let (tool, field) = header
                .split_once(' ')
                .ok_or_else(|| err("a block header is `[tool field]`"))?;
            finish(open.take(), &mut blocks)?;
            open = Some((
                line_no,
                Block {
                    tool,
                    field,
                    en_question: None,
                    question: "",
                    how_to_tell: "",
                    options: Vec::new(),
                },
            ));
            continue;
        }
        let (key, value) = line
            .split_once(" = ")
            .ok_or_else(|| err("expected `key = value`"))?;
        let (_, block) = open
            .as_mut()
            .ok_or_else(|| err("a `key = value` line before any `[tool field]`"))?;
        let value = value.trim();
        if value.is_empty() {
            return Err(err("empty value"));
        }
        let slot = match key {
            "question" => &mut block.question,
            "how_to_tell" => &mut block.how_to_tell,
            "en_question" => {
                block.en_question = Some(value);
                continue;
            }
            "option" => {
                block.options.push(value);
                continue;
            }
            _ => return Err(err(&format!("unknown key {key:?}"))),
        };
        if !slot.is_empty() {
            return Err(err(&format!("{key} given twice")));
        }
        *slot = value;
    }
    finish(open.take(), &mut blocks)?;
    Ok(blocks)
}

/// The embedded table, parsed once (an error when the data is malformed; the tests keep it well-formed).
pub fn table() -> Result<&'static [Block], &'static QuestionsError> {
    static TABLE: OnceLock<Result<Vec<Block>, QuestionsError>> = OnceLock::new();
    TABLE
        .get_or_init(|| parse(QUESTIONS))
        .as_ref()
        .map(Vec::as_slice)
}

/// The values an English question carries in the places `template` marks `{}`; `None` when the
/// question does not follow the template.
fn captures<'a>(template: &str, text: &'a str) -> Option<Vec<&'a str>> {
    let mut parts = template.split("{}");
    let first = parts.next().unwrap_or_default();
    let mut rest = text.strip_prefix(first)?;
    let mut values = Vec::new();
    let parts: Vec<&str> = parts.collect();
    for (i, literal) in parts.iter().enumerate() {
        let at = if i + 1 == parts.len() {
            // The last literal closes the text.
            rest.len().checked_sub(literal.len())?
        } else {
            rest.find(literal)?
        };
        if !rest.get(at..)?.starts_with(literal) {
            return None;
        }
        values.push(rest.get(..at)?);
        rest = rest.get(at + literal.len()..)?;
    }
    rest.is_empty().then_some(values)
}

/// The block that translates `question`, asked by `tool`: the first whose `en_question` the English
/// follows, else the one without `en_question`.
pub fn block_for(tool: &str, question: &NextQuestion) -> Option<&'static Block> {
    let blocks = table().ok()?;
    let mut candidates = blocks.iter().filter(|b| b.matches(tool, &question.field));
    candidates
        .clone()
        .find(|b| {
            b.en_question
                .is_some_and(|t| captures(t, &question.question).is_some())
        })
        .or_else(|| candidates.find(|b| b.en_question.is_none()))
}

/// The Chinese version of `question`, asked by `tool`; `None` when the table has no block for it (or,
/// for a question with run-time values, when the English no longer follows any block's `en_question`).
pub fn translate(tool: &str, question: &NextQuestion) -> Option<NextQuestion> {
    let block = block_for(tool, question)?;
    let text = match block.en_question {
        Some(template) => {
            let values = captures(template, &question.question)?;
            let mut out = String::new();
            let mut values = values.into_iter();
            for (i, literal) in block.question.split("{}").enumerate() {
                if i > 0 {
                    out.push_str(values.next()?);
                }
                out.push_str(literal);
            }
            out
        }
        None => block.question.to_string(),
    };
    let options = if block.options.is_empty() {
        question.options.clone()
    } else if block.options.len() == question.options.len() {
        block.options.iter().map(|o| (*o).to_string()).collect()
    } else {
        return None;
    };
    Some(NextQuestion {
        field: question.field.clone(),
        question: text,
        options,
        how_to_tell: block.how_to_tell.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_parses() {
        let blocks = table().expect("questions.txt parses");
        assert!(blocks.len() >= 30, "{} blocks", blocks.len());
        for b in blocks {
            assert!(
                super::super::has_cjk(b.question),
                "[{} {}]",
                b.tool,
                b.field
            );
            assert!(
                super::super::has_cjk(b.how_to_tell),
                "[{} {}]",
                b.tool,
                b.field
            );
        }
    }

    #[test]
    fn malformed_tables_are_refused_with_the_line() {
        for (text, line) in [
            ("question = x", 1),
            ("[t f]\nquestion = 问\n", 1),
            (
                "[t f]\nquestion = 问\nhow_to_tell = 看\n[t f]\nquestion = 问\nhow_to_tell = 看",
                4,
            ),
            ("[t f]\nquestion = 问\nquestion = 又", 3),
            ("[t f]\nwhat = 问", 2),
            ("[t f\nquestion = 问", 1),
            (
                "[t f]\nen_question = a {} b\nquestion = 问\nhow_to_tell = 看",
                1,
            ),
        ] {
            assert_eq!(parse(text).map(|_| ()).unwrap_err().line, line, "{text}");
        }
    }

    #[test]
    fn captures_follow_the_template() {
        assert_eq!(captures("a ({}). b?", "a (x; y). b?"), Some(vec!["x; y"]));
        assert_eq!(captures("a {} b {}", "a 1 b 2"), Some(vec!["1", "2"]));
        assert_eq!(captures("a ({}). b?", "a (x). c?"), None);
        assert_eq!(captures("a ({}). b?", "z (x). b?"), None);
        assert_eq!(captures("no slots", "no slots"), Some(vec![]));
        assert_eq!(captures("no slots", "no slots!"), None);
    }

    #[test]
    fn translation_keeps_field_and_fills_values() {
        let en = NextQuestion {
            field: "metrics.larger_instance_available".into(),
            question: "The metrics show saturation (metrics.db_cpu_percent = 95% (>= 70%)). Is a \
                       larger instance still available for that tier?"
                .into(),
            options: vec!["true".into(), "false".into()],
            how_to_tell: "...".into(),
        };
        let zh = translate("pick_scaling_strategy", &en).expect("a Chinese version");
        assert_eq!(zh.field, en.field);
        assert_eq!(zh.options, en.options);
        assert!(
            zh.question
                .contains("（metrics.db_cpu_percent = 95% (>= 70%)）"),
            "{}",
            zh.question
        );
        // Another tool's field, or an English question off its template, has no Chinese version.
        assert!(translate("plan_slo", &en).is_none());
        let reworded = NextQuestion {
            question: "Saturated. Bigger box?".into(),
            ..en
        };
        assert!(translate("pick_scaling_strategy", &reworded).is_none());
    }
}
