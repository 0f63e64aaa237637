//! The REST framework around the method: authentication, scopes, routing,
//! malformed and oversized requests, the request id, and the body/query
//! precedence. After every bad request the host keeps serving.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::{Server, agent};
use imbot_like_host::BODY_LIMIT;

const OAUTH: &str = "/rest/imbot.message.like";

#[test]
fn missing_and_unknown_auth_are_401() {
    let s = Server::default_world();
    s.form(OAUTH, "MESSAGE_ID=1")
        .assert_error(401, "NO_AUTH_FOUND");
    s.form(OAUTH, "auth=&MESSAGE_ID=1")
        .assert_error(401, "NO_AUTH_FOUND");
    s.form(OAUTH, "auth=nope&MESSAGE_ID=1")
        .assert_error(401, "invalid_token");
    s.json(OAUTH, r#"{"auth":7,"MESSAGE_ID":1}"#)
        .assert_error(401, "invalid_token");
    let hook = "/rest/1/wrong/imbot.message.like";
    s.form(hook, "MESSAGE_ID=1")
        .assert_error(401, "INVALID_CREDENTIALS");
    s.form("/rest/2/w-demo/im.message.like", "MESSAGE_ID=1")
        .assert_error(401, "INVALID_CREDENTIALS");
    s.form("/rest/x/w-demo/im.message.like", "MESSAGE_ID=1")
        .assert_error(401, "INVALID_CREDENTIALS");
    assert!(!s.liked(1, 39));
}

#[test]
fn a_missing_scope_is_401_insufficient_scope() {
    let s = Server::default_world();
    // t-demo has imbot only; w-tasks has neither imbot nor im.
    s.form("/rest/im.message.like", "auth=t-demo&MESSAGE_ID=1")
        .assert_error(401, "insufficient_scope");
    s.form("/rest/2/w-tasks/imbot.message.like", "MESSAGE_ID=1")
        .assert_error(401, "insufficient_scope");
    s.form("/rest/2/w-tasks/im.message.like", "MESSAGE_ID=1")
        .assert_error(401, "insufficient_scope");
    assert!(!s.liked(1, 2));
}

#[test]
fn unknown_methods_are_404() {
    let s = Server::default_world();
    s.get("/rest/imbot.message.unlike?auth=t-demo")
        .assert_error(404, "ERROR_METHOD_NOT_FOUND");
    s.get("/rest/1/w-demo/imbot.message.like.xml")
        .assert_error(404, "ERROR_METHOD_NOT_FOUND");
    s.get("/rest/a/b/c/d")
        .assert_error(404, "ERROR_METHOD_NOT_FOUND");
    s.get("/rest").assert_error(404, "ERROR_METHOD_NOT_FOUND");
    // Method names are read in any case.
    s.get("/rest/IMBOT.Message.Like.JSON?auth=t-demo&MESSAGE_ID=1")
        .assert_true();
}

#[test]
fn malformed_bodies_are_400_and_change_nothing() {
    let s = Server::default_world();
    let q = format!("{OAUTH}?auth=t-demo&MESSAGE_ID=1");
    s.json(&q, r#"{"ACTION":"plus""#)
        .assert_error(400, "INVALID_REQUEST");
    s.json(&q, r#"{"ACTION":"plus"} trailing"#)
        .assert_error(400, "INVALID_REQUEST");
    s.json(&q, r#"["plus"]"#)
        .assert_error(400, "INVALID_REQUEST");
    s.post(&q, "text/xml", "<a/>")
        .assert_error(400, "INVALID_REQUEST");
    s.post(
        &q,
        "application/x-www-form-urlencoded; charset=utf-8",
        "ACTION=%FF%FE",
    )
    .assert_true();
    assert!(s.liked(1, 39));
}

#[test]
fn the_body_wins_over_the_query() {
    let s = Server::default_world();
    let q = format!("{OAUTH}?auth=t-demo&MESSAGE_ID=999&ACTION=minus");
    s.json(&q, r#"{"message_id":1,"action":"plus"}"#)
        .assert_true();
    assert!(s.liked(1, 39));
    // Without a content type, a body that starts with `{` is JSON.
    let answer = common::Answer::from(
        agent()
            .post(&s.url(&q))
            .send(r#" {"MESSAGE_ID":2,"ACTION":"plus"}"#),
    );
    answer.assert_true();
    assert!(s.liked(2, 39));
}

#[test]
fn an_oversized_body_is_refused_and_the_host_keeps_serving() {
    let s = Server::default_world();
    let address = s.base.trim_start_matches("http://");
    // Announced too long: refused before a byte of the body is read.
    let mut stream = TcpStream::connect(address).unwrap();
    let head = format!(
        "POST {OAUTH}?auth=t-demo&MESSAGE_ID=1 HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        BODY_LIMIT + 1
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = [0u8; 512];
    let n = stream.read(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("PAYLOAD_TOO_LARGE"), "{text}");
    drop(stream);
    // Sent too long: refused (or the connection cut), never applied.
    let body = format!(
        "auth=t-demo&MESSAGE_ID=1&pad={}",
        "x".repeat(2 * BODY_LIMIT)
    );
    let sent = agent()
        .post(&s.url(OAUTH))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body.as_str());
    if let Ok(response) = sent {
        assert_eq!(response.status().as_u16(), 413);
    }
    assert!(!s.liked(1, 39));
    s.form(OAUTH, "auth=t-demo&MESSAGE_ID=1").assert_true();
}

#[test]
fn the_request_id_is_echoed() {
    let s = Server::default_world();
    for path in [
        format!("{OAUTH}?auth=t-demo&MESSAGE_ID=1"),
        "/rest/nope".to_owned(),
    ] {
        let response = agent()
            .get(&s.url(&path))
            .header("X-Request-ID", "req-42")
            .call();
        assert_eq!(
            common::Answer::from(response).request_id.as_deref(),
            Some("req-42")
        );
    }
    assert_eq!(s.get(OAUTH).request_id, None);
}

#[test]
fn get_and_post_are_served_other_verbs_are_not() {
    let s = Server::default_world();
    s.get(&format!("{OAUTH}?auth=t-demo&MESSAGE_ID=1"))
        .assert_true();
    s.form(OAUTH, "auth=t-demo&MESSAGE_ID=1").assert_true();
    let put = agent().put(&s.url(OAUTH)).send("auth=t-demo&MESSAGE_ID=1");
    common::Answer::from(put).assert_error(405, "METHOD_NOT_ALLOWED");
    assert!(!s.liked(1, 39));
}

#[test]
fn a_json_body_is_checked_whole_and_its_ids_by_exact_value() {
    let s = Server::default_world();
    s.json(OAUTH, r#"{"auth":"t-demo","MESSAGE_ID":1,"unread":[1,]}"#)
        .assert_error(400, "INVALID_REQUEST");
    s.json(OAUTH, r#"{"auth":"t-demo","BOT_ID":1e400,"MESSAGE_ID":1}"#)
        .assert_error(400, "BOT_ID_ERROR");
    s.json(OAUTH, r#"{"auth":"t-demo","MESSAGE_ID":1e400}"#)
        .assert_error(400, "MESSAGE_ID_ERROR");
    assert!(!s.liked(1, 39));
}

#[test]
fn a_request_without_an_id_is_logged_with_one_the_host_made() {
    use std::io::{BufRead, BufReader};
    let (mut child, base) = common::spawn_host(["--log", "info"], std::process::Stdio::piped());
    let answer = agent()
        .get(&format!("{base}{OAUTH}?auth=t-demo&MESSAGE_ID=1"))
        .call()
        .unwrap();
    assert!(answer.headers().get("x-request-id").is_none(), "not echoed");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("\"answered\"") {
        line.clear();
        assert_ne!(stderr.read_line(&mut line).unwrap(), 0, "no log line");
    }
    let logged: serde_json::Value = serde_json::from_str(&line).unwrap();
    let id = logged["span"]["request_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(id.starts_with("host-"), "{line}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn every_request_line_is_written_by_the_stop_in_the_order_answered() {
    use std::io::Read;
    let (mut child, base) = common::spawn_host(["--log", "info"], std::process::Stdio::piped());
    let sent = 200;
    for n in 0..sent {
        let answer = agent()
            .get(&format!("{base}{OAUTH}?auth=t-demo&MESSAGE_ID=1"))
            .header("X-Request-ID", &format!("line-{n}"))
            .call()
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    // A graceful stop hands on the lines still gathered.
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(child.wait().unwrap().success());
    let ids: Vec<String> = stderr
        .lines()
        .filter(|line| line.contains("\"answered\""))
        .map(|line| {
            let logged: serde_json::Value = serde_json::from_str(line).unwrap();
            logged["span"]["request_id"].as_str().unwrap().to_owned()
        })
        .collect();
    let expected: Vec<String> = (0..sent).map(|n| format!("line-{n}")).collect();
    assert_eq!(ids, expected);
}

#[test]
fn a_filter_on_fields_still_sees_the_request_lines_fields() {
    use std::io::Read;
    // Only lines with a `rule` field: the refused like's, not the other.
    let (mut child, base) =
        common::spawn_host(["--log", "[{rule}]=info"], std::process::Stdio::piped());
    for message in [1, 999_999] {
        let answer = agent()
            .get(&format!("{base}{OAUTH}?auth=t-demo&MESSAGE_ID={message}"))
            .call();
        assert!(answer.is_ok() || message != 1);
    }
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(child.wait().unwrap().success());
    let answered: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("\"answered\""))
        .collect();
    assert_eq!(answered.len(), 1, "{stderr}");
    assert!(answered[0].contains("\"rule\":\"L6"), "{stderr}");
}

/// Sends `head` on a connection of its own (closed by the request) and
/// returns everything the host sent back.
fn exchange(s: &Server, head: &str) -> String {
    let mut stream = TcpStream::connect(s.address()).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    String::from_utf8(answer).unwrap()
}

#[test]
fn a_head_request_gets_the_get_answers_head_and_no_body() {
    let s = Server::default_world();
    let request = |verb: &str, path: &str| {
        exchange(
            &s,
            &format!("{verb} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        )
    };
    for path in [
        "/rest/imbot.message.unlike?auth=t-demo",
        "/rest/imbot.message.like?auth=t-demo&MESSAGE_ID=1",
    ] {
        let got = request("GET", path);
        let (got_head, got_body) = got.split_once("\r\n\r\n").unwrap();
        let head = request("HEAD", path);
        let (head_head, head_body) = head.split_once("\r\n\r\n").unwrap();
        assert_eq!(head_body, "", "{head}");
        let status = |head: &str| head.lines().next().unwrap().to_owned();
        assert_eq!(status(head_head), status(got_head), "{head}");
        let length = format!("content-length: {}", got_body.len());
        assert!(got_head.contains(&length), "{got}");
        // Two likes' answers differ in their time blocks, whose numbers
        // may differ in length: the HEAD answer need only give one.
        if path.contains("unlike") {
            assert!(head_head.contains(&length), "{head}");
        } else {
            assert!(head_head.contains("content-length: "), "{head}");
        }
    }
}
