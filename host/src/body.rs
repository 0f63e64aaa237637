//! Reading a call's parameters: the body (within [`BODY_LIMIT`]), then
//! the query and the body as a form or JSON, into any parameter set.

use axum::body::{Body, Bytes, to_bytes};
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use imbot_like::wire::{FrameworkError, Params};

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

/// How a body is encoded.
enum BodyKind {
    Json,
    Form,
}

/// The parameters of a call: the query first, then the body, so a name
/// sent in both takes the body's value.
pub(crate) fn read_params<P: Params>(
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<P, FrameworkError> {
    let mut params = P::default();
    if let Some(query) = query {
        apply_form(&mut params, query)?;
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(params);
    }
    match body_kind(headers, body)? {
        BodyKind::Json => {
            // The whole body is checked before any parameter is read.
            let mut scratch = vec![0u8; body.len()];
            params
                .apply_json(body, &mut scratch)
                .map_err(|_| FrameworkError::InvalidRequest)?;
        }
        BodyKind::Form => {
            let text = std::str::from_utf8(body).map_err(|_| FrameworkError::InvalidRequest)?;
            apply_form(&mut params, text)?;
        }
    }
    Ok(params)
}

/// Reads a form or query string; a scratch buffer as long as the text
/// always holds its decoded values.
fn apply_form<P: Params>(params: &mut P, raw: &str) -> Result<(), FrameworkError> {
    let mut scratch = vec![0u8; raw.len()];
    params
        .apply_form(raw, &mut scratch)
        .map_err(|_| FrameworkError::InvalidRequest)
}

/// The body's encoding from its content type; with none, a body that
/// starts with `{` is JSON and any other a form.
fn body_kind(headers: &HeaderMap, body: &[u8]) -> Result<BodyKind, FrameworkError> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        return Ok(if first == Some(&b'{') {
            BodyKind::Json
        } else {
            BodyKind::Form
        });
    };
    let value = value.to_str().map_err(|_| FrameworkError::InvalidRequest)?;
    let essence = value.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(BodyKind::Json)
    } else if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        Ok(BodyKind::Form)
    } else {
        Err(FrameworkError::InvalidRequest)
    }
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

/// Percent-decodes a form component (`+` is a space).
pub(crate) fn percent_decode(raw: &str) -> Result<String, FrameworkError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .ok_or(FrameworkError::InvalidRequest)?;
                let hex = std::str::from_utf8(hex).map_err(|_| FrameworkError::InvalidRequest)?;
                let byte =
                    u8::from_str_radix(hex, 16).map_err(|_| FrameworkError::InvalidRequest)?;
                out.push(byte);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| FrameworkError::InvalidRequest)
}
