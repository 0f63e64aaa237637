//! The bot developer's loop, end to end: a small bot (an HTTP handler in
//! the test, decoding the portal's form POSTs) registers with a handler,
//! hears `ONIMBOTJOINCHAT` when a user opens a dialog with it and
//! `ONIMBOTMESSAGEADD` when the user writes, likes that message through
//! the REST API, and the like shows in the world dump.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bot_support;
mod common;

use std::io::Write;
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bot_support::{handler, next, read_body};
use common::start_live;
use imbot_like_host::{DEFAULT_WORLD, Settings};
use serde_json::{Value, json};

#[test]
fn a_bot_hears_a_users_message_and_likes_it() {
    let (s, live) = start_live(DEFAULT_WORLD, Settings::default());
    let (tx, events) = mpsc::channel();
    let url = handler(tx);
    let registered = s.form(
        "/rest/1/w-demo/imbot.register",
        &format!("CODE=echo&PROPERTIES[NAME]=Echo&CLIENT_ID=echo.app&EVENT_HANDLER={url}"),
    );
    assert_eq!(registered.body["result"], json!(43));

    // User 2 writes to the bot: the dialog opens, then the message.
    let began = Instant::now();
    let posted = s.get("/rest/2/w-other/im.message.add?DIALOG_ID=43&MESSAGE=hello+bot");
    let message = posted.body["result"].as_u64().unwrap();
    let joined = next(&events);
    assert_eq!(joined["event"], "ONIMBOTJOINCHAT");
    let heard = next(&events);
    let latency = began.elapsed();
    assert_eq!(heard["event"], "ONIMBOTMESSAGEADD");
    assert_eq!(heard["data[BOT][43][BOT_ID]"], "43");
    assert_eq!(heard["data[BOT][43][BOT_CODE]"], "echo");
    assert_eq!(heard["data[PARAMS][MESSAGE]"], "hello bot");
    assert_eq!(heard["data[PARAMS][MESSAGE_ID]"], message.to_string());
    assert_eq!(
        heard["data[PARAMS][DIALOG_ID]"], "2",
        "a private dialog is the user's id"
    );
    assert_eq!(heard["data[PARAMS][FROM_USER_ID]"], "2");
    assert_eq!(heard["data[USER][ID]"], "2");
    assert!(heard["auth[application_token]"].len() == 32);
    assert!(heard.contains_key("ts") && heard.contains_key("auth[domain]"));
    println!("ONIMBOTMESSAGEADD reached the handler {latency:?} after the post was sent");

    // The bot likes it, as its webhook, and answers in the dialog.
    let like = format!(
        "/rest/1/w-demo/imbot.message.like?CLIENT_ID=echo.app&BOT_ID=43&MESSAGE_ID={message}"
    );
    s.get(&like).assert_true();
    let world: Value = serde_json::to_value(live.host().dump()).unwrap();
    let liked = world["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == json!(message))
        .unwrap();
    assert_eq!(liked["likes"], json!([43]));

    // The bot's own message is not pushed back to it.
    let answer =
        "/rest/1/w-demo/imbot.message.add?CLIENT_ID=echo.app&BOT_ID=43&DIALOG_ID=2&MESSAGE=hi";
    assert!(s.get(answer).body["result"].is_u64());
    assert!(events.recv_timeout(Duration::from_millis(300)).is_err());
    let deliveries = s.get("/__control/deliveries").body["result"].clone();
    assert_eq!(deliveries.as_array().unwrap().len(), 2);
    assert!(
        deliveries
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["state"] == "delivered")
    );
}

#[test]
fn a_failing_handler_is_retried_and_events_stay_in_order() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let (tx, events) = mpsc::channel();
    let url = handler(tx);
    // The first attempt of every other delivery fails: a handler that
    // answers 503 once, then forwards to the real one.
    let flaky = flaky_proxy(&url);
    s.form(
        "/rest/1/w-demo/imbot.register",
        &format!("CODE=echo&PROPERTIES[NAME]=Echo&CLIENT_ID=echo.app&TYPE=S&EVENT_HANDLER={flaky}"),
    );
    // A supervisor bot in chat 7 hears every message there.
    s.form("/rest/1/w-demo/im.chat.user.add", "CHAT_ID=7&USERS[]=43");
    assert_eq!(next(&events)["event"], "ONIMBOTJOINCHAT");
    for n in 0..6 {
        s.get(&format!(
            "/rest/2/w-other/im.message.add?DIALOG_ID=chat7&MESSAGE=m{n}"
        ));
    }
    for n in 0..6 {
        let heard = next(&events);
        assert_eq!(heard["data[PARAMS][MESSAGE]"], format!("m{n}"), "in order");
        assert_eq!(heard["data[PARAMS][DIALOG_ID]"], "chat7");
    }
    let deliveries = s.get("/__control/deliveries").body["result"].clone();
    let retried = deliveries
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["attempts"].as_u64() > Some(1))
        .count();
    assert!(retried >= 3, "{deliveries}");
}

/// A handler in front of `target` that answers 503 to every other
/// request and forwards the rest. Its URL.
fn flaky_proxy(target: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    let target = target.to_owned();
    std::thread::spawn(move || {
        let agent = common::agent();
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let body = read_body(&stream);
            let status = if n % 2 == 0 {
                "503 Service Unavailable"
            } else {
                agent
                    .post(&target)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .send(&body[..])
                    .unwrap();
                "200 OK"
            };
            let head =
                format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            stream.write_all(head.as_bytes()).unwrap();
        }
    });
    url
}
