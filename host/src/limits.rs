//! How much the host lets a client take: connections, time and header
//! size. The defaults suit a host on an open port; every one can be
//! changed from the command line (see `options`).

use std::time::Duration;

/// The server's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; more wait in the listen queue until one
    /// closes.
    pub max_connections: usize,
    /// Time to receive a request's head, counted from when the host starts
    /// waiting for it: on a new connection, and between requests on a
    /// kept-alive one (so it also bounds an idle keep-alive connection).
    pub header_timeout: Duration,
    /// Time from a complete head to the answer: reading the body and
    /// running the call. Over it, the answer is 408 `REQUEST_TIMEOUT`.
    pub body_timeout: Duration,
    /// The longest a connection may go without a byte moving in either
    /// direction (a client that stops sending, or stops reading); then it
    /// is closed.
    pub idle_timeout: Duration,
    /// The largest request head (request line and headers) read, in bytes;
    /// a larger one is answered 431 (at least 8192).
    pub max_header_bytes: usize,
    /// The longest request URI (path and query), in bytes; a longer one
    /// is answered 414.
    pub max_uri_bytes: usize,
    /// On a stop, how long requests in flight may take to finish.
    pub shutdown_grace: Duration,
}

impl Limits {
    /// The smallest head buffer the HTTP layer accepts.
    pub const MIN_HEADER_BYTES: usize = 8192;
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_header_bytes: 64 * 1024,
            max_uri_bytes: 16 * 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}
