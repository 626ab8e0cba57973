//! Static bearer tokens: compared in constant time, never kept or logged in the clear.
//!
//! Each configured token is stored as its SHA-256 digest. A presented token is hashed and compared
//! against every digest with `subtle`'s constant-time equality, without stopping at a match, so the
//! time taken says nothing about which token (or how much of one) matched.

use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

/// The shortest token accepted: shorter ones are guessable.
pub const MIN_TOKEN_CHARS: usize = 16;

/// The accepted tokens, as digests.
#[derive(Clone)]
pub struct StaticTokens {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for StaticTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StaticTokens({} tokens)", self.digests.len())
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl StaticTokens {
    /// Accept these tokens; each must be at least [`MIN_TOKEN_CHARS`] long and printable.
    pub fn new(tokens: &[String]) -> Result<Self, String> {
        let mut digests = Vec::with_capacity(tokens.len());
        for (i, token) in tokens.iter().enumerate() {
            if token.chars().count() < MIN_TOKEN_CHARS {
                return Err(format!(
                    "bearer token #{} is shorter than {MIN_TOKEN_CHARS} characters",
                    i + 1
                ));
            }
            if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(format!(
                    "bearer token #{} contains whitespace or control characters",
                    i + 1
                ));
            }
            digests.push(digest(token));
        }
        Ok(Self { digests })
    }

    /// The subject for a presented token: `token-` and the first 8 hex digits of its digest (a
    /// stable name for rate limits and logs that does not reveal the token), or `None`.
    pub fn verify(&self, presented: &str) -> Option<String> {
        let presented = digest(presented);
        let mut matched = Choice::from(0);
        for known in &self.digests {
            matched |= known.ct_eq(&presented);
        }
        if bool::from(matched) {
            let hex: String = presented[..4].iter().map(|b| format!("{b:02x}")).collect();
            Some(format!("token-{hex}"))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> StaticTokens {
        StaticTokens::new(&[
            "first-token-0123456789".to_string(),
            "second-token-abcdefghij".to_string(),
        ])
        .unwrap()
    }

    #[test]
    fn every_configured_token_verifies_with_a_stable_subject() {
        let t = tokens();
        let a = t.verify("first-token-0123456789").unwrap();
        let b = t.verify("second-token-abcdefghij").unwrap();
        assert_ne!(a, b);
        assert_eq!(t.verify("first-token-0123456789").unwrap(), a);
        assert!(a.starts_with("token-") && a.len() == "token-".len() + 8);
        assert!(!a.contains("first"));
    }

    #[test]
    fn wrong_prefix_suffix_and_empty_tokens_fail() {
        let t = tokens();
        for bad in [
            "",
            "first-token-012345678",
            "first-token-0123456789x",
            "FIRST-token-0123456789",
        ] {
            assert!(t.verify(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn debug_output_never_shows_a_token() {
        let shown = format!("{:?}", tokens());
        assert_eq!(shown, "StaticTokens(2 tokens)");
    }

    #[test]
    fn weak_tokens_are_refused() {
        assert!(StaticTokens::new(&["short".to_string()]).is_err());
        assert!(StaticTokens::new(&["has a space inside it ok".to_string()]).is_err());
    }
}
