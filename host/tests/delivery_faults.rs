//! Delivery scenarios and replays: `POST /__control/scenarios` with a
//! `delivery_*` kind makes the next attempts to deliver to a bot fail as
//! a handler's 500 or a refused connection would, or wait, without
//! reaching the handler; `POST /__control/deliveries/{id}/replay` sends a
//! kept delivery again. What the bot's handler and the deliveries list
//! show is checked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bot_support;
mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use bot_support::{handler, next};
use common::{Server, start_live};
use imbot_like_host::{DEFAULT_WORLD, Settings};
use serde_json::{Value, json};

/// A portal with bot 43 registered for `url`.
fn portal_with_bot(url: &str) -> Server {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let registered = s.form(
        "/rest/1/w-demo/imbot.register",
        &format!("CODE=echo&PROPERTIES[NAME]=Echo&CLIENT_ID=echo.app&EVENT_HANDLER={url}"),
    );
    assert_eq!(registered.body["result"], json!(43));
    s
}

/// User 2 writes `text` to bot 43 (the first time, this opens the dialog:
/// `ONIMBOTJOINCHAT`, then `ONIMBOTMESSAGEADD`).
fn write_to_bot(s: &Server, text: &str) {
    let posted = s.get(&format!(
        "/rest/2/w-other/im.message.add?DIALOG_ID=43&MESSAGE={text}"
    ));
    assert!(posted.body["result"].is_u64(), "{:?}", posted.body);
}

fn deliveries(s: &Server) -> Vec<Value> {
    s.get("/__control/deliveries").body["result"]
        .as_array()
        .unwrap()
        .clone()
}

/// Polls the deliveries until delivery `id` is no longer pending.
fn settled(s: &Server, id: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = deliveries(s).into_iter().find(|d| d["id"] == json!(id));
        if let Some(d) = found.filter(|d| d["state"] != "pending") {
            return d;
        }
        assert!(Instant::now() < deadline, "delivery {id} still pending");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_delivery_error_scenario_fails_attempts_that_the_retries_then_deliver() {
    let (tx, events) = mpsc::channel();
    let s = portal_with_bot(&handler(tx));
    let armed = s.json(
        "/__control/scenarios",
        r#"{"bot": 43, "kind": "delivery_error", "status": 500, "times": 2}"#,
    );
    assert_eq!(armed.body["result"], json!(1));
    let listed = s.get("/__control/scenarios").body["result"].clone();
    assert_eq!(
        listed,
        json!([{"id": 1, "bot": 43, "kind": "delivery_error", "status": 500, "times": 2, "remaining": 2, "params": {}}])
    );

    write_to_bot(&s, "hello");
    // The first event's first two attempts fail; the third reaches the
    // handler, and the second event follows it, in order.
    assert_eq!(next(&events)["event"], "ONIMBOTJOINCHAT");
    assert_eq!(next(&events)["event"], "ONIMBOTMESSAGEADD");
    let join = settled(&s, 1);
    assert_eq!(
        (join["state"].clone(), join["attempts"].clone()),
        (json!("delivered"), json!(3))
    );
    let message = settled(&s, 2);
    assert_eq!(message["attempts"], json!(1));
    assert_eq!(
        s.get("/__control/scenarios").body["result"],
        json!([]),
        "spent"
    );
}

#[test]
fn a_refused_delivery_fails_for_good_and_a_replay_delivers_the_same_event() {
    let (tx, events) = mpsc::channel();
    let s = portal_with_bot(&handler(tx));
    s.json(
        "/__control/scenarios",
        r#"{"bot": 43, "kind": "delivery_refused", "times": 5}"#,
    );
    write_to_bot(&s, "lost");
    // All five attempts of the join fail (1.5 s of pauses); the message
    // event after it is delivered.
    assert_eq!(next(&events)["event"], "ONIMBOTMESSAGEADD");
    let join = settled(&s, 1);
    assert_eq!(join["state"], "failed");
    assert_eq!(join["attempts"], json!(5));
    assert_eq!(join["last"], "connection refused (scenario)");

    let replayed = s.json("/__control/deliveries/1/replay", "{}");
    assert_eq!(replayed.status, 200);
    let new = replayed.body["result"].as_u64().unwrap();
    assert_eq!(new, 3);
    let heard = next(&events);
    assert_eq!(heard["event"], "ONIMBOTJOINCHAT");
    assert_eq!(heard["data[BOT][43][BOT_ID]"], "43");
    let record = settled(&s, new);
    assert_eq!(record["state"], "delivered");
    assert_eq!(record["replay_of"], json!(1));
    assert_eq!(record["event"], "ONIMBOTJOINCHAT");
}

#[test]
fn a_delivery_delay_holds_the_event_and_the_bots_later_ones() {
    let (tx, events) = mpsc::channel();
    let s = portal_with_bot(&handler(tx));
    write_to_bot(&s, "first");
    next(&events);
    next(&events);
    s.json(
        "/__control/scenarios",
        r#"{"bot": 43, "kind": "delivery_delay", "ms": 400}"#,
    );
    let began = Instant::now();
    write_to_bot(&s, "late");
    write_to_bot(&s, "after");
    assert_eq!(next(&events)["data[PARAMS][MESSAGE]"], "late");
    let waited = began.elapsed();
    assert_eq!(next(&events)["data[PARAMS][MESSAGE]"], "after", "in order");
    assert!(waited >= Duration::from_millis(400), "{waited:?}");
    assert_eq!(settled(&s, 3)["attempts"], json!(1));
}

#[test]
fn a_replay_of_an_unknown_delivery_is_not_found() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    s.json("/__control/deliveries/9/replay", "{}")
        .assert_error(404, "DELIVERY_NOT_FOUND");
    s.json("/__control/deliveries/x/replay", "{}")
        .assert_error(404, "DELIVERY_NOT_FOUND");
    assert_eq!(s.get("/__control/deliveries/9/replay").status, 405);
}

#[test]
fn delivery_scenarios_name_a_bot_and_call_scenarios_a_method() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let refused = |body: &str, why: &str| {
        let answer = s.json("/__control/scenarios", body);
        answer.assert_error(400, "SCENARIO_REFUSED");
        let description = answer.body["error_description"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(description.contains(why), "{body}: {description}");
    };
    refused(r#"{"kind": "delivery_refused"}"#, "bot is required");
    refused(
        r#"{"bot": 43, "method": "im.message.add", "kind": "delivery_refused"}"#,
        "takes bot, not method",
    );
    refused(
        r#"{"bot": 43, "kind": "delivery_error", "status": 200}"#,
        "400..=599",
    );
    refused(
        r#"{"bot": 43, "kind": "delivery_delay", "ms": 60001}"#,
        "at most 60000",
    );
    refused(
        r#"{"bot": 43, "method": "im.message.add", "kind": "hold", "ms": 5}"#,
        "only for delivery",
    );
    // A delivery scenario never touches a call.
    s.json(
        "/__control/scenarios",
        r#"{"bot": 1, "kind": "delivery_refused"}"#,
    );
    s.get("/rest/1/w-demo/im.message.like?MESSAGE_ID=1")
        .assert_true();
}

#[test]
fn a_reset_keeps_the_events_domain_and_the_delivery_scenarios() {
    let (s, live) = start_live(DEFAULT_WORLD, Settings::default());
    live.host()
        .deliveries()
        .set_domain("portal.test:8443".into());
    s.json(
        "/__control/scenarios",
        r#"{"bot": 43, "kind": "delivery_error", "times": 1}"#,
    );
    assert_eq!(s.json("/__control/reset", "{}").body["result"], json!(true));
    let (tx, events) = mpsc::channel();
    let url = handler(tx);
    s.form(
        "/rest/1/w-demo/imbot.register",
        &format!("CODE=echo&PROPERTIES[NAME]=Echo&CLIENT_ID=echo.app&EVENT_HANDLER={url}"),
    );
    write_to_bot(&s, "hello");
    let heard = next(&events);
    assert_eq!(heard["auth[domain]"], "portal.test:8443");
    assert_eq!(
        heard["data[BOT][43][client_endpoint]"],
        "http://portal.test:8443/rest/"
    );
    assert_eq!(
        settled(&s, 1)["attempts"],
        json!(2),
        "the scenario survived"
    );
}
