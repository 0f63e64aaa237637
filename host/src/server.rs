//! The server around the routes: connections, timeouts, limits, the
//! request log line, and a graceful stop.
//!
//! Built from hyper-util's connection builder and tower layers: hyper
//! bounds the head (size and time), `front` checks each head before hyper
//! reads it and answers one hyper would refuse (400, 414, 431) with the
//! envelope, `tokio-io-timeout` closes a connection on which nothing
//! moves, `tower_http`'s timeout bounds the body and the call, a semaphore
//! caps the connections served at once, and hyper-util's graceful watcher
//! lets requests in flight finish on a stop.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::uri::PathAndQuery;
use axum::http::{Response, StatusCode, Uri};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use imbot_like::wire::{FrameworkError, Reply};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_io_timeout::TimeoutStream;
use tokio_rustls::TlsAcceptor;
use tower::ServiceBuilder;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::envelope::fill_error_body;
use crate::front::Front;
use crate::guard::Listening;
use crate::limits::Limits;
use crate::{SharedHost, mask, router};

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
    serve_routes(listener, router(host), limits, None, stop).await
}

/// Serves `routes` as [`serve_with`] does; each request carries its peer's
/// address as [`ConnectInfo`].
pub(crate) async fn serve_routes(
    listener: TcpListener,
    routes: Router,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
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
        let app = TowerToHyperService::new(service(routes.clone(), &limits, peer, local));
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
) -> Front<std::pin::Pin<Box<TimeoutStream<S>>>> {
    let mut io = TimeoutStream::new(stream);
    io.set_read_timeout(Some(limits.idle_timeout));
    io.set_write_timeout(Some(limits.idle_timeout));
    Front::new(Box::pin(io), limits.max_header_bytes)
}

/// The routes in their layers, outermost first: repeated slashes merged,
/// one log line per request, the peer's address and the address the
/// connection came in on attached, the URI length checked, error bodies
/// filled, the body and call timed.
fn service(
    routes: Router,
    limits: &Limits,
    peer: SocketAddr,
    local: Option<Listening>,
) -> impl tower::Service<
    Request<hyper::body::Incoming>,
    Response = Response<
        impl http_body::Body<Data = axum::body::Bytes, Error = impl Into<tower::BoxError>>
        + Send
        + 'static,
    >,
    Error = Infallible,
    Future = impl Send + 'static,
> + Clone
+ Send
+ 'static {
    let max_uri = limits.max_uri_bytes;
    ServiceBuilder::new()
        .map_request(merge_slashes::<hyper::body::Incoming>)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(log_response)
                .on_body_chunk(())
                .on_eos(())
                .on_failure(()),
        )
        .map_request(move |request: Request<hyper::body::Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            if let Some(local) = local {
                request.extensions_mut().insert(local);
            }
            request
        })
        .layer_fn(move |inner| UriLimit {
            inner,
            max: max_uri,
        })
        .map_response(fill_error_body)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.body_timeout,
        ))
        .service(routes)
}

/// The id a request is logged under: the client's `X-Request-ID`, or,
/// when it sent none, one the host makes (not sent back: the header
/// itself is a retry key, see `retry`).
fn request_id<B>(request: &Request<B>) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let sent = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok());
    match sent {
        Some(id) => id.to_owned(),
        None => format!(
            "host-{:x}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ),
    }
}

/// The span of one request: its method, path (a webhook code masked) and
/// request id. Its fields (the masked path, the id) are made only for a
/// span the log keeps, so a host that logs no requests makes none.
fn request_span<B>(request: &Request<B>) -> Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %mask::path(request.uri().path()),
        request_id = %request_id(request),
    )
}

/// The request's log line: status, latency and the rule behind a refusal
/// (see `rule`), in the request's span.
fn log_response<B>(response: &Response<B>, latency: Duration, _: &Span) {
    let latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
    let status = response.status().as_u16();
    match crate::rule::in_response(response) {
        Some(rule) => tracing::info!(status, latency_us, rule, "answered"),
        None => tracing::info!(status, latency_us, "answered"),
    }
}

/// Answers 414 for a URI longer than `max` bytes, in front of the
/// service it wraps: a plain service rather than `middleware::from_fn`,
/// which boxes the inner service and its future on every request.
#[derive(Clone)]
struct UriLimit<S> {
    inner: S,
    max: usize,
}

impl<S> tower::Service<Request> for UriLimit<S>
where
    S: tower::Service<Request, Response = Response<Body>, Error = Infallible>,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = UriChecked<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let uri = request.uri();
        let len = uri.path_and_query().map_or(0, |pq| pq.as_str().len());
        if len > self.max {
            let reply = Reply::from(FrameworkError::UriTooLong);
            let answer = crate::reply::json(StatusCode::URI_TOO_LONG.as_u16(), &reply);
            return UriChecked::TooLong {
                answer: Some(answer),
            };
        }
        UriChecked::Passed {
            inner: self.inner.call(request),
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer of [`UriLimit`]: 414 at once, or the inner service's.
    #[project = UriCheckedProj]
    enum UriChecked<F> {
        TooLong { answer: Option<Response<Body>> },
        Passed { #[pin] inner: F },
    }
}

impl<F> Future for UriChecked<F>
where
    F: Future<Output = Result<Response<Body>, Infallible>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        match self.project() {
            UriCheckedProj::TooLong { answer } => {
                Poll::Ready(Ok(answer.take().expect("polled after it was answered")))
            }
            UriCheckedProj::Passed { inner } => inner.poll(cx),
        }
    }
}

/// Merges repeated slashes in the path (`/rest//method` is
/// `/rest/method`), as the web servers in front of portals do by default;
/// the query is left as sent.
fn merge_slashes<B>(mut request: Request<B>) -> Request<B> {
    let uri = request.uri();
    if !uri.path().contains("//") {
        return request;
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
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}
