//! The v2 reaction parser check by check (V1 to V8): each case runs once
//! from a form string and once from a JSON object, and must reach the same
//! check with the same reason and wire code.

extern crate std;

use super::{APP_NONE, APP_ONE, World, rform as form, rjson as json, world};
use crate::wire::ReactionParams;
use crate::{AppId, IdError, ReactionError, ReactionErrorCode};

/// Runs an add from `app` on `e`.
fn add_on<const L: usize>(
    e: &mut World<L>,
    params: &ReactionParams,
    app: AppId,
) -> Result<(), ReactionError> {
    e.add_reaction(&params.request(Some(app))).map(drop)
}

/// Runs an add from `app` on a fresh world.
fn add(params: &ReactionParams, app: AppId) -> Result<(), ReactionError> {
    add_on(&mut world::<4>(), params, app)
}

/// The form and the JSON spelling of one add, and what it must give.
fn both(form_raw: &str, json_raw: &str, app: AppId, want: Result<(), ReactionError>) {
    assert_eq!(add(&form(form_raw), app), want, "form {form_raw}");
    assert_eq!(add(&json(json_raw), app), want, "json {json_raw}");
}

#[test]
fn v1_bot_id_required() {
    let want = Err(ReactionError::BotIdRequired);
    both(
        "messageId=1&reaction=like",
        r#"{"messageId":1,"reaction":"like"}"#,
        APP_ONE,
        want,
    );
    // The legacy spelling is not a v2 name.
    both(
        "BOT_ID=39&messageId=1&reaction=like",
        r#"{"BOT_ID":39,"messageId":1,"reaction":"like"}"#,
        APP_ONE,
        want,
    );
    assert_eq!(
        ReactionError::BotIdRequired.code(),
        ReactionErrorCode::BotIdRequired
    );
}

#[test]
fn v1_every_kind_of_bad_bot_id_wins_over_the_rest() {
    let cases = [
        ("botId=", r#""botId":"""#, IdError::Empty),
        ("botId=x", r#""botId":"x""#, IdError::NotANumber),
        ("botId=0", r#""botId":0"#, IdError::NotPositive),
        ("botId=-39", r#""botId":-39"#, IdError::NotPositive),
        (
            "botId=4294967296",
            r#""botId":4294967296"#,
            IdError::TooLarge,
        ),
        ("botId=1.5", r#""botId":1.5"#, IdError::NotANumber),
    ];
    for (f, j, reason) in cases {
        let f = std::format!("{f}&messageId=x&reaction=nope");
        let j = std::format!(r#"{{{j},"messageId":"x","reaction":"nope"}}"#);
        both(&f, &j, APP_ONE, Err(ReactionError::BotIdInvalid(reason)));
    }
    let null = json(r#"{"botId":null,"messageId":1,"reaction":"like"}"#);
    assert_eq!(
        add(&null, APP_ONE),
        Err(ReactionError::BotIdInvalid(IdError::Empty))
    );
    let code = ReactionError::BotIdInvalid(IdError::Empty).code();
    assert_eq!(code, ReactionErrorCode::BotNotFound);
}

#[test]
fn v2_unknown_bot() {
    both(
        "botId=999&messageId=1&reaction=like",
        r#"{"botId":"999","messageId":1,"reaction":"like"}"#,
        APP_ONE,
        Err(ReactionError::BotNotFound),
    );
}

#[test]
fn v3_foreign_bot_comes_before_a_bad_message_id() {
    let want = Err(ReactionError::ForeignBot);
    both(
        "botId=40&messageId=x",
        r#"{"botId":40,"messageId":"x"}"#,
        APP_ONE,
        want,
    );
    both(
        "botId=39&messageId=1&reaction=like",
        r#"{"botId":39,"messageId":1,"reaction":"like"}"#,
        APP_NONE,
        want,
    );
    let none = form("botId=39&messageId=1&reaction=like").request(None);
    let refused = world::<4>().add_reaction(&none).map(drop);
    assert_eq!(refused, want);
}

#[test]
fn v4_message_id_is_access_denied() {
    both(
        "botId=39&reaction=like",
        r#"{"botId":39,"reaction":"like"}"#,
        APP_ONE,
        Err(ReactionError::MessageIdMissing),
    );
    let cases = [
        ("messageId=", r#""messageId":null"#, IdError::Empty),
        ("messageId=abc", r#""messageId":[1]"#, IdError::NotANumber),
        ("messageId=0", r#""messageId":0"#, IdError::NotPositive),
        (
            "messageId=9223372036854775808",
            r#""messageId":9223372036854775808"#,
            IdError::TooLarge,
        ),
    ];
    for (f, j, reason) in cases {
        let f = std::format!("botId=39&{f}&reaction=nope");
        let j = std::format!(r#"{{"botId":39,{j},"reaction":"nope"}}"#);
        let want = ReactionError::MessageIdInvalid(reason);
        both(&f, &j, APP_ONE, Err(want));
        assert_eq!(want.code(), ReactionErrorCode::AccessDenied);
    }
}

#[test]
fn v5_reaction_missing_or_unknown() {
    both(
        "botId=39&messageId=1",
        r#"{"botId":39,"messageId":1}"#,
        APP_ONE,
        Err(ReactionError::ReactionMissing),
    );
    // Codes are case-sensitive; a value that is no string is no code.
    let cases = [
        ("reaction=", r#""reaction":"""#),
        ("reaction=LIKE", r#""reaction":"Like""#),
        ("reaction=redheart", r#""reaction":"REDHEART""#),
        ("reaction=%20like", r#""reaction":1"#),
        ("reaction=%FF", r#""reaction":null"#),
        ("reaction=like+", r#""reaction":["like"]"#),
    ];
    for (f, j) in cases {
        let f = std::format!("botId=39&messageId=999&{f}");
        let j = std::format!(r#"{{"botId":39,"messageId":999,{j}}}"#);
        both(&f, &j, APP_ONE, Err(ReactionError::ReactionUnknown));
    }
    let code = ReactionError::ReactionUnknown.code();
    assert_eq!(code, ReactionErrorCode::ReactionNotFound);
}

#[test]
fn v6_unknown_message_or_not_a_member() {
    both(
        "botId=39&messageId=999&reaction=fire",
        r#"{"botId":39,"messageId":999,"reaction":"fire"}"#,
        APP_ONE,
        Err(ReactionError::MessageNotFound),
    );
    both(
        "botId=39&messageId=2&reaction=fire",
        r#"{"botId":39,"messageId":2,"reaction":"fire"}"#,
        APP_ONE,
        Err(ReactionError::NotAMember),
    );
}

#[test]
fn v7_already_set_and_not_set() {
    let mut e = world::<4>();
    let fire = form("botId=39&messageId=1&reaction=fire");
    assert_eq!(add_on(&mut e, &fire, APP_ONE), Ok(()));
    let again = json(r#"{"botId":39,"messageId":1,"reaction":"fire"}"#);
    let refused = add_on(&mut e, &again, APP_ONE);
    assert_eq!(refused, Err(ReactionError::AlreadySet));
    let like = json(r#"{"BOTID":"39","MessageId":"1","REACTION":"like"}"#);
    let request = like.request(Some(APP_ONE));
    assert_eq!(
        e.delete_reaction(&request).map(drop),
        Err(ReactionError::NotSet)
    );
}

#[test]
fn v8_no_room_left() {
    let mut e = world::<2>();
    for code in ["like", "fire"] {
        let raw = std::format!("botId=39&messageId=1&reaction={code}");
        assert_eq!(add_on(&mut e, &form(&raw), APP_ONE), Ok(()), "{raw}");
    }
    let third = json(r#"{"botId":39,"messageId":1,"reaction":"eyes"}"#);
    let refused = add_on(&mut e, &third, APP_ONE);
    assert_eq!(refused, Err(ReactionError::ReactionsFull));
}

#[test]
fn success_from_both_sources() {
    both(
        "botId=39&messageId=1&reaction=redHeart",
        r#"{"botId":39.0,"messageId":"1","reaction":"redHeart"}"#,
        APP_ONE,
        Ok(()),
    );
}
