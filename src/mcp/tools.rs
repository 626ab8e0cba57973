//! The tool registry: every tool's MCP definition (title, schemas, annotations) and a translation from
//! JSON arguments to a typed call of the pure core and back to a `CallToolResult`.

use std::fmt::Display;

use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::content::Skill;
use crate::content::read::{self, GetSkillRequest, ReadReferenceRequest};
use crate::search::{SearchRequest, SharedIndex};

/// What a tool handler can reach.
pub struct Context {
    /// The embedded skill.
    pub skill: &'static Skill,
    /// The search index over the references (built in the background at start-up).
    pub index: SharedIndex,
}

type Handler = Box<dyn Fn(&Context, JsonObject) -> CallToolResult + Send + Sync>;

/// One tool: its definition and its handler.
pub struct ToolEntry {
    /// The MCP definition served by `tools/list`.
    pub tool: Tool,
    handler: Handler,
}

impl ToolEntry {
    /// Run the tool on JSON arguments.
    pub fn call(&self, context: &Context, arguments: JsonObject) -> CallToolResult {
        (self.handler)(context, arguments)
    }
}

/// A tool result carrying `structuredContent` and a human-readable text block.
pub fn success<O: Serialize>(output: &O, text: String) -> CallToolResult {
    match serde_json::to_value(output) {
        Ok(value) => {
            let mut result = CallToolResult::structured(value);
            result.content = vec![ContentBlock::text(text)];
            result
        }
        Err(e) => error(format!("could not encode the result: {e}")),
    }
}

/// A tool-level error a model can read and act on.
pub fn error(message: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message.into())])
}

/// Describe one tool: typed input `I`, typed output `O`, and a pure function between them.
fn entry<I, O, E, F>(name: &'static str, title: &str, description: &str, run: F) -> ToolEntry
where
    I: DeserializeOwned + JsonSchema + 'static,
    O: Serialize + JsonSchema + 'static,
    E: Display,
    F: Fn(&Context, &I) -> Result<(O, String), E> + Send + Sync + 'static,
{
    let mut tool = Tool::new(name, description.to_string(), JsonObject::new())
        .with_input_schema::<I>()
        .with_output_schema::<O>()
        .with_title(title)
        .with_annotations(
            ToolAnnotations::with_title(title)
                .read_only(true)
                .destructive(false)
                .idempotent(true)
                .open_world(false),
        );
    let mut input_schema = (*tool.input_schema).clone();
    super::schema::make_portable(&mut input_schema, super::schema::Side::Input);
    tool.input_schema = std::sync::Arc::new(input_schema);
    if let Some(output) = tool.output_schema.as_deref() {
        let mut output_schema = output.clone();
        super::schema::make_portable(&mut output_schema, super::schema::Side::Output);
        tool.output_schema = Some(std::sync::Arc::new(output_schema));
    }
    let handler: Handler = Box::new(move |context, arguments| {
        let value = serde_json::Value::Object(arguments);
        let input: I = match crate::input::from_json(value) {
            Ok(input) => input,
            Err(e) => {
                return error(format!(
                    "invalid arguments for {name}: {e}. See the tool's inputSchema for the fields and their types."
                ));
            }
        };
        match run(context, &input) {
            Ok((output, text)) => success(&output, text),
            Err(e) => error(format!("{name}: {e}")),
        }
    });
    ToolEntry { tool, handler }
}

/// Describe a decision tool whose output renders itself for people.
fn decision<I, O, E>(
    name: &'static str,
    title: &str,
    description: &str,
    run: fn(&I) -> Result<O, E>,
) -> ToolEntry
where
    I: DeserializeOwned + JsonSchema + 'static,
    O: Serialize + JsonSchema + Display + 'static,
    E: Display + 'static,
{
    entry(name, title, description, move |_: &Context, input: &I| {
        run(input).map(|output| {
            let text = output.to_string();
            (output, text)
        })
    })
}

/// Every tool, in the order `tools/list` serves them.
pub fn registry() -> Vec<ToolEntry> {
    let mut tools = vec![
        entry(
            "get_skill",
            "Get the backend-engineering skill",
            "Return the full backend-engineering skill (SKILL.md): principles, the eight common tasks with \
             their decision rules, anti-patterns and the reference index. Call it first when the client \
             does not load prompts or resources, before any backend design, review or debugging work.",
            |ctx: &Context, input: &GetSkillRequest| {
                read::get_skill(ctx.skill, input).map(|out| {
                    let text = out.text.clone();
                    (out, text)
                })
            },
        ),
        entry(
            "search_references",
            "Search the backend-engineering references",
            "Find the reference sections that answer a backend question (schema design, indexing, \
             migrations, scaling, caching, observability, SLOs, performance, security, API design, \
             retries, sagas...). Plain words or code identifiers. Returns the best section's full text \
             and snippets of the next ones (with URIs for read_reference); says \"no good match\" \
             with the closest headings when nothing fits.",
            |ctx: &Context, input: &SearchRequest| {
                ctx.index
                    .get()
                    .and_then(|index| index.search(input))
                    .map(|out| {
                        let text = out.render(true);
                        (out, text)
                    })
            },
        ),
        entry(
            "read_reference",
            "Read a backend-engineering reference",
            "Read one reference document of the backend-engineering skill, whole or one section by anchor \
             (or by a URI returned from search_references), with the list of its sections. Prefer a \
             section: whole files are several thousand words.",
            |ctx: &Context, input: &ReadReferenceRequest| {
                read::read_reference(ctx.skill, input).map(|out| {
                    let text = out.text.clone();
                    (out, text)
                })
            },
        ),
    ];
    tools.extend(decision_tools());
    tools
}

fn decision_tools() -> Vec<ToolEntry> {
    use crate::decide::{
        api, consistency, failure, observability, performance, scaling, schema, security,
    };
    vec![
        decision(
            "review_schema",
            schema::TITLE,
            schema::DESCRIPTION,
            schema::review_schema,
        ),
        decision(
            "pick_scaling_strategy",
            scaling::TITLE,
            scaling::DESCRIPTION,
            scaling::pick_scaling_strategy,
        ),
        decision(
            "plan_slo",
            observability::TITLE,
            observability::DESCRIPTION,
            observability::plan_slo,
        ),
        decision(
            "diagnose_performance",
            performance::TITLE,
            performance::DESCRIPTION,
            performance::diagnose_performance,
        ),
        decision(
            "audit_security",
            security::TITLE,
            security::DESCRIPTION,
            security::audit_security,
        ),
        decision(
            "choose_api_style",
            api::TITLE,
            api::DESCRIPTION,
            api::choose_api_style,
        ),
        decision(
            "plan_retries",
            failure::TITLE,
            failure::DESCRIPTION,
            failure::plan_retries,
        ),
        decision(
            "plan_data_consistency",
            consistency::TITLE,
            consistency::DESCRIPTION,
            consistency::plan_data_consistency,
        ),
    ]
}
