//! A bot written the way real Bitrix24 bots are, against the host through
//! its whole conversation: an HTTP handler on 127.0.0.1 that decodes the
//! portal's form POSTs; at start-up it registers itself (`imbot.register`)
//! and its `/count` command (`imbot.command.register`), and stops when
//! either fails; it answers the text `menu` with a message carrying a
//! keyboard, and when a button's command arrives (`ONIMCOMMANDADD`) it
//! updates that message (`imbot.message.update`); a typed `/count` is
//! answered with `imbot.command.answer`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bot_support;
mod common;

use std::collections::HashMap;
use std::io::Write;
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bot_support::{form, read_body};
use common::{Server, agent, start_live};
use imbot_like_host::{DEFAULT_WORLD, Settings};
use serde_json::{Value, json};

/// The bot's application, over user 1's webhook.
const CLIENT_ID: &str = "counter.app";

/// The counter bot: its id, and what it did, as lines.
struct CounterBot {
    id: u64,
    log: mpsc::Receiver<String>,
}

impl CounterBot {
    /// Starts the bot against the host at `base`: its handler, then its
    /// registrations; `Err` with the portal's error when one fails (the
    /// bot then stops serving).
    fn start(base: &str) -> Result<Self, String> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handler = format!("http://127.0.0.1:{port}/bitrix");
        let api = format!("{base}/rest/1/w-demo");
        let registered = rest(
            &api,
            "imbot.register",
            &format!("CODE=counter&PROPERTIES[NAME]=Counter&EVENT_HANDLER={handler}"),
        )?;
        let id = registered.as_u64().ok_or("no bot id")?;
        let command = format!(
            "BOT_ID={id}&COMMAND=count&EVENT_COMMAND_ADD={handler}\
             &LANG[0][LANGUAGE_ID]=en&LANG[0][TITLE]=Count&LANG[0][PARAMS]=by"
        );
        rest(&api, "imbot.command.register", &command)?;
        let (tx, log) = mpsc::channel();
        std::thread::spawn(move || serve(&listener, &api, id, &tx));
        Ok(Self { id, log })
    }

    /// The next thing the bot did, within five seconds.
    fn next(&self) -> String {
        self.log
            .recv_timeout(Duration::from_secs(5))
            .expect("the bot acts within 5 s")
    }
}

/// A REST call as the bot makes it: a form POST; its `result`, or
/// `error: description`.
fn rest(api: &str, method: &str, body: &str) -> Result<Value, String> {
    let response = agent()
        .post(&format!("{api}/{method}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(format!("CLIENT_ID={CLIENT_ID}&{body}"))
        .map_err(|e| e.to_string())?;
    let answer: Value = serde_json::from_str(&response.into_body().read_to_string().unwrap())
        .map_err(|e| e.to_string())?;
    match answer.get("result") {
        Some(result) => Ok(result.clone()),
        None => Err(format!(
            "{}: {}",
            answer["error"], answer["error_description"]
        )),
    }
}

/// The bot's handler: one event per request, answered 200.
fn serve(listener: &TcpListener, api: &str, bot: u64, log: &mpsc::Sender<String>) {
    let mut count = 0_i64;
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let event = form(&String::from_utf8(read_body(&stream)).unwrap());
        let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        stream.write_all(reply).unwrap();
        let did = match event.get("event").map(String::as_str) {
            Some("ONIMBOTMESSAGEADD") => on_message(api, bot, &event),
            Some("ONIMCOMMANDADD") => on_command(api, bot, &event, &mut count),
            Some(other) => Some(format!("ignored {other}")),
            None => None,
        };
        if let Some(did) = did {
            if log.send(did).is_err() {
                return;
            }
        }
    }
}

/// The keyboard the counter shows: +1 and +5 on one row, reset below.
fn keyboard() -> String {
    [
        "KEYBOARD[0][TEXT]=%2B1&KEYBOARD[0][COMMAND]=count&KEYBOARD[0][COMMAND_PARAMS]=1",
        "KEYBOARD[1][TEXT]=%2B5&KEYBOARD[1][COMMAND]=count&KEYBOARD[1][COMMAND_PARAMS]=5",
        "KEYBOARD[2][TYPE]=NEWLINE",
        "KEYBOARD[3][TEXT]=Reset&KEYBOARD[3][COMMAND]=count&KEYBOARD[3][COMMAND_PARAMS]=0&KEYBOARD[3][BG_COLOR]=%23aa0000",
    ]
    .join("&")
}

/// `menu` in a dialog: the counter with its keyboard, where it was asked.
fn on_message(api: &str, bot: u64, event: &HashMap<String, String>) -> Option<String> {
    if event.get("data[PARAMS][MESSAGE]").map(String::as_str) != Some("menu") {
        return Some("ignored a message".into());
    }
    let dialog = &event["data[PARAMS][DIALOG_ID]"];
    let body = format!(
        "BOT_ID={bot}&DIALOG_ID={dialog}&MESSAGE=Count:+0&{}",
        keyboard()
    );
    let posted = rest(api, "imbot.message.add", &body);
    Some(format!("posted the counter in {dialog}: {posted:?}"))
}

/// `/count N`: from a button, add N (0 resets) and update the message the
/// button is on; typed, answer with the count.
fn on_command(
    api: &str,
    bot: u64,
    event: &HashMap<String, String>,
    count: &mut i64,
) -> Option<String> {
    let id = event
        .keys()
        .find_map(|k| {
            k.strip_prefix("data[COMMAND][")?
                .strip_suffix("][COMMAND_ID]")
        })?
        .to_owned();
    let field = |name: &str| event[&format!("data[COMMAND][{id}][{name}]")].clone();
    let by: i64 = field("COMMAND_PARAMS").trim().parse().unwrap_or(1);
    *count = if by == 0 { 0 } else { *count + by };
    let message = field("MESSAGE_ID");
    if field("COMMAND_CONTEXT") == "KEYBOARD" {
        let body = format!(
            "BOT_ID={bot}&MESSAGE_ID={message}&MESSAGE=Count:+{count}&{}",
            keyboard()
        );
        let updated = rest(api, "imbot.message.update", &body);
        Some(format!("updated {message} to {count}: {updated:?}"))
    } else {
        let body = format!("COMMAND_ID={id}&MESSAGE_ID={message}&MESSAGE=Count:+{count}");
        let answered = rest(api, "imbot.command.answer", &body);
        Some(format!("answered {message} with {count}: {answered:?}"))
    }
}

/// User 2's messages with the bot, newest first.
fn dialog(s: &Server, bot: u64) -> Vec<Value> {
    let answer = s.get(&format!(
        "/rest/2/w-other/im.dialog.messages.get?DIALOG_ID={bot}"
    ));
    answer.body["result"]["messages"]
        .as_array()
        .unwrap()
        .clone()
}

/// Presses the button of `message` with `params` as user 2.
fn press(s: &Server, bot: u64, message: u64, params: &str) {
    let body = json!({"user": 2, "dialog": bot.to_string(), "command": "count",
                      "params": params, "message_id": message});
    let pressed = s.json("/__control/command", &body.to_string());
    assert_eq!(pressed.status, 200, "{pressed:?}");
}

#[test]
fn a_counter_bot_serves_its_keyboard_through_a_whole_conversation() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let began = Instant::now();
    let bot = CounterBot::start(&s.url("")).expect("the bot starts");

    // User 2 asks for the menu in a private dialog with the bot.
    let asked = s.form(
        "/rest/2/w-other/im.message.add",
        &format!("DIALOG_ID={}&MESSAGE=menu", bot.id),
    );
    assert_eq!(asked.status, 200, "{asked:?}");
    assert_eq!(bot.next(), "ignored ONIMBOTJOINCHAT");
    let posted = bot.next();
    assert!(
        posted.starts_with("posted the counter in 2: Ok("),
        "{posted}"
    );
    let counter = dialog(&s, bot.id)[0].clone();
    assert_eq!(counter["author_id"], bot.id);
    assert_eq!(counter["text"], "Count: 0");
    let buttons = counter["params"]["KEYBOARD"].as_array().unwrap().clone();
    assert_eq!(buttons.len(), 4);
    assert_eq!(buttons[3]["BG_COLOR"], "#aa0000");
    let message = counter["id"].as_u64().unwrap();

    // The buttons, pressed as user 2, update the same message.
    for (params, expected) in [("5", 5), ("1", 6), ("0", 0), ("5", 5)] {
        press(&s, bot.id, message, params);
        let did = bot.next();
        assert_eq!(
            did,
            format!("updated {message} to {expected}: Ok(Bool(true))")
        );
        let now = dialog(&s, bot.id);
        assert_eq!(now[0]["id"], message, "no new message");
        assert_eq!(now[0]["text"], format!("Count: {expected}"));
        assert_eq!(now[0]["params"]["KEYBOARD"].as_array().unwrap().len(), 4);
    }

    // A typed command is answered in the dialog.
    let typed = s.form(
        "/rest/2/w-other/im.message.add",
        &format!("DIALOG_ID={}&MESSAGE=/count+2", bot.id),
    );
    let typed = typed.body["result"].as_u64().unwrap();
    // The bot hears the message too (a private dialog), then the command.
    assert_eq!(bot.next(), "ignored a message");
    let answered = bot.next();
    assert!(answered.starts_with(&format!("answered {typed} with 7: Ok(Number(")));
    let now = dialog(&s, bot.id);
    assert_eq!(now[0]["text"], "Count: 7");
    assert_eq!(now[0]["author_id"], bot.id);
    println!(
        "the conversation (register, menu, 4 presses, a typed command) took {:?}",
        began.elapsed()
    );
}

#[test]
fn a_bot_whose_command_cannot_be_registered_does_not_start() {
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let failing = json!({"method": "imbot.command.register", "kind": "error",
                         "code": "WRONG_REQUEST", "description": "Command can't be created"});
    let armed = s.json("/__control/scenarios", &failing.to_string());
    assert_eq!(armed.status, 200, "{armed:?}");
    let refused = CounterBot::start(&s.url("")).err();
    assert_eq!(
        refused.as_deref(),
        Some("\"WRONG_REQUEST\": \"Command can't be created\"")
    );
}
