//! A request's idempotency key, from what the client sent, in this order:
//! the `Idempotency-Key` header; the `bx24_request_id` parameter (which
//! the JavaScript SDK adds to every call and keeps across its own
//! retries); the `X-Request-ID` header. An empty value counts as not
//! sent. The text is mapped with [`imbot_like::IdempotencyKey::from_text`]
//! and kept in the caller's own retry window (its application's or
//! webhook's; see `state::retries`), so two callers that pick the same
//! text name two requests, and no caller's keys push out another's.
//!
//! A like or reaction call with a key runs as a keyed command, so a second
//! delivery of it gets the first answer instead of acting again, and a
//! durable host logs the key with the command.

use crate::input::Input;
use axum::http::{HeaderMap, HeaderName};

/// The header a client names a request with.
pub(crate) static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The parameter the JavaScript SDK adds to every call.
pub(crate) const BX24_REQUEST_ID: &str = "BX24_REQUEST_ID";
/// The request id header, used when nothing better was sent (and echoed
/// back on a call's answer).
pub(crate) static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The text the key of a request is made from, if it has one.
pub(crate) fn key_text(headers: &HeaderMap, input: &Input) -> Option<String> {
    header(headers, &IDEMPOTENCY_KEY)
        .or_else(|| parameter(input))
        .or_else(|| header(headers, &REQUEST_ID))
}

/// A header's value, if it is sent, text and not empty.
fn header(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// `bx24_request_id` from the query or the body, if sent and not empty.
pub(crate) fn parameter(input: &Input) -> Option<String> {
    let value = input.text(BX24_REQUEST_ID)?;
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use crate::input::Input;

    /// The key of a call with this query, headers and body.
    fn key(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Option<String> {
        let input = Input::read(query, headers, body).ok()?;
        super::key_text(headers, &input)
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn idempotency_key_header_comes_first() {
        let h = headers(&[("idempotency-key", "a"), ("x-request-id", "c")]);
        assert_eq!(
            key(Some("bx24_request_id=b"), &h, b""),
            Some("a".to_owned())
        );
    }

    #[test]
    fn bx24_request_id_comes_before_the_request_id() {
        let h = headers(&[("x-request-id", "c")]);
        assert_eq!(
            key(Some("bx24_request_id=b"), &h, b""),
            Some("b".to_owned())
        );
        assert_eq!(
            key(None, &HeaderMap::new(), b"bx24_request_id=b"),
            Some("b".to_owned())
        );
        assert_eq!(key(None, &h, b""), Some("c".to_owned()));
    }

    #[test]
    fn bx24_request_id_is_found_however_it_is_spelled() {
        let none = HeaderMap::new();
        assert_eq!(
            key(Some("BX24_Request_ID=k"), &none, b""),
            Some("k".to_owned())
        );
        assert_eq!(
            key(Some("bx24%5Frequest_id=k"), &none, b""),
            Some("k".to_owned())
        );
        let json = br#"{"bx24_request\u005fid": "j"}"#;
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        assert_eq!(key(None, &headers, json), Some("j".to_owned()));
        let number = br#"{"BX24_REQUEST_ID": 17}"#;
        assert_eq!(key(None, &headers, number), Some("17".to_owned()));
        assert_eq!(
            key(Some("MESSAGE_ID=1&ACTION=plus"), &none, b"auth=t"),
            None
        );
    }

    #[test]
    fn no_key_without_any_or_with_empty_values() {
        let h = headers(&[("idempotency-key", " ")]);
        assert_eq!(key(Some("bx24_request_id="), &h, b""), None);
        assert_eq!(key(None, &HeaderMap::new(), b""), None);
    }
}
