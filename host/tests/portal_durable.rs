//! The world methods on a durable host (`rest_host --data DIR`): each
//! change goes through the command log, the host-side data (texts,
//! titles, codes, webhook-registered bots and their tokens) is kept
//! beside it, and both survive a kill; scenarios that fail or drop the
//! answer act after the change is on disk; the control API refuses to load
//! or reset a world. Also the identity rules of `imbot.register` over a
//! webhook.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Child, Stdio};

use common::{Answer, Server, agent, scratch};
use serde_json::{Value, json};

const HOOK: &str = "/rest/1/w-demo";
const OTHER: &str = "/rest/2/w-other";
const ADD: &str = "imbot.v2.Chat.Message.Reaction.add";
const REGISTER: &str = "CODE=echo&PROPERTIES[NAME]=Echo&EVENT_HANDLER=http://bot.test/event";

/// `rest_host --data dir` on the default world, and its base URL.
fn start(dir: &Path) -> (Child, String) {
    let args: [&std::ffi::OsStr; 2] = ["--data".as_ref(), dir.as_os_str()];
    common::spawn_host(args, Stdio::null())
}

fn form(base: &str, path: &str, body: &str) -> Answer {
    let request = agent()
        .post(&format!("{base}{path}"))
        .header("Content-Type", "application/x-www-form-urlencoded");
    Answer::from(request.send(body))
}

fn get(base: &str, path: &str) -> Answer {
    Answer::from(agent().get(&format!("{base}{path}")).call())
}

fn result(answer: &Answer) -> Value {
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.body["result"].clone()
}

fn scenario(base: &str, body: Value) {
    let armed = agent()
        .post(&format!("{base}/__control/scenarios"))
        .header("Content-Type", "application/json")
        .send(body.to_string());
    assert_eq!(Answer::from(armed).status, 200);
}

/// The entry with `id` in a list of the world dump.
fn entry(world: &Value, list: &str, id: u64) -> Value {
    world[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no {list} {id} in {world}"))
}

#[test]
fn portal_changes_and_their_host_side_data_survive_a_kill() {
    let dir = scratch("portal-durable");
    let (mut host, base) = start(&dir);
    let register = format!("{REGISTER}&CLIENT_ID=my.app&BOT_TOKEN=tok-1");
    let bot = result(&form(&base, &format!("{HOOK}/imbot.register"), &register));
    assert_eq!(bot, json!(43));
    let room = result(&form(
        &base,
        &format!("{HOOK}/im.chat.add"),
        "TITLE=Room&USERS[]=2&USERS[]=43",
    ));
    let room = room.as_u64().unwrap();
    let dialog = format!("DIALOG_ID=chat{room}");
    let posted = form(
        &base,
        &format!("{HOOK}/imbot.message.add"),
        &format!("CLIENT_ID=my.app&{dialog}&MESSAGE=from-the-bot"),
    );
    let by_bot = result(&posted).as_u64().unwrap();
    // Applied, then 503: the message is on disk before the answer.
    scenario(
        &base,
        json!({"method": "im.message.add", "kind": "fail_after_apply"}),
    );
    form(
        &base,
        &format!("{HOOK}/im.message.add"),
        &format!("{dialog}&MESSAGE=after-503"),
    )
    .assert_error(503, "SERVICE_UNAVAILABLE");
    // Applied, then the connection dropped.
    scenario(
        &base,
        json!({"method": "im.message.add", "kind": "drop_after_apply"}),
    );
    let dropped = agent()
        .post(&format!("{base}{HOOK}/im.message.add"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(format!("{dialog}&MESSAGE=after-drop"));
    let lost = match dropped {
        Err(_) => true,
        Ok(mut response) => response.body_mut().read_to_string().is_err(),
    };
    assert!(lost, "the client saw an answer");
    // No clean stop: no last snapshot, no chance to write anything more.
    host.kill().unwrap();
    host.wait().unwrap();

    let (mut host, base) = start(&dir);
    let world = get(&base, "/__control/world?secrets=1").body;
    let bot = entry(&world, "bots", 43);
    assert_eq!(bot["client_id"], "my.app", "{bot}");
    assert_eq!(bot["registered_by"], "1/w-demo", "{bot}");
    assert_eq!(bot["token"], "tok-1", "{bot}");
    assert_eq!(bot["code"], "echo", "{bot}");
    let chat = entry(&world, "chats", room);
    assert_eq!(chat["title"], "Room", "{chat}");
    assert_eq!(chat["members"], json!([1, 2, 43]), "{chat}");
    let texts: Vec<&str> = world["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["chat"] == room)
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(texts, ["from-the-bot", "after-503", "after-drop"]);
    // The restored bot token and driver drive the v2 methods again.
    let react = format!("botToken=tok-1&botId=43&messageId={by_bot}&reaction=fire");
    form(&base, &format!("{HOOK}/{ADD}"), &react).assert_true();
    form(&base, &format!("{OTHER}/{ADD}"), &react).assert_error(400, "BOT_OWNERSHIP_ERROR");
    // The counters carry on after every restored id.
    let next = form(
        &base,
        &format!("{HOOK}/im.message.add"),
        &format!("{dialog}&MESSAGE=next"),
    );
    assert!(result(&next).as_u64().unwrap() > by_bot + 2);
    // A new world would bypass the log: refused.
    let put = agent()
        .put(&format!("{base}/__control/world"))
        .header("Content-Type", "application/json")
        .send(world.to_string());
    Answer::from(put).assert_error(409, "DATA_DIRECTORY_IN_USE");
    let reset = agent()
        .post(&format!("{base}/__control/reset"))
        .header("Content-Type", "application/json")
        .send("");
    Answer::from(reset).assert_error(409, "DATA_DIRECTORY_IN_USE");
    host.kill().unwrap();
    host.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn imbot_register_over_a_webhook_binds_the_bot_to_its_client_id_and_webhook() {
    let s = Server::default_world();
    // No BOT_TOKEN: the host makes one, shown in the world dump.
    let bot = s.form(
        &format!("{HOOK}/imbot.register"),
        &format!("{REGISTER}&CLIENT_ID=my.app"),
    );
    assert_eq!(result(&bot), json!(43));
    let world = serde_json::to_value(s.host.dump()).unwrap();
    let dumped = entry(&world, "bots", 43);
    assert_eq!(dumped["client_id"], "my.app", "{dumped}");
    assert_eq!(dumped["driven_by"], json!(["1/w-demo"]), "{dumped}");
    let token = dumped["token"].as_str().unwrap().to_owned();
    assert!(!token.is_empty());
    let joined = s.form(&format!("{HOOK}/im.chat.user.add"), "CHAT_ID=7&USERS[]=43");
    assert_eq!(result(&joined), json!(true));
    let react = format!("botToken={token}&botId=43&messageId=1&reaction=like");
    s.form(&format!("{HOOK}/{ADD}"), &react).assert_true();
    assert!(s.liked(1, 43));
    // Another webhook with the same CLIENT_ID cannot drive it.
    s.form(
        &format!("{OTHER}/imbot.message.add"),
        "CLIENT_ID=my.app&BOT_ID=43&DIALOG_ID=chat7&MESSAGE=x",
    )
    .assert_error(400, "APP_ID_ERROR");
    // An OAuth application with that client id would be another namespace:
    // the bot is not app.demo's either.
    s.form("/rest/imbot.unregister", "auth=t-demo&BOT_ID=43")
        .assert_error(400, "APP_ID_ERROR");
    // A BOT_TOKEN another bot holds is accepted (a refusal would say the
    // token exists) and gives no hold on that bot: bot 42 holds
    // `bot-secret` and only its own webhook drives it.
    let twin = s.form(
        &format!("{OTHER}/imbot.register"),
        "CODE=two&PROPERTIES[NAME]=T&EVENT_HANDLER=http://x.test&CLIENT_ID=other.app&BOT_TOKEN=bot-secret",
    );
    assert_eq!(result(&twin), json!(44));
    let foreign = s.form(
        &format!("{OTHER}/{ADD}"),
        "botToken=bot-secret&botId=42&messageId=1&reaction=like",
    );
    assert_eq!(foreign.error(), "BOT_OWNERSHIP_ERROR");
    assert!(!s.liked(1, 42));
    // Its webhook unregisters it; the token goes with it.
    let gone = s.form(
        &format!("{HOOK}/imbot.unregister"),
        "CLIENT_ID=my.app&BOT_ID=43",
    );
    assert_eq!(result(&gone), json!(true));
    s.form(&format!("{HOOK}/{ADD}"), &react)
        .assert_error(400, "BOT_NOT_FOUND");
}

#[test]
fn world_methods_count_against_the_rate_limit() {
    let limit = imbot_like_host::RateLimit::new(0.001, 2).unwrap();
    let s = Server::start_with(
        imbot_like_host::DEFAULT_WORLD,
        imbot_like_host::Limits::default(),
        |host| host.with_rate_limit(limit),
    );
    let list = |s: &Server| s.get("/rest/imbot.bot.list?auth=t-demo");
    assert_eq!(list(&s).status, 200);
    assert_eq!(list(&s).status, 200);
    list(&s).assert_error(503, "QUERY_LIMIT_EXCEEDED");
}
