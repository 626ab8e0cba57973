//! `choose_api_style`: applies the skill's API decision table (CRUD -> REST, flexible queries -> GraphQL,
//! internal high performance -> gRPC, real-time bidirectional -> WebSockets, event notification ->
//! webhooks) and its pagination, versioning and rate-limiting rules to the caller's needs.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{DecideError, NextQuestion, reference_uri};

/// Human title of the tool.
pub const TITLE: &str = "Choose an API style";

/// When to call the tool and what it returns.
pub const DESCRIPTION: &str = "Choose an API style (rest, graphql, grpc, websockets, webhooks) with \
pagination, versioning and rate limiting, from what the API must do and who calls it. Returns the \
style and why, or the next question.";

/// Most entries accepted in `needs`.
pub const MAX_NEEDS: usize = 32;
/// Default page size recommended for list endpoints.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Maximum page size recommended for list endpoints.
pub const MAX_PAGE_SIZE: u32 = 200;

/// One thing the API must do (the rows of the skill's decision table).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ApiNeed {
    /// Simple create/read/update/delete of resources.
    Crud,
    /// Complex queries where clients pick the fields and relations they need.
    FlexibleQueries,
    /// High-performance calls between your own internal services.
    InternalHighPerformance,
    /// Real-time, bidirectional messaging (chat, collaboration, live games).
    RealtimeBidirectional,
    /// Notifying external consumers when events happen.
    EventNotification,
}

impl ApiNeed {
    fn as_str(self) -> &'static str {
        match self {
            Self::Crud => "crud",
            Self::FlexibleQueries => "flexible_queries",
            Self::InternalHighPerformance => "internal_high_performance",
            Self::RealtimeBidirectional => "realtime_bidirectional",
            Self::EventNotification => "event_notification",
        }
    }
    fn style(self) -> ApiStyle {
        match self {
            Self::Crud => ApiStyle::Rest,
            Self::FlexibleQueries => ApiStyle::Graphql,
            Self::InternalHighPerformance => ApiStyle::Grpc,
            Self::RealtimeBidirectional => ApiStyle::Websockets,
            Self::EventNotification => ApiStyle::Webhooks,
        }
    }
}

/// Who calls the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Consumers {
    /// Outside your backend: third parties, partners, or your own browser and mobile apps (user-facing).
    Public,
    /// Only your own backend services.
    Internal,
    /// Both public and internal callers.
    Both,
}

/// Size of the collections the API lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataSetSize {
    /// Small: a few hundred rows, a handful of pages at most.
    Small,
    /// Large: thousands of rows or more, or unbounded growth.
    Large,
}

/// The shape of the collections the API lists (for pagination).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataSet {
    #[serde(default)]
    pub size: Option<DataSetSize>,
    /// Do rows change while clients page?
    #[serde(default)]
    pub changing: Option<bool>,
}

/// Input of `choose_api_style`. Every field is optional: `{}` starts the interview.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChooseApiStyleInput {
    /// What the API must do (one or more).
    #[serde(default)]
    pub needs: Vec<ApiNeed>,
    /// Who calls it: public (third parties, your apps), internal (your services) or both.
    #[serde(default)]
    pub consumers: Option<Consumers>,
    /// The listed collections, for pagination (cursor when unknown).
    #[serde(default)]
    pub data_set: Option<DataSet>,
}

/// An API style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiStyle {
    /// REST with standard HTTP methods.
    Rest,
    /// GraphQL.
    Graphql,
    /// gRPC (HTTP/2, Protocol Buffers).
    Grpc,
    /// WebSockets.
    Websockets,
    /// Webhooks (HTTP callbacks to the consumer).
    Webhooks,
}

impl ApiStyle {
    /// The contract identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rest => "rest",
            Self::Graphql => "graphql",
            Self::Grpc => "grpc",
            Self::Websockets => "websockets",
            Self::Webhooks => "webhooks",
        }
    }

    /// The name people write in prose.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Rest => "REST",
            Self::Graphql => "GraphQL",
            Self::Grpc => "gRPC",
            Self::Websockets => "WebSockets",
            Self::Webhooks => "webhooks",
        }
    }
}

/// A style used beside the primary one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AdditionalStyle {
    /// The style.
    pub style: ApiStyle,
    /// The need it serves.
    pub need: ApiNeed,
    /// Why it is added and how it sits beside the primary style.
    pub why: String,
}

/// Pagination scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaginationChoice {
    /// Opaque cursor encoding the position (keyset pagination).
    Cursor,
    /// LIMIT/OFFSET pagination.
    Offset,
}

/// Pagination advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PaginationAdvice {
    /// `cursor` or `offset`.
    pub choice: PaginationChoice,
    /// Why, in the skill's terms.
    pub why: String,
    /// Recommended default page size.
    pub default_page_size: u32,
    /// Recommended maximum page size (larger requests are clamped).
    pub max_page_size: u32,
    /// Example request.
    pub example_request: String,
    /// Example response body (JSON), always with a `next_cursor` field.
    pub example_response: String,
}

/// Versioning scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersioningChoice {
    /// Major version in the URL path (`/v1/`).
    UrlPath,
    /// Version in a request header.
    Header,
}

/// Versioning advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VersioningAdvice {
    /// `url_path` or `header`; null until `consumers` is known.
    pub choice: Option<VersioningChoice>,
    /// Why, in the skill's terms.
    pub why: String,
}

/// Rate-limiting algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitChoice {
    /// Token bucket: a sustained rate plus a bounded burst.
    TokenBucket,
    /// Fixed window: N requests per window.
    FixedWindow,
}

/// Rate-limiting advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RateLimitAdvice {
    /// `token_bucket` or `fixed_window`; null until `consumers` is known.
    pub choice: Option<RateLimitChoice>,
    /// Why, in the skill's terms.
    pub why: String,
    /// The response to send when a caller is over the limit (always 429 with Retry-After).
    pub response_when_limited: String,
}

/// Output of `choose_api_style`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChooseApiStyleOutput {
    /// The primary style, or null while `needs` is empty.
    pub style: Option<ApiStyle>,
    /// Further styles for the other needs, each with its reason.
    pub additional_styles: Vec<AdditionalStyle>,
    /// Why the primary style, including the precedence applied between several needs.
    pub why: String,
    /// Pagination for list endpoints.
    pub pagination: PaginationAdvice,
    /// How to version the API.
    pub versioning: VersioningAdvice,
    /// How to rate-limit the API.
    pub rate_limiting: RateLimitAdvice,
    /// Remarks on combinations of needs and consumers.
    pub notes: Vec<String>,
    /// The question to answer next, if any.
    pub next_question: Option<NextQuestion>,
    /// Reference sections to read next.
    pub references: Vec<String>,
}

fn api(anchor: &str) -> String {
    reference_uri("api-design.md", anchor)
}

/// Precedence for the primary style. Request/response styles come before push channels, because
/// WebSockets and webhooks complement an API clients can also query (to load state, resync after a
/// disconnect, manage subscriptions). For internal-only consumers gRPC leads, since both ends are yours.
const PRECEDENCE_DEFAULT: [ApiNeed; 5] = [
    ApiNeed::Crud,
    ApiNeed::FlexibleQueries,
    ApiNeed::InternalHighPerformance,
    ApiNeed::RealtimeBidirectional,
    ApiNeed::EventNotification,
];
const PRECEDENCE_INTERNAL: [ApiNeed; 5] = [
    ApiNeed::InternalHighPerformance,
    ApiNeed::Crud,
    ApiNeed::FlexibleQueries,
    ApiNeed::RealtimeBidirectional,
    ApiNeed::EventNotification,
];

fn need_reason(need: ApiNeed) -> &'static str {
    match need {
        ApiNeed::Crud => {
            "simple CRUD maps onto resources and HTTP methods, with caching, status codes and tooling \
             every client understands"
        }
        ApiNeed::FlexibleQueries => {
            "complex queries with flexible fields suit GraphQL: clients select the fields and relations \
             they need in one round trip"
        }
        ApiNeed::InternalHighPerformance => {
            "high-performance internal calls suit gRPC: Protocol Buffers over HTTP/2, generated \
             clients, streaming and deadlines built in"
        }
        ApiNeed::RealtimeBidirectional => {
            "real-time bidirectional traffic needs WebSockets: one long-lived connection both sides \
             can send on"
        }
        ApiNeed::EventNotification => {
            "event notification to external consumers is what webhooks do: you POST the event to a URL \
             the consumer registered"
        }
    }
}

fn additional_reason(need: ApiNeed, primary: ApiStyle) -> String {
    let beside = match need {
        ApiNeed::Crud => "Serve plain resources over REST for consumers that do not need the primary \
                          style's features (scripts, partners, caches)."
            .to_string(),
        ApiNeed::FlexibleQueries => format!(
            "Add a GraphQL endpoint for the screens that need flexible field selection; keep the {} \
             API for everything else. If most consumers end up on GraphQL, make it the primary.",
            primary.display_name()
        ),
        ApiNeed::InternalHighPerformance => {
            "Use gRPC for the internal service-to-service hops behind the public API; do not expose \
             it to browsers (they need gRPC-Web through a proxy)."
                .to_string()
        }
        ApiNeed::RealtimeBidirectional => format!(
            "Open a WebSocket channel for the live, two-way part only; clients load and resync state \
             through the {} API after reconnecting.",
            primary.display_name()
        ),
        ApiNeed::EventNotification => format!(
            "Send webhooks for events; sign each delivery (HMAC over the body and a timestamp), retry \
             with backoff, include an event id for deduplication, and let consumers re-fetch the \
             current state through the {} API.",
            primary.display_name()
        ),
    };
    let mut reason = need_reason(need).to_string();
    if let Some(first) = reason.get(..1) {
        let upper = first.to_uppercase();
        reason.replace_range(..1, &upper);
    }
    format!("{reason}. {beside}")
}

fn needs_question() -> NextQuestion {
    NextQuestion {
        field: "needs".to_string(),
        question: "What must the API do? List every need that applies.".to_string(),
        options: PRECEDENCE_DEFAULT
            .iter()
            .map(|n| n.as_str().to_string())
            .collect(),
        how_to_tell: "Start from the consumers' use cases, not the database. Reading and changing \
                      resources: crud. Clients that pick fields and traverse relations: \
                      flexible_queries. Calls between your own services with tight latency or high \
                      volume: internal_high_performance. Both sides pushing messages live (chat, \
                      collaboration): realtime_bidirectional. Telling external systems when something \
                      happened: event_notification."
            .to_string(),
    }
}

fn consumers_question() -> NextQuestion {
    NextQuestion {
        field: "consumers".to_string(),
        question: "Who calls this API: the public (third parties, your own browser or mobile apps), \
                   only your internal services, or both?"
            .to_string(),
        options: vec![
            "public".to_string(),
            "internal".to_string(),
            "both".to_string(),
        ],
        how_to_tell: "If any caller is outside your backend (a partner, a customer's code, a browser or \
                      mobile app), it is public or both. It decides versioning (URL path for public, \
                      header for internal) and rate limiting (token bucket for user-facing, fixed \
                      window for internal)."
            .to_string(),
    }
}

fn pagination(data_set: Option<&DataSet>, primary: Option<ApiStyle>) -> PaginationAdvice {
    let ds = data_set.cloned().unwrap_or_default();
    let offset_ok = ds.size == Some(DataSetSize::Small) && ds.changing == Some(false);
    let style_note = match primary {
        Some(ApiStyle::Graphql) => {
            " In GraphQL expose the same cursor through a connection (pageInfo { endCursor hasNextPage \
             }) and keep next_cursor in your own list types."
        }
        Some(ApiStyle::Grpc) => {
            " In gRPC return it as a next_cursor string field in the response message (Google AIP-158 \
             calls it next_page_token)."
        }
        _ => "",
    };
    let cursor_response = "{\"data\": [{\"id\": \"ord_9f1\", \"created_at\": \"2025-05-01T09:58:40Z\"}], \"next_cursor\": \"b3JkXzlmMQ\", \"has_more\": true}";
    if offset_ok {
        PaginationAdvice {
            choice: PaginationChoice::Offset,
            why: format!(
                "Small and static data: offset is fine (its cost with page depth and shifting pages do \
                 not matter here). Still return an opaque next_cursor (encoding the offset) so cursors \
                 can come later without breaking clients.{style_note}"
            ),
            default_page_size: DEFAULT_PAGE_SIZE,
            max_page_size: MAX_PAGE_SIZE,
            example_request: "GET /v1/countries?limit=50&cursor=b2Zmc2V0OjUw".to_string(),
            example_response: "{\"data\": [{\"code\": \"DE\", \"name\": \"Germany\"}], \"next_cursor\": \"b2Zmc2V0OjEwMA\", \"has_more\": true}".to_string(),
        }
    } else {
        let reason = match (ds.size, ds.changing) {
            (Some(DataSetSize::Large), Some(true)) => "The data set is large and changing",
            (Some(DataSetSize::Large), _) => "The data set is large",
            (_, Some(true)) => "The data set changes while clients page",
            _ => "The data set's size and churn are not known (send data_set to decide)",
        };
        PaginationAdvice {
            choice: PaginationChoice::Cursor,
            why: format!(
                "{reason}: keyset cursors. The cursor encodes the last row's sort key plus a unique \
                 tiebreaker (created_at, id), so every page is one index range scan and inserts never \
                 skip or repeat rows; next_cursor is null on the last page.{style_note}"
            ),
            default_page_size: DEFAULT_PAGE_SIZE,
            max_page_size: MAX_PAGE_SIZE,
            example_request: "GET /v1/orders?limit=50&cursor=b3JkXzlmMg".to_string(),
            example_response: cursor_response.to_string(),
        }
    }
}

fn versioning(consumers: Option<Consumers>, primary: Option<ApiStyle>) -> VersioningAdvice {
    let grpc_note = if primary == Some(ApiStyle::Grpc) {
        " For gRPC, also put the major version in the proto package (package acme.orders.v1;)."
    } else {
        ""
    };
    match consumers {
        Some(Consumers::Public) | Some(Consumers::Both) => VersioningAdvice {
            choice: Some(VersioningChoice::UrlPath),
            why: format!(
                "Public consumers: major version in the URL path (/v1/orders), visible and easy to \
                 route. Bump it only for breaking changes; announce deprecations with Deprecation and \
                 Sunset headers.{grpc_note}"
            ),
        },
        Some(Consumers::Internal) => VersioningAdvice {
            choice: Some(VersioningChoice::Header),
            why: format!(
                "Internal consumers: version in a header (API-Version: 2), URLs stay stable; serve a \
                 breaking version side by side until every caller has moved.{grpc_note}"
            ),
        },
        None => VersioningAdvice {
            choice: None,
            why:
                "Depends on the consumers: URL path (/v1/) for public APIs, a header for internal \
                  ones. Answer `consumers`."
                    .to_string(),
        },
    }
}

const LIMITED_RESPONSE: &str = "HTTP/1.1 429 Too Many Requests\nRetry-After: 30";

fn rate_limiting(consumers: Option<Consumers>) -> RateLimitAdvice {
    let always = "Over the limit: 429 with Retry-After.";
    let (choice, why) = match consumers {
        Some(Consumers::Public) => (
            Some(RateLimitChoice::TokenBucket),
            format!(
                "User-facing API: token bucket per API key or user (e.g. 10/s sustained, bursts of \
                 20): real users' bursts pass, the average is capped, no window edge lets twice the \
                 limit through. {always}"
            ),
        ),
        Some(Consumers::Internal) => (
            Some(RateLimitChoice::FixedWindow),
            format!(
                "Internal API: fixed window per calling service (e.g. 6,000 per minute), one counter \
                 per key, enough between services you control. {always}"
            ),
        ),
        Some(Consumers::Both) => (
            Some(RateLimitChoice::TokenBucket),
            format!(
                "Public and internal callers: token bucket for the user-facing traffic (per API key or \
                 user), and a fixed window per calling service for internal traffic. {always}"
            ),
        ),
        None => (
            None,
            format!(
                "Depends on the consumers: token bucket for user-facing traffic, fixed window for \
                 internal. Answer `consumers`. {always}"
            ),
        ),
    };
    RateLimitAdvice {
        choice,
        why,
        response_when_limited: LIMITED_RESPONSE.to_string(),
    }
}

/// Chooses the API style, pagination, versioning and rate limiting.
pub fn choose_api_style(input: &ChooseApiStyleInput) -> Result<ChooseApiStyleOutput, DecideError> {
    if input.needs.len() > MAX_NEEDS {
        return Err(DecideError::TooLarge(format!(
            "needs: {} entries given; at most {MAX_NEEDS} are accepted (there are only 5 distinct needs)",
            input.needs.len()
        )));
    }
    let mut needs = input.needs.clone();
    needs.sort();
    needs.dedup();

    let precedence = if input.consumers == Some(Consumers::Internal) {
        PRECEDENCE_INTERNAL
    } else {
        PRECEDENCE_DEFAULT
    };
    let ordered: Vec<ApiNeed> = precedence
        .iter()
        .copied()
        .filter(|n| needs.contains(n))
        .collect();

    let mut notes = Vec::new();
    let mut references = Vec::new();

    let (style, additional_styles, why) = match ordered.split_first() {
        None => (
            None,
            Vec::new(),
            "No needs given: an API style follows from what consumers must do. Answer `needs`."
                .to_string(),
        ),
        Some((&first, rest)) => {
            let primary = first.style();
            let mut why = format!("{}: {}.", primary.display_name(), need_reason(first));
            if !rest.is_empty() {
                why.push_str(if input.consumers == Some(Consumers::Internal) {
                    " Precedence with several needs (internal consumers): internal_high_performance, \
                     crud, flexible_queries, realtime_bidirectional, event_notification. gRPC leads \
                     because both ends are yours and its unary calls cover CRUD too; push channels \
                     (WebSockets, webhooks) complement a request/response API rather than replace it."
                } else {
                    " Precedence with several needs: crud, flexible_queries, internal_high_performance, \
                     realtime_bidirectional, event_notification. Request/response styles lead because \
                     every client can call them, and REST is the most widely understood; push channels \
                     (WebSockets, webhooks) complement an API clients can also query (to load state, \
                     resync after a disconnect, manage subscriptions)."
                });
            }
            let extra: Vec<AdditionalStyle> = rest
                .iter()
                .map(|&n| AdditionalStyle {
                    style: n.style(),
                    need: n,
                    why: additional_reason(n, primary),
                })
                .collect();
            (Some(primary), extra, why)
        }
    };

    for n in &ordered {
        let anchor = match n.style() {
            ApiStyle::Rest => "rest-resources-and-methods",
            ApiStyle::Graphql => "graphql",
            ApiStyle::Grpc => "grpc",
            ApiStyle::Websockets => "websockets",
            ApiStyle::Webhooks => "webhooks",
        };
        references.push(api(anchor));
    }
    if references.is_empty() {
        references.push(api("choosing-an-api-style"));
    }

    if needs.contains(&ApiNeed::EventNotification) && input.consumers == Some(Consumers::Internal) {
        notes.push(
            "Webhooks are for external consumers; between your own services a message broker fed by \
             the outbox pattern gives retries, ordering and replay for free (see \
             plan_data_consistency)."
                .to_string(),
        );
    }
    if needs.contains(&ApiNeed::InternalHighPerformance)
        && input.consumers == Some(Consumers::Public)
    {
        notes.push(
            "internal_high_performance with only public consumers: keep gRPC for the calls between \
             your own services behind the public API; public clients get the request/response API."
                .to_string(),
        );
    }
    if needs.contains(&ApiNeed::RealtimeBidirectional) {
        notes.push(
            "WebSockets: authenticate on the upgrade request, send heartbeats, bound per-connection \
             buffers (backpressure) and make clients reconnect with backoff and resync. If only the \
             server pushes, server-sent events over plain HTTP are simpler."
                .to_string(),
        );
    }
    if input.needs.len() > needs.len() {
        notes.push("Duplicate entries in needs were ignored.".to_string());
    }

    let pagination = pagination(input.data_set.as_ref(), style);
    let versioning = versioning(input.consumers, style);
    let rate_limiting = rate_limiting(input.consumers);
    references.push(api("pagination"));
    references.push(api("versioning"));
    references.push(api("rate-limiting"));

    let next_question = if style.is_none() {
        Some(needs_question())
    } else if input.consumers.is_none() {
        Some(consumers_question())
    } else {
        None
    };

    Ok(ChooseApiStyleOutput {
        style,
        additional_styles,
        why,
        pagination,
        versioning,
        rate_limiting,
        notes,
        next_question,
        references,
    })
}

impl fmt::Display for ChooseApiStyleOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.style {
            Some(s) => writeln!(f, "API style: {}", s.as_str())?,
            None => writeln!(f, "API style: undecided (one more answer needed)")?,
        }
        writeln!(f, "  {}", self.why)?;
        if !self.additional_styles.is_empty() {
            writeln!(f, "\nAdditional styles:")?;
            for a in &self.additional_styles {
                writeln!(
                    f,
                    "  - {} (for {}): {}",
                    a.style.as_str(),
                    a.need.as_str(),
                    a.why
                )?;
            }
        }
        if let Some(q) = &self.next_question {
            writeln!(f, "\nNext question ({}): {}", q.field, q.question)?;
            writeln!(f, "  Options: {}", q.options.join(", "))?;
            writeln!(f, "  How to tell: {}", q.how_to_tell)?;
        }
        let p = &self.pagination;
        let pchoice = match p.choice {
            PaginationChoice::Cursor => "cursor",
            PaginationChoice::Offset => "offset",
        };
        writeln!(
            f,
            "\nPagination: {pchoice} (default {} per page, max {})",
            p.default_page_size, p.max_page_size
        )?;
        writeln!(f, "  {}", p.why)?;
        writeln!(f, "  {}\n  -> {}", p.example_request, p.example_response)?;
        let vchoice = match self.versioning.choice {
            Some(VersioningChoice::UrlPath) => "URL path (/v1/)",
            Some(VersioningChoice::Header) => "header",
            None => "undecided",
        };
        writeln!(f, "\nVersioning: {vchoice}")?;
        writeln!(f, "  {}", self.versioning.why)?;
        let rchoice = match self.rate_limiting.choice {
            Some(RateLimitChoice::TokenBucket) => "token bucket",
            Some(RateLimitChoice::FixedWindow) => "fixed window",
            None => "undecided",
        };
        writeln!(f, "\nRate limiting: {rchoice}")?;
        writeln!(f, "  {}", self.rate_limiting.why)?;
        super::common::write_list(f, "Notes", &self.notes)?;
        super::common::write_read_next(f, &self.references)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::is_citable;
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn assert_refs_allowed(out: &ChooseApiStyleOutput) {
        for r in &out.references {
            assert!(is_citable(r), "reference not citable: {r}");
        }
    }

    fn run(v: serde_json::Value) -> ChooseApiStyleOutput {
        let input: ChooseApiStyleInput = serde_json::from_value(v).expect("valid input");
        let out = choose_api_style(&input).expect("ok");
        assert_refs_allowed(&out);
        assert!(!out.to_string().is_empty());
        out
    }

    #[test]
    fn each_need_maps_to_its_style() {
        let cases = [
            ("crud", "rest", "rest-resources-and-methods"),
            ("flexible_queries", "graphql", "graphql"),
            ("internal_high_performance", "grpc", "grpc"),
            ("realtime_bidirectional", "websockets", "websockets"),
            ("event_notification", "webhooks", "webhooks"),
        ];
        for (need, style, anchor) in cases {
            for consumers in ["public", "internal", "both"] {
                let out = run(json!({"needs": [need], "consumers": consumers}));
                let v = serde_json::to_value(&out).unwrap();
                assert_eq!(v["style"], style, "{need}/{consumers}");
                assert!(out.additional_styles.is_empty());
                assert!(out.next_question.is_none());
                assert!(out.references.contains(&api(anchor)));
            }
        }
    }

    #[test]
    fn several_needs_follow_the_documented_precedence() {
        let all = json!([
            "event_notification",
            "realtime_bidirectional",
            "internal_high_performance",
            "flexible_queries",
            "crud"
        ]);
        let out = run(json!({"needs": all, "consumers": "public"}));
        assert_eq!(out.style, Some(ApiStyle::Rest));
        let extra: Vec<&str> = out
            .additional_styles
            .iter()
            .map(|a| a.style.as_str())
            .collect();
        assert_eq!(extra, ["graphql", "grpc", "websockets", "webhooks"]);
        assert!(out.why.contains("Precedence"));
        assert!(out.additional_styles.iter().all(|a| !a.why.is_empty()));

        let internal = run(json!({"needs": all, "consumers": "internal"}));
        assert_eq!(internal.style, Some(ApiStyle::Grpc));
        let extra: Vec<&str> = internal
            .additional_styles
            .iter()
            .map(|a| a.style.as_str())
            .collect();
        assert_eq!(extra, ["rest", "graphql", "websockets", "webhooks"]);
        assert!(internal.why.contains("internal consumers"));

        let push = run(
            json!({"needs": ["event_notification", "realtime_bidirectional"], "consumers": "both"}),
        );
        assert_eq!(push.style, Some(ApiStyle::Websockets));
        assert_eq!(push.additional_styles[0].style, ApiStyle::Webhooks);
        assert_eq!(push.additional_styles[0].need, ApiNeed::EventNotification);

        let dup = run(json!({"needs": ["crud", "crud"], "consumers": "public"}));
        assert!(dup.additional_styles.is_empty());
        assert!(dup.notes.iter().any(|n| n.contains("Duplicate")));
    }

    #[test]
    fn questions_in_order() {
        let empty = run(json!({}));
        assert_eq!(empty.style, None);
        let q = empty.next_question.as_ref().unwrap();
        assert_eq!(q.field, "needs");
        assert_eq!(q.options.len(), 5);
        // Pagination is still advised with the safe default.
        assert_eq!(empty.pagination.choice, PaginationChoice::Cursor);

        let no_consumers = run(json!({"needs": ["crud"]}));
        assert_eq!(no_consumers.style, Some(ApiStyle::Rest));
        assert_eq!(
            no_consumers.next_question.as_ref().unwrap().field,
            "consumers"
        );
        assert_eq!(no_consumers.versioning.choice, None);
        assert_eq!(no_consumers.rate_limiting.choice, None);
        assert!(no_consumers.rate_limiting.why.contains("Retry-After"));

        let empty_with_consumers = run(json!({"needs": [], "consumers": "public"}));
        assert_eq!(empty_with_consumers.next_question.unwrap().field, "needs");
        assert_eq!(
            empty_with_consumers.versioning.choice,
            Some(VersioningChoice::UrlPath)
        );
    }

    #[test]
    fn pagination_rules() {
        let cases = [
            (
                json!({"size": "small", "changing": false}),
                PaginationChoice::Offset,
            ),
            (
                json!({"size": "small", "changing": true}),
                PaginationChoice::Cursor,
            ),
            (
                json!({"size": "large", "changing": false}),
                PaginationChoice::Cursor,
            ),
            (
                json!({"size": "large", "changing": true}),
                PaginationChoice::Cursor,
            ),
            (json!({"size": "small"}), PaginationChoice::Cursor),
            (json!({"changing": false}), PaginationChoice::Cursor),
            (json!({"changing": true}), PaginationChoice::Cursor),
            (json!({}), PaginationChoice::Cursor),
        ];
        for (ds, want) in cases {
            let out = run(json!({"needs": ["crud"], "consumers": "public", "data_set": ds}));
            assert_eq!(out.pagination.choice, want, "{ds}");
            let body: serde_json::Value =
                serde_json::from_str(&out.pagination.example_response).unwrap();
            assert!(
                body.get("next_cursor").is_some(),
                "always a next_cursor field"
            );
            assert!(out.pagination.why.contains("next_cursor"));
        }
        let gql = run(json!({"needs": ["flexible_queries"], "consumers": "public"}));
        assert!(gql.pagination.why.contains("pageInfo"));
        let grpc = run(json!({"needs": ["internal_high_performance"], "consumers": "internal"}));
        assert!(grpc.pagination.why.contains("next_page_token"));
        assert!(grpc.versioning.why.contains("proto package"));
    }

    #[test]
    fn versioning_and_rate_limiting_by_consumers() {
        let cases = [
            (
                "public",
                Some(VersioningChoice::UrlPath),
                Some(RateLimitChoice::TokenBucket),
            ),
            (
                "both",
                Some(VersioningChoice::UrlPath),
                Some(RateLimitChoice::TokenBucket),
            ),
            (
                "internal",
                Some(VersioningChoice::Header),
                Some(RateLimitChoice::FixedWindow),
            ),
        ];
        for (c, v, r) in cases {
            let out = run(json!({"needs": ["crud"], "consumers": c}));
            assert_eq!(out.versioning.choice, v, "{c}");
            assert_eq!(out.rate_limiting.choice, r, "{c}");
            assert!(
                out.rate_limiting
                    .response_when_limited
                    .starts_with("HTTP/1.1 429")
            );
            assert!(
                out.rate_limiting
                    .response_when_limited
                    .contains("Retry-After:")
            );
            assert!(out.rate_limiting.why.contains("429"));
        }
        let public = run(json!({"needs": ["crud"], "consumers": "public"}));
        assert!(public.versioning.why.contains("/v1/"));
        let both = run(json!({"needs": ["crud"], "consumers": "both"}));
        assert!(both.rate_limiting.why.contains("fixed window"));
        let v = serde_json::to_value(&public).unwrap();
        assert_eq!(v["versioning"]["choice"], "url_path");
        assert_eq!(v["rate_limiting"]["choice"], "token_bucket");
        assert_eq!(v["pagination"]["choice"], "cursor");
    }

    #[test]
    fn notes_for_odd_combinations() {
        let out = run(json!({"needs": ["event_notification"], "consumers": "internal"}));
        assert!(out.notes.iter().any(|n| n.contains("message broker")));
        let out =
            run(json!({"needs": ["crud", "internal_high_performance"], "consumers": "public"}));
        assert!(
            out.notes
                .iter()
                .any(|n| n.contains("behind the public API"))
        );
        let out = run(json!({"needs": ["realtime_bidirectional"], "consumers": "public"}));
        assert!(out.notes.iter().any(|n| n.contains("server-sent events")));
    }

    #[test]
    fn errors_and_rejections() {
        let many = vec!["crud"; MAX_NEEDS + 1];
        let input: ChooseApiStyleInput = serde_json::from_value(json!({"needs": many})).unwrap();
        match choose_api_style(&input) {
            Err(DecideError::TooLarge(m)) => assert!(m.starts_with("needs")),
            other => panic!("{other:?}"),
        }
        assert!(serde_json::from_value::<ChooseApiStyleInput>(json!({"needs": ["soap"]})).is_err());
        assert!(
            serde_json::from_value::<ChooseApiStyleInput>(json!({"consumers": "everyone"}))
                .is_err()
        );
        assert!(
            serde_json::from_value::<ChooseApiStyleInput>(json!({"data_set": {"rows": 3}}))
                .is_err()
        );
        assert!(serde_json::from_value::<ChooseApiStyleInput>(json!({"extra": 1})).is_err());
    }

    #[test]
    fn identifiers_and_schema() {
        for (s, id) in [
            (ApiStyle::Rest, "rest"),
            (ApiStyle::Graphql, "graphql"),
            (ApiStyle::Grpc, "grpc"),
            (ApiStyle::Websockets, "websockets"),
            (ApiStyle::Webhooks, "webhooks"),
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), id);
            assert_eq!(s.as_str(), id);
        }
        for n in PRECEDENCE_DEFAULT {
            assert_eq!(serde_json::to_value(n).unwrap(), n.as_str());
        }
        let schema = serde_json::to_value(schemars::schema_for!(ChooseApiStyleInput)).unwrap();
        for key in ["needs", "consumers", "data_set"] {
            assert!(
                schema["properties"][key]["description"].is_string(),
                "{key}"
            );
        }
    }

    fn need() -> impl Strategy<Value = ApiNeed> {
        prop_oneof![
            Just(ApiNeed::Crud),
            Just(ApiNeed::FlexibleQueries),
            Just(ApiNeed::InternalHighPerformance),
            Just(ApiNeed::RealtimeBidirectional),
            Just(ApiNeed::EventNotification),
        ]
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(
            needs in proptest::collection::vec(need(), 0..40),
            consumers in proptest::option::of(prop_oneof![Just(Consumers::Public), Just(Consumers::Internal), Just(Consumers::Both)]),
            data_set in proptest::option::of((
                proptest::option::of(prop_oneof![Just(DataSetSize::Small), Just(DataSetSize::Large)]),
                any::<Option<bool>>(),
            )),
        ) {
            let input = ChooseApiStyleInput {
                needs,
                consumers,
                data_set: data_set.map(|(size, changing)| DataSet { size, changing }),
            };
            if let Ok(out) = choose_api_style(&input) {
                assert_refs_allowed(&out);
                prop_assert_eq!(out.style.is_none(), input.needs.is_empty());
                prop_assert!(out.style.is_some() || out.next_question.is_some());
                let _ = out.to_string();
                prop_assert!(serde_json::to_string(&out).is_ok());
            }
        }
    }
}
