//! The control API: world dump, load and reset; each scenario kind; the
//! access rule; and reproducible runs under `--deterministic`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Server, agent, start_live};
use imbot_like_host::{DEFAULT_WORLD, LiveHost, Settings, World};
use serde_json::{Value, json};

fn live() -> (Server, Arc<LiveHost>) {
    start_live(DEFAULT_WORLD, Settings::default())
}

fn scenario(s: &Server, body: Value) -> u16 {
    let answer = s.json("/__control/scenarios", &body.to_string());
    answer.status
}

fn like(s: &Server, message: u64) -> common::Answer {
    s.get(&format!(
        "/rest/1/w-demo/im.message.like?MESSAGE_ID={message}"
    ))
}

fn liked(live: &LiveHost, message: u64, user: u32) -> bool {
    let message = imbot_like::MessageId::new(message).unwrap();
    let user = imbot_like::UserId::new(user).unwrap();
    live.host().inspect(|e| e.is_liked_by(message, user))
}

fn message_count(live: &LiveHost) -> usize {
    live.host().inspect(|e| e.message_count())
}

#[test]
fn the_world_is_dumped_reset_and_loaded_again() {
    let (s, live) = live();
    s.get("/rest/1/w-demo/im.message.add?DIALOG_ID=chat7&MESSAGE=keep+me");
    like(&s, 4);
    let dump = s.get("/__control/world?secrets=1");
    assert_eq!(dump.status, 200);
    let saved = dump.body.to_string();
    assert_eq!(dump.body["messages"][3]["text"], "keep me");
    assert_eq!(dump.body["messages"][3]["likes"], json!([1]));
    let reset = s.json("/__control/reset", "");
    assert_eq!(reset.status, 200, "{reset:?}");
    assert_eq!(message_count(&live), 3);
    let put = agent()
        .put(&s.url("/__control/world"))
        .header("Content-Type", "application/json")
        .send(saved.as_str())
        .unwrap();
    assert_eq!(put.status().as_u16(), 200);
    assert_eq!(message_count(&live), 4);
    assert_eq!(s.get("/__control/world?secrets=1").body.to_string(), saved);
    // A like through the loaded world sees the loaded like.
    like(&s, 4).assert_true();
    assert!(!liked(&live, 4, 1));
}

#[test]
fn a_bad_world_is_refused_and_the_current_one_stays() {
    let (s, live) = live();
    let refused = s.json("/__control/world", r#"{"chats":[{"id":0}]}"#);
    refused.assert_error(400, "WORLD_REFUSED");
    assert_eq!(message_count(&live), 3);
}

#[test]
fn reactions_other_than_like_survive_a_dump_and_load() {
    let (s, live) = live();
    s.get(
        "/rest/imbot.v2.Chat.Message.Reaction.add?auth=t-demo&botId=39&messageId=1&reaction=fire",
    )
    .assert_true();
    let dump = s.get("/__control/world?secrets=1").body;
    assert_eq!(dump["messages"][0]["reactions"], json!({"fire": [39]}));
    let world = World::from_json(&dump.to_string()).unwrap();
    live.load(&world).unwrap();
    assert_eq!(s.get("/__control/world?secrets=1").body, dump);
}

#[test]
fn scenario_error_answers_without_applying() {
    let (s, live) = live();
    let body = json!({"method": "im.message.add", "kind": "error", "code": "QUERY_LIMIT_EXCEEDED",
                      "description": "Too many requests", "status": 503, "times": 2});
    assert_eq!(scenario(&s, body), 200);
    for _ in 0..2 {
        s.get("/rest/1/w-demo/im.message.add.json?DIALOG_ID=chat7&MESSAGE=x")
            .assert_error(503, "QUERY_LIMIT_EXCEEDED");
    }
    assert_eq!(message_count(&live), 3);
    let third = s.get("/rest/1/w-demo/im.message.add?DIALOG_ID=chat7&MESSAGE=x");
    assert_eq!(third.body["result"], 4);
}

#[test]
fn scenario_fail_after_apply_applies_then_answers_503() {
    let (s, live) = live();
    scenario(
        &s,
        json!({"method": "im.message.like", "kind": "fail_after_apply"}),
    );
    like(&s, 1).assert_error(503, "SERVICE_UNAVAILABLE");
    assert!(liked(&live, 1, 1));
}

#[test]
fn scenario_drop_after_apply_applies_then_drops_the_connection() {
    let (s, live) = live();
    scenario(
        &s,
        json!({"method": "im.message.like", "kind": "drop_after_apply"}),
    );
    let sent = agent()
        .get(&s.url("/rest/1/w-demo/im.message.like?MESSAGE_ID=1"))
        .call();
    let lost = match sent {
        Err(_) => true,
        Ok(mut response) => response.body_mut().read_to_string().is_err(),
    };
    assert!(lost, "the client saw an answer");
    assert!(liked(&live, 1, 1));
    let log = s.get("/__control/view").body["requests"].clone();
    assert_eq!(log[0]["scenario"], "drop_after_apply");
    assert_eq!(log[0]["status"], 0);
}

#[test]
fn scenario_delay_answers_late() {
    let (s, _live) = live();
    scenario(
        &s,
        json!({"method": "im.message.like", "kind": "delay", "ms": 300}),
    );
    let began = Instant::now();
    like(&s, 1).assert_true();
    assert!(began.elapsed() >= Duration::from_millis(300));
    let began = Instant::now();
    like(&s, 1).assert_true();
    assert!(began.elapsed() < Duration::from_millis(300));
}

#[test]
fn scenario_delay_applies_at_once_so_a_client_that_gives_up_undoes_nothing() {
    let (s, live) = live();
    scenario(
        &s,
        json!({"method": "im.message.like", "kind": "delay", "ms": 1500}),
    );
    let impatient: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_millis(200)))
        .build()
        .into();
    let gave_up = impatient
        .get(&s.url("/rest/1/w-demo/im.message.like?MESSAGE_ID=1"))
        .call();
    assert!(gave_up.is_err(), "the client gave up before the answer");
    assert!(liked(&live, 1, 1), "the call was applied all the same");
    let log = s.get("/__control/view").body["requests"].clone();
    assert_eq!(log[0]["scenario"], "delay");
    assert_eq!(log[0]["status"], 200);
}

#[test]
fn scenario_hold_applies_only_after_the_hold() {
    let (s, live) = live();
    scenario(
        &s,
        json!({"method": "im.message.like", "kind": "hold", "ms": 300}),
    );
    let began = Instant::now();
    like(&s, 1).assert_true();
    assert!(began.elapsed() >= Duration::from_millis(300));
    assert!(liked(&live, 1, 1));
}

#[test]
fn a_delay_past_the_body_timeout_is_refused_with_the_reason() {
    let settings = Settings {
        body_timeout: Some(Duration::from_secs(2)),
        ..Settings::default()
    };
    let (s, _live) = start_live(DEFAULT_WORLD, settings);
    for kind in ["delay", "hold"] {
        let body = json!({"method": "im.message.like", "kind": kind, "ms": 2000});
        let answer = s.json("/__control/scenarios", &body.to_string());
        answer.assert_error(400, "SCENARIO_REFUSED");
        let why = answer.body["error_description"]
            .as_str()
            .unwrap_or_default();
        assert!(why.contains("body timeout"), "{why}");
    }
    let fits = json!({"method": "im.message.like", "kind": "delay", "ms": 1999});
    assert_eq!(
        s.json("/__control/scenarios", &fits.to_string()).status,
        200
    );
}

#[test]
fn control_post_writes_as_a_user_as_im_message_add_would() {
    let (s, live) = live();
    let posted = s.json(
        "/__control/post",
        &json!({"user": 2, "dialog": "chat7", "message": "hello bot"}).to_string(),
    );
    assert_eq!(posted.status, 200, "{:?}", posted.body);
    let id = posted.body["result"].as_u64().unwrap();
    let world = live.host().dump();
    let message = world.messages.iter().find(|m| m.id == id).unwrap();
    assert_eq!((message.author, message.chat), (2, 7));
    assert_eq!(message.text.as_deref(), Some("hello bot"));
    // The same checks as the method: user 2 is not in chat 8.
    let refused = s.json(
        "/__control/post",
        &json!({"user": 2, "dialog": "chat8", "message": "x"}).to_string(),
    );
    refused.assert_error(400, "ACCESS_ERROR");
}

#[test]
fn the_browsers_favicon_request_stays_out_of_the_request_log() {
    let (s, _live) = live();
    let icon = agent().get(&s.url("/favicon.ico")).call().unwrap();
    assert_eq!(icon.status().as_u16(), 204);
    let log = s.get("/__control/view").body["requests"].clone();
    assert_eq!(log, json!([]));
}

#[test]
fn scenarios_match_parameters_and_are_listed_and_cleared() {
    let (s, _live) = live();
    let body = json!({"method": "IM.Message.Like.json", "params": {"message_id": "2"},
                      "kind": "error", "code": "MESSAGE_NOT_FOUND", "times": 5});
    scenario(&s, body);
    like(&s, 1).assert_true();
    like(&s, 2).assert_error(400, "MESSAGE_NOT_FOUND");
    let list = s.get("/__control/scenarios").body["result"].clone();
    assert_eq!(list[0]["method"], "im.message.like");
    assert_eq!(list[0]["remaining"], 4);
    let cleared = agent()
        .delete(&s.url("/__control/scenarios"))
        .header("Content-Type", "application/json")
        .call()
        .unwrap();
    assert_eq!(cleared.status().as_u16(), 200);
    assert_eq!(s.get("/__control/scenarios").body["result"], json!([]));
    like(&s, 2).assert_true();
}

#[test]
fn malformed_scenarios_are_refused() {
    let (s, _live) = live();
    for body in [
        json!({"kind": "delay", "ms": 1}),
        json!({"method": "x", "kind": "delay", "ms": 600_000}),
        json!({"method": "x", "kind": "error", "code": "E", "status": 200}),
        json!({"method": "x", "kind": "error", "code": ""}),
        json!({"method": "x", "kind": "explode"}),
        json!({"method": "x", "kind": "drop_after_apply", "times": 0}),
    ] {
        let answer = s.json("/__control/scenarios", &body.to_string());
        answer.assert_error(400, "SCENARIO_REFUSED");
    }
}

/// The control router's answer to a request from `peer` with an optional
/// token header.
fn from_peer(settings: Settings, peer: &str, token: Option<&str>, path: &str) -> u16 {
    common::through_router(settings, peer, token, path).0
}

#[test]
fn control_api_refuses_non_loopback_peers_without_a_token() {
    let none = Settings::default;
    assert_eq!(
        from_peer(none(), "10.1.2.3:40000", None, "/__control/world"),
        403
    );
    assert_eq!(from_peer(none(), "10.1.2.3:40000", None, "/"), 403);
    assert_eq!(
        from_peer(none(), "10.1.2.3:40000", None, "/__control/view"),
        403
    );
    assert_eq!(
        from_peer(none(), "127.0.0.1:40000", None, "/__control/world"),
        200
    );
    // The portal's own API is not the control API's to refuse.
    let rest = "/rest/1/w-demo/im.message.like?MESSAGE_ID=1";
    assert_eq!(from_peer(none(), "10.1.2.3:40000", None, rest), 200);
}

#[test]
fn with_a_control_token_only_requests_carrying_it_pass() {
    let token = || Settings {
        control_token: Some("s3cret".into()),
        ..Settings::default()
    };
    assert_eq!(
        from_peer(
            token(),
            "10.1.2.3:40000",
            Some("s3cret"),
            "/__control/world"
        ),
        200
    );
    assert_eq!(
        from_peer(token(), "10.1.2.3:40000", Some("wrong"), "/__control/world"),
        403
    );
    assert_eq!(
        from_peer(token(), "127.0.0.1:40000", None, "/__control/world"),
        403
    );
    assert_eq!(
        from_peer(
            token(),
            "10.1.2.3:40000",
            None,
            "/__control/world?token=s3cret"
        ),
        200
    );
}

/// A script of calls, each answer's raw body.
fn run_script(s: &Server) -> Vec<String> {
    let calls = [
        "/rest/1/w-demo/imbot.register?CODE=echo&PROPERTIES[NAME]=E&EVENT_HANDLER=http://x.test&CLIENT_ID=my.app",
        "/rest/1/w-demo/imbot.chat.add?CLIENT_ID=my.app&USERS[]=1&TITLE=T",
        "/rest/1/w-demo/im.message.add?DIALOG_ID=chat9&MESSAGE=hello",
        "/rest/1/w-demo/imbot.message.like?CLIENT_ID=my.app&MESSAGE_ID=4",
        "/rest/1/w-demo/im.message.add?DIALOG_ID=2&MESSAGE=private",
        "/rest/1/w-demo/im.message.like?MESSAGE_ID=999",
        "/rest/1/w-demo/im.dialog.messages.get?DIALOG_ID=chat9",
    ];
    calls
        .iter()
        .map(|path| {
            let mut response = agent().get(&s.url(path)).call().unwrap();
            response.body_mut().read_to_string().unwrap()
        })
        .collect()
}

#[test]
fn deterministic_runs_give_byte_identical_answers() {
    let settings = || Settings {
        deterministic: true,
        ..Settings::default()
    };
    let (first, _) = start_live(DEFAULT_WORLD, settings());
    let (second, live) = start_live(DEFAULT_WORLD, settings());
    let one = run_script(&first);
    let two = run_script(&second);
    assert_eq!(one, two);
    assert!(
        one[0].starts_with(r#"{"result":43,"time":{"start":1735689600.0,"#),
        "{}",
        one[0]
    );
    assert!(
        one[3].contains(r#""date_start":"2025-01-01T00:00:03+00:00""#),
        "{}",
        one[3]
    );
    // A reset starts the clock and the ids again.
    live.reset().unwrap();
    assert_eq!(run_script(&second), one);
}
