//! No credential leaves the host: the page's view and request log, the
//! world dump, the listed scenarios and the log line on stderr mask
//! access tokens, webhook codes, bot tokens and secret parameters; a dump
//! carries them only with `?secrets=1`, and only to a loopback peer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{agent, spawn_host, start_live};
use imbot_like_host::{DEFAULT_WORLD, Settings};

/// Every credential of the default world.
const SECRETS: [&str; 6] = [
    "t-demo",
    "t-other",
    "w-demo",
    "w-other",
    "w-tasks",
    "bot-secret",
];

fn assert_no_secret(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[test]
fn the_view_masks_a_bot_token_in_a_query_and_every_credential_of_the_world() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let calls = [
        "/rest/1/w-demo/imbot.v2.Chat.Message.Reaction.add?botToken=bot-secret&botId=42&messageId=1&reaction=like",
        "/rest/1/w-demo/imbot.v2.Chat.Message.Reaction.delete?BOT_TOKEN=bot-secret&botId=42",
        "/rest/imbot.message.like?auth=t-demo&BOT_ID=39&MESSAGE_ID=1",
        "/rest/imbot.message.like?auth%5Bapplication_token%5D=t-other&MESSAGE_ID=1",
    ];
    for call in calls {
        s.get(call);
    }
    let view = s.get("/__control/view").body;
    let requests = view["requests"].as_array().unwrap();
    assert_eq!(requests.len(), calls.len());
    assert!(
        requests[0]["path"]
            .as_str()
            .unwrap()
            .starts_with("/rest/1/***/imbot.v2.Chat.Message.Reaction.add?botToken=***&botId=42"),
        "{}",
        requests[0]["path"]
    );
    assert_no_secret(&view.to_string());
}

#[test]
fn the_world_dump_is_masked_unless_a_loopback_peer_asks_for_secrets() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let masked = s.get("/__control/world");
    assert_eq!(masked.status, 200);
    assert_no_secret(&masked.body.to_string());
    assert_eq!(masked.body["webhooks"][0]["token"], "***");
    assert_eq!(masked.body["bots"][3]["registered_by"], "1/***");
    let full = s.get("/__control/world?secrets=1");
    assert_eq!(full.status, 200);
    assert_eq!(full.body["apps"][0]["tokens"][0]["token"], "t-demo");
    assert_eq!(full.body["bots"][3]["token"], "bot-secret");
}

/// The router's status and body for a GET from `peer` with the control
/// token.
fn from_peer(peer: &str, path: &str) -> (u16, String) {
    let settings = Settings {
        control_token: Some("s3cret".into()),
        ..Settings::default()
    };
    common::through_router(settings, peer, Some("s3cret"), path)
}

#[test]
fn secrets_are_never_dumped_to_a_peer_beyond_loopback_even_with_the_token() {
    let (status, body) = from_peer("10.1.2.3:40000", "/__control/world?secrets=1");
    assert_eq!(status, 403, "{body}");
    assert_no_secret(&body);
    let (status, body) = from_peer("10.1.2.3:40000", "/__control/world");
    assert_eq!(status, 200, "{body}");
    assert_no_secret(&body);
    let (status, body) = from_peer("127.0.0.1:40000", "/__control/world?secrets=1");
    assert_eq!(status, 200);
    assert!(body.contains("bot-secret"));
}

#[test]
fn listed_scenarios_mask_secret_parameters() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let scenario = r#"{"method":"imbot.v2.Chat.Message.Reaction.add","params":{"botToken":"bot-secret"},"kind":"error","code":"E"}"#;
    assert_eq!(s.json("/__control/scenarios", scenario).status, 200);
    let list = s.get("/__control/scenarios").body;
    assert_eq!(list["result"][0]["params"]["botToken"], "***");
    assert_no_secret(&list.to_string());
}

#[test]
fn the_log_line_on_stderr_carries_no_webhook_code() {
    let (mut child, base) = spawn_host(["--log", "info"], Stdio::piped());
    let mut response = agent()
        .get(&format!(
            "{base}/rest/1/w-demo/im.message.like?MESSAGE_ID=1"
        ))
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let _ = response.body_mut().read_to_string();
    // The log is written off the request path: wait for its line (up to
    // 10 s) before stopping the host.
    let stderr = child.stderr.take().unwrap();
    let (lines, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut log = String::new();
    while !log.contains("im.message.like") {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = seen.recv_timeout(left) else {
            break;
        };
        log.push_str(&line);
        log.push('\n');
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(log.contains("/rest/1/***/im.message.like"), "{log}");
    assert_no_secret(&log);
}
