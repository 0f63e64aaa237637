//! `ReactionParams` from every source: camelCase names in any case, last
//! value wins, decoding, `botToken`, and the request it makes.

extern crate std;

use super::{bot, msg, rform as form, rjson as json};
use crate::wire::{LikeParams, Params, ReactionParams, TEXT_CAPACITY, TextArg};
use crate::{AppId, Arg, IdError, Reaction, ReactionErrorCode, ReactionRequest, UnknownReaction};

#[test]
fn camel_case_names_in_any_case_and_unknown_names_ignored() {
    let want = ReactionParams {
        bot: Arg::Given(bot(39)),
        message: Arg::Given(msg(1)),
        reaction: Arg::Given(Reaction::Fire),
        bot_token: TextArg::new("s"),
        client_id: TextArg::new("app.demo"),
        auth: TextArg::new("t"),
    };
    let raw = "BOTID=39&messageid=1&Reaction=fire&BOTTOKEN=s&client_id=app.demo&AUTH=t&x=1";
    assert_eq!(form(raw), want);
    let raw = r#"{"botid":39,"MESSAGEID":1,"reaction":"fire","bottoken":"s","CLIENT_ID":"app.demo","auth":"t","x":{"y":[1]}}"#;
    assert_eq!(json(raw), want);
}

#[test]
fn legacy_names_are_not_read() {
    let p = form("BOT_ID=39&MESSAGE_ID=1&ACTION=plus&BOT_TOKEN=s");
    assert_eq!(p, ReactionParams::new());
    let p = json(r#"{"BOT_ID":39,"MESSAGE_ID":1,"bot_token":"s"}"#);
    assert_eq!(p, ReactionParams::new());
}

#[test]
fn the_last_value_of_a_name_wins() {
    let p = form("botId=40&BOTID=39&reaction=like&reaction=nope");
    assert_eq!(p.bot, Arg::Given(bot(39)));
    assert_eq!(p.reaction, Arg::Invalid(UnknownReaction));
    let p = json(r#"{"reaction":"nope","Reaction":"like","messageId":"x","messageid":2}"#);
    assert_eq!(p.reaction, Arg::Given(Reaction::Like));
    assert_eq!(p.message, Arg::Given(msg(2)));
}

#[test]
fn a_body_read_after_the_query_wins() {
    let mut scratch = [0u8; 64];
    let mut p = ReactionParams::from_form("messageId=2&botToken=q", &mut scratch).unwrap();
    let mut de = serde_json::Deserializer::from_str(r#"{"messageId":1,"reaction":"eyes"}"#);
    p.apply(&mut de).unwrap();
    assert_eq!(p.message, Arg::Given(msg(1)));
    assert_eq!(p.reaction, Arg::Given(Reaction::Eyes));
    assert_eq!(p.bot_token.as_str(), Some("q"));
}

#[test]
fn percent_and_plus_decoding() {
    let p = form("message%49d=%31&reaction=red%48eart&botToken=a+b%2Bc");
    assert_eq!(p.message, Arg::Given(msg(1)));
    assert_eq!(p.reaction, Arg::Given(Reaction::RedHeart));
    assert_eq!(p.bot_token.as_str(), Some("a b+c"));
    assert_eq!(
        form("messageId=%FF").message,
        Arg::Invalid(IdError::NotANumber)
    );
}

#[test]
fn every_reaction_code_is_read_from_both_sources() {
    for &kind in Reaction::ALL {
        let raw = std::format!("reaction={}", kind.code());
        assert_eq!(form(&raw).reaction, Arg::Given(kind), "{raw}");
        let raw = std::format!(r#"{{"reaction":"{}"}}"#, kind.code());
        assert_eq!(json(&raw).reaction, Arg::Given(kind), "{raw}");
    }
}

#[test]
fn pairs_and_the_generic_trait() {
    let p = ReactionParams::from_pairs([("botId", "39"), ("reaction", "poo"), ("auth", "t")]);
    assert_eq!(p.reaction, Arg::Given(Reaction::Poo));
    assert_eq!(Params::auth(&p).as_str(), Some("t"));
    fn client<P: Params>(raw: &str) -> TextArg {
        let mut scratch = [0u8; 64];
        P::from_form(raw, &mut scratch).unwrap().client_id().clone()
    }
    assert_eq!(client::<ReactionParams>("CLIENT_ID=a").as_str(), Some("a"));
    assert_eq!(client::<LikeParams>("client_id=b").as_str(), Some("b"));
}

#[test]
fn bot_token_for_a_webhook_call() {
    let missing = Err(ReactionErrorCode::BotTokenNotSpecified);
    assert_eq!(form("botId=39").webhook_bot_token(), missing);
    assert_eq!(form("botToken=").webhook_bot_token(), missing);
    assert_eq!(json(r#"{"botToken":""}"#).webhook_bot_token(), missing);
    assert_eq!(form("BotToken=s").webhook_bot_token(), Ok(Some("s")));
    // Sent, but no token looks like that: it matches none.
    for value in ["1", "null", "[\"s\"]"] {
        let raw = std::format!(r#"{{"botToken":{value}}}"#);
        assert_eq!(json(&raw).webhook_bot_token(), Ok(None), "{raw}");
    }
    let long = std::format!("botToken={}", "s".repeat(TEXT_CAPACITY + 1));
    let mut scratch = [0u8; 512];
    let p = ReactionParams::from_form(&long, &mut scratch).unwrap();
    assert_eq!(p.webhook_bot_token(), Ok(None));
}

#[test]
fn the_request_carries_the_callers_app() {
    let p = form("botId=39&messageId=x&reaction=nope");
    let want = ReactionRequest::new(
        bot(39),
        Arg::Invalid(IdError::NotANumber),
        Arg::Invalid(UnknownReaction),
    );
    assert_eq!(p.request(None), want);
    assert_eq!(p.request(Some(AppId(1))), want.app(AppId(1)));
}

#[test]
fn input_that_is_not_an_object_is_an_error() {
    for raw in ["[]", "1", "null", "{", "{\"botId\":}", ""] {
        assert!(
            serde_json::from_str::<ReactionParams>(raw).is_err(),
            "{raw}"
        );
    }
    assert_eq!(json("{}"), ReactionParams::new());
}
