//! The tool registry: every tool's MCP definition (title, schemas, annotations) and a translation from
//! JSON arguments to a typed call of the pure core and back to a `CallToolResult`.

use std::fmt::Display;

use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::lang::{Asks, Lang};
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
    inline: fn(&Context) -> bool,
}

impl ToolEntry {
    /// Run the tool on JSON arguments.
    pub fn call(&self, context: &Context, arguments: JsonObject) -> CallToolResult {
        (self.handler)(context, arguments)
    }

    /// Whether a call may run on the caller's thread now: its cost is bounded by the request limits
    /// to well under a millisecond (less than the hop to the blocking pool), and nothing it needs is
    /// still being built. Every other call goes to the pool.
    pub fn runs_inline(&self, context: &Context) -> bool {
        (self.inline)(context)
    }

    /// Mark the tool as cheap whenever `when` holds.
    fn inline_when(mut self, when: fn(&Context) -> bool) -> Self {
        self.inline = when;
        self
    }
}

fn never(_: &Context) -> bool {
    false
}

fn always(_: &Context) -> bool {
    true
}

/// A tool result carrying `structuredContent` and a human-readable text block. With `prune`, the
/// structured result leaves out `null`s and empty lists (the decision tools' results are read by
/// models that see only the JSON). `notes` say how the arguments were read, in both forms.
pub fn success<O: Serialize>(
    output: &O,
    text: String,
    notes: &[String],
    prune: bool,
) -> CallToolResult {
    match serde_json::to_value(output) {
        Ok(mut value) => {
            if prune {
                super::schema::prune(&mut value);
            }
            let mut text = text;
            if !notes.is_empty() {
                if let serde_json::Value::Object(object) = &mut value {
                    object.insert("input_notes".into(), notes.into());
                }
                text = format!("Arguments read as: {}\n\n{text}", notes.join("; "));
            }
            // Not `CallToolResult::structured`, which writes the whole value out as a text block
            // that this text would then replace.
            let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
            result.structured_content = Some(value);
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
fn entry<I, O, E, F>(
    name: &'static str,
    title: &str,
    description: &str,
    prune: bool,
    run: F,
) -> ToolEntry
where
    I: DeserializeOwned + JsonSchema + 'static,
    O: Serialize + JsonSchema + 'static,
    E: Display,
    F: Fn(&Context, &I) -> Result<(O, String), E> + Send + Sync + 'static,
{
    build(name, title, description, prune, false, move |c, i, _| {
        run(c, i)
    })
}

/// [`entry`], and with `lang` a `lang` argument (or Chinese in the arguments) that `run` receives as
/// the language to ask next questions in.
fn build<I, O, E, F>(
    name: &'static str,
    title: &str,
    description: &str,
    prune: bool,
    lang: bool,
    run: F,
) -> ToolEntry
where
    I: DeserializeOwned + JsonSchema + 'static,
    O: Serialize + JsonSchema + 'static,
    E: Display,
    F: Fn(&Context, &I, Lang) -> Result<(O, String), E> + Send + Sync + 'static,
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
    super::schema::make_compact(&mut input_schema);
    if lang {
        super::lang::add_property(&mut input_schema);
    }
    tool.input_schema = std::sync::Arc::new(input_schema);
    if let Some(output) = tool.output_schema.as_deref() {
        let mut output_schema = output.clone();
        super::schema::make_portable(&mut output_schema, super::schema::Side::Output);
        super::schema::make_compact_output(&mut output_schema, prune);
        if let Some(serde_json::Value::Object(properties)) = output_schema.get_mut("properties") {
            properties.insert(
                "input_notes".into(),
                serde_json::json!({"type": "array", "items": {"type": "string"}}),
            );
        }
        tool.output_schema = Some(std::sync::Arc::new(output_schema));
    }
    // The schema the arguments are read against, made once rather than per call.
    let decode_schema = crate::decode::schema_of::<I>();
    let handler: Handler = Box::new(move |context, mut arguments| {
        let language = if lang {
            match super::lang::take(&mut arguments) {
                Ok(language) => language,
                Err(e) => return error(format!("{name}: {e}")),
            }
        } else {
            Lang::En
        };
        let value = serde_json::Value::Object(arguments);
        let decoded = match crate::decode::decode_with::<I>(value, &decode_schema) {
            Ok(decoded) => decoded,
            Err(e) => return error(format!("{name}: {e}")),
        };
        match run(context, &decoded.input, language) {
            Ok((output, text)) => success(&output, text, &decoded.notes, prune),
            Err(e) => error(format!("{name}: {e}")),
        }
    });
    ToolEntry {
        tool,
        handler,
        inline: never,
    }
}

/// How a decision tool's structured result is shaped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `null`s and empty lists left out (most decision tools: a model reads only what was found).
    Pruned,
    /// Every field kept, empty lists included: they are part of the tool's own contract.
    Whole,
}

/// Describe a decision tool whose output renders itself for people.
fn decision<I, O, E>(
    name: &'static str,
    title: &str,
    description: &str,
    shape: Shape,
    run: fn(&I) -> Result<O, E>,
) -> ToolEntry
where
    I: DeserializeOwned + JsonSchema + 'static,
    O: Serialize + JsonSchema + Display + 'static,
    E: Display + 'static,
{
    decide(name, title, description, shape, None, run)
}

/// Describe a decision tool that may ask next questions: it takes `lang` and asks in that language.
fn asking<I, O, E>(
    name: &'static str,
    title: &str,
    description: &str,
    run: fn(&I) -> Result<O, E>,
) -> ToolEntry
where
    I: DeserializeOwned + JsonSchema + 'static,
    O: Serialize + JsonSchema + Display + Asks + 'static,
    E: Display + 'static,
{
    decide(
        name,
        title,
        description,
        Shape::Pruned,
        Some(super::lang::localize::<O>),
        run,
    )
}

/// The one body behind [`decision`] and [`asking`]: with `localize`, the tool takes `lang` and its
/// next questions are rewritten in that language before the text is rendered.
fn decide<I, O, E>(
    name: &'static str,
    title: &str,
    description: &str,
    shape: Shape,
    localize: Option<fn(&str, &mut O, Lang)>,
    run: fn(&I) -> Result<O, E>,
) -> ToolEntry
where
    I: DeserializeOwned + JsonSchema + 'static,
    O: Serialize + JsonSchema + Display + 'static,
    E: Display + 'static,
{
    build(
        name,
        title,
        description,
        shape == Shape::Pruned,
        localize.is_some(),
        move |_: &Context, input: &I, lang| {
            run(input).map(|mut output| {
                if let Some(localize) = localize {
                    localize(name, &mut output, lang);
                }
                let text = output.to_string();
                (output, text)
            })
        },
    )
}

/// Every tool, in the order `tools/list` serves them.
pub fn registry() -> Vec<ToolEntry> {
    let mut tools = vec![
        entry(
            "get_skill",
            "Get the backend-engineering skill",
            "The whole backend-engineering skill (SKILL.md, about 4k tokens): principles, the eight tasks' \
             decision rules, anti-patterns, the reference index. For one question, search_references \
             is cheaper.",
            false,
            |ctx: &Context, input: &GetSkillRequest| {
                read::get_skill(ctx.skill, input).map(|out| {
                    let text = out.text.clone();
                    (out, text)
                })
            },
        )
        // A copy of embedded text.
        .inline_when(always),
        entry(
            "search_references",
            "Search the backend-engineering references",
            "Find the reference sections that answer a backend question (schemas, migrations, scaling, \
             caching, SLOs, performance, security, APIs, retries, sagas), in plain words or code \
             identifiers. Returns the best section's text and snippets of the next, or \"no good match\".",
            false,
            |ctx: &Context, input: &SearchRequest| {
                ctx.index
                    .get()
                    .and_then(|index| index.search(input))
                    .map(|out| {
                        let text = out.render(true);
                        (out, text)
                    })
            },
        )
        // Tens of microseconds (a query of at most 1,000 characters, at most 10 hits), once the
        // index exists; the first calls, which may wait for its build, go to the pool.
        .inline_when(|ctx| ctx.index.is_built()),
        entry(
            "read_reference",
            "Read a backend-engineering reference",
            "Read one section of a reference (by anchor, heading or a URI from search_references), or a \
             whole reference (thousands of words), with the list of its sections.",
            false,
            |ctx: &Context, input: &ReadReferenceRequest| {
                read::read_reference(ctx.skill, input).map(|out| {
                    let text = out.text.clone();
                    (out, text)
                })
            },
        )
        // A lookup and a copy of one embedded document at most.
        .inline_when(always),
    ];
    tools.extend(decision_tools());
    tools
}

fn decision_tools() -> Vec<ToolEntry> {
    use crate::decide::{
        api, consistency, failure, observability, performance, scaling, schema, security,
    };
    vec![
        // review_schema's lists (findings, skipped statements) stay even when empty.
        decision(
            "review_schema",
            schema::TITLE,
            schema::DESCRIPTION,
            Shape::Whole,
            schema::review_schema,
        ),
        asking(
            "pick_scaling_strategy",
            scaling::TITLE,
            scaling::DESCRIPTION,
            scaling::pick_scaling_strategy,
        ),
        asking(
            "plan_slo",
            observability::TITLE,
            observability::DESCRIPTION,
            observability::plan_slo,
        ),
        asking(
            "diagnose_performance",
            performance::TITLE,
            performance::DESCRIPTION,
            performance::diagnose_performance,
        ),
        asking(
            "audit_security",
            security::TITLE,
            security::DESCRIPTION,
            security::audit_security,
        ),
        asking(
            "choose_api_style",
            api::TITLE,
            api::DESCRIPTION,
            api::choose_api_style,
        ),
        decision(
            "plan_retries",
            failure::TITLE,
            failure::DESCRIPTION,
            Shape::Pruned,
            failure::plan_retries,
        ),
        asking(
            "plan_data_consistency",
            consistency::TITLE,
            consistency::DESCRIPTION,
            consistency::plan_data_consistency,
        ),
    ]
}
