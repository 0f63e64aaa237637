//! Retry-safe likes over HTTP: an idempotency key (the `Idempotency-Key`
//! header, the `bx24_request_id` parameter, or `X-Request-ID`) makes a
//! second delivery of a like or reaction call answer as the first did
//! without acting again, across a scenario's lost answer and a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::{Child, Stdio};

use common::{Answer, Server, agent, scratch, start_live};
use imbot_like_host::{DEFAULT_WORLD, Settings};
use serde_json::{Value, json};

/// Bot 39 toggles its like on a message (OAuth, `ACTION=auto`).
const TOGGLE: &str = "/rest/imbot.message.like?auth=t-demo&BOT_ID=39&ACTION=auto&MESSAGE_ID=";

/// `GET base + path` with an `Idempotency-Key` header.
fn keyed(base: &str, path: &str, key: &str) -> Answer {
    let request = agent()
        .get(&format!("{base}{path}"))
        .header("Idempotency-Key", key);
    Answer::from(request.call())
}

/// The answer without its time block.
fn untimed(answer: &Answer) -> (u16, Value) {
    let mut body = answer.body.clone();
    if let Some(map) = body.as_object_mut() {
        map.remove("time");
    }
    (answer.status, body)
}

#[test]
fn retry_with_the_same_idempotency_key_toggles_once() {
    let s = Server::default_world();
    let first = keyed(&s.base, &format!("{TOGGLE}1"), "k-1");
    let second = keyed(&s.base, &format!("{TOGGLE}1"), "k-1");
    first.assert_true();
    assert_eq!(untimed(&first), untimed(&second));
    assert!(s.liked(1, 39), "an auto toggle retried must stay set");
    let fresh = keyed(&s.base, &format!("{TOGGLE}1"), "k-2");
    fresh.assert_true();
    assert!(!s.liked(1, 39), "a new key is a new request");
}

#[test]
fn retry_with_the_same_bx24_request_id_toggles_once() {
    let s = Server::default_world();
    let path = format!("{TOGGLE}1&bx24_request_id=js-1");
    let first = s.get(&path);
    let second = s.get(&path);
    first.assert_true();
    assert_eq!(untimed(&first), untimed(&second));
    assert!(s.liked(1, 39));
    let body = "MESSAGE_ID=1&auth=t-demo&BOT_ID=39&bx24_request_id=js-2";
    let third = s.form("/rest/imbot.message.like", body);
    let fourth = s.form("/rest/imbot.message.like", body);
    third.assert_true();
    assert_eq!(untimed(&third), untimed(&fourth));
    assert!(!s.liked(1, 39));
}

#[test]
fn two_callers_with_the_same_key_text_make_two_requests() {
    let s = Server::default_world();
    // Bot 39 (app.demo) and bot 40 (app.other) are both in chat 7.
    keyed(&s.base, &format!("{TOGGLE}1"), "same").assert_true();
    let other = "/rest/imbot.message.like?auth=t-other&BOT_ID=40&ACTION=auto&MESSAGE_ID=1";
    keyed(&s.base, other, "same").assert_true();
    assert!(
        s.liked(1, 39) && s.liked(1, 40),
        "each caller's key is its own"
    );
    // And a webhook's key is its own too, apart from its user's tokens'.
    let hook = "/rest/1/w-demo/im.message.like?ACTION=auto&MESSAGE_ID=1";
    keyed(&s.base, hook, "same").assert_true();
    assert!(s.liked(1, 1));
}

#[test]
fn one_callers_flood_of_keys_leaves_anothers_key_answered() {
    let s = Server::default_world();
    let first = keyed(&s.base, &format!("{TOGGLE}1"), "mine");
    first.assert_true();
    // app.other sends more fresh keys than a window holds: `minus` on a
    // message its bot does not like, refused, and remembered all the same.
    let flood = "/rest/imbot.message.like?auth=t-other&BOT_ID=40&ACTION=minus&MESSAGE_ID=1";
    let keys = imbot_like_host::state::retries::KEYS_PER_CALLER + 100;
    for n in 0..keys {
        keyed(&s.base, flood, &format!("flood-{n}")).assert_error(400, "WITHOUT_CHANGES");
    }
    let retry = keyed(&s.base, &format!("{TOGGLE}1"), "mine");
    assert_eq!(
        untimed(&first),
        untimed(&retry),
        "app.demo's key outlives the flood"
    );
    assert!(s.liked(1, 39), "and the retried toggle did not act again");
    // The flooder forgot its own oldest keys: one now names a new request.
    let reuse = "/rest/imbot.message.like?auth=t-other&BOT_ID=40&ACTION=plus&MESSAGE_ID=1";
    keyed(&s.base, reuse, "flood-0").assert_true();
    keyed(&s.base, reuse, &format!("flood-{}", keys - 1))
        .assert_error(422, "IDEMPOTENCY_KEY_REUSED");
}

#[test]
fn the_same_key_for_another_message_is_refused_with_422() {
    let s = Server::default_world();
    keyed(&s.base, &format!("{TOGGLE}1"), "k-1").assert_true();
    let reused = keyed(&s.base, &format!("{TOGGLE}2"), "k-1");
    reused.assert_error(422, "IDEMPOTENCY_KEY_REUSED");
    assert!(!s.liked(2, 39), "a refused key changes nothing");
}

#[test]
fn the_same_key_for_another_reaction_is_refused_with_422() {
    let s = Server::default_world();
    let add = "/rest/imbot.v2.Chat.Message.Reaction.add?auth=t-demo&botId=39&messageId=1";
    let first = keyed(&s.base, &format!("{add}&reaction=like"), "r-1");
    first.assert_true();
    let again = keyed(&s.base, &format!("{add}&reaction=like"), "r-1");
    assert_eq!(untimed(&first), untimed(&again));
    let other = keyed(&s.base, &format!("{add}&reaction=redHeart"), "r-1");
    other.assert_error(422, "IDEMPOTENCY_KEY_REUSED");
}

#[test]
fn a_retry_after_fail_after_apply_gets_the_success_and_likes_once() {
    let (s, live) = start_live(DEFAULT_WORLD, Settings::default());
    let scenario = json!({"method": "im.message.like", "kind": "fail_after_apply"});
    assert_eq!(
        s.json("/__control/scenarios", &scenario.to_string()).status,
        200
    );
    let path = "/rest/1/w-demo/im.message.like?MESSAGE_ID=1&ACTION=auto";
    keyed(&s.base, path, "u-1").assert_error(503, "SERVICE_UNAVAILABLE");
    let retry = keyed(&s.base, path, "u-1");
    retry.assert_true();
    let message = imbot_like::MessageId::new(1).unwrap();
    let likers = live
        .host()
        .inspect(|e| e.likers(message).map_or(0, |u| u.len()));
    assert_eq!(likers, 1, "the like is set once");
    assert!(s.liked(1, 1));
}

/// Starts `rest_host --data dir` on the default world.
fn start(dir: &Path) -> (Child, String) {
    let args: [&std::ffi::OsStr; 2] = ["--data".as_ref(), dir.as_os_str()];
    common::spawn_host(args, Stdio::null())
}

#[test]
fn durable_host_remembers_a_key_across_a_kill() {
    let dir = scratch("retries-kill");
    let (mut child, base) = start(&dir);
    let first = keyed(&base, &format!("{TOGGLE}1"), "d-1");
    first.assert_true();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let (mut child, base) = start(&dir);
    let retry = keyed(&base, &format!("{TOGGLE}1"), "d-1");
    assert_eq!(untimed(&first), untimed(&retry));
    let reused = keyed(&base, &format!("{TOGGLE}2"), "d-1");
    reused.assert_error(422, "IDEMPOTENCY_KEY_REUSED");
    let read = Answer::from(
        agent()
            .get(&format!(
                "{base}/rest/1/w-demo/im.dialog.messages.get?DIALOG_ID=chat7&LIKE=Y"
            ))
            .call(),
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let text = read.body.to_string();
    assert!(text.contains("39"), "bot 39 still likes message 1: {text}");
}
