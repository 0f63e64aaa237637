//! JSON objects through serde: names in any case, duplicates, unknown and
//! nested values, text parameters, and inputs that are no object at all.

extern crate std;

use super::{bot, json, msg};
use crate::wire::{LikeParams, TextArg};
use crate::{Action, Arg, IdError};

#[test]
fn names_in_any_case_and_unknown_names_ignored() {
    let p = json(r#"{"Bot_Id":"39","message_id":1,"action":"PLUS","x":{"y":[1,{"z":null}]}}"#);
    assert_eq!(p.bot, Arg::Given(bot(39)));
    assert_eq!(p.message, Arg::Given(msg(1)));
    assert_eq!(p.action, Some(Action::Plus));
}

#[test]
fn the_last_duplicate_wins() {
    let p = json(r#"{"BOT_ID":40,"bot_id":39,"MESSAGE_ID":1,"MESSAGE_ID":"x"}"#);
    assert_eq!(p.bot, Arg::Given(bot(39)));
    assert_eq!(p.message, Arg::Invalid(IdError::NotANumber));
}

#[test]
fn escaped_names_and_values_are_read() {
    let p = json(r#"{"MESSAGE\u005fID":"\u0031","auth":"a\"b"}"#);
    assert_eq!(p.message, Arg::Given(msg(1)));
    assert_eq!(p.auth.as_str(), Some("a\"b"));
}

#[test]
fn text_parameters_must_be_strings() {
    let p = json(r#"{"auth":"t-demo","CLIENT_ID":"app.demo"}"#);
    assert_eq!(p.auth.as_str(), Some("t-demo"));
    assert_eq!(p.client_id.as_str(), Some("app.demo"));
    for value in ["1", "null", "true", "[\"t\"]", "{\"t\":1}"] {
        let raw = std::format!(r#"{{"auth":{value},"CLIENT_ID":{value}}}"#);
        let p = json(&raw);
        assert_eq!(
            (p.auth, p.client_id),
            (TextArg::Invalid, TextArg::Invalid),
            "{raw}"
        );
    }
}

#[test]
fn a_json_body_applied_after_the_query_wins() {
    let mut scratch = [0u8; 64];
    let mut p = LikeParams::from_form("MESSAGE_ID=2&auth=q", &mut scratch).unwrap();
    let mut de = serde_json::Deserializer::from_str(r#"{"MESSAGE_ID":1}"#);
    p.apply(&mut de).unwrap();
    assert_eq!(p.message, Arg::Given(msg(1)));
    assert_eq!(p.auth.as_str(), Some("q"));
}

#[test]
fn input_that_is_not_an_object_is_an_error() {
    for raw in [
        "[]",
        "1",
        "\"MESSAGE_ID\"",
        "null",
        "{",
        "{\"MESSAGE_ID\":}",
        "",
    ] {
        assert!(serde_json::from_str::<LikeParams>(raw).is_err(), "{raw}");
    }
}

#[test]
fn an_empty_object_sends_nothing() {
    assert_eq!(json("{}"), LikeParams::new());
}
