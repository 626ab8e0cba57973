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

/// Rewrite an input schema for what a model reads: every value described once, nothing a model does
/// not need. A fixed set of values becomes one `enum` (the field's description says what they mean,
/// so the per-value prose schemars writes for documented variants goes), every `$ref` is inlined into
/// the property that uses it (the property's description wins over the type's), and the `$schema`,
/// the type's `title` (a Rust name) and `format` (`uint32`, `double`: Rust widths, not constraints)
/// go. Descriptions are folded onto one line.
pub fn make_compact(schema: &mut JsonObject) {
    let defs = schema.remove("$defs");
    schema.remove("$schema");
    schema.remove("title");
    let defs = match defs {
        Some(Value::Object(defs)) => defs,
        _ => Map::new(),
    };
    for value in schema.values_mut() {
        compact(value, &defs, 0);
    }
    fold_enum(schema);
    fold_description(schema);
}

/// Rewrite an output schema to what a client needs to check a result: the shapes, not the prose (a
/// model reads the result, whose field names say what they hold). With `pruned` (results that leave
/// out `null`s and empty lists) no field is `required` and a nullable field is just its type.
pub fn make_compact_output(schema: &mut JsonObject, pruned: bool) {
    schema.remove("$schema");
    schema.remove("title");
    strip_output(schema, pruned);
}

fn strip_output(object: &mut Map<String, Value>, pruned: bool) {
    object.remove("format");
    if pruned {
        object.remove("required");
    }
    object.remove("title");
    if object.get("description").is_some_and(Value::is_string) {
        object.remove("description");
    }
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        for property in properties.values_mut().filter_map(Value::as_object_mut) {
            strip_output(property, pruned);
        }
    }
    for (key, child) in object.iter_mut() {
        if key == "properties" {
            continue;
        }
        match child {
            Value::Object(inner) => {
                if key == "$defs" {
                    for def in inner.values_mut().filter_map(Value::as_object_mut) {
                        strip_output(def, pruned);
                    }
                } else {
                    strip_output(inner, pruned);
                }
            }
            Value::Array(items) => {
                for item in items.iter_mut().filter_map(Value::as_object_mut) {
                    strip_output(item, pruned);
                }
            }
            _ => {}
        }
    }
    fold_enum(object);
    if !pruned {
        return;
    }
    // `anyOf: [T, {type: null}]` -> T: a result never carries the null.
    let single: Option<Map<String, Value>> = match object.get("anyOf") {
        Some(Value::Array(branches)) => {
            let rest: Vec<&Value> = branches
                .iter()
                .filter(|b| b.get("type") != Some(&json!("null")))
                .collect();
            match rest.as_slice() {
                [only] if branches.len() == 2 => only.as_object().cloned(),
                _ => None,
            }
        }
        _ => None,
    };
    if let Some(branch) = single {
        object.remove("anyOf");
        for (key, value) in branch {
            object.entry(key).or_insert(value);
        }
    }
}

/// A result as a model should read it: no `null`s, no empty lists or objects.
pub fn prune(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for child in object.values_mut() {
                prune(child);
            }
            object.retain(|_, v| !is_empty(v));
        }
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(object) => object.is_empty(),
        _ => false,
    }
}

fn compact(value: &mut Value, defs: &Map<String, Value>, depth: usize) {
    match value {
        Value::Object(object) => {
            if depth < 16 {
                inline_ref(object, defs);
            }
            object.remove("format");
            for child in object.values_mut() {
                compact(child, defs, depth + 1);
            }
            fold_enum(object);
            fold_description(object);
            // A union's branches need no prose of their own when the field has some.
            if object.contains_key("description")
                && let Some(Value::Array(branches)) = object.get_mut("anyOf")
            {
                for branch in branches.iter_mut().filter_map(Value::as_object_mut) {
                    branch.remove("description");
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| compact(v, defs, depth + 1)),
        _ => {}
    }
}

fn inline_ref(object: &mut Map<String, Value>, defs: &Map<String, Value>) {
    let Some(Value::String(reference)) = object.get("$ref") else {
        return;
    };
    let Some(Value::Object(def)) = reference
        .strip_prefix("#/$defs/")
        .and_then(|name| defs.get(name))
    else {
        return;
    };
    let def = def.clone();
    object.remove("$ref");
    for (key, value) in def {
        if key == "title" {
            continue;
        }
        object.entry(key).or_insert(value);
    }
}

/// `oneOf: [{const: a, ...}, {const: b, ...}]` becomes `type: string, enum: [a, b]`.
fn fold_enum(object: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = object.get("oneOf") else {
        return;
    };
    let values: Option<Vec<Value>> = branches
        .iter()
        .map(|b| b.get("const").filter(|c| c.is_string()).cloned())
        .collect();
    if let Some(values) = values {
        object.remove("oneOf");
        object.insert("type".into(), json!("string"));
        object.insert("enum".into(), Value::Array(values));
    }
}

fn fold_description(object: &mut Map<String, Value>) {
    if let Some(Value::String(text)) = object.get_mut("description") {
        *text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    }
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
