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
            "Language of the skill text and framing; served: {}.",
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
            format!(
                "argument {name} must be a string, got {}",
                super::jsonrpc::quote(&other.to_string())
            ),
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
    let lang = check_language(lang).map_err(|e| ErrorData::invalid_params(e.to_string(), None))?;
    let words = Framing::of(lang);
    if name == SKILL_PROMPT {
        let mut text = String::from(words.skill_intro);
        if let Some(task) = string_argument(arguments, "task")? {
            text.push_str(words.task_heading);
            text.push_str(task);
            text.push_str("\n\n");
        }
        text.push_str(skill.skill_document(lang).text);
        return Ok(
            GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
                .with_description(words.skill_description),
        );
    }
    let Some(t) = task(name) else {
        let known: Vec<_> = std::iter::once(SKILL_PROMPT)
            .chain(TASKS.iter().map(|t| t.prompt))
            .collect();
        return Err(ErrorData::invalid_params(
            format!(
                "unknown prompt {:?}; the prompts are: {}",
                super::jsonrpc::quote(name),
                known.join(", ")
            ),
            None,
        ));
    };
    let heading = t.heading_in(lang);
    let rules = t
        .section(skill, lang)
        .map(|s| s.text_with_children)
        .ok_or_else(|| {
            ErrorData::internal_error(format!("the skill has no section {heading:?}"), None)
        })?;
    let mut text = words.task_intro.replace("{heading}", heading);
    text.push_str(words.situation_heading);
    match string_argument(arguments, "context")? {
        Some(context) => {
            text.push_str(context);
            text.push_str("\n\n");
        }
        None => text.push_str(words.situation_missing),
    }
    text.push_str(words.rules_heading);
    text.push_str(rules.trim_end());
    text.push_str(&words.tool_paragraph.replace("{tool}", t.tool));
    for uri in t.reading_uris() {
        text.push_str(&format!("- {uri}\n"));
    }
    text.push_str(words.reading_hint);
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description(t.description),
    )
}

/// The words a prompt wraps around the skill's text, per served language. The tool names, URIs and
/// the skill's rules are the same in every language; only the framing changes.
struct Framing {
    skill_intro: &'static str,
    skill_description: &'static str,
    task_heading: &'static str,
    task_intro: &'static str,
    situation_heading: &'static str,
    situation_missing: &'static str,
    rules_heading: &'static str,
    tool_paragraph: &'static str,
    reading_hint: &'static str,
}

impl Framing {
    fn of(lang: &str) -> &'static Framing {
        if lang == "zh" { &ZH } else { &EN }
    }
}

const EN: Framing = Framing {
    skill_intro: "Apply the backend-engineering skill below to the task. Start your first answer with 🧢. \
         Use the decision tools (review_schema, pick_scaling_strategy, plan_slo, \
         diagnose_performance, audit_security, choose_api_style, plan_retries, \
         plan_data_consistency) when they fit, and search_references for details.\n\n",
    skill_description: "The backend-engineering skill, applied to your task",
    task_heading: "## The task\n\n",
    task_intro: "You are helping with this backend task: {heading}. Apply the rules of the backend-engineering \
         skill below; say which rule drives each recommendation. Start your first answer with 🧢.\n\n",
    situation_heading: "## The user's situation\n\n",
    situation_missing: "Not given yet: ask for the facts the rules below depend on before recommending.\n\n",
    rules_heading: "## The skill's rules for this task\n\n",
    tool_paragraph: "\n\n## Decision tool\n\nCall `{tool}` with the user's facts; it applies these rules and returns a \
         structured verdict with the reasons. When it asks a question, put it to the user.\n\n## Read next\n\n",
    reading_hint: "\nRead a section with read_reference (pass the URI) or resources/read; search others with search_references.\n",
};

const ZH: Framing = Framing {
    skill_intro: "请用下面的 backend-engineering 技能处理这个任务，用中文回答。第一条回答以 🧢 开头。\
         合适时调用决策工具（review_schema、pick_scaling_strategy、plan_slo、diagnose_performance、\
         audit_security、choose_api_style、plan_retries、plan_data_consistency），细节用 search_references \
         查找（中文提问即可，返回英文参考章节）。\n\n",
    skill_description: "backend-engineering 技能（中文），用于你的任务",
    task_heading: "## 任务\n\n",
    task_intro: "你在协助完成这项后端任务：{heading}。请运用下面 backend-engineering 技能的规则，\
         说明每条建议依据的是哪条规则，用中文回答。第一条回答以 🧢 开头。\n\n",
    situation_heading: "## 用户的情况\n\n",
    situation_missing: "尚未提供：在给出建议之前，先询问下面这些规则所依赖的事实。\n\n",
    rules_heading: "## 这项任务的技能规则\n\n",
    tool_paragraph: "\n\n## 决策工具\n\n用用户提供的事实调用 `{tool}`；它会执行这些规则，返回带理由的结构化结论。\
         它提出问题时，把问题转给用户。\n\n## 接下来阅读\n\n",
    reading_hint: "\n用 read_reference（传入 URI）或 resources/read 阅读某一节（参考文档为英文）；其他内容用 search_references 搜索，中文提问即可。\n",
};
