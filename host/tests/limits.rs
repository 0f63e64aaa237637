//! The server on an open port: every error carries the JSON envelope,
//! slow and idle clients are cut off, connections are capped, callers are
//! rate-limited on request, and a stop lets requests in flight finish.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Server, agent, error_code, raw};
use imbot_like_host::{DEFAULT_WORLD, Host, Limits, RateLimit, serve_with};

const LIKE: &str = "/rest/imbot.message.like";
const WAIT: Duration = Duration::from_secs(5);

fn short(limits: Limits) -> Server {
    Server::start_with(DEFAULT_WORLD, limits, |host| host)
}

#[test]
fn http_level_errors_carry_the_json_envelope() {
    let s = Server::default_world();
    let a = s.address();
    let cases: [(String, u16, &str); 5] = [
        (
            format!(
                "PUT {LIKE} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            ),
            405,
            "METHOD_NOT_ALLOWED",
        ),
        (
            format!(
                "GET {LIKE}?pad={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "x".repeat(20_000)
            ),
            414,
            "URI_TOO_LONG",
        ),
        (
            format!(
                "GET {LIKE} HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n",
                "x".repeat(100_000)
            ),
            431,
            "REQUEST_HEADER_FIELDS_TOO_LARGE",
        ),
        ("NOT HTTP AT ALL\r\n\r\n".to_owned(), 400, "INVALID_REQUEST"),
        (
            format!("GET {LIKE} HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"),
            400,
            "INVALID_REQUEST",
        ),
    ];
    for (request, status, code) in cases {
        let (got, body) = raw(a, request.as_bytes(), WAIT);
        assert_eq!(got, status, "{body}");
        assert_eq!(error_code(&body), code);
    }
    // A URI the parser itself refuses (over 64 KiB) gets one too.
    let huge = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "x".repeat(70_000));
    let limits = Limits {
        max_header_bytes: 256 * 1024,
        max_uri_bytes: 1 << 20,
        ..Limits::default()
    };
    let wide = short(limits);
    let (got, body) = raw(wide.address(), huge.as_bytes(), WAIT);
    assert_eq!((got, error_code(&body).as_str()), (414, "URI_TOO_LONG"));
    s.form(LIKE, "auth=t-demo&MESSAGE_ID=1").assert_true();
}

#[test]
fn a_malformed_head_after_valid_requests_is_answered_in_turn_with_the_envelope() {
    let valid = format!("GET {LIKE}?auth=t-demo&MESSAGE_ID=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    let body = "auth=t-demo&MESSAGE_ID=2";
    let post = format!(
        "POST {LIKE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\n\r\n{:x};ext=1\r\n{body}\r\n0\r\nX-Trailer: 1\r\n\r\n",
        body.len()
    );
    for bad in [
        "GET / HTTP/1.1\r\nBad Header\r\n\r\n".to_owned(),
        format!("GET / HTTP/1.1\r\nX-Pad: {}\r\n\r\n", "x".repeat(70_000)),
    ] {
        let s = Server::default_world();
        let all = format!("{valid}{post}{bad}");
        let mut stream = TcpStream::connect(s.address()).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        stream.write_all(all.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        let statuses: Vec<&str> = answer
            .match_indices("HTTP/1.1 ")
            .map(|(i, _)| &answer[i + 9..i + 12])
            .collect();
        let refused = if bad.len() > 1000 { "431" } else { "400" };
        assert_eq!(statuses, ["200", "200", refused], "{answer}");
        let last = answer.rsplit("\r\n\r\n").next().unwrap_or_default();
        let code = if bad.len() > 1000 {
            "REQUEST_HEADER_FIELDS_TOO_LARGE"
        } else {
            "INVALID_REQUEST"
        };
        assert_eq!(error_code(last), code, "{answer}");
        assert!(s.liked(1, 39) && s.liked(2, 39));
    }
}

#[test]
fn a_slow_head_is_cut_at_the_header_timeout() {
    let limits = Limits {
        header_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let s = short(limits);
    let began = Instant::now();
    let (status, _) = raw(
        s.address(),
        format!("GET {LIKE} HTTP/1.1\r\nHo").as_bytes(),
        WAIT,
    );
    assert_eq!(status, 0, "closed without an answer");
    assert!(
        began.elapsed() < Duration::from_secs(3),
        "{:?}",
        began.elapsed()
    );
}

#[test]
fn a_short_body_is_answered_408_at_the_body_timeout() {
    let limits = Limits {
        body_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let s = short(limits);
    let head = format!(
        "POST {LIKE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 100\r\n\r\nauth=t-demo"
    );
    let began = Instant::now();
    let (status, body) = raw(s.address(), head.as_bytes(), WAIT);
    assert_eq!(
        (status, error_code(&body).as_str()),
        (408, "REQUEST_TIMEOUT")
    );
    assert!(began.elapsed() < Duration::from_secs(3));
    assert!(!s.liked(1, 39));
}

#[test]
fn an_idle_connection_is_closed_at_the_idle_timeout() {
    let limits = Limits {
        idle_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let s = short(limits);
    let began = Instant::now();
    let (status, _) = raw(s.address(), b"", WAIT);
    assert_eq!(status, 0);
    let waited = began.elapsed();
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

#[test]
fn connections_over_the_cap_wait_for_a_free_slot() {
    let limits = Limits {
        max_connections: 2,
        ..Limits::default()
    };
    let s = short(limits);
    let holders: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(s.address()).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut third = TcpStream::connect(s.address()).unwrap();
    let request = format!(
        "GET {LIKE}?auth=t-demo&MESSAGE_ID=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    );
    third.write_all(request.as_bytes()).unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 1024];
    assert!(third.read(&mut buf).is_err(), "served over the cap");
    drop(holders);
    third.set_read_timeout(Some(WAIT)).unwrap();
    let n = third.read(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
}

#[test]
fn over_the_rate_limit_is_503_query_limit_exceeded() {
    let limit = RateLimit::new(0.5, 2).unwrap();
    let s = Server::start_with(DEFAULT_WORLD, Limits::default(), |host| {
        host.with_rate_limit(limit)
    });
    s.form(LIKE, "auth=t-demo&MESSAGE_ID=1&ACTION=plus")
        .assert_true();
    s.form(LIKE, "auth=t-demo&MESSAGE_ID=1&ACTION=minus")
        .assert_true();
    let over = s.form(LIKE, "auth=t-demo&MESSAGE_ID=1&ACTION=plus");
    over.assert_error(503, "QUERY_LIMIT_EXCEEDED");
    assert_eq!(over.body["error_description"], "Too many requests");
    assert!(!s.liked(1, 39), "a refused call changes nothing");
    // Each application and each webhook has its own bucket.
    s.form(LIKE, "auth=t-other&BOT_ID=40&MESSAGE_ID=1")
        .assert_true();
    s.form("/rest/1/w-demo/im.message.like", "MESSAGE_ID=1")
        .assert_true();
    // Off by default.
    let open = Server::default_world();
    for _ in 0..5 {
        open.form(LIKE, "auth=t-demo&MESSAGE_ID=1").assert_true();
    }
}

#[test]
fn a_stop_lets_requests_in_flight_finish() {
    let host = Arc::new(Host::default_world().unwrap());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let served = Arc::clone(&host);
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let stop = async { drop(stop_rx.await) };
            serve_with(listener, served, Limits::default(), stop).await
        })
    });
    // A request whose body is still on its way when the stop comes.
    let mut stream = TcpStream::connect(&address).unwrap();
    let body = "auth=t-demo&MESSAGE_ID=1&ACTION=plus";
    let head = format!(
        "POST {LIKE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    stop_tx.send(()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // No new connection is served.
    let refused = TcpStream::connect(&address).and_then(|mut s| {
        s.set_read_timeout(Some(Duration::from_millis(500)))?;
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")?;
        s.read(&mut [0u8; 64])
    });
    assert!(!matches!(refused, Ok(n) if n > 0), "served after the stop");
    stream.write_all(body.as_bytes()).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut answer = [0u8; 1024];
    let n = stream.read(&mut answer).unwrap();
    assert!(
        answer[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer[..n])
    );
    server.join().unwrap().unwrap();
    assert!(host.inspect(|e| e.is_liked_by(
        imbot_like::MessageId::new(1).unwrap(),
        imbot_like::UserId::new(39).unwrap()
    )));
    let _ = agent();
}
