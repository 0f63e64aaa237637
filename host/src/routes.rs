//! The HTTP surface: method URLs in both styles, parameter sources, the
//! framework's errors and the `X-Request-ID` echo.

use std::io;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use imbot_like::LikeError;
use imbot_like::wire::{FrameworkError, LikeParams, Reply};
use serde::Serialize;
use tokio::net::TcpListener;

use crate::auth::{Caller, Method, Style};
use crate::{Host, SharedHost, clock};

/// The largest request body accepted, in bytes; a longer one is answered
/// with 413 `PAYLOAD_TOO_LARGE`.
pub const BODY_LIMIT: usize = 64 * 1024;

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

/// Serves the host's routes on `listener` until the process ends.
///
/// # Errors
/// The listener's I/O errors.
pub async fn serve(listener: TcpListener, host: SharedHost) -> io::Result<()> {
    axum::serve(listener, router(host)).await
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

/// One call: method, body, parameters, authentication, then the engine.
async fn handle(
    host: &Host,
    style: Style<'_>,
    segment: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let start = clock::now();
    let Some(method) = Method::from_segment(segment) else {
        return error(FrameworkError::MethodNotFound);
    };
    let body = match read_body(headers, body).await {
        Ok(body) => body,
        Err(e) => return error(e),
    };
    let params = match read_params(uri.query(), headers, &body) {
        Ok(params) => params,
        Err(e) => return error(e),
    };
    match host
        .credentials
        .authorize(style, method, &params, &host.apps)
    {
        Ok(caller) => run(host, method, caller, &params, start),
        Err(e) => error(e),
    }
}

/// Runs the call on the engine and answers with its result.
fn run(host: &Host, method: Method, caller: Caller, params: &LikeParams, start: f64) -> Response {
    let (result, processing) = call(host, caller, params);
    let operating = host.operating(method).record(start, processing);
    match clock::time_block(start, processing, operating) {
        Ok(time) => {
            let reply = Reply::from_result(result, time);
            json(reply.http_status(), &reply)
        }
        Err(_) => error(FrameworkError::InternalServerError),
    }
}

/// One atomic transition; returns its result and the time it took.
fn call(host: &Host, caller: Caller, params: &LikeParams) -> (Result<(), LikeError>, f64) {
    let mut engine = host.lock();
    let began = Instant::now();
    let result = match caller {
        Caller::App(app) => engine.like(&params.like_request(app)).map(drop),
        Caller::User(user) => engine.like_as_user(&params.user_request(user)).map(drop),
    };
    (result, began.elapsed().as_secs_f64())
}

/// Reads the body, up to [`BODY_LIMIT`] bytes.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<axum::body::Bytes, FrameworkError> {
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
fn read_params(
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<LikeParams, FrameworkError> {
    let mut params = LikeParams::new();
    if let Some(query) = query {
        apply_form(&mut params, query)?;
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(params);
    }
    match body_kind(headers, body)? {
        BodyKind::Json => {
            let mut de = serde_json::Deserializer::from_slice(body);
            params
                .apply(&mut de)
                .map_err(|_| FrameworkError::InvalidRequest)?;
            de.end().map_err(|_| FrameworkError::InvalidRequest)?;
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
fn apply_form(params: &mut LikeParams, raw: &str) -> Result<(), FrameworkError> {
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

/// A framework error's response.
fn error(e: FrameworkError) -> Response {
    let reply = Reply::from(e);
    json(reply.http_status(), &reply)
}

/// A JSON response with `status`.
fn json(status: u16, body: &impl Serialize) -> Response {
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
