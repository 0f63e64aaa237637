//! JSON responses: the envelope every answer of the host is written in.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use imbot_like::wire::{FrameworkError, Reply};
use serde::Serialize;

/// A framework error's response.
pub(crate) fn error(e: FrameworkError) -> Response {
    let reply = Reply::from(e);
    json(reply.http_status(), &reply)
}

/// A JSON response with `status`.
pub(crate) fn json(status: u16, body: &impl Serialize) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
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
