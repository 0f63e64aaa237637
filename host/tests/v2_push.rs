//! imbot.v2 events in webhook mode: `imbot.v2.Bot.update` with
//! `eventMode` and `webhookUrl` for a bot its caller may drive, each of
//! its refusals (which change nothing), `ONIMBOTV2REACTIONCHANGE` pushed
//! to the bot's URL as a form whose values are all text instead of being
//! queued for `imbot.v2.Event.get`, and fetch mode unchanged for the
//! other bots and again after a switch back; a durable host keeps the
//! mode across a kill.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bot_support;
mod common;

use bot_support::Sink;
use common::{Answer, Server, agent, event_ids, scratch};
use serde_json::Value;

/// `imbot.v2.Bot.update` as a form.
fn update(s: &Server, path: &str, body: &str) -> Answer {
    s.form(&format!("{path}imbot.v2.Bot.update"), body)
}

/// Puts bot 39 (app.demo, OAuth) in webhook mode with `url`.
fn webhook_mode(s: &Server, url: &str) -> Answer {
    let body = format!("auth=t-demo&botId=39&fields[eventMode]=webhook&fields[webhookUrl]={url}");
    update(s, "/rest/", &body)
}

/// `bot` (of the application `auth` names) posts to chat 7; the id.
fn bot_posts(s: &Server, auth: &str, bot: u32) -> u64 {
    let answer = s.get(&format!(
        "/rest/imbot.message.add?auth={auth}&BOT_ID={bot}&DIALOG_ID=chat7&MESSAGE=hello"
    ));
    answer.body["result"]
        .as_u64()
        .unwrap_or_else(|| panic!("{answer:?}"))
}

/// User 1 toggles its like on `message`.
fn user_likes(s: &Server, message: u64) {
    s.get(&format!(
        "/rest/1/w-demo/im.message.like?MESSAGE_ID={message}"
    ))
    .assert_true();
}

/// The ids of the events `imbot.v2.Event.get` lists for `bot`.
fn queued(s: &Server, auth: &str, bot: u32) -> Vec<u64> {
    event_ids(&s.get(&format!("/rest/imbot.v2.Event.get?auth={auth}&botId={bot}")))
}

#[test]
fn bot_update_puts_the_bot_in_webhook_mode_and_answers_the_bot() {
    let s = Server::default_world();
    let answer = webhook_mode(&s, "http://127.0.0.1:9/bot");
    assert_eq!(answer.status, 200, "{answer:?}");
    let bot = &answer.body["result"]["bot"];
    assert_eq!(
        (&bot["id"], &bot["eventMode"], &bot["appId"]),
        (
            &Value::from(39),
            &Value::from("webhook"),
            &Value::from("app.demo")
        )
    );
    assert_eq!(answer.body["result"]["users"][0]["id"], 39);
    let fetch = update(&s, "/rest/", "auth=t-demo&botId=39&fields[eventMode]=fetch");
    assert_eq!(
        fetch.body["result"]["bot"]["eventMode"], "fetch",
        "{fetch:?}"
    );
}

#[test]
fn a_reaction_change_on_the_bots_message_is_pushed_to_its_webhook_url_as_text() {
    let s = Server::default_world();
    let sink = Sink::start();
    let message = bot_posts(&s, "t-demo", 39);
    assert_eq!(webhook_mode(&s, &sink.url).status, 200);
    user_likes(&s, message);
    let heard = sink.next();
    let field = |name: &str| heard.get(name).map(String::as_str);
    assert_eq!(field("event"), Some("ONIMBOTV2REACTIONCHANGE"));
    assert_eq!(field("data[bot][id]"), Some("39"));
    assert_eq!(field("data[bot][code]"), Some("bot39"));
    assert_eq!(field("data[reaction]"), Some("like"));
    assert_eq!(field("data[action]"), Some("add"));
    assert_eq!(
        field("data[message][id]"),
        Some(message.to_string().as_str())
    );
    assert_eq!(field("data[message][authorId]"), Some("39"));
    assert_eq!(field("data[chat][id]"), Some("7"));
    assert_eq!(field("data[user][id]"), Some("1"));
    assert_eq!(field("data[language]"), Some("en"));
    // The portal's address, in the bot's auth and the request's.
    let domain = field("auth[domain]").unwrap();
    assert!(domain.starts_with("127.0.0.1"), "{heard:?}");
    assert_eq!(field("data[bot][auth][domain]"), Some(domain));
    let endpoint = field("data[bot][auth][client_endpoint]").unwrap();
    assert_eq!(endpoint, format!("http://{domain}/rest/"));
    let token = field("auth[application_token]").unwrap();
    assert_eq!(token.len(), 32);
    assert_eq!(field("data[bot][auth][application_token]"), Some(token));
    assert!(field("ts").unwrap().parse::<u64>().is_ok());
    // The legacy spellings are no v2 fields.
    assert!(
        !heard.keys().any(|k| k.starts_with("data[BOT]")),
        "{heard:?}"
    );
    user_likes(&s, message);
    assert_eq!(sink.next().get("data[action]").unwrap(), "delete");
    assert!(
        queued(&s, "t-demo", 39).is_empty(),
        "a pushed event is not queued"
    );
    let list = s.host.deliveries().list();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(
        (list[0].event, list[0].bot),
        ("ONIMBOTV2REACTIONCHANGE", 39)
    );
    assert_eq!(list[0].url, sink.url);
}

#[test]
fn fetch_mode_still_queues_for_other_bots_and_after_switching_back() {
    let s = Server::default_world();
    let sink = Sink::start();
    let own = bot_posts(&s, "t-demo", 39);
    let other = bot_posts(&s, "t-other", 40);
    assert_eq!(webhook_mode(&s, &sink.url).status, 200);
    user_likes(&s, other);
    assert_eq!(queued(&s, "t-other", 40), [1]);
    user_likes(&s, own);
    assert_eq!(sink.next().get("data[bot][id]").unwrap(), "39");
    let back = update(&s, "/rest/", "auth=t-demo&botId=39&fields[eventMode]=fetch");
    assert_eq!(back.status, 200, "{back:?}");
    user_likes(&s, own);
    assert_eq!(queued(&s, "t-demo", 39), [2]);
    // Fetch mode forgot the URL: webhook mode needs one again.
    update(
        &s,
        "/rest/",
        "auth=t-demo&botId=39&fields[eventMode]=webhook",
    )
    .assert_error(400, "BOT_WEBHOOK_URL_REQUIRED");
}

#[test]
fn a_webhook_call_drives_its_bot_with_the_bots_token_in_a_json_body() {
    let s = Server::default_world();
    let body = r#"{"botId": 42, "botToken": "bot-secret",
        "fields": {"eventMode": "webhook", "webhookUrl": "http://127.0.0.1:9/h"}}"#;
    let answer = s.json("/rest/1/w-demo/imbot.v2.Bot.update", body);
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["result"]["bot"]["eventMode"], "webhook");
    // The URL is kept: a later update without one stays in webhook mode.
    let again = update(
        &s,
        "/rest/1/w-demo/",
        "botId=42&botToken=bot-secret&fields[eventMode]=webhook",
    );
    assert_eq!(
        again.body["result"]["bot"]["eventMode"], "webhook",
        "{again:?}"
    );
}

#[test]
fn each_refusal_names_its_reason_and_changes_nothing() {
    let s = Server::default_world();
    let mode = "fields[eventMode]=webhook&fields[webhookUrl]=http://127.0.0.1:9/h";
    let cases = [
        (
            "/rest/1/w-demo/",
            format!("botId=42&{mode}"),
            "BOT_TOKEN_NOT_SPECIFIED",
        ),
        ("/rest/", format!("auth=t-demo&{mode}"), "BOT_ID_REQUIRED"),
        (
            "/rest/",
            format!("auth=t-demo&botId=abc&{mode}"),
            "BOT_NOT_FOUND",
        ),
        (
            "/rest/",
            format!("auth=t-demo&botId=999&{mode}"),
            "BOT_NOT_FOUND",
        ),
        (
            "/rest/",
            format!("auth=t-other&botId=39&{mode}"),
            "BOT_OWNERSHIP_ERROR",
        ),
        (
            "/rest/1/w-demo/",
            format!("botId=42&botToken=wrong&{mode}"),
            "BOT_OWNERSHIP_ERROR",
        ),
        (
            "/rest/",
            "auth=t-demo&botId=39&fields[eventMode]=push".to_owned(),
            "BOT_INVALID_EVENT_MODE",
        ),
        (
            "/rest/",
            "auth=t-demo&botId=39&fields[eventMode]=webhook&fields[webhookUrl]=ftp://x".to_owned(),
            "BOT_INVALID_CALLBACK",
        ),
        (
            "/rest/",
            "auth=t-demo&botId=39&fields[eventMode]=webhook".to_owned(),
            "BOT_WEBHOOK_URL_REQUIRED",
        ),
    ];
    for (path, body, code) in &cases {
        update(&s, path, body).assert_error(400, code);
    }
    let message = bot_posts(&s, "t-demo", 39);
    user_likes(&s, message);
    assert_eq!(
        queued(&s, "t-demo", 39),
        [1],
        "bot 39 is still in fetch mode"
    );
    assert!(s.host.deliveries().list().is_empty());
}

#[test]
fn a_durable_host_keeps_the_mode_across_a_kill() {
    let dir = scratch("v2-push-durable");
    let sink = Sink::start();
    let start = || {
        let args: [&std::ffi::OsStr; 2] = ["--data".as_ref(), dir.as_os_str()];
        common::spawn_host(args, std::process::Stdio::null())
    };
    let post = |base: &str, path: &str, body: &str| {
        let request = agent()
            .post(&format!("{base}{path}"))
            .header("Content-Type", "application/x-www-form-urlencoded");
        Answer::from(request.send(body))
    };
    let (mut host, base) = start();
    let body = format!(
        "auth=t-demo&botId=39&fields[eventMode]=webhook&fields[webhookUrl]={}",
        sink.url
    );
    let answer = post(&base, "/rest/imbot.v2.Bot.update", &body);
    assert_eq!(answer.status, 200, "{answer:?}");
    host.kill().unwrap();
    host.wait().unwrap();
    let (mut host, base) = start();
    let posted = post(
        &base,
        "/rest/imbot.message.add",
        "auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=hello",
    );
    let message = posted.body["result"].as_u64().unwrap();
    let liked = post(
        &base,
        "/rest/1/w-demo/im.message.like",
        &format!("MESSAGE_ID={message}"),
    );
    assert!(liked.is_true(), "{liked:?}");
    let heard = sink.next();
    assert_eq!(heard.get("event").unwrap(), "ONIMBOTV2REACTIONCHANGE");
    assert_eq!(
        heard.get("data[message][id]").unwrap(),
        &message.to_string()
    );
    host.kill().unwrap();
    host.wait().unwrap();
}
