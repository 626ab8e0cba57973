//! The `http` subcommand's flags and the checked configuration built from them. Every limit has a
//! default that is safe on a shared network; building the configuration refuses unsafe combinations
//! (a non-loopback listener with no authentication) before anything binds.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use std::sync::Arc;

use super::auth::{AuthConfig, OAuth, OAuthSettings, StaticTokens};
use super::rate_limit::RateLimit;

/// The environment variable that may hold one bearer token (or several, comma-separated).
pub const TOKEN_ENV: &str = "BACKEND_ENGINEERING_MCP_TOKEN";

/// Serve MCP over streamable HTTP at `/mcp`, with `/healthz`, `/readyz` and `/metrics`.
///
/// Secure by default: the Host header must name a loopback address (add names with
/// --allowed-host) and a browser Origin must be a loopback origin (add with --allowed-origin), else
/// 403; a non-loopback --listen is refused unless bearer tokens (--token-file or the
/// BACKEND_ENGINEERING_MCP_TOKEN variable) or OAuth (--oauth-issuer) are configured; each client
/// is rate limited (429 with Retry-After); bodies over --max-body-bytes get 413, requests over
/// --request-timeout get 504, more than --max-concurrent requests at once get 503 with
/// Retry-After. SIGTERM or SIGINT finishes in-flight requests and exits 0.
#[derive(Debug, Clone, clap::Args)]
pub struct HttpArgs {
    /// Address and port to listen on. Anything but loopback requires authentication.
    #[arg(long, default_value = "127.0.0.1:8765")]
    pub listen: SocketAddr,
    /// Keep no session state at all (every request stands alone): the mode for several replicas
    /// behind a load balancer. Without it, 2025-era clients also get `Mcp-Session-Id` sessions.
    #[arg(long)]
    pub stateless: bool,
    /// Also accept this Host header (a reverse proxy's public name, `name` or `name:port`);
    /// repeatable. Loopback names are always accepted.
    #[arg(long = "allowed-host", value_name = "HOST")]
    pub allowed_hosts: Vec<String>,
    /// Also accept requests from this browser Origin (`https://app.example.com`, `:*` for any
    /// port); repeatable. Loopback origins are always accepted; requests without Origin pass.
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,
    /// File of accepted bearer tokens, one a line (`#` comments); each at least 16 characters.
    /// Adds to the tokens in BACKEND_ENGINEERING_MCP_TOKEN (comma-separated).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// OAuth 2.1 resource-server mode: accept JWT access tokens from this issuer (`iss`).
    #[arg(long, value_name = "URL", requires_all = ["oauth_audience", "oauth_jwks_file"])]
    pub oauth_issuer: Option<String>,
    /// The audience (`aud`) tokens must carry: this server's resource identifier.
    #[arg(long, value_name = "URI")]
    pub oauth_audience: Option<String>,
    /// The issuer's JSON Web Key Set (the document at its jwks_uri), re-read when it changes.
    #[arg(long, value_name = "PATH")]
    pub oauth_jwks_file: Option<PathBuf>,
    /// Signature algorithms accepted, comma-separated.
    #[arg(
        long,
        value_name = "ALGS",
        default_value = "RS256,ES256",
        value_delimiter = ','
    )]
    pub oauth_algorithms: Vec<String>,
    /// The public URL of this server's /mcp endpoint, for the RFC 9728 metadata
    /// (default: the audience).
    #[arg(long, value_name = "URL")]
    pub resource_url: Option<String>,
    /// Requests per second each client may make (tokens refill at this rate), or `off`.
    #[arg(long, value_name = "PER_SECOND|off", default_value = "50")]
    pub rate_limit: String,
    /// Burst each client may spend at once before the rate applies (default: twice the rate).
    #[arg(long, value_name = "N")]
    pub rate_burst: Option<u32>,
    /// Trust the last X-Forwarded-For entry as the client address (only behind your own proxy).
    #[arg(long)]
    pub trust_proxy: bool,
    /// Largest request body accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Seconds a request may take before it is answered 504.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub request_timeout: u64,
    /// Requests served at once; more get 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub max_concurrent: usize,
    /// 2025-era sessions held at once; a further `initialize` gets 503 (idle sessions close
    /// after 5 minutes).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_sessions: usize,
    /// Seconds to let in-flight requests finish after SIGTERM or SIGINT.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub shutdown_grace: u64,
}

/// A configuration that has passed every check.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    pub stateless: bool,
    pub allowed_hosts: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub auth: AuthConfig,
    pub rate_limit: Option<RateLimit>,
    pub trust_proxy: bool,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    pub max_concurrent: usize,
    pub max_sessions: usize,
    pub shutdown_grace: Duration,
}

/// A configuration that must not start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "refusing to listen on {0} without authentication: set --token-file, \
         BACKEND_ENGINEERING_MCP_TOKEN or --oauth-issuer, or listen on a loopback address"
    )]
    UnauthenticatedNonLoopback(SocketAddr),
    #[error("{0}")]
    Invalid(String),
}

/// The Host names always accepted: loopback, so that local clients work with no flags.
pub const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// The browser origins always accepted.
pub const LOOPBACK_ORIGINS: [&str; 6] = [
    "http://localhost:*",
    "http://127.0.0.1:*",
    "http://[::1]:*",
    "https://localhost:*",
    "https://127.0.0.1:*",
    "https://[::1]:*",
];

impl HttpConfig {
    /// Check the flags (and the token variable's value, passed in) and build the configuration.
    pub fn from_args(args: &HttpArgs, token_env: Option<&str>) -> Result<Self, ConfigError> {
        let mut tokens = Vec::new();
        if let Some(value) = token_env {
            tokens.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string),
            );
        }
        if let Some(path) = &args.token_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConfigError::Invalid(format!("--token-file {}: {e}", path.display()))
            })?;
            tokens.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_string),
            );
        }
        let static_tokens = if tokens.is_empty() {
            None
        } else {
            Some(StaticTokens::new(&tokens).map_err(ConfigError::Invalid)?)
        };
        let oauth = match &args.oauth_issuer {
            None => None,
            Some(issuer) => {
                let settings = OAuthSettings {
                    issuer: issuer.clone(),
                    audience: args.oauth_audience.clone().unwrap_or_default(),
                    jwks_file: args.oauth_jwks_file.clone().unwrap_or_default(),
                    algorithms: args.oauth_algorithms.clone(),
                    resource_url: args
                        .resource_url
                        .clone()
                        .or_else(|| args.oauth_audience.clone())
                        .unwrap_or_default(),
                };
                Some(Arc::new(
                    OAuth::new(&settings).map_err(ConfigError::Invalid)?,
                ))
            }
        };
        let auth = AuthConfig {
            tokens: static_tokens,
            oauth,
        };
        if !auth.is_enabled() && !args.listen.ip().is_loopback() {
            return Err(ConfigError::UnauthenticatedNonLoopback(args.listen));
        }
        let rate_limit = RateLimit::parse(&args.rate_limit, args.rate_burst)
            .map_err(|e| ConfigError::Invalid(format!("--rate-limit: {e}")))?;
        if args.max_body_bytes == 0 || args.max_concurrent == 0 || args.request_timeout == 0 {
            return Err(ConfigError::Invalid(
                "--max-body-bytes, --max-concurrent and --request-timeout must be above 0".into(),
            ));
        }
        let mut allowed_hosts: Vec<String> = LOOPBACK_HOSTS.iter().map(|h| h.to_string()).collect();
        allowed_hosts.extend(args.allowed_hosts.iter().cloned());
        let mut allowed_origins: Vec<String> =
            LOOPBACK_ORIGINS.iter().map(|o| o.to_string()).collect();
        allowed_origins.extend(args.allowed_origins.iter().cloned());
        Ok(Self {
            listen: args.listen,
            stateless: args.stateless,
            allowed_hosts,
            allowed_origins,
            auth,
            rate_limit,
            trust_proxy: args.trust_proxy,
            max_body_bytes: args.max_body_bytes,
            request_timeout: Duration::from_secs(args.request_timeout),
            max_concurrent: args.max_concurrent,
            max_sessions: args.max_sessions,
            shutdown_grace: Duration::from_secs(args.shutdown_grace),
        })
    }

    /// The defaults on loopback with no authentication: what `http` with no flags serves.
    pub fn loopback_defaults() -> Self {
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: HttpArgs,
        }
        let wrapper = Wrapper::parse_from(["http"]);
        match Self::from_args(&wrapper.args, None) {
            Ok(config) => config,
            // The defaults are loopback and valid; this arm only keeps the function total.
            Err(e) => unreachable!("the default HTTP configuration is valid: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: HttpArgs,
    }

    fn args(flags: &[&str]) -> HttpArgs {
        let mut argv = vec!["http"];
        argv.extend_from_slice(flags);
        Wrapper::parse_from(argv).args
    }

    #[test]
    fn non_loopback_without_auth_is_refused() {
        let err = HttpConfig::from_args(&args(&["--listen", "0.0.0.0:8765"]), None).unwrap_err();
        assert!(matches!(err, ConfigError::UnauthenticatedNonLoopback(_)));
        let err = HttpConfig::from_args(&args(&["--listen", "[::]:8765"]), None).unwrap_err();
        assert!(matches!(err, ConfigError::UnauthenticatedNonLoopback(_)));
    }

    #[test]
    fn non_loopback_with_a_token_is_allowed() {
        let config = HttpConfig::from_args(
            &args(&["--listen", "0.0.0.0:8765"]),
            Some("a-long-enough-token-0123"),
        )
        .unwrap();
        assert!(config.auth.is_enabled());
    }

    #[test]
    fn short_tokens_are_refused() {
        let err = HttpConfig::from_args(&args(&[]), Some("short")).unwrap_err();
        assert!(err.to_string().contains("16"), "{err}");
    }

    #[test]
    fn defaults_are_loopback_rate_limited_and_origin_checked() {
        let config = HttpConfig::loopback_defaults();
        assert!(config.listen.ip().is_loopback());
        let limit = config.rate_limit.unwrap();
        assert_eq!((limit.per_second, limit.burst), (50, 100));
        assert!(
            config
                .allowed_origins
                .iter()
                .any(|o| o == "http://localhost:*")
        );
        assert!(config.allowed_hosts.iter().any(|h| h == "127.0.0.1"));
        assert!(!config.stateless);
    }

    #[test]
    fn rate_limit_can_be_turned_off() {
        let config = HttpConfig::from_args(&args(&["--rate-limit", "off"]), None).unwrap();
        assert!(config.rate_limit.is_none());
    }
}
