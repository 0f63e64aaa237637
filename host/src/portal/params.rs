//! A world method's parameters, from the query, a form body or a JSON
//! body: names in any case, the body after the query, the last value of a
//! name wins for a single value.
//!
//! Lists come as `USERS[]=1&USERS[]=2`, `USERS[0]=1` or a JSON array;
//! nested names as `PROPERTIES[NAME]=x` or a JSON object, both read as
//! `PROPERTIES[NAME]`.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use serde_json::Value;

use crate::input::{Input, Node};

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
    /// The world method's view of a call's parameters: names upper-cased,
    /// lists and nested names gathered (see the module's docs), JSON
    /// values as [`Node::text`] gives them.
    pub(crate) fn from_input(input: &Input) -> Self {
        let mut params = Self::default();
        for (name, node) in input.entries() {
            let name = name.to_ascii_uppercase();
            match node {
                Node::Text(text) => params.add_form_pair(name, text.clone()),
                node => params.apply_json(&name, node),
            }
        }
        params
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

    /// A form's `name=value`: a list entry adds, a single value replaces.
    fn add_form_pair(&mut self, name: String, value: String) {
        match list_name(&name) {
            Some(base) => self.push(base.to_owned(), value),
            None => self.set(name, value),
        }
    }

    /// A JSON value under `name`: an array's scalars make a list, its
    /// arrays and objects and an object's members nested names.
    fn apply_json(&mut self, name: &str, node: &Node) {
        match node {
            Node::List(items) => {
                self.values.remove(name);
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Node::List(_) | Node::Map(_) => {
                            self.apply_json(&format!("{name}[{i}]"), item);
                        }
                        _ => {
                            if let Some(text) = item.text() {
                                self.push(name.to_owned(), text);
                            }
                        }
                    }
                }
            }
            Node::Map(members) => {
                for (key, inner) in members {
                    let key = format!("{name}[{}]", key.to_ascii_uppercase());
                    self.apply_json(&key, inner);
                }
            }
            other => {
                if let Some(text) = other.text() {
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
    use crate::input::Input;

    /// The parameters of a call with this body and no content type.
    fn read(body: &[u8]) -> Params {
        Params::from_input(&Input::read(None, &HeaderMap::new(), body).unwrap())
    }

    #[test]
    fn form_lists_nested_names_and_json_read_alike() {
        let form = "users[]=3&USERS[]=4&PROPERTIES%5BNAME%5D=Echo+bot&message=a&MESSAGE=b";
        let json = br#"{"users":[3,4],"PROPERTIES":{"name":"Echo bot"},"MESSAGE":"b"}"#;
        let from_form = read(form.as_bytes());
        let from_json = read(json);
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
        let from_form = read(form.as_bytes());
        let from_json = read(json);
        let from_text = read(text.replace('&', "%26").as_bytes());
        for params in [&from_form, &from_json, &from_text] {
            assert_eq!(params.tree("KEYBOARD"), Ok(Some(expected.clone())));
        }
        assert_eq!(from_form.tree("MENU"), Ok(None));
        let numbers = read(br#"KEYBOARD=[{"COMMAND_PARAMS":2,"BLOCK":true}]"#);
        let expected = serde_json::json!([{"COMMAND_PARAMS": "2", "BLOCK": "Y"}]);
        assert_eq!(numbers.tree("KEYBOARD"), Ok(Some(expected)));
    }

    #[test]
    fn a_name_nested_deeper_than_the_limit_makes_its_field_too_deep() {
        let name = |levels: usize| format!("ATTACH{}=1", "[A]".repeat(levels));
        let at_limit = read(name(MAX_NESTING).as_bytes());
        assert!(matches!(at_limit.tree("ATTACH"), Ok(Some(_))));
        let body = format!("{}&MESSAGE=x", name(20_000));
        let deep = read(body.as_bytes());
        assert_eq!(deep.tree("ATTACH"), Err(TooDeep));
        assert_eq!(deep.text("MESSAGE"), Some("x"));
    }

    #[test]
    fn a_percent_without_two_hex_digits_is_kept_as_portals_keep_it() {
        assert_eq!(read(b"MESSAGE=%zz+100%").text("MESSAGE"), Some("%zz 100%"));
    }

    #[test]
    fn json_booleans_and_numbers_read_as_text_alike_everywhere() {
        let params = read(br#"{"SYSTEM": true, "URL_PREVIEW": false, "ID": 7, "X": null}"#);
        assert_eq!(params.text("SYSTEM"), Some("Y"));
        assert_eq!(params.text("URL_PREVIEW"), Some("N"));
        assert_eq!(params.text("ID"), Some("7"));
        assert_eq!(params.text("X"), None);
    }
}
