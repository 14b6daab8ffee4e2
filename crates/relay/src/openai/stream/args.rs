//! Tool-call arguments → the `input` object of a tool_use block. Claude Code rejects input
//! that is not a JSON object ("could not be parsed as JSON", pitfall 17), so whatever the
//! upstream sent is turned into one object, repaired where the damage is recognisable.

use serde_json::{Map, Value};

/// What had to be done to the argument text, so the gateway can log repairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgsFix {
    /// Valid as sent (or empty: a call without parameters).
    None,
    /// A JSON string holding the object (double-encoded by the upstream).
    Unwrapped,
    /// Several objects back to back: the same one repeated, or one real object next to
    /// empty `{}`s (duplicated or prefixed fragments).
    Deduplicated,
    /// Not recoverable: replaced by `{}`.
    Replaced,
}

/// Parses the buffered argument text of one call into an object.
pub(crate) fn parse_arguments(raw: &str) -> (Value, ArgsFix) {
    let text = raw.trim();
    if text.is_empty() {
        return (empty(), ArgsFix::None);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => (Value::Object(map), ArgsFix::None),
        Ok(Value::Null) => (empty(), ArgsFix::None),
        Ok(Value::String(inner)) => match serde_json::from_str::<Value>(&inner) {
            Ok(Value::Object(map)) => (Value::Object(map), ArgsFix::Unwrapped),
            _ => (empty(), ArgsFix::Replaced),
        },
        Ok(_) => (empty(), ArgsFix::Replaced),
        Err(_) => concatenated(text),
    }
}

/// Whether the buffered text is already a complete JSON value, i.e. the call is finished even
/// if the upstream has not said so yet.
pub(crate) fn is_complete(raw: &str) -> bool {
    let text = raw.trim();
    !text.is_empty() && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// `{…}{…}`: keep the object if all are equal, or the single non-empty one; else `{}`.
fn concatenated(text: &str) -> (Value, ArgsFix) {
    let mut objects = Vec::new();
    for value in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        match value {
            Ok(Value::Object(map)) => objects.push(map),
            _ => return (empty(), ArgsFix::Replaced),
        }
    }
    if objects.len() < 2 {
        return (empty(), ArgsFix::Replaced);
    }
    if objects.iter().all(|o| *o == objects[0]) {
        return (Value::Object(objects.swap_remove(0)), ArgsFix::Deduplicated);
    }
    let mut non_empty: Vec<Map<String, Value>> =
        objects.into_iter().filter(|o| !o.is_empty()).collect();
    if non_empty.len() == 1 {
        return (
            Value::Object(non_empty.swap_remove(0)),
            ArgsFix::Deduplicated,
        );
    }
    (empty(), ArgsFix::Replaced)
}

fn empty() -> Value {
    Value::Object(Map::new())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn valid_empty_and_null_arguments() {
        assert_eq!(
            parse_arguments(r#" {"a": 1} "#),
            (json!({"a": 1}), ArgsFix::None)
        );
        assert_eq!(parse_arguments(""), (json!({}), ArgsFix::None));
        assert_eq!(parse_arguments("null"), (json!({}), ArgsFix::None));
    }

    #[test]
    fn repairs_recognisable_damage() {
        assert_eq!(
            parse_arguments(r#"{"a":1}{"a":1}"#),
            (json!({"a": 1}), ArgsFix::Deduplicated)
        );
        assert_eq!(
            parse_arguments(r#"{}{"a":1}"#),
            (json!({"a": 1}), ArgsFix::Deduplicated)
        );
        assert_eq!(
            parse_arguments(r#""{\"a\":1}""#),
            (json!({"a": 1}), ArgsFix::Unwrapped)
        );
    }

    #[test]
    fn unrecoverable_becomes_empty_object() {
        assert_eq!(parse_arguments(r#"{"a":1"#), (json!({}), ArgsFix::Replaced));
        assert_eq!(
            parse_arguments(r#"{"a":1}{"b":2}"#),
            (json!({}), ArgsFix::Replaced)
        );
        assert_eq!(parse_arguments("[1,2]"), (json!({}), ArgsFix::Replaced));
        assert_eq!(
            parse_arguments(r#"{"a":1} trailing"#),
            (json!({}), ArgsFix::Replaced)
        );
    }

    #[test]
    fn completeness() {
        assert!(is_complete(r#"{"a":1}"#));
        assert!(!is_complete(r#"{"a":"#));
        assert!(!is_complete("  "));
    }
}
