//! Every error answer carries the JSON error envelope
//! (`{"error": CODE, "error_description": TEXT}`), including those the HTTP
//! layers produce themselves: a bodiless error response from a layer is
//! given the envelope for its status, and a request head the HTTP/1 parser
//! would refuse (400, 414, 431) is answered by `front` with the bytes
//! `refusal` makes, before the parser sees it.

use axum::body::Body;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use axum::http::{Response, StatusCode};
use http_body::Body as _;
use imbot_like::wire::{FrameworkError, Reply};

/// The framework error that stands for an HTTP status, when the host
/// answers it.
fn error_for(status: u16) -> Option<FrameworkError> {
    Some(match status {
        400 => FrameworkError::InvalidRequest,
        404 => FrameworkError::MethodNotFound,
        405 => FrameworkError::MethodNotAllowed,
        408 => FrameworkError::RequestTimeout,
        413 => FrameworkError::PayloadTooLarge,
        414 => FrameworkError::UriTooLong,
        431 => FrameworkError::HeadersTooLarge,
        503 => FrameworkError::QueryLimitExceeded,
        500..=599 => FrameworkError::InternalServerError,
        _ => return None,
    })
}

/// The envelope of `error` as JSON bytes.
fn envelope(error: FrameworkError) -> Vec<u8> {
    serde_json::to_vec(&Reply::from(error)).unwrap_or_default()
}

/// Gives a bodiless error response the envelope for its status, keeping
/// its status and other headers.
pub(crate) fn fill_error_body(response: Response<Body>) -> Response<Body> {
    let status = response.status();
    let empty = response.body().size_hint().exact() == Some(0);
    let Some(error) = error_for(status.as_u16()).filter(|_| empty) else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    let body = envelope(error);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    Response::from_parts(parts, Body::from(body))
}

/// The whole answer to a request head the HTTP/1 parser would refuse
/// with `status` (400, 414 or 431): the head the parser writes for it (in
/// HTTP/1.0 to a client whose last request was HTTP/1.0, which needs no
/// `connection: close`), with the envelope as its body.
pub(crate) fn refusal(status: StatusCode, http10: bool) -> Vec<u8> {
    let body = error_for(status.as_u16()).map(envelope).unwrap_or_default();
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let (version, close) = if http10 {
        ("1.0", "")
    } else {
        ("1.1", "connection: close\r\n")
    };
    let head = format!(
        "HTTP/{version} {} {}\r\n{close}date: {date}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or_default(),
        body.len()
    );
    let mut answer = head.into_bytes();
    answer.extend_from_slice(&body);
    answer
}

#[cfg(test)]
mod tests {
    use super::refusal;
    use axum::http::StatusCode;

    #[test]
    fn a_refusal_is_the_parsers_head_with_the_envelope_as_body() {
        let answer =
            String::from_utf8(refusal(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, false)).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(
            head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{head}"
        );
        assert!(head.contains("\r\nconnection: close\r\n"), "{head}");
        assert!(head.contains("\r\ndate: "), "{head}");
        assert!(
            head.contains("\r\ncontent-type: application/json\r\n"),
            "{head}"
        );
        assert!(
            head.ends_with(&format!("content-length: {}", body.len())),
            "{head}"
        );
        assert_eq!(
            body,
            r#"{"error":"REQUEST_HEADER_FIELDS_TOO_LARGE","error_description":"The request headers are too large"}"#
        );
        let answer = String::from_utf8(refusal(StatusCode::BAD_REQUEST, false)).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{answer}"
        );
        assert!(answer.ends_with(r#""error":"INVALID_REQUEST","error_description":"Malformed request: the parameters could not be read"}"#), "{answer}");
        let answer = String::from_utf8(refusal(StatusCode::URI_TOO_LONG, false)).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 414 URI Too Long\r\n"),
            "{answer}"
        );
        assert!(answer.contains(r#""error":"URI_TOO_LONG""#), "{answer}");
        // After an HTTP/1.0 request, in HTTP/1.0, which closes by default.
        let answer = String::from_utf8(refusal(StatusCode::BAD_REQUEST, true)).unwrap();
        assert!(
            answer.starts_with("HTTP/1.0 400 Bad Request\r\ndate: "),
            "{answer}"
        );
        assert!(!answer.contains("connection"), "{answer}");
    }
}
