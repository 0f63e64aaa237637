//! The world methods: each method's success and each of its errors, over
//! HTTP, checked against the answers and the engine's state.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Answer, Server};
use imbot_like::{ChatId, MessageId, UserId};
use serde_json::json;

/// Webhook of user 1 (scopes imbot and im).
const HOOK: &str = "/rest/1/w-demo";

fn call(s: &Server, method: &str, body: serde_json::Value) -> Answer {
    s.json(&format!("{HOOK}/{method}"), &body.to_string())
}

/// As user 2 through the OAuth token `t-other` (app.other, imbot and im).
fn call2(s: &Server, method: &str, mut body: serde_json::Value) -> Answer {
    body["auth"] = json!("t-other");
    s.json(&format!("/rest/{method}"), &body.to_string())
}

fn members(s: &Server, chat: u32) -> Vec<u32> {
    let chat = ChatId::new(chat).unwrap();
    s.host.inspect(|e| {
        e.chat_members(chat)
            .map(|m| m.iter().map(|u| u.get()).collect())
            .unwrap_or_default()
    })
}

fn exists(s: &Server, message: u64) -> bool {
    let message = MessageId::new(message).unwrap();
    s.host.inspect(|e| e.message(message).is_some())
}

fn result(answer: &Answer) -> serde_json::Value {
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.body["result"].clone()
}

#[test]
fn im_message_add_posts_with_growing_ids_and_keeps_the_text() {
    let s = Server::default_world();
    let first = call(
        &s,
        "im.message.add",
        json!({"DIALOG_ID": "chat7", "MESSAGE": "  hello  "}),
    );
    assert_eq!(result(&first), json!(4));
    let second = call(
        &s,
        "im.message.add.json",
        json!({"DIALOG_ID": "chat7", "MESSAGE": "again"}),
    );
    assert_eq!(result(&second), json!(5));
    let read = call(&s, "im.dialog.messages.get", json!({"DIALOG_ID": "chat7"}));
    let messages = &result(&read)["messages"];
    assert_eq!(messages[0]["id"], 5);
    assert_eq!(messages[1]["text"], "hello");
    assert_eq!(messages[1]["author_id"], 1);
    assert!(exists(&s, 4) && exists(&s, 5));
}

/// The ids of a page of chat 7 read with `params`.
fn page(s: &Server, params: serde_json::Value) -> Vec<u64> {
    let mut body = params;
    body["DIALOG_ID"] = json!("chat7");
    let read = call(s, "im.dialog.messages.get", body);
    let messages = result(&read)["messages"].as_array().unwrap().clone();
    messages.iter().map(|m| m["id"].as_u64().unwrap()).collect()
}

#[test]
fn im_dialog_messages_get_pages_as_portals_do() {
    let s = Server::default_world();
    // Chat 7 holds messages 1 and 2 (3 is in another chat); 4 to 60 follow.
    for n in 0..57 {
        let text = json!({"DIALOG_ID": "chat7", "MESSAGE": format!("m{n}")});
        result(&call(&s, "im.message.add", text));
    }
    let newest: Vec<u64> = (41..=60).rev().collect();
    assert_eq!(page(&s, json!({})), newest, "the newest 20, newest first");
    assert_eq!(
        page(&s, json!({"LIMIT": 100})).len(),
        50,
        "LIMIT is capped at 50"
    );
    assert_eq!(page(&s, json!({"LIMIT": 3})), [60, 59, 58]);
    assert_eq!(page(&s, json!({"LAST_ID": 41, "LIMIT": 2})), [40, 39]);
    assert_eq!(page(&s, json!({"FIRST_ID": 0, "LIMIT": 3})), [1, 2, 4]);
    assert_eq!(
        page(&s, json!({"FIRST_ID": 58, "LAST_ID": 10})),
        [59, 60],
        "FIRST_ID wins over LAST_ID"
    );
    let bad_first = json!({"DIALOG_ID": "chat7", "FIRST_ID": "1x"});
    call(&s, "im.dialog.messages.get", bad_first).assert_error(400, "FIRST_ID_STRING");
    let bad_last = json!({"DIALOG_ID": "chat7", "LAST_ID": "-1"});
    call(&s, "im.dialog.messages.get", bad_last).assert_error(400, "LAST_ID_STRING");
}

#[test]
fn im_message_add_errors() {
    let s = Server::default_world();
    call(&s, "im.message.add", json!({"MESSAGE": "x"})).assert_error(400, "DIALOG_ID_EMPTY");
    call(
        &s,
        "im.message.add",
        json!({"DIALOG_ID": "chatx", "MESSAGE": "x"}),
    )
    .assert_error(400, "DIALOG_ID_EMPTY");
    call(&s, "im.message.add", json!({"DIALOG_ID": "chat7"})).assert_error(400, "MESSAGE_EMPTY");
    call(
        &s,
        "im.message.add",
        json!({"DIALOG_ID": "chat7", "MESSAGE": " \n "}),
    )
    .assert_error(400, "MESSAGE_EMPTY");
    call(
        &s,
        "im.message.add",
        json!({"DIALOG_ID": "chat99", "MESSAGE": "x"}),
    )
    .assert_error(400, "ACCESS_ERROR");
    // User 2 is not in chat 8.
    call2(
        &s,
        "im.message.add",
        json!({"DIALOG_ID": "chat8", "MESSAGE": "x"}),
    )
    .assert_error(400, "ACCESS_ERROR");
    // The token t-demo has the imbot scope only.
    s.json(
        "/rest/im.message.add",
        r#"{"auth":"t-demo","DIALOG_ID":"chat7","MESSAGE":"x"}"#,
    )
    .assert_error(401, "insufficient_scope");
    assert!(!exists(&s, 4));
}

#[test]
fn a_user_id_as_dialog_opens_a_private_dialog_once() {
    let s = Server::default_world();
    let first = call(
        &s,
        "im.message.add",
        json!({"DIALOG_ID": "2", "MESSAGE": "hi two"}),
    );
    assert_eq!(result(&first), json!(4));
    assert_eq!(members(&s, 9), [1, 2]);
    // The answer comes in the same dialog.
    call2(
        &s,
        "im.message.add",
        json!({"DIALOG_ID": 1, "MESSAGE": "hi one"}),
    );
    let read = call2(&s, "im.dialog.messages.get", json!({"DIALOG_ID": "1"}));
    let read = result(&read);
    assert_eq!(read["chat_id"], 9);
    assert_eq!(read["messages"].as_array().unwrap().len(), 2);
    // Private dialogs take no member changes.
    call(&s, "im.chat.user.add", json!({"CHAT_ID": 9, "USERS": [3]}))
        .assert_error(400, "ACCESS_ERROR");
}

#[test]
fn imbot_message_add_acts_as_the_callers_bot() {
    let s = Server::default_world();
    let posted = s.json(
        "/rest/imbot.message.add",
        r#"{"auth":"t-demo","BOT_ID":39,"DIALOG_ID":"chat7","MESSAGE":"beep"}"#,
    );
    assert_eq!(result(&posted), json!(4));
    // Without BOT_ID the application's bot acts.
    let posted = s.json(
        "/rest/imbot.message.add",
        r#"{"auth":"t-demo","DIALOG_ID":"chat7","MESSAGE":"boop"}"#,
    );
    assert_eq!(result(&posted), json!(5));
    let author = s
        .host
        .inspect(|e| e.message(MessageId::new(5).unwrap()).unwrap().author);
    assert_eq!(author, UserId::new(39).unwrap());
}

#[test]
fn imbot_message_add_errors() {
    let s = Server::default_world();
    let add = |body: &str| s.json("/rest/imbot.message.add", body);
    add(r#"{"auth":"t-demo","BOT_ID":40,"DIALOG_ID":"chat7","MESSAGE":"x"}"#)
        .assert_error(400, "APP_ID_ERROR");
    add(r#"{"auth":"t-demo","BOT_ID":999,"DIALOG_ID":"chat7","MESSAGE":"x"}"#)
        .assert_error(400, "BOT_ID_ERROR");
    add(r#"{"auth":"t-demo","BOT_ID":"abc","DIALOG_ID":"chat7","MESSAGE":"x"}"#)
        .assert_error(400, "BOT_ID_ERROR");
    add(r#"{"auth":"t-demo","BOT_ID":39,"MESSAGE":"x"}"#).assert_error(400, "DIALOG_ID_EMPTY");
    add(r#"{"auth":"t-demo","BOT_ID":39,"DIALOG_ID":"chat7"}"#).assert_error(400, "MESSAGE_EMPTY");
    // Bot 39 is not in chat 8.
    add(r#"{"auth":"t-demo","BOT_ID":39,"DIALOG_ID":"chat8","MESSAGE":"x"}"#)
        .assert_error(400, "ACCESS_ERROR");
    // A webhook call whose CLIENT_ID names no application owns no bot.
    call(
        &s,
        "imbot.message.add",
        json!({"CLIENT_ID": "nobody", "DIALOG_ID": "chat7", "MESSAGE": "x"}),
    )
    .assert_error(400, "BOT_ID_ERROR");
    assert!(!exists(&s, 4));
}

#[test]
fn messages_are_deleted_by_their_author_only() {
    let s = Server::default_world();
    // Message 2 is user 2's.
    call(&s, "im.message.delete", json!({"MESSAGE_ID": 2})).assert_error(400, "CANT_EDIT_MESSAGE");
    call(&s, "im.message.delete", json!({"MESSAGE_ID": 999}))
        .assert_error(400, "CANT_EDIT_MESSAGE");
    call(&s, "im.message.delete", json!({})).assert_error(400, "MESSAGE_ID_ERROR");
    call(&s, "im.message.delete", json!({"MESSAGE_ID": "x"})).assert_error(400, "MESSAGE_ID_ERROR");
    assert!(exists(&s, 2));
    assert_eq!(
        result(&call(&s, "im.message.delete", json!({"MESSAGE_ID": 1}))),
        json!(true)
    );
    assert!(!exists(&s, 1));
    // A bot deletes its own messages, not its users'.
    let bot = |body: &str| s.json("/rest/imbot.message.delete", body);
    bot(r#"{"auth":"t-demo","BOT_ID":39,"MESSAGE_ID":3}"#).assert_error(400, "CANT_EDIT_MESSAGE");
    bot(r#"{"auth":"t-demo","BOT_ID":40,"MESSAGE_ID":3}"#).assert_error(400, "APP_ID_ERROR");
    s.json(
        "/rest/imbot.message.add",
        r#"{"auth":"t-demo","DIALOG_ID":"chat7","MESSAGE":"mine"}"#,
    );
    assert_eq!(
        result(&bot(r#"{"auth":"t-demo","BOT_ID":39,"MESSAGE_ID":4}"#)),
        json!(true)
    );
    assert!(!exists(&s, 4));
}

#[test]
fn chats_are_added_with_the_caller_as_owner_and_member() {
    let s = Server::default_world();
    let chat = call2(
        &s,
        "im.chat.add",
        json!({"TITLE": "Standup", "USERS": [1, 3]}),
    );
    assert_eq!(result(&chat), json!(9));
    assert_eq!(members(&s, 9), [1, 2, 3]);
    let chat = s.form(
        "/rest/imbot.chat.add",
        "auth=t-demo&BOT_ID=39&USERS[]=1&TITLE=Bots",
    );
    assert_eq!(result(&chat), json!(10));
    assert_eq!(members(&s, 10), [1, 39]);
    call2(&s, "im.chat.add", json!({"USERS": ["x"]})).assert_error(400, "WRONG_REQUEST");
    s.form("/rest/imbot.chat.add", "auth=t-demo&BOT_ID=40")
        .assert_error(400, "APP_ID_ERROR");
    let dump = s.host.dump();
    assert_eq!(dump.chats.len(), 4);
    assert_eq!(dump.chats[2].title.as_deref(), Some("Standup"));
    assert_eq!(dump.chats[2].owner, Some(2));
}

#[test]
fn chat_user_add_needs_a_member_caller_and_new_users() {
    let s = Server::default_world();
    call(&s, "im.chat.user.add", json!({"USERS": [5]})).assert_error(400, "CHAT_ID_EMPTY");
    call(&s, "im.chat.user.add", json!({"CHAT_ID": 7})).assert_error(400, "USERS_EMPTY");
    call2(&s, "im.chat.user.add", json!({"CHAT_ID": 8, "USERS": [5]}))
        .assert_error(400, "ACCESS_ERROR");
    call(&s, "im.chat.user.add", json!({"CHAT_ID": 7, "USERS": [2]}))
        .assert_error(400, "WRONG_REQUEST");
    assert_eq!(
        result(&call(
            &s,
            "im.chat.user.add",
            json!({"CHAT_ID": 7, "USERS": [2, 5, 6]})
        )),
        json!(true)
    );
    assert_eq!(members(&s, 7), [1, 2, 5, 6, 39, 40, 42]);
    let bot = s.form(
        "/rest/imbot.chat.user.add",
        "auth=t-demo&BOT_ID=39&CHAT_ID=7&USERS[]=8",
    );
    assert_eq!(result(&bot), json!(true));
    assert!(members(&s, 7).contains(&8));
}

#[test]
fn chat_user_delete_is_for_the_owner_or_oneself() {
    let s = Server::default_world();
    call2(&s, "im.chat.add", json!({"USERS": [1, 3]}));
    // User 1 is a member of chat 9 but not its owner.
    call(
        &s,
        "im.chat.user.delete",
        json!({"CHAT_ID": 9, "USER_ID": 3}),
    )
    .assert_error(400, "ACCESS_ERROR");
    call(&s, "im.chat.user.delete", json!({"CHAT_ID": 9})).assert_error(400, "USER_ID_EMPTY");
    call(&s, "im.chat.user.delete", json!({"USER_ID": 3})).assert_error(400, "CHAT_ID_EMPTY");
    call2(
        &s,
        "im.chat.user.delete",
        json!({"CHAT_ID": 9, "USER_ID": 7}),
    )
    .assert_error(400, "WRONG_REQUEST");
    assert_eq!(
        result(&call2(
            &s,
            "im.chat.user.delete",
            json!({"CHAT_ID": 9, "USER_ID": 3})
        )),
        json!(true)
    );
    assert_eq!(
        result(&call(
            &s,
            "im.chat.user.delete",
            json!({"CHAT_ID": 9, "USER_ID": 1})
        )),
        json!(true)
    );
    assert_eq!(members(&s, 9), [2]);
    // A bot that owns a chat removes its members.
    s.form(
        "/rest/imbot.chat.add",
        "auth=t-demo&BOT_ID=39&USERS[]=1&USERS[]=2",
    );
    let removed = s.form(
        "/rest/imbot.chat.user.delete",
        "auth=t-demo&BOT_ID=39&CHAT_ID=10&USER_ID=2",
    );
    assert_eq!(result(&removed), json!(true));
    assert_eq!(members(&s, 10), [1, 39]);
}

#[test]
fn chat_leave_removes_the_caller() {
    let s = Server::default_world();
    call(&s, "im.chat.leave", json!({})).assert_error(400, "CHAT_ID_EMPTY");
    assert_eq!(
        result(&call(&s, "im.chat.leave", json!({"CHAT_ID": 7}))),
        json!(true)
    );
    call(&s, "im.chat.leave", json!({"CHAT_ID": 7})).assert_error(400, "ACCESS_ERROR");
    let bot = s.form("/rest/imbot.chat.leave", "auth=t-demo&BOT_ID=39&CHAT_ID=7");
    assert_eq!(result(&bot), json!(true));
    assert_eq!(members(&s, 7), [2, 40, 42]);
    s.form("/rest/imbot.chat.leave", "auth=t-demo&BOT_ID=39&CHAT_ID=7")
        .assert_error(400, "ACCESS_ERROR");
}

const REGISTER: &str = "CODE=echo&PROPERTIES[NAME]=Echo&EVENT_HANDLER=http://bot.test/event";

#[test]
fn imbot_register_answers_a_growing_bot_id_owned_by_the_caller() {
    let s = Server::default_world();
    let bot = s.form(
        &format!("{HOOK}/imbot.register"),
        &format!("{REGISTER}&CLIENT_ID=my.app"),
    );
    assert_eq!(result(&bot), json!(43));
    // The same code again: the same bot.
    let again = s.form(
        &format!("{HOOK}/imbot.register"),
        &format!("{REGISTER}&CLIENT_ID=my.app"),
    );
    assert_eq!(result(&again), json!(43));
    let other = s.form("/rest/imbot.register", &format!("auth=t-demo&{REGISTER}"));
    assert_eq!(result(&other), json!(44));
    let list = result(&s.get("/rest/imbot.bot.list?auth=t-demo"));
    assert_eq!(list["43"]["CODE"], "echo");
    assert_eq!(list["44"]["NAME"], "Echo");
    assert_eq!(list["39"]["ID"], 39);
    // Bot 43 belongs to the webhook's CLIENT_ID, not to app.demo.
    s.form(
        "/rest/imbot.message.add",
        "auth=t-demo&BOT_ID=43&DIALOG_ID=chat7&MESSAGE=x",
    )
    .assert_error(400, "APP_ID_ERROR");
}

#[test]
fn imbot_register_errors() {
    let s = Server::default_world();
    let register = |body: &str| s.form("/rest/imbot.register", &format!("auth=t-demo&{body}"));
    register("PROPERTIES[NAME]=E&EVENT_HANDLER=http://x.test").assert_error(400, "CODE_ERROR");
    register("CODE=e&EVENT_HANDLER=http://x.test").assert_error(400, "NAME_ERROR");
    register("CODE=e&PROPERTIES[NAME]=E").assert_error(400, "EVENT_MESSAGE_ADD_ERROR");
    register("CODE=e&PROPERTIES[NAME]=E&EVENT_MESSAGE_ADD=http://x.test")
        .assert_error(400, "EVENT_WELCOME_MESSAGE_ERROR");
    register("CODE=e&PROPERTIES[NAME]=E&EVENT_MESSAGE_ADD=http://x.test&EVENT_WELCOME_MESSAGE=https://x.test&EVENT_BOT_DELETE=ftp://x")
        .assert_error(400, "EVENT_BOT_DELETE_ERROR");
    // A webhook names its application by CLIENT_ID, as for the like
    // methods: without one, 403 before anything else.
    s.form(&format!("{HOOK}/imbot.register"), REGISTER)
        .assert_error(403, "ACCESS_DENIED");
    // app.demo has bot 39: four more, then the limit.
    for code in ["a", "b", "c", "d"] {
        let body = format!("CODE={code}&PROPERTIES[LAST_NAME]=L&EVENT_HANDLER=http://x.test");
        assert!(result(&register(&body)).is_u64());
    }
    register("CODE=f&PROPERTIES[NAME]=F&EVENT_HANDLER=http://x.test")
        .assert_error(400, "MAX_COUNT_ERROR");
    assert_eq!(s.host.inspect(|e| e.bot_count()), 8);
}

#[test]
fn imbot_unregister_removes_only_the_callers_bot() {
    let s = Server::default_world();
    s.form("/rest/imbot.unregister", "auth=t-demo")
        .assert_error(400, "BOT_ID_ERROR");
    s.form("/rest/imbot.unregister", "auth=t-demo&BOT_ID=40")
        .assert_error(400, "APP_ID_ERROR");
    s.form("/rest/imbot.unregister", "auth=t-demo&BOT_ID=77")
        .assert_error(400, "BOT_ID_ERROR");
    assert_eq!(
        result(&s.form("/rest/imbot.unregister", "auth=t-demo&BOT_ID=39")),
        json!(true)
    );
    let list = result(&s.get("/rest/imbot.bot.list?auth=t-demo"));
    assert!(list.get("39").is_none());
    // The bot can no longer like.
    s.form(
        "/rest/imbot.message.like",
        "auth=t-demo&BOT_ID=39&MESSAGE_ID=1",
    )
    .assert_error(400, "BOT_ID_ERROR");
}
