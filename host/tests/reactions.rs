//! The v2 reaction methods over HTTP: every error code in both URL styles
//! where it applies, the framework's and the `botToken` checks before the
//! engine's, and the likes shared with `imbot.message.like`. The default
//! world: app.demo owns bot 39 (token t-demo; bot token bot-secret);
//! app.other owns bots 40 (bot token bot-other) and 41 (none); webhook
//! w-demo acts as user 1 with imbot and im. Chat 7 holds users 1, 2 and
//! bots 39, 40; chat 8 holds user 1 and bot 41. Messages 1 and 2 are in
//! chat 7, message 3 in chat 8.

mod common;

use common::{Answer, Server};
use imbot_like::{MessageId, UserId};

const ADD: &str = "imbot.v2.Chat.Message.Reaction.add";
const DELETE: &str = "imbot.v2.Chat.Message.Reaction.delete";
const HOOK: &str = "/rest/1/w-demo";
/// What a webhook call of app.demo for bot 39 sends besides the method's
/// own parameters.
const HOOK_AUTH: &str = "CLIENT_ID=app.demo&botToken=bot-secret";

/// One URL style of a method: its path and the parameters that
/// authenticate app.demo for bot 39.
struct Style {
    path: String,
    auth: &'static str,
}

impl Style {
    /// Posts a form with the method's own parameters `rest`.
    fn call(&self, s: &Server, rest: &str) -> Answer {
        s.form(&self.path, &format!("{}&{rest}", self.auth))
    }
}

/// Both URL styles of a method: OAuth, then webhook (with `.json`).
fn styles(method: &str) -> [Style; 2] {
    [
        Style {
            path: format!("/rest/{method}"),
            auth: "auth=t-demo",
        },
        Style {
            path: format!("{HOOK}/{method}.json"),
            auth: HOOK_AUTH,
        },
    ]
}

/// The reaction codes `user` set on `message`, in the documentation's order.
fn reactions(s: &Server, message: u64, user: u32) -> Vec<&'static str> {
    let (message, user) = (MessageId::new(message).unwrap(), UserId::new(user).unwrap());
    s.host.inspect(|e| {
        let kinds = e.user_reactions(message, user).expect("a known message");
        kinds.map(|kind| kind.code()).collect()
    })
}

#[test]
fn framework_errors_come_before_the_bot_token() {
    let s = Server::default_world();
    s.get("/rest/imbot.v2.Chat.Message.Reaction.update?auth=t-demo")
        .assert_error(404, "ERROR_METHOD_NOT_FOUND");
    s.get(&format!("{HOOK}/{ADD}.xml"))
        .assert_error(404, "ERROR_METHOD_NOT_FOUND");
    s.form(
        &format!("/rest/{ADD}"),
        "botId=39&messageId=1&reaction=like",
    )
    .assert_error(401, "NO_AUTH_FOUND");
    s.form(&format!("/rest/{DELETE}"), "auth=nope&botId=39")
        .assert_error(401, "invalid_token");
    s.form(&format!("/rest/1/wrong/{ADD}"), "botId=39")
        .assert_error(401, "INVALID_CREDENTIALS");
    s.form(&format!("/rest/2/w-tasks/{DELETE}"), "botId=39")
        .assert_error(401, "insufficient_scope");
    s.json(&format!("{HOOK}/{ADD}"), r#"{"botId":39"#)
        .assert_error(400, "INVALID_REQUEST");
    assert!(reactions(&s, 1, 39).is_empty());
}

#[test]
fn the_imbot_scope_is_needed() {
    let world = r#"{"apps":[{"client_id":"a","tokens":[{"token":"t-im","scopes":["im"]}]}],
        "webhooks":[{"user_id":1,"token":"w-im","scopes":["im"]}]}"#;
    let s = Server::start(world);
    for method in [ADD, DELETE] {
        s.form(&format!("/rest/{method}"), "auth=t-im&botId=39")
            .assert_error(401, "insufficient_scope");
        s.form(&format!("/rest/1/w-im/{method}"), "botId=39")
            .assert_error(401, "insufficient_scope");
    }
}

#[test]
fn bot_token_not_specified_in_webhook_calls_only() {
    let s = Server::default_world();
    for method in [ADD, DELETE] {
        let path = format!("{HOOK}/{method}");
        for token in ["", "&botToken=", "&BOTTOKEN="] {
            let body = format!("CLIENT_ID=app.demo&botId=39&messageId=1&reaction=like{token}");
            s.form(&path, &body)
                .assert_error(400, "BOT_TOKEN_NOT_SPECIFIED");
        }
        // Decided before the engine's first check.
        s.json(&path, r#"{"messageId":"x"}"#)
            .assert_error(400, "BOT_TOKEN_NOT_SPECIFIED");
    }
    assert!(reactions(&s, 1, 39).is_empty());
    // OAuth calls need no botToken.
    s.form(
        &format!("/rest/{ADD}"),
        "auth=t-demo&botId=39&messageId=1&reaction=like",
    )
    .assert_true();
    assert_eq!(reactions(&s, 1, 39), ["like"]);
}

#[test]
fn a_wrong_bot_token_is_bot_ownership_error() {
    let s = Server::default_world();
    let path = format!("{HOOK}/{ADD}");
    let cases = [
        "CLIENT_ID=app.demo&botToken=guess&botId=39&messageId=1&reaction=like",
        "CLIENT_ID=app.demo&botToken=bot-other&botId=39&messageId=1&reaction=like",
        "CLIENT_ID=app.demo&botToken=BOT-SECRET&botId=39&messageId=1&reaction=like",
        // Bot 41 was registered without a token: no token matches.
        "CLIENT_ID=app.other&botToken=bot-other&botId=41&messageId=3&reaction=like",
    ];
    for body in cases {
        s.form(&path, body).assert_error(400, "BOT_OWNERSHIP_ERROR");
    }
    let not_text =
        r#"{"CLIENT_ID":"app.demo","botToken":7,"botId":39,"messageId":1,"reaction":"like"}"#;
    s.json(&path, not_text)
        .assert_error(400, "BOT_OWNERSHIP_ERROR");
    // With no bot to compare with, the engine answers.
    s.form(&path, "CLIENT_ID=app.demo&botToken=guess&botId=999")
        .assert_error(400, "BOT_NOT_FOUND");
    s.form(&path, "CLIENT_ID=app.demo&botToken=guess")
        .assert_error(400, "BOT_ID_REQUIRED");
    assert!(reactions(&s, 1, 39).is_empty() && reactions(&s, 3, 41).is_empty());
}

/// Sends each of `calls` (the method's own parameters) to both methods
/// in both URL styles, and expects this error every time.
fn refused_everywhere(s: &Server, calls: &[String], status: u16, code: &str) {
    for method in [ADD, DELETE] {
        for style in styles(method) {
            for call in calls {
                style.call(s, call).assert_error(status, code);
            }
        }
    }
}

#[test]
fn v1_bot_id_required() {
    let s = Server::default_world();
    // The legacy spelling is no v2 name.
    let calls = ["messageId=1&reaction=like&BOT_ID=39".to_owned()];
    refused_everywhere(&s, &calls, 400, "BOT_ID_REQUIRED");
}

#[test]
fn v1_v2_bot_not_found() {
    let s = Server::default_world();
    let calls = ["999", "abc", "0", ""].map(|bot| format!("botId={bot}&messageId=1&reaction=like"));
    refused_everywhere(&s, &calls, 400, "BOT_NOT_FOUND");
}

#[test]
fn v3_bot_of_another_application() {
    let s = Server::default_world();
    let oauth = format!("/rest/{ADD}");
    s.get(&format!(
        "{oauth}?auth=t-demo&botId=40&messageId=x&reaction=like"
    ))
    .assert_error(400, "BOT_OWNERSHIP_ERROR");
    let hook = format!("{HOOK}/{DELETE}");
    // The right bot token, but the call names another application, or none.
    let calls = [
        "CLIENT_ID=app.demo&botToken=bot-other&botId=40&messageId=1&reaction=like",
        "botToken=bot-secret&botId=39&messageId=1&reaction=like",
    ];
    for body in calls {
        s.form(&hook, body).assert_error(400, "BOT_OWNERSHIP_ERROR");
    }
}

#[test]
fn v4_bad_message_id_is_access_denied() {
    let s = Server::default_world();
    let calls = ["", "&messageId=", "&messageId=x", "&messageId=0"]
        .map(|message| format!("botId=39&reaction=nope{message}"));
    refused_everywhere(&s, &calls, 403, "ACCESS_DENIED");
}

#[test]
fn v5_unknown_or_missing_reaction() {
    let s = Server::default_world();
    let calls = ["", "&reaction=", "&reaction=LIKE", "&reaction=heart"]
        .map(|reaction| format!("botId=39&messageId=999{reaction}"));
    refused_everywhere(&s, &calls, 400, "REACTION_NOT_FOUND");
}

#[test]
fn v6_unknown_message_or_not_a_member_is_access_denied() {
    let s = Server::default_world();
    let calls = [999, 3].map(|message| format!("botId=39&messageId={message}&reaction=fire"));
    refused_everywhere(&s, &calls, 403, "ACCESS_DENIED");
    assert!(reactions(&s, 3, 39).is_empty());
}

#[test]
fn v7_already_set_and_not_set() {
    let s = Server::default_world();
    let [oauth, hook] = styles(ADD);
    oauth
        .call(&s, "botId=39&messageId=1&reaction=fire")
        .assert_true();
    for style in [&oauth, &hook] {
        style
            .call(&s, "botId=39&messageId=1&reaction=fire")
            .assert_error(400, "REACTION_ALREADY_SET");
    }
    for style in styles(DELETE) {
        style
            .call(&s, "botId=39&messageId=1&reaction=eyes")
            .assert_error(400, "REACTION_NOT_FOUND");
    }
    assert_eq!(reactions(&s, 1, 39), ["fire"]);
}

/// A server message takes every kind from every member, so check V8 never
/// refuses a bot here (its wire answer, `REACTION_LIMIT_REACHED`, is tested
/// on a small engine in the wire layer's tests).
#[test]
fn v8_a_server_message_takes_every_kind_from_one_bot() {
    let s = Server::default_world();
    let [oauth, hook] = styles(ADD);
    for (i, kind) in imbot_like::Reaction::ALL.iter().enumerate() {
        let style = if i % 2 == 0 { &oauth } else { &hook };
        style
            .call(&s, &format!("botId=39&messageId=1&reaction={kind}"))
            .assert_true();
    }
    let all: Vec<&str> = imbot_like::Reaction::ALL.iter().map(|k| k.code()).collect();
    assert_eq!(reactions(&s, 1, 39), all);
}

#[test]
fn success_in_every_style_and_source() {
    let s = Server::default_world();
    s.get(&format!(
        "/rest/{ADD}.json?auth=t-demo&botId=39&messageId=1&reaction=fire"
    ))
    .assert_true();
    s.json(
        &format!("{HOOK}/{ADD}"),
        r#"{"CLIENT_ID":"app.demo","botToken":"bot-secret","botId":"39","messageId":1,"reaction":"redHeart"}"#,
    )
    .assert_true();
    s.form(
        "/rest/IMBOT.V2.CHAT.MESSAGE.REACTION.ADD",
        "AUTH=t-other&BOTID=40&MessageId=1&reaction=eyes",
    )
    .assert_true();
    assert_eq!(reactions(&s, 1, 39), ["redHeart", "fire"]);
    assert_eq!(reactions(&s, 1, 40), ["eyes"]);
    s.get(&format!(
        "{HOOK}/{DELETE}?{HOOK_AUTH}&botId=39&messageId=1&reaction=fire"
    ))
    .assert_true();
    s.json(
        &format!("/rest/{DELETE}.json"),
        r#"{"auth":"t-demo","botId":39,"messageId":"1","reaction":"redHeart"}"#,
    )
    .assert_true();
    assert!(reactions(&s, 1, 39).is_empty());
}

#[test]
fn likes_are_shared_with_the_legacy_method() {
    let s = Server::default_world();
    let [oauth, hook] = styles(ADD);
    oauth
        .call(&s, "botId=39&messageId=1&reaction=fire")
        .assert_true();
    hook.call(&s, "botId=39&messageId=1&reaction=like")
        .assert_true();
    assert_eq!(reactions(&s, 1, 39), ["like", "fire"]);
    assert!(s.liked(1, 39));

    let legacy = "/rest/imbot.message.like";
    s.form(legacy, "auth=t-demo&BOT_ID=39&MESSAGE_ID=1&ACTION=minus")
        .assert_true();
    assert_eq!(reactions(&s, 1, 39), ["fire"]);
    assert!(!s.liked(1, 39));

    s.form(legacy, "auth=t-demo&BOT_ID=39&MESSAGE_ID=1&ACTION=plus")
        .assert_true();
    hook.call(&s, "botId=39&messageId=1&reaction=like")
        .assert_error(400, "REACTION_ALREADY_SET");
    oauth
        .call(&s, "botId=39&messageId=1&reaction=like")
        .assert_error(400, "REACTION_ALREADY_SET");
    assert_eq!(reactions(&s, 1, 39), ["like", "fire"]);

    // And back: a like removed through v2 is gone for the legacy method.
    let [_, delete] = styles(DELETE);
    delete
        .call(&s, "botId=39&messageId=1&reaction=like")
        .assert_true();
    s.form(legacy, "auth=t-demo&BOT_ID=39&MESSAGE_ID=1&ACTION=minus")
        .assert_error(400, "WITHOUT_CHANGES");
    assert_eq!(reactions(&s, 1, 39), ["fire"]);
}

#[test]
fn a_world_bot_token_may_be_left_out_but_not_empty() {
    let world = r#"{"apps":[{"client_id":"a"}],"bots":[{"id":39,"app":"a","token":""}]}"#;
    let refused = imbot_like_host::Host::from_json(world)
        .err()
        .expect("refused");
    assert_eq!(
        refused.to_string(),
        "world refused: bots[0] (id 39): empty bot token"
    );
    let world = r#"{"apps":[{"client_id":"a"}],"bots":[{"id":39,"app":"a"}]}"#;
    assert!(imbot_like_host::Host::from_json(world).is_ok());
}
