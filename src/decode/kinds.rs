//! What a schema node accepts, read off the JSON Schema that schemars writes for an input type:
//! the few shapes the tools use (booleans, numbers with a range, strings with or without a fixed set
//! of values, arrays, objects, `null` for optional fields, and unions of these).

use serde_json::Value;

/// One accepted shape.
#[derive(Debug, Clone)]
pub enum Kind<'s> {
    Null,
    Bool,
    Integer {
        min: Option<f64>,
        max: Option<f64>,
    },
    Number {
        min: Option<f64>,
        max: Option<f64>,
    },
    /// A string; `values` when only a fixed set is accepted.
    Str {
        values: Option<Vec<&'s str>>,
    },
    Array {
        items: Option<&'s Value>,
    },
    Object(&'s Value),
}

/// The schema node, with `$ref` into `$defs` followed (a bounded number of hops).
pub fn resolve<'s>(root: &'s Value, mut node: &'s Value) -> &'s Value {
    for _ in 0..8 {
        let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(name) = reference.strip_prefix("#/$defs/") else {
            break;
        };
        match root.get("$defs").and_then(|d| d.get(name)) {
            Some(target) => node = target,
            None => break,
        }
    }
    node
}

/// Every shape a node accepts, flattened over `anyOf`/`oneOf` and `type` arrays.
pub fn kinds<'s>(root: &'s Value, node: &'s Value) -> Vec<Kind<'s>> {
    let mut out = Vec::new();
    collect(root, node, &mut out, 0);
    merge_constants(out)
}

fn collect<'s>(root: &'s Value, node: &'s Value, out: &mut Vec<Kind<'s>>, depth: usize) {
    if depth > 8 {
        return;
    }
    let node = resolve(root, node);
    if let Some(constant) = node.get("const").and_then(Value::as_str) {
        out.push(Kind::Str {
            values: Some(vec![constant]),
        });
        return;
    }
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        out.push(Kind::Str {
            values: Some(strings),
        });
        if values.iter().any(Value::is_null) {
            out.push(Kind::Null);
        }
        return;
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = node.get(key).and_then(Value::as_array) {
            for branch in branches {
                collect(root, branch, out, depth + 1);
            }
            return;
        }
    }
    let types: Vec<&str> = match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let min = node.get("minimum").and_then(Value::as_f64);
    let max = node.get("maximum").and_then(Value::as_f64);
    for t in types {
        out.push(match t {
            "null" => Kind::Null,
            "boolean" => Kind::Bool,
            "integer" => Kind::Integer { min, max },
            "number" => Kind::Number { min, max },
            "string" => Kind::Str { values: None },
            "array" => Kind::Array {
                items: node.get("items"),
            },
            _ => Kind::Object(node),
        });
    }
}

/// `oneOf` of single constants (how schemars writes an enum with documented variants) becomes one
/// string kind with all the values.
fn merge_constants(kinds: Vec<Kind<'_>>) -> Vec<Kind<'_>> {
    let mut out: Vec<Kind<'_>> = Vec::with_capacity(kinds.len());
    for kind in kinds {
        if let Kind::Str {
            values: Some(values),
        } = &kind
            && let Some(Kind::Str {
                values: Some(existing),
            }) = out
                .iter_mut()
                .find(|k| matches!(k, Kind::Str { values: Some(_) }))
        {
            existing.extend(values.iter().copied());
            continue;
        }
        out.push(kind);
    }
    out
}

/// The accepted shapes in words, for messages.
pub fn describe(kinds: &[Kind<'_>]) -> String {
    let words: Vec<String> = kinds
        .iter()
        .filter(|k| !matches!(k, Kind::Null))
        .map(|k| match k {
            Kind::Null => String::new(),
            Kind::Bool => "true or false".to_string(),
            Kind::Integer { min, max } => format!("a whole number{}", range(*min, *max)),
            Kind::Number { min, max } => format!("a number{}", range(*min, *max)),
            Kind::Str { values: Some(v) } => format!("one of {}", v.join(", ")),
            Kind::Str { values: None } => "a text".to_string(),
            Kind::Array { .. } => "a list".to_string(),
            Kind::Object(_) => "an object".to_string(),
        })
        .collect();
    words.join(", or ")
}

fn range(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!(" from {a} to {b}"),
        (Some(a), None) if a > 0.0 => format!(" of at least {a}"),
        (None, Some(b)) => format!(" up to {b}"),
        _ => String::new(),
    }
}

/// An example value for a field of these shapes, for messages.
pub fn example(kinds: &[Kind<'_>]) -> Option<Value> {
    kinds.iter().find_map(|k| match k {
        Kind::Null => None,
        Kind::Bool => Some(Value::Bool(true)),
        Kind::Integer { min, max } => {
            let v = 3f64.max(min.unwrap_or(0.0)).min(max.unwrap_or(f64::MAX));
            Some(Value::from(v as i64))
        }
        Kind::Number { min, max } => {
            let v = 99.9f64.max(min.unwrap_or(0.0)).min(max.unwrap_or(f64::MAX));
            serde_json::Number::from_f64(v).map(Value::Number)
        }
        Kind::Str { values: Some(v) } => v.first().map(|s| Value::String((*s).to_string())),
        Kind::Str { values: None } => Some(Value::String("...".to_string())),
        Kind::Array { .. } => Some(Value::Array(Vec::new())),
        Kind::Object(_) => Some(Value::Object(serde_json::Map::new())),
    })
}
