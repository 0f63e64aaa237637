//! End to end, as a bot developer would test a bot against the local
//! portal: register, open a chat, a user posts, the bot likes, read back,
//! then a 503 after apply and what the client sees.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::start_live;
use imbot_like_host::{DEFAULT_WORLD, Settings};
use serde_json::json;

/// The webhook of user 1.
const HOOK: &str = "/rest/1/w-demo";

#[test]
fn a_bot_likes_a_fresh_message_and_survives_a_lost_answer() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let call = |method: &str, body: serde_json::Value| {
        s.json(&format!("{HOOK}/{method}"), &body.to_string())
    };
    let bot = call(
        "imbot.register",
        json!({
            "CLIENT_ID": "likebot", "CODE": "likebot", "TYPE": "B",
            "EVENT_HANDLER": "http://127.0.0.1:9/events",
            "PROPERTIES": {"NAME": "Like bot"},
        }),
    );
    let bot = bot.body["result"].as_u64().expect("a bot id");
    let chat = call(
        "imbot.chat.add",
        json!({"CLIENT_ID": "likebot", "BOT_ID": bot, "USERS": [1], "TITLE": "Likes"}),
    );
    let chat = chat.body["result"].as_u64().expect("a chat id");
    let message = call(
        "im.message.add",
        json!({"DIALOG_ID": format!("chat{chat}"), "MESSAGE": "like me"}),
    );
    let message = message.body["result"].as_u64().expect("a message id");

    call(
        "imbot.message.like",
        json!({"CLIENT_ID": "likebot", "BOT_ID": bot, "MESSAGE_ID": message, "ACTION": "plus"}),
    )
    .assert_true();
    let read = call(
        "im.dialog.messages.get",
        json!({"DIALOG_ID": format!("chat{chat}")}),
    );
    let first = &read.body["result"]["messages"][0];
    assert_eq!(first["text"], "like me");
    assert_eq!(first["params"]["LIKE"], json!([bot]));

    // The next unlike is applied, but the client gets a 503.
    let scenario = json!({"method": "imbot.message.like", "kind": "fail_after_apply"});
    assert_eq!(
        s.json("/__control/scenarios", &scenario.to_string()).status,
        200
    );
    let unlike =
        json!({"CLIENT_ID": "likebot", "BOT_ID": bot, "MESSAGE_ID": message, "ACTION": "minus"});
    call("imbot.message.like", unlike.clone()).assert_error(503, "SERVICE_UNAVAILABLE");
    // A client that retries learns the first attempt went through.
    call("imbot.message.like", unlike).assert_error(400, "WITHOUT_CHANGES");
    let read = call(
        "im.dialog.messages.get",
        json!({"DIALOG_ID": format!("chat{chat}")}),
    );
    assert_eq!(
        read.body["result"]["messages"][0]["params"]["LIKE"],
        json!([])
    );
}
