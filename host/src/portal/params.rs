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
                for item in items {
                    if let Some(text) = scalar(item) {
                        self.push(name.to_owned(), text);
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::http::HeaderMap;

    use super::Params;

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
    fn malformed_percent_escapes_are_invalid_requests() {
        assert!(Params::read(Some("MESSAGE=%zz"), &HeaderMap::new(), b"").is_err());
    }
}
