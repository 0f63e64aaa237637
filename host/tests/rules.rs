//! Every rule of the contract over the wire, in both URL styles and with
//! query, form and JSON parameters. The default world: app.demo owns bot
//! 39 (token t-demo, scope imbot); app.other owns bots 40 and 41 (token
//! t-other); webhook w-demo acts as user 1 with imbot and im, and
//! registered bot 42 with `CLIENT_ID` hook.demo. Chat 7 holds users 1, 2
//! and bots 39, 40, 42; chat 8 holds user 1 and bot 41. Message 1 (by user
//! 1) and 2 (by user 2, liked by 1) are in chat 7, 3 in chat 8.

mod common;

use common::Server;

const OAUTH: &str = "/rest/imbot.message.like";
const HOOK: &str = "/rest/1/w-demo/imbot.message.like.json";

#[test]
fn rule_l1_unknown_or_malformed_bot_id() {
    let s = Server::default_world();
    s.get(&format!("{OAUTH}?auth=t-demo&BOT_ID=999&MESSAGE_ID=1"))
        .assert_error(400, "BOT_ID_ERROR");
    let both_bad = r#"{"auth":"t-demo","BOT_ID":"x","MESSAGE_ID":"y"}"#;
    s.json(OAUTH, both_bad).assert_error(400, "BOT_ID_ERROR");
    s.form(HOOK, "CLIENT_ID=hook.demo&BOT_ID=-1&MESSAGE_ID=1")
        .assert_error(400, "BOT_ID_ERROR");
    assert!(!s.liked(1, 39));
}

#[test]
fn rule_l2_omitted_bot_id() {
    let s = Server::default_world();
    s.form(OAUTH, "auth=t-other&MESSAGE_ID=1")
        .assert_error(400, "BOT_ID_ERROR");
    s.form(HOOK, "CLIENT_ID=nobody&MESSAGE_ID=1")
        .assert_error(400, "BOT_ID_ERROR");
    s.form(OAUTH, "auth=t-demo&MESSAGE_ID=1").assert_true();
    assert!(s.liked(1, 39));
    s.form(HOOK, "CLIENT_ID=hook.demo&MESSAGE_ID=1")
        .assert_true();
    assert!(s.liked(1, 42));
}

#[test]
fn rule_l3_bot_of_another_application() {
    let s = Server::default_world();
    s.get(&format!("{OAUTH}?auth=t-demo&BOT_ID=40&MESSAGE_ID=bad"))
        .assert_error(400, "APP_ID_ERROR");
    s.json(
        HOOK,
        r#"{"CLIENT_ID":"app.demo","BOT_ID":40,"MESSAGE_ID":1}"#,
    )
    .assert_error(400, "APP_ID_ERROR");
    s.json(
        HOOK,
        r#"{"CLIENT_ID":"hook.demo","BOT_ID":39,"MESSAGE_ID":1}"#,
    )
    .assert_error(400, "APP_ID_ERROR");
    s.form(OAUTH, "auth=t-demo&BOT_ID=42&MESSAGE_ID=1")
        .assert_error(400, "APP_ID_ERROR");
    assert!(!s.liked(1, 40) && !s.liked(1, 39) && !s.liked(1, 42));
}

#[test]
fn rule_l4_message_id() {
    let s = Server::default_world();
    s.get(&format!("{OAUTH}?auth=t-demo&BOT_ID=39"))
        .assert_error(400, "MESSAGE_ID_ERROR");
    s.form(OAUTH, "auth=t-demo&MESSAGE_ID=")
        .assert_error(400, "MESSAGE_ID_ERROR");
    s.json(OAUTH, r#"{"auth":"t-demo","MESSAGE_ID":0}"#)
        .assert_error(400, "MESSAGE_ID_ERROR");
    s.json(OAUTH, r#"{"auth":"t-demo","MESSAGE_ID":1.5}"#)
        .assert_error(400, "MESSAGE_ID_ERROR");
    s.form("/rest/1/w-demo/im.message.like", "MESSAGE_ID=abc")
        .assert_error(400, "MESSAGE_ID_ERROR");
}

#[test]
fn rule_l5_action_in_any_case_and_unknown_actions_are_auto() {
    let s = Server::default_world();
    s.form(OAUTH, "auth=t-demo&MESSAGE_ID=1&ACTION=PLUS")
        .assert_true();
    assert!(s.liked(1, 39));
    s.form(OAUTH, "auth=t-demo&MESSAGE_ID=1&action=whatever")
        .assert_true();
    assert!(!s.liked(1, 39));
    s.json(OAUTH, r#"{"auth":"t-demo","MESSAGE_ID":1,"ACTION":""}"#)
        .assert_true();
    assert!(s.liked(1, 39));
    s.get(&format!("{OAUTH}?auth=t-demo&MESSAGE_ID=1&ACTION=Minus"))
        .assert_true();
    assert!(!s.liked(1, 39));
}

#[test]
fn rule_l6_unknown_message() {
    let s = Server::default_world();
    s.form(OAUTH, "auth=t-demo&MESSAGE_ID=999")
        .assert_error(400, "WITHOUT_CHANGES");
}

#[test]
fn rule_l7_not_a_member_of_the_chat() {
    let s = Server::default_world();
    s.form(OAUTH, "auth=t-demo&BOT_ID=39&MESSAGE_ID=3")
        .assert_error(400, "WITHOUT_CHANGES");
    assert!(!s.liked(3, 39));
}

#[test]
fn rule_l8_no_change_to_make() {
    let s = Server::default_world();
    s.form(OAUTH, "auth=t-demo&MESSAGE_ID=1&ACTION=minus")
        .assert_error(400, "WITHOUT_CHANGES");
    s.form(OAUTH, "auth=t-demo&MESSAGE_ID=1&ACTION=plus")
        .assert_true();
    s.form(OAUTH, "auth=t-demo&MESSAGE_ID=1&ACTION=plus")
        .assert_error(400, "WITHOUT_CHANGES");
    assert!(s.liked(1, 39));
}

/// A chat of 120 users (each with a webhook) and bot 39, and one message.
fn crowded_world() -> String {
    let users: Vec<u32> = (1..=120).collect();
    let hooks: Vec<String> = users
        .iter()
        .map(|u| format!(r#"{{"user_id":{u},"token":"w{u}","scopes":["im"]}}"#))
        .collect();
    format!(
        r#"{{"apps":[{{"client_id":"app.demo","tokens":[{{"token":"t-demo","scopes":["imbot"]}}]}}],
        "webhooks":[{}],"bots":[{{"id":500,"app":"app.demo"}}],
        "chats":[{{"id":7,"members":[{},500]}}],
        "messages":[{{"id":1,"chat":7,"author":1,"likes":[]}}]}}"#,
        hooks.join(","),
        users
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// The server sizing takes a like from every member of a full chat, so
/// rule L9 never refuses one here (its wire answer is tested on a small
/// engine in the wire layer's tests).
#[test]
fn rule_l9_every_member_of_a_crowded_chat_may_like() {
    let s = Server::start(&crowded_world());
    for u in 1..=120u32 {
        s.form(
            &format!("/rest/{u}/w{u}/im.message.like"),
            "MESSAGE_ID=1&ACTION=plus",
        )
        .assert_true();
    }
    s.form(OAUTH, "auth=t-demo&MESSAGE_ID=1&ACTION=plus")
        .assert_true();
    assert_eq!(
        s.host
            .inspect(|e| e.like_count(imbot_like::MessageId::new(1).unwrap())),
        Some(121)
    );
    s.form("/rest/1/w1/im.message.like", "MESSAGE_ID=1&ACTION=plus")
        .assert_error(400, "WITHOUT_CHANGES");
}

#[test]
fn rule_l10_success_in_every_style() {
    let s = Server::default_world();
    s.get(&format!(
        "{OAUTH}.json?auth=t-demo&BOT_ID=39&MESSAGE_ID=1&ACTION=plus"
    ))
    .assert_true();
    s.json(
        HOOK,
        r#"{"CLIENT_ID":"hook.demo","BOT_ID":"42","MESSAGE_ID":"2"}"#,
    )
    .assert_true();
    s.form(OAUTH, "auth=t-other&BOT_ID=40&MESSAGE_ID=1")
        .assert_true();
    assert!(s.liked(1, 39) && s.liked(2, 42) && s.liked(1, 40));
    // im.message.like: the webhook's user, or the token's user.
    s.get("/rest/1/w-demo/im.message.like?MESSAGE_ID=2")
        .assert_true();
    assert!(!s.liked(2, 1));
    s.json(
        "/rest/im.message.like.json",
        r#"{"auth":"t-other","MESSAGE_ID":1}"#,
    )
    .assert_true();
    assert!(s.liked(1, 2));
}

/// The `X-Imbot-Rule` header of a call.
fn rule_header(s: &Server, path: &str) -> Option<String> {
    let answer = common::agent().get(&s.url(path)).call().unwrap();
    let rule = answer.headers().get("x-imbot-rule")?;
    Some(rule.to_str().unwrap().to_owned())
}

#[test]
fn rule_header_names_the_rule_behind_each_without_changes() {
    let s = Server::default_world();
    // Bot 41 is in chat 8 only; message 1 is in chat 7.
    let not_member = rule_header(&s, &format!("{OAUTH}?auth=t-other&BOT_ID=41&MESSAGE_ID=1"));
    assert!(
        not_member.as_deref().unwrap().starts_with("L7 "),
        "{not_member:?}"
    );
    let gone = rule_header(&s, &format!("{OAUTH}?auth=t-demo&MESSAGE_ID=99"));
    assert!(gone.as_deref().unwrap().starts_with("L6 "), "{gone:?}");
    let plus = format!("{OAUTH}?auth=t-demo&MESSAGE_ID=1&ACTION=plus");
    assert_eq!(rule_header(&s, &plus), None, "a success carries no rule");
    let again = rule_header(&s, &plus);
    assert!(again.as_deref().unwrap().starts_with("L8 "), "{again:?}");
    let reaction =
        "/rest/imbot.v2.Chat.Message.Reaction.add?auth=t-other&botId=41&messageId=1&reaction=like";
    let v2 = rule_header(&s, reaction);
    assert!(v2.as_deref().unwrap().starts_with("V6 "), "{v2:?}");
}
