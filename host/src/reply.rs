//! JSON responses: the envelope every answer of the host is written in.

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use imbot_like::wire::{FrameworkError, Reply};
use serde::Serialize;

/// A framework error's response.
pub(crate) fn error(e: FrameworkError) -> Response {
    let reply = Reply::from(e);
    json(reply.http_status(), &reply)
}

/// Bytes reserved for an answer's JSON before it is written: a like's
/// answer with its time block takes about 290, so most answers are
/// written without the buffer growing.
const ANSWER_BYTES: usize = 512;

/// A JSON response with `status` (`application/json`, as `axum::Json`
/// answers, written into a buffer sized for the usual answer).
pub(crate) fn json(status: u16, body: &impl Serialize) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut buf = Vec::with_capacity(ANSWER_BYTES);
    let (status, kind, buf) = match serde_json::to_writer(&mut buf, body) {
        Ok(()) => (status, "application/json", buf),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            e.to_string().into_bytes(),
        ),
    };
    let mut response = Response::new(Body::from(buf));
    *response.status_mut() = status;
    let kind = HeaderValue::from_static(kind);
    response.headers_mut().insert(CONTENT_TYPE, kind);
    response
}

/// The answer when what a response would report is not durable: the data
/// directory could not be written. 503, so clients retry later.
pub(crate) fn not_durable(e: &crate::durable::NotDurable) -> Response {
    json(
        503,
        &serde_json::json!({
            "error": "INTERNAL_SERVER_ERROR",
            "error_description": format!("The change may not have been saved: {}", e.0),
        }),
    )
}
