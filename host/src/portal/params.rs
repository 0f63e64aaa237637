//! A world method's parameters, from the query, a form body or a JSON
//! body: names in any case, the body after the query, the last value of a
//! name wins for a single value.
//!
//! Lists come as `USERS[]=1&USERS[]=2`, `USERS[0]=1` or a JSON array;
//! nested names as `PROPERTIES[NAME]=x` or a JSON object, both read as
//! `PROPERTIES[NAME]`.

use crate::body::percent_decode as decode;
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use imbot_like::wire::FrameworkError;
use serde_json::Value;

/// The most bracketed parts a nested name may have below its field
/// (`ATTACH[0][BLOCKS]` has two), as PHP's default
/// `max_input_nesting_level`: the tree of a field is built by recursion,
/// so its depth must be bounded.
pub(crate) const MAX_NESTING: usize = 64;

/// A field with a name nested deeper than [`MAX_NESTING`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooDeep;

/// The parameters: each upper-case name with its values in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Params {
    values: BTreeMap<String, Vec<String>>,
}

impl Params {
    /// Reads the query, then the body as a form or JSON.
    pub(crate) fn read(
        query: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Self, FrameworkError> {
        let mut params = Self::default();
        if let Some(query) = query {
            params.apply_form(query)?;
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(params);
        }
        if is_json(headers, body) {
            let value: Value =
                serde_json::from_slice(body).map_err(|_| FrameworkError::InvalidRequest)?;
            let Value::Object(map) = value else {
                return Err(FrameworkError::InvalidRequest);
            };
            for (name, value) in map {
                params.apply_json(&name.to_ascii_uppercase(), &value);
            }
        } else {
            let text = std::str::from_utf8(body).map_err(|_| FrameworkError::InvalidRequest)?;
            params.apply_form(text)?;
        }
        Ok(params)
    }

    /// Parameters from decoded name, value pairs, read as a form's.
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        let mut params = Self::default();
        for (name, value) in pairs {
            params.add_form_pair(name.to_ascii_uppercase(), (*value).to_owned());
        }
        params
    }

    /// The last value of `name` (upper case), if any.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.values.get(name)?.last().map(String::as_str)
    }

    /// Drops `name` (upper case) with its values.
    pub(crate) fn remove(&mut self, name: &str) {
        self.values.remove(name);
    }

    /// The values of the parameters whose names are a secret's (see
    /// [`crate::mask::secret_name`]) replaced by [`crate::mask::MASK`].
    pub(crate) fn mask_secrets(&mut self) {
        for (_, values) in self
            .values
            .iter_mut()
            .filter(|(name, _)| crate::mask::secret_name(name))
        {
            values.fill(crate::mask::MASK.to_owned());
        }
    }

    /// Every value of `name` (upper case).
    pub(crate) fn list(&self, name: &str) -> &[String] {
        self.values.get(name).map_or(&[], Vec::as_slice)
    }

    /// Whether every pair of `expected` is present: a name with that last
    /// value (names in any case).
    pub(crate) fn matches(&self, expected: &HashMap<String, String>) -> bool {
        expected
            .iter()
            .all(|(name, value)| self.text(&name.to_ascii_uppercase()) == Some(value.as_str()))
    }

    /// The structured value of `name` (upper case), as JSON: from nested
    /// form names (`KEYBOARD[0][TEXT]=…`, or a JSON body's objects and
    /// arrays, read the same way) or from one value holding JSON text
    /// (`KEYBOARD=[{"TEXT":…}]`). An object whose keys are all indexes is
    /// an array, in index order. `Ok(None)`: the name is absent;
    /// [`TooDeep`]: a nested name has more than [`MAX_NESTING`] parts.
    pub(crate) fn tree(&self, name: &str) -> Result<Option<Value>, TooDeep> {
        let prefix = format!("{name}[");
        let mut root = Value::Null;
        let mut found = false;
        for (key, values) in self.values.range(prefix.clone()..) {
            let Some(path) = key.strip_prefix(&prefix) else {
                break;
            };
            let Some(last) = values.last() else { continue };
            found = true;
            let segments: Vec<&str> = path.trim_end_matches(']').split("][").collect();
            if segments.len() > MAX_NESTING {
                return Err(TooDeep);
            }
            insert(&mut root, &segments, Value::String(last.clone()));
        }
        if found {
            return Ok(Some(arrays(root)));
        }
        let Some(text) = self.text(name) else {
            return Ok(None);
        };
        // The JSON parser stops at 128 levels, so the walks over its value
        // are bounded too.
        let parsed = serde_json::from_str::<Value>(text).map(scalars_as_text);
        Ok(Some(parsed.unwrap_or_else(|_| Value::String(text.into()))))
    }

    fn push(&mut self, name: String, value: String) {
        self.values.entry(name).or_default().push(value);
    }

    /// A single value replaces earlier ones, a list entry adds to them.
    fn set(&mut self, name: String, value: String) {
        self.values.insert(name, vec![value]);
    }

    fn apply_form(&mut self, raw: &str) -> Result<(), FrameworkError> {
        for pair in raw.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            self.add_form_pair(decode(name)?.to_ascii_uppercase(), decode(value)?);
        }
        Ok(())
    }

    /// A form's `name=value`: a list entry adds, a single value replaces.
    fn add_form_pair(&mut self, name: String, value: String) {
        match list_name(&name) {
            Some(base) => self.push(base.to_owned(), value),
            None => self.set(name, value),
        }
    }

    fn apply_json(&mut self, name: &str, value: &Value) {
        match value {
            Value::Array(items) => {
                self.values.remove(name);
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::Array(_) | Value::Object(_) => {
                            self.apply_json(&format!("{name}[{i}]"), item);
                        }
                        _ => {
                            if let Some(text) = scalar(item) {
                                self.push(name.to_owned(), text);
                            }
                        }
                    }
                }
            }
            Value::Object(map) => {
                for (key, inner) in map {
                    let key = format!("{name}[{}]", key.to_ascii_uppercase());
                    self.apply_json(&key, inner);
                }
            }
            other => {
                if let Some(text) = scalar(other) {
                    self.set(name.to_owned(), text);
                }
            }
        }
    }
}

/// Puts `value` at `path` in `node`, making objects on the way.
fn insert(node: &mut Value, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *node = value;
        return;
    };
    if !node.is_object() {
        *node = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(map) = node {
        let child = map.entry((*first).to_owned()).or_insert(Value::Null);
        insert(child, rest, value);
    }
}

/// `node` with its numbers and booleans as text, as a JSON body's are
/// read (`true` is `Y`); `null` stays.
fn scalars_as_text(node: Value) -> Value {
    match node {
        Value::Array(items) => Value::Array(items.into_iter().map(scalars_as_text).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.to_ascii_uppercase(), scalars_as_text(v)))
                .collect(),
        ),
        Value::Null => Value::Null,
        other => scalar(&other).map_or(Value::Null, Value::String),
    }
}

/// `node` with every object whose keys are all indexes turned into an
/// array in index order.
fn arrays(node: Value) -> Value {
    match node {
        Value::Object(map) => {
            let indexed = !map.is_empty()
                && map
                    .keys()
                    .all(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()));
            if indexed {
                let mut items: Vec<(u64, Value)> = map
                    .into_iter()
                    .map(|(k, v)| (k.parse().unwrap_or(u64::MAX), arrays(v)))
                    .collect();
                items.sort_by_key(|(i, _)| *i);
                Value::Array(items.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(map.into_iter().map(|(k, v)| (k, arrays(v))).collect())
            }
        }
        other => other,
    }
}

/// A JSON scalar as text (`null` is no value).
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "Y" } else { "N" }.to_owned()),
        _ => None,
    }
}

/// `USERS[]` or `USERS[3]` is an entry of the list `USERS`.
fn list_name(name: &str) -> Option<&str> {
    let (base, rest) = name.split_once('[')?;
    let index = rest.strip_suffix(']')?;
    index.bytes().all(|b| b.is_ascii_digit()).then_some(base)
}

/// Whether the body is JSON: by its content type, or with none, by a
/// leading `{`.
fn is_json(headers: &HeaderMap, body: &[u8]) -> bool {
    match headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        Some(value) => value
            .split(';')
            .next()
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json")),
        None => body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'),
    }
}

/// Whether a parameter's value (already trimmed) is an http(s) URL, as
/// the handler parameters must be.
pub(crate) fn is_http_url(text: &str) -> bool {
    text.starts_with("http://") || text.starts_with("https://")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::http::HeaderMap;

    use super::{MAX_NESTING, Params, TooDeep};

    #[test]
    fn form_lists_nested_names_and_json_read_alike() {
        let form = "users[]=3&USERS[]=4&PROPERTIES%5BNAME%5D=Echo+bot&message=a&MESSAGE=b";
        let json = br#"{"users":[3,4],"PROPERTIES":{"name":"Echo bot"},"MESSAGE":"b"}"#;
        let from_form = Params::read(None, &HeaderMap::new(), form.as_bytes()).unwrap();
        let from_json = Params::read(None, &HeaderMap::new(), json).unwrap();
        for params in [&from_form, &from_json] {
            assert_eq!(params.list("USERS"), ["3", "4"]);
            assert_eq!(params.text("PROPERTIES[NAME]"), Some("Echo bot"));
            assert_eq!(params.text("MESSAGE"), Some("b"));
        }
    }

    #[test]
    fn nested_form_names_json_and_json_text_give_the_same_tree() {
        let form = "KEYBOARD[0][TEXT]=Yes&KEYBOARD[0][COMMAND]=vote&KEYBOARD[1][TYPE]=NEWLINE\
                    &KEYBOARD[10][TEXT]=Late&KEYBOARD[10][LINK]=https://x";
        let json = br#"{"KEYBOARD":[{"TEXT":"Yes","COMMAND":"vote"},{"TYPE":"NEWLINE"},
                       {"TEXT":"Late","LINK":"https://x"}]}"#;
        let text = r#"KEYBOARD=[{"text":"Yes","COMMAND":"vote"},{"TYPE":"NEWLINE"},{"TEXT":"Late","LINK":"https://x"}]"#;
        let expected = serde_json::json!([
            {"TEXT": "Yes", "COMMAND": "vote"},
            {"TYPE": "NEWLINE"},
            {"TEXT": "Late", "LINK": "https://x"}
        ]);
        let from_form = Params::read(None, &HeaderMap::new(), form.as_bytes()).unwrap();
        let from_json = Params::read(None, &HeaderMap::new(), json).unwrap();
        let mut from_text = Params::default();
        from_text.apply_form(&text.replace('&', "%26")).unwrap();
        for params in [&from_form, &from_json, &from_text] {
            assert_eq!(params.tree("KEYBOARD"), Ok(Some(expected.clone())));
        }
        assert_eq!(from_form.tree("MENU"), Ok(None));
        let mut numbers = Params::default();
        numbers
            .apply_form(r#"KEYBOARD=[{"COMMAND_PARAMS":2,"BLOCK":true}]"#)
            .unwrap();
        let expected = serde_json::json!([{"COMMAND_PARAMS": "2", "BLOCK": "Y"}]);
        assert_eq!(numbers.tree("KEYBOARD"), Ok(Some(expected)));
    }

    #[test]
    fn a_name_nested_deeper_than_the_limit_makes_its_field_too_deep() {
        let name = |levels: usize| format!("ATTACH{}=1", "[A]".repeat(levels));
        let at_limit = Params::read(None, &HeaderMap::new(), name(MAX_NESTING).as_bytes()).unwrap();
        assert!(matches!(at_limit.tree("ATTACH"), Ok(Some(_))));
        let body = format!("{}&MESSAGE=x", name(20_000));
        let deep = Params::read(None, &HeaderMap::new(), body.as_bytes()).unwrap();
        assert_eq!(deep.tree("ATTACH"), Err(TooDeep));
        assert_eq!(deep.text("MESSAGE"), Some("x"));
    }

    #[test]
    fn malformed_percent_escapes_are_invalid_requests() {
        assert!(Params::read(Some("MESSAGE=%zz"), &HeaderMap::new(), b"").is_err());
    }
}
