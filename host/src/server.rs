//! The server around the routes: connections, timeouts, limits, the
//! request log line, and a graceful stop.
//!
//! Built from hyper-util's connection builder and one service: hyper
//! bounds the head (size and time), `front` checks each head before hyper
//! reads it and answers one hyper would refuse (400, 414, 431) with the
//! envelope, `idle` closes a connection on which nothing moves, the
//! service (`Edge`) bounds the body and the call and writes the log
//! line, a semaphore caps the connections served at once, and
//! hyper-util's graceful watcher lets requests in flight finish on a
//! stop.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::header::CONTENT_LENGTH;
use axum::http::uri::PathAndQuery;
use axum::http::{HeaderValue, Method, Response, Uri};
use http_body::Body as _;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use imbot_like::wire::FrameworkError;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;
use tracing::Instrument;

use crate::envelope::fill_error_body;
use crate::front::Front;
use crate::guard::Listening;
use crate::idle::Idle;
use crate::limits::Limits;
use crate::reply::error;
use crate::request_line::RequestLog;
use crate::{SharedHost, router};

/// Serves the host's routes on `listener` with the default [`Limits`]
/// until the process ends.
///
/// # Errors
/// None in practice: accept errors are retried.
pub async fn serve(listener: TcpListener, host: SharedHost) -> io::Result<()> {
    serve_with(listener, host, Limits::default(), std::future::pending()).await
}

/// Serves the host's routes on `listener` within `limits` until `stop`
/// completes; then stops accepting, lets requests in flight finish (for
/// up to [`Limits::shutdown_grace`]) and returns.
///
/// # Errors
/// None in practice: accept errors (too many open files, a connection
/// reset before it was accepted) are logged and retried.
pub async fn serve_with(
    listener: TcpListener,
    host: SharedHost,
    limits: Limits,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let routes = router(Arc::clone(&host));
    let rest = move |request: Request| {
        let host = Arc::clone(&host);
        Box::pin(async move { crate::routes::rest(&host, request).await }) as RestCall
    };
    serve_routes(listener, routes, rest, limits, None, stop).await
}

/// Serves `routes` as [`serve_with`] does, the REST paths through `rest`;
/// each request to `routes` carries its peer's address as [`ConnectInfo`].
pub(crate) async fn serve_routes<R>(
    listener: TcpListener,
    routes: Router,
    rest: R,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    stop: impl Future<Output = ()>,
) -> io::Result<()>
where
    R: Fn(Request) -> RestCall + Clone + Send + 'static,
{
    // The front applies the parser's head rules with the same
    // `max_header_bytes` (and bounds trailers by it, as the parser does),
    // so that it refuses exactly the heads the parser would.
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.max(Limits::MIN_HEADER_BYTES) + 8192);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut stop = pin!(stop);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot.map_err(io::Error::other)?,
            () = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let local = stream.local_addr().ok().map(Listening);
        let app = Edge {
            routes: routes.clone(),
            rest: rest.clone(),
            peer,
            local,
            max_uri: limits.max_uri_bytes,
            call_timeout: limits.body_timeout,
        };
        let (http, watcher, tls) = (http.clone(), graceful.watcher(), tls.clone());
        tokio::spawn(async move {
            connection(stream, tls, http, watcher, app, limits).await;
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!("stopped with requests still in flight");
        }
    }
    Ok(())
}

/// Serves one connection: in plain HTTP, or through TLS when the host
/// serves HTTPS; a client of the other kind is logged (and a plain request
/// to an HTTPS port answered in plain HTTP, see `tls`).
async fn connection<A>(
    stream: TcpStream,
    tls: Option<TlsAcceptor>,
    http: hyper::server::conn::http1::Builder,
    watcher: Watcher,
    app: A,
    limits: Limits,
) where
    A: hyper::service::HttpService<hyper::body::Incoming> + Send + 'static,
    A::Future: Send + 'static,
    A::ResBody: Send + 'static,
    <A::ResBody as http_body::Body>::Data: Send,
    <A::ResBody as http_body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let _ = stream.set_nodelay(true);
    let first_byte = limits.header_timeout.min(limits.idle_timeout);
    let speaks_tls = crate::tls::speaks_tls(&stream, first_byte).await;
    match (tls, speaks_tls) {
        (_, None) => {}
        (None, Some(true)) => crate::tls::log_tls_on_plain(),
        (None, Some(false)) => {
            let io = TokioIo::new(connection_io(stream, &limits));
            let _ = watcher.watch(http.serve_connection(io, app)).await;
        }
        (Some(_), Some(false)) => crate::tls::refuse_plain(stream).await,
        (Some(acceptor), Some(true)) => match acceptor.accept(stream).await {
            Ok(secured) => {
                let io = TokioIo::new(connection_io(secured, &limits));
                let _ = watcher.watch(http.serve_connection(io, app)).await;
            }
            Err(e) => tracing::warn!(error = %e, "TLS handshake failed"),
        },
    }
}

/// A connection's stream as the HTTP parser reads it: closed after
/// `idle_timeout` with no byte moving, and through the `front`, which
/// answers a head the parser would refuse with the envelope.
fn connection_io<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    limits: &Limits,
) -> Front<Pin<Box<Idle<S>>>> {
    let io = Idle::new(stream, limits.idle_timeout);
    Front::new(Box::pin(io), limits.max_header_bytes)
}

/// The one service in front of the routes, for each request of a
/// connection: repeated slashes merged, the request's span and log line,
/// the URI's length checked (414), the call timed (408) and a bodiless
/// error answer given its envelope. A REST path (`/rest/…`) goes
/// straight to the REST API; any other goes through the router, with the
/// peer's address and the address the connection came in on attached.
///
/// Written out rather than stacked from tower layers and axum's router:
/// each of those wraps the call's future once more, and a like paid some
/// 7,000 instructions for them.
#[derive(Clone)]
struct Edge<R> {
    routes: Router,
    rest: R,
    peer: SocketAddr,
    local: Option<Listening>,
    max_uri: usize,
    call_timeout: Duration,
}

/// A call's answer, boxed where it is made: a REST call's future holds
/// every layer's below it, and the edge moves it before it runs.
pub(crate) type RestCall = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

/// What answers a request.
enum Target {
    /// Its URI is longer than the limit: 414.
    TooLong,
    /// A REST call.
    Rest(RestCall),
    /// The router's other paths (the page, the control API).
    Routes(RestCall),
}

impl<R> hyper::service::Service<Request<Incoming>> for Edge<R>
where
    R: Fn(Request) -> RestCall,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn call(&self, mut request: Request<Incoming>) -> Self::Future {
        merge_slashes(request.uri_mut());
        let started = Instant::now();
        let sent_id = request.headers().get(&crate::retry::REQUEST_ID);
        let (log, span) = RequestLog::begin(&request, sent_id);
        let head = request.method() == Method::HEAD;
        let target = self.target(request.map(Body::new));
        // No deadline for a limit past what the clock can count.
        let deadline = started.checked_add(self.call_timeout);
        let answer = async move {
            let response = match target {
                Target::TooLong => error(FrameworkError::UriTooLong),
                Target::Rest(call) => fill_error_body(top_level(timed(deadline, call).await, head)),
                Target::Routes(call) => fill_error_body(timed(deadline, call).await),
            };
            log.end(&response, started.elapsed());
            Ok(response)
        };
        Box::pin(answer.instrument(span))
    }
}

impl<R> Edge<R>
where
    R: Fn(Request) -> RestCall,
{
    /// Where a request goes.
    fn target(&self, mut request: Request) -> Target {
        let uri = request.uri();
        let len = uri.path_and_query().map_or(0, |pq| pq.as_str().len());
        if len > self.max_uri {
            return Target::TooLong;
        }
        if uri.path().starts_with("/rest/") {
            return Target::Rest((self.rest)(request));
        }
        request.extensions_mut().insert(ConnectInfo(self.peer));
        if let Some(local) = self.local {
            request.extensions_mut().insert(local);
        }
        let routed = self.routes.clone().oneshot(request);
        Target::Routes(Box::pin(async move {
            routed.await.unwrap_or_else(|never| match never {})
        }))
    }
}

/// `call`'s answer, or 408 once `deadline` (if any) has passed (reading
/// the body included).
fn timed(deadline: Option<Instant>, call: RestCall) -> Timed {
    Timed {
        call,
        deadline,
        timer: None,
    }
}

pin_project_lite::pin_project! {
    /// The future of [`timed`]. The deadline is checked before the call
    /// is polled: at it, the answer is 408 even if the call is ready in
    /// the same wake-up. The timer is made only when the call first has
    /// to wait, so a call answered in its first poll never touches the
    /// runtime's timer wheel (600 to 1,200 fewer instructions a like in
    /// the bench than with a timer made at once).
    struct Timed {
        call: RestCall,
        deadline: Option<Instant>,
        #[pin]
        timer: Option<tokio::time::Sleep>,
    }
}

impl Future for Timed {
    type Output = Response<Body>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response<Body>> {
        let mut this = self.project();
        let Some(deadline) = *this.deadline else {
            return this.call.as_mut().poll(cx);
        };
        let expired = match this.timer.as_mut().as_pin_mut() {
            Some(timer) => timer.poll(cx).is_ready(),
            None => Instant::now() >= deadline,
        };
        if expired {
            return Poll::Ready(error(FrameworkError::RequestTimeout));
        }
        if let Poll::Ready(response) = this.call.as_mut().poll(cx) {
            return Poll::Ready(response);
        }
        if this.timer.is_none() {
            let deadline = tokio::time::Instant::from_std(deadline);
            this.timer.set(Some(tokio::time::sleep_until(deadline)));
            let timer = this.timer.as_mut().as_pin_mut();
            if timer.is_some_and(|timer| timer.poll(cx).is_ready()) {
                return Poll::Ready(error(FrameworkError::RequestTimeout));
            }
        }
        Poll::Pending
    }
}

/// A REST call's answer as axum's router finishes one: an empty body's
/// length (`0`) put in the head, and for a HEAD request the length the
/// body would have had, and no body. (Any other body's length hyper
/// writes itself, in the same place: after the other headers.)
fn top_level(response: Response<Body>, head: bool) -> Response<Body> {
    let exact = response.body().size_hint().exact();
    if !head && exact != Some(0) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    if let Some(len) = exact {
        if !parts.headers.contains_key(CONTENT_LENGTH) {
            parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
        }
    }
    let body = if head { Body::empty() } else { body };
    Response::from_parts(parts, body)
}

/// Merges repeated slashes in the path (`/rest//method` is
/// `/rest/method`), as the web servers in front of portals do by default;
/// the query is left as sent.
fn merge_slashes(uri: &mut Uri) {
    if !uri.path().contains("//") {
        return;
    }
    let mut merged = String::with_capacity(uri.path().len());
    for c in uri.path().chars() {
        if !(c == '/' && merged.ends_with('/')) {
            merged.push(c);
        }
    }
    if let Some(query) = uri.query() {
        merged.push('?');
        merged.push_str(query);
    }
    let mut parts = uri.clone().into_parts();
    if let Ok(path) = PathAndQuery::try_from(merged) {
        parts.path_and_query = Some(path);
        if let Ok(merged) = Uri::from_parts(parts) {
            *uri = merged;
        }
    }
}
