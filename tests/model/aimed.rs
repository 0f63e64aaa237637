//! The strategies that aim steps at what the model's state holds.

use std::collections::BTreeSet;

use imbot_like::{Action, Arg, Reaction, UnknownReaction};
use proptest::prelude::*;
use proptest::sample::select;

use crate::common::{bot, msg};
use crate::reference::Model;
use crate::steps::{Step, Verb};
use crate::strategies::{any_action, any_caller, any_kind, any_message_arg, any_user, any_verb};
use crate::universe::{KINDS, MESSAGE_IDS};

/// Steps aimed at what the state holds, so that host transitions succeed
/// and fill the tables, and requests get past the early rules and reach
/// L7–L10 and V5–V8 often.
pub(crate) fn aimed_steps(model: &Model, steps: &mut Vec<(u32, BoxedStrategy<Step>)>) {
    let chats: Vec<u32> = model.chats.keys().copied().collect();
    if !chats.is_empty() {
        // Someone joins an open chat.
        steps.push((
            3,
            (select(chats), any_user())
                .prop_map(|(chat, user)| Step::JoinChat { chat, user })
                .boxed(),
        ));
    }

    let members: Vec<(u32, u32)> = model
        .chats
        .iter()
        .flat_map(|(&c, members)| members.iter().map(move |&u| (c, u)))
        .collect();
    if !members.is_empty() {
        // A member posts a new message in their chat, or leaves it.
        let free: Vec<u64> = MESSAGE_IDS
            .filter(|m| !model.messages.contains_key(m))
            .collect();
        steps.push((
            6,
            (select(free), select(members.clone()))
                .prop_map(|(message, (chat, author))| Step::PostMessage {
                    message,
                    chat,
                    author,
                })
                .boxed(),
        ));
        steps.push((
            2,
            select(members)
                .prop_map(|(chat, user)| Step::LeaveChat { chat, user })
                .boxed(),
        ));
    }

    let messages: Vec<u64> = model.messages.keys().copied().collect();
    if messages.is_empty() {
        return;
    }
    steps.push((
        1,
        select(messages.clone())
            .prop_map(|message| Step::DeleteMessage { message })
            .boxed(),
    ));

    let bots: Vec<(u32, u32)> = model.bots.iter().map(|(&b, &a)| (b, a)).collect();
    if !bots.is_empty() {
        // A registered bot joins the chat of a stored message.
        let chats_with_messages: Vec<u32> = model
            .messages
            .values()
            .map(|p| p.chat)
            .collect::<BTreeSet<u32>>()
            .into_iter()
            .collect();
        steps.push((
            3,
            (select(bots.clone()), select(chats_with_messages))
                .prop_map(|((bot, _), chat)| Step::JoinChat { chat, user: bot })
                .boxed(),
        ));
        // The owner of a registered bot likes a stored message through it,
        // naming the bot or leaving BOT_ID out.
        steps.push((
            10,
            (
                select(bots.clone()),
                any::<bool>(),
                select(messages.clone()),
                any_action(),
            )
                .prop_map(|((b, app), named, message, action)| Step::Like {
                    app: Some(app),
                    bot: if named {
                        Arg::Given(bot(b))
                    } else {
                        Arg::Omitted
                    },
                    message: Arg::Given(msg(message)),
                    action,
                })
                .boxed(),
        ));
        // A registered bot adds or deletes a reaction on a stored message,
        // mostly for its owner, sometimes for another caller (V3); the
        // reaction is mostly a kind, sometimes missing or unknown (V5).
        steps.push((
            8,
            (
                any_verb(),
                select(bots),
                proptest::bool::weighted(0.85),
                any_caller(),
                prop_oneof![
                    8 => select(messages).prop_map(|m| Arg::Given(msg(m))),
                    1 => any_message_arg(),
                ],
                prop_oneof![
                    18 => any_kind().prop_map(Arg::Given),
                    1 => Just(Arg::Omitted),
                    1 => Just(Arg::Invalid(UnknownReaction)),
                ],
            )
                .prop_map(
                    |(verb, (b, owner), owned, other, message, reaction)| Step::React {
                        verb,
                        app: if owned { Some(owner) } else { other },
                        bot: Arg::Given(bot(b)),
                        message,
                        reaction,
                    },
                )
                .boxed(),
        ));
    }

    // A registered bot in the chat of a stored message adds a kind it has
    // not set there yet, so that reaction sets fill up with mixed kinds
    // (V8, and L9 for the likes that follow).
    let reactors: Vec<(u32, u32, u64, Reaction)> = model
        .bots
        .iter()
        .flat_map(|(&b, &app)| {
            model.messages.iter().flat_map(move |(&m, post)| {
                let member = model
                    .chats
                    .get(&post.chat)
                    .is_some_and(|members| members.contains(&b));
                KINDS
                    .into_iter()
                    .filter(move |&kind| member && !post.has(kind, b))
                    .map(move |kind| (b, app, m, kind))
            })
        })
        .collect();
    if !reactors.is_empty() {
        steps.push((
            7,
            select(reactors)
                .prop_map(|(b, app, message, kind)| Step::React {
                    verb: Verb::Add,
                    app: Some(app),
                    bot: Arg::Given(bot(b)),
                    message: Arg::Given(msg(message)),
                    reaction: Arg::Given(kind),
                })
                .boxed(),
        ));
    }

    // A registered bot deletes a reaction it set, whether or not it is
    // still in the message's chat (V6), or adds it again (V7). For the
    // `like` kind it goes through either API: the legacy `minus` is the
    // delete of `like`, and `plus` its add.
    let setters: Vec<(u32, u32, u64, Reaction)> = model
        .messages
        .iter()
        .flat_map(|(&m, post)| {
            post.reactions
                .iter()
                .filter_map(move |&(kind, u)| model.bots.get(&u).map(|&app| (u, app, m, kind)))
        })
        .collect();
    if !setters.is_empty() {
        steps.push((
            5,
            (
                select(setters),
                proptest::bool::weighted(0.75),
                any::<bool>(),
            )
                .prop_map(|((b, app, message, kind), delete, legacy)| {
                    if legacy && kind == Reaction::Like {
                        Step::Like {
                            app: Some(app),
                            bot: Arg::Given(bot(b)),
                            message: Arg::Given(msg(message)),
                            action: if delete { Action::Minus } else { Action::Plus },
                        }
                    } else {
                        Step::React {
                            verb: if delete { Verb::Delete } else { Verb::Add },
                            app: Some(app),
                            bot: Arg::Given(bot(b)),
                            message: Arg::Given(msg(message)),
                            reaction: Arg::Given(kind),
                        }
                    }
                })
                .boxed(),
        ));
    }

    // A user likes a message of a chat they are in, or one they liked
    // before leaving.
    let likers: Vec<(u32, u64)> = model
        .messages
        .iter()
        .flat_map(|(&m, post)| {
            let members = model.chats.get(&post.chat).into_iter().flatten().copied();
            members.chain(post.likers()).map(move |u| (u, m))
        })
        .collect();
    if !likers.is_empty() {
        steps.push((
            12,
            (select(likers), any_action())
                .prop_map(|((user, message), action)| Step::LikeAsUser {
                    user,
                    message: Arg::Given(msg(message)),
                    action,
                })
                .boxed(),
        ));
    }

    // A member who does not like a message yet likes it, so that like sets
    // fill up (rule L9).
    let fans: Vec<(u32, u64)> = model
        .messages
        .iter()
        .flat_map(|(&m, post)| {
            let members = model.chats.get(&post.chat).into_iter().flatten();
            members
                .filter(|&&u| !post.has(Reaction::Like, u))
                .map(move |&u| (u, m))
        })
        .collect();
    if !fans.is_empty() {
        steps.push((
            6,
            (select(fans), select(&[Action::Plus, Action::Auto][..]))
                .prop_map(|((user, message), action)| Step::LikeAsUser {
                    user,
                    message: Arg::Given(msg(message)),
                    action,
                })
                .boxed(),
        ));
    }
}
