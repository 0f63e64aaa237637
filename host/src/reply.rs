//! JSON responses: the envelope every answer of the host is written in.

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use imbot_like::wire::{FrameworkError, Reply, Time};
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

/// A like's or reaction's answer: a success, its JSON written field by
/// field (the same bytes as serde's, without its generic path for every
/// key), or an error's envelope.
pub(crate) fn reply(reply: &Reply) -> Response {
    match reply {
        Reply::Success(success) if success.result => {
            let mut buf = Vec::with_capacity(ANSWER_BYTES);
            buf.extend_from_slice(b"{\"result\":true,\"time\":");
            write_time(&mut buf, &success.time);
            buf.push(b'}');
            respond(StatusCode::OK, "application/json", buf)
        }
        _ => json(reply.http_status(), reply),
    }
}

/// The time block as serde writes it: its fields in order, the operating
/// fields only when known; numbers and strings through `serde_json`.
fn write_time(buf: &mut Vec<u8>, time: &Time) {
    buf.extend_from_slice(b"{\"start\":");
    write_value(buf, &time.start);
    buf.extend_from_slice(b",\"finish\":");
    write_value(buf, &time.finish);
    buf.extend_from_slice(b",\"duration\":");
    write_value(buf, &time.duration);
    buf.extend_from_slice(b",\"processing\":");
    write_value(buf, &time.processing);
    buf.extend_from_slice(b",\"date_start\":");
    write_value(buf, time.date_start.as_str());
    buf.extend_from_slice(b",\"date_finish\":");
    write_value(buf, time.date_finish.as_str());
    if let Some(reset_at) = time.operating_reset_at {
        buf.extend_from_slice(b",\"operating_reset_at\":");
        write_value(buf, &reset_at);
    }
    if let Some(operating) = time.operating {
        buf.extend_from_slice(b",\"operating\":");
        write_value(buf, &operating);
    }
    buf.push(b'}');
}

/// One JSON value; writing into a `Vec` cannot fail.
fn write_value(buf: &mut Vec<u8>, value: &(impl Serialize + ?Sized)) {
    let _ = serde_json::to_writer(&mut *buf, value);
}

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
    respond(status, kind, buf)
}

/// A response of `status` with a body of content type `kind`.
fn respond(status: StatusCode, kind: &'static str, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
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

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;
    use imbot_like::ErrorCode;
    use imbot_like::wire::{Reply, Success, Time};

    /// The body of `reply`'s answer, as the writer makes it.
    fn written(reply: &Reply) -> Vec<u8> {
        let response = super::reply(reply);
        let body = response.into_body().collect();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(body).unwrap().to_bytes().to_vec()
    }

    #[test]
    fn a_success_is_written_as_serde_writes_it() {
        let floats = [
            0.0,
            -0.0,
            1.5,
            1_764_867_677.123_456_7,
            1e-7,
            3.2e-5,
            1e21,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let dates = ["2025-01-29T12:09:04+00:00", "", "a\"b\\c\u{1}é"];
        for (i, &start) in floats.iter().enumerate() {
            let finish = floats[(i + 3) % floats.len()];
            let processing = floats[(i + 7) % floats.len()];
            let date = dates[i % dates.len()];
            let time = Time::new(start, finish, processing, date, dates[0]).unwrap();
            for time in [time.clone(), time.operating(1_764_868_000, processing)] {
                let reply = Reply::Success(Success::new(time));
                let ours = written(&reply);
                assert_eq!(ours, serde_json::to_vec(&reply).unwrap(), "{reply:?}");
            }
        }
    }

    #[test]
    fn an_error_is_its_envelope() {
        let reply = Reply::from(imbot_like::wire::ErrorResponse::from(
            ErrorCode::WithoutChanges,
        ));
        assert_eq!(written(&reply), serde_json::to_vec(&reply).unwrap());
        assert_eq!(super::reply(&reply).status(), 400);
    }
}
