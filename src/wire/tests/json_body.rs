//! Raw JSON bodies: one answer per malformed body, whichever members the
//! method reads, and one contract error per malformed number (the cases
//! of the wire layer's "JSON bodies" table, one test each).

extern crate std;

use std::format;
use std::string::String;
use std::vec::Vec;

use super::{APP_ONE, bot, call, msg};
use crate::wire::{JsonError, LikeParams, Params, ReactionParams};
use crate::{Arg, BotId, ErrorCode, IdError, MessageId, ReactionErrorCode};

/// The like parameters of a body, or its error.
fn like(body: &[u8]) -> Result<LikeParams, JsonError> {
    let mut scratch = [0u8; 256];
    LikeParams::from_json(body, &mut scratch)
}

/// The reaction parameters of a body, or its error.
fn reaction(body: &[u8]) -> Result<ReactionParams, JsonError> {
    let mut scratch = [0u8; 256];
    ReactionParams::from_json(body, &mut scratch)
}

/// A valid call body with `extra` as one more member the method does not
/// read.
fn with_unread(extra: &[u8]) -> Vec<u8> {
    let mut body = br#"{"BOT_ID":39,"MESSAGE_ID":1,"unread":"#.to_vec();
    body.extend_from_slice(extra);
    body.push(b'}');
    body
}

#[test]
fn invalid_utf8_in_an_unread_member_is_not_utf8() {
    let body = with_unread(b"\"\xff\"");
    assert_eq!(like(&body), Err(JsonError::NotUtf8));
    assert_eq!(reaction(&body), Err(JsonError::NotUtf8));
}

#[test]
fn invalid_utf8_in_a_read_member_is_not_utf8() {
    assert_eq!(like(b"{\"auth\":\"\xc3\x28\"}"), Err(JsonError::NotUtf8));
}

#[test]
fn a_grammar_error_in_an_unread_member_is_syntax() {
    for bad in [
        &b"[1,]"[..],
        b"01",
        b"1.",
        b"-",
        b"tru",
        b"\"\\x\"",
        b"\"a\tb\"",
        b"{\"a\" 1}",
        b"[1 2]",
        b"'x'",
    ] {
        let body = with_unread(bad);
        assert_eq!(like(&body), Err(JsonError::Syntax), "{body:?}");
        assert_eq!(reaction(&body), Err(JsonError::Syntax), "{body:?}");
    }
}

#[test]
fn a_lone_surrogate_escape_is_syntax() {
    for bad in [r#""\ud800""#, r#""\udc00""#, r#""\ud800\u0041""#] {
        assert_eq!(like(&with_unread(bad.as_bytes())), Err(JsonError::Syntax));
    }
    let pair = like(&with_unread(br#""\ud83d\ude00""#));
    assert!(pair.is_ok());
}

#[test]
fn text_after_the_object_is_syntax() {
    assert_eq!(like(br#"{"MESSAGE_ID":1} x"#), Err(JsonError::Syntax));
    assert_eq!(like(br#"{"MESSAGE_ID":1}{}"#), Err(JsonError::Syntax));
    assert_eq!(like(br#"{"MESSAGE_ID":1"#), Err(JsonError::Syntax));
    assert_eq!(like(b"").map(|_| ()), Err(JsonError::Syntax));
    assert!(like(b" \n{\"MESSAGE_ID\":1}\r\n\t").is_ok());
}

#[test]
fn a_value_that_is_no_object_is_not_an_object() {
    for body in ["[]", "1", "\"MESSAGE_ID\"", "null", " true "] {
        assert_eq!(like(body.as_bytes()), Err(JsonError::NotAnObject), "{body}");
    }
}

#[test]
fn nesting_deeper_than_128_levels_is_too_deep() {
    let nested = |depth: usize| {
        let mut extra = String::new();
        extra.extend(core::iter::repeat_n('[', depth));
        extra.extend(core::iter::repeat_n(']', depth));
        with_unread(extra.as_bytes())
    };
    assert!(like(&nested(128)).is_ok());
    assert_eq!(like(&nested(129)), Err(JsonError::TooDeep));
    assert_eq!(like(&nested(100_000)), Err(JsonError::TooDeep));
}

#[test]
fn a_read_value_longer_than_the_scratch_buffer_records_nothing() {
    let mut params = LikeParams::new();
    params.set("MESSAGE_ID", "2");
    let mut scratch = [0u8; 4];
    let body = br#"{"MESSAGE_ID":1,"auth":"12345"}"#;
    assert_eq!(
        params.apply_json(body, &mut scratch),
        Err(JsonError::ScratchTooSmall)
    );
    assert_eq!(params.message, Arg::Given(msg(2)));
    // An unread value is never decoded, so it needs no room.
    let body = br#"{"MESSAGE_ID":1,"other":"123456789"}"#;
    assert!(params.apply_json(body, &mut scratch).is_ok());
    assert_eq!(params.message, Arg::Given(msg(1)));
}

#[test]
fn integral_numbers_in_any_notation_are_the_id() {
    for value in ["39", "39.0", "3.9e1", "390e-1", "0.39E+2", "39.000e0"] {
        let p = like(format!(r#"{{"BOT_ID":{value}}}"#).as_bytes()).unwrap();
        assert_eq!(p.bot, Arg::Given(bot(39)), "{value}");
    }
}

#[test]
fn numbers_are_read_exactly_not_through_a_float() {
    let p = like(br#"{"MESSAGE_ID":9007199254740993.0}"#).unwrap();
    assert_eq!(p.message, Arg::Given(msg(9_007_199_254_740_993)));
    let p = like(br#"{"MESSAGE_ID":9223372036854775807}"#).unwrap();
    assert_eq!(p.message, Arg::Given(msg(9_223_372_036_854_775_807)));
}

#[test]
fn a_number_with_a_fraction_is_not_a_number() {
    for value in ["1.5", "1e-3", "-1.5", "39.01", "1e-400"] {
        let p = like(format!(r#"{{"BOT_ID":{value},"MESSAGE_ID":{value}}}"#).as_bytes()).unwrap();
        assert_eq!(p.bot, Arg::Invalid(IdError::NotANumber), "{value}");
        assert_eq!(p.message, Arg::Invalid(IdError::NotANumber), "{value}");
    }
}

#[test]
fn zero_or_a_negative_integer_is_not_positive() {
    for value in ["0", "-0", "-0.0", "0e5", "-1", "-1e400", "-39.0"] {
        let p = like(format!(r#"{{"BOT_ID":{value},"MESSAGE_ID":{value}}}"#).as_bytes()).unwrap();
        assert_eq!(p.bot, Arg::Invalid(IdError::NotPositive), "{value}");
        assert_eq!(p.message, Arg::Invalid(IdError::NotPositive), "{value}");
    }
}

#[test]
fn an_integer_beyond_the_range_is_too_large() {
    let bot_too_large: Arg<BotId> = Arg::Invalid(IdError::TooLarge);
    let message_too_large: Arg<MessageId> = Arg::Invalid(IdError::TooLarge);
    for value in [
        "4294967296",
        "1e10",
        "1e400",
        "1.5e400",
        "1e99999999999999999999",
    ] {
        let p = like(format!(r#"{{"BOT_ID":{value}}}"#).as_bytes()).unwrap();
        assert_eq!(p.bot, bot_too_large, "{value}");
    }
    for value in [
        "9223372036854775808",
        "1e19",
        "1e400",
        "18446744073709551616",
    ] {
        let p = like(format!(r#"{{"MESSAGE_ID":{value}}}"#).as_bytes()).unwrap();
        assert_eq!(p.message, message_too_large, "{value}");
    }
}

#[test]
fn rule_l1_an_out_of_range_bot_id_is_bot_id_error() {
    let p = like(br#"{"BOT_ID":1e400,"MESSAGE_ID":1}"#).unwrap();
    let err = call(&p, APP_ONE).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BotIdError);
}

#[test]
fn rule_l4_an_out_of_range_message_id_is_message_id_error() {
    let p = like(br#"{"BOT_ID":39,"MESSAGE_ID":1e400}"#).unwrap();
    let err = call(&p, APP_ONE).unwrap_err();
    assert_eq!(err.code(), ErrorCode::MessageIdError);
}

#[test]
fn v2_out_of_range_ids_are_decided_at_v1_and_v4() {
    let p = reaction(br#"{"botId":1e400,"messageId":1,"reaction":"like"}"#).unwrap();
    assert_eq!(p.bot, Arg::Invalid(IdError::TooLarge));
    let mut e = super::world::<4>();
    let err = e.add_reaction(&p.request(Some(APP_ONE))).unwrap_err();
    assert_eq!(err.code(), ReactionErrorCode::BotNotFound);

    let p = reaction(br#"{"botId":39,"messageId":1e400,"reaction":"like"}"#).unwrap();
    assert_eq!(p.message, Arg::Invalid(IdError::TooLarge));
    let err = e.add_reaction(&p.request(Some(APP_ONE))).unwrap_err();
    assert_eq!(err.code(), ReactionErrorCode::AccessDenied);
}

#[test]
fn escapes_in_names_and_values_are_decoded() {
    let p = like(br#"{"MESSAGE\u005fID":"\u0031","auth":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}"#)
        .unwrap();
    assert_eq!(p.message, Arg::Given(msg(1)));
    assert_eq!(
        p.auth.as_str(),
        Some("a\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{1f600}")
    );
}

#[test]
fn surrogate_pairs_in_every_supplementary_plane_are_decoded() {
    for (escaped, decoded) in [
        (r"\ud800\udc00", "\u{10000}"),
        (r"\ud845\ude00", "\u{21600}"),
        (r"\udbff\udfff", "\u{10ffff}"),
    ] {
        let p = like(format!(r#"{{"auth":"{escaped}"}}"#).as_bytes()).unwrap();
        assert_eq!(p.auth.as_str(), Some(decoded), "{escaped}");
    }
}

#[test]
fn a_failed_body_leaves_earlier_parameters_as_they_were() {
    let mut scratch = [0u8; 64];
    let mut p = LikeParams::from_form("MESSAGE_ID=2", &mut scratch).unwrap();
    let body = br#"{"MESSAGE_ID":1,"x":[}"#;
    assert_eq!(p.apply_json(body, &mut scratch), Err(JsonError::Syntax));
    assert_eq!(p.message, Arg::Given(msg(2)));
}

#[test]
fn every_name_in_a_table_has_a_slot() {
    fn check<P: Params>() {
        let mut p = P::default();
        for index in 0..P::NAMES.len() {
            assert!(p.slot(index).is_some(), "{}", P::NAMES[index]);
        }
        assert!(p.slot(P::NAMES.len()).is_none());
    }
    check::<LikeParams>();
    check::<ReactionParams>();
}
