//! OAuth 2.1 resource-server mode: JWT access tokens checked against the issuer's JSON Web Key Set.
//!
//! A token passes when its header names an allowed algorithm and a key in the set (by `kid`, or the
//! only key when the set has one and the token names none), its signature verifies with that key,
//! and its claims carry the configured issuer, this server as audience, a subject, and an expiry in
//! the future (`nbf` honoured; 60 s leeway for clock skew). The key set is a file the operator keeps
//! current (for example fetched from the issuer's `jwks_uri` by a sidecar); it is re-read when its
//! modification time changes, checked at most every few seconds.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::RwLock;
use std::time::{Duration, Instant, SystemTime};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

/// How often the key file's modification time is looked at.
const RELOAD_CHECK: Duration = Duration::from_secs(5);

/// Why a token was refused (never includes the token).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("algorithm {0} is not accepted")]
    Algorithm(String),
    #[error("no key in the issuer's key set matches the token")]
    UnknownKey,
    #[error("the token is expired")]
    Expired,
    #[error("the token was not issued for this server (audience)")]
    Audience,
    #[error("the token is from another issuer")]
    Issuer,
    #[error("the token is not valid: {0}")]
    Invalid(String),
}

#[derive(serde::Deserialize)]
struct Claims {
    sub: String,
}

struct Keys {
    set: JwkSet,
    modified: Option<SystemTime>,
    checked: Instant,
}

/// Verifies access tokens for one issuer and audience.
pub struct JwtVerifier {
    issuer: String,
    audience: String,
    algorithms: Vec<Algorithm>,
    jwks_file: PathBuf,
    keys: RwLock<Keys>,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("algorithms", &self.algorithms)
            .field("jwks_file", &self.jwks_file)
            .finish()
    }
}

fn read_jwks(path: &PathBuf) -> Result<(JwkSet, Option<SystemTime>), String> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let set: JwkSet = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a JSON Web Key Set: {e}", path.display()))?;
    if set.keys.is_empty() {
        return Err(format!("{} holds no keys", path.display()));
    }
    Ok((set, modified))
}

impl JwtVerifier {
    /// Load the key set and check the settings.
    pub fn new(
        issuer: &str,
        audience: &str,
        algorithms: &[String],
        jwks_file: PathBuf,
    ) -> Result<Self, String> {
        if issuer.is_empty() || audience.is_empty() {
            return Err("OAuth needs --oauth-issuer and --oauth-audience".into());
        }
        let mut parsed = Vec::new();
        for name in algorithms {
            let alg = Algorithm::from_str(name.trim())
                .map_err(|_| format!("unknown JWT algorithm {name:?}"))?;
            if matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
                return Err(format!(
                    "{name} is a shared-secret algorithm; a resource server accepts only \
                     public-key algorithms (RS*, PS*, ES*, EdDSA)"
                ));
            }
            parsed.push(alg);
        }
        if parsed.is_empty() {
            return Err("--oauth-algorithms lists no algorithm".into());
        }
        let (set, modified) = read_jwks(&jwks_file)?;
        Ok(Self {
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            algorithms: parsed,
            jwks_file,
            keys: RwLock::new(Keys {
                set,
                modified,
                checked: Instant::now(),
            }),
        })
    }

    /// The issuer, for the RFC 9728 metadata.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    fn maybe_reload(&self, force: bool) {
        let due = match self.keys.read() {
            Ok(keys) => force || keys.checked.elapsed() >= RELOAD_CHECK,
            Err(_) => true,
        };
        if !due {
            return;
        }
        let Ok(mut keys) = self.keys.write() else {
            return;
        };
        if keys.checked.elapsed() < Duration::from_millis(500) && !force {
            return;
        }
        keys.checked = Instant::now();
        let modified = std::fs::metadata(&self.jwks_file)
            .and_then(|m| m.modified())
            .ok();
        if modified.is_some() && modified == keys.modified {
            return;
        }
        match read_jwks(&self.jwks_file) {
            Ok((set, modified)) => {
                tracing::info!(keys = set.keys.len(), "reloaded the JSON Web Key Set");
                keys.set = set;
                keys.modified = modified;
            }
            Err(e) => tracing::warn!(error = %e, "kept the previous JSON Web Key Set"),
        }
    }

    fn key_for(&self, kid: Option<&str>) -> Option<DecodingKey> {
        let keys = self.keys.read().ok()?;
        let jwk = match kid {
            Some(kid) => keys.set.find(kid)?,
            None if keys.set.keys.len() == 1 => &keys.set.keys[0],
            None => return None,
        };
        DecodingKey::from_jwk(jwk).ok()
    }

    /// The token's subject when it passes every check.
    pub fn verify(&self, token: &str) -> Result<String, JwtError> {
        self.maybe_reload(false);
        let header = jsonwebtoken::decode_header(token).map_err(|_| JwtError::Malformed)?;
        if !self.algorithms.contains(&header.alg) {
            return Err(JwtError::Algorithm(format!("{:?}", header.alg)));
        }
        let key = match self.key_for(header.kid.as_deref()) {
            Some(key) => key,
            None => {
                // A key rotation may have added the key: look at the file now, once.
                self.maybe_reload(true);
                self.key_for(header.kid.as_deref())
                    .ok_or(JwtError::UnknownKey)?
            }
        };
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => JwtError::Expired,
                ErrorKind::InvalidAudience => JwtError::Audience,
                ErrorKind::InvalidIssuer => JwtError::Issuer,
                ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Json(_) => {
                    JwtError::Malformed
                }
                other => JwtError::Invalid(format!("{other:?}")),
            }
        })?;
        if data.claims.sub.is_empty() {
            return Err(JwtError::Invalid("empty subject".into()));
        }
        Ok(data.claims.sub)
    }
}

/// Test helpers: a fixed ES256 key pair (test-only; its public half is in testdata/jwks.json).
#[cfg(test)]
pub(crate) mod testing {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};

    pub const KEY_DER: &[u8] = include_bytes!("testdata/es256-test-key.pk8.der");
    pub const JWKS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/testdata/jwks.json");
    pub const ISSUER: &str = "https://issuer.test";
    pub const AUDIENCE: &str = "http://127.0.0.1:8765/mcp";

    pub fn now() -> i64 {
        jsonwebtoken::get_current_timestamp() as i64
    }

    /// A signed token with these claims (ES256, kid `test-key-1` unless overridden).
    pub fn token(claims: serde_json::Value, kid: Option<&str>) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = kid.map(str::to_string);
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_der(KEY_DER)).unwrap()
    }

    pub fn good_claims() -> serde_json::Value {
        serde_json::json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "exp": now() + 600})
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    fn verifier() -> JwtVerifier {
        JwtVerifier::new(
            ISSUER,
            AUDIENCE,
            &["ES256".to_string()],
            PathBuf::from(JWKS_PATH),
        )
        .unwrap()
    }

    #[test]
    fn a_good_token_yields_its_subject() {
        let v = verifier();
        assert_eq!(
            v.verify(&token(good_claims(), Some("test-key-1"))),
            Ok("alice".into())
        );
        // One key in the set: a token without kid uses it.
        assert_eq!(v.verify(&token(good_claims(), None)), Ok("alice".into()));
    }

    #[test]
    fn each_claim_is_checked() {
        let v = verifier();
        let mut c = good_claims();
        c["exp"] = serde_json::json!(now() - 3600);
        assert_eq!(
            v.verify(&token(c, Some("test-key-1"))),
            Err(JwtError::Expired)
        );
        let mut c = good_claims();
        c["aud"] = serde_json::json!("https://other.example/mcp");
        assert_eq!(
            v.verify(&token(c, Some("test-key-1"))),
            Err(JwtError::Audience)
        );
        let mut c = good_claims();
        c["iss"] = serde_json::json!("https://evil.example");
        assert_eq!(
            v.verify(&token(c, Some("test-key-1"))),
            Err(JwtError::Issuer)
        );
        let mut c = good_claims();
        c.as_object_mut().unwrap().remove("sub");
        assert!(v.verify(&token(c, Some("test-key-1"))).is_err());
        let mut c = good_claims();
        c.as_object_mut().unwrap().remove("exp");
        assert!(v.verify(&token(c, Some("test-key-1"))).is_err());
    }

    #[test]
    fn unknown_key_bad_signature_and_garbage_fail() {
        let v = verifier();
        assert_eq!(
            v.verify(&token(good_claims(), Some("other-kid"))),
            Err(JwtError::UnknownKey)
        );
        let good = token(good_claims(), Some("test-key-1"));
        let (head, sig) = good.rsplit_once('.').unwrap();
        let forged = format!("{head}.{}", sig.chars().rev().collect::<String>());
        assert!(v.verify(&forged).is_err());
        assert_eq!(v.verify("not-a-jwt"), Err(JwtError::Malformed));
        assert_eq!(v.verify(""), Err(JwtError::Malformed));
    }

    #[test]
    fn algorithms_outside_the_allowlist_fail() {
        let v = JwtVerifier::new(
            ISSUER,
            AUDIENCE,
            &["RS256".to_string()],
            PathBuf::from(JWKS_PATH),
        )
        .unwrap();
        assert!(matches!(
            v.verify(&token(good_claims(), Some("test-key-1"))),
            Err(JwtError::Algorithm(_))
        ));
        // An unsigned token ("alg":"none") is not even parsed as allowed.
        let none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.";
        assert!(v.verify(none).is_err());
    }

    #[test]
    fn shared_secret_algorithms_are_refused_at_start() {
        assert!(
            JwtVerifier::new(
                ISSUER,
                AUDIENCE,
                &["HS256".into()],
                PathBuf::from(JWKS_PATH)
            )
            .is_err()
        );
    }
}
