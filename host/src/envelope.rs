//! Every error answer carries the JSON error envelope
//! (`{"error": CODE, "error_description": TEXT}`), including those the HTTP
//! layers produce themselves: a bodiless error response from a layer is
//! given the envelope for its status, and the automatic answers the HTTP/1
//! parser writes for a request it cannot read (400, 414, 431) are
//! rewritten on their way to the socket.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::http::Response;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use http_body::Body as _;
use imbot_like::wire::{FrameworkError, Reply};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

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

/// A connection's socket that rewrites the HTTP/1 parser's automatic error
/// answers (a head with `content-length: 0` and status 400, 414 or 431,
/// which the host's own answers never are) into ones with the envelope.
#[derive(Debug)]
pub(crate) struct ParserErrorBodies<S> {
    inner: S,
    /// A rewritten answer still to be written, and how much of it was.
    pending: Option<(Vec<u8>, usize)>,
}

impl<S> ParserErrorBodies<S> {
    pub(crate) fn new(inner: S) -> Self {
        Self {
            inner,
            pending: None,
        }
    }
}

impl<S: AsyncWrite + Unpin> ParserErrorBodies<S> {
    /// Writes what is left of a rewritten answer.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, done)) = &mut self.pending {
            if *done == bytes.len() {
                self.pending = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*done..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *done += n;
        }
        Poll::Ready(Ok(()))
    }
}

/// The parser's automatic answer in `buf`, rewritten with the envelope;
/// `None` for anything else.
fn rewrite_parser_answer(buf: &[u8]) -> Option<Vec<u8>> {
    // The parser's answers are a head alone; an answer with a body (every
    // answer of the host's own) is passed on without being read.
    let status = buf.strip_prefix(b"HTTP/1.1 ")?.get(..3)?;
    if !matches!(status, b"400" | b"414" | b"431") || !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let head = std::str::from_utf8(buf).ok()?;
    let status: u16 = head.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
    if !matches!(status, 400 | 414 | 431) || !head.ends_with("\r\n\r\n") {
        return None;
    }
    let lines: Vec<&str> = head.trim_end().split("\r\n").collect();
    let bodiless = lines
        .iter()
        .any(|line| line.eq_ignore_ascii_case("content-length: 0"));
    if !bodiless {
        return None;
    }
    let body = envelope(error_for(status)?);
    let mut out = String::new();
    for line in lines
        .iter()
        .filter(|l| !l.to_ascii_lowercase().starts_with("content-"))
    {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("content-type: application/json\r\n");
    out.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    Some(bytes)
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ParserErrorBodies<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        match rewrite_parser_answer(buf) {
            Some(answer) => {
                this.pending = Some((answer, 0));
                // Taken in full; what the socket does not take now is
                // written on the next write, flush or shutdown.
                let _ = this.poll_drain(cx)?;
                Poll::Ready(Ok(buf.len()))
            }
            None => Pin::new(&mut this.inner).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ParserErrorBodies<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::rewrite_parser_answer;

    #[test]
    fn the_parsers_bodiless_answers_get_the_envelope() {
        let head = "HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(rewrite_parser_answer(head.as_bytes()).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 431 "), "{out}");
        assert!(out.contains("connection: close\r\n"), "{out}");
        assert!(!out.contains("content-length: 0"), "{out}");
        assert!(out.ends_with(r#"{"error":"REQUEST_HEADER_FIELDS_TOO_LARGE","error_description":"The request headers are too large"}"#), "{out}");
        // The host's own answers pass untouched.
        let ok = "HTTP/1.1 400 Bad Request\r\ncontent-length: 20\r\n\r\n";
        assert!(rewrite_parser_answer(ok.as_bytes()).is_none());
        assert!(rewrite_parser_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
    }
}
