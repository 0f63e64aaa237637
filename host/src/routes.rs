//! The HTTP surface: method URLs in both styles, parameter sources, the
//! framework's errors and the `X-Request-ID` echo.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderName, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use imbot_like::wire::FrameworkError;

use crate::auth::{Method, Style};
use crate::body::read_body;
use crate::calls::Call;
use crate::dispatch::dispatch;
use crate::reply::error;
use crate::{Host, SharedHost};

/// The request id header echoed back on every response.
static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The host's routes on `host`.
pub fn router(host: SharedHost) -> Router {
    Router::new()
        .route("/rest/{method}", get(oauth).post(oauth))
        .route(
            "/rest/{user_id}/{code}/{method}",
            get(webhook).post(webhook),
        )
        .fallback(not_found)
        .layer(middleware::from_fn(echo_request_id))
        .with_state(host)
}

/// `/rest/{method}`: OAuth style, the token is the `auth` parameter.
async fn oauth(
    State(host): State<SharedHost>,
    Path(method): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    handle(
        &host,
        Style::OAuth,
        &method,
        &parts.uri,
        &parts.headers,
        body,
    )
    .await
}

/// `/rest/{user_id}/{code}/{method}`: webhook style.
async fn webhook(
    State(host): State<SharedHost>,
    Path((user_id, code, method)): Path<(String, String, String)>,
    request: Request,
) -> Response {
    let style = Style::Webhook {
        user_id: &user_id,
        code: &code,
    };
    let (parts, body) = request.into_parts();
    handle(&host, style, &method, &parts.uri, &parts.headers, body).await
}

/// Any other path.
async fn not_found() -> Response {
    error(FrameworkError::MethodNotFound)
}

/// One call: method, body, parameters, then the method's own path.
async fn handle(
    host: &Host,
    style: Style<'_>,
    segment: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let start = host.clock.start();
    let Some(method) = Method::from_segment(segment) else {
        return error(FrameworkError::MethodNotFound);
    };
    let body = match read_body(headers, body).await {
        Ok(body) => body,
        Err(e) => return error(e),
    };
    if method == Method::Batch {
        return crate::batch::run(host, style, start, uri.query(), headers, &body).await;
    }
    let call = Call {
        host,
        style,
        method,
        start,
        wait: Default::default(),
        rule: Default::default(),
        key: crate::retry::key_text(uri.query(), headers, &body),
    };
    dispatch(call, uri.query(), headers, &body).await
}

/// Copies the request's `X-Request-ID` onto the response.
async fn echo_request_id(request: Request, next: Next) -> Response {
    let id = request.headers().get(&REQUEST_ID).cloned();
    let mut response = next.run(request).await;
    if let Some(id) = id {
        response.headers_mut().insert(REQUEST_ID.clone(), id);
    }
    response
}
