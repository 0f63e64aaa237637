//! The v2 reaction methods over HTTP: every error code in both URL styles
//! where it applies, the framework's and the `botToken` checks before the
//! engine's, and the likes shared with `imbot.message.like`. The default
//! world: OAuth app.demo installed bot 39 (token t-demo); app.other
//! installed bots 40 and 41; webhook 1/w-demo (user 1, imbot and im)
//! registered bot 42 with bot token bot-secret; webhook 2/w-other has the
//! same scopes. Chat 7 holds users 1, 2 and bots 39, 40, 42; chat 8 holds
//! user 1 and bot 41. Messages 1 and 2 are in chat 7, message 3 in chat 8.

mod common;

use common::{Answer, Server};
use imbot_like::{MessageId, UserId};

const ADD: &str = "imbot.v2.Chat.Message.Reaction.add";
const DELETE: &str = "imbot.v2.Chat.Message.Reaction.delete";
const HOOK: &str = "/rest/1/w-demo";
/// What a webhook call for bot 42 sends besides the method's own
/// parameters: its bot token is its identity.
const HOOK_AUTH: &str = "botToken=bot-secret";

/// One URL style of a method: its path, the parameters that authenticate
/// the caller, and the bot that caller owns.
struct Style {
    path: String,
    auth: &'static str,
    bot: u32,
}

impl Style {
    /// Posts a form with the method's own parameters `rest`, in which
    /// `{bot}` stands for the style's bot.
    fn call(&self, s: &Server, rest: &str) -> Answer {
        let rest = rest.replace("{bot}", &self.bot.to_string());
        s.form(&self.path, &format!("{}&{rest}", self.auth))
    }
}

/// Both URL styles of a method: OAuth (app.demo, bot 39), then webhook
/// (bot 42, with `.json`).
fn styles(method: &str) -> [Style; 2] {
    [
        Style {
            path: format!("/rest/{method}"),
            auth: "auth=t-demo",
            bot: 39,
        },
        Style {
            path: format!("{HOOK}/{method}.json"),
            auth: HOOK_AUTH,
            bot: 42,
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
            let body = format!("botId=42&messageId=1&reaction=like{token}");
            s.form(&path, &body)
                .assert_error(400, "BOT_TOKEN_NOT_SPECIFIED");
        }
        // Decided before the engine's first check.
        s.json(&path, r#"{"messageId":"x"}"#)
            .assert_error(400, "BOT_TOKEN_NOT_SPECIFIED");
    }
    assert!(reactions(&s, 1, 42).is_empty());
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
        "botToken=guess&botId=42&messageId=1&reaction=like",
        "botToken=BOT-SECRET&botId=42&messageId=1&reaction=like",
        // A CLIENT_ID changes nothing: the token is the identity.
        "CLIENT_ID=hook.demo&botToken=guess&botId=42&messageId=1&reaction=like",
        // Bots installed by OAuth applications have no bot token.
        "botToken=bot-secret&botId=39&messageId=1&reaction=like",
        "CLIENT_ID=app.other&botToken=bot-secret&botId=41&messageId=3&reaction=like",
    ];
    for body in cases {
        s.form(&path, body).assert_error(400, "BOT_OWNERSHIP_ERROR");
    }
    let not_text = r#"{"botToken":7,"botId":42,"messageId":1,"reaction":"like"}"#;
    s.json(&path, not_text)
        .assert_error(400, "BOT_OWNERSHIP_ERROR");
    // With no bot to compare with, the engine answers.
    s.form(&path, "botToken=guess&botId=999")
        .assert_error(400, "BOT_NOT_FOUND");
    s.form(&path, "botToken=guess")
        .assert_error(400, "BOT_ID_REQUIRED");
    assert!(reactions(&s, 1, 42).is_empty() && reactions(&s, 1, 39).is_empty());
    assert!(reactions(&s, 3, 41).is_empty());
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
    let calls = ["messageId=1&reaction=like&BOT_ID={bot}".to_owned()];
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
    // A webhook call whose bot token is bot 42's, for another bot.
    for bot in [39, 40] {
        let body = format!("botToken=bot-secret&botId={bot}&messageId=1&reaction=like");
        s.form(&hook, &body)
            .assert_error(400, "BOT_OWNERSHIP_ERROR");
    }
}

#[test]
fn v4_bad_message_id_is_access_denied() {
    let s = Server::default_world();
    let calls = ["", "&messageId=", "&messageId=x", "&messageId=0"]
        .map(|message| format!("botId={{bot}}&reaction=nope{message}"));
    refused_everywhere(&s, &calls, 403, "ACCESS_DENIED");
}

#[test]
fn v5_unknown_or_missing_reaction() {
    let s = Server::default_world();
    let calls = ["", "&reaction=", "&reaction=LIKE", "&reaction=heart"]
        .map(|reaction| format!("botId={{bot}}&messageId=999{reaction}"));
    refused_everywhere(&s, &calls, 400, "REACTION_NOT_FOUND");
}

#[test]
fn v6_unknown_message_or_not_a_member_is_access_denied() {
    let s = Server::default_world();
    let calls = [999, 3].map(|message| format!("botId={{bot}}&messageId={message}&reaction=fire"));
    refused_everywhere(&s, &calls, 403, "ACCESS_DENIED");
    assert!(reactions(&s, 3, 39).is_empty());
}

#[test]
fn v7_already_set_and_not_set() {
    let s = Server::default_world();
    for style in styles(ADD) {
        style
            .call(&s, "botId={bot}&messageId=1&reaction=fire")
            .assert_true();
        style
            .call(&s, "botId={bot}&messageId=1&reaction=fire")
            .assert_error(400, "REACTION_ALREADY_SET");
    }
    for style in styles(DELETE) {
        style
            .call(&s, "botId={bot}&messageId=1&reaction=eyes")
            .assert_error(400, "REACTION_NOT_FOUND");
    }
    assert_eq!(reactions(&s, 1, 39), ["fire"]);
    assert_eq!(reactions(&s, 1, 42), ["fire"]);
}

/// A server message takes every kind from every member, so check V8 never
/// refuses a bot here (its wire answer, `REACTION_LIMIT_REACHED`, is tested
/// on a small engine in the wire layer's tests).
#[test]
fn v8_a_server_message_takes_every_kind_from_one_bot() {
    let s = Server::default_world();
    let [oauth, hook] = styles(ADD);
    for style in [&oauth, &hook] {
        for kind in imbot_like::Reaction::ALL {
            style
                .call(&s, &format!("botId={{bot}}&messageId=1&reaction={kind}"))
                .assert_true();
        }
    }
    let all: Vec<&str> = imbot_like::Reaction::ALL.iter().map(|k| k.code()).collect();
    assert_eq!(reactions(&s, 1, 39), all);
    assert_eq!(reactions(&s, 1, 42), all);
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
        r#"{"botToken":"bot-secret","botId":"42","messageId":1,"reaction":"redHeart"}"#,
    )
    .assert_true();
    s.form(
        &format!("/rest/{ADD}"),
        "auth=t-demo&botId=39&messageId=1&reaction=redHeart",
    )
    .assert_true();
    s.form(
        "/rest/IMBOT.V2.CHAT.MESSAGE.REACTION.ADD",
        "AUTH=t-other&BOTID=40&MessageId=1&reaction=eyes",
    )
    .assert_true();
    assert_eq!(reactions(&s, 1, 39), ["redHeart", "fire"]);
    assert_eq!(reactions(&s, 1, 40), ["eyes"]);
    assert_eq!(reactions(&s, 1, 42), ["redHeart"]);
    s.get(&format!(
        "{HOOK}/{DELETE}?{HOOK_AUTH}&botId=42&messageId=1&reaction=redHeart"
    ))
    .assert_true();
    s.get(&format!(
        "/rest/{DELETE}?auth=t-demo&botId=39&messageId=1&reaction=fire"
    ))
    .assert_true();
    s.json(
        &format!("/rest/{DELETE}.json"),
        r#"{"auth":"t-demo","botId":39,"messageId":"1","reaction":"redHeart"}"#,
    )
    .assert_true();
    assert!(reactions(&s, 1, 39).is_empty());
}

/// The legacy method's path and caller parameters for each style's bot:
/// app.demo's token for bot 39, webhook `hook.demo` for bot 42.
const LEGACY: [&str; 2] = [
    "/rest/imbot.message.like?auth=t-demo&BOT_ID=39",
    "/rest/1/w-demo/imbot.message.like?CLIENT_ID=hook.demo&BOT_ID=42",
];

#[test]
fn likes_are_shared_with_the_legacy_method() {
    let s = Server::default_world();
    for ((add, delete), legacy) in styles(ADD).into_iter().zip(styles(DELETE)).zip(LEGACY) {
        let bot = add.bot;
        add.call(&s, "botId={bot}&messageId=1&reaction=fire")
            .assert_true();
        add.call(&s, "botId={bot}&messageId=1&reaction=like")
            .assert_true();
        assert_eq!(reactions(&s, 1, bot), ["like", "fire"]);
        assert!(s.liked(1, bot));

        s.form(legacy, "MESSAGE_ID=1&ACTION=minus").assert_true();
        assert_eq!(reactions(&s, 1, bot), ["fire"]);
        assert!(!s.liked(1, bot));

        s.form(legacy, "MESSAGE_ID=1&ACTION=plus").assert_true();
        add.call(&s, "botId={bot}&messageId=1&reaction=like")
            .assert_error(400, "REACTION_ALREADY_SET");
        assert_eq!(reactions(&s, 1, bot), ["like", "fire"]);

        // And back: a like removed through v2 is gone for the legacy method.
        delete
            .call(&s, "botId={bot}&messageId=1&reaction=like")
            .assert_true();
        s.form(legacy, "MESSAGE_ID=1&ACTION=minus")
            .assert_error(400, "WITHOUT_CHANGES");
        assert_eq!(reactions(&s, 1, bot), ["fire"]);
    }
}

#[test]
fn a_world_bot_token_may_be_left_out_but_not_empty() {
    let hook = r#""webhooks":[{"user_id":1,"token":"w","scopes":["imbot"]}]"#;
    let bot = r#""client_id":"h","registered_by":"1/w""#;
    let world = format!(r#"{{{hook},"bots":[{{"id":39,{bot},"token":""}}]}}"#);
    let refused = imbot_like_host::Host::from_json(&world)
        .err()
        .expect("refused");
    assert_eq!(
        refused.to_string(),
        "world refused: bots[0] (id 39): empty bot token"
    );
    let world = format!(r#"{{{hook},"bots":[{{"id":39,{bot}}}]}}"#);
    assert!(imbot_like_host::Host::from_json(&world).is_ok());
}
