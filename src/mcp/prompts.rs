//! Prompts: the whole skill (`backend-engineering`) and one prompt per common task.

use rmcp::ErrorData;
use rmcp::model::{GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, Role};

use crate::content::read::check_language;
use crate::content::tasks::{TASKS, task};
use crate::content::{LANGUAGES, Skill};

/// Name of the prompt that carries the whole skill.
pub const SKILL_PROMPT: &str = "backend-engineering";
/// Longest `task`/`context` argument accepted, in characters.
pub const MAX_ARGUMENT_CHARS: usize = 20_000;

fn lang_argument() -> PromptArgument {
    PromptArgument::new("lang")
        .with_title("Language")
        .with_description(format!(
            "Language of the skill text; served: {}.",
            LANGUAGES.join(", ")
        ))
        .with_required(false)
}

/// Every prompt, in the order `prompts/list` serves them.
pub fn list() -> Vec<Prompt> {
    let mut prompts = vec![Prompt::new(
        SKILL_PROMPT,
        Some(
            "Load the backend-engineering skill (a senior engineer's decision framework) for the task at hand.",
        ),
        Some(vec![
            PromptArgument::new("task")
                .with_title("Task")
                .with_description("What you are working on, e.g. 'design the orders schema'.")
                .with_required(false),
            lang_argument(),
        ]),
    )
    .with_title("Backend engineering skill")];
    for t in TASKS {
        prompts.push(
            Prompt::new(
                t.prompt,
                Some(t.description),
                Some(vec![
                    PromptArgument::new("context")
                        .with_title("Context")
                        .with_description(
                            "Your situation: the system, the numbers, what you tried.",
                        )
                        .with_required(false),
                    lang_argument(),
                ]),
            )
            .with_title(t.heading),
        );
    }
    prompts
}

fn string_argument<'a>(
    arguments: Option<&'a JsonObject>,
    name: &str,
) -> Result<Option<&'a str>, ErrorData> {
    match arguments.and_then(|a| a.get(name)) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.chars().count() > MAX_ARGUMENT_CHARS => {
            Err(ErrorData::invalid_params(
                format!("argument {name} is longer than {MAX_ARGUMENT_CHARS} characters"),
                None,
            ))
        }
        Some(serde_json::Value::String(s)) => Ok(Some(s.as_str()).filter(|s| !s.trim().is_empty())),
        Some(other) => Err(ErrorData::invalid_params(
            format!("argument {name} must be a string, got {other}"),
            None,
        )),
    }
}

/// Build a prompt's messages.
pub fn get(
    skill: &Skill,
    name: &str,
    arguments: Option<&JsonObject>,
) -> Result<GetPromptResult, ErrorData> {
    let lang = string_argument(arguments, "lang")?;
    check_language(lang).map_err(|e| ErrorData::invalid_params(e.to_string(), None))?;
    if name == SKILL_PROMPT {
        let mut text = String::from(
            "Apply the backend-engineering skill below to the task. Start your first answer with 🧢. \
             Use the decision tools (review_schema, pick_scaling_strategy, plan_slo, \
             diagnose_performance, audit_security, choose_api_style, plan_retries, \
             plan_data_consistency) when they fit, and search_references for details.\n\n",
        );
        if let Some(task) = string_argument(arguments, "task")? {
            text.push_str("## The task\n\n");
            text.push_str(task);
            text.push_str("\n\n");
        }
        text.push_str(skill.skill_md.text);
        return Ok(
            GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
                .with_description("The backend-engineering skill, applied to your task"),
        );
    }
    let Some(t) = task(name) else {
        let known: Vec<_> = std::iter::once(SKILL_PROMPT)
            .chain(TASKS.iter().map(|t| t.prompt))
            .collect();
        return Err(ErrorData::invalid_params(
            format!(
                "unknown prompt {name:?}; the prompts are: {}",
                known.join(", ")
            ),
            None,
        ));
    };
    let rules = t
        .section(skill)
        .map(|s| s.text_with_children)
        .ok_or_else(|| {
            ErrorData::internal_error(format!("SKILL.md has no section {:?}", t.heading), None)
        })?;
    let mut text = format!(
        "You are helping with this backend task: {heading}. Apply the rules of the backend-engineering \
         skill below; say which rule drives each recommendation. Start your first answer with 🧢.\n\n",
        heading = t.heading
    );
    match string_argument(arguments, "context")? {
        Some(context) => {
            text.push_str("## The user's situation\n\n");
            text.push_str(context);
            text.push_str("\n\n");
        }
        None => text.push_str(
            "## The user's situation\n\nNot given yet: ask for the facts the rules below depend on before recommending.\n\n",
        ),
    }
    text.push_str("## The skill's rules for this task\n\n");
    text.push_str(rules.trim_end());
    text.push_str(&format!(
        "\n\n## Decision tool\n\nCall `{}` with the user's facts; it applies these rules and returns a \
         structured verdict with the reasons. When it asks a question, put it to the user.\n\n## Read next\n\n",
        t.tool
    ));
    for uri in t.reading_uris() {
        text.push_str(&format!("- {uri}\n"));
    }
    text.push_str("\nRead a section with read_reference (pass the URI) or resources/read; search others with search_references.\n");
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description(t.description),
    )
}
