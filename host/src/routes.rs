//! The HTTP surface: method URLs in both styles, parameter sources, the
//! framework's errors and the `X-Request-ID` echo.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use imbot_like::wire::{FrameworkError, Reply};
use serde::Serialize;

use crate::auth::{Method, Style};
use crate::body::{read_body, read_params};
use crate::calls::{Call, ReactionStep};
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
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(&host, Style::OAuth, &method, &uri, &headers, body).await
}

/// `/rest/{user_id}/{code}/{method}`: webhook style.
async fn webhook(
    State(host): State<SharedHost>,
    Path((user_id, code, method)): Path<(String, String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let style = Style::Webhook {
        user_id: &user_id,
        code: &code,
    };
    handle(&host, style, &method, &uri, &headers, body).await
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
        key: crate::retry::key(uri.query(), headers, &body),
    };
    dispatch(call, uri.query(), headers, &body).await
}

/// Runs a call of any method but `batch` and answers it.
pub(crate) async fn dispatch(
    call: Call<'_>,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let host = call.host;
    let answer = match call.method {
        Method::BotLike => read_params(query, headers, body).and_then(|p| call.bot_like(&p)),
        Method::UserLike => read_params(query, headers, body).and_then(|p| call.user_like(&p)),
        Method::ReactionAdd => {
            read_params(query, headers, body).and_then(|p| call.reaction(&p, ReactionStep::Add))
        }
        Method::ReactionDelete => {
            read_params(query, headers, body).and_then(|p| call.reaction(&p, ReactionStep::Delete))
        }
        Method::EventGet => {
            let response = read_params(query, headers, body)
                .and_then(|p| call.event_get(&p, query, headers, body))
                .unwrap_or_else(error);
            wait_durable(host, call.wait.get()).await;
            return response;
        }
        Method::Portal(method) => {
            let response = crate::portal::respond(&call, method, query, headers, body);
            wait_durable(host, call.wait.get()).await;
            return response;
        }
        Method::Batch => return crate::batch::nested(),
    };
    wait_durable(host, call.wait.get()).await;
    match answer {
        Ok(reply) => json(reply.http_status(), &reply),
        Err(e) => error(e),
    }
}

/// For a durable host, waits until what the call's answer reports is on
/// disk.
async fn wait_durable(host: &Host, wait: Option<u64>) {
    if let (Some(log), Some(seq)) = (host.durable(), wait) {
        log.durable(seq).await;
    }
}

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

/// Copies the request's `X-Request-ID` onto the response.
async fn echo_request_id(request: Request, next: Next) -> Response {
    let id = request.headers().get(&REQUEST_ID).cloned();
    let mut response = next.run(request).await;
    if let Some(id) = id {
        response.headers_mut().insert(REQUEST_ID.clone(), id);
    }
    response
}
