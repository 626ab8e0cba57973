//! Tool schemas that every client can read.
//!
//! schemars writes an `Option<T>` field as `"type": ["T", "null"]`. That is valid JSON Schema, but
//! clients that map tool schemas onto a single-`type` dialect (the OpenAPI subset behind Gemini
//! function declarations, for one) reject the tool or drop the constraint. So:
//! - in an input schema, an optional property loses its `null` branch (leaving it out is how a caller
//!   says "not given"; the server still accepts an explicit `null`), and its `"default": null` goes;
//! - anywhere else, a `type` array becomes `anyOf` branches of one type each, so outputs that may be
//!   `null` still say so.

use rmcp::model::JsonObject;
use serde_json::{Map, Value, json};

/// Which side of the call a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `inputSchema`: optional properties drop `null`.
    Input,
    /// `outputSchema`: `null` stays, spelled as `anyOf`.
    Output,
}

/// Rewrite a schema in place for portability.
pub fn make_portable(schema: &mut JsonObject, side: Side) {
    rewrite_object(schema, side);
}

fn rewrite(value: &mut Value, side: Side) {
    match value {
        Value::Object(object) => rewrite_object(object, side),
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, side)),
        _ => {}
    }
}

fn rewrite_object(object: &mut Map<String, Value>, side: Side) {
    if side == Side::Input {
        let required: Vec<String> = object
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(Value::Object(properties)) = object.get_mut("properties") {
            for (name, property) in properties.iter_mut() {
                if !required.contains(name)
                    && let Value::Object(property) = property
                {
                    drop_null(property);
                }
            }
        }
    }
    for child in object.values_mut() {
        rewrite(child, side);
    }
    split_type_array(object);
}

/// Remove the `null` alternative of an optional input property.
fn drop_null(property: &mut Map<String, Value>) {
    if property.get("default") == Some(&Value::Null) {
        property.remove("default");
    }
    if let Some(Value::Array(types)) = property.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            property.insert("type".into(), only);
        }
        return;
    }
    // `Option<Enum>` and `Option<Struct>`: anyOf [ {$ref: ...}, {type: null} ].
    let keep: Option<Value> = match property.get("anyOf") {
        Some(Value::Array(branches)) if branches.len() == 2 => {
            let non_null: Vec<&Value> = branches
                .iter()
                .filter(|b| b.get("type") != Some(&json!("null")))
                .collect();
            (non_null.len() == 1).then(|| non_null[0].clone())
        }
        _ => None,
    };
    if let Some(Value::Object(branch)) = keep {
        property.remove("anyOf");
        for (key, value) in branch {
            property.entry(key).or_insert(value);
        }
    }
}

/// `"type": ["T", "null"]` (or more types) becomes `anyOf` with one type per branch; the keywords
/// that constrain `T` move into its branch.
fn split_type_array(object: &mut Map<String, Value>) {
    let Some(Value::Array(types)) = object.get("type") else {
        return;
    };
    let types = types.clone();
    object.remove("type");
    const SHARED: &[&str] = &[
        "description",
        "title",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
    ];
    let constraints: Map<String, Value> = object
        .iter()
        .filter(|(k, _)| !SHARED.contains(&k.as_str()) && !k.starts_with('$'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for key in constraints.keys() {
        object.remove(key);
    }
    let branches: Vec<Value> = types
        .into_iter()
        .map(|t| {
            let mut branch = Map::new();
            if t != "null" {
                branch.extend(constraints.clone());
            }
            branch.insert("type".into(), t);
            Value::Object(branch)
        })
        .collect();
    object.insert("anyOf".into(), Value::Array(branches));
}

/// Whether any node of the schema still has a `type` array.
pub fn has_type_array(value: &Value) -> bool {
    match value {
        Value::Object(object) => {
            matches!(object.get("type"), Some(Value::Array(_)))
                || object.values().any(has_type_array)
        }
        Value::Array(items) => items.iter().any(has_type_array),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> JsonObject {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("test schemas are objects"),
        }
    }

    #[test]
    fn optional_inputs_lose_null_and_required_ones_keep_it_as_any_of() {
        let mut schema = object(json!({
            "type": "object",
            "required": ["must"],
            "properties": {
                "limit": {"type": ["integer", "null"], "format": "int64", "default": null, "description": "d"},
                "must": {"type": ["string", "null"], "maxLength": 5},
                "style": {"anyOf": [{"$ref": "#/$defs/Style"}, {"type": "null"}], "description": "s"}
            },
            "$defs": {"Metrics": {"type": "object", "properties": {"cpu": {"type": ["number", "null"]}}}}
        }));
        make_portable(&mut schema, Side::Input);
        let p = &schema["properties"];
        assert_eq!(
            p["limit"],
            json!({"type": "integer", "format": "int64", "description": "d"})
        );
        assert_eq!(
            p["must"],
            json!({"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]})
        );
        assert_eq!(
            p["style"],
            json!({"$ref": "#/$defs/Style", "description": "s"})
        );
        assert_eq!(
            schema["$defs"]["Metrics"]["properties"]["cpu"],
            json!({"type": "number"})
        );
        assert!(!has_type_array(&Value::Object(schema)));
    }

    #[test]
    fn outputs_keep_null_as_an_any_of_branch() {
        let mut schema = object(json!({
            "type": "object",
            "properties": {"text": {"type": ["string", "null"], "description": "t"}}
        }));
        make_portable(&mut schema, Side::Output);
        assert_eq!(
            schema["properties"]["text"],
            json!({"description": "t", "anyOf": [{"type": "string"}, {"type": "null"}]})
        );
    }
}
