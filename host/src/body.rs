//! Reading a call's body within [`BODY_LIMIT`] (decoding it is
//! `input`'s), reading any body whole (`collect`: a call's, or an answer
//! the request log or `batch` keeps), and percent-encoding for the forms
//! the host writes.

use axum::body::{Body, Bytes};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_LENGTH;
use http_body_util::BodyExt;
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
    collect(body, BODY_LIMIT)
        .await
        .ok_or(FrameworkError::PayloadTooLarge)
}

/// A body's bytes, at most `limit` of them; `None` when it is longer or
/// fails. A body of one frame, as most are, is taken as it came, without
/// a copy; only a body of several frames is copied into one buffer.
pub(crate) async fn collect(mut body: Body, limit: usize) -> Option<Bytes> {
    let mut first = Bytes::new();
    let mut joined: Option<Vec<u8>> = None;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.ok()?.into_data() else {
            // Trailers carry no body bytes.
            continue;
        };
        match &mut joined {
            None if first.is_empty() => first = data,
            None => {
                let mut both = Vec::with_capacity(first.len() + data.len());
                both.extend_from_slice(&first);
                both.extend_from_slice(&data);
                joined = Some(both);
            }
            Some(all) => all.extend_from_slice(&data),
        }
        let len = joined.as_ref().map_or(first.len(), Vec::len);
        if len > limit {
            return None;
        }
    }
    Some(joined.map_or(first, Bytes::from))
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

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::convert::Infallible;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use axum::body::{Body, Bytes};
    use http_body::Frame;

    use super::collect;

    /// A body that gives its frames one at a time.
    struct Frames(VecDeque<Frame<Bytes>>);

    impl http_body::Body for Frames {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            Poll::Ready(self.0.pop_front().map(Ok))
        }
    }

    fn body(parts: &[&'static str]) -> Body {
        let mut frames: VecDeque<_> = parts
            .iter()
            .map(|p| Frame::data(Bytes::from_static(p.as_bytes())))
            .collect();
        frames.push_back(Frame::trailers(axum::http::HeaderMap::new()));
        Body::new(Frames(frames))
    }

    #[tokio::test]
    async fn a_body_of_one_frame_is_taken_as_it_came() {
        let read = collect(body(&["a=1&b=2"]), 7).await.unwrap();
        assert_eq!(read, "a=1&b=2");
    }

    #[tokio::test]
    async fn frames_are_joined_in_order_and_trailers_add_nothing() {
        let read = collect(body(&["a=", "", "1&b", "=2"]), 64).await.unwrap();
        assert_eq!(read, "a=1&b=2");
        assert_eq!(collect(body(&[]), 0).await.unwrap(), "");
    }

    #[tokio::test]
    async fn a_body_longer_than_the_limit_is_refused_in_one_frame_or_several() {
        assert_eq!(collect(body(&["12345678"]), 7).await, None);
        assert_eq!(collect(body(&["1234", "5678"]), 7).await, None);
        assert!(collect(body(&["1234", "567"]), 7).await.is_some());
    }
}
