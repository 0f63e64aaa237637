//! Bots' slash commands, message updates, keyboards, attachments and
//! menus, as portals serve them: `imbot.command.register`, `.unregister`,
//! `.update`, `.answer`, `imbot.message.update`, `im.message.update`,
//! `KEYBOARD` / `ATTACH` / `MENU` on messages, `ONIMCOMMANDADD` and
//! `ONIMBOTMESSAGEUPDATE`, and a keyboard button pressed through the
//! control API. Each method's success and each of its errors, and which
//! bot hears which command.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bot_support;
mod common;

use std::collections::HashMap;

use bot_support::Sink;
use common::{Answer, Server, start_live};
use imbot_like_host::{DEFAULT_WORLD, Settings};
use serde_json::{Value, json};

/// The default world's application `app.demo` (bot 39, in chat 7).
const DEMO: &str = "auth=t-demo";
/// The default world's application `app.other` (bot 40 in chat 7, bot 41
/// in chat 8 with user 1 only).
const OTHER: &str = "auth=t-other";
const LANG: &str = "LANG[0][LANGUAGE_ID]=en&LANG[0][TITLE]=Move&LANG[0][PARAMS]=steps";

fn call(s: &Server, method: &str, body: &str) -> Answer {
    s.form(&format!("/rest/{method}"), body)
}

/// Registers `command` for bot 39 (app.demo) with the sink's handler.
fn register(s: &Server, sink: &Sink, extra: &str) -> u64 {
    let body = format!(
        "{DEMO}&BOT_ID=39&EVENT_COMMAND_ADD={}&{LANG}&{extra}",
        sink.url
    );
    let answer = call(s, "imbot.command.register", &body);
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.body["result"].as_u64().unwrap()
}

/// Posts `text` as user 1 in chat 7 (over user 1's webhook): its id.
fn post_as_user1(s: &Server, dialog: &str, text: &str) -> u64 {
    let body = format!("DIALOG_ID={dialog}&MESSAGE={}", encode(text));
    let answer = s.form("/rest/1/w-demo/im.message.add", &body);
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.body["result"].as_u64().unwrap()
}

/// `text` form-encoded.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// The messages of `dialog` as user 1 reads them, by id.
fn messages(s: &Server, dialog: &str) -> HashMap<u64, Value> {
    let answer = s.get(&format!(
        "/rest/1/w-demo/im.dialog.messages.get?DIALOG_ID={dialog}"
    ));
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.body["result"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["id"].as_u64().unwrap(), m.clone()))
        .collect()
}

#[test]
fn register_answers_the_commands_id_and_each_refusal_changes_nothing() {
    let s = Server::default_world();
    let hook = "EVENT_COMMAND_ADD=https://bot.test/command";
    let cases = [
        (
            format!("{DEMO}&BOT_ID=39&COMMAND=move&{LANG}"),
            "EVENT_COMMAND_ADD_ERROR",
        ),
        (
            format!("{DEMO}&BOT_ID=39&COMMAND=move&{LANG}&EVENT_COMMAND_ADD=ftp://x"),
            "EVENT_COMMAND_ADD_ERROR",
        ),
        (format!("{DEMO}&BOT_ID=39&{hook}&{LANG}"), "COMMAND_ERROR"),
        (format!("{DEMO}&COMMAND=move&{hook}&{LANG}"), "BOT_ID_ERROR"),
        (
            format!("{DEMO}&BOT_ID=999&COMMAND=move&{hook}&{LANG}"),
            "BOT_ID_ERROR",
        ),
        (
            format!("{DEMO}&BOT_ID=40&COMMAND=move&{hook}&{LANG}"),
            "APP_ID_ERROR",
        ),
        (
            format!("{DEMO}&BOT_ID=39&COMMAND=move&{hook}"),
            "LANG_ERROR",
        ),
    ];
    for (body, code) in &cases {
        call(&s, "imbot.command.register", body).assert_error(400, code);
    }
    let missing = call(&s, "imbot.command.register", &cases[0].0);
    assert_eq!(
        missing.body["error_description"],
        "Handler for \"Command add\" event isn't specified"
    );
    let wrong = call(&s, "imbot.command.register", &cases[1].0);
    assert_eq!(wrong.body["error_description"], "Wrong handler URL");

    // The first command gets id 1: no refusal took an id.
    let body = format!("{DEMO}&BOT_ID=39&COMMAND=move&{hook}&{LANG}");
    let first = call(&s, "imbot.command.register", &body);
    assert_eq!(first.body["result"], json!(1), "{first:?}");
    // The same command again (with or without its slash) is the same one.
    let again = format!("{DEMO}&BOT_ID=39&COMMAND=/move&{hook}&{LANG}");
    assert_eq!(
        call(&s, "imbot.command.register", &again).body["result"],
        json!(1)
    );
    // A JSON body with LANG as a list of objects works alike.
    let body = json!({"auth": "t-demo", "BOT_ID": 39, "COMMAND": "help",
        "EVENT_COMMAND_ADD": "https://bot.test/command", "HIDDEN": "Y",
        "LANG": [{"LANGUAGE_ID": "en", "TITLE": "Help", "PARAMS": ""}]});
    let help = s.json("/rest/imbot.command.register.json", &body.to_string());
    assert_eq!(help.body["result"], json!(2), "{help:?}");
}

#[test]
fn unregister_and_update_act_on_the_callers_commands_only() {
    let s = Server::default_world();
    let sink = Sink::start();
    let id = register(&s, &sink, "COMMAND=move");
    let other = call(
        &s,
        "imbot.command.register",
        &format!("{OTHER}&BOT_ID=40&COMMAND=stop&EVENT_COMMAND_ADD=https://x.test/c&{LANG}"),
    );
    let other = other.body["result"].as_u64().unwrap();

    let update = "imbot.command.update";
    call(
        &s,
        update,
        &format!("{DEMO}&COMMAND_ID=99&FIELDS[HIDDEN]=Y"),
    )
    .assert_error(400, "COMMAND_ID_ERROR");
    call(
        &s,
        update,
        &format!("{DEMO}&COMMAND_ID={other}&FIELDS[HIDDEN]=Y"),
    )
    .assert_error(400, "APP_ID_ERROR");
    call(
        &s,
        update,
        &format!("{DEMO}&COMMAND_ID={id}&FIELDS[EVENT_COMMAND_ADD]=mailto:x"),
    )
    .assert_error(400, "EVENT_COMMAND_ADD_ERROR");
    let empty = call(&s, update, &format!("{DEMO}&COMMAND_ID={id}"));
    empty.assert_error(400, "WRONG_REQUEST");
    assert_eq!(
        empty.body["error_description"],
        "Update fields can't be empty"
    );

    // Renamed, the command answers to its new name only.
    call(
        &s,
        update,
        &format!("{DEMO}&COMMAND_ID={id}&FIELDS[COMMAND]=go"),
    )
    .assert_true();
    post_as_user1(&s, "chat7", "/move 1");
    post_as_user1(&s, "chat7", "/go 2");
    let heard = sink.next();
    assert_eq!(heard[&format!("data[COMMAND][{id}][COMMAND]")], "go");
    assert_eq!(heard[&format!("data[COMMAND][{id}][COMMAND_PARAMS]")], "2");

    let unregister = "imbot.command.unregister";
    call(&s, unregister, &format!("{DEMO}&COMMAND_ID={other}")).assert_error(400, "APP_ID_ERROR");
    call(&s, unregister, &format!("{DEMO}&COMMAND_ID=99")).assert_error(400, "COMMAND_ID_ERROR");
    call(&s, unregister, &format!("{DEMO}&COMMAND_ID={id}")).assert_true();
    call(&s, unregister, &format!("{DEMO}&COMMAND_ID={id}")).assert_error(400, "COMMAND_ID_ERROR");
}

#[test]
fn a_command_is_heard_where_its_bot_is_or_everywhere_when_common() {
    let s = Server::default_world();
    let demo = Sink::start();
    let other = Sink::start();
    let move_ = register(&s, &demo, "COMMAND=move");
    let hidden = register(&s, &demo, "COMMAND=secret&HIDDEN=Y");
    let register_other = |extra: &str| {
        let body = format!("{OTHER}&EVENT_COMMAND_ADD={}&{LANG}&{extra}", other.url);
        call(&s, "imbot.command.register", &body).body["result"]
            .as_u64()
            .unwrap()
    };
    // Bot 41 is in chat 8 only: its own command is not heard in chat 7,
    // its common one is.
    let own = register_other("BOT_ID=41&COMMAND=ping");
    let common = register_other("BOT_ID=41&COMMAND=move&COMMON=Y");

    // Not at a line's start: no command. On a later line: heard.
    post_as_user1(&s, "chat7", "please /move 7");
    post_as_user1(&s, "chat7", "/ping");
    let message = post_as_user1(&s, "chat7", "hello\n/move 7 steps");
    let heard = demo.next();
    assert_eq!(heard["event"], "ONIMCOMMANDADD");
    assert_eq!(heard[&format!("data[COMMAND][{move_}][BOT_ID]")], "39");
    assert_eq!(heard[&format!("data[COMMAND][{move_}][COMMAND]")], "move");
    assert_eq!(
        heard[&format!("data[COMMAND][{move_}][COMMAND_PARAMS]")],
        "7 steps"
    );
    assert_eq!(
        heard[&format!("data[COMMAND][{move_}][COMMAND_CONTEXT]")],
        "TEXTAREA"
    );
    assert_eq!(
        heard[&format!("data[COMMAND][{move_}][MESSAGE_ID]")],
        message.to_string()
    );
    assert_eq!(heard["data[PARAMS][DIALOG_ID]"], "chat7");
    assert_eq!(heard["data[PARAMS][FROM_USER_ID]"], "1");
    assert_eq!(heard["data[PARAMS][MESSAGE]"], "hello\n/move 7 steps");
    assert_eq!(heard["data[USER][ID]"], "1");
    assert_eq!(heard["auth[application_token]"].len(), 32);
    // The other application hears its common command, in its own event.
    let heard = other.next();
    assert_eq!(heard[&format!("data[COMMAND][{common}][BOT_ID]")], "41");
    assert!(!heard.contains_key(&format!("data[COMMAND][{own}][BOT_ID]")));

    // In chat 8, bot 41's own command is heard; a hidden command is
    // heard like any other; a system message calls nothing.
    post_as_user1(&s, "chat8", "/ping now");
    assert_eq!(
        other.next()[&format!("data[COMMAND][{own}][COMMAND_PARAMS]")],
        "now"
    );
    s.form(
        "/rest/1/w-demo/im.message.add",
        "DIALOG_ID=chat7&MESSAGE=/move+1&SYSTEM=Y",
    );
    post_as_user1(&s, "chat7", "/secret x");
    let heard = demo.next();
    assert_eq!(
        heard[&format!("data[COMMAND][{hidden}][COMMAND]")],
        "secret"
    );
}

#[test]
fn in_a_private_dialog_only_the_dialogs_bot_hears_its_command() {
    let s = Server::default_world();
    let sink = Sink::start();
    let move_ = register(&s, &sink, "COMMAND=move");
    // User 2 and bot 40 (not bot 39) share a dialog: bot 39's command is
    // not heard there; in user 2's dialog with bot 39 it is, and the
    // dialog is named by the user's id.
    s.form(
        "/rest/2/w-other/im.message.add",
        "DIALOG_ID=40&MESSAGE=/move+1",
    );
    s.form(
        "/rest/2/w-other/im.message.add",
        "DIALOG_ID=39&MESSAGE=/move+2",
    );
    let heard = sink.next();
    assert_eq!(
        heard[&format!("data[COMMAND][{move_}][COMMAND_PARAMS]")],
        "2"
    );
    assert_eq!(heard["data[PARAMS][DIALOG_ID]"], "2");
    assert_eq!(heard["data[PARAMS][TO_USER_ID]"], "39");
}

#[test]
fn answer_posts_as_the_commands_bot_where_the_command_was_called() {
    let s = Server::default_world();
    let sink = Sink::start();
    let id = register(&s, &sink, "COMMAND=move");
    let called = post_as_user1(&s, "chat7", "/move 3");
    let answer = "imbot.command.answer";
    let base = format!("{DEMO}&COMMAND_ID={id}&MESSAGE_ID={called}");
    call(
        &s,
        answer,
        &format!("{DEMO}&COMMAND_ID=99&MESSAGE_ID={called}&MESSAGE=x"),
    )
    .assert_error(400, "COMMAND_ID_ERROR");
    call(
        &s,
        answer,
        &format!("{DEMO}&COMMAND=nope&MESSAGE_ID={called}&MESSAGE=x"),
    )
    .assert_error(400, "COMMAND_ID_ERROR");
    call(
        &s,
        answer,
        &format!("{OTHER}&COMMAND_ID={id}&MESSAGE_ID={called}&MESSAGE=x"),
    )
    .assert_error(400, "APP_ID_ERROR");
    call(&s, answer, &format!("{DEMO}&COMMAND_ID={id}&MESSAGE=x"))
        .assert_error(400, "MESSAGE_ID_EMPTY");
    call(&s, answer, &format!("{base}&MESSAGE=+")).assert_error(400, "MESSAGE_EMPTY");
    call(
        &s,
        answer,
        &format!("{base}&MESSAGE=x&KEYBOARD[0][TEXT]=no+action"),
    )
    .assert_error(400, "KEYBOARD_ERROR");
    call(&s, answer, &format!("{base}&MESSAGE=x&ATTACH[0][ODD]=1"))
        .assert_error(400, "ATTACH_ERROR");
    call(
        &s,
        answer,
        &format!("{base}&MESSAGE=x&MENU[0][TEXT]=no+action"),
    )
    .assert_error(400, "MENU_ERROR");
    // A message in a chat the bot is not in (chat 8).
    let elsewhere = post_as_user1(&s, "chat8", "hi");
    let refused = call(
        &s,
        answer,
        &format!("{DEMO}&COMMAND_ID={id}&MESSAGE_ID={elsewhere}&MESSAGE=x"),
    );
    refused.assert_error(400, "WRONG_REQUEST");

    // By COMMAND instead of COMMAND_ID; the answer is bot 39's, in chat
    // 7, and calls no command although it starts with one.
    let ok = call(
        &s,
        answer,
        &format!("{DEMO}&COMMAND=move&MESSAGE_ID={called}&MESSAGE=/move+moved"),
    );
    let reply = ok.body["result"].as_u64().expect("the answer's id");
    let listed = messages(&s, "chat7");
    assert_eq!(listed[&reply]["author_id"], 39);
    assert_eq!(listed[&reply]["text"], "/move moved");
    let next = post_as_user1(&s, "chat7", "/move 4");
    assert_eq!(
        sink.next()[&format!("data[COMMAND][{id}][MESSAGE_ID]")],
        called.to_string()
    );
    assert_eq!(
        sink.next()[&format!("data[COMMAND][{id}][MESSAGE_ID]")],
        next.to_string()
    );
}

#[test]
fn keyboards_attachments_and_menus_are_checked_kept_and_listed() {
    let s = Server::default_world();
    let body = "auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=Pick\
        &KEYBOARD[0][TEXT]=Next&KEYBOARD[0][COMMAND]=page&KEYBOARD[0][COMMAND_PARAMS]=2\
        &KEYBOARD[1][TYPE]=NEWLINE&KEYBOARD[2][TEXT]=Docs&KEYBOARD[2][LINK]=https://example.org\
        &MENU[0][TEXT]=Help&MENU[0][COMMAND]=help";
    let id = call(&s, "imbot.message.add", body).body["result"]
        .as_u64()
        .unwrap();
    let attach = json!({"auth": "t-demo", "BOT_ID": 39, "DIALOG_ID": "chat7", "MESSAGE": "Card",
        "ATTACH": {"ID": 1, "COLOR": "#29619b", "BLOCKS": [{"MESSAGE": "Total: 3"},
                  {"GRID": [{"NAME": "Status", "VALUE": "open"}]}]}});
    let card = s.json("/rest/imbot.message.add", &attach.to_string());
    let card = card.body["result"].as_u64().unwrap();

    let listed = messages(&s, "chat7");
    let params = &listed[&id]["params"];
    assert_eq!(params["KEYBOARD"][0]["COMMAND"], "page");
    assert_eq!(params["KEYBOARD"][0]["COMMAND_PARAMS"], "2");
    assert_eq!(params["KEYBOARD"][0]["BOT_ID"], 39);
    assert_eq!(params["KEYBOARD"][1], json!({"TYPE": "NEWLINE"}));
    assert_eq!(params["KEYBOARD"][2]["LINK"], "https://example.org");
    assert_eq!(params["MENU"][0]["COMMAND"], "help");
    let attached = &listed[&card]["params"]["ATTACH"][0];
    assert_eq!(attached["COLOR"], "#29619b");
    assert_eq!(attached["BLOCKS"][1]["GRID"][0]["VALUE"], "open");
    assert!(listed[&card]["params"]["KEYBOARD"].is_null());

    // Refusals post nothing.
    let before = messages(&s, "chat7").len();
    let bad = [
        ("KEYBOARD[0][TEXT]=x", "KEYBOARD_ERROR"),
        ("ATTACH=just+text", "ATTACH_ERROR"),
        ("MENU[0][LINK]=https://x", "MENU_ERROR"),
    ];
    for (extra, code) in bad {
        let body = format!("{DEMO}&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=x&{extra}");
        call(&s, "imbot.message.add", &body).assert_error(400, code);
    }
    let huge = "y".repeat(60_000);
    let body = format!("{DEMO}&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=x&ATTACH[0][MESSAGE]={huge}");
    call(&s, "imbot.message.add", &body).assert_error(400, "ATTACH_OVERSIZE");
    // A user's message carries no keyboard: its buttons would be no bot's.
    let body = "DIALOG_ID=chat7&MESSAGE=x&KEYBOARD[0][TEXT]=a&KEYBOARD[0][COMMAND]=b";
    s.form("/rest/1/w-demo/im.message.add", body)
        .assert_error(400, "KEYBOARD_ERROR");
    assert_eq!(messages(&s, "chat7").len(), before);
}

#[test]
fn update_changes_the_callers_own_message_whole_or_not_at_all() {
    let s = Server::default_world();
    let body = "auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=v1&KEYBOARD[0][TEXT]=A&KEYBOARD[0][COMMAND]=a";
    let id = call(&s, "imbot.message.add", body).body["result"]
        .as_u64()
        .unwrap();
    let update = "imbot.message.update";
    call(&s, update, &format!("{DEMO}&BOT_ID=39&MESSAGE=x")).assert_error(400, "MESSAGE_ID_ERROR");
    // Message 2 is user 2's.
    call(
        &s,
        update,
        &format!("{DEMO}&BOT_ID=39&MESSAGE_ID=2&MESSAGE=x"),
    )
    .assert_error(400, "CANT_EDIT_MESSAGE");
    call(
        &s,
        update,
        &format!("{OTHER}&BOT_ID=40&MESSAGE_ID={id}&MESSAGE=x"),
    )
    .assert_error(400, "CANT_EDIT_MESSAGE");
    call(
        &s,
        update,
        &format!("{DEMO}&BOT_ID=40&MESSAGE_ID={id}&MESSAGE=x"),
    )
    .assert_error(400, "APP_ID_ERROR");
    for (extra, code) in [
        ("MESSAGE=v2&KEYBOARD[0][TEXT]=no+action", "KEYBOARD_ERROR"),
        ("MESSAGE=v2&ATTACH[0][ODD]=1", "ATTACH_ERROR"),
        ("MESSAGE=v2&MENU[0][TEXT]=x", "MENU_ERROR"),
        ("MESSAGE=+", "MESSAGE_EMPTY"),
    ] {
        let body = format!("{DEMO}&BOT_ID=39&MESSAGE_ID={id}&{extra}");
        call(&s, update, &body).assert_error(400, code);
    }
    let unchanged = &messages(&s, "chat7")[&id];
    assert_eq!(unchanged["text"], "v1");
    assert_eq!(unchanged["params"]["KEYBOARD"][0]["COMMAND"], "a");

    // New text and keyboard; then the keyboard removed, the text kept.
    let body = format!(
        "{DEMO}&BOT_ID=39&MESSAGE_ID={id}&MESSAGE=v2&KEYBOARD[0][TEXT]=B&KEYBOARD[0][COMMAND]=b"
    );
    call(&s, update, &body).assert_true();
    let changed = &messages(&s, "chat7")[&id];
    assert_eq!(changed["text"], "v2");
    assert_eq!(changed["params"]["KEYBOARD"][0]["COMMAND"], "b");
    call(&s, update, &format!("{DEMO}&BOT_ID=39&ID={id}&KEYBOARD=N")).assert_true();
    let cleared = &messages(&s, "chat7")[&id];
    assert_eq!(cleared["text"], "v2");
    assert!(cleared["params"]["KEYBOARD"].is_null());

    // im.message.update: a user's own message, by ID.
    let own = post_as_user1(&s, "chat7", "typo");
    s.form(
        "/rest/1/w-demo/im.message.update",
        &format!("ID={own}&MESSAGE=fixed"),
    )
    .assert_true();
    s.form("/rest/1/w-demo/im.message.update", "ID=2&MESSAGE=x")
        .assert_error(400, "CANT_EDIT_MESSAGE");
    assert_eq!(messages(&s, "chat7")[&own]["text"], "fixed");
}

#[test]
fn the_bot_of_a_private_dialog_hears_its_messages_updated() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let sink = Sink::start();
    let body = format!(
        "CODE=ed&PROPERTIES[NAME]=Editor&CLIENT_ID=ed.app&EVENT_HANDLER={}",
        sink.url
    );
    let bot = s.form("/rest/1/w-demo/imbot.register", &body).body["result"]
        .as_u64()
        .unwrap();
    let posted = s.form(
        "/rest/2/w-other/im.message.add",
        &format!("DIALOG_ID={bot}&MESSAGE=draft"),
    );
    let id = posted.body["result"].as_u64().unwrap();
    assert_eq!(sink.next()["event"], "ONIMBOTJOINCHAT");
    assert_eq!(sink.next()["event"], "ONIMBOTMESSAGEADD");
    let body = format!("MESSAGE_ID={id}&MESSAGE=final");
    s.form("/rest/2/w-other/im.message.update", &body)
        .assert_true();
    let heard = sink.next();
    assert_eq!(heard["event"], "ONIMBOTMESSAGEUPDATE");
    assert_eq!(heard["data[PARAMS][MESSAGE_ID]"], id.to_string());
    assert_eq!(heard["data[PARAMS][MESSAGE]"], "final");
    assert_eq!(heard["data[PARAMS][DIALOG_ID]"], "2");
    assert_eq!(heard[&format!("data[BOT][{bot}][BOT_ID]")], bot.to_string());
}

#[test]
fn a_pressed_button_calls_its_command_as_the_user_who_pressed_it() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let sink = Sink::start();
    let id = register(&s, &sink, "COMMAND=page");
    let body = "auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=Pages\
        &KEYBOARD[0][TEXT]=One&KEYBOARD[0][COMMAND]=page&KEYBOARD[0][COMMAND_PARAMS]=1\
        &KEYBOARD[1][TEXT]=Two&KEYBOARD[1][COMMAND]=page&KEYBOARD[1][COMMAND_PARAMS]=2";
    let message = call(&s, "imbot.message.add", body).body["result"]
        .as_u64()
        .unwrap();
    let press = |user: u32, dialog: &str, params: &str| {
        let body = json!({"user": user, "dialog": dialog, "command": "page",
                          "params": params, "message_id": message});
        s.json("/__control/command", &body.to_string())
    };
    press(2, "chat7", "3").assert_error(400, "WRONG_REQUEST");
    let unknown = json!({"user": 2, "dialog": "chat7", "command": "page", "message_id": 999});
    s.json("/__control/command", &unknown.to_string())
        .assert_error(400, "ACCESS_ERROR");
    let nameless = json!({"user": 2, "dialog": "chat7", "command": "/", "message_id": message});
    s.json("/__control/command", &nameless.to_string())
        .assert_error(400, "COMMAND_ERROR");
    press(2, "chat8", "2").assert_error(400, "ACCESS_ERROR");
    // User 41 is a bot outside chat 7; user 5 is no member either.
    press(5, "chat7", "2").assert_error(400, "ACCESS_ERROR");

    let pressed = press(2, "chat7", "2");
    assert_eq!(
        pressed.body["result"],
        json!({"commands": [id]}),
        "{pressed:?}"
    );
    let heard = sink.next();
    assert_eq!(heard["event"], "ONIMCOMMANDADD");
    assert_eq!(heard[&format!("data[COMMAND][{id}][COMMAND_PARAMS]")], "2");
    assert_eq!(
        heard[&format!("data[COMMAND][{id}][COMMAND_CONTEXT]")],
        "KEYBOARD"
    );
    assert_eq!(
        heard[&format!("data[COMMAND][{id}][MESSAGE_ID]")],
        message.to_string()
    );
    assert_eq!(heard["data[PARAMS][FROM_USER_ID]"], "2");
    assert_eq!(heard["data[PARAMS][MESSAGE]"], "/page 2");
    assert_eq!(heard["auth[user_id]"], "2");

    // A disabled button cannot be pressed.
    let body = "auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=Off\
        &KEYBOARD[0][TEXT]=Off&KEYBOARD[0][COMMAND]=page&KEYBOARD[0][DISABLED]=Y";
    let off = call(&s, "imbot.message.add", body).body["result"]
        .as_u64()
        .unwrap();
    let disabled = json!({"user": 2, "dialog": "chat7", "command": "page", "message_id": off});
    let refused = s.json("/__control/command", &disabled.to_string());
    refused.assert_error(400, "WRONG_REQUEST");
    assert_eq!(refused.body["error_description"], "The button is disabled");

    // Without a message: the command is written in the dialog as the user.
    let written = s.json(
        "/__control/command",
        &json!({"user": 1, "dialog": "chat7", "command": "/page", "params": "9"}).to_string(),
    );
    let written = written.body["result"].as_u64().expect("the message's id");
    let heard = sink.next();
    assert_eq!(
        heard[&format!("data[COMMAND][{id}][COMMAND_CONTEXT]")],
        "TEXTAREA"
    );
    assert_eq!(
        heard[&format!("data[COMMAND][{id}][MESSAGE_ID]")],
        written.to_string()
    );
    assert_eq!(heard[&format!("data[COMMAND][{id}][COMMAND_PARAMS]")], "9");
}

#[test]
fn the_world_dump_shows_a_messages_keyboard() {
    let (s, live) = start_live(DEFAULT_WORLD, Settings::default());
    let body = "auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=Pick\
        &KEYBOARD[0][TEXT]=Go&KEYBOARD[0][COMMAND]=go";
    let id = call(&s, "imbot.message.add", body).body["result"]
        .as_u64()
        .unwrap();
    let world = serde_json::to_value(live.host().dump()).unwrap();
    let message = world["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap();
    assert_eq!(message["keyboard"][0]["COMMAND"], "go");
    assert!(message.get("attach").is_none());
}

#[test]
fn every_answer_is_json_with_or_without_the_suffix() {
    let s = Server::default_world();
    for path in [
        "/rest/imbot.command.register",
        "/rest/imbot.command.register.json",
    ] {
        let response = common::agent()
            .post(&s.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(format!("{DEMO}&BOT_ID=39"))
            .unwrap();
        let kind = response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(kind, "application/json", "{path}");
        assert_eq!(response.status().as_u16(), 400);
    }
}

#[test]
fn commands_keyboards_and_updates_survive_a_kill_of_a_durable_host() {
    let dir = common::scratch("commands-durable");
    let args: [&std::ffi::OsStr; 2] = ["--data".as_ref(), dir.as_os_str()];
    let (mut host, base) = common::spawn_host(args, std::process::Stdio::null());
    let post = |base: &str, path: &str, body: &str| {
        let request = common::agent()
            .post(&format!("{base}{path}"))
            .header("Content-Type", "application/x-www-form-urlencoded");
        Answer::from(request.send(body))
    };
    let body =
        format!("{DEMO}&BOT_ID=39&COMMAND=move&EVENT_COMMAND_ADD=http://127.0.0.1:9/c&{LANG}");
    let command = post(&base, "/rest/imbot.command.register", &body).body["result"].clone();
    assert_eq!(command, json!(1));
    let body = "auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=v1&KEYBOARD[0][TEXT]=Go&KEYBOARD[0][COMMAND]=move";
    let message = post(&base, "/rest/imbot.message.add", body).body["result"].clone();
    let body = format!("{DEMO}&BOT_ID=39&MESSAGE_ID={message}&MESSAGE=v2&ATTACH[0][MESSAGE]=note");
    post(&base, "/rest/imbot.message.update", &body).assert_true();
    host.kill().unwrap();
    host.wait().unwrap();

    let args: [&std::ffi::OsStr; 2] = ["--data".as_ref(), dir.as_os_str()];
    let (mut host, base) = common::spawn_host(args, std::process::Stdio::null());
    let listed = Answer::from(
        common::agent()
            .get(&format!(
                "{base}/rest/1/w-demo/im.dialog.messages.get?DIALOG_ID=chat7"
            ))
            .call(),
    );
    let kept = listed.body["result"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == message)
        .cloned()
        .unwrap();
    assert_eq!(kept["text"], "v2");
    assert_eq!(kept["params"]["KEYBOARD"][0]["COMMAND"], "move");
    assert_eq!(kept["params"]["ATTACH"][0]["BLOCKS"][0]["MESSAGE"], "note");
    // The command is still registered: the same registration answers its
    // id, and a second command takes the next one.
    let body =
        format!("{DEMO}&BOT_ID=39&COMMAND=move&EVENT_COMMAND_ADD=http://127.0.0.1:9/c&{LANG}");
    assert_eq!(
        post(&base, "/rest/imbot.command.register", &body).body["result"],
        json!(1)
    );
    let body =
        format!("{DEMO}&BOT_ID=39&COMMAND=stop&EVENT_COMMAND_ADD=http://127.0.0.1:9/c&{LANG}");
    assert_eq!(
        post(&base, "/rest/imbot.command.register", &body).body["result"],
        json!(2)
    );
    host.kill().unwrap();
    host.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_command_control_call_follows_the_control_apis_access_rules() {
    let settings = Settings {
        control_token: Some("s3cret".into()),
        ..Settings::default()
    };
    let (s, _live) = start_live(DEFAULT_WORLD, settings);
    let body = json!({"user": 1, "dialog": "chat7", "command": "move"}).to_string();
    s.json("/__control/command", &body)
        .assert_error(403, "ACCESS_DENIED");
    let plain = s.post("/__control/command?token=s3cret", "text/plain", &body);
    plain.assert_error(415, "UNSUPPORTED_MEDIA_TYPE");
    let sent = s.json("/__control/command?token=s3cret", &body);
    assert!(sent.body["result"].is_u64(), "{sent:?}");
}

#[test]
fn commands_are_in_the_world_dump_and_a_world_file_brings_them_back() {
    let (s, live) = start_live(DEFAULT_WORLD, Settings::default());
    let sink = Sink::start();
    let id = register(&s, &sink, "COMMAND=move&COMMON=Y");
    let dump = s.get("/__control/world?secrets=1").body.clone();
    let command = &dump["commands"][0];
    assert_eq!(command["id"], id);
    assert_eq!(command["bot"], 39);
    assert_eq!(command["command"], "move");
    assert_eq!(command["common"], true);
    assert_eq!(command["handler"], sink.url);
    assert_eq!(
        command["lang"],
        json!([{"language_id": "en", "title": "Move", "params": "steps"}])
    );

    // Reset (no commands), then load the dump: the command is back, with
    // its handler, and the next one takes the next id.
    assert_eq!(s.json("/__control/reset", "").body["result"], true);
    let body = format!("{DEMO}&COMMAND_ID={id}");
    call(&s, "imbot.command.unregister", &body).assert_error(400, "COMMAND_ID_ERROR");
    let loaded = s.json("/__control/world", &dump.to_string());
    assert_eq!(loaded.body["result"], true, "{loaded:?}");
    post_as_user1(&s, "chat8", "/move 1");
    assert_eq!(
        sink.next()[&format!("data[COMMAND][{id}][COMMAND_PARAMS]")],
        "1"
    );
    let next = register(&s, &sink, "COMMAND=stop");
    assert_eq!(next, id + 1);

    // A command of no registered bot is refused, naming the entry.
    let mut bad = dump.clone();
    bad["commands"][0]["bot"] = json!(77);
    let refused = s.json("/__control/world", &bad.to_string());
    refused.assert_error(400, "WORLD_REFUSED");
    assert!(
        refused.body["error_description"]
            .as_str()
            .unwrap()
            .contains("commands[0]"),
        "{refused:?}"
    );
    drop(live);
}

#[test]
fn a_bots_commands_go_with_it_when_it_is_unregistered() {
    let s = Server::default_world();
    let hook = "/rest/1/w-demo";
    let body =
        "CLIENT_ID=gone.app&CODE=gone&PROPERTIES[NAME]=Gone&EVENT_HANDLER=http://127.0.0.1:9/e";
    let bot = s.form(&format!("{hook}/imbot.register"), body).body["result"]
        .as_u64()
        .unwrap();
    let body = format!(
        "CLIENT_ID=gone.app&BOT_ID={bot}&COMMAND=bye&EVENT_COMMAND_ADD=http://127.0.0.1:9/c&{LANG}"
    );
    let command = s.form(&format!("{hook}/imbot.command.register"), &body);
    let command = command.body["result"].as_u64().unwrap();
    let body = format!("CLIENT_ID=gone.app&BOT_ID={bot}");
    s.form(&format!("{hook}/imbot.unregister"), &body)
        .assert_true();
    let body = format!("CLIENT_ID=gone.app&COMMAND_ID={command}");
    s.form(&format!("{hook}/imbot.command.unregister"), &body)
        .assert_error(400, "COMMAND_ID_ERROR");
}

#[test]
fn a_field_nested_deeper_than_64_levels_is_refused_and_the_host_keeps_serving() {
    let s = Server::default_world();
    let deep = |name: &str, levels: usize| format!("{name}{}=1", "[A]".repeat(levels));
    // About 60 KB of brackets, under the 64 KiB body limit.
    let body = format!("DIALOG_ID=chat7&MESSAGE=hi&{}", deep("ATTACH", 20_000));
    s.form("/rest/1/w-demo/im.message.add", &body)
        .assert_error(400, "ATTACH_ERROR");
    let bot = |field: &str, levels: usize| {
        let body = format!(
            "{DEMO}&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=hi&{}",
            deep(field, levels)
        );
        call(&s, "imbot.message.add", &body)
    };
    bot("KEYBOARD", 20_000).assert_error(400, "KEYBOARD_ERROR");
    bot("MENU", 65).assert_error(400, "MENU_ERROR");
    let lang = format!(
        "{DEMO}&BOT_ID=39&COMMAND=deep&EVENT_COMMAND_ADD=http://127.0.0.1:9/e&{}",
        deep("LANG", 20_000)
    );
    call(&s, "imbot.command.register", &lang).assert_error(400, "LANG_ERROR");
    // A JSON body's objects are names too: 100 levels (under the JSON
    // parser's own 128) are refused the same way.
    let nested = (0..100).fold(json!("1"), |inner, _| json!({ "A": inner }));
    let json_body = json!({"DIALOG_ID": "chat7", "MESSAGE": "hi", "ATTACH": nested});
    s.json("/rest/1/w-demo/im.message.add", &json_body.to_string())
        .assert_error(400, "ATTACH_ERROR");
    // 64 levels are read (and then checked as an attachment).
    let answer = s.form(
        "/rest/1/w-demo/im.message.add",
        &format!("DIALOG_ID=chat7&MESSAGE=hi&{}", deep("ATTACH", 64)),
    );
    answer.assert_error(400, "ATTACH_ERROR");
    post_as_user1(&s, "chat7", "still serving");
}

#[test]
fn a_bots_own_message_calls_no_command() {
    let s = Server::default_world();
    let sink = Sink::start();
    let id = register(&s, &sink, "COMMAND=move");
    let body = format!("{DEMO}&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=/move+1");
    call(&s, "imbot.message.add", &body);
    let body = format!("{OTHER}&BOT_ID=40&DIALOG_ID=chat7&MESSAGE=/move+2");
    call(&s, "imbot.message.add", &body);
    post_as_user1(&s, "chat7", "/move 3");
    let heard = sink.next();
    assert_eq!(heard[&format!("data[COMMAND][{id}][COMMAND_PARAMS]")], "3");
}

/// Registers a bot of `app.demo` whose events all go to `sink`: its id.
fn register_bot(s: &Server, sink: &Sink, code: &str) -> u64 {
    let body = format!(
        "CODE={code}&PROPERTIES[NAME]={code}&CLIENT_ID={code}.app&EVENT_HANDLER={}",
        sink.url
    );
    s.form("/rest/1/w-demo/imbot.register", &body).body["result"]
        .as_u64()
        .unwrap()
}

#[test]
fn a_message_update_is_pushed_only_when_its_text_is_given_and_a_user_wrote_it() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let sink = Sink::start();
    let bot = register_bot(&s, &sink, "ed");
    let posted = s.form(
        "/rest/2/w-other/im.message.add",
        &format!("DIALOG_ID={bot}&MESSAGE=draft"),
    );
    let id = posted.body["result"].as_u64().unwrap();
    assert_eq!(sink.next()["event"], "ONIMBOTJOINCHAT");
    assert_eq!(sink.next()["event"], "ONIMBOTMESSAGEADD");
    // An attachment alone changes the message but pushes nothing.
    let attach = "ATTACH[0][MESSAGE]=note";
    s.form(
        "/rest/2/w-other/im.message.update",
        &format!("MESSAGE_ID={id}&{attach}"),
    )
    .assert_true();
    // A second bot writes to the first, mentioning it, and edits its text:
    // a bot's message is never pushed as updated.
    let other = Sink::start();
    let writer = register_bot(&s, &other, "wr");
    let add = format!("CLIENT_ID=wr.app&BOT_ID={writer}&DIALOG_ID={bot}&MESSAGE=from+a+bot");
    let from_bot = s.form("/rest/1/w-demo/imbot.message.add", &add);
    let from_bot = from_bot.body["result"].as_u64().expect("the bot's message");
    assert_eq!(sink.next()["event"], "ONIMBOTJOINCHAT");
    assert_eq!(sink.next()["event"], "ONIMBOTMESSAGEADD");
    let update = format!("CLIENT_ID=wr.app&BOT_ID={writer}&MESSAGE_ID={from_bot}&MESSAGE=edited");
    s.form("/rest/1/w-demo/imbot.message.update", &update)
        .assert_true();
    // The text: pushed, and it is the next event the bot hears.
    s.form(
        "/rest/2/w-other/im.message.update",
        &format!("MESSAGE_ID={id}&MESSAGE=final"),
    )
    .assert_true();
    let heard = sink.next();
    assert_eq!(heard["event"], "ONIMBOTMESSAGEUPDATE");
    assert_eq!(heard["data[PARAMS][MESSAGE]"], "final");
}

#[test]
fn a_command_event_carries_each_commands_application_block_and_no_bot_block() {
    let s = Server::default_world();
    let sink = Sink::start();
    let id = register(&s, &sink, "COMMAND=move");
    post_as_user1(&s, "chat7", "/move 3");
    let heard = sink.next();
    assert!(
        !heard.keys().any(|k| k.starts_with("data[BOT]")),
        "{heard:?}"
    );
    let block = |name: &str| heard[&format!("data[COMMAND][{id}][{name}]")].clone();
    assert_eq!(block("user_id"), "39");
    assert_eq!(block("AUTH][user_id"), "39");
    assert_eq!(block("client_id"), "app.demo");
    assert_eq!(block("application_token"), heard["auth[application_token]"]);
    assert_eq!(block("member_id"), heard["auth[member_id]"]);
    assert_eq!(block("AUTH][member_id"), heard["auth[member_id]"]);
    assert_eq!(block("domain"), heard["auth[domain]"]);
    assert_eq!(block("AUTH][domain"), heard["auth[domain]"]);
    assert_eq!(
        block("client_endpoint"),
        format!("http://{}/rest/", heard["auth[domain]"])
    );
    assert_eq!(block("COMMAND_CONTEXT"), "TEXTAREA");
    assert_eq!(heard["data[PARAMS][AUTHOR_ID]"], "1");
    assert_eq!(heard["data[PARAMS][SYSTEM]"], "N");
    assert!(!heard.contains_key("data[PARAMS][COMMAND_CONTEXT]"));
}

#[test]
fn a_press_without_params_presses_the_first_button_with_that_command() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let sink = Sink::start();
    let id = register(&s, &sink, "COMMAND=page");
    let body = "auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=Pages\
        &KEYBOARD[0][TEXT]=One&KEYBOARD[0][COMMAND]=page&KEYBOARD[0][COMMAND_PARAMS]=1\
        &KEYBOARD[1][TEXT]=Two&KEYBOARD[1][COMMAND]=page&KEYBOARD[1][COMMAND_PARAMS]=2";
    let message = call(&s, "imbot.message.add", body).body["result"]
        .as_u64()
        .unwrap();
    let press = json!({"user": 2, "dialog": "chat7", "command": "page", "message_id": message});
    let pressed = s.json("/__control/command", &press.to_string());
    assert_eq!(
        pressed.body["result"],
        json!({"commands": [id]}),
        "{pressed:?}"
    );
    let heard = sink.next();
    assert_eq!(heard[&format!("data[COMMAND][{id}][COMMAND_PARAMS]")], "1");
    assert_eq!(heard["data[PARAMS][MESSAGE]"], "/page 1");
}

#[test]
fn a_common_command_in_a_dialog_of_two_users_names_the_other_user() {
    let s = Server::default_world();
    let sink = Sink::start();
    let id = register(&s, &sink, "COMMAND=move&COMMON=Y");
    s.form(
        "/rest/1/w-demo/im.message.add",
        "DIALOG_ID=2&MESSAGE=/move+1",
    );
    let heard = sink.next();
    assert_eq!(heard[&format!("data[COMMAND][{id}][COMMAND_PARAMS]")], "1");
    assert_eq!(heard["data[PARAMS][DIALOG_ID]"], "1");
    assert_eq!(heard["data[PARAMS][TO_USER_ID]"], "2");
}

#[test]
fn a_double_slash_calls_the_command_and_answer_compares_its_name_as_given() {
    let s = Server::default_world();
    let sink = Sink::start();
    let id = register(&s, &sink, "COMMAND=/count");
    let called = post_as_user1(&s, "chat7", "//count 2");
    let heard = sink.next();
    assert_eq!(heard[&format!("data[COMMAND][{id}][COMMAND]")], "count");
    assert_eq!(heard[&format!("data[COMMAND][{id}][COMMAND_PARAMS]")], "2");
    let answer = |name: &str| {
        let body = format!("{DEMO}&COMMAND={name}&MESSAGE_ID={called}&MESSAGE=ok");
        call(&s, "imbot.command.answer", &body)
    };
    answer("%2Fcount").assert_error(400, "COMMAND_ID_ERROR");
    assert!(answer("count").body["result"].is_u64());
}

#[test]
fn a_kept_button_has_wait_and_context_and_the_size_limit_counts_characters() {
    let s = Server::default_world();
    let body = "auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=Pick\
        &KEYBOARD[0][TEXT]=A&KEYBOARD[0][COMMAND]=a\
        &KEYBOARD[1][TEXT]=B&KEYBOARD[1][COMMAND]=b&KEYBOARD[1][CONTEXT]=MOBILE";
    let id = call(&s, "imbot.message.add", body).body["result"]
        .as_u64()
        .unwrap();
    let kept = &messages(&s, "chat7")[&id]["params"]["KEYBOARD"];
    assert_eq!(kept[0]["WAIT"], "N", "{kept}");
    assert_eq!(kept[0]["CONTEXT"], "ALL");
    assert_eq!(kept[1]["CONTEXT"], "MOBILE");
    // 20,500 three-byte characters: 61,500 bytes, over the limit in
    // bytes, under it in characters.
    let wide = "€".repeat(20_500);
    let body = json!({"auth": "t-demo", "BOT_ID": 39, "DIALOG_ID": "chat7", "MESSAGE": "wide",
                      "ATTACH": [{"MESSAGE": wide}]});
    let answer = s.json("/rest/imbot.message.add", &body.to_string());
    assert!(answer.body["result"].is_u64(), "{answer:?}");
}

#[test]
fn command_ids_that_run_out_refuse_registration_and_a_world_file_cannot_hold_the_last() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let sink = Sink::start();
    register(&s, &sink, "COMMAND=move");
    let mut world = s.get("/__control/world?secrets=1").body.clone();
    world["commands"][0]["id"] = json!(u32::MAX);
    let refused = s.json("/__control/world", &world.to_string());
    refused.assert_error(400, "WORLD_REFUSED");
    world["commands"][0]["id"] = json!(u32::MAX - 1);
    let loaded = s.json("/__control/world", &world.to_string());
    assert_eq!(loaded.body["result"], true, "{loaded:?}");
    let body = format!(
        "{DEMO}&BOT_ID=39&EVENT_COMMAND_ADD={}&{LANG}&COMMAND=stop",
        sink.url
    );
    call(&s, "imbot.command.register", &body).assert_error(400, "WRONG_REQUEST");
    // Registering the same command again answers its id.
    let again = format!(
        "{DEMO}&BOT_ID=39&EVENT_COMMAND_ADD={}&{LANG}&COMMAND=move",
        sink.url
    );
    assert_eq!(
        call(&s, "imbot.command.register", &again).body["result"],
        json!(u32::MAX - 1)
    );
}

/// `imbot.command.register` for bot `bot` of the webhook application
/// `client` (or app.demo's bot 39 when `client` is `None`).
fn register_as(s: &Server, client: Option<&str>, bot: u64, name: &str, url: &str) -> Answer {
    let body = format!("BOT_ID={bot}&COMMAND={name}&EVENT_COMMAND_ADD={url}&{LANG}");
    match client {
        Some(client) => s.form(
            "/rest/1/w-demo/imbot.command.register",
            &format!("CLIENT_ID={client}&{body}"),
        ),
        None => call(s, "imbot.command.register", &format!("{DEMO}&{body}")),
    }
}

#[test]
fn a_bot_holds_at_most_100_commands_and_a_refused_registration_changes_nothing() {
    let s = Server::default_world();
    let sink = Sink::start();
    let ids: Vec<u64> = (0..100)
        .map(|i| register(&s, &sink, &format!("COMMAND=c{i}")))
        .collect();
    let over = register_as(&s, None, 39, "c100", &sink.url);
    over.assert_error(400, "WRONG_REQUEST");
    assert_eq!(over.body["error_description"], "Command can't be created");
    // A command the bot has is still answered with its id.
    assert_eq!(register(&s, &sink, "COMMAND=c7"), ids[7]);
    // Another bot has its own 100.
    let other = format!(
        "{OTHER}&BOT_ID=40&COMMAND=c100&EVENT_COMMAND_ADD={}&{LANG}",
        sink.url
    );
    assert_eq!(call(&s, "imbot.command.register", &other).status, 200);
    // The refusal took no id; after an unregister the bot has room again.
    let body = format!("{DEMO}&COMMAND_ID={}", ids[0]);
    assert_eq!(
        call(&s, "imbot.command.unregister", &body).body["result"],
        true
    );
    assert_eq!(register(&s, &sink, "COMMAND=c100"), ids[99] + 2);
    // A message naming every command, each on two lines, calls each once:
    // one event of app.demo's 100 commands (and one of app.other's).
    let text: String = (0..=100).map(|i| format!("/c{i} a\n/c{i} b\n")).collect();
    post_as_user1(&s, "chat7", &text);
    let (first, second) = (sink.next(), sink.next());
    let demo = format!("data[COMMAND][{}][COMMAND_PARAMS]", ids[1]);
    let event = if first.contains_key(&demo) {
        first
    } else {
        second
    };
    let called: Vec<&String> = event
        .keys()
        .filter(|k| k.ends_with("][COMMAND_ID]"))
        .collect();
    assert_eq!(called.len(), 100, "{called:?}");
    assert_eq!(
        event[&format!("data[COMMAND][{}][COMMAND_PARAMS]", ids[1])],
        "b"
    );
}

#[test]
fn the_portal_holds_at_most_1000_commands_in_all() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let sink = Sink::start();
    for i in 0..100 {
        register(&s, &sink, &format!("COMMAND=c{i}"));
    }
    for b in 0..9 {
        let code = format!("cap{b}");
        let bot = register_bot(&s, &sink, &code);
        let client = format!("{code}.app");
        for i in 0..100 {
            let answer = register_as(&s, Some(&client), bot, &format!("c{i}"), &sink.url);
            assert_eq!(answer.status, 200, "{answer:?}");
        }
    }
    let bot = register_bot(&s, &sink, "cap9");
    let over = register_as(&s, Some("cap9.app"), bot, "c0", &sink.url);
    over.assert_error(400, "WRONG_REQUEST");
    assert_eq!(over.body["error_description"], "Command can't be created");
    let dump = s.get("/__control/world").body.clone();
    assert_eq!(dump["commands"].as_array().unwrap().len(), 1000);
}

#[test]
fn a_command_name_is_at_most_255_bytes_and_update_keeps_names_unique_and_short() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let sink = Sink::start();
    let long = "é".repeat(128);
    let over = register_as(&s, None, 39, &encode(&long), &sink.url);
    over.assert_error(400, "WRONG_REQUEST");
    assert_eq!(over.body["error_description"], "Command can't be created");
    let fits = format!("{}x", "é".repeat(127));
    let id = register(&s, &sink, &format!("COMMAND={}", encode(&fits)));
    let other = register(&s, &sink, "COMMAND=stop");

    let update = |name: &str| {
        let body = format!("{DEMO}&COMMAND_ID={id}&FIELDS[COMMAND]={}", encode(name));
        call(&s, "imbot.command.update", &body)
    };
    for name in [long.as_str(), "stop", "/stop"] {
        let refused = update(name);
        refused.assert_error(400, "WRONG_REQUEST");
        assert_eq!(
            refused.body["error_description"],
            "Command can't be updated"
        );
    }
    let dump = s.get("/__control/world").body.clone();
    let names: Vec<&str> = dump["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert_eq!(names, [fits.as_str(), "stop"]);
    // Renaming to its own name, or to a free one, is fine.
    assert_eq!(update(&fits).body["result"], true);
    assert_eq!(update("go").body["result"], true);
    post_as_user1(&s, "chat7", "/go 1");
    let event = sink.next();
    assert_eq!(event[&format!("data[COMMAND][{id}][COMMAND]")], "go");
    assert!(!event.contains_key(&format!("data[COMMAND][{other}][COMMAND]")));
}

#[test]
fn a_world_file_over_the_command_caps_is_refused() {
    let (s, live) = start_live(DEFAULT_WORLD, Settings::default());
    let sink = Sink::start();
    register(&s, &sink, "COMMAND=move");
    let dump = s.get("/__control/world?secrets=1").body.clone();
    let mut long = dump.clone();
    long["commands"][0]["command"] = json!("x".repeat(256));
    s.json("/__control/world", &long.to_string())
        .assert_error(400, "WORLD_REFUSED");
    let mut many = dump.clone();
    let template = dump["commands"][0].clone();
    many["commands"] = (1..=101)
        .map(|i| {
            let mut c = template.clone();
            c["id"] = json!(i);
            c["command"] = json!(format!("c{i}"));
            c
        })
        .collect();
    let refused = s.json("/__control/world", &many.to_string());
    refused.assert_error(400, "WORLD_REFUSED");
    assert!(
        refused.body["error_description"]
            .as_str()
            .unwrap()
            .contains("commands[100]"),
        "{refused:?}"
    );
    // Two commands of one bot with one name are refused too.
    let mut twice = many.clone();
    let mut second = template.clone();
    second["id"] = json!(2);
    twice["commands"] = json!([template, second]);
    s.json("/__control/world", &twice.to_string())
        .assert_error(400, "WORLD_REFUSED");
    drop(live);
}
