//! Decoding a call: the query, then the body as a form or a JSON object,
//! read once into one [`Input`] that every reader of the call takes its
//! parameters from (authentication and the methods' own parameter sets,
//! the retry key, scenarios, the world's methods, the event fetch and
//! `batch` with each of its commands).
//!
//! One set of rules, the crate's wire layer's, which follow what portals
//! do:
//!
//! - **Content type.** `application/json` (parameters allowed) is a JSON
//!   object, `application/x-www-form-urlencoded` a form; with no content
//!   type, a body that starts with `{` is JSON and any other a form; any
//!   other content type is `INVALID_REQUEST`. A blank body carries no
//!   parameters.
//! - **Forms and queries.** `+` is a space, `%XY` with two hex digits is
//!   that byte and any other `%` is kept as it is (as PHP's `urldecode`);
//!   bytes that are not UTF-8 are read as U+FFFD. Empty segments are
//!   skipped; a segment without `=` is a name with an empty value.
//! - **Names** in any case; the query comes first, then the body, so for a
//!   single value the body's wins, and within each the last.
//! - **JSON values** are kept as sent (numbers, booleans, `null`, lists
//!   and objects in the order sent): the methods' own parameter sets read
//!   them by the crate's JSON rules (a number is an id, a boolean is no
//!   id), and a reader that wants text gets a number's digits, `Y` or `N`
//!   for a boolean and nothing for `null` ([`Node::text`]).

use std::fmt;
use std::marker::PhantomData;

use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use imbot_like::wire::FrameworkError;
use serde::de::value::{Error as ValueError, MapDeserializer, SeqDeserializer};
use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;
use serde_json::value::RawValue;

/// A call's parameters, each with its name as sent, in the order sent:
/// the query's, then the body's.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Input {
    entries: Vec<(String, Node)>,
}

/// One parameter's value: text from a form or a query, or a JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A form's or query's value, or a JSON string.
    Text(String),
    /// A JSON number (of any magnitude: `1e400` is an infinite float).
    Number(Scalar),
    /// A JSON boolean.
    Bool(bool),
    /// JSON `null`.
    Null,
    /// A JSON array.
    List(Vec<Node>),
    /// A JSON object, its members in the order sent.
    Map(Vec<(String, Node)>),
}

impl Input {
    /// Decodes a call: `query` (without the `?`), then `body` by its
    /// content type.
    ///
    /// # Errors
    /// `INVALID_REQUEST` for a content type that is neither JSON nor a
    /// form, a JSON body that is malformed or not an object, or a form
    /// body that is not UTF-8.
    pub(crate) fn read(
        query: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Self, FrameworkError> {
        let mut input = Self::default();
        if let Some(query) = query {
            input.add_form(query);
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(input);
        }
        let json = is_json(headers, body)?;
        let text = std::str::from_utf8(body).map_err(|_| FrameworkError::InvalidRequest)?;
        if json {
            match Node::parse(text) {
                Ok(Node::Map(members)) if input.entries.is_empty() => input.entries = members,
                Ok(Node::Map(members)) => input.entries.extend(members),
                _ => return Err(FrameworkError::InvalidRequest),
            }
        } else {
            input.add_form(text);
        }
        Ok(input)
    }

    /// The parameters of a query or form string alone (a `batch`
    /// command's).
    pub(crate) fn from_query(query: &str) -> Self {
        let mut input = Self::default();
        input.add_form(query);
        input
    }

    /// Adds a parameter after the others, so that it wins over an earlier
    /// one of its name.
    pub(crate) fn push_text(&mut self, name: &str, value: &str) {
        self.entries
            .push((name.to_owned(), Node::Text(value.to_owned())));
    }

    /// Every parameter in the order sent.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.entries
            .iter()
            .map(|(name, node)| (name.as_str(), node))
    }

    /// The last value sent under `name` (in any case), if any.
    pub(crate) fn get(&self, name: &str) -> Option<&Node> {
        self.entries
            .iter()
            .rev()
            .find(|(sent, _)| sent.eq_ignore_ascii_case(name))
            .map(|(_, node)| node)
    }

    /// The last value sent under `name` as text (see [`Node::text`]).
    pub(crate) fn text(&self, name: &str) -> Option<String> {
        self.get(name).and_then(Node::text)
    }

    /// A method's own parameter set (the crate's), read from every
    /// parameter in order by the crate's rules: text as
    /// [`imbot_like::wire::Params::set`] reads it, JSON values as
    /// [`imbot_like::wire::Params::apply`] does.
    pub(crate) fn typed<P: imbot_like::wire::Params>(&self) -> P {
        let mut params = P::default();
        for (name, node) in &self.entries {
            match node {
                Node::Text(text) => params.set(name, text),
                _ => {
                    let member = std::iter::once((name.as_str(), node));
                    // A map of one member cannot fail to read.
                    let _ = params.apply(MapDeserializer::<_, ValueError>::new(member));
                }
            }
        }
        params
    }

    fn add_form(&mut self, raw: &str) {
        for segment in raw.split('&').filter(|s| !s.is_empty()) {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            self.entries.push((decode(name), Node::Text(decode(value))));
        }
    }
}

impl Node {
    /// Parses a JSON text in one pass; a text with a number too large for
    /// a float, which that pass refuses, is read again with its numbers
    /// taken from their text, as the crate reads them.
    fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text).or_else(|_| {
            let raw: &RawValue = serde_json::from_str(text)?;
            Self::from_raw(raw)
        })
    }

    /// The node of a checked JSON value, its numbers read from their text.
    fn from_raw(raw: &RawValue) -> Result<Self, serde_json::Error> {
        let text = raw.get();
        Ok(match text.as_bytes().first() {
            Some(b'{') => {
                let Members(members) = serde_json::from_str(text)?;
                let nodes = members
                    .into_iter()
                    .map(|(name, value)| Ok((name, Self::from_raw(value)?)));
                Self::Map(nodes.collect::<Result<_, serde_json::Error>>()?)
            }
            Some(b'[') => {
                let items: Vec<&RawValue> = serde_json::from_str(text)?;
                let nodes = items.into_iter().map(Self::from_raw);
                Self::List(nodes.collect::<Result<_, _>>()?)
            }
            Some(b'"') => Self::Text(serde_json::from_str(text)?),
            Some(b't') => Self::Bool(true),
            Some(b'f') => Self::Bool(false),
            Some(b'n') => Self::Null,
            _ => Self::Number(Scalar::of(text)),
        })
    }

    /// The value as text: a number's digits (an integer as such, any other
    /// as the shortest float that reads back the same, `1.50` as `1.5`),
    /// `Y` or `N` for a boolean; `null`, lists and objects have none.
    pub(crate) fn text(&self) -> Option<String> {
        match self {
            Self::Text(text) => Some(text.clone()),
            Self::Number(number) => Some(match *number {
                Scalar::Unsigned(n) => n.to_string(),
                Scalar::Signed(n) => n.to_string(),
                // Past the float range PHP's text of the number.
                Scalar::Float(f) if f.is_infinite() => {
                    if f > 0.0 { "INF" } else { "-INF" }.to_owned()
                }
                Scalar::Float(f) => Number::from_f64(f).map_or_else(String::new, |n| n.to_string()),
            }),
            Self::Bool(flag) => Some(if *flag { "Y" } else { "N" }.to_owned()),
            Self::Null | Self::List(_) | Self::Map(_) => None,
        }
    }
}

/// Percent- and `+`-decodes a form component: `%` not followed by two hex
/// digits is kept, bytes that are not UTF-8 are read as U+FFFD.
pub(crate) fn decode(raw: &str) -> String {
    if !raw.bytes().any(|b| b == b'%' || b == b'+') {
        return raw.to_owned();
    }
    let out = percent_decode(raw, true);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The bytes of `raw` with each `%XY` (two hex digits) decoded, and with
/// `plus_is_space` (a form's rule, not a path's) each `+` a space; any
/// other `%` is kept.
pub(crate) fn percent_decode(raw: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let escaped = match (byte, bytes.get(i + 1..i + 3)) {
            (b'%', Some(&[hi, lo])) => hex(hi).zip(hex(lo)).map(|(hi, lo)| (hi << 4) | lo),
            _ => None,
        };
        match (byte, escaped) {
            (_, Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            (b'+', None) if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            (other, None) => {
                out.push(other);
                i += 1;
            }
        }
    }
    out
}

/// The value of one hex digit.
fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Whether the body is JSON (`true`) or a form (`false`), by its content
/// type, or with none by a leading `{`.
fn is_json(headers: &HeaderMap, body: &[u8]) -> Result<bool, FrameworkError> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'));
    };
    let value = value.to_str().map_err(|_| FrameworkError::InvalidRequest)?;
    let essence = value.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(true)
    } else if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        Ok(false)
    } else {
        Err(FrameworkError::InvalidRequest)
    }
}

/// A JSON number's value: an integer when it is one, else a float
/// (infinite past the float range, as the crate reads it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scalar {
    /// A non-negative integer.
    Unsigned(u64),
    /// A negative integer.
    Signed(i64),
    /// Any other number.
    Float(f64),
}

impl Scalar {
    /// The value of a JSON number's text.
    fn of(text: &str) -> Self {
        if let Ok(n) = text.parse() {
            Self::Unsigned(n)
        } else if let Ok(n) = text.parse() {
            Self::Signed(n)
        } else {
            Self::Float(text.parse().unwrap_or(f64::NAN))
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

/// Reads any JSON value into a [`Node`], keeping the order of objects.
struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Node, E> {
        Ok(Node::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Node, E> {
        Ok(Node::Number(Scalar::Signed(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Node, E> {
        Ok(Node::Number(Scalar::Unsigned(value)))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Node, E> {
        Ok(Node::Number(Scalar::Float(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Node, E> {
        Ok(Node::Text(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Node, E> {
        Ok(Node::Text(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry()? {
            members.push(member);
        }
        Ok(Node::Map(members))
    }
}

/// A JSON object's members in the order sent, their values unparsed.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MembersVisitor(PhantomData))
    }
}

/// Collects an object's members in order.
struct MembersVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for MembersVisitor<'a> {
    type Value = Members<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'a>, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry()? {
            members.push(member);
        }
        Ok(Members(members))
    }
}

/// A [`Node`] handed to a serde visitor as the JSON value it was read
/// from.
pub(crate) struct NodeDeserializer<'a, E> {
    node: &'a Node,
    error: PhantomData<E>,
}

impl<'a, E: de::Error> IntoDeserializer<'a, E> for &'a Node {
    type Deserializer = NodeDeserializer<'a, E>;

    fn into_deserializer(self) -> Self::Deserializer {
        NodeDeserializer {
            node: self,
            error: PhantomData,
        }
    }
}

impl<'de, E: de::Error> Deserializer<'de> for NodeDeserializer<'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.node {
            Node::Text(text) => visitor.visit_borrowed_str(text),
            Node::Number(number) => match *number {
                Scalar::Unsigned(n) => visitor.visit_u64(n),
                Scalar::Signed(n) => visitor.visit_i64(n),
                Scalar::Float(f) => visitor.visit_f64(f),
            },
            Node::Bool(flag) => visitor.visit_bool(*flag),
            Node::Null => visitor.visit_unit(),
            Node::List(items) => visitor.visit_seq(SeqDeserializer::new(items.iter())),
            Node::Map(members) => visitor.visit_map(MapDeserializer::new(
                members.iter().map(|(name, node)| (name.as_str(), node)),
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::http::{HeaderMap, HeaderValue};
    use imbot_like::wire::LikeParams;

    use super::{Input, Node, decode};

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers
    }

    #[test]
    fn form_decoding_keeps_a_percent_without_two_hex_digits() {
        assert_eq!(decode("a%20b+c"), "a b c");
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode("%41%4a"), "AJ");
        assert_eq!(decode("%FF"), "\u{fffd}");
    }

    #[test]
    fn typed_sets_read_a_form_as_the_crate_reads_it() {
        for raw in [
            "BOT_ID=39&MESSAGE_ID=1&ACTION=plus&auth=t",
            "bot_id=%33%39&message_id=+1&action=PLUS",
            "MESSAGE_ID=1&MESSAGE_ID=x&MESSAGE_ID=2&ACTION=%zz",
            "MESSAGE_ID=%FF&BOT_ID=0&&ACTION",
        ] {
            let ours: LikeParams = Input::from_query(raw).typed();
            let mut scratch = vec![0; raw.len()];
            let crate_read = LikeParams::from_form(raw, &mut scratch).unwrap();
            assert_eq!(format!("{ours:?}"), format!("{crate_read:?}"), "{raw}");
        }
    }

    #[test]
    fn typed_sets_read_json_as_the_crate_reads_it() {
        for body in [
            br#"{"BOT_ID": 39, "MESSAGE_ID": "1", "ACTION": "plus", "auth": "t"}"#.as_slice(),
            br#"{"MESSAGE_ID": 1.0, "BOT_ID": -3, "ACTION": true}"#,
            br#"{"MESSAGE_ID": [1], "BOT_ID": {"a": 1}, "auth": null}"#,
            br#"{"message_id": 1, "MESSAGE_ID": 2, "bot_id": 1e3}"#,
            br#"{"MESSAGE_ID": 99999999999999999999, "BOT_ID": 1.5}"#,
            br#"{"MESSAGE_ID": 1e400, "BOT_ID": -1E400, "ACTION": "minus"}"#,
            br#"{"MESSAGE_ID": -0, "BOT_ID": 0.0, "auth": "\u0074"}"#,
        ] {
            let ours: LikeParams = Input::read(None, &json_headers(), body).unwrap().typed();
            let mut scratch = vec![0; body.len()];
            let crate_read = LikeParams::from_json(body, &mut scratch).unwrap();
            let text = String::from_utf8_lossy(body);
            assert_eq!(format!("{ours:?}"), format!("{crate_read:?}"), "{text}");
        }
    }

    #[test]
    fn the_query_comes_first_and_the_body_wins() {
        let input = Input::read(Some("A=1&b=2"), &HeaderMap::new(), b"a=3").unwrap();
        assert_eq!(input.text("A").as_deref(), Some("3"));
        assert_eq!(input.text("B").as_deref(), Some("2"));
        assert_eq!(input.text("c"), None);
    }

    #[test]
    fn json_values_keep_their_kind_and_order() {
        let body = br#"{"b": {"z": 1, "a": [true, null]}, "N": 1.50, "F": false}"#;
        let input = Input::read(None, &HeaderMap::new(), body).unwrap();
        let names: Vec<&str> = input.entries().map(|(name, _)| name).collect();
        assert_eq!(names, ["b", "N", "F"]);
        let Some(Node::Map(members)) = input.get("B") else {
            panic!("an object stays an object");
        };
        assert_eq!(members[0].0, "z");
        assert_eq!(input.text("n").as_deref(), Some("1.5"));
        let big = Input::read(None, &HeaderMap::new(), br#"{"N": 1e400, "M": 1E3}"#).unwrap();
        assert_eq!(big.text("N").as_deref(), Some("INF"));
        assert_eq!(big.text("M").as_deref(), Some("1000.0"));
        assert_eq!(input.text("F").as_deref(), Some("N"));
    }

    #[test]
    fn one_content_type_rule() {
        let mut headers = HeaderMap::new();
        let read = |headers: &HeaderMap, body: &[u8]| Input::read(None, headers, body);
        assert!(read(&headers, br#"{"a": 1}"#).unwrap().get("a").is_some());
        assert!(read(&headers, b"a=1").unwrap().get("a").is_some());
        headers.insert(
            "content-type",
            HeaderValue::from_static("Application/JSON; charset=utf-8"),
        );
        assert!(read(&headers, br#"{"a": 1}"#).is_ok());
        assert!(read(&headers, b"[1]").is_err());
        assert!(read(&headers, b"{").is_err());
        headers.insert("content-type", HeaderValue::from_static("text/plain"));
        assert!(read(&headers, b"a=1").is_err());
        assert!(read(&headers, b"  ").unwrap().get("a").is_none());
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        assert!(read(&headers, b"\xff=1").is_err());
    }
}
