//! Tests of the wire layer: the like and reaction parsers rule by rule from
//! both sources (form text and JSON), the response bodies as golden JSON,
//! and the application directory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod apps;
mod form;
mod json;
mod json_body;
mod reaction_checks;
mod reaction_params;
mod response;
mod rules;

use crate::wire::{LikeParams, Params, ReactionParams};
use crate::{AppId, BotId, BotPolicy, Capacity, ChatId, Engine, LikeError, MessageId, UserId};

/// A small engine; `L` (at most 64) is the like set's capacity. The pool
/// holds the most 8 messages of up to 64 reactions could use.
type World<const L: usize> = Engine<Capacity<4, 4, 4, 8, L, 1024>>;

/// App 1 owns bot 39; app 2 owns bots 40 and 41; app 3 owns none.
const APP_ONE: AppId = AppId(1);
const APP_TWO: AppId = AppId(2);
const APP_NONE: AppId = AppId(3);

fn user(id: u32) -> UserId {
    UserId::new(id).unwrap()
}

fn bot(id: u32) -> BotId {
    BotId::new(id).unwrap()
}

fn msg(id: u64) -> MessageId {
    MessageId::new(id).unwrap()
}

/// Chat 7 holds users 1, 2 and bots 39, 40; chat 8 holds user 1 and bot
/// 41. Message 1 (by user 1) is in chat 7, message 2 (by user 1) in chat 8.
fn world<const L: usize>() -> World<L> {
    let mut e = World::<L>::with_policy(BotPolicy::Strict);
    e.register_bot(bot(39), APP_ONE).unwrap();
    e.register_bot(bot(40), APP_TWO).unwrap();
    e.register_bot(bot(41), APP_TWO).unwrap();
    let seven = ChatId::new(7).unwrap();
    let eight = ChatId::new(8).unwrap();
    e.open_chat(seven, &[user(1), user(2), bot(39).user(), bot(40).user()])
        .unwrap();
    e.open_chat(eight, &[user(1), bot(41).user()]).unwrap();
    e.post_message(msg(1), seven, user(1)).unwrap();
    e.post_message(msg(2), eight, user(1)).unwrap();
    e
}

/// A parameter set from a raw form string.
fn form_as<P: Params>(raw: &str) -> P {
    let mut scratch = [0u8; 256];
    P::from_form(raw, &mut scratch).unwrap()
}

/// A parameter set from a JSON body; the serde path must read the same.
fn json_as<P: Params + serde::de::DeserializeOwned + PartialEq + core::fmt::Debug>(raw: &str) -> P {
    let mut scratch = [0u8; 256];
    let params = P::from_json(raw.as_bytes(), &mut scratch).unwrap();
    let through_serde: P = serde_json::from_str(raw).unwrap();
    assert_eq!(params, through_serde, "{raw}");
    params
}

/// Like parameters from a raw form string.
fn form(raw: &str) -> LikeParams {
    form_as(raw)
}

/// Like parameters from a JSON object.
fn json(raw: &str) -> LikeParams {
    json_as(raw)
}

/// Reaction parameters from a raw form string.
fn rform(raw: &str) -> ReactionParams {
    form_as(raw)
}

/// Reaction parameters from a JSON object.
fn rjson(raw: &str) -> ReactionParams {
    json_as(raw)
}

/// Runs a bot call from `app` on a fresh world; `Ok` is whether the like
/// is now set.
fn call(params: &LikeParams, app: AppId) -> Result<bool, LikeError> {
    let mut e = world::<4>();
    call_on(&mut e, params, app)
}

/// Runs a bot call on `e`; `Ok` is whether the like is now set.
fn call_on<const L: usize>(
    e: &mut World<L>,
    params: &LikeParams,
    app: AppId,
) -> Result<bool, LikeError> {
    let outcome = e.like(&params.like_request(Some(app)))?;
    Ok(outcome.change == crate::Change::Set)
}
