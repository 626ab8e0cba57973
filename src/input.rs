//! Decoding a caller's JSON arguments into a typed input, naming the field at fault: serde's own
//! message says "invalid type: integer `42`, expected a string" without saying which field, which
//! leaves a model guessing. Both adapters (MCP tools and the CLI) decode through here.

use serde::de::DeserializeOwned;

/// Decode `value` into `I`. The error reads ``at `field.path`: what is wrong`` (or only what is
/// wrong when the problem is the whole object, e.g. an unknown field at the top level).
pub fn from_json<I: DeserializeOwned>(value: serde_json::Value) -> Result<I, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            e.inner().to_string()
        } else {
            format!("at `{path}`: {}", e.inner())
        }
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        query: String,
        limit: Option<i64>,
    }

    #[test]
    fn errors_name_the_field() {
        let err = from_json::<Input>(json!({"query": 42})).unwrap_err();
        assert!(err.starts_with("at `query`: invalid type"), "{err}");
        let err = from_json::<Input>(json!({"query": "x", "bogus": 1})).unwrap_err();
        assert!(err.contains("unknown field `bogus`"), "{err}");
        assert!(from_json::<Input>(json!({"query": "x", "limit": 3})).is_ok());
    }
}
