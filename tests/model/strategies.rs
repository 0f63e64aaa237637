//! The strategies that draw steps from the whole id universes, whatever
//! the state.

use imbot_like::{Action, Arg, BotId, IdError, MessageId, Reaction, UnknownReaction};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;

use crate::common::{bot, msg};
use crate::reference::Model;
use crate::steps::{Step, Verb};
use crate::universe::{APP_IDS, CHAT_IDS, KINDS, MESSAGE_IDS, USER_IDS};

pub(crate) fn any_user() -> impl Strategy<Value = u32> {
    USER_IDS
}

fn any_chat() -> impl Strategy<Value = u32> {
    CHAT_IDS
}

fn any_message() -> impl Strategy<Value = u64> {
    MESSAGE_IDS
}

pub(crate) fn any_action() -> impl Strategy<Value = Action> {
    select(&[Action::Plus, Action::Minus, Action::Auto][..])
}

fn any_id_error() -> impl Strategy<Value = IdError> {
    select(
        &[
            IdError::Empty,
            IdError::NotANumber,
            IdError::NotPositive,
            IdError::TooLarge,
        ][..],
    )
}

/// A caller: one of the applications, or none.
pub(crate) fn any_caller() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![1 => Just(None), 4 => APP_IDS.prop_map(Some)]
}

/// A `BOT_ID` parameter: a bot id, omitted, or not a valid id.
fn any_bot_arg() -> impl Strategy<Value = Arg<BotId>> {
    prop_oneof![
        6 => any_user().prop_map(|b| Arg::Given(bot(b))),
        3 => Just(Arg::Omitted),
        1 => any_id_error().prop_map(Arg::Invalid),
    ]
}

/// A `MESSAGE_ID` parameter: a message id, omitted, or not a valid id.
pub(crate) fn any_message_arg() -> impl Strategy<Value = Arg<MessageId>> {
    prop_oneof![
        8 => any_message().prop_map(|m| Arg::Given(msg(m))),
        1 => Just(Arg::Omitted),
        1 => any_id_error().prop_map(Arg::Invalid),
    ]
}

/// A reaction kind from [`KINDS`].
pub(crate) fn any_kind() -> impl Strategy<Value = Reaction> {
    select(&KINDS[..])
}

pub(crate) fn any_verb() -> impl Strategy<Value = Verb> {
    select(&[Verb::Add, Verb::Delete][..])
}

/// A `reaction` parameter: a kind, omitted, or not a known code.
fn any_reaction_arg() -> impl Strategy<Value = Arg<Reaction, UnknownReaction>> {
    prop_oneof![
        8 => any_kind().prop_map(Arg::Given),
        1 => Just(Arg::Omitted),
        1 => Just(Arg::Invalid(UnknownReaction)),
    ]
}

/// Steps drawn from the whole universes, whatever the state.
fn blind_steps() -> Vec<(u32, BoxedStrategy<Step>)> {
    vec![
        (
            4,
            (any_user(), APP_IDS)
                .prop_map(|(bot, app)| Step::RegisterBot { bot, app })
                .boxed(),
        ),
        (
            2,
            any_user()
                .prop_map(|bot| Step::UnregisterBot { bot })
                .boxed(),
        ),
        (
            4,
            (any_chat(), proptest::collection::vec(any_user(), 0..=6))
                .prop_map(|(chat, members)| Step::OpenChat { chat, members })
                .boxed(),
        ),
        (
            1,
            any_chat().prop_map(|chat| Step::CloseChat { chat }).boxed(),
        ),
        (
            2,
            (any_chat(), any_user())
                .prop_map(|(chat, user)| Step::JoinChat { chat, user })
                .boxed(),
        ),
        (
            1,
            (any_chat(), any_user())
                .prop_map(|(chat, user)| Step::LeaveChat { chat, user })
                .boxed(),
        ),
        (
            2,
            (any_message(), any_chat(), any_user())
                .prop_map(|(message, chat, author)| Step::PostMessage {
                    message,
                    chat,
                    author,
                })
                .boxed(),
        ),
        (
            1,
            any_message()
                .prop_map(|message| Step::DeleteMessage { message })
                .boxed(),
        ),
        (
            5,
            (any_caller(), any_bot_arg(), any_message_arg(), any_action())
                .prop_map(|(app, bot, message, action)| Step::Like {
                    app,
                    bot,
                    message,
                    action,
                })
                .boxed(),
        ),
        (
            3,
            (any_user(), any_message_arg(), any_action())
                .prop_map(|(user, message, action)| Step::LikeAsUser {
                    user,
                    message,
                    action,
                })
                .boxed(),
        ),
        (
            5,
            (
                any_verb(),
                any_caller(),
                any_bot_arg(),
                any_message_arg(),
                any_reaction_arg(),
            )
                .prop_map(|(verb, app, bot, message, reaction)| Step::React {
                    verb,
                    app,
                    bot,
                    message,
                    reaction,
                })
                .boxed(),
        ),
    ]
}

thread_local! {
    /// [`blind_steps`], built once: they do not depend on the state.
    pub(crate) static BLIND_STEPS: Vec<(u32, BoxedStrategy<Step>)> = blind_steps();
}

/// Key numbers: few, so keys come back often, with the request they were
/// first sent with or with another.
pub(crate) const KEY_NUMBERS: std::ops::RangeInclusive<u8> = 1..=6;

/// `steps`, with some requests sent under a key and some retries: a key
/// the model's window remembers, sent again with its own request.
pub(crate) fn with_keys(state: &Model, steps: BoxedStrategy<Step>) -> BoxedStrategy<Step> {
    let keyed = (KEY_NUMBERS, steps.clone())
        .prop_map(|(key, call)| Step::keyed(key, call))
        .boxed();
    let mut options = vec![(6, steps), (3, keyed)];
    let retries: Vec<Step> = state
        .window
        .iter()
        .map(|(key, call, _)| Step::keyed(*key, call.clone()))
        .collect();
    if !retries.is_empty() {
        options.push((1, select(retries).boxed()));
    }
    Union::new_weighted(options).boxed()
}
