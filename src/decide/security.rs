//! `audit_security`: checks how a service does authentication, password storage, authorization, input
//! validation, SQL, secrets and transport against the skill's minimum security checklist, with a
//! pass/fail/unknown verdict, the finding and the fix for each item.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{DecideError, NextQuestion, reference_uri};

/// Human title of the tool.
pub const TITLE: &str = "Audit a service against the minimum security checklist";

/// When to call the tool and what it returns.
pub const DESCRIPTION: &str = "Audit a service against the minimum security checklist \
(authentication, passwords, authorization, input, SQL, secrets, TLS). Every field optional; returns \
the failures first with fixes, then the unknowns as questions.";

/// bcrypt cost (work factor) below which password hashing fails (OWASP Password Storage Cheat Sheet).
pub const BCRYPT_MIN_COST: u32 = 10;
/// PBKDF2-HMAC-SHA256 iterations below which password hashing fails (OWASP Password Storage Cheat
/// Sheet).
pub const PBKDF2_SHA256_MIN_ITERATIONS: u32 = 600_000;
/// OWASP's equivalent Argon2id minimum configurations as (memory KiB, iterations), parallelism 1.
pub const ARGON2ID_OWASP_CONFIGS: [(u32, u32); 5] = [
    (47_104, 1),
    (19_456, 2),
    (12_288, 3),
    (9_216, 4),
    (7_168, 5),
];

/// How end users authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserAuthentication {
    /// Delegated to an OAuth 2.0 / OpenID Connect provider.
    Oauth2Oidc,
    /// The service checks passwords itself with a vetted framework and keeps a session.
    SessionPassword,
    /// A home-grown scheme (own token format, own crypto, own login protocol).
    Custom,
    /// No authentication of users.
    None,
    /// No end user calls this service directly (only other services do).
    NotApplicable,
}

/// How services authenticate to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceAuthentication {
    /// API key identifying the caller plus an HMAC signature over the request and a timestamp.
    ApiKeysHmac,
    /// Mutual TLS: both sides present certificates.
    Mtls,
    /// Short-lived tokens from an OAuth 2.0 client-credentials grant.
    Oauth2ClientCredentials,
    /// A static shared secret sent as-is (e.g. a bearer key in a header), no signature.
    SharedSecretPlain,
    /// Calls are trusted because of where they come from (network location).
    None,
    /// The service neither calls nor is called by other services.
    NotApplicable,
}

/// How stored passwords are hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PasswordHashing {
    /// Argon2id.
    Argon2id,
    /// bcrypt.
    Bcrypt,
    /// scrypt.
    Scrypt,
    /// PBKDF2 (HMAC-SHA256 assumed for the iteration threshold).
    Pbkdf2,
    /// SHA-256 (salted or not): a fast hash.
    Sha256,
    /// MD5: a fast, broken hash.
    Md5,
    /// Stored as plain text or reversible encryption.
    Plaintext,
    /// The service stores no passwords (authentication delegated).
    NoneStored,
}

/// Where authorization is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Authorization {
    /// Middleware in front of every handler, denying unless a rule allows.
    MiddlewareDefaultDeny,
    /// Each handler checks permissions itself.
    PerHandler,
    /// Only at the edge (API gateway, load balancer); services behind it trust the request.
    EdgeOnly,
    /// No authorization checks.
    None,
}

/// How input is validated at the system boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InputValidation {
    /// Allowlist: schemas, types, ranges and formats that input must match.
    Allowlist,
    /// Blocklist: rejecting known-bad characters or patterns.
    Blocklist,
    /// No validation.
    None,
}

/// How SQL statements are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SqlAccess {
    /// Parameterized queries / prepared statements with bound values.
    Parameterized,
    /// An ORM or query builder that binds values.
    Orm,
    /// Input concatenated or interpolated into SQL strings.
    StringConcatenation,
    /// The service uses no SQL database.
    NotApplicable,
}

/// Where secrets (database passwords, API keys, signing keys) live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SecretsStorage {
    /// A secrets manager (HashiCorp Vault, AWS Secrets Manager, GCP Secret Manager, Azure Key Vault),
    /// fetched at start-up or injected from it at deploy time.
    SecretsManager,
    /// Plain environment variables set in deployment configuration by hand.
    EnvVars,
    /// A configuration file on the server, outside version control.
    ConfigFile,
    /// Committed to the git repository (now or in its history).
    InGit,
}

/// Where traffic is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// TLS on every hop: clients, service to service, service to database and broker.
    TlsEverywhere,
    /// TLS terminates at the load balancer or gateway; internal hops are plaintext.
    TlsAtEdgeOnly,
    /// No TLS.
    None,
}

/// Input of `audit_security`. Every field is optional; what is left out is reported as unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditSecurityInput {
    /// How end users log in (not_applicable: no end users).
    #[serde(default)]
    pub user_authentication: Option<UserAuthentication>,
    /// How services authenticate to each other.
    #[serde(default)]
    pub service_authentication: Option<ServiceAuthentication>,
    /// How stored passwords are hashed (none_stored: no passwords).
    #[serde(default)]
    pub password_hashing: Option<PasswordHashing>,
    #[serde(default)]
    pub bcrypt_cost: Option<u32>,
    #[serde(default)]
    pub argon2_memory_kib: Option<u32>,
    #[serde(default)]
    pub argon2_iterations: Option<u32>,
    #[serde(default)]
    pub pbkdf2_iterations: Option<u32>,
    /// Where permissions are enforced.
    #[serde(default)]
    pub authorization: Option<Authorization>,
    /// Checked on every request, not once per session?
    #[serde(default)]
    pub authorization_checked_every_request: Option<bool>,
    /// How input is validated at the boundaries.
    #[serde(default)]
    pub input_validation: Option<InputValidation>,
    /// How SQL is built.
    #[serde(default)]
    pub sql: Option<SqlAccess>,
    /// Where secrets live.
    #[serde(default)]
    pub secrets: Option<SecretsStorage>,
    /// Are secrets rotated on a schedule?
    #[serde(default)]
    pub secret_rotation: Option<bool>,
    /// Where traffic is encrypted.
    #[serde(default)]
    pub transport: Option<Transport>,
}

/// Verdict of one checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Meets the checklist.
    Pass,
    /// Does not meet the checklist.
    Fail,
    /// Not answered; not a failure, but unverified.
    Unknown,
}

/// How urgent a failed item is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Exploitable now or already exposed: fix before the next release.
    Critical,
    /// A serious gap an attacker can use with some effort.
    High,
    /// Weakens defence in depth.
    Medium,
}

/// One item of the minimum security checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChecklistItem {
    /// Stable identifier: `user_authentication`, `service_authentication`, `password_hashing`,
    /// `authorization`, `input_validation`, `parameterized_sql`, `secrets_management`,
    /// `secret_rotation`, `transport_security`.
    pub id: String,
    /// Human title (for the text report; the id names the item in JSON).
    #[serde(skip)]
    pub title: String,
    /// `pass`, `fail` or `unknown`.
    pub status: Status,
    /// For failures: how urgent.
    pub severity: Option<Severity>,
    /// For failures: what was found and why it matters, in the skill's terms.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub finding: String,
    /// What to do (for a pass: what to keep doing).
    pub fix: String,
    /// For failures: the reference section to read.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reference: String,
}

/// Overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every item passes.
    Pass,
    /// At least one item fails.
    Fail,
    /// No failures, but some items are unknown.
    Incomplete,
}

/// Counts and the overall verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Items that pass.
    pub passed: usize,
    /// Items that fail.
    pub failed: usize,
    /// Items not answered (each asked in `next_questions`).
    pub unknown: usize,
    /// `pass`, `fail` or `incomplete`.
    pub verdict: Verdict,
    /// Failed item ids, most severe first: the order to fix them in.
    pub fix_first: Vec<String>,
}

/// Output of `audit_security`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AuditSecurityOutput {
    /// The answered checklist items (pass or fail), in checklist order; the unknown ones are asked
    /// in `next_questions` instead.
    pub items: Vec<ChecklistItem>,
    /// Counts and overall verdict.
    pub summary: Summary,
    /// One question per unknown item.
    pub next_questions: Vec<NextQuestion>,
    /// Reference sections to read next, besides the failed items' own.
    pub references: Vec<String>,
}

fn sec(anchor: &str) -> String {
    reference_uri("security.md", anchor)
}

fn check_range(field: &str, v: Option<u32>, min: u32, max: u32) -> Result<(), DecideError> {
    match v {
        Some(x) if x < min || x > max => Err(DecideError::InvalidInput(format!(
            "{field}: {x} is out of range; accepted: {min} to {max}"
        ))),
        _ => Ok(()),
    }
}

fn validate(i: &AuditSecurityInput) -> Result<(), DecideError> {
    check_range("bcrypt_cost", i.bcrypt_cost, 4, 31)?;
    check_range("argon2_memory_kib", i.argon2_memory_kib, 8, 4_194_304)?;
    check_range("argon2_iterations", i.argon2_iterations, 1, 1000)?;
    check_range("pbkdf2_iterations", i.pbkdf2_iterations, 1, 100_000_000)?;
    if let Some(alg) = i.password_hashing {
        let mismatch = [
            (
                "bcrypt_cost",
                i.bcrypt_cost.is_some(),
                PasswordHashing::Bcrypt,
            ),
            (
                "argon2_memory_kib",
                i.argon2_memory_kib.is_some(),
                PasswordHashing::Argon2id,
            ),
            (
                "argon2_iterations",
                i.argon2_iterations.is_some(),
                PasswordHashing::Argon2id,
            ),
            (
                "pbkdf2_iterations",
                i.pbkdf2_iterations.is_some(),
                PasswordHashing::Pbkdf2,
            ),
        ]
        .into_iter()
        .find(|(_, given, wants)| *given && *wants != alg);
        if let Some((field, _, wants)) = mismatch {
            return Err(DecideError::InvalidInput(format!(
                "{field}: only applies when password_hashing is {}; it is {}. Drop {field} or fix \
                 password_hashing",
                hashing_name(wants),
                hashing_name(alg)
            )));
        }
    }
    if i.user_authentication == Some(UserAuthentication::SessionPassword)
        && i.password_hashing == Some(PasswordHashing::NoneStored)
    {
        return Err(DecideError::InvalidInput(
            "password_hashing: none_stored contradicts user_authentication = session_password (the \
             service checks passwords, so it stores them); give the hashing algorithm"
                .to_string(),
        ));
    }
    Ok(())
}

fn hashing_name(h: PasswordHashing) -> &'static str {
    match h {
        PasswordHashing::Argon2id => "argon2id",
        PasswordHashing::Bcrypt => "bcrypt",
        PasswordHashing::Scrypt => "scrypt",
        PasswordHashing::Pbkdf2 => "pbkdf2",
        PasswordHashing::Sha256 => "sha256",
        PasswordHashing::Md5 => "md5",
        PasswordHashing::Plaintext => "plaintext",
        PasswordHashing::NoneStored => "none_stored",
    }
}

/// A verdict before it is attached to its item.
struct Check {
    status: Status,
    severity: Option<Severity>,
    finding: String,
    fix: String,
}

fn pass(finding: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        status: Status::Pass,
        severity: None,
        finding: finding.into(),
        fix: fix.into(),
    }
}

fn fail(severity: Severity, finding: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        status: Status::Fail,
        severity: Some(severity),
        finding: finding.into(),
        fix: fix.into(),
    }
}

/// Not answered: the item becomes a question (see [`question_for`]), so it carries no text itself.
fn unknown() -> Check {
    Check {
        status: Status::Unknown,
        severity: None,
        finding: String::new(),
        fix: String::new(),
    }
}

fn check_user_auth(v: Option<UserAuthentication>) -> Check {
    match v {
        Some(UserAuthentication::Oauth2Oidc) => pass(
            "Users authenticate through OAuth 2.0 / OpenID Connect, as the checklist asks for \
             user-facing services.",
            "Keep it: use the authorization code flow with PKCE, validate ID token signature, issuer, \
             audience and expiry on every request, and keep access tokens short-lived.",
        ),
        Some(UserAuthentication::SessionPassword) => pass(
            "Password login with server-side sessions through a vetted framework is acceptable; the \
             checklist's preference for user-facing services is OAuth 2.0 / OIDC. It is only as \
             strong as the password-hashing item below.",
            "Hash passwords with argon2id or bcrypt (see password_hashing), rate-limit and lock out \
             login attempts, offer MFA, set session cookies HttpOnly, Secure and SameSite, rotate the \
             session id at login. Consider delegating to an OIDC provider.",
        ),
        Some(UserAuthentication::Custom) => fail(
            Severity::High,
            "A home-grown authentication scheme: rolling your own auth or crypto produces subtle bugs \
             that go unnoticed for months.",
            "Replace it with OAuth 2.0 / OIDC through an established provider or library (or a vetted \
             framework's session login); never invent token formats or crypto.",
        ),
        Some(UserAuthentication::None) => fail(
            Severity::Critical,
            "Users are not authenticated: anyone who can reach the service can act as any user.",
            "Add OAuth 2.0 / OIDC authentication for every user-facing endpoint, enforced in \
             middleware before any handler runs.",
        ),
        Some(UserAuthentication::NotApplicable) => pass(
            "No end user calls this service directly, so there is no user authentication to do here; \
             service-to-service authentication carries the weight.",
            "Make sure the service is truly unreachable by users (no public route), and keep the \
             service-authentication item passing.",
        ),
        None => unknown(),
    }
}

fn check_service_auth(v: Option<ServiceAuthentication>) -> Check {
    match v {
        Some(ServiceAuthentication::ApiKeysHmac) => pass(
            "Services authenticate with API keys and HMAC signatures, as the checklist asks.",
            "Sign method, path, a timestamp and the body hash; reject requests older than a few \
             minutes and replays; compare signatures in constant time; keep keys in the secrets \
             manager and rotate them.",
        ),
        Some(ServiceAuthentication::Mtls) => pass(
            "Mutual TLS proves both sides' identity with certificates: at least as strong as API keys \
             with HMAC.",
            "Automate certificate issuance and short lifetimes (a service mesh or internal CA), and \
             authorize on the peer's identity, not just a valid certificate.",
        ),
        Some(ServiceAuthentication::Oauth2ClientCredentials) => pass(
            "Short-lived OAuth 2.0 client-credentials tokens: an accepted alternative to API keys with \
             HMAC.",
            "Scope tokens per audience, validate signature, audience and expiry on every call, keep \
             client secrets in the secrets manager.",
        ),
        Some(ServiceAuthentication::SharedSecretPlain) => fail(
            Severity::High,
            "A static shared secret sent as-is can be replayed by anyone who sees one request (logs, \
             proxies, a compromised peer) and protects neither the body nor freshness.",
            "Sign each request with HMAC over method, path, timestamp and body using a per-caller \
             API key, or move to mTLS; rotate the current secret.",
        ),
        Some(ServiceAuthentication::None) => fail(
            Severity::Critical,
            "Services trust each other by network location: one compromised host or SSRF bug can \
             call everything.",
            "Authenticate every service-to-service call: API keys + HMAC (the checklist's default), \
             mTLS or OAuth 2.0 client credentials.",
        ),
        Some(ServiceAuthentication::NotApplicable) => pass(
            "The service neither calls nor is called by other services.",
            "Revisit this item as soon as a second service appears.",
        ),
        None => unknown(),
    }
}

fn argon2_meets_owasp(memory_kib: u32, iterations: u32) -> bool {
    ARGON2ID_OWASP_CONFIGS
        .iter()
        .any(|&(m, t)| memory_kib >= m && iterations >= t)
}

fn check_password(i: &AuditSecurityInput) -> Check {
    let owasp = "OWASP minimums: argon2id m=19 MiB (19456 KiB), t=2, p=1 (or m=46 MiB, t=1); bcrypt \
                 cost 10; scrypt N=2^17, r=8, p=1; PBKDF2-HMAC-SHA256 600,000 iterations.";
    match i.password_hashing {
        Some(PasswordHashing::Argon2id) => match (i.argon2_memory_kib, i.argon2_iterations) {
            (Some(m), Some(t)) if argon2_meets_owasp(m, t) => pass(
                format!("argon2id with m={m} KiB, t={t} meets the OWASP minimum. {owasp}"),
                "Keep it; raise memory as hardware allows and rehash on login when parameters change.",
            ),
            (Some(m), Some(t)) => fail(
                Severity::High,
                format!(
                    "argon2id with m={m} KiB, t={t} is below every OWASP configuration. {owasp}"
                ),
                "Raise to at least m=19456 KiB, t=2, p=1 and rehash each password at its next login.",
            ),
            _ => pass(
                format!(
                    "argon2id is the first choice for password storage. Parameters were not given, so \
                     check them: {owasp}"
                ),
                "Confirm m and t meet the OWASP minimum (send argon2_memory_kib and argon2_iterations \
                 to check).",
            ),
        },
        Some(PasswordHashing::Bcrypt) => match i.bcrypt_cost {
            Some(c) if c >= BCRYPT_MIN_COST => pass(
                format!(
                    "bcrypt with cost {c} (10 or more) meets the checklist's bcrypt/argon2 minimum."
                ),
                "Keep it; bcrypt reads only the first 72 bytes of a password, so enforce that limit \
                 (or pre-hash carefully), and raise the cost as hardware gets faster.",
            ),
            Some(c) => fail(
                Severity::High,
                format!(
                    "bcrypt with cost {c} is below the OWASP minimum of {BCRYPT_MIN_COST}. {owasp}"
                ),
                "Raise the cost to 10 or more (aim for about 250 ms per hash on your hardware) and \
                 rehash each password at its next login.",
            ),
            None => pass(
                "bcrypt meets the checklist's bcrypt/argon2 minimum. The cost was not given: it must \
                 be 10 or more (OWASP).",
                "Confirm the cost factor is 10 or more (send bcrypt_cost to check); enforce bcrypt's \
                 72-byte input limit.",
            ),
        },
        Some(PasswordHashing::Scrypt) => pass(
            format!("scrypt is a memory-hard password hash on a par with bcrypt/argon2. {owasp}"),
            "Use at least N=2^17, r=8, p=1; prefer argon2id for new systems.",
        ),
        Some(PasswordHashing::Pbkdf2) => match i.pbkdf2_iterations {
            Some(n) if n >= PBKDF2_SHA256_MIN_ITERATIONS => pass(
                format!(
                    "PBKDF2 with {n} iterations meets OWASP's 600,000 for HMAC-SHA256; it is the \
                     choice when FIPS-140 compliance is required, otherwise prefer argon2id or bcrypt."
                ),
                "Keep the iteration count current with OWASP guidance; PBKDF2 is the choice only \
                 where FIPS-140 applies, otherwise migrate to argon2id.",
            ),
            Some(n) => fail(
                Severity::High,
                format!(
                    "PBKDF2 with {n} iterations is below OWASP's 600,000 (HMAC-SHA256). {owasp}"
                ),
                "Raise to 600,000 iterations or more, or move to argon2id/bcrypt, and rehash each \
                 password at its next login.",
            ),
            None => unknown(),
        },
        Some(alg @ (PasswordHashing::Sha256 | PasswordHashing::Md5)) => fail(
            Severity::Critical,
            format!(
                "{} is a fast hash: a GPU tries billions of guesses per second, salted or not, so \
                 leaked hashes fall quickly. The checklist minimum is bcrypt/argon2 (PBKDF2 only where \
                 FIPS-140 applies). {owasp}",
                hashing_name(alg)
            ),
            format!(
                "Move to argon2id (m=19 MiB, t=2, p=1) or bcrypt (cost 10+): wrap the existing hashes \
                 (argon2id({}(password))) now, and replace them with plain argon2id at each user's \
                 next login.",
                hashing_name(alg)
            ),
        ),
        Some(PasswordHashing::Plaintext) => fail(
            Severity::Critical,
            "Passwords are stored in plain text (or reversibly): never store plain-text passwords. One \
             database leak exposes every user, including their reuse on other sites.",
            "Hash with argon2id or bcrypt immediately (hash the existing values in a migration), then \
             force a password reset and treat the old values as leaked.",
        ),
        Some(PasswordHashing::NoneStored) => pass(
            "The service stores no passwords (authentication is delegated), so there is nothing to \
             hash.",
            "Keep it that way: do not add a local password column later without argon2id or bcrypt.",
        ),
        None => unknown(),
    }
}

fn check_authorization(i: &AuditSecurityInput) -> Check {
    let object_level = "Check object-level access too (does this user own order 42?), not just the \
                        role.";
    match (i.authorization, i.authorization_checked_every_request) {
        (Some(Authorization::MiddlewareDefaultDeny), Some(false)) => fail(
            Severity::High,
            "Authorization sits in middleware with default deny, but permissions are not checked on \
             every request: decisions made at login go stale when roles change or sessions are \
             stolen.",
            format!("Evaluate permissions on every request in the middleware. {object_level}"),
        ),
        (Some(Authorization::MiddlewareDefaultDeny), _) => pass(
            "Authorization is enforced in middleware with default deny on every request, as the \
             checklist asks.",
            format!(
                "Keep new routes denied until a rule allows them, and test that an unlisted route \
                 returns 403. {object_level}"
            ),
        ),
        (Some(Authorization::PerHandler), _) => fail(
            Severity::High,
            "Each handler checks permissions itself: one forgotten check is an open endpoint, and \
             nothing denies by default.",
            format!(
                "Move authorization into middleware that runs before every handler and denies unless \
                 a rule allows (default deny). {object_level}"
            ),
        ),
        (Some(Authorization::EdgeOnly), _) => fail(
            Severity::High,
            "Authorization happens only at the edge: any request that reaches a service another way \
             (an internal caller, SSRF, a misrouted path) skips it. The checklist says check on every \
             request, not just at the edge.",
            format!(
                "Enforce authorization in each service's middleware with default deny, using the \
                 identity propagated from the edge. {object_level}"
            ),
        ),
        (Some(Authorization::None), _) => fail(
            Severity::Critical,
            "No authorization: any authenticated caller can do anything.",
            format!(
                "Add authorization middleware with default deny, checked on every request. \
                 {object_level}"
            ),
        ),
        (None, _) => unknown(),
    }
}

fn check_input_validation(v: Option<InputValidation>) -> Check {
    match v {
        Some(InputValidation::Allowlist) => pass(
            "Input is validated at the system boundary against allowlists, as the checklist asks.",
            "Validate every boundary (HTTP, queue consumers, file uploads, webhooks) with schemas: \
             types, lengths, ranges, formats, enums; reject unknown fields.",
        ),
        Some(InputValidation::Blocklist) => fail(
            Severity::Medium,
            "Blocklists reject known-bad patterns; attackers find the encoding, case or character you \
             did not list. Use allowlists, not blocklists.",
            "Replace the blocklist with allowlist validation: a schema per endpoint describing what is \
             accepted (types, lengths, ranges, formats), rejecting everything else.",
        ),
        Some(InputValidation::None) => fail(
            Severity::High,
            "Input is not validated at the boundary: malformed or hostile input reaches business logic, \
             queries and downstream services.",
            "Validate at every system boundary with allowlist schemas (e.g. JSON Schema, serde with \
             deny_unknown_fields, pydantic, zod).",
        ),
        None => unknown(),
    }
}

fn check_sql(v: Option<SqlAccess>) -> Check {
    match v {
        Some(SqlAccess::Parameterized) => pass(
            "All SQL is parameterized, as the checklist asks.",
            "Keep it; identifiers (table or column names, sort directions) cannot be bound, so map \
             them from an allowlist.",
        ),
        Some(SqlAccess::Orm) => pass(
            "An ORM or query builder binds values as parameters.",
            "Audit the escape hatches (raw SQL, order-by strings, fragments): each must bind \
             parameters too; grep for string formatting near query calls.",
        ),
        Some(SqlAccess::StringConcatenation) => fail(
            Severity::Critical,
            "Input is concatenated into SQL: SQL injection. Parameterize all SQL queries; escaping by \
             hand is not a substitute.",
            "Rewrite every query with bound parameters ($1 / ?); map identifiers from an allowlist; \
             add a lint or test that fails on string-built SQL.",
        ),
        Some(SqlAccess::NotApplicable) => pass(
            "The service uses no SQL database.",
            "Apply the same rule to other query languages (NoSQL operators, LDAP, shell commands): \
             never build them from raw input.",
        ),
        None => unknown(),
    }
}

fn check_secrets(v: Option<SecretsStorage>) -> Check {
    match v {
        Some(SecretsStorage::SecretsManager) => pass(
            "Secrets live in a secrets manager, as the checklist asks.",
            "Grant each service access only to its own secrets, audit access, and never log them.",
        ),
        Some(SecretsStorage::EnvVars) => fail(
            Severity::Medium,
            "Hand-set environment variables spread secrets through deploy configs, CI logs, crash \
             dumps and process listings, with no audit trail or rotation. (If they are injected from \
             a secrets manager at deploy time, answer secrets_manager instead.)",
            "Store secrets in a secrets manager (Vault, AWS Secrets Manager) and fetch or inject them \
             at start-up.",
        ),
        Some(SecretsStorage::ConfigFile) => fail(
            Severity::High,
            "Secrets in a config file on the server are copied with backups and images and readable by \
             anyone with host access; there is no audit or rotation.",
            "Move them to a secrets manager (Vault, AWS Secrets Manager) and remove the file; rotate \
             the values that were in it.",
        ),
        Some(SecretsStorage::InGit) => fail(
            Severity::Critical,
            "Secrets are committed to git: every clone and fork holds them, and deleting the file does \
             not remove them from history. Never commit secrets to git.",
            "Treat them as leaked: rotate every one now, then move them to a secrets manager, purge \
             them from history, and add secret scanning (pre-commit hook and CI).",
        ),
        None => unknown(),
    }
}

fn check_rotation(v: Option<bool>, secrets: Option<SecretsStorage>) -> Check {
    match v {
        Some(true) => pass(
            "Secrets are rotated regularly, as the checklist asks.",
            "Automate rotation (the secrets manager can do it), support two valid keys during the \
             overlap, and rotate at once after any suspected leak or staff departure.",
        ),
        Some(false) => fail(
            if secrets == Some(SecretsStorage::InGit) {
                Severity::Critical
            } else {
                Severity::Medium
            },
            "Secrets are not rotated: a leaked key stays valid forever, and nobody knows whether \
             rotation would break anything until it is urgent.",
            "Rotate on a schedule, automated through the secrets manager, with an overlap window where \
             old and new keys both work; practise it before you need it.",
        ),
        None => unknown(),
    }
}

fn check_transport(v: Option<Transport>) -> Check {
    match v {
        Some(Transport::TlsEverywhere) => pass(
            "TLS on every hop, as the checklist asks: TLS everywhere, no exceptions.",
            "Keep TLS 1.2 as the floor (prefer 1.3), send HSTS on public endpoints, and verify \
             certificates on internal clients (database and broker drivers too).",
        ),
        Some(Transport::TlsAtEdgeOnly) => fail(
            Severity::High,
            "TLS ends at the load balancer: tokens, passwords and personal data travel in plain text \
             inside the network, readable by anything on it. TLS everywhere, no exceptions.",
            "Encrypt internal hops too: TLS (or mTLS through a service mesh) between services and to \
             the database, cache and broker, with certificate verification on.",
        ),
        Some(Transport::None) => fail(
            Severity::Critical,
            "No TLS: credentials and data cross the network in plain text and can be read or altered \
             in transit.",
            "Terminate TLS for every client and encrypt every internal hop; redirect HTTP to HTTPS and \
             send HSTS.",
        ),
        None => unknown(),
    }
}

fn question(field: &str, question: &str, options: &[&str], how_to_tell: &str) -> NextQuestion {
    NextQuestion {
        field: field.to_string(),
        question: question.to_string(),
        options: options.iter().map(|s| (*s).to_string()).collect(),
        how_to_tell: how_to_tell.to_string(),
    }
}

fn question_for(id: &str, input: &AuditSecurityInput) -> NextQuestion {
    match id {
        "user_authentication" => question(
            "user_authentication",
            "How do end users authenticate?",
            &[
                "oauth2_oidc",
                "session_password",
                "custom",
                "none",
                "not_applicable",
            ],
            "Look at the login flow: redirect to an identity provider is oauth2_oidc; a login form \
             checked against your own users table is session_password; your own token format or \
             crypto is custom.",
        ),
        "service_authentication" => question(
            "service_authentication",
            "How do services authenticate to each other?",
            &[
                "api_keys_hmac",
                "mtls",
                "oauth2_client_credentials",
                "shared_secret_plain",
                "none",
                "not_applicable",
            ],
            "Look at an internal HTTP call: a signature header computed per request is api_keys_hmac; \
             client certificates are mtls; a bearer token from a token endpoint is \
             oauth2_client_credentials; the same static key on every request is shared_secret_plain.",
        ),
        "password_hashing" if input.password_hashing == Some(PasswordHashing::Pbkdf2) => question(
            "pbkdf2_iterations",
            "How many PBKDF2 iterations are used?",
            &["an integer, e.g. 600000"],
            "Read the hashing call or a stored hash: most formats embed the iteration count (e.g. \
             pbkdf2_sha256$600000$...).",
        ),
        "password_hashing" => question(
            "password_hashing",
            "How are stored passwords hashed?",
            &[
                "argon2id",
                "bcrypt",
                "scrypt",
                "pbkdf2",
                "sha256",
                "md5",
                "plaintext",
                "none_stored",
            ],
            "Look at a stored value: $argon2id$... is argon2id, $2a$/$2b$/$2y$ is bcrypt (the number \
             after it is the cost), 64 hex characters is sha256, 32 hex characters is md5.",
        ),
        "authorization" => question(
            "authorization",
            "Where are permissions checked?",
            &[
                "middleware_default_deny",
                "per_handler",
                "edge_only",
                "none",
            ],
            "Add a new route without any permission code: if it returns 403 it is \
             middleware_default_deny; if it is open, checks are per_handler (or none).",
        ),
        "input_validation" => question(
            "input_validation",
            "How is input validated at system boundaries?",
            &["allowlist", "blocklist", "none"],
            "Schemas describing what is accepted (types, ranges, formats) are an allowlist; filters \
             stripping bad characters or patterns are a blocklist.",
        ),
        "parameterized_sql" => question(
            "sql",
            "How is SQL built?",
            &[
                "parameterized",
                "orm",
                "string_concatenation",
                "not_applicable",
            ],
            "Grep for string formatting or + next to query calls; placeholders ($1, ?) with separate \
             values are parameterized.",
        ),
        "secrets_management" => question(
            "secrets",
            "Where do secrets live?",
            &["secrets_manager", "env_vars", "config_file", "in_git"],
            "Follow the database password from the code back to its source; also run a secret scanner \
             (e.g. gitleaks) over the repository history.",
        ),
        "secret_rotation" => question(
            "secret_rotation",
            "Are secrets rotated on a schedule?",
            &["true", "false"],
            "Check when the database password and API keys last changed; if nobody knows, the answer \
             is false.",
        ),
        _ => question(
            "transport",
            "Where is traffic encrypted?",
            &["tls_everywhere", "tls_at_edge_only", "none"],
            "Check the service-to-database and service-to-service connection strings (sslmode, https) \
             as well as the public endpoint.",
        ),
    }
}

/// Audits the service against the minimum security checklist.
pub fn audit_security(input: &AuditSecurityInput) -> Result<AuditSecurityOutput, DecideError> {
    validate(input)?;
    let checks: [(&str, &str, Check, &str); 9] = [
        (
            "user_authentication",
            "Authentication for users (OAuth 2.0 / OIDC)",
            check_user_auth(input.user_authentication),
            "authentication-for-users",
        ),
        (
            "service_authentication",
            "Authentication between services (API keys + HMAC)",
            check_service_auth(input.service_authentication),
            "authentication-between-services",
        ),
        (
            "password_hashing",
            "Password hashing (bcrypt/argon2 minimum, never plain text)",
            check_password(input),
            "password-storage",
        ),
        (
            "authorization",
            "Authorization in middleware, default deny, on every request",
            check_authorization(input),
            "authorization-in-middleware",
        ),
        (
            "input_validation",
            "Input validation at boundaries with allowlists",
            check_input_validation(input.input_validation),
            "input-validation",
        ),
        (
            "parameterized_sql",
            "Parameterized SQL",
            check_sql(input.sql),
            "parameterized-sql",
        ),
        (
            "secrets_management",
            "Secrets in a secrets manager, never in git",
            check_secrets(input.secrets),
            "secrets-management",
        ),
        (
            "secret_rotation",
            "Secret rotation",
            check_rotation(input.secret_rotation, input.secrets),
            "secrets-management",
        ),
        (
            "transport_security",
            "TLS everywhere",
            check_transport(input.transport),
            "transport-security",
        ),
    ];

    let items: Vec<ChecklistItem> = checks
        .into_iter()
        .map(|(id, title, c, anchor)| ChecklistItem {
            id: id.to_string(),
            title: title.to_string(),
            status: c.status,
            severity: c.severity,
            finding: c.finding,
            fix: c.fix,
            reference: sec(anchor),
        })
        .collect();

    let passed = items.iter().filter(|i| i.status == Status::Pass).count();
    let failed = items.iter().filter(|i| i.status == Status::Fail).count();
    let unknown_count = items.iter().filter(|i| i.status == Status::Unknown).count();
    let mut failing: Vec<&ChecklistItem> =
        items.iter().filter(|i| i.status == Status::Fail).collect();
    failing.sort_by_key(|i| i.severity);
    let fix_first: Vec<String> = failing.iter().map(|i| i.id.clone()).collect();
    let verdict = if failed > 0 {
        Verdict::Fail
    } else if unknown_count > 0 {
        Verdict::Incomplete
    } else {
        Verdict::Pass
    };
    let next_questions: Vec<NextQuestion> = items
        .iter()
        .filter(|i| i.status == Status::Unknown)
        .map(|i| {
            let mut q = question_for(&i.id, input);
            let params = input.bcrypt_cost.is_some()
                || input.argon2_memory_kib.is_some()
                || input.pbkdf2_iterations.is_some();
            if q.field == "password_hashing" && params {
                q.question.push_str(
                    " (The hashing parameters given are not used until password_hashing is set.)",
                );
            }
            q
        })
        .collect();
    // Each fact once: an unknown item is its question, a pass is what to keep doing, and only a
    // failure carries its finding and the section to read.
    let fail_refs: Vec<String> = items
        .iter()
        .filter(|i| i.status == Status::Fail)
        .map(|i| i.reference.clone())
        .collect();
    let items: Vec<ChecklistItem> = items
        .into_iter()
        .filter(|i| i.status != Status::Unknown)
        .map(|mut i| {
            if i.status == Status::Pass {
                i.finding.clear();
                i.reference.clear();
            }
            i
        })
        .collect();

    let mut references = vec![sec("the-minimum-security-checklist")];
    let mut extra = Vec::new();
    if items
        .iter()
        .any(|i| i.id == "authorization" && i.status != Status::Pass)
        || input.authorization.is_some()
    {
        extra.push(sec("object-level-authorization"));
    }
    if matches!(
        input.service_authentication,
        Some(ServiceAuthentication::SharedSecretPlain | ServiceAuthentication::None)
    ) {
        extra.push(sec("api-keys-and-hmac-signing"));
    }
    if input.user_authentication == Some(UserAuthentication::SessionPassword) {
        extra.push(sec("sessions-versus-jwts"));
    }
    for r in extra {
        if !references.contains(&r) && !fail_refs.contains(&r) {
            references.push(r);
        }
    }

    Ok(AuditSecurityOutput {
        items,
        summary: Summary {
            passed,
            failed,
            unknown: unknown_count,
            verdict,
            fix_first,
        },
        next_questions,
        references,
    })
}

impl fmt::Display for AuditSecurityOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sum = &self.summary;
        let verdict = match sum.verdict {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Incomplete => "INCOMPLETE",
        };
        writeln!(
            f,
            "Security audit: {verdict} ({} fail, {} pass, {} unknown).",
            sum.failed, sum.passed, sum.unknown
        )?;
        if !sum.fix_first.is_empty() {
            writeln!(f, "Fix in this order: {}", sum.fix_first.join(", "))?;
        }
        // Failures first, then passes; the unknown items are asked once, below.
        let failed = self.items.iter().filter(|i| i.status == Status::Fail);
        let passed = self.items.iter().filter(|i| i.status == Status::Pass);
        for item in failed {
            let sev = match item.severity {
                Some(Severity::Critical) => "critical",
                Some(Severity::High) => "high",
                Some(Severity::Medium) | None => "medium",
            };
            writeln!(f, "\n[FAIL] {} ({sev}): {}", item.title, item.finding)?;
            writeln!(f, "  Fix: {}", item.fix)?;
            writeln!(f, "  Read: {}", item.reference)?;
        }
        let mut first = true;
        for item in passed {
            if first {
                writeln!(f)?;
                first = false;
            }
            writeln!(f, "[PASS] {}: {}", item.title, item.fix)?;
        }
        if !self.next_questions.is_empty() {
            writeln!(f, "\nTo finish the audit, answer:")?;
            for q in &self.next_questions {
                writeln!(
                    f,
                    "  - {} ({}): {}",
                    q.field,
                    q.options.join(" | "),
                    q.question
                )?;
            }
        }
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

    fn assert_refs_allowed(out: &AuditSecurityOutput) {
        let all = out.references.iter().chain(
            out.items
                .iter()
                .map(|i| &i.reference)
                .filter(|r| !r.is_empty()),
        );
        for r in all {
            assert!(is_citable(r), "reference not citable: {r}");
        }
    }

    fn run(v: serde_json::Value) -> AuditSecurityOutput {
        let input: AuditSecurityInput = serde_json::from_value(v).expect("valid input");
        let out = audit_security(&input).expect("ok");
        assert_refs_allowed(&out);
        assert!(!out.to_string().is_empty());
        assert_eq!(out.items.len() + out.summary.unknown, 9);
        for i in &out.items {
            assert_ne!(i.status, Status::Unknown);
            // A failure says what was found and where to read; a pass only what to keep doing.
            assert_eq!(i.finding.is_empty(), i.status == Status::Pass, "{}", i.id);
            assert_eq!(i.reference.is_empty(), i.status == Status::Pass, "{}", i.id);
        }
        out
    }

    fn item<'a>(out: &'a AuditSecurityOutput, id: &str) -> &'a ChecklistItem {
        out.items.iter().find(|i| i.id == id).expect(id)
    }

    fn status(v: serde_json::Value, id: &str) -> (Status, Option<Severity>) {
        let out = run(v);
        match out.items.iter().find(|i| i.id == id) {
            Some(i) => (i.status, i.severity),
            None => (Status::Unknown, None),
        }
    }

    #[test]
    fn empty_input_is_all_unknown_with_questions() {
        let out = run(json!({}));
        assert!(out.items.is_empty());
        assert_eq!(out.summary.verdict, Verdict::Incomplete);
        assert_eq!(out.summary.unknown, 9);
        assert_eq!(out.summary.failed, 0);
        let fields: Vec<&str> = out
            .next_questions
            .iter()
            .map(|q| q.field.as_str())
            .collect();
        assert_eq!(
            fields,
            [
                "user_authentication",
                "service_authentication",
                "password_hashing",
                "authorization",
                "input_validation",
                "sql",
                "secrets",
                "secret_rotation",
                "transport"
            ]
        );
        // Every option offered is accepted by the input schema.
        for q in &out.next_questions {
            if q.field == "secret_rotation" {
                continue;
            }
            for o in &q.options {
                let input: Result<AuditSecurityInput, _> =
                    serde_json::from_value(json!({ q.field.clone(): o }));
                assert!(input.is_ok(), "{} = {o}", q.field);
            }
        }
    }

    #[test]
    fn all_good_passes() {
        let out = run(json!({
            "user_authentication": "oauth2_oidc", "service_authentication": "api_keys_hmac",
            "password_hashing": "argon2id", "argon2_memory_kib": 19456, "argon2_iterations": 2,
            "authorization": "middleware_default_deny", "authorization_checked_every_request": true,
            "input_validation": "allowlist", "sql": "parameterized", "secrets": "secrets_manager",
            "secret_rotation": true, "transport": "tls_everywhere"
        }));
        assert_eq!(out.summary.verdict, Verdict::Pass);
        assert_eq!(out.summary.passed, 9);
        assert!(out.next_questions.is_empty());
        assert!(out.summary.fix_first.is_empty());
        let v = serde_json::to_value(&out).unwrap();
        assert_eq!(v["items"][0]["status"], "pass");
        assert_eq!(v["summary"]["verdict"], "pass");
    }

    #[test]
    fn user_and_service_authentication_table() {
        use Severity::*;
        use Status::*;
        let cases = [
            ("oauth2_oidc", Pass, None),
            ("session_password", Pass, None),
            ("custom", Fail, Some(High)),
            ("none", Fail, Some(Critical)),
            ("not_applicable", Pass, None),
        ];
        for (v, s, sev) in cases {
            assert_eq!(
                status(json!({"user_authentication": v}), "user_authentication"),
                (s, sev),
                "{v}"
            );
        }
        let cases = [
            ("api_keys_hmac", Pass, None),
            ("mtls", Pass, None),
            ("oauth2_client_credentials", Pass, None),
            ("shared_secret_plain", Fail, Some(High)),
            ("none", Fail, Some(Critical)),
            ("not_applicable", Pass, None),
        ];
        for (v, s, sev) in cases {
            assert_eq!(
                status(
                    json!({"service_authentication": v}),
                    "service_authentication"
                ),
                (s, sev),
                "{v}"
            );
        }
        let out = run(
            json!({"service_authentication": "shared_secret_plain", "user_authentication": "session_password"}),
        );
        assert!(out.references.contains(&sec("api-keys-and-hmac-signing")));
        assert!(out.references.contains(&sec("sessions-versus-jwts")));
    }

    #[test]
    fn password_hashing_table() {
        use Severity::*;
        use Status::*;
        let cases = [
            (json!({"password_hashing": "argon2id"}), Pass, None),
            (
                json!({"password_hashing": "argon2id", "argon2_memory_kib": 19456, "argon2_iterations": 2}),
                Pass,
                None,
            ),
            (
                json!({"password_hashing": "argon2id", "argon2_memory_kib": 47104, "argon2_iterations": 1}),
                Pass,
                None,
            ),
            (
                json!({"password_hashing": "argon2id", "argon2_memory_kib": 7168, "argon2_iterations": 5}),
                Pass,
                None,
            ),
            (
                json!({"password_hashing": "argon2id", "argon2_memory_kib": 19456, "argon2_iterations": 1}),
                Fail,
                Some(High),
            ),
            (
                json!({"password_hashing": "argon2id", "argon2_memory_kib": 4096, "argon2_iterations": 10}),
                Fail,
                Some(High),
            ),
            (
                json!({"password_hashing": "argon2id", "argon2_memory_kib": 65536}),
                Pass,
                None,
            ),
            (json!({"password_hashing": "bcrypt"}), Pass, None),
            (
                json!({"password_hashing": "bcrypt", "bcrypt_cost": 10}),
                Pass,
                None,
            ),
            (
                json!({"password_hashing": "bcrypt", "bcrypt_cost": 12}),
                Pass,
                None,
            ),
            (
                json!({"password_hashing": "bcrypt", "bcrypt_cost": 9}),
                Fail,
                Some(High),
            ),
            (json!({"password_hashing": "scrypt"}), Pass, None),
            (
                json!({"password_hashing": "pbkdf2", "pbkdf2_iterations": 600000}),
                Pass,
                None,
            ),
            (
                json!({"password_hashing": "pbkdf2", "pbkdf2_iterations": 10000}),
                Fail,
                Some(High),
            ),
            (json!({"password_hashing": "pbkdf2"}), Unknown, None),
            (json!({"password_hashing": "sha256"}), Fail, Some(Critical)),
            (json!({"password_hashing": "md5"}), Fail, Some(Critical)),
            (
                json!({"password_hashing": "plaintext"}),
                Fail,
                Some(Critical),
            ),
            (json!({"password_hashing": "none_stored"}), Pass, None),
            (json!({"bcrypt_cost": 12}), Unknown, None),
        ];
        for (v, s, sev) in cases {
            assert_eq!(status(v.clone(), "password_hashing"), (s, sev), "{v}");
        }
        let out = run(json!({"password_hashing": "pbkdf2"}));
        assert_eq!(out.next_questions[2].field, "pbkdf2_iterations");
        let out = run(json!({"password_hashing": "plaintext"}));
        let i = item(&out, "password_hashing");
        assert!(i.finding.contains("never store plain-text passwords"));
        assert!(i.fix.contains("argon2id") && i.fix.contains("bcrypt"));
        let out = run(json!({"password_hashing": "bcrypt", "bcrypt_cost": 9}));
        assert!(
            item(&out, "password_hashing")
                .finding
                .contains("OWASP minimum of 10")
        );
        let out = run(json!({"password_hashing": "md5"}));
        assert!(
            item(&out, "password_hashing")
                .finding
                .contains("m=19 MiB (19456 KiB), t=2, p=1")
        );
    }

    #[test]
    fn authorization_table() {
        use Severity::*;
        use Status::*;
        let cases = [
            (
                json!({"authorization": "middleware_default_deny"}),
                Pass,
                None,
            ),
            (
                json!({"authorization": "middleware_default_deny", "authorization_checked_every_request": true}),
                Pass,
                None,
            ),
            (
                json!({"authorization": "middleware_default_deny", "authorization_checked_every_request": false}),
                Fail,
                Some(High),
            ),
            (json!({"authorization": "per_handler"}), Fail, Some(High)),
            (json!({"authorization": "edge_only"}), Fail, Some(High)),
            (json!({"authorization": "none"}), Fail, Some(Critical)),
            (
                json!({"authorization_checked_every_request": true}),
                Unknown,
                None,
            ),
        ];
        for (v, s, sev) in cases {
            assert_eq!(status(v.clone(), "authorization"), (s, sev), "{v}");
        }
        let out = run(json!({"authorization": "edge_only"}));
        assert!(
            item(&out, "authorization")
                .finding
                .contains("not just at the edge")
        );
        assert!(out.references.contains(&sec("object-level-authorization")));
    }

    #[test]
    fn validation_sql_secrets_rotation_transport_tables() {
        use Severity::*;
        use Status::*;
        let cases = [
            (
                json!({"input_validation": "allowlist"}),
                "input_validation",
                Pass,
                None,
            ),
            (
                json!({"input_validation": "blocklist"}),
                "input_validation",
                Fail,
                Some(Medium),
            ),
            (
                json!({"input_validation": "none"}),
                "input_validation",
                Fail,
                Some(High),
            ),
            (
                json!({"sql": "parameterized"}),
                "parameterized_sql",
                Pass,
                None,
            ),
            (json!({"sql": "orm"}), "parameterized_sql", Pass, None),
            (
                json!({"sql": "string_concatenation"}),
                "parameterized_sql",
                Fail,
                Some(Critical),
            ),
            (
                json!({"sql": "not_applicable"}),
                "parameterized_sql",
                Pass,
                None,
            ),
            (
                json!({"secrets": "secrets_manager"}),
                "secrets_management",
                Pass,
                None,
            ),
            (
                json!({"secrets": "env_vars"}),
                "secrets_management",
                Fail,
                Some(Medium),
            ),
            (
                json!({"secrets": "config_file"}),
                "secrets_management",
                Fail,
                Some(High),
            ),
            (
                json!({"secrets": "in_git"}),
                "secrets_management",
                Fail,
                Some(Critical),
            ),
            (
                json!({"secret_rotation": true}),
                "secret_rotation",
                Pass,
                None,
            ),
            (
                json!({"secret_rotation": false}),
                "secret_rotation",
                Fail,
                Some(Medium),
            ),
            (
                json!({"secret_rotation": false, "secrets": "in_git"}),
                "secret_rotation",
                Fail,
                Some(Critical),
            ),
            (
                json!({"transport": "tls_everywhere"}),
                "transport_security",
                Pass,
                None,
            ),
            (
                json!({"transport": "tls_at_edge_only"}),
                "transport_security",
                Fail,
                Some(High),
            ),
            (
                json!({"transport": "none"}),
                "transport_security",
                Fail,
                Some(Critical),
            ),
        ];
        for (v, id, s, sev) in cases {
            assert_eq!(status(v.clone(), id), (s, sev), "{v}");
        }
        let out = run(json!({"secrets": "in_git"}));
        assert!(
            item(&out, "secrets_management")
                .fix
                .contains("rotate every one now")
        );
    }

    #[test]
    fn parameters_without_the_algorithm_are_named_in_its_question() {
        let out = run(json!({"bcrypt_cost": 12}));
        let q = out
            .next_questions
            .iter()
            .find(|q| q.field == "password_hashing")
            .expect("asked");
        assert!(
            q.question
                .contains("not used until password_hashing is set")
        );
        let out = run(json!({}));
        assert!(
            out.next_questions
                .iter()
                .all(|q| !q.question.contains("not used"))
        );
    }

    #[test]
    fn summary_orders_fixes_by_severity() {
        let out = run(json!({
            "input_validation": "blocklist", "transport": "tls_at_edge_only", "sql": "string_concatenation",
            "user_authentication": "oauth2_oidc"
        }));
        assert_eq!(out.summary.verdict, Verdict::Fail);
        assert_eq!(out.summary.failed, 3);
        assert_eq!(out.summary.passed, 1);
        assert_eq!(out.summary.unknown, 5);
        assert_eq!(
            out.summary.fix_first,
            [
                "parameterized_sql",
                "transport_security",
                "input_validation"
            ]
        );
        assert!(
            out.to_string()
                .contains("Fix in this order: parameterized_sql, transport_security")
        );
        assert_eq!(out.next_questions.len(), 5);
        assert_eq!(
            item(&out, "parameterized_sql").reference,
            sec("parameterized-sql")
        );
        assert!(
            !out.references.contains(&sec("parameterized-sql")),
            "said once, on the item"
        );
        assert!(!out.references.contains(&sec("authentication-for-users")));
        assert_eq!(out.references[0], sec("the-minimum-security-checklist"));
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (json!({"bcrypt_cost": 3}), "bcrypt_cost"),
            (json!({"bcrypt_cost": 32}), "bcrypt_cost"),
            (json!({"argon2_memory_kib": 4}), "argon2_memory_kib"),
            (json!({"argon2_iterations": 0}), "argon2_iterations"),
            (json!({"pbkdf2_iterations": 0}), "pbkdf2_iterations"),
            (
                json!({"password_hashing": "argon2id", "bcrypt_cost": 12}),
                "bcrypt_cost",
            ),
            (
                json!({"password_hashing": "bcrypt", "argon2_iterations": 2}),
                "argon2_iterations",
            ),
            (
                json!({"password_hashing": "bcrypt", "pbkdf2_iterations": 600000}),
                "pbkdf2_iterations",
            ),
            (
                json!({"user_authentication": "session_password", "password_hashing": "none_stored"}),
                "password_hashing",
            ),
        ];
        for (v, field) in cases {
            let input: AuditSecurityInput = serde_json::from_value(v.clone()).unwrap();
            match audit_security(&input) {
                Err(DecideError::InvalidInput(m)) => assert!(m.starts_with(field), "{v}: {m}"),
                other => panic!("{v}: {other:?}"),
            }
        }
        assert!(
            serde_json::from_value::<AuditSecurityInput>(json!({"password_hashing": "sha1"}))
                .is_err()
        );
        assert!(serde_json::from_value::<AuditSecurityInput>(json!({"firewall": true})).is_err());
    }

    #[test]
    fn schema_documents_every_field() {
        let schema = serde_json::to_value(schemars::schema_for!(AuditSecurityInput)).unwrap();
        let props = schema["properties"].as_object().unwrap();
        assert_eq!(props.len(), 14);
        // The hashing parameters are named for what they hold (bcrypt_cost, argon2_memory_kib...);
        // every other field says what it asks.
        for (k, v) in props {
            let numeric = v["type"] == "integer" || v["type"][0] == "integer";
            assert!(numeric || v["description"].is_string(), "{k}");
        }
    }

    fn opt<T: Clone + std::fmt::Debug + 'static>(
        values: Vec<T>,
    ) -> impl Strategy<Value = Option<T>> {
        proptest::option::of(proptest::sample::select(values))
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(
            ua in opt(vec![UserAuthentication::Oauth2Oidc, UserAuthentication::SessionPassword, UserAuthentication::Custom, UserAuthentication::None, UserAuthentication::NotApplicable]),
            sa in opt(vec![ServiceAuthentication::ApiKeysHmac, ServiceAuthentication::Mtls, ServiceAuthentication::Oauth2ClientCredentials, ServiceAuthentication::SharedSecretPlain, ServiceAuthentication::None, ServiceAuthentication::NotApplicable]),
            ph in opt(vec![PasswordHashing::Argon2id, PasswordHashing::Bcrypt, PasswordHashing::Scrypt, PasswordHashing::Pbkdf2, PasswordHashing::Sha256, PasswordHashing::Md5, PasswordHashing::Plaintext, PasswordHashing::NoneStored]),
            params in (any::<Option<u32>>(), any::<Option<u32>>(), any::<Option<u32>>(), any::<Option<u32>>()),
            az in opt(vec![Authorization::MiddlewareDefaultDeny, Authorization::PerHandler, Authorization::EdgeOnly, Authorization::None]),
            every in any::<Option<bool>>(),
            iv in opt(vec![InputValidation::Allowlist, InputValidation::Blocklist, InputValidation::None]),
            sql in opt(vec![SqlAccess::Parameterized, SqlAccess::Orm, SqlAccess::StringConcatenation, SqlAccess::NotApplicable]),
            secrets in opt(vec![SecretsStorage::SecretsManager, SecretsStorage::EnvVars, SecretsStorage::ConfigFile, SecretsStorage::InGit]),
            rotation in any::<Option<bool>>(),
            transport in opt(vec![Transport::TlsEverywhere, Transport::TlsAtEdgeOnly, Transport::None]),
        ) {
            let input = AuditSecurityInput {
                user_authentication: ua,
                service_authentication: sa,
                password_hashing: ph,
                bcrypt_cost: params.0,
                argon2_memory_kib: params.1,
                argon2_iterations: params.2,
                pbkdf2_iterations: params.3,
                authorization: az,
                authorization_checked_every_request: every,
                input_validation: iv,
                sql,
                secrets,
                secret_rotation: rotation,
                transport,
            };
            if let Ok(out) = audit_security(&input) {
                assert_refs_allowed(&out);
                prop_assert_eq!(out.items.len() + out.summary.unknown, 9);
                prop_assert_eq!(out.summary.passed + out.summary.failed + out.summary.unknown, 9);
                prop_assert_eq!(out.next_questions.len(), out.summary.unknown);
                prop_assert_eq!(out.summary.verdict == Verdict::Fail, out.summary.failed > 0);
                let _ = out.to_string();
                prop_assert!(serde_json::to_string(&out).is_ok());
            }
        }
    }
}
