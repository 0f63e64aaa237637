//! The REST surface: method URLs in both styles, the framework's errors
//! and the `X-Request-ID` echo. One function, `serve`, answers every
//! REST request, for a host served alone (`router`) and for the local
//! portal, which calls it after its scenarios.

use std::borrow::Cow;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::ALLOW;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use imbot_like::wire::FrameworkError;

use crate::auth::{Method, Style};
use crate::body::read_body;
use crate::calls::Call;
use crate::dispatch::dispatch;
use crate::input::{Input, percent_decode};
use crate::reply::error;
use crate::retry::REQUEST_ID;
use crate::{Host, SharedHost};

/// The host's routes on `host`: every path is answered as a REST call
/// (`/rest/{method}` or `/rest/{user_id}/{code}/{method}`), anything else
/// with 404 `ERROR_METHOD_NOT_FOUND`.
pub fn router(host: SharedHost) -> Router {
    Router::new().fallback(any).with_state(host)
}

/// Any request to a host served alone.
async fn any(State(host): State<SharedHost>, request: Request) -> Response {
    rest(&host, request).await
}

/// A request to a host served alone, as a REST call.
pub(crate) async fn rest(host: &Host, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    serve(host, &parts, Payload::Unread(body)).await
}

/// A call's body: still to be read, or read already (by the local
/// portal, which logs and matches calls before they are served).
pub(crate) enum Payload {
    /// The request's body, read (within its limit) when the call needs it.
    Unread(Body),
    /// The body's bytes, read within the limit.
    Read(Bytes),
}

impl Payload {
    /// The body's bytes, at most [`crate::BODY_LIMIT`] of them.
    async fn bytes(self, headers: &axum::http::HeaderMap) -> Result<Bytes, FrameworkError> {
        match self {
            Self::Unread(body) => read_body(headers, body).await,
            Self::Read(bytes) => Ok(bytes),
        }
    }
}

/// What a REST path names, its segments decoded (borrowed from the path
/// when they needed no decoding).
#[derive(Debug, PartialEq, Eq)]
enum Route<'a> {
    /// `/rest/{method}`: OAuth style, the token is the `auth` parameter.
    OAuth { method: Cow<'a, str> },
    /// `/rest/{user_id}/{code}/{method}`: webhook style.
    Webhook {
        user_id: Cow<'a, str>,
        code: Cow<'a, str>,
        method: Cow<'a, str>,
    },
}

/// Answers one REST request on `host`: 404 `ERROR_METHOD_NOT_FOUND` for a
/// path that names no method, 405 for a method other than GET, HEAD and
/// POST, else the call; the request's `X-Request-ID` goes back on the
/// answer.
pub(crate) async fn serve(host: &Host, parts: &Parts, body: Payload) -> Response {
    let mut response = match route(parts.uri.path()) {
        Err(e) => error(e),
        Ok(_) if !matches!(parts.method.as_str(), "GET" | "HEAD" | "POST") => {
            let allow = HeaderValue::from_static("GET,HEAD,POST");
            (StatusCode::METHOD_NOT_ALLOWED, [(ALLOW, allow)]).into_response()
        }
        Ok(Route::OAuth { method }) => handle(host, Style::OAuth, &method, parts, body).await,
        Ok(Route::Webhook {
            user_id,
            code,
            method,
        }) => {
            let style = Style::Webhook {
                user_id: &user_id,
                code: &code,
            };
            handle(host, style, &method, parts, body).await
        }
    };
    if let Some(id) = parts.headers.get(&REQUEST_ID) {
        response
            .headers_mut()
            .insert(REQUEST_ID.clone(), id.clone());
    }
    response
}

/// The route a path names, its segments percent-decoded; a path of any
/// other shape names no method, and a segment that does not decode to
/// UTF-8 is a bad request.
fn route(path: &str) -> Result<Route<'_>, FrameworkError> {
    let segments = path
        .strip_prefix("/rest/")
        .ok_or(FrameworkError::MethodNotFound)?
        .split('/');
    if segments.clone().any(str::is_empty) {
        return Err(FrameworkError::MethodNotFound);
    }
    // Every segment is decoded (a bad one is a bad request whatever the
    // path's shape); the first three are kept.
    let mut kept: [Cow<'_, str>; 3] = Default::default();
    let mut count = 0;
    for segment in segments {
        let segment = decode_segment(segment)?;
        if let Some(slot) = kept.get_mut(count) {
            *slot = segment;
        }
        count += 1;
    }
    let [first, second, third] = kept;
    match count {
        1 => Ok(Route::OAuth { method: first }),
        3 => Ok(Route::Webhook {
            user_id: first,
            code: second,
            method: third,
        }),
        _ => Err(FrameworkError::MethodNotFound),
    }
}

/// Percent-decodes a path segment as a form's values are, but for `+`,
/// which stays a plus.
fn decode_segment(segment: &str) -> Result<Cow<'_, str>, FrameworkError> {
    if !segment.contains('%') {
        return Ok(Cow::Borrowed(segment));
    }
    String::from_utf8(percent_decode(segment, false))
        .map(Cow::Owned)
        .map_err(|_| FrameworkError::InvalidRequest)
}

/// One call: method, body, parameters (decoded once, or taken as the
/// local portal's scenarios already decoded them), then the method's own
/// path.
async fn handle(
    host: &Host,
    style: Style<'_>,
    segment: &str,
    parts: &Parts,
    body: Payload,
) -> Response {
    let start = host.clock.start();
    let Some(method) = Method::from_segment(segment) else {
        return error(FrameworkError::MethodNotFound);
    };
    let headers = &parts.headers;
    let body = match body.bytes(headers).await {
        Ok(body) => body,
        Err(e) => return error(e),
    };
    let decoded;
    let input = match parts.extensions.get::<Arc<Input>>() {
        Some(input) => input.as_ref(),
        None => match Input::read(parts.uri.query(), headers, &body) {
            Ok(input) => {
                decoded = input;
                &decoded
            }
            Err(e) => return error(e),
        },
    };
    if method == Method::Batch {
        return crate::batch::run(host, style, start, headers, input).await;
    }
    let call = Call {
        host,
        style,
        method,
        input,
        start,
        wait: Default::default(),
        rule: Default::default(),
        key: crate::retry::key_text(headers, input),
    };
    dispatch(call).await
}

#[cfg(test)]
mod tests {
    use imbot_like::wire::FrameworkError;

    use super::{Route, route};

    #[test]
    fn both_url_styles_name_their_method() {
        assert_eq!(
            route("/rest/imbot.message.like.json"),
            Ok(Route::OAuth {
                method: "imbot.message.like.json".into()
            })
        );
        assert_eq!(
            route("/rest/1/c%2Fd+e/im.message.like"),
            Ok(Route::Webhook {
                user_id: "1".into(),
                code: "c/d+e".into(),
                method: "im.message.like".into()
            })
        );
    }

    #[test]
    fn other_paths_name_no_method() {
        for path in [
            "/",
            "/rest",
            "/rest/",
            "/rest/a/b",
            "/rest/a/",
            "/rest/1/c/m/x",
            "/x/m",
        ] {
            assert_eq!(route(path), Err(FrameworkError::MethodNotFound), "{path}");
        }
        assert_eq!(route("/rest/%FF"), Err(FrameworkError::InvalidRequest));
        // A bad segment is a bad request in a path of any shape, but an
        // empty one names no method first.
        assert_eq!(route("/rest/%FF/b"), Err(FrameworkError::InvalidRequest));
        assert_eq!(
            route("/rest/a/b/c/%FF"),
            Err(FrameworkError::InvalidRequest)
        );
        assert_eq!(route("/rest/%FF//b"), Err(FrameworkError::MethodNotFound));
        assert_eq!(
            route("/rest/100%"),
            Ok(Route::OAuth {
                method: "100%".into()
            })
        );
    }
}
