//! Who may use the control API and the page: browser-safe checks, then
//! the access rule.
//!
//! A web page in the developer's browser can send requests to the host
//! (a simple cross-site request, or through DNS rebinding under its own
//! name). Each request to the page or the control API therefore passes,
//! in this order:
//!
//! 1. **Host**: the `Host` header names the address the connection came
//!    in on, `localhost`, `127.0.0.1` or `[::1]`, each with the port the
//!    connection came in on, or a name allowed with `--allow-host` (any
//!    port). Else 403 `HOST_NOT_ALLOWED`.
//! 2. **Origin**: an `Origin` header, when sent, is `http://` or
//!    `https://` followed by an authority that passes rule 1; a
//!    `Sec-Fetch-Site` header, when sent, is `same-origin` or `none`.
//!    Else 403 `ORIGIN_NOT_ALLOWED`.
//! 3. **Access**: with a control token, the request carries it (header
//!    `X-Control-Token`, or `token` in the query), compared in constant
//!    time; without one, the peer is a loopback address. Else 403
//!    `ACCESS_DENIED`.
//! 4. **Content type**: a request other than `GET` or `HEAD` (every call
//!    that changes something) has `Content-Type: application/json`, which
//!    a browser sends cross-site only after a preflight this host never
//!    grants. Else 415 `UNSUPPORTED_MEDIA_TYPE`.
//!
//! Every refusal is a JSON envelope, `{"error": CODE, "error_description":
//! REASON}`, and changes nothing.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{CONTENT_TYPE, HOST, ORIGIN, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use crate::live::{LiveHost, Settings};
use crate::reply::json;

/// The header that carries the control token.
pub static CONTROL_TOKEN: HeaderName = HeaderName::from_static("x-control-token");

/// The header browsers send to say where a request comes from.
static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// The address a connection came in on: the server attaches it to each
/// request, and the `Host` check compares with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listening(pub SocketAddr);

/// Why a request to the page or the control API was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `Host` names neither this host's address nor an allowed name.
    Host,
    /// `Origin` or `Sec-Fetch-Site` names another site.
    Origin,
    /// Neither the control token nor a loopback peer.
    Access,
    /// A changing call without `Content-Type: application/json`.
    MediaType,
    /// `secrets=1` asked by a peer that is not a loopback address.
    Secrets,
}

impl Refusal {
    /// The HTTP status.
    #[must_use]
    pub const fn status(self) -> u16 {
        match self {
            Self::MediaType => 415,
            _ => 403,
        }
    }

    /// The `error` code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Host => "HOST_NOT_ALLOWED",
            Self::Origin => "ORIGIN_NOT_ALLOWED",
            Self::Access | Self::Secrets => "ACCESS_DENIED",
            Self::MediaType => "UNSUPPORTED_MEDIA_TYPE",
        }
    }

    /// The reason, for `error_description`.
    #[must_use]
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Host => {
                "The Host header must name this host's address, localhost, \
                 127.0.0.1 or [::1] with its port, or a name allowed with --allow-host"
            }
            Self::Origin => "Requests from another origin are refused",
            Self::Access => "The control API answers loopback peers, or the control token",
            Self::MediaType => "Calls that change something need Content-Type: application/json",
            Self::Secrets => "Secrets are given to loopback peers only",
        }
    }

    /// The refusal as a response.
    #[must_use]
    pub fn response(self) -> Response {
        let body = json!({ "error": self.code(), "error_description": self.reason() });
        json(self.status(), &body)
    }
}

/// Compares two byte strings in time that depends only on their lengths,
/// never on where they first differ.
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Whether a request may use the control API: with a `token` configured,
/// exactly when it `presented` that token; without one, exactly when the
/// `peer` is a loopback address (an unknown peer is refused).
#[must_use]
pub fn allowed(token: Option<&str>, presented: Option<&str>, peer: Option<SocketAddr>) -> bool {
    match token {
        Some(token) => presented.is_some_and(|p| constant_time_eq(p.as_bytes(), token.as_bytes())),
        None => is_loopback(peer),
    }
}

/// Whether the peer is known and a loopback address.
#[must_use]
pub fn is_loopback(peer: Option<SocketAddr>) -> bool {
    peer.is_some_and(|p| p.ip().is_loopback())
}

/// Whether `authority` (a `Host` value, `name[:port]`) names this host:
/// its own address, a loopback name, each with the `local` port, or one
/// of the `allowed` names with any port.
#[must_use]
pub fn host_allowed(authority: &str, local: SocketAddr, allowed: &[String]) -> bool {
    let Some((name, port)) = split_authority(authority) else {
        return false;
    };
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(name)) {
        return true;
    }
    let own = match local {
        SocketAddr::V4(v4) => v4.ip().to_string(),
        SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
    };
    let loopback = ["localhost", "127.0.0.1", "[::1]", own.as_str()];
    port == Some(local.port()) && loopback.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// `name[:port]` split; `None` when the port is not a number.
fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    let colon = match authority.rfind(':') {
        Some(at) if !authority[at..].contains(']') => at,
        _ => return Some((authority, None)),
    };
    let port = authority[colon + 1..].parse().ok()?;
    Some((&authority[..colon], Some(port)))
}

/// Whether an `Origin` value is this host's own (see [`host_allowed`]).
#[must_use]
pub fn origin_allowed(origin: &str, local: SocketAddr, allowed: &[String]) -> bool {
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    authority.is_some_and(|a| !a.contains('/') && host_allowed(a, local, allowed))
}

/// Whether a `Sec-Fetch-Site` value is the page itself or the user.
fn site_allowed(value: &str) -> bool {
    value.eq_ignore_ascii_case("same-origin") || value.eq_ignore_ascii_case("none")
}

/// Whether the content type is JSON.
fn is_json(headers: &HeaderMap) -> bool {
    let value = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let essence = value.and_then(|v| v.split(';').next()).unwrap_or_default();
    essence.trim().eq_ignore_ascii_case("application/json")
}

/// A header's text, if it is there and readable (an unreadable one is
/// `Some("")`, which no check accepts).
fn header<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap_or_default())
}

/// Rules 1 and 2: the request names this host and comes from its pages.
///
/// # Errors
/// [`Refusal::Host`] or [`Refusal::Origin`].
pub fn check_browser(
    headers: &HeaderMap,
    local: Option<SocketAddr>,
    allowed: &[String],
) -> Result<(), Refusal> {
    let host = header(headers, &HOST).unwrap_or_default();
    let Some(local) = local.filter(|&l| host_allowed(host, l, allowed)) else {
        return Err(Refusal::Host);
    };
    if header(headers, &ORIGIN).is_some_and(|o| !origin_allowed(o, local, allowed)) {
        return Err(Refusal::Origin);
    }
    if header(headers, &SEC_FETCH_SITE).is_some_and(|s| !site_allowed(s)) {
        return Err(Refusal::Origin);
    }
    Ok(())
}

/// Every rule, in order, for one request.
///
/// # Errors
/// The first [`Refusal`].
pub fn check(request: &Request, settings: &Settings) -> Result<(), Refusal> {
    let local = request.extensions().get::<Listening>().map(|l| l.0);
    check_browser(request.headers(), local, &settings.allowed_hosts)?;
    let token = settings.control_token.as_deref();
    if !allowed(token, presented(request).as_deref(), peer(request)) {
        return Err(Refusal::Access);
    }
    let reads = matches!(*request.method(), Method::GET | Method::HEAD);
    if !reads && !is_json(request.headers()) {
        return Err(Refusal::MediaType);
    }
    Ok(())
}

/// The peer's address, when the server attached it.
pub(crate) fn peer(request: &Request) -> Option<SocketAddr> {
    let info = request.extensions().get::<ConnectInfo<SocketAddr>>();
    info.map(|info| info.0)
}

/// The token a request presents: the header, else `token` in the query.
fn presented(request: &Request) -> Option<String> {
    if let Some(value) = request.headers().get(&CONTROL_TOKEN) {
        return value.to_str().ok().map(str::to_owned);
    }
    let query = request.uri().query()?;
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        (name == "token").then(|| value.to_owned())
    })
}

/// The middleware: refuses what [`check`] refuses; answers carry
/// `X-Content-Type-Options: nosniff`.
pub(crate) async fn guard(
    State(live): State<Arc<LiveHost>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = match check(&request, &live.settings) {
        Ok(()) => next.run(request).await,
        Err(refusal) => refusal.response(),
    };
    let nosniff = HeaderValue::from_static("nosniff");
    response
        .headers_mut()
        .insert(X_CONTENT_TYPE_OPTIONS, nosniff);
    response
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::{allowed, constant_time_eq, host_allowed, origin_allowed};

    fn peer(text: &str) -> Option<SocketAddr> {
        text.parse().ok()
    }

    fn local() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8080))
    }

    #[test]
    fn constant_time_eq_is_equality_of_bytes() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        assert!(!constant_time_eq(b"s3cret", b"s3creT"));
        assert!(!constant_time_eq(b"s3cret", b"X3cret"));
        assert!(!constant_time_eq(b"s3cret", b"s3cre"));
        assert!(!constant_time_eq(b"s3cre", b"s3cret"));
        assert!(!constant_time_eq(b"", b"x"));
    }

    #[test]
    fn without_a_token_only_loopback_peers_are_allowed() {
        assert!(allowed(None, None, peer("127.0.0.1:5000")));
        assert!(allowed(None, None, peer("[::1]:5000")));
        assert!(!allowed(None, None, peer("10.0.0.7:5000")));
        assert!(!allowed(None, Some("anything"), peer("192.168.1.2:5000")));
        assert!(!allowed(None, None, None));
    }

    #[test]
    fn with_a_token_only_that_token_is_allowed_from_any_peer() {
        assert!(allowed(Some("s3"), Some("s3"), peer("10.0.0.7:5000")));
        assert!(!allowed(Some("s3"), None, peer("127.0.0.1:5000")));
        assert!(!allowed(Some("s3"), Some("s4"), peer("127.0.0.1:5000")));
        assert!(!allowed(Some("s3"), Some("s"), peer("10.0.0.7:5000")));
    }

    #[test]
    fn host_names_this_host_with_its_port_or_an_allowed_name() {
        let none: &[String] = &[];
        for good in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
        ] {
            assert!(host_allowed(good, local(), none), "{good}");
        }
        for bad in [
            "127.0.0.1:8081",
            "127.0.0.1",
            "localhost",
            "evil.example:8080",
            "127.0.0.1.evil.example:8080",
            "localhost:x",
            "",
        ] {
            assert!(!host_allowed(bad, local(), none), "{bad}");
        }
        let named = ["dev.box".to_owned()];
        assert!(host_allowed("dev.box:443", local(), &named));
        assert!(host_allowed("Dev.Box", local(), &named));
        assert!(!host_allowed("other.box:8080", local(), &named));
        let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 9000));
        assert!(host_allowed("[::1]:9000", v6, none));
        assert!(!host_allowed("[::1]:8080", v6, none));
    }

    #[test]
    fn origin_is_this_host_over_http_or_https() {
        let none: &[String] = &[];
        assert!(origin_allowed("http://127.0.0.1:8080", local(), none));
        assert!(origin_allowed("http://localhost:8080", local(), none));
        for bad in [
            "http://evil.example",
            "http://evil.example:8080",
            "null",
            "http://127.0.0.1:9999",
            "file://",
            "http://127.0.0.1:8080/x",
        ] {
            assert!(!origin_allowed(bad, local(), none), "{bad}");
        }
    }
}
