//! Forgiving, then exact: the one decoding layer between a caller's JSON arguments and a tool's typed
//! input, shared by the MCP tools and the CLI.
//!
//! It walks the arguments alongside the input type's own JSON Schema (the one schemars writes, so the
//! published schema stays strict and truthful) and accepts what is unambiguous: fixed-set values in
//! any case and with `-`, spaces or `_`, well-known synonyms (`503` for `http_503`, `argon2` for
//! `argon2id`, `postgresql` for `postgres`) and a unique leading word; booleans and numbers written as
//! text (`"true"`, `"yes"`, `"99.9"`, `"30%"`); integral floats for whole numbers; one value where a
//! list is expected; field names in another case, a unique field a name abbreviates, and a field of a
//! nested object given at the top level. Counts above their maximum are capped. Every reading that is
//! more than a spelling comes back as a note. What stays ambiguous or wrong is reported all at once,
//! in words: the field path, what was given, what is accepted and an example.

mod kinds;
mod values;

use std::fmt;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use kinds::{Kind, describe, example, kinds, resolve};
pub use values::{Matched, Num, canonical, match_value, parse_bool, parse_number};

/// A decoded input and how the arguments were read, where that was more than a spelling.
#[derive(Debug)]
pub struct Decoded<I> {
    /// The typed input.
    pub input: I,
    /// One line per reading a caller should know of (a synonym, a capped count, a moved field).
    pub notes: Vec<String>,
}

/// One thing wrong with the arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: `failure`, `metrics.db_cpu_percent`, `needs[1]`; empty for the whole call.
    pub path: String,
    /// What is wrong and what would be right, in words.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "`{}`: {}", self.path, self.message)
        }
    }
}

/// Every problem of one call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DecodeError {
    /// The problems, in the order of the fields.
    pub problems: Vec<Problem>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems:", many.len())?;
                for p in many {
                    write!(f, "\n- {p}")?;
                }
                Ok(())
            }
        }
    }
}

/// Decode `value` into `I` the forgiving way; see the module documentation.
pub fn decode<I: DeserializeOwned + JsonSchema>(value: Value) -> Result<Decoded<I>, DecodeError> {
    decode_with(value, &schema_of::<I>())
}

/// The schema [`decode`] walks for `I`, for a caller that decodes many times ([`decode_with`]).
pub fn schema_of<I: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(I)).unwrap_or(Value::Bool(true))
}

/// [`decode`] with the schema of `I` made once beforehand by [`schema_of`].
pub fn decode_with<I: DeserializeOwned>(
    value: Value,
    schema: &Value,
) -> Result<Decoded<I>, DecodeError> {
    let mut walk = Walk {
        root: schema,
        notes: Vec::new(),
        problems: Vec::new(),
    };
    let value = walk.value(value, schema, "");
    if !walk.problems.is_empty() {
        return Err(DecodeError {
            problems: walk.problems,
        });
    }
    let notes = walk.notes;
    serde_path_to_error::deserialize(value)
        .map(|input| Decoded { input, notes })
        .map_err(|e| {
            let path = e.path().to_string();
            DecodeError {
                problems: vec![Problem {
                    path: if path == "." { String::new() } else { path },
                    message: in_words(&e.inner().to_string()),
                }],
            }
        })
}

struct Walk<'s> {
    root: &'s Value,
    notes: Vec<String>,
    problems: Vec<Problem>,
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

impl<'s> Walk<'s> {
    fn problem(&mut self, path: &str, message: String) {
        self.problems.push(Problem {
            path: path.to_string(),
            message,
        });
    }

    fn note(&mut self, path: &str, text: String) {
        self.notes.push(format!("`{path}`: {text}"));
    }

    /// Read `value` against `node`; problems and notes are collected, the value returned as read.
    fn value(&mut self, value: Value, node: &'s Value, path: &str) -> Value {
        let node = resolve(self.root, node);
        let accepted = kinds(self.root, node);
        if accepted.is_empty() {
            return value;
        }
        // Exactly the right shape first, then the readings a person would make.
        for kind in &accepted {
            if let Some(v) = self.exact(&value, kind, path) {
                return v;
            }
        }
        for kind in &accepted {
            if let Some(v) = self.coerce(&value, kind, path) {
                return v;
            }
        }
        let given = short(&value);
        let mut message = format!("{given} is not accepted; give {}", describe(&accepted));
        if let Some(ambiguous) = ambiguous_values(&value, &accepted) {
            message = format!(
                "{given} could be any of {}; give one of them",
                ambiguous.join(", ")
            );
        }
        if let Some(example) = example(&accepted) {
            let name = path.rsplit('.').next().unwrap_or(path);
            message.push_str(&format!(", e.g. \"{name}\": {example}"));
        }
        self.problem(path, message);
        value
    }

    fn exact(&mut self, value: &Value, kind: &Kind<'s>, path: &str) -> Option<Value> {
        match (kind, value) {
            (Kind::Null, Value::Null) => Some(Value::Null),
            (Kind::Bool, Value::Bool(_)) => Some(value.clone()),
            (Kind::Integer { min, max }, Value::Number(n)) => {
                let f = n.as_f64()?;
                (f.fract() == 0.0).then(|| self.count(f, *min, *max, path))
            }
            (Kind::Number { min, max }, Value::Number(n)) => {
                let f = n.as_f64()?;
                self.in_range(f, *min, *max, path);
                Some(value.clone())
            }
            (Kind::Str { values: None }, Value::String(_)) => Some(value.clone()),
            (
                Kind::Str {
                    values: Some(values),
                },
                Value::String(s),
            ) => self.fixed(s, values, path),
            (Kind::Array { items }, Value::Array(list)) => {
                Some(self.list(list.clone(), *items, path))
            }
            (Kind::Object(node), Value::Object(map)) => Some(self.object(map.clone(), node, path)),
            _ => None,
        }
    }

    fn coerce(&mut self, value: &Value, kind: &Kind<'s>, path: &str) -> Option<Value> {
        match (kind, value) {
            (Kind::Bool, Value::String(s)) => parse_bool(s).map(Value::Bool),
            (Kind::Bool, Value::Number(n)) => match n.as_f64() {
                Some(0.0) => Some(Value::Bool(false)),
                Some(1.0) => Some(Value::Bool(true)),
                _ => None,
            },
            (Kind::Integer { min, max }, Value::String(s)) => {
                let f = parse_number(s)?;
                (f.fract() == 0.0).then(|| self.count(f, *min, *max, path))
            }
            (Kind::Number { min, max }, Value::String(s)) => {
                let f = parse_number(s)?;
                self.in_range(f, *min, *max, path);
                serde_json::Number::from_f64(f).map(Value::Number)
            }
            (
                Kind::Str {
                    values: Some(values),
                },
                Value::Number(_) | Value::Bool(_),
            ) => self.fixed(&value.to_string(), values, path),
            (Kind::Str { values: None }, Value::Number(_) | Value::Bool(_)) => {
                Some(Value::String(value.to_string()))
            }
            (Kind::Array { items }, v) if !v.is_array() && !v.is_null() => {
                Some(self.list(vec![v.clone()], *items, path))
            }
            _ => None,
        }
    }

    /// A whole number: capped (with a note) above its maximum; below its minimum is a problem.
    fn count(&mut self, f: f64, min: Option<f64>, max: Option<f64>, path: &str) -> Value {
        if let Some(max) = max
            && f > max
        {
            self.note(
                path,
                format!(
                    "{f} is above the most accepted; capped at {max}",
                    f = Num(f),
                    max = Num(max)
                ),
            );
            return Value::from(max as i64);
        }
        if let Some(min) = min
            && f < min
        {
            self.problem(
                path,
                format!(
                    "{f} is below the least accepted, {min}; give {min} or more",
                    f = Num(f),
                    min = Num(min)
                ),
            );
        }
        if f < 0.0 {
            Value::from(f as i64)
        } else {
            Value::from(f as u64)
        }
    }

    fn in_range(&mut self, f: f64, min: Option<f64>, max: Option<f64>, path: &str) {
        let below = min.is_some_and(|m| f < m);
        let above = max.is_some_and(|m| f > m);
        if below || above {
            let range = match (min, max) {
                (Some(a), Some(b)) => format!("from {} to {}", Num(a), Num(b)),
                (Some(a), None) => format!("{} or more", Num(a)),
                (None, Some(b)) => format!("up to {}", Num(b)),
                (None, None) => String::new(),
            };
            self.problem(
                path,
                format!("{} is out of range; give a number {range}", Num(f)),
            );
        }
    }

    fn fixed(&mut self, given: &str, values: &[&'s str], path: &str) -> Option<Value> {
        match match_value(given, values) {
            Matched::Spelling(value) => Some(Value::String(value.to_string())),
            Matched::Reading(value) => {
                self.note(path, format!("read {given:?} as {value:?}"));
                Some(Value::String(value.to_string()))
            }
            Matched::Ambiguous(_) | Matched::None => None,
        }
    }

    fn list(&mut self, items: Vec<Value>, schema: Option<&'s Value>, path: &str) -> Value {
        let Some(schema) = schema else {
            return Value::Array(items);
        };
        Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| self.value(v, schema, &format!("{path}[{i}]")))
                .collect(),
        )
    }

    fn object(&mut self, map: Map<String, Value>, node: &'s Value, path: &str) -> Value {
        let properties = node.get("properties").and_then(Value::as_object);
        let strict = node.get("additionalProperties") == Some(&Value::Bool(false));
        let Some(properties) = properties else {
            return Value::Object(map);
        };
        let names: Vec<&'s str> = properties.keys().map(String::as_str).collect();
        let mut placed: Map<String, Value> = Map::new();
        let mut moved: Vec<(&'s str, String, Value)> = Vec::new();
        let mut unknown: Vec<String> = Vec::new();
        for (key, value) in map {
            if properties.contains_key(&key) {
                placed.insert(key, value);
                continue;
            }
            match self.field_name(&key, &names) {
                FieldName::Same(name) => {
                    placed.entry(name.to_string()).or_insert(value);
                }
                FieldName::Abbreviation(name) => {
                    self.note(
                        &child(path, &key),
                        format!("read as `{}`", child(path, name)),
                    );
                    placed.entry(name.to_string()).or_insert(value);
                }
                FieldName::Unknown => match self.nested_home(&key, properties) {
                    Some((parent, field)) => moved.push((parent, field, value)),
                    None if strict => unknown.push(key),
                    None => {
                        placed.insert(key, value);
                    }
                },
            }
        }
        for (parent, field, value) in moved {
            let slot = placed
                .entry(parent.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = slot
                && !inner.contains_key(&field)
            {
                self.note(
                    &child(path, &field),
                    format!(
                        "belongs in `{}`; read as `{}`",
                        child(path, parent),
                        child(&child(path, parent), &field)
                    ),
                );
                inner.insert(field, value);
            }
        }
        if !unknown.is_empty() {
            let list = unknown
                .iter()
                .map(|k| format!("`{}`", child(path, k)))
                .collect::<Vec<_>>()
                .join(", ");
            let what = if unknown.len() == 1 {
                "is not a field"
            } else {
                "are not fields"
            };
            let place = if path.is_empty() {
                String::new()
            } else {
                format!(" of `{path}`")
            };
            self.problems.push(Problem {
                path: String::new(),
                message: format!("{list} {what}{place}; the fields are: {}", names.join(", ")),
            });
        }
        let mut out = Map::new();
        for (key, value) in placed {
            let Some(schema) = properties.get(&key) else {
                out.insert(key, value);
                continue;
            };
            let v = self.value(value, schema, &child(path, &key));
            out.insert(key, v);
        }
        let required = node.get("required").and_then(Value::as_array);
        for name in required.into_iter().flatten().filter_map(Value::as_str) {
            if out.contains_key(name) {
                continue;
            }
            let field_path = child(path, name);
            let accepted = properties
                .get(name)
                .map(|s| kinds(self.root, resolve(self.root, s)))
                .unwrap_or_default();
            let mut message = format!("missing; give {}", describe(&accepted));
            if let Some(example) = example(&accepted) {
                message.push_str(&format!(", e.g. \"{name}\": {example}"));
            }
            self.problem(&field_path, message);
        }
        Value::Object(out)
    }

    fn field_name(&self, key: &str, names: &[&'s str]) -> FieldName<'s> {
        let given = canonical(key);
        if let Some(name) = names.iter().find(|n| canonical(n) == given) {
            return FieldName::Same(name);
        }
        // A unique field whose words include all the given ones: `retries` for `max_retries`,
        // `target` for `target_percent`.
        let words: Vec<&str> = given.split('_').filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            return FieldName::Unknown;
        }
        let candidates: Vec<&'s str> = names
            .iter()
            .copied()
            .filter(|n| {
                let parts: Vec<String> = canonical(n).split('_').map(str::to_string).collect();
                words.iter().all(|w| parts.iter().any(|p| p == w))
            })
            .collect();
        let leading: Vec<&'s str> = candidates
            .iter()
            .copied()
            .filter(|n| canonical(n).starts_with(&format!("{given}_")))
            .collect();
        match (candidates.as_slice(), leading.as_slice()) {
            ([only], _) | (_, [only]) => FieldName::Abbreviation(only),
            _ => FieldName::Unknown,
        }
    }

    /// The one nested object field (`metrics`, `needs`, ...) whose own fields include `key`.
    fn nested_home(
        &self,
        key: &str,
        properties: &'s Map<String, Value>,
    ) -> Option<(&'s str, String)> {
        let given = canonical(key);
        let homes: Vec<(&'s str, String)> = properties
            .iter()
            .filter_map(|(parent, schema)| {
                let inner = kinds(self.root, resolve(self.root, schema))
                    .into_iter()
                    .find_map(|k| match k {
                        Kind::Object(node) => node.get("properties").and_then(Value::as_object),
                        _ => None,
                    })?;
                inner
                    .keys()
                    .find(|k| canonical(k) == given)
                    .map(|field| (parent.as_str(), field.clone()))
            })
            .collect();
        match homes.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        }
    }
}

enum FieldName<'s> {
    Same(&'s str),
    Abbreviation(&'s str),
    Unknown,
}

/// When a string matched several fixed values, those values.
fn ambiguous_values(value: &Value, accepted: &[Kind<'_>]) -> Option<Vec<String>> {
    let given = value.as_str()?;
    accepted.iter().find_map(|k| match k {
        Kind::Str {
            values: Some(values),
        } => match match_value(given, values) {
            Matched::Ambiguous(many) => Some(many.iter().map(|s| s.to_string()).collect()),
            _ => None,
        },
        _ => None,
    })
}

/// serde's wording without Rust type names.
fn in_words(message: &str) -> String {
    let mut text = message.to_string();
    for (rust, words) in [
        ("expected u8", "expected a whole number"),
        ("expected u16", "expected a whole number"),
        ("expected u32", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected usize", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected i64", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
        ("expected a string", "expected a text"),
    ] {
        text = text.replace(rust, words);
    }
    if let Some(start) = text.find("untagged enum") {
        text.replace_range(start.., "any of the accepted forms");
    }
    text
}

#[cfg(test)]
mod tests;
