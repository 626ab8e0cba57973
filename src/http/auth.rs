//! Authentication of `/mcp` (and `/metrics`): static bearer tokens and/or OAuth 2.1 JWTs.
//!
//! A request without a valid `Authorization: Bearer` credential gets 401 with a `WWW-Authenticate`
//! challenge (RFC 6750); in OAuth mode the challenge names the RFC 9728 protected-resource metadata,
//! served at `/.well-known/oauth-protected-resource` (and the same with the endpoint's path
//! appended), so a client can find the authorization server. The subject of an accepted credential
//! travels on as a [`Principal`] extension (rate limits key on it). Tokens are never logged.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::app::AppState;
use super::jwt::JwtVerifier;
pub use super::tokens::StaticTokens;

/// The well-known path of the protected-resource metadata (RFC 9728 §3).
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// The OAuth flags, before the key set is loaded.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    pub issuer: String,
    pub audience: String,
    pub jwks_file: PathBuf,
    pub algorithms: Vec<String>,
    pub resource_url: String,
}

/// OAuth resource-server state: the verifier and what the metadata says.
#[derive(Debug)]
pub struct OAuth {
    pub verifier: JwtVerifier,
    pub resource_url: String,
    pub metadata_url: String,
}

impl OAuth {
    pub fn new(settings: &OAuthSettings) -> Result<Self, String> {
        let verifier = JwtVerifier::new(
            &settings.issuer,
            &settings.audience,
            &settings.algorithms,
            settings.jwks_file.clone(),
        )?;
        let metadata_url = metadata_url(&settings.resource_url).ok_or_else(|| {
            format!(
                "--resource-url (or --oauth-audience) {:?} is not an absolute http(s) URL",
                settings.resource_url
            )
        })?;
        Ok(Self {
            verifier,
            resource_url: settings.resource_url.clone(),
            metadata_url,
        })
    }
}

/// RFC 9728 §3.1: the metadata URL puts the well-known segment between the resource's origin and
/// its path (`https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`).
fn metadata_url(resource: &str) -> Option<String> {
    let (scheme, rest) = resource.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.is_empty() || resource.contains(['?', '#']) {
        return None;
    }
    let path = path.trim_end_matches('/');
    Some(format!("{scheme}://{authority}{METADATA_PATH}{path}"))
}

/// Who may call the server.
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    pub tokens: Option<StaticTokens>,
    pub oauth: Option<Arc<OAuth>>,
}

impl AuthConfig {
    pub fn is_enabled(&self) -> bool {
        self.tokens.is_some() || self.oauth.is_some()
    }

    /// The subject of a valid credential, or why there is none.
    fn authenticate(&self, presented: &str) -> Result<String, String> {
        if let Some(tokens) = &self.tokens
            && let Some(subject) = tokens.verify(presented)
        {
            return Ok(subject);
        }
        match &self.oauth {
            Some(oauth) => oauth.verifier.verify(presented).map_err(|e| e.to_string()),
            None => Err("the token is not one of the configured tokens".into()),
        }
    }

    fn challenge(&self, error: Option<&str>) -> String {
        let mut value = String::from("Bearer realm=\"backend-engineering-mcp\"");
        if let Some(oauth) = &self.oauth {
            value.push_str(&format!(", resource_metadata=\"{}\"", oauth.metadata_url));
        }
        if let Some(description) = error {
            // RFC 6750 §3: error_description is a quoted string without quotes or backslashes.
            let clean: String = description
                .chars()
                .filter(|c| *c != '"' && *c != '\\' && !c.is_control())
                .collect();
            value.push_str(&format!(
                ", error=\"invalid_token\", error_description=\"{clean}\""
            ));
        }
        value
    }
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub subject: String,
}

fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Middleware: 401 unless the request carries a valid bearer credential (when auth is on).
pub async fn require_auth(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let auth = &state.config.auth;
    if !auth.is_enabled() {
        return next.run(request).await;
    }
    let outcome = match bearer(&request) {
        None => Err(None),
        Some(token) => auth.authenticate(token).map_err(Some),
    };
    match outcome {
        Ok(subject) => {
            tracing::Span::current().record("subject", subject.as_str());
            request.extensions_mut().insert(Principal { subject });
            next.run(request).await
        }
        Err(reason) => {
            state.metrics.reject("unauthorized");
            tracing::info!(
                reason = reason.as_deref().unwrap_or("no bearer token"),
                "rejected: unauthorized"
            );
            let challenge = auth.challenge(reason.as_deref());
            let mut response = (
                StatusCode::UNAUTHORIZED,
                "Unauthorized: send Authorization: Bearer <token>\n",
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
            response
        }
    }
}

/// `GET /.well-known/oauth-protected-resource[/mcp]`: RFC 9728 metadata (404 without OAuth).
pub async fn resource_metadata(State(state): State<Arc<AppState>>) -> Response {
    let Some(oauth) = &state.config.auth.oauth else {
        return (
            StatusCode::NOT_FOUND,
            "Not Found: this server is not an OAuth protected resource\n",
        )
            .into_response();
    };
    let body = serde_json::json!({
        "resource": oauth.resource_url,
        "authorization_servers": [oauth.verifier.issuer()],
        "bearer_methods_supported": ["header"],
        "resource_name": crate::mcp::SERVER_NAME,
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_url_inserts_the_well_known_segment() {
        assert_eq!(
            metadata_url("https://mcp.example.com/mcp").as_deref(),
            Some("https://mcp.example.com/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(
            metadata_url("http://127.0.0.1:8765").as_deref(),
            Some("http://127.0.0.1:8765/.well-known/oauth-protected-resource")
        );
        assert_eq!(metadata_url("mcp.example.com/mcp"), None);
        assert_eq!(metadata_url("ftp://x/mcp"), None);
        assert_eq!(metadata_url("https://x/mcp?a=b"), None);
    }

    #[test]
    fn challenges_never_carry_quotes_from_the_reason() {
        let auth = AuthConfig::default();
        let value = auth.challenge(Some("bad \"quoted\" \\ reason"));
        assert!(
            value.ends_with("error_description=\"bad quoted  reason\""),
            "{value}"
        );
    }
}
