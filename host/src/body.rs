//! Reading a call's body within [`BODY_LIMIT`] (decoding it is
//! `input`'s), and percent-encoding for the forms the host writes.

use axum::body::{Body, Bytes, to_bytes};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_LENGTH;
use imbot_like::wire::FrameworkError;

/// The largest request body accepted, in bytes; a longer one is answered
/// with 413 `PAYLOAD_TOO_LARGE`.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Reads the body, up to [`BODY_LIMIT`] bytes.
pub(crate) async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, FrameworkError> {
    let announced = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > BODY_LIMIT as u64) {
        return Err(FrameworkError::PayloadTooLarge);
    }
    to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| FrameworkError::PayloadTooLarge)
}

/// Percent-encoding of everything but unreserved characters.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
