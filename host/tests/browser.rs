//! The page and the control API beside a browser: what a page of another
//! site can send (a foreign `Host` through DNS rebinding, a foreign
//! `Origin`, a CORS-simple content type) is refused on every route with a
//! JSON reason, and the world does not change; the page's own requests
//! pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Server, error_code, raw, start_live};
use imbot_like_host::{DEFAULT_WORLD, LiveHost, Settings};

/// Every route of the page and the control API, with a body that would
/// change something where the route changes something.
const ROUTES: [(&str, &str, &str); 10] = [
    ("GET", "/", ""),
    ("GET", "/__control/view", ""),
    ("GET", "/__control/world", ""),
    ("PUT", "/__control/world", "{}"),
    ("POST", "/__control/world", "{}"),
    ("POST", "/__control/reset", ""),
    ("GET", "/__control/scenarios", ""),
    ("POST", "/__control/scenarios", SCENARIO),
    ("DELETE", "/__control/scenarios", ""),
    ("POST", "/__control/post", POST_AS_USER),
];

const POST_AS_USER: &str = r#"{"user":1,"dialog":"chat7","message":"from another site"}"#;

const SCENARIO: &str = r#"{"method":"im.message.add","kind":"error","code":"E"}"#;

/// Sends one request with these extra header lines; its status and body.
fn send(s: &Server, method: &str, path: &str, headers: &[String], body: &str) -> (u16, String) {
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for line in headers {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    raw(s.address(), head.as_bytes(), Duration::from_secs(5))
}

/// The `Host` line a browser sends for this server.
fn own_host(s: &Server) -> String {
    format!("Host: {}", s.address())
}

/// A world with one more message than the default, and an armed
/// scenario: what every refused request must leave as it is.
fn changed_world() -> (Server, std::sync::Arc<LiveHost>, String) {
    let (s, live) = start_live(DEFAULT_WORLD, Settings::default());
    let posted = s.get("/rest/1/w-demo/im.message.add?DIALOG_ID=chat7&MESSAGE=keep");
    assert_eq!(posted.body["result"], 4);
    assert_eq!(s.json("/__control/scenarios", SCENARIO).status, 200);
    let before = snapshot(&s);
    (s, live, before)
}

/// The world dump and the scenarios, as text.
fn snapshot(s: &Server) -> String {
    let world = s.get("/__control/world?secrets=1").body;
    let scenarios = s.get("/__control/scenarios").body;
    format!("{world}\n{scenarios}")
}

/// Sends every route with `headers` and asserts each is refused with
/// `status` and `code`, and that nothing changed.
fn assert_every_route_refused(headers: impl Fn(&Server) -> Vec<String>, status: u16, code: &str) {
    let (s, _live, before) = changed_world();
    for (method, path, body) in ROUTES {
        let (got, answer) = send(&s, method, path, &headers(&s), body);
        assert_eq!(got, status, "{method} {path}: {answer}");
        assert_eq!(error_code(&answer), code, "{method} {path}");
    }
    assert_eq!(snapshot(&s), before);
}

fn json_type() -> String {
    "Content-Type: application/json".to_owned()
}

#[test]
fn a_foreign_host_is_refused_on_every_route_and_nothing_changes() {
    // What a page of another site sends after rebinding its name to
    // 127.0.0.1.
    let rebound = |s: &Server| {
        let port = s.address().rsplit(':').next().unwrap().to_owned();
        vec![format!("Host: evil.example:{port}"), json_type()]
    };
    assert_every_route_refused(rebound, 403, "HOST_NOT_ALLOWED");
    let other_port = |_: &Server| vec!["Host: 127.0.0.1:1".to_owned(), json_type()];
    assert_every_route_refused(other_port, 403, "HOST_NOT_ALLOWED");
    let none = |_: &Server| vec![json_type()];
    assert_every_route_refused(none, 403, "HOST_NOT_ALLOWED");
}

#[test]
fn a_foreign_origin_is_refused_on_every_route_and_nothing_changes() {
    let cross = |s: &Server| {
        let origin = "Origin: http://evil.example".to_owned();
        vec![own_host(s), origin, json_type()]
    };
    assert_every_route_refused(cross, 403, "ORIGIN_NOT_ALLOWED");
    let null = |s: &Server| vec![own_host(s), "Origin: null".to_owned(), json_type()];
    assert_every_route_refused(null, 403, "ORIGIN_NOT_ALLOWED");
    let site = |s: &Server| {
        let fetch = "Sec-Fetch-Site: cross-site".to_owned();
        vec![own_host(s), fetch, json_type()]
    };
    assert_every_route_refused(site, 403, "ORIGIN_NOT_ALLOWED");
}

#[test]
fn a_text_plain_or_form_control_post_is_refused_and_nothing_changes() {
    let (s, _live, before) = changed_world();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let headers = [own_host(&s), format!("Content-Type: {content_type}")];
        for (method, path, body) in ROUTES.iter().filter(|r| r.0 != "GET") {
            let (status, answer) = send(&s, method, path, &headers, body);
            assert_eq!(status, 415, "{method} {path} {content_type}: {answer}");
            assert_eq!(error_code(&answer), "UNSUPPORTED_MEDIA_TYPE");
        }
    }
    let (status, _) = send(&s, "POST", "/__control/reset", &[own_host(&s)], "");
    assert_eq!(status, 415, "a changing call without any content type");
    assert_eq!(snapshot(&s), before);
}

#[test]
fn a_changing_call_is_not_a_get() {
    let (s, _live, before) = changed_world();
    let (status, _) = send(&s, "GET", "/__control/reset", &[own_host(&s)], "");
    assert_eq!(status, 405);
    assert_eq!(snapshot(&s), before);
}

#[test]
fn the_pages_own_origin_passes() {
    let (s, live, _) = changed_world();
    let origin = format!("Origin: http://{}", s.address());
    let fetch = "Sec-Fetch-Site: same-origin".to_owned();
    let headers = [own_host(&s), origin, fetch, json_type()];
    let (status, answer) = send(&s, "POST", "/__control/reset", &headers, "");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(live.host().inspect(|e| e.message_count()), 3);
    let port = s.address().rsplit(':').next().unwrap();
    for host in ["localhost", "127.0.0.1"] {
        let headers = [format!("Host: {host}:{port}")];
        let (status, answer) = send(&s, "GET", "/__control/view", &headers, "");
        assert_eq!(status, 200, "{host}: {answer}");
    }
    let typed = [own_host(&s), "Sec-Fetch-Site: none".to_owned()];
    assert_eq!(send(&s, "GET", "/", &typed, "").0, 200);
}

#[test]
fn an_allowed_host_name_passes_with_any_port() {
    let settings = Settings {
        allowed_hosts: vec!["dev.box".to_owned()],
        ..Settings::default()
    };
    let (s, _live) = start_live(DEFAULT_WORLD, settings);
    let headers = [
        "Host: dev.box:443".to_owned(),
        "Origin: https://dev.box:443".to_owned(),
    ];
    let (status, answer) = send(&s, "GET", "/__control/view", &headers, "");
    assert_eq!(status, 200, "{answer}");
    let other = ["Host: other.box:443".to_owned()];
    assert_eq!(send(&s, "GET", "/__control/view", &other, "").0, 403);
}

#[test]
fn the_rest_api_is_not_the_guards_to_refuse() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let headers = [
        "Host: evil.example".to_owned(),
        "Origin: http://evil.example".to_owned(),
    ];
    let path = "/rest/1/w-demo/im.message.like?MESSAGE_ID=1";
    let (status, answer) = send(&s, "GET", path, &headers, "");
    assert_eq!(status, 200, "{answer}");
}
