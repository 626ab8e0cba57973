//! Reading a value the way a person would: a fixed-set string in any case and with `-`, spaces or
//! `_`, a well-known synonym, a unique leading word; booleans and numbers written as text.

/// How a fixed-set value was matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched<'v> {
    /// The accepted value, only written differently (case, separators): no note needed.
    Spelling(&'v str),
    /// A synonym or a unique leading word: worth a note.
    Reading(&'v str),
    /// Several values fit; the given text is ambiguous.
    Ambiguous(Vec<&'v str>),
    /// Nothing fits.
    None,
}

/// Lower case, runs of `-`, `.`, `/`, spaces and `_` turned into one `_`, no `_` at the ends.
pub fn canonical(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if matches!(c, '-' | '_' | ' ' | '.' | '/' | '\t') && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// Well-known other names, as (what people write, canonical form) -> the accepted value. A synonym
/// applies only where its value is one of the accepted ones, so `oauth2` reads differently for users
/// and for services.
const SYNONYMS: &[(&str, &str)] = &[
    ("postgresql", "postgres"),
    ("postgre", "postgres"),
    ("pg", "postgres"),
    ("psql", "postgres"),
    ("mariadb", "mysql"),
    ("sqlite3", "sqlite"),
    ("argon2", "argon2id"),
    ("argon", "argon2id"),
    ("argon2i", "argon2id"),
    ("sha_2", "sha256"),
    ("sha2", "sha256"),
    ("plain_text", "plaintext"),
    ("cleartext", "plaintext"),
    ("clear_text", "plaintext"),
    ("plain", "plaintext"),
    ("timed_out", "timeout"),
    ("deadline_exceeded", "timeout"),
    ("connection_refused", "connection_error"),
    ("connection_reset", "connection_error"),
    ("econnrefused", "connection_error"),
    ("econnreset", "connection_error"),
    ("network_error", "connection_error"),
    ("too_many_requests", "http_429"),
    ("rate_limited", "http_429"),
    ("internal_server_error", "http_500"),
    ("bad_gateway", "http_502"),
    ("service_unavailable", "http_503"),
    ("unavailable", "http_503"),
    ("gateway_timeout", "http_504"),
    ("read_mostly", "read_heavy"),
    ("reads", "read_heavy"),
    ("write_mostly", "write_heavy"),
    ("writes", "write_heavy"),
    ("cpu", "compute"),
    ("cpu_bound", "compute"),
    ("app", "compute"),
    ("application", "compute"),
    ("database", "data"),
    ("db", "data"),
    ("storage", "data"),
    ("io", "data"),
    ("oidc", "oauth2_oidc"),
    ("oauth2", "oauth2_oidc"),
    ("oauth", "oauth2_oidc"),
    ("openid_connect", "oauth2_oidc"),
    ("oauth2", "oauth2_client_credentials"),
    ("client_credentials", "oauth2_client_credentials"),
    ("mutual_tls", "mtls"),
    ("hmac", "api_keys_hmac"),
    ("parameterised", "parameterized"),
    ("prepared_statements", "parameterized"),
    ("prepared", "parameterized"),
    ("concatenation", "string_concatenation"),
    ("string_concat", "string_concatenation"),
    ("vault", "secrets_manager"),
    ("aws_secrets_manager", "secrets_manager"),
    ("env", "env_vars"),
    ("environment_variables", "env_vars"),
    ("environment", "env_vars"),
    ("git", "in_git"),
    ("repo", "in_git"),
    ("https_everywhere", "tls_everywhere"),
    ("external", "public"),
    ("third_party", "public"),
    ("private", "internal"),
    ("realtime", "realtime_bidirectional"),
    ("real_time", "realtime_bidirectional"),
    ("bidirectional", "realtime_bidirectional"),
    ("events", "event_notification"),
    ("notifications", "event_notification"),
    ("webhooks", "event_notification"),
    ("high_performance", "internal_high_performance"),
    ("low_latency", "internal_high_performance"),
    ("flexible", "flexible_queries"),
    ("n_a", "not_applicable"),
    ("na", "not_applicable"),
    // Chinese, as Chinese engineers fill these fields in (the answer keeps the English identifier).
    ("读多写少", "read_heavy"),
    ("读多", "read_heavy"),
    ("以读为主", "read_heavy"),
    ("写多读少", "write_heavy"),
    ("写多", "write_heavy"),
    ("以写为主", "write_heavy"),
    ("计算", "compute"),
    ("cpu瓶颈", "compute"),
    ("数据", "data"),
    ("数据库", "data"),
    ("存储", "data"),
    ("超时", "timeout"),
    ("请求超时", "timeout"),
    ("连接错误", "connection_error"),
    ("连接失败", "connection_error"),
    ("连接被拒绝", "connection_error"),
    ("限流", "http_429"),
    ("请求过多", "http_429"),
    ("服务器内部错误", "http_500"),
    ("网关错误", "http_502"),
    ("服务不可用", "http_503"),
    ("网关超时", "http_504"),
    ("明文", "plaintext"),
    ("参数化", "parameterized"),
    ("预编译", "parameterized"),
    ("字符串拼接", "string_concatenation"),
    ("环境变量", "env_vars"),
    ("密钥管理", "secrets_manager"),
    ("密钥管理器", "secrets_manager"),
    ("提交到git", "in_git"),
    ("双向认证", "mtls"),
    ("增删改查", "crud"),
    ("灵活查询", "flexible_queries"),
    ("内部高性能", "internal_high_performance"),
    ("实时双向", "realtime_bidirectional"),
    ("实时", "realtime_bidirectional"),
    ("事件通知", "event_notification"),
    ("外部", "public"),
    ("第三方", "public"),
    ("内部", "internal"),
    ("不适用", "not_applicable"),
];

/// Match `given` against the accepted `values`.
pub fn match_value<'v>(given: &str, values: &[&'v str]) -> Matched<'v> {
    let given = canonical(given);
    if given.is_empty() {
        return Matched::None;
    }
    if let Some(v) = values.iter().find(|v| canonical(v) == given) {
        return Matched::Spelling(v);
    }
    let squashed = given.replace('_', "");
    let same: Vec<&'v str> = values
        .iter()
        .copied()
        .filter(|v| canonical(v).replace('_', "") == squashed)
        .collect();
    if let [only] = same.as_slice() {
        return Matched::Spelling(only);
    }
    // HTTP statuses: "503", "HTTP 503", "http503", and any other 4xx for `http_4xx`.
    let digits = squashed
        .trim_start_matches("http")
        .trim_start_matches("status");
    if digits.len() == 3 && digits.chars().all(|c| c.is_ascii_digit()) {
        let exact = format!("http_{digits}");
        if let Some(v) = values.iter().find(|v| **v == exact) {
            return Matched::Reading(v);
        }
        if digits.starts_with('4')
            && let Some(v) = values.iter().find(|v| **v == "http_4xx")
        {
            return Matched::Reading(v);
        }
    }
    let synonyms: Vec<&'v str> = SYNONYMS
        .iter()
        .filter(|(from, _)| *from == given || from.replace('_', "") == squashed)
        .filter_map(|(_, to)| values.iter().copied().find(|v| v == to))
        .collect();
    if let [only] = synonyms.as_slice() {
        return Matched::Reading(only);
    }
    // A unique leading word: "read" for read_heavy, "session" for session_password.
    let leading: Vec<&'v str> = values
        .iter()
        .copied()
        .filter(|v| {
            let v = canonical(v);
            v.len() > given.len() && v.starts_with(&given) && v[given.len()..].starts_with('_')
        })
        .collect();
    match leading.as_slice() {
        [only] => Matched::Reading(only),
        [] => Matched::None,
        many => Matched::Ambiguous(many.to_vec()),
    }
}

/// A boolean written as text or as 0/1.
pub fn parse_bool(text: &str) -> Option<bool> {
    match canonical(text).as_str() {
        "true" | "yes" | "y" | "1" | "on" | "enabled" | "是" | "对" | "有" | "需要" => {
            Some(true)
        }
        "false" | "no" | "n" | "0" | "off" | "disabled" | "否" | "不" | "没有" | "无"
        | "不需要" => Some(false),
        _ => None,
    }
}

/// A number written as text: `"99.9"`, `"30%"`, `" 1_000 "`, `"250ms"` is not (units are ambiguous).
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    let t = t.strip_suffix('%').unwrap_or(t).trim().replace('_', "");
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A number as people write it: plain digits for everyday magnitudes, an exponent for the very small
/// and the very large (`5e-324`, `1e300`, `1.2345678901234568e29`), never a run of hundreds of zeros.
/// Rust's `{}` for `f64` never uses an exponent, so an echoed `5e-324` would take 326 characters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let x = self.0;
        let magnitude = x.abs();
        // Below 1e-6 or from 1e16 (past 2^53 the digits are not the ones given): an exponent.
        if magnitude == 0.0 || !x.is_finite() || (1e-6..1e16).contains(&magnitude) {
            write!(f, "{x}")
        } else {
            write!(f, "{x:e}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAILURES: &[&str] = &[
        "timeout",
        "connection_error",
        "http_429",
        "http_500",
        "http_502",
        "http_503",
        "http_504",
        "http_4xx",
    ];

    #[test]
    fn spellings_synonyms_and_ambiguity() {
        assert_eq!(
            match_value("Timeout", FAILURES),
            Matched::Spelling("timeout")
        );
        assert_eq!(
            match_value("connection-error", FAILURES),
            Matched::Spelling("connection_error")
        );
        assert_eq!(
            match_value("HTTP 503", FAILURES),
            Matched::Spelling("http_503")
        );
        assert_eq!(match_value("503", FAILURES), Matched::Reading("http_503"));
        assert_eq!(match_value("404", FAILURES), Matched::Reading("http_4xx"));
        assert_eq!(match_value("explode", FAILURES), Matched::None);
        let tls = &["tls_everywhere", "tls_at_edge_only", "none"];
        assert_eq!(
            match_value("TLS", tls),
            Matched::Ambiguous(vec!["tls_everywhere", "tls_at_edge_only"])
        );
        let auth = &["oauth2_oidc", "session_password", "custom", "none"];
        assert_eq!(match_value("oauth2", auth), Matched::Reading("oauth2_oidc"));
        let service = &["api_keys_hmac", "mtls", "oauth2_client_credentials", "none"];
        assert_eq!(
            match_value("oauth2", service),
            Matched::Reading("oauth2_client_credentials")
        );
        let hashing = &["argon2id", "bcrypt", "scrypt", "pbkdf2", "sha256", "md5"];
        assert_eq!(match_value("Argon2", hashing), Matched::Reading("argon2id"));
        assert_eq!(match_value("SHA-256", hashing), Matched::Spelling("sha256"));
        let auth = &["middleware_default_deny", "middleware_audit", "none"];
        assert_eq!(
            match_value("middleware", auth),
            Matched::Ambiguous(vec!["middleware_default_deny", "middleware_audit"])
        );
    }

    #[test]
    fn chinese_answers_read_as_the_usual_identifiers() {
        assert_eq!(match_value("超时", FAILURES), Matched::Reading("timeout"));
        assert_eq!(
            match_value("服务不可用", FAILURES),
            Matched::Reading("http_503")
        );
        let workload = &["read_heavy", "write_heavy"];
        assert_eq!(
            match_value("读多写少", workload),
            Matched::Reading("read_heavy")
        );
        let bottleneck = &["compute", "data"];
        assert_eq!(match_value("数据库", bottleneck), Matched::Reading("data"));
        let needs = &["crud", "flexible_queries", "internal_high_performance"];
        assert_eq!(match_value("增删改查", needs), Matched::Reading("crud"));
        assert_eq!(match_value("鬼", needs), Matched::None);
    }

    #[test]
    fn numbers_print_as_people_write_them() {
        let shown = |x: f64| Num(x).to_string();
        assert_eq!(shown(5e-324), "5e-324");
        assert_eq!(shown(1e300), "1e300");
        assert_eq!(shown(-1e300), "-1e300");
        assert_eq!(
            shown(123456789012345678901234567890.0),
            "1.2345678901234568e29"
        );
        assert_eq!(shown(1e-7), "1e-7");
        assert_eq!(shown(99.9), "99.9");
        assert_eq!(shown(0.000_001), "0.000001");
        assert_eq!(shown(100.0), "100");
        assert_eq!(shown(3_600_000.0), "3600000");
        assert_eq!(shown(-0.0), "-0");
        assert_eq!(shown(f64::NAN), "NaN");
        // Never long, whatever the value.
        for bits in [
            1u64,
            0x7FEF_FFFF_FFFF_FFFF,
            0x0010_0000_0000_0000,
            0x8000_0000_0000_0001,
        ] {
            assert!(
                shown(f64::from_bits(bits)).len() <= 24,
                "{}",
                shown(f64::from_bits(bits))
            );
        }
    }

    #[test]
    fn booleans_and_numbers_as_text() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("no"), Some(false));
        assert_eq!(parse_bool("是"), Some(true));
        assert_eq!(parse_bool("否"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
        assert_eq!(parse_number("99.9"), Some(99.9));
        assert_eq!(parse_number("30%"), Some(30.0));
        assert_eq!(parse_number("250ms"), None);
        assert_eq!(parse_number("NaN"), None);
    }
}
