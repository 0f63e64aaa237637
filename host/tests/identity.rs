//! Which application a call acts for: OAuth client ids and webhook
//! `CLIENT_ID`s are namespaces apart, a webhook-registered bot answers
//! only to the webhooks bound to it, a legacy webhook call needs a
//! `CLIENT_ID`, and a v2 webhook call is identified by its `botToken`.
//! The default world: OAuth app.demo installed bot 39 (token t-demo);
//! app.other bots 40 and 41; webhook 1/w-demo registered bot 42 with
//! `CLIENT_ID` hook.demo and bot token bot-secret; webhook 2/w-other has
//! the scopes imbot and im but no bot. Bots 39, 40, 42 are in chat 7 with
//! message 1.

mod common;

use common::Server;

const LIKE: &str = "imbot.message.like";
const ADD: &str = "imbot.v2.Chat.Message.Reaction.add";

#[test]
fn a_webhook_client_id_never_drives_a_bot_of_an_oauth_application() {
    let s = Server::default_world();
    // The cross-application hole: app A's client id sent as a webhook's
    // CLIENT_ID drove app A's bot.
    s.get(&format!(
        "/rest/1/w-demo/{LIKE}?CLIENT_ID=app.demo&BOT_ID=39&MESSAGE_ID=1&ACTION=plus"
    ))
    .assert_error(400, "APP_ID_ERROR");
    s.form(
        &format!("/rest/2/w-other/{LIKE}"),
        "CLIENT_ID=app.other&BOT_ID=40&MESSAGE_ID=1&ACTION=plus",
    )
    .assert_error(400, "APP_ID_ERROR");
    // Nor through the only bot of the application.
    s.form(
        &format!("/rest/1/w-demo/{LIKE}"),
        "CLIENT_ID=app.demo&MESSAGE_ID=1",
    )
    .assert_error(400, "BOT_ID_ERROR");
    assert!(!s.liked(1, 39) && !s.liked(1, 40));
}

#[test]
fn an_oauth_client_id_never_drives_a_webhook_bot_of_the_same_text() {
    let world = r#"{
      "apps": [{"client_id": "same", "tokens": [{"token": "t", "scopes": ["imbot"]}]}],
      "webhooks": [{"user_id": 1, "token": "w", "scopes": ["imbot"]}],
      "bots": [{"id": 39, "app": "same"},
               {"id": 42, "client_id": "same", "registered_by": "1/w"}],
      "chats": [{"id": 7, "members": [1, 39, 42]}],
      "messages": [{"id": 1, "chat": 7, "author": 1}]
    }"#;
    let s = Server::start(world);
    s.form(&format!("/rest/{LIKE}"), "auth=t&BOT_ID=42&MESSAGE_ID=1")
        .assert_error(400, "APP_ID_ERROR");
    s.form(
        &format!("/rest/1/w/{LIKE}"),
        "CLIENT_ID=same&BOT_ID=39&MESSAGE_ID=1",
    )
    .assert_error(400, "APP_ID_ERROR");
    assert!(!s.liked(1, 39) && !s.liked(1, 42));
    // Each side drives its own bot.
    s.form(&format!("/rest/{LIKE}"), "auth=t&BOT_ID=39&MESSAGE_ID=1")
        .assert_true();
    s.form(
        &format!("/rest/1/w/{LIKE}"),
        "CLIENT_ID=same&BOT_ID=42&MESSAGE_ID=1",
    )
    .assert_true();
    assert!(s.liked(1, 39) && s.liked(1, 42));
}

#[test]
fn a_webhook_bot_answers_only_to_the_webhooks_bound_to_it() {
    let s = Server::default_world();
    // 2/w-other knows bot 42's CLIENT_ID and bot token, but did not
    // register it.
    let other = "/rest/2/w-other";
    s.form(
        &format!("{other}/{LIKE}"),
        "CLIENT_ID=hook.demo&BOT_ID=42&MESSAGE_ID=1",
    )
    .assert_error(400, "APP_ID_ERROR");
    s.form(
        &format!("{other}/{LIKE}"),
        "CLIENT_ID=hook.demo&MESSAGE_ID=1",
    )
    .assert_error(400, "BOT_ID_ERROR");
    s.form(
        &format!("{other}/{ADD}"),
        "botToken=bot-secret&botId=42&messageId=1&reaction=like",
    )
    .assert_error(400, "BOT_OWNERSHIP_ERROR");
    assert!(!s.liked(1, 42));
    // The webhook that registered it may.
    s.form(
        &format!("/rest/1/w-demo/{LIKE}"),
        "CLIENT_ID=hook.demo&BOT_ID=42&MESSAGE_ID=1&ACTION=plus",
    )
    .assert_true();
    assert!(s.liked(1, 42));
}

#[test]
fn driven_by_lists_the_webhooks_allowed_to_drive_a_bot() {
    let world = r#"{
      "webhooks": [{"user_id": 1, "token": "a", "scopes": ["imbot"]},
                   {"user_id": 2, "token": "b", "scopes": ["imbot"]},
                   {"user_id": 3, "token": "c", "scopes": ["imbot"]}],
      "bots": [{"id": 42, "client_id": "h", "registered_by": "1/a",
                "driven_by": ["2/b", "3/c"], "token": "s"}],
      "chats": [{"id": 7, "members": [1, 2, 3, 42]}],
      "messages": [{"id": 1, "chat": 7, "author": 1}]
    }"#;
    let s = Server::start(world);
    let like = |hook: &str, action: &str| {
        s.form(
            &format!("/rest/{hook}/{LIKE}"),
            &format!("CLIENT_ID=h&MESSAGE_ID=1&ACTION={action}"),
        )
    };
    // The list replaces the default: the registering webhook is not in it.
    like("1/a", "plus").assert_error(400, "BOT_ID_ERROR");
    like("2/b", "plus").assert_true();
    like("3/c", "minus").assert_true();
    s.form(
        &format!("/rest/3/c/{ADD}"),
        "botToken=s&botId=42&messageId=1&reaction=fire",
    )
    .assert_true();
    s.form(
        &format!("/rest/1/a/{ADD}"),
        "botToken=s&botId=42&messageId=1&reaction=eyes",
    )
    .assert_error(400, "BOT_OWNERSHIP_ERROR");
}

#[test]
fn a_legacy_webhook_call_without_client_id_is_access_denied() {
    let s = Server::default_world();
    let hook = format!("/rest/1/w-demo/{LIKE}");
    for body in [
        "BOT_ID=42&MESSAGE_ID=1",
        "CLIENT_ID=&BOT_ID=42&MESSAGE_ID=1",
        // Before any bot lookup: an unknown bot changes nothing.
        "BOT_ID=999&MESSAGE_ID=x",
        "MESSAGE_ID=1",
    ] {
        let answer = s.form(&hook, body);
        answer.assert_error(403, "ACCESS_DENIED");
        assert_eq!(
            answer.body["error_description"],
            "Access denied! Client ID not specified"
        );
    }
    s.json(&hook, r#"{"BOT_ID":42,"MESSAGE_ID":1}"#)
        .assert_error(403, "ACCESS_DENIED");
    assert!(!s.liked(1, 42));
    // Authentication comes first.
    s.form(&format!("/rest/1/nope/{LIKE}"), "MESSAGE_ID=1")
        .assert_error(401, "INVALID_CREDENTIALS");
    // im.message.like and OAuth calls need no CLIENT_ID.
    s.form("/rest/1/w-demo/im.message.like", "MESSAGE_ID=1")
        .assert_true();
    s.form(&format!("/rest/{LIKE}"), "auth=t-demo&MESSAGE_ID=1")
        .assert_true();
}

#[test]
fn a_v2_webhook_call_is_identified_by_its_bot_token_alone() {
    let s = Server::default_world();
    s.form(
        &format!("/rest/1/w-demo/{ADD}"),
        "botToken=bot-secret&botId=42&messageId=1&reaction=like",
    )
    .assert_true();
    assert!(s.liked(1, 42));
}

#[test]
fn repeated_slashes_in_the_path_are_merged() {
    let s = Server::default_world();
    // An SDK whose endpoint ends in `/` calls `/rest//method`.
    s.form(
        &format!("/rest//{ADD}"),
        "auth=t-demo&botId=39&messageId=1&reaction=like",
    )
    .assert_true();
    s.get(&format!(
        "//rest///1//w-demo/{LIKE}?CLIENT_ID=hook.demo&MESSAGE_ID=2&ACTION=plus"
    ))
    .assert_true();
    assert!(s.liked(1, 39) && s.liked(2, 42));
    // The query is left as sent.
    s.get(&format!(
        "/rest//{LIKE}?auth=t-demo&MESSAGE_ID=1&ACTION=plus&x=a//b"
    ))
    .assert_error(400, "WITHOUT_CHANGES");
}
