//! `plaintext-secret`: A password, token or key column stored as text (not a hash, digest, ciphertext, prefix or last characters).

use super::{ALL_DIALECTS, Kind, Rule};
use crate::decide::schema::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    id: "plaintext-secret",
    severity: Severity::High,
    kind: Kind::Design,
    dialects: ALL_DIALECTS,
    what: "A password, token or key column stored as text (not a hash, digest, ciphertext, prefix or last characters).",
    why: "Anyone who reads the table (a backup, a replica, an SQL injection) can use every credential in it.",
    instead: "Passwords: a slow salted hash (argon2id, bcrypt). Tokens you issue: a SHA-256/HMAC digest. Secrets you must use (TOTP seeds, third-party keys): encrypt them with a KMS-held key.",
    bad: "CREATE TABLE users (id bigint PRIMARY KEY, password text NOT NULL);",
    good: "CREATE TABLE users (id bigint PRIMARY KEY, password_hash text NOT NULL);",
    reference: ("security.md", "password-storage"),
};

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        super::super::check_examples(&super::RULE);
    }
}
