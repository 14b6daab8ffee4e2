//! Tool parameter schemas for OpenAI-compatible upstreams (protocol.md §4.2).
//!
//! [`normalize_schema`] is applied to every tool: function parameters must be an object
//! schema, and Claude Code sends a deferred tool with an empty one. [`clean_schema`]
//! rewrites a schema into the OpenAPI subset Gemini accepts (its native API and its OpenAI
//! endpoint reject `$schema`, `additionalProperties`, `const`, type arrays and more:
//! pitfall 4); the quirks table says when to use it.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

/// Keywords Gemini's schema subset understands; everything else is dropped after the
/// rewrites below. `title` and `default` are dropped too: peers disagree, and neither
/// changes what a valid call looks like.
const KEPT: &[&str] = &[
    "type",
    "format",
    "description",
    "nullable",
    "enum",
    "items",
    "properties",
    "required",
    "anyOf",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
];

/// JavaScript's `Number.MAX_SAFE_INTEGER`: zod emits ±this for "any integer". Such bounds
/// say nothing and some upstreams choke on them.
const UNBOUNDED: f64 = 9_007_199_254_740_991.0;

/// Nesting deeper than this is cut to a generic value, so hostile input cannot exhaust
/// the stack.
const MAX_DEPTH: usize = 48;

/// The schema as function parameters: an object schema with `properties`. A missing,
/// empty or non-object schema becomes `{"type":"object","properties":{}}`.
pub fn normalize_schema(schema: &Value) -> Value {
    let mut map = match schema {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    if !map.contains_key("type") {
        map.insert("type".into(), json!("object"));
    }
    if map.get("type") == Some(&json!("object"))
        && !map.get("properties").is_some_and(Value::is_object)
    {
        map.insert("properties".into(), json!({}));
    }
    Value::Object(map)
}

/// The schema rewritten into the subset Gemini accepts: `$ref` inlined from `$defs` /
/// `definitions`, `allOf` merged, `oneOf` → `anyOf`, `const` → `enum`, type arrays →
/// one type plus `nullable`, `prefixItems` → `items`, integer exclusive bounds →
/// inclusive ones, `format` kept only for `date-time`/`enum` strings, `enum` only on
/// strings, missing types inferred, unknown keywords dropped. The result is normalized
/// as by [`normalize_schema`].
pub fn clean_schema(schema: &Value) -> Value {
    let defs = definitions(schema);
    let mut cleaner = Cleaner {
        defs,
        expanding: Vec::new(),
    };
    // Normalized first, so an empty root stays an object rather than "any value".
    normalize_schema(&cleaner.clean(&normalize_schema(schema), 0))
}

struct Cleaner {
    defs: Map<String, Value>,
    /// `$ref` names being expanded on the current path: a name seen again is recursion.
    expanding: Vec<String>,
}

impl Cleaner {
    fn clean(&mut self, node: &Value, depth: usize) -> Value {
        let Value::Object(source) = node else {
            return any_value(None);
        };
        if depth > MAX_DEPTH {
            return any_value(source.get("description").cloned());
        }
        let mut map = source.clone();
        if let Some(Value::String(reference)) = map.remove("$ref") {
            return self.clean_ref(&reference, map, depth);
        }
        merge_all_of(&mut map, &self.defs);
        rewrite_keywords(&mut map);

        if let Some(Value::Object(props)) = map.remove("properties") {
            let cleaned: Map<String, Value> = props
                .iter()
                .map(|(name, prop)| (name.clone(), self.clean(prop, depth + 1)))
                .collect();
            if let Some(Value::Array(required)) = map.get_mut("required") {
                required.retain(|r| r.as_str().is_some_and(|r| cleaned.contains_key(r)));
            }
            map.insert("properties".into(), Value::Object(cleaned));
        } else {
            map.remove("required");
        }
        if let Some(items) = map.remove("items") {
            map.insert("items".into(), self.clean(&items, depth + 1));
        }
        if let Some(Value::Array(branches)) = map.remove("anyOf") {
            self.clean_any_of(&mut map, &branches, depth);
        }
        map.retain(|key, _| KEPT.contains(&key.as_str()));
        infer_type(&mut map);
        Value::Object(map)
    }

    /// Inlines a local reference; the keywords next to `$ref` (usually `description`) win.
    fn clean_ref(&mut self, reference: &str, siblings: Map<String, Value>, depth: usize) -> Value {
        let name = reference
            .strip_prefix("#/$defs/")
            .or_else(|| reference.strip_prefix("#/definitions/"));
        let target = name.and_then(|n| self.defs.get(n).cloned());
        let (Some(name), Some(Value::Object(mut target))) = (name, target) else {
            // External, root (`#`) or dangling reference: nothing to inline.
            return any_value(siblings.get("description").cloned());
        };
        if self.expanding.iter().any(|n| n == name) {
            // Recursive type: one level is enough for a model to know the shape.
            return any_value(siblings.get("description").cloned());
        }
        target.extend(siblings);
        self.expanding.push(name.to_owned());
        let cleaned = self.clean(&Value::Object(target), depth + 1);
        self.expanding.pop();
        cleaned
    }

    /// `anyOf` without `null` branches (they become `nullable`); one branch left is inlined.
    fn clean_any_of(&mut self, map: &mut Map<String, Value>, branches: &[Value], depth: usize) {
        let mut kept = Vec::new();
        for branch in branches {
            if branch.get("type") == Some(&json!("null")) {
                map.insert("nullable".into(), json!(true));
                continue;
            }
            let cleaned = self.clean(branch, depth + 1);
            if !kept.contains(&cleaned) {
                kept.push(cleaned);
            }
        }
        if kept.len() == 1 {
            if let Some(Value::Object(only)) = kept.pop() {
                for (key, value) in only {
                    map.entry(key).or_insert(value);
                }
            }
        } else if !kept.is_empty() {
            // A schema with `anyOf` must not also carry its own `type` for Gemini.
            map.remove("type");
            map.insert("anyOf".into(), Value::Array(kept));
        }
    }
}

/// `$defs` and `definitions` of the root schema.
fn definitions(schema: &Value) -> Map<String, Value> {
    let mut defs = Map::new();
    for key in ["definitions", "$defs"] {
        if let Some(Value::Object(found)) = schema.get(key) {
            defs.extend(found.clone());
        }
    }
    defs
}

/// Folds `allOf` into the schema: properties and `required` are united, other keywords
/// are taken from the first subschema that has them.
fn merge_all_of(map: &mut Map<String, Value>, defs: &Map<String, Value>) {
    // A merged part may bring its own `allOf`; a few rounds flatten any sane nesting.
    for _ in 0..8 {
        let Some(Value::Array(parts)) = map.remove("allOf") else {
            return;
        };
        merge_parts(map, parts, defs);
    }
    map.remove("allOf");
}

fn merge_parts(map: &mut Map<String, Value>, parts: Vec<Value>, defs: &Map<String, Value>) {
    for part in parts {
        let part = match part.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix("#/$defs/")
                .or_else(|| r.strip_prefix("#/definitions/"))
                .and_then(|n| defs.get(n).cloned())
                .unwrap_or(Value::Null),
            None => part,
        };
        let Value::Object(part) = part else { continue };
        for (key, value) in part {
            match (key.as_str(), map.get_mut(&key), value) {
                ("properties", Some(Value::Object(mine)), Value::Object(theirs)) => {
                    for (name, prop) in theirs {
                        mine.entry(name).or_insert(prop);
                    }
                }
                ("required", Some(Value::Array(mine)), Value::Array(theirs)) => {
                    for name in theirs {
                        if !mine.contains(&name) {
                            mine.push(name);
                        }
                    }
                }
                (_, Some(_), _) => {}
                (_, None, value) => {
                    map.insert(key, value);
                }
            }
        }
    }
}

/// The keyword rewrites that need no recursion.
fn rewrite_keywords(map: &mut Map<String, Value>) {
    if let Some(one_of) = map.remove("oneOf") {
        let mut branches = match map.remove("anyOf") {
            Some(Value::Array(existing)) => existing,
            _ => Vec::new(),
        };
        branches.extend(one_of.as_array().cloned().unwrap_or_default());
        map.insert("anyOf".into(), Value::Array(branches));
    }
    if let Some(value) = map.remove("const") {
        map.entry("enum").or_insert_with(|| json!([value]));
    }
    match map.remove("type") {
        Some(Value::Array(types)) => {
            let named: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            if named.contains(&"null") {
                map.insert("nullable".into(), json!(true));
            }
            let concrete: Vec<&str> = named.into_iter().filter(|t| *t != "null").collect();
            match concrete.as_slice() {
                [] => {}
                [one] => {
                    map.insert("type".into(), json!(one));
                }
                many => {
                    let branches = many.iter().map(|t| json!({ "type": t })).collect();
                    map.entry("anyOf").or_insert(Value::Array(branches));
                }
            }
        }
        Some(Value::String(t)) if t == "null" => {
            map.insert("nullable".into(), json!(true));
        }
        Some(other) => {
            map.insert("type".into(), other);
        }
        None => {}
    }
    tuple_to_items(map);
    let is = |t: &str| map.get("type").and_then(Value::as_str) == Some(t);
    let integer = is("integer");
    let string = is("string");
    // Integers keep the meaning of an exclusive bound; for other numbers it is dropped.
    for (exclusive, inclusive, step) in [
        ("exclusiveMinimum", "minimum", 1),
        ("exclusiveMaximum", "maximum", -1),
    ] {
        if let Some(bound) = map.remove(exclusive).and_then(|b| b.as_i64())
            && integer
            && !map.contains_key(inclusive)
        {
            map.insert(inclusive.into(), json!(bound + step));
        }
    }
    for bound in ["minimum", "maximum"] {
        if map
            .get(bound)
            .and_then(Value::as_f64)
            .is_some_and(|b| b.abs() >= UNBOUNDED)
        {
            map.remove(bound);
        }
    }
    let format_ok = string
        && matches!(
            map.get("format").and_then(Value::as_str),
            Some("date-time" | "enum")
        );
    if !format_ok {
        map.remove("format");
    }
    strings_only_enum(map);
}

/// `prefixItems` (or draft-4 array `items`) describe tuples, which Gemini lacks: the
/// element schema becomes the one shared type, or `anyOf` the distinct ones.
fn tuple_to_items(map: &mut Map<String, Value>) {
    let mut elements = match map.remove("prefixItems") {
        Some(Value::Array(prefix)) => prefix,
        _ => Vec::new(),
    };
    match map.remove("items") {
        Some(Value::Array(tuple)) => elements.extend(tuple),
        Some(item @ Value::Object(_)) if !elements.is_empty() => elements.push(item),
        Some(item @ Value::Object(_)) => {
            map.insert("items".into(), item);
            return;
        }
        _ => {}
    }
    let mut distinct: Vec<Value> = Vec::new();
    for element in elements {
        if !distinct.contains(&element) {
            distinct.push(element);
        }
    }
    let items = match distinct.len() {
        0 => return,
        1 => distinct.remove(0),
        _ => json!({ "anyOf": distinct }),
    };
    map.insert("items".into(), items);
}

/// Gemini takes `enum` on strings only. Other enums move into the description, so the
/// model still learns the allowed values.
fn strings_only_enum(map: &mut Map<String, Value>) {
    let Some(Value::Array(values)) = map.get("enum").cloned() else {
        return;
    };
    let all_strings = values.iter().all(Value::is_string);
    let typed_string = matches!(
        map.get("type").and_then(Value::as_str),
        None | Some("string")
    );
    if all_strings && typed_string {
        if !map.contains_key("type") && !map.contains_key("anyOf") {
            map.insert("type".into(), json!("string"));
        }
        return;
    }
    let listed: Vec<String> = values.iter().map(Value::to_string).collect();
    let note = format!("Allowed values: {}.", listed.join(", "));
    let description = match map.get("description").and_then(Value::as_str) {
        Some(existing) if !existing.is_empty() => format!("{existing} {note}"),
        _ => note,
    };
    map.insert("description".into(), json!(description));
    if !map.contains_key("type") {
        let kinds: HashSet<&str> = values.iter().map(json_type).collect();
        if let [only] = kinds.into_iter().collect::<Vec<_>>().as_slice() {
            map.insert("type".into(), json!(only));
        }
    }
    map.remove("enum");
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Gemini requires `type` unless `anyOf` is present, and `items` on arrays.
fn infer_type(map: &mut Map<String, Value>) {
    if !map.contains_key("type") && !map.contains_key("anyOf") {
        if map.contains_key("properties") {
            map.insert("type".into(), json!("object"));
        } else if map.contains_key("items") {
            map.insert("type".into(), json!("array"));
        } else {
            let description = map.remove("description");
            let nullable = map.remove("nullable");
            *map = match any_value(description) {
                Value::Object(any) => any,
                _ => Map::new(),
            };
            if let Some(nullable) = nullable {
                map.insert("nullable".into(), nullable);
            }
        }
    }
    if map.get("type") == Some(&json!("array")) && !map.contains_key("items") {
        map.insert("items".into(), json!({ "type": "string" }));
    }
}

/// A schema for "any JSON value" (a property with no type, a recursive reference), spelt
/// with types Gemini knows. Arrays need an item type there; strings are the least
/// surprising choice.
fn any_value(description: Option<Value>) -> Value {
    let mut map = Map::new();
    if let Some(description) = description {
        map.insert("description".into(), description);
    }
    map.insert(
        "anyOf".into(),
        json!([
            { "type": "string" },
            { "type": "number" },
            { "type": "boolean" },
            { "type": "object" },
            { "type": "array", "items": { "type": "string" } }
        ]),
    );
    Value::Object(map)
}

#[cfg(test)]
mod tests;
