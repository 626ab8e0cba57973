//! The MCP adapter: an rmcp `ServerHandler` that translates MCP requests to the pure core (content,
//! search, decision tools) and back. It holds no domain logic of its own.

pub mod exec;
pub mod jsonrpc;
pub mod lang;
pub mod prompts;
pub mod resources;
pub mod schema;
pub mod stdio;
pub mod tools;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult, CompletionInfo,
    GetPromptRequestParams, GetPromptResponse, GetSkillRequestParams, GetSkillResult,
    Implementation, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    ListSkillsResult, ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, Reference, ServerCapabilities, ServerConfig,
};
#[allow(deprecated)]
// MCP logging: deprecated in 2026-07-28 (SEP-2577), required by 2025-11-25.
use rmcp::model::{LoggingLevel, LoggingMessageNotificationParam, SetLevelRequestParams};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};

use crate::content::{LANGUAGES, REFERENCE_URI_TEMPLATE, SKILL_URI, Skill};
use crate::search::SharedIndex;
use tools::{Context, ToolEntry};

/// Name in `serverInfo`.
pub const SERVER_NAME: &str = "backend-engineering-mcp";

/// Short, imperative instructions sent at initialize.
pub const INSTRUCTIONS: &str = "Backend engineering help. For a concrete decision call its tool: \
review_schema (schemas, migrations), pick_scaling_strategy, plan_slo, diagnose_performance, audit_security, \
choose_api_style, plan_retries, plan_data_consistency. For any other question call search_references and \
read only the sections it returns (read_reference). Load the whole skill (get_skill, or the \
backend-engineering prompt) only for broad design work. For a user who writes Chinese pass lang: zh \
(get_skill, the prompts, and the decision tools' next questions).";

struct Inner {
    context: Context,
    tools: Vec<ToolEntry>,
    exec: exec::Executor,
}

/// The server: cheap to clone (one shared state). A clone shares the session's log level too; a
/// transport serving several sessions gives each its own with [`BackendEngineeringServer::for_session`].
#[derive(Clone)]
pub struct BackendEngineeringServer {
    inner: Arc<Inner>,
    /// The session's `logging/setLevel`: 0 until a client sets one (then no log messages are sent),
    /// else the level's rank plus one ([`log_rank`]).
    log_level: Arc<AtomicU8>,
}

/// A log level's rank, debug (1) to emergency (8), as the specification orders them.
#[allow(deprecated)]
fn log_rank(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 1,
        LoggingLevel::Info => 2,
        LoggingLevel::Notice => 3,
        LoggingLevel::Warning => 4,
        LoggingLevel::Error => 5,
        LoggingLevel::Critical => 6,
        LoggingLevel::Alert => 7,
        LoggingLevel::Emergency => 8,
    }
}

/// The level a 2026-07-28 request asks for in `_meta` (`io.modelcontextprotocol/logLevel`), if any.
#[allow(deprecated)]
fn requested_level(meta: &rmcp::model::RequestMetaObject) -> Option<LoggingLevel> {
    let value = meta.0.get("io.modelcontextprotocol/logLevel")?;
    serde_json::from_value(value.clone()).ok()
}

impl BackendEngineeringServer {
    /// The server over the embedded skill; the search index builds on a background thread.
    pub fn new() -> Self {
        let skill = Skill::get();
        Self::with_index(skill, SharedIndex::build_in_background(skill))
    }

    /// The server around an existing index (several sessions can share one).
    pub fn with_index(skill: &'static Skill, index: SharedIndex) -> Self {
        Self::with_executor(skill, index, exec::Executor::for_machine())
    }

    /// The server with its own limits on tool calls (workers, cap, timeout).
    pub fn with_executor(skill: &'static Skill, index: SharedIndex, exec: exec::Executor) -> Self {
        Self {
            inner: Arc::new(Inner {
                context: Context { skill, index },
                tools: tools::registry(),
                exec,
            }),
            log_level: Arc::new(AtomicU8::new(0)),
        }
    }

    /// The same server for a new session: shared content and index, its own log level.
    pub fn for_session(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            log_level: Arc::new(AtomicU8::new(0)),
        }
    }

    /// Send a `notifications/message` when the client asked for `level` or below: by the request's
    /// `_meta` log level (2026-07-28) or else the session's `logging/setLevel`. Nothing by default.
    #[allow(deprecated)]
    async fn log(
        &self,
        context: &RequestContext<RoleServer>,
        level: LoggingLevel,
        data: serde_json::Value,
    ) {
        let wanted = requested_level(&context.meta)
            .map(log_rank)
            .unwrap_or_else(|| self.log_level.load(Ordering::Relaxed));
        if wanted == 0 || log_rank(level) < wanted {
            return;
        }
        let message = LoggingMessageNotificationParam::new(level, data).with_logger("tools");
        if let Err(e) = context.peer.notify_logging_message(message).await {
            tracing::debug!(error = %e, "log message not sent");
        }
    }

    fn skill(&self) -> &'static Skill {
        self.inner.context.skill
    }

    /// The tool definitions, in `tools/list` order.
    pub fn tool_definitions(&self) -> Vec<rmcp::model::Tool> {
        self.inner.tools.iter().map(|t| t.tool.clone()).collect()
    }
}

impl Default for BackendEngineeringServer {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerHandler for BackendEngineeringServer {
    #[allow(deprecated)] // logging: see the import
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_resources()
            .enable_completions()
            .enable_skills()
            .enable_logging()
            .build();
        let mut implementation = Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION"));
        implementation.title = Some("Backend Engineering".to_string());
        implementation.description = Some(env!("CARGO_PKG_DESCRIPTION").to_string());
        let mut config = ServerConfig::new(capabilities).with_instructions(INSTRUCTIONS);
        config.server_info = implementation;
        config
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tool_definitions()))
    }

    fn get_tool(&self, name: &str) -> Option<rmcp::model::Tool> {
        self.inner
            .tools
            .iter()
            .find(|t| t.tool.name == name)
            .map(|t| t.tool.clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(index) = self
            .inner
            .tools
            .iter()
            .position(|t| t.tool.name == request.name)
        else {
            let known: Vec<&str> = self
                .inner
                .tools
                .iter()
                .map(|t| t.tool.name.as_ref())
                .collect();
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown tool `{}`; the tools are: {}",
                    jsonrpc::quote(&request.name),
                    known.join(", ")
                ),
                None,
            ));
        };
        let started = std::time::Instant::now();
        let inner = self.inner.clone();
        let arguments = request.arguments.unwrap_or_default();
        // Cheap calls on this thread; the rest off the protocol loop, with the call's deadline and a
        // cancel from the client that stops it. Both count against the executor's cap.
        let outcome = if inner.tools[index].runs_inline(&inner.context) {
            self.inner
                .exec
                .run_inline(|| inner.tools[index].call(&inner.context, arguments))
        } else {
            self.inner
                .exec
                .run(context.ct.clone().cancelled_owned(), move || {
                    inner.tools[index].call(&inner.context, arguments)
                })
                .await
        };
        let result = match outcome {
            Ok(result) => result,
            Err(exec::ExecError::Busy { limit }) => {
                #[allow(deprecated)]
                self.log(
                    &context,
                    LoggingLevel::Error,
                    serde_json::json!({"tool": request.name, "busy": limit}),
                )
                .await;
                return Err(ErrorData::new(
                    rmcp::model::ErrorCode(jsonrpc::code::SERVER_BUSY as i32),
                    format!(
                        "Server busy: {limit} tool calls are already running or waiting; retry when one returns"
                    ),
                    None,
                ));
            }
            Err(e) => tools::error(format!("{}: {e}", request.name)),
        };
        tracing::debug!(
            tool = %jsonrpc::quote(&request.name),
            is_error = result.is_error.unwrap_or(false),
            micros = started.elapsed().as_micros() as u64,
            "tool call"
        );
        let is_error = result.is_error.unwrap_or(false);
        #[allow(deprecated)]
        let level = if is_error {
            LoggingLevel::Warning
        } else {
            LoggingLevel::Debug
        };
        self.log(
            &context,
            level,
            serde_json::json!({
                "tool": request.name,
                "isError": is_error,
                "ms": started.elapsed().as_secs_f64() * 1000.0,
            }),
        )
        .await;
        Ok(result.into())
    }

    #[allow(deprecated)]
    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.log_level
            .store(log_rank(request.level), Ordering::Relaxed);
        Ok(())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        prompts::get(self.skill(), &request.name, request.arguments.as_ref()).map(Into::into)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(resources::list(
            self.skill(),
        )))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(
            resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        resources::read(self.skill(), &request.uri).map(Into::into)
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let prefix = request.argument.value.as_str();
        let argument = request.argument.name.as_str();
        // A prompt or template that does not exist has no arguments, so nothing completes: an empty
        // list (not the values of an argument it does not have). Clients probe completions with
        // names of their own (the conformance suite asks for its fixture prompt), so this is no error.
        let values: Vec<String> = match &request.r#ref {
            Reference::Prompt(p) => {
                let is_skill = p.name == prompts::SKILL_PROMPT;
                let known = is_skill || crate::content::tasks::task(&p.name).is_some();
                match argument {
                    "lang" if known => LANGUAGES
                        .iter()
                        .filter(|l| l.starts_with(prefix))
                        .map(|l| l.to_string())
                        .collect(),
                    // The `task` of the skill prompt: the eight common tasks, in the skill's words.
                    "task" if is_skill => {
                        let prefix = prefix.to_lowercase();
                        crate::content::tasks::TASKS
                            .iter()
                            .map(|t| t.heading)
                            .filter(|h| h.to_lowercase().starts_with(&prefix))
                            .map(str::to_string)
                            .collect()
                    }
                    _ => Vec::new(),
                }
            }
            Reference::Resource(r) if r.uri == REFERENCE_URI_TEMPLATE && argument == "name" => {
                resources::complete_reference_name(self.skill(), prefix)
            }
            _ => Vec::new(),
        };
        let total = values.len() as u32;
        let mut info =
            CompletionInfo::new(values).map_err(|e| ErrorData::internal_error(e, None))?;
        info.total = Some(total);
        info.has_more = Some(false);
        Ok(CompleteResult::new(info))
    }

    async fn list_skills(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListSkillsResult, ErrorData> {
        Ok(ListSkillsResult::with_all_items(vec![resources::manifest(
            self.skill(),
        )]))
    }

    async fn get_skill(
        &self,
        request: GetSkillRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetSkillResult, ErrorData> {
        if request.uri == SKILL_URI {
            Ok(GetSkillResult::new(resources::manifest(self.skill())))
        } else {
            Err(ErrorData::invalid_params(
                format!(
                    "no skill at {:?}; the skill served is {SKILL_URI}",
                    jsonrpc::quote(&request.uri)
                ),
                None,
            ))
        }
    }
}
