//! The skill's eight common tasks: for each, the SKILL.md section with its rules, the decision tool that
//! applies them and the reference sections to read. The task prompts are built from this table.

use super::{REFERENCES_URI_PREFIX, Section, Skill};

/// One common task of the skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Task {
    /// Prompt name, e.g. `design-schema`.
    pub prompt: &'static str,
    /// The heading of the task in SKILL.md (under "Common tasks").
    pub heading: &'static str,
    /// The same heading in SKILL.zh.md.
    pub heading_zh: &'static str,
    /// One-line description of the prompt.
    pub description: &'static str,
    /// The decision tool that applies the task's rules.
    pub tool: &'static str,
    /// Reference sections to read, as `file#anchor`.
    pub reading: &'static [&'static str],
}

impl Task {
    /// The task's section of SKILL.md in a served language (`en` or `zh`).
    pub fn section<'a>(&self, skill: &'a Skill, lang: &str) -> Option<&'a Section> {
        let heading = self.heading_in(lang);
        skill
            .skill_document(lang)
            .sections
            .iter()
            .find(|s| s.level == 3 && s.title == heading)
    }

    /// The task's heading in a served language.
    pub fn heading_in(&self, lang: &str) -> &'static str {
        if lang == "zh" {
            self.heading_zh
        } else {
            self.heading
        }
    }

    /// The reading list as `skill://` URIs.
    pub fn reading_uris(&self) -> impl Iterator<Item = String> + '_ {
        self.reading
            .iter()
            .map(|r| format!("{REFERENCES_URI_PREFIX}{r}"))
    }
}

/// The eight tasks, in SKILL.md's order.
pub const TASKS: &[Task] = &[
    Task {
        prompt: "design-schema",
        heading: "Design a database schema",
        heading_zh: "设计数据库 schema",
        description: "Design or review a database schema or migration: access patterns first, indexes by the leftmost-prefix rule, expand-contract for breaking changes.",
        tool: "review_schema",
        reading: &[
            "schema-design.md#design-from-access-patterns",
            "schema-design.md#composite-indexes-and-the-leftmost-prefix-rule",
            "schema-design.md#expand-contract-migrations",
        ],
    },
    Task {
        prompt: "choose-scaling-strategy",
        heading: "Choose a scaling strategy",
        heading_zh: "选择扩展策略",
        description: "Choose how to scale: walk the decision tree (one server? compute or data? reads or writes?) and judge whether microservices are warranted.",
        tool: "pick_scaling_strategy",
        reading: &[
            "scalable-systems.md#scale-vertically-first",
            "scalable-systems.md#read-replicas-and-replication-lag",
            "scalable-systems.md#when-to-split-a-monolith",
        ],
    },
    Task {
        prompt: "set-up-observability",
        heading: "Set up observability",
        heading_zh: "搭建可观测性",
        description: "Set up logs, metrics and traces with correlation, define SLOs first, and alert on error-budget burn rate.",
        tool: "plan_slo",
        reading: &[
            "observability.md#the-three-pillars-and-correlation",
            "observability.md#slis-slos-and-error-budgets",
            "observability.md#multiwindow-multi-burn-rate-alerts",
        ],
    },
    Task {
        prompt: "diagnose-performance",
        heading: "Diagnose a performance issue",
        heading_zh: "诊断性能问题",
        description: "Diagnose slowness with the five-step checklist, in order, before reaching for more hardware.",
        tool: "diagnose_performance",
        reading: &[
            "performance.md#the-five-step-diagnosis-order",
            "performance.md#fixing-n1-queries",
            "performance.md#connection-pool-sizing",
        ],
    },
    Task {
        prompt: "secure-service",
        heading: "Secure a service",
        heading_zh: "加固服务安全",
        description: "Secure a backend service against the minimum checklist: authentication, authorization, input validation, secrets, transport.",
        tool: "audit_security",
        reading: &[
            "security.md#the-minimum-security-checklist",
            "security.md#password-storage",
            "security.md#authorization-in-middleware",
        ],
    },
    Task {
        prompt: "design-api",
        heading: "Design an API",
        heading_zh: "设计 API",
        description: "Design an API: pick REST, GraphQL, gRPC, WebSockets or webhooks, and settle pagination, versioning and rate limiting.",
        tool: "choose_api_style",
        reading: &[
            "api-design.md#choosing-an-api-style",
            "api-design.md#pagination",
            "api-design.md#versioning",
            "api-design.md#rate-limiting",
        ],
    },
    Task {
        prompt: "handle-partial-failures",
        heading: "Handle partial failures",
        heading_zh: "处理部分失败",
        description: "Handle partial failures between services: timeouts, retries with backoff and jitter, circuit breakers, idempotency keys.",
        tool: "plan_retries",
        reading: &[
            "failure-patterns.md#timeouts-and-deadlines",
            "failure-patterns.md#retries-with-exponential-backoff-and-jitter",
            "failure-patterns.md#circuit-breakers",
            "failure-patterns.md#idempotency-keys",
        ],
    },
    Task {
        prompt: "plan-data-consistency",
        heading: "Plan data consistency",
        heading_zh: "规划数据一致性",
        description: "Plan data consistency across services: ACID in one database, the outbox pattern, or a saga.",
        tool: "plan_data_consistency",
        reading: &[
            "failure-patterns.md#choosing-a-consistency-pattern",
            "failure-patterns.md#the-outbox-pattern",
            "failure-patterns.md#sagas",
        ],
    },
];

/// The task behind a prompt name.
pub fn task(prompt: &str) -> Option<&'static Task> {
    TASKS.iter().find(|t| t.prompt == prompt)
}
