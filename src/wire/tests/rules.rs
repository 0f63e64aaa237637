//! The parser rule by rule: each case runs once from a form string and once
//! from a JSON object, and must reach the same rule with the same reason.

extern crate std;

use super::{APP_NONE, APP_ONE, APP_TWO, World, call, call_on, form, json, world};
use crate::wire::LikeParams;
use crate::{IdError, LikeError};

/// The form and the JSON spelling of one call, and what it must give.
fn both(form_raw: &str, json_raw: &str, app: crate::AppId, want: Result<bool, LikeError>) {
    assert_eq!(call(&form(form_raw), app), want, "form {form_raw}");
    assert_eq!(call(&json(json_raw), app), want, "json {json_raw}");
}

#[test]
fn rule_l1_unknown_bot() {
    let want = Err(LikeError::BotNotFound);
    both(
        "BOT_ID=999&MESSAGE_ID=1",
        r#"{"BOT_ID":999,"MESSAGE_ID":1}"#,
        APP_ONE,
        want,
    );
}

#[test]
fn rule_l1_bad_bot_id_wins_over_bad_message_id() {
    let want = Err(LikeError::BotIdInvalid(IdError::NotANumber));
    both(
        "MESSAGE_ID=x&BOT_ID=abc",
        r#"{"MESSAGE_ID":"x","BOT_ID":"abc"}"#,
        APP_ONE,
        want,
    );
    let want = Err(LikeError::BotIdInvalid(IdError::NotPositive));
    both(
        "BOT_ID=-3&MESSAGE_ID=",
        r#"{"BOT_ID":-3,"MESSAGE_ID":null}"#,
        APP_ONE,
        want,
    );
}

#[test]
fn rule_l1_every_kind_of_bad_bot_id() {
    let cases = [
        ("BOT_ID=", r#"{"BOT_ID":""}"#, IdError::Empty),
        ("BOT_ID=0", r#"{"BOT_ID":0}"#, IdError::NotPositive),
        (
            "BOT_ID=4294967296",
            r#"{"BOT_ID":4294967296}"#,
            IdError::TooLarge,
        ),
        ("BOT_ID=1.5", r#"{"BOT_ID":1.5}"#, IdError::NotANumber),
        ("BOT_ID=+39", r#"{"BOT_ID":" 39"}"#, IdError::NotANumber),
    ];
    for (f, j, reason) in cases {
        both(f, j, APP_ONE, Err(LikeError::BotIdInvalid(reason)));
    }
}

#[test]
fn rule_l1_json_only_values() {
    let cases = [
        (r#"{"BOT_ID":null}"#, IdError::Empty),
        (r#"{"BOT_ID":true}"#, IdError::NotANumber),
        (r#"{"BOT_ID":[39]}"#, IdError::NotANumber),
        (r#"{"BOT_ID":{"id":39}}"#, IdError::NotANumber),
        (r#"{"BOT_ID":1e30}"#, IdError::TooLarge),
        (r#"{"BOT_ID":-1e30}"#, IdError::NotPositive),
        (r#"{"BOT_ID":18446744073709551615}"#, IdError::TooLarge),
        (r#"{"BOT_ID":100000000000000000000000}"#, IdError::TooLarge),
    ];
    for (j, reason) in cases {
        assert_eq!(
            call(&json(j), APP_ONE),
            Err(LikeError::BotIdInvalid(reason)),
            "{j}"
        );
    }
}

#[test]
fn rule_l2_omitted_bot_id() {
    both(
        "MESSAGE_ID=1",
        r#"{"MESSAGE_ID":1}"#,
        APP_NONE,
        Err(LikeError::NoBotForApp),
    );
    both(
        "MESSAGE_ID=1",
        r#"{"MESSAGE_ID":1}"#,
        APP_TWO,
        Err(LikeError::BotIdRequired),
    );
    both("MESSAGE_ID=1", r#"{"MESSAGE_ID":1}"#, APP_ONE, Ok(true));
}

#[test]
fn rule_l3_foreign_bot_comes_before_a_bad_message_id() {
    let want = Err(LikeError::ForeignBot);
    both(
        "BOT_ID=40&MESSAGE_ID=1",
        r#"{"BOT_ID":40,"MESSAGE_ID":1}"#,
        APP_ONE,
        want,
    );
    both(
        "BOT_ID=40&MESSAGE_ID=x",
        r#"{"BOT_ID":"40","MESSAGE_ID":"x"}"#,
        APP_ONE,
        want,
    );
}

#[test]
fn rule_l4_message_id() {
    both(
        "BOT_ID=39",
        r#"{"BOT_ID":39}"#,
        APP_ONE,
        Err(LikeError::MessageIdMissing),
    );
    let cases = [
        ("MESSAGE_ID=", r#"{"MESSAGE_ID":""}"#, IdError::Empty),
        (
            "MESSAGE_ID=abc",
            r#"{"MESSAGE_ID":"abc"}"#,
            IdError::NotANumber,
        ),
        ("MESSAGE_ID=0", r#"{"MESSAGE_ID":0}"#, IdError::NotPositive),
        (
            "MESSAGE_ID=-1",
            r#"{"MESSAGE_ID":-1}"#,
            IdError::NotPositive,
        ),
        (
            "MESSAGE_ID=9223372036854775808",
            r#"{"MESSAGE_ID":9223372036854775808}"#,
            IdError::TooLarge,
        ),
        (
            "MESSAGE_ID=1.5",
            r#"{"MESSAGE_ID":1.5}"#,
            IdError::NotANumber,
        ),
    ];
    for (f, j, reason) in cases {
        both(f, j, APP_ONE, Err(LikeError::MessageIdInvalid(reason)));
    }
    let null = json(r#"{"MESSAGE_ID":null}"#);
    assert_eq!(
        call(&null, APP_ONE),
        Err(LikeError::MessageIdInvalid(IdError::Empty))
    );
}

#[test]
fn rule_l4_integral_float_is_the_integer() {
    assert_eq!(
        call(&json(r#"{"MESSAGE_ID":1.0,"BOT_ID":39.0}"#), APP_ONE),
        Ok(true)
    );
    let huge = json(r#"{"MESSAGE_ID":9223372036854775807}"#);
    assert_eq!(call(&huge, APP_ONE), Err(LikeError::MessageNotFound));
}

#[test]
fn rule_l5_action_values() {
    let mut e = world::<4>();
    let plus = [
        ("MESSAGE_ID=1&ACTION=PLUS", true),
        ("MESSAGE_ID=1&action=Minus", false),
    ];
    for (raw, set) in plus {
        assert_eq!(call_on(&mut e, &form(raw), APP_ONE), Ok(set), "{raw}");
    }
    // Anything else is auto: each call toggles.
    let autos = ["ACTION=bogus", "ACTION=", "", "ACTION=auto"];
    for (i, extra) in autos.iter().enumerate() {
        let raw = std::format!("MESSAGE_ID=1&{extra}");
        assert_eq!(
            call_on(&mut e, &form(&raw), APP_ONE),
            Ok(i % 2 == 0),
            "{raw}"
        );
    }
    let json_autos = [r#""ACTION":5"#, r#""ACTION":null"#, r#""ACTION":["plus"]"#];
    for (i, extra) in json_autos.iter().enumerate() {
        let raw = std::format!(r#"{{"MESSAGE_ID":1,{extra}}}"#);
        assert_eq!(
            call_on(&mut e, &json(&raw), APP_ONE),
            Ok(i % 2 == 0),
            "{raw}"
        );
    }
}

#[test]
fn rule_l6_unknown_message() {
    let want = Err(LikeError::MessageNotFound);
    both(
        "MESSAGE_ID=12345",
        r#"{"MESSAGE_ID":"12345"}"#,
        APP_ONE,
        want,
    );
}

#[test]
fn rule_l7_bot_not_in_the_chat() {
    let want = Err(LikeError::NotAMember);
    both(
        "BOT_ID=39&MESSAGE_ID=2",
        r#"{"BOT_ID":39,"MESSAGE_ID":2}"#,
        APP_ONE,
        want,
    );
}

#[test]
fn rule_l8_plus_twice_and_minus_unliked() {
    let mut e = world::<4>();
    let minus = json(r#"{"MESSAGE_ID":1,"ACTION":"minus"}"#);
    assert_eq!(call_on(&mut e, &minus, APP_ONE), Err(LikeError::NotLiked));
    let plus = form("MESSAGE_ID=1&ACTION=plus");
    assert_eq!(call_on(&mut e, &plus, APP_ONE), Ok(true));
    assert_eq!(
        call_on(&mut e, &plus, APP_ONE),
        Err(LikeError::AlreadyLiked)
    );
}

#[test]
fn rule_l9_full_like_set() {
    let mut e = world::<1>();
    let by_user = form("MESSAGE_ID=1&ACTION=plus").user_request(super::user(2));
    assert!(e.like_as_user(&by_user).is_ok());
    let plus = json(r#"{"MESSAGE_ID":1,"ACTION":"plus"}"#);
    assert_eq!(call_on(&mut e, &plus, APP_ONE), Err(LikeError::LikeSetFull));
}

#[test]
fn rule_l10_auto_toggles() {
    let mut e: World<4> = world();
    let auto = form("BOT_ID=39&MESSAGE_ID=1");
    assert_eq!(call_on(&mut e, &auto, APP_ONE), Ok(true));
    assert_eq!(
        call_on(&mut e, &json(r#"{"bot_id":39,"message_id":1}"#), APP_ONE),
        Ok(false)
    );
}

#[test]
fn user_variant_ignores_bot_id() {
    let mut e = world::<4>();
    let params = form("BOT_ID=abc&MESSAGE_ID=1&ACTION=plus");
    let outcome = e
        .like_as_user(&params.user_request(super::user(2)))
        .unwrap();
    assert_eq!(outcome.actor, super::user(2));
    let bad = LikeParams::from_pairs([("MESSAGE_ID", "")]);
    let refused = e.like_as_user(&bad.user_request(super::user(2)));
    assert_eq!(
        refused.err(),
        Some(LikeError::MessageIdInvalid(IdError::Empty))
    );
}
