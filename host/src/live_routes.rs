//! The local portal's HTTP surface: the page, the control API and the
//! REST API through the scenarios and the request log.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::http::request::Parts;
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use http_body::Frame;
use serde_json::json;
use tokio::net::TcpListener;

use crate::body::read_body;
use crate::cluster::http as cluster;
use crate::input::Input;
use crate::limits::Limits;
use crate::portal::Params;
use crate::reply::{error, json};
use crate::routes::Payload;
use crate::scenario::{Action, method_name};
use crate::server::{RestCall, serve_routes};
use crate::{Host, control, guard, page};

use crate::live::{LiveHost, Recorded};

/// The local portal's routes: the page at `/`, the control API under
/// `/__control/`, and every other path to the current host's REST API,
/// through the scenarios and the log.
///
/// The page and the control API pass [`crate::guard`]'s checks, which
/// need each request to carry the peer's address
/// ([`axum::extract::ConnectInfo`]) and the address it came in on
/// ([`crate::guard::Listening`]); [`serve_live`] attaches both, and a
/// request without them is refused. [`serve_live`] sends every path under
/// `/rest/` straight to the REST API, past these routes: none of them may
/// sit there.
pub fn live_router(live: Arc<LiveHost>) -> Router {
    Router::new()
        .route("/", get(page::index))
        .route("/__control/view", get(page::view))
        .route(
            "/__control/world",
            get(control::get_world)
                .put(control::put_world)
                .post(control::put_world),
        )
        .route("/__control/reset", post(control::reset))
        .route("/__control/post", post(control::post_as_user))
        .route("/__control/command", post(control::command_as_user))
        .route("/__control/deliveries", get(control::deliveries))
        .route(
            "/__control/deliveries/{id}/replay",
            post(control::replay_delivery),
        )
        .route("/__cluster/status", get(cluster::status))
        .route("/__cluster/log", get(cluster::log))
        .route("/__cluster/learner", post(cluster::learner))
        .route("/__cluster/promote", post(cluster::promote))
        .route("/__cluster/remove", post(cluster::remove))
        .route("/__cluster/partition", post(cluster::partition))
        .route(
            "/__control/scenarios",
            get(control::list_scenarios)
                .post(control::add_scenario)
                .delete(control::clear_scenarios),
        )
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(&live),
            guard::guard,
        ))
        .route("/favicon.ico", get(no_icon))
        .fallback(any)
        .with_state(live)
}

/// `GET /favicon.ico`: no icon, and no entry in the request log (a
/// browser asks for it with every page).
async fn no_icon() -> axum::http::StatusCode {
    axum::http::StatusCode::NO_CONTENT
}

/// Serves the local portal on `listener` with the default [`Limits`]
/// until the process ends; the peer's address reaches the control API's
/// access check.
///
/// # Errors
/// As [`crate::serve_with`].
pub async fn serve_live(listener: TcpListener, live: Arc<LiveHost>) -> io::Result<()> {
    serve_live_with(listener, live, Limits::default(), std::future::pending()).await
}

/// Serves the local portal on `listener` within `limits` until `stop`
/// completes, as [`crate::serve_with`] serves a host.
///
/// # Errors
/// As [`crate::serve_with`].
pub async fn serve_live_with(
    listener: TcpListener,
    live: Arc<LiveHost>,
    limits: Limits,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    serve_portal(listener, live, limits, None, stop).await
}

/// As [`serve_live_with`], over HTTPS with `tls` (see [`crate::tls`]).
///
/// # Errors
/// As [`crate::serve_with`].
pub async fn serve_live_tls(
    listener: TcpListener,
    live: Arc<LiveHost>,
    limits: Limits,
    tls: tokio_rustls::TlsAcceptor,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    serve_portal(listener, live, limits, Some(tls), stop).await
}

/// Serves the local portal's routes on `listener`, its REST calls
/// straight to [`rest`].
async fn serve_portal(
    listener: TcpListener,
    live: Arc<LiveHost>,
    limits: Limits,
    tls: Option<tokio_rustls::TlsAcceptor>,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let routes = live_router(Arc::clone(&live));
    let rest = move |request: Request| Box::pin(rest(Arc::clone(&live), request)) as RestCall;
    serve_routes(listener, routes, rest, limits, tls, stop).await
}

/// Any path the routes do not name, as a REST call.
async fn any(State(live): State<Arc<LiveHost>>, request: Request) -> Response {
    rest(live, request).await
}

/// A REST call: scenarios first, then the current host's routes.
async fn rest(live: Arc<LiveHost>, request: Request) -> Response {
    let host = live.host();
    let (mut parts, body) = request.into_parts();
    let bytes = match read_body(&parts.headers, body).await {
        Ok(bytes) => bytes,
        Err(e) => return error(e),
    };
    // With no scenario armed, none can match: the parameters are decoded
    // here only when one might, and then handed on to the call.
    let action = if live.scenarios.is_empty() {
        None
    } else {
        rest_method(&parts.uri).and_then(|method| {
            let input = Input::read(parts.uri.query(), &parts.headers, &bytes).ok();
            let params = input.as_ref().map(Params::from_input).unwrap_or_default();
            if let Some(input) = input {
                parts.extensions.insert(Arc::new(input));
            }
            live.scenarios.take(&method, &params)
        })
    };
    let call = Recorded::new(
        parts.method.clone(),
        parts.uri.clone(),
        action.as_ref().map(kind),
    );
    let response = match action {
        // Delivery scenarios are never taken for a call.
        None
        | Some(
            Action::DeliveryError { .. } | Action::DeliveryRefused | Action::DeliveryDelay { .. },
        ) => apply(&host, &parts, bytes).await,
        Some(Action::Error {
            status,
            code,
            description,
        }) => json(
            status,
            &json!({ "error": code, "error_description": description }),
        ),
        Some(Action::FailAfterApply { code, description }) => {
            apply(&host, &parts, bytes).await;
            json(
                503,
                &json!({ "error": code, "error_description": description }),
            )
        }
        Some(Action::DropAfterApply) => {
            apply(&host, &parts, bytes).await;
            live.record(call);
            return Response::new(Body::new(Dropped));
        }
        Some(Action::Delay { ms }) => {
            let (head, bytes) = answered(apply(&host, &parts, bytes).await).await;
            // Logged now: a client that gives up during the delay drops
            // this future, and the call was applied all the same.
            live.record(completed(call, &head, &bytes));
            tokio::time::sleep(Duration::from_millis(ms)).await;
            return Response::from_parts(head, Body::from(bytes));
        }
        Some(Action::Hold { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            apply(&host, &parts, bytes).await
        }
    };
    let (head, bytes) = answered(response).await;
    live.record(completed(call, &head, &bytes));
    Response::from_parts(head, Body::from(bytes))
}

/// A response's head and whole body.
async fn answered(response: Response) -> (axum::http::response::Parts, Bytes) {
    let (head, body) = response.into_parts();
    let bytes = crate::body::collect(body, usize::MAX)
        .await
        .unwrap_or_default();
    (head, bytes)
}

/// A recorded call, completed with its answer.
fn completed(call: Recorded, head: &axum::http::response::Parts, bytes: &Bytes) -> Recorded {
    let rule = head.headers.get(&crate::rule::X_IMBOT_RULE).cloned();
    call.answered(head.status.as_u16(), rule, bytes)
}

/// Runs a call, its body read, as the host's REST API answers it.
async fn apply(host: &Host, parts: &Parts, body: Bytes) -> Response {
    crate::routes::serve(host, parts, Payload::Read(body)).await
}

/// The method a REST path names, if it is one (`/rest/…/method`).
fn rest_method(uri: &Uri) -> Option<String> {
    let path = uri.path().strip_prefix("/rest/")?;
    path.rsplit('/').next().map(method_name)
}

/// The scenario kind's name, for the log.
fn kind(action: &Action) -> &'static str {
    match action {
        Action::Error { .. } => "error",
        Action::FailAfterApply { .. } => "fail_after_apply",
        Action::DropAfterApply => "drop_after_apply",
        Action::Delay { .. } => "delay",
        Action::Hold { .. } => "hold",
        Action::DeliveryError { .. } => "delivery_error",
        Action::DeliveryRefused => "delivery_refused",
        Action::DeliveryDelay { .. } => "delivery_delay",
    }
}

/// A response body that fails at once: the server closes the connection
/// before any byte of the answer is sent.
struct Dropped;

impl http_body::Body for Dropped {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        Poll::Ready(Some(Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "the answer is dropped by a scenario",
        ))))
    }
}
