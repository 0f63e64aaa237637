//! `imbot.v2.Event.get`: one `ONIMBOTV2REACTIONCHANGE` event per change
//! of a reaction on a bot's own message, none for a keyed retry or for
//! other authors' messages, offsets that page, the v2 methods' answers
//! for a wrong bot or token, and a durable host's events across a kill.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::{Child, Stdio};

use common::{Answer, Server, agent, event_ids, scratch};
use serde_json::Value;

/// Bot 39 (app.demo) posts a message to chat 7; its id.
fn bot_posts(base: &str) -> u64 {
    let url = format!(
        "{base}/rest/imbot.message.add?auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=hello"
    );
    let answer = Answer::from(agent().get(&url).call());
    answer.body["result"]
        .as_u64()
        .unwrap_or_else(|| panic!("{answer:?}"))
}

/// User 1 toggles its like on `message` (webhook w-demo).
fn user_likes(base: &str, message: u64) -> Answer {
    let url = format!("{base}/rest/1/w-demo/im.message.like?MESSAGE_ID={message}");
    Answer::from(agent().get(&url).call())
}

/// `imbot.v2.Event.get` for bot 39 over OAuth, with extra query text.
fn events(base: &str, extra: &str) -> Answer {
    let url = format!("{base}/rest/imbot.v2.Event.get?auth=t-demo&botId=39{extra}");
    Answer::from(agent().get(&url).call())
}

#[test]
fn one_event_per_change_of_a_reaction_on_the_bots_message() {
    let s = Server::default_world();
    let message = bot_posts(&s.base);
    user_likes(&s.base, message).assert_true();
    let keyed = format!(
        "{}/rest/1/w-demo/im.message.like?MESSAGE_ID={message}",
        s.base
    );
    for _ in 0..2 {
        let sent = agent().get(&keyed).header("Idempotency-Key", "e-1").call();
        Answer::from(sent).assert_true();
    }
    let add = format!(
        "/rest/imbot.v2.Chat.Message.Reaction.add?auth=t-other&botId=40&messageId={message}&reaction=redHeart"
    );
    s.get(&add).assert_true();
    let answer = events(&s.base, "");
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(event_ids(&answer), [1, 2, 3], "{answer:?}");
    let list = &answer.body["result"]["events"];
    assert_eq!(list[0]["type"], "ONIMBOTV2REACTIONCHANGE");
    let (first, second, third) = (&list[0]["data"], &list[1]["data"], &list[2]["data"]);
    assert_eq!(
        (&first["reaction"], &first["action"], &first["user"]["id"]),
        (&Value::from("like"), &Value::from("add"), &Value::from(1))
    );
    assert_eq!(first["bot"]["id"], 39);
    assert_eq!(first["message"]["id"], message);
    assert_eq!(first["chat"]["id"], 7);
    assert_eq!(first["language"], "en");
    assert_eq!(second["action"], "delete");
    assert_eq!(
        (&third["reaction"], &third["user"]["id"]),
        (&Value::from("redHeart"), &Value::from(40))
    );
    assert!(list[0]["date"].as_str().is_some_and(|d| d.len() == 25));
    assert_eq!(answer.body["result"]["nextOffset"], 3);
    assert_eq!(answer.body["result"]["hasMore"], false);
}

#[test]
fn no_event_for_reactions_on_other_authors_messages() {
    let s = Server::default_world();
    user_likes(&s.base, 1).assert_true();
    let add =
        "/rest/imbot.v2.Chat.Message.Reaction.add?auth=t-demo&botId=39&messageId=2&reaction=like";
    s.get(add).assert_true();
    let answer = events(&s.base, "");
    assert_eq!(event_ids(&answer), Vec::<u64>::new());
    assert_eq!(answer.body["result"]["nextOffset"], 0);
}

#[test]
fn offsets_page_through_the_events() {
    let s = Server::default_world();
    let message = bot_posts(&s.base);
    for _ in 0..5 {
        user_likes(&s.base, message).assert_true();
    }
    let mut offset = 0;
    let mut seen = Vec::new();
    for (limit, expected) in [(1, vec![1]), (2, vec![2, 3]), (2, vec![4, 5]), (1, vec![])] {
        let answer = events(&s.base, &format!("&offset={offset}&limit={limit}"));
        assert_eq!(event_ids(&answer), expected, "{answer:?}");
        let result = &answer.body["result"];
        assert_eq!(result["hasMore"], offset + (expected.len() as u64) < 5);
        offset = result["nextOffset"].as_u64().unwrap();
        seen.extend(expected);
    }
    assert_eq!(seen, [1, 2, 3, 4, 5]);
    assert_eq!(offset, 5);
    events(&s.base, "&limit=0").assert_error(400, "WRONG_REQUEST");
    events(&s.base, "&limit=1001").assert_error(400, "WRONG_REQUEST");
}

#[test]
fn wrong_bot_or_token_answers_as_the_reaction_methods() {
    let s = Server::default_world();
    let add = "/rest/imbot.v2.Chat.Message.Reaction.add?auth=t-demo&messageId=1&reaction=like";
    let get = "/rest/imbot.v2.Event.get?auth=t-demo";
    for (bot, code) in [
        ("", "BOT_ID_REQUIRED"),
        ("&botId=999", "BOT_NOT_FOUND"),
        ("&botId=40", "BOT_OWNERSHIP_ERROR"),
    ] {
        s.get(&format!("{add}{bot}")).assert_error(400, code);
        s.get(&format!("{get}{bot}")).assert_error(400, code);
    }
    let hook_add =
        "/rest/1/w-demo/imbot.v2.Chat.Message.Reaction.add?botId=42&messageId=1&reaction=like";
    let hook_get = "/rest/1/w-demo/imbot.v2.Event.get?botId=42";
    for (token, status, code) in [
        ("", 400, "BOT_TOKEN_NOT_SPECIFIED"),
        ("&botToken=wrong", 400, "BOT_OWNERSHIP_ERROR"),
    ] {
        s.get(&format!("{hook_add}{token}"))
            .assert_error(status, code);
        s.get(&format!("{hook_get}{token}"))
            .assert_error(status, code);
    }
    let ok = s.get(&format!("{hook_get}&botToken=bot-secret"));
    assert_eq!(ok.status, 200, "{ok:?}");
    s.get("/rest/2/w-other/imbot.v2.Event.get?botId=42&botToken=bot-secret")
        .assert_error(400, "BOT_OWNERSHIP_ERROR");
    s.get("/rest/imbot.v2.Event.get?botId=39")
        .assert_error(401, "NO_AUTH_FOUND");
}

/// Starts `rest_host --data dir --deterministic` on the default world.
fn start(dir: &Path) -> (Child, String) {
    let args: [&std::ffi::OsStr; 3] = [
        "--deterministic".as_ref(),
        "--data".as_ref(),
        dir.as_os_str(),
    ];
    common::spawn_host(args, Stdio::null())
}

#[test]
fn durable_events_are_neither_lost_nor_duplicated_across_a_kill() {
    let dir = scratch("events-kill");
    let (mut child, base) = start(&dir);
    let message = bot_posts(&base);
    user_likes(&base, message).assert_true();
    user_likes(&base, message).assert_true();
    let before = events(&base, "");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let (mut child, base) = start(&dir);
    let after = events(&base, "");
    user_likes(&base, message).assert_true();
    let more = events(&base, "&offset=2");
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(event_ids(&before), [1, 2]);
    assert_eq!(
        before.body["result"]["events"],
        after.body["result"]["events"]
    );
    assert_eq!(event_ids(&more), [3]);
}

#[test]
fn a_keyed_retry_after_a_lost_answer_makes_one_event() {
    let (s, _live) = common::start_live(
        imbot_like_host::DEFAULT_WORLD,
        imbot_like_host::Settings::default(),
    );
    let message = bot_posts(&s.base);
    let scenario = r#"{"method": "im.message.like", "kind": "fail_after_apply"}"#;
    assert_eq!(s.json("/__control/scenarios", scenario).status, 200);
    let like = format!(
        "{}/rest/1/w-demo/im.message.like?MESSAGE_ID={message}",
        s.base
    );
    let send = || {
        Answer::from(
            agent()
                .get(&like)
                .header("Idempotency-Key", "lost-1")
                .call(),
        )
    };
    send().assert_error(503, "SERVICE_UNAVAILABLE");
    send().assert_true();
    assert_eq!(event_ids(&events(&s.base, "")), [1]);
}
