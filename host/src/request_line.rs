//! Each request's log line (`"answered"`): begun when the request comes,
//! written with its answer.
//!
//! In `rest_host` the host makes the line itself, byte for byte as
//! [`LogFormat`] and [`LogFields`] write a `request` span's event, and
//! gathers the lines of many requests into one message for the log's
//! writer thread (`tracing-appender`'s), so that a burst of requests wakes
//! that thread once, not once a line. Elsewhere (no writer given) the line
//! is a `tracing` event in a `request` span, as any subscriber takes it.

use std::cell::RefCell;
use std::fmt;
use std::io::Write as _;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use axum::http::{HeaderValue, Method, Request, Response, Uri};
use tracing::Span;
use tracing_appender::non_blocking::NonBlocking;
use tracing_subscriber::fmt::format::Writer;

#[cfg(doc)]
use crate::logline::{LogFields, LogFormat};
use crate::logline::{digits, escaped, string, timestamp};

/// The target of the request span and of its line.
const REQUESTS: &str = "imbot_like_host::server";

/// Where the host writes request lines itself, once set.
static REQUEST_LINES: OnceLock<NonBlocking> = OnceLock::new();

/// Has each request's line made by the host and handed to `writer` (see
/// the module's docs) instead of being logged as a `tracing` span and
/// event, which took some three times the instructions. The line is
/// written when the subscriber keeps `INFO` of the target
/// `imbot_like_host::server`, which it decides by target and level only:
/// the request then has no span, so an event logged while it is served
/// carries none, and a filter on span or field names (`[request]`,
/// `[{rule}]`) does not see it. Leave it unset for such a filter.
///
/// Lines are handed on `wait` after the first of them ([`GATHER_WAIT`]
/// in `rest_host`), or once [`GATHER_BYTES`] wait, in the order they were
/// made, and the writer is called under the lock that keeps that order:
/// a writer that is not lossy makes requests wait while its queue is
/// full. Dropping the returned guard hands on the rest. Only the first
/// call counts.
///
/// # Panics
/// If the thread that hands lines on cannot be started.
#[must_use = "the lines still gathered are handed on when the guard drops"]
pub fn write_requests_to(writer: NonBlocking, wait: Duration) -> Gathered {
    if REQUEST_LINES.set(writer).is_ok() {
        std::thread::Builder::new()
            .name("request-lines".to_owned())
            .spawn(move || hand_on_in_time(wait))
            .expect("the request lines' thread starts");
    }
    Gathered(())
}

/// How long `rest_host` lets the first line gathered wait for others
/// before all are handed on.
pub const GATHER_WAIT: Duration = Duration::from_millis(10);

/// Bytes of lines that are handed on at once, without waiting.
pub const GATHER_BYTES: usize = 16 * 1024;

/// The lines gathered, not yet handed on.
static GATHERING: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Told when a line comes while none is gathered.
static FIRST_LINE: Condvar = Condvar::new();

/// Hands the lines still gathered to the writer when dropped.
#[derive(Debug)]
pub struct Gathered(());

impl Drop for Gathered {
    fn drop(&mut self) {
        hand_on(&mut gathering());
    }
}

fn gathering() -> MutexGuard<'static, Vec<u8>> {
    GATHERING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Adds a line to those gathered: the first wakes the thread that hands
/// them on in time, and a full gathering is handed on at once.
fn gather(line: &[u8]) {
    let mut gathered = gathering();
    let first = gathered.is_empty();
    gathered.extend_from_slice(line);
    if gathered.len() >= GATHER_BYTES {
        hand_on(&mut gathered);
    } else if first {
        drop(gathered);
        FIRST_LINE.notify_one();
    }
}

/// Hands the gathered lines to the writer as one message, which it
/// queues (with its queue full, a lossy writer drops it, another waits)
/// without failing.
fn hand_on(gathered: &mut Vec<u8>) {
    if let Some(writer) = REQUEST_LINES.get().filter(|_| !gathered.is_empty()) {
        let _ = writer.clone().write_all(gathered);
    }
    gathered.clear();
}

/// The thread that hands on, `wait` after the first, the lines that did
/// not fill a gathering.
fn hand_on_in_time(wait: Duration) {
    loop {
        let mut gathered = gathering();
        while gathered.is_empty() {
            gathered = FIRST_LINE
                .wait(gathered)
                .unwrap_or_else(PoisonError::into_inner);
        }
        drop(gathered);
        std::thread::sleep(wait);
        hand_on(&mut gathering());
    }
}

/// The id a request is logged under: the client's `X-Request-ID`, or,
/// when it sent none, one the host makes (not sent back: the header
/// itself is a retry key), written where it is displayed.
enum RequestId {
    Sent(HeaderValue),
    Made(u64),
}

impl RequestId {
    fn of(sent: Option<&HeaderValue>) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        match sent.filter(|id| id.to_str().is_ok()) {
            Some(id) => Self::Sent(id.clone()),
            None => Self::Made(NEXT.fetch_add(1, Ordering::Relaxed)),
        }
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sent(id) => f.write_str(id.to_str().unwrap_or_default()),
            Self::Made(n) => write!(f, "{}{n}", made_prefix()),
        }
    }
}

/// What an id the host makes starts with: `host-`, the process id in
/// hexadecimal, and `-` (the count of ids made follows).
fn made_prefix() -> &'static str {
    static PREFIX: OnceLock<String> = OnceLock::new();
    PREFIX.get_or_init(|| format!("host-{:x}-", std::process::id()))
}

/// A request's log line, from the request's head to its answer: either
/// the request's own fields, kept to be written with the answer, or
/// (when the host writes no lines itself) a `tracing` span.
pub(crate) struct RequestLog(Option<RequestLine>);

/// What a request's line says of the request.
struct RequestLine {
    method: Method,
    uri: Uri,
    id: RequestId,
}

impl RequestLog {
    /// Begins the line of `request`, whose `X-Request-ID` is `sent`; the
    /// span is the one the request is served in.
    pub(crate) fn begin<B>(request: &Request<B>, sent: Option<&HeaderValue>) -> (Self, Span) {
        let direct = REQUEST_LINES.get().is_some()
            && tracing::enabled!(target: REQUESTS, tracing::Level::INFO);
        if direct {
            let line = RequestLine {
                method: request.method().clone(),
                uri: request.uri().clone(),
                id: RequestId::of(sent),
            };
            return (Self(Some(line)), Span::none());
        }
        let span = tracing::info_span!(
            target: REQUESTS,
            "request",
            method = %request.method(),
            path = %crate::mask::MaskedPath(request.uri().path()),
            request_id = %RequestId::of(sent),
        );
        (Self(None), span)
    }

    /// Logs the answer: its status, the time taken and the rule behind a
    /// refusal (see `rule`).
    pub(crate) fn end<B>(self, response: &Response<B>, latency: Duration) {
        let latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let status = response.status().as_u16();
        let rule = crate::rule::in_response(response);
        match (self.0, rule) {
            (Some(line), _) => line.send(status, latency_us, rule),
            (None, Some(rule)) => {
                tracing::info!(target: REQUESTS, status, latency_us, rule, "answered");
            }
            (None, None) => tracing::info!(target: REQUESTS, status, latency_us, "answered"),
        }
    }
}

impl RequestLine {
    /// Writes the line into a buffer of the thread's and gathers it.
    fn send(&self, status: u16, latency_us: u64, rule: Option<&str>) {
        thread_local! {
            static LINE: RefCell<String> = RefCell::new(String::with_capacity(LINE_BYTES));
        }
        LINE.with_borrow_mut(|line| {
            line.clear();
            if self
                .write(&mut Writer::new(line), status, latency_us, rule)
                .is_ok()
            {
                gather(line.as_bytes());
            }
        });
    }

    /// The line, as [`LogFormat`] writes the request span's event.
    fn write(
        &self,
        w: &mut Writer<'_>,
        status: u16,
        latency_us: u64,
        rule: Option<&str>,
    ) -> fmt::Result {
        w.write_str("{\"timestamp\":\"")?;
        timestamp(w)?;
        w.write_str("\",\"level\":\"INFO\",\"message\":\"answered\",\"status\":")?;
        digits(w, u64::from(status))?;
        w.write_str(",\"latency_us\":")?;
        digits(w, latency_us)?;
        if let Some(rule) = rule {
            w.write_str(",\"rule\":")?;
            string(w, rule)?;
        }
        w.write_str(",\"target\":")?;
        string(w, REQUESTS)?;
        w.write_str(",\"span\":{\"method\":")?;
        string(w, self.method.as_str())?;
        w.write_str(",\"path\":\"")?;
        for piece in crate::mask::MaskedPath(self.uri.path()).pieces() {
            escaped(w, piece)?;
        }
        w.write_str("\",\"request_id\":")?;
        match &self.id {
            RequestId::Sent(id) => string(w, id.to_str().unwrap_or_default())?,
            RequestId::Made(n) => {
                w.write_char('"')?;
                w.write_str(made_prefix())?;
                digits(w, *n)?;
                w.write_char('"')?;
            }
        }
        w.write_str(",\"name\":\"request\"}}\n")
    }
}

/// Bytes reserved for a request's line: most lines fit.
const LINE_BYTES: usize = 512;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Duration;

    use tracing_subscriber::fmt::format::Writer;

    use super::{RequestId, RequestLine, RequestLog};
    use crate::logline::tests::Lines;
    use crate::logline::{LogFields, LogFormat};

    /// A line without its timestamp.
    fn stamp_cut(line: &str) -> &str {
        &line[line.find("\",\"level\"").unwrap()..]
    }

    #[test]
    fn a_request_line_made_by_the_host_is_the_one_its_span_and_event_make() {
        use axum::http::{HeaderValue, Request, Response, StatusCode};

        let request = Request::get("/rest/1/c0de/imbot.message.like?auth=x")
            .header("x-request-id", "r\"1\\")
            .body(())
            .unwrap();
        let sent = request.headers().get("x-request-id");
        for rule in [None, Some("L7")] {
            let mut response = Response::new(());
            *response.status_mut() = StatusCode::BAD_REQUEST;
            if let Some(rule) = rule {
                response.headers_mut().insert(
                    crate::rule::X_IMBOT_RULE.clone(),
                    HeaderValue::from_static(rule),
                );
            }
            let lines = Lines::default();
            let subscriber = tracing_subscriber::fmt()
                .fmt_fields(LogFields)
                .with_writer(lines.clone())
                .event_format(LogFormat)
                .finish();
            tracing::subscriber::with_default(subscriber, || {
                let (log, span) = RequestLog::begin(&request, sent);
                assert!(log.0.is_none(), "no writer of the host's is set here");
                span.in_scope(|| log.end(&response, Duration::from_micros(437)));
            });
            let traced = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
            let line = RequestLine {
                method: request.method().clone(),
                uri: request.uri().clone(),
                id: RequestId::of(sent),
            };
            let mut direct = String::new();
            line.write(&mut Writer::new(&mut direct), 400, 437, rule)
                .unwrap();
            assert_eq!(stamp_cut(&direct), stamp_cut(&traced));
            assert!(direct.ends_with("}\n"));
            let parsed: serde_json::Value = serde_json::from_str(&direct).unwrap();
            assert_eq!(parsed["span"]["path"], "/rest/1/***/imbot.message.like");
            assert_eq!(parsed["span"]["request_id"], "r\"1\\");
            assert_eq!(parsed["rule"].as_str(), rule);
        }
    }

    #[test]
    fn a_request_without_an_id_gets_one_the_host_made() {
        let made = RequestId::of(None).to_string();
        let prefix = format!("host-{:x}-", std::process::id());
        let n = made.strip_prefix(&prefix).unwrap();
        assert!(n.parse::<u64>().unwrap() >= 1, "{made}");
        assert_ne!(RequestId::of(None).to_string(), made);
    }
}
