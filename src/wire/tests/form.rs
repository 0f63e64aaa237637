//! Form and query strings: names in any case, last value wins, percent and
//! `+` decoding, and the scratch buffer.

extern crate std;

use super::{bot, form, msg};
use crate::wire::{FormError, LikeParams, TextArg};
use crate::{Action, Arg, IdError};

#[test]
fn names_in_any_case_and_unknown_names_ignored() {
    let p = form("foo=1&bot_id=39&Message_Id=1&aCtIoN=minus&FOO_BAR=x&=&&x");
    assert_eq!(p.bot, Arg::Given(bot(39)));
    assert_eq!(p.message, Arg::Given(msg(1)));
    assert_eq!(p.action, Some(Action::Minus));
}

#[test]
fn the_last_value_of_a_name_wins_whatever_its_case() {
    let p = form("BOT_ID=40&bot_id=39&MESSAGE_ID=x&message_id=1");
    assert_eq!(p.bot, Arg::Given(bot(39)));
    assert_eq!(p.message, Arg::Given(msg(1)));
    let bad_last = form("MESSAGE_ID=1&MESSAGE_ID=x");
    assert_eq!(bad_last.message, Arg::Invalid(IdError::NotANumber));
}

#[test]
fn percent_and_plus_decoding() {
    let p = form("MESSAGE%5fID=%31%32&ACTION=pl%75s&auth=a+b%2Bc&CLIENT_ID=app%2Edemo");
    assert_eq!(p.message, Arg::Given(msg(12)));
    assert_eq!(p.action, Some(Action::Plus));
    assert_eq!(p.auth.as_str(), Some("a b+c"));
    assert_eq!(p.client_id.as_str(), Some("app.demo"));
}

#[test]
fn broken_escapes_are_kept_and_bad_utf8_is_no_id() {
    assert_eq!(form("auth=50%zz%4").auth.as_str(), Some("50%zz%4"));
    assert_eq!(
        form("MESSAGE_ID=%FF").message,
        Arg::Invalid(IdError::NotANumber)
    );
    assert_eq!(form("ACTION=%FF").action, Some(Action::Auto));
}

#[test]
fn a_name_with_no_equals_sign_has_an_empty_value() {
    assert_eq!(form("MESSAGE_ID").message, Arg::Invalid(IdError::Empty));
    assert_eq!(form("ACTION").action, Some(Action::Auto));
}

#[test]
fn overlong_text_is_invalid_not_truncated() {
    let long = "t".repeat(crate::wire::TEXT_CAPACITY + 1);
    let raw = std::format!("auth={long}");
    let mut scratch = [0u8; 512];
    let p = LikeParams::from_form(&raw, &mut scratch).unwrap();
    assert_eq!(p.auth, TextArg::Invalid);
}

#[test]
fn scratch_too_small_for_a_known_value_only() {
    let mut scratch = [0u8; 4];
    let unknown = "OTHER=0123456789&MESSAGE_ID=1";
    let p = LikeParams::from_form(unknown, &mut scratch).unwrap();
    assert_eq!(p.message, Arg::Given(msg(1)));
    let known = "MESSAGE_ID=1&auth=0123456789";
    let err = LikeParams::from_form(known, &mut scratch).unwrap_err();
    assert_eq!(err, FormError::ScratchTooSmall);
}

#[test]
fn pairs_are_read_as_sent() {
    let p = LikeParams::from_pairs([("BOT_ID", "39"), ("MESSAGE_ID", "1"), ("auth", "t")]);
    assert_eq!(p.bot, Arg::Given(bot(39)));
    assert_eq!(p.auth.as_str(), Some("t"));
    assert_eq!(p.action, None);
    assert_eq!(p.action_or_default(), Action::Auto);
}

#[test]
fn a_body_read_after_the_query_wins() {
    let mut scratch = [0u8; 64];
    let mut p = LikeParams::new();
    p.apply_form("MESSAGE_ID=1&ACTION=minus&auth=q", &mut scratch)
        .unwrap();
    p.apply_form("ACTION=plus", &mut scratch).unwrap();
    assert_eq!(p.action, Some(Action::Plus));
    assert_eq!(p.message, Arg::Given(msg(1)));
    assert_eq!(p.auth.as_str(), Some("q"));
}
