//! Exhaustive check of a small world: every request shape from every state
//! reachable in up to [`DEPTH`] requests agrees with the reference model
//! (`tests/model/reference.rs`), and no request by a stranger (a caller
//! whose application does not own the acting bot) or by a non-member of
//! the message's chat ever succeeds.
//!
//! The world, under both L2 policies: applications 1 and 2 own two bots
//! each (5 and 8; 6 and 7), application 3 owns none; users 1–4 are humans,
//! user 4 in no chat.
//!
//! | chat | members      | message | author |
//! | ---- | ------------ | ------- | ------ |
//! | 1    | 1, 2, 5, 6   | 1       | 1      |
//! | 2    | 3, 7, 8      | 2       | bot 7  |
//! | 3    | 1, 3, 5      | 3       | 3      |
//!
//! Each message holds at most two reactions, so full sets occur within the
//! depth. States are told apart by the model's reactions, versions and
//! pool mark; each new one is compared with the engine in full.

#[path = "common/mod.rs"]
mod common;
#[path = "model/harness.rs"]
mod harness;
#[path = "model/observe.rs"]
mod observe;
#[path = "model/reference.rs"]
mod reference;
#[path = "model/reply.rs"]
mod reply;
#[path = "model/steps.rs"]
mod steps;
#[path = "model/universe.rs"]
mod universe;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use imbot_like::{Action, Arg, BotPolicy, Capacity, IdError, Reaction, UnknownReaction, pool_for};

use common::{bot, msg};
use harness::Pair;
use reply::Reply;
use steps::{Step, Verb};

/// The world's sizing: room for the world, two reactions a message.
type World = Capacity<4, 4, 4, 4, 2, { pool_for(4, 2) }>;

/// Requests applied in a row from the initial state.
const DEPTH: usize = 3;

/// (bot, owning application).
const BOTS: [(u32, u32); 4] = [(5, 1), (8, 1), (6, 2), (7, 2)];
/// (chat, members).
const CHATS: [(u32, &[u32]); 3] = [(1, &[1, 2, 5, 6]), (2, &[3, 7, 8]), (3, &[1, 3, 5])];
/// (message, chat, author).
const MESSAGES: [(u64, u32, u32); 3] = [(1, 1, 1), (2, 2, 7), (3, 3, 3)];
/// Callers: no application, the two owners, and the application with no bot.
const CALLERS: [Option<u32>; 4] = [None, Some(1), Some(2), Some(3)];
/// An id no bot and no message has.
const UNKNOWN: u32 = 9;

/// The world, built through host transitions on both engine and model.
fn world(policy: BotPolicy) -> Pair<World> {
    let mut pair = Pair::new(policy);
    let mut setup: Vec<Step> = Vec::new();
    for (bot, app) in BOTS {
        setup.push(Step::RegisterBot { bot, app });
    }
    for (chat, members) in CHATS {
        let members = members.to_vec();
        setup.push(Step::OpenChat { chat, members });
    }
    for (message, chat, author) in MESSAGES {
        setup.push(Step::PostMessage {
            message,
            chat,
            author,
        });
    }
    for step in &setup {
        assert!(!pair.step(step, false).is_refused(), "{step:?} was refused");
    }
    pair
}

/// `BOT_ID` values: each bot, an unknown one, and none.
fn bot_args() -> Vec<Arg<imbot_like::BotId>> {
    let mut args: Vec<_> = BOTS.iter().map(|&(b, _)| Arg::Given(bot(b))).collect();
    args.push(Arg::Given(bot(UNKNOWN)));
    args.push(Arg::Omitted);
    args
}

/// `MESSAGE_ID` values: each message, an unknown one, and an invalid one.
fn message_args() -> Vec<Arg<imbot_like::MessageId>> {
    let mut args: Vec<_> = MESSAGES
        .iter()
        .map(|&(m, _, _)| Arg::Given(msg(m)))
        .collect();
    args.push(Arg::Given(msg(u64::from(UNKNOWN))));
    args.push(Arg::Invalid(IdError::NotANumber));
    args
}

const ACTIONS: [Action; 3] = [Action::Plus, Action::Minus, Action::Auto];

/// Every request shape of the world.
fn requests() -> Vec<Step> {
    let mut steps = Vec::new();
    for app in CALLERS {
        for bot in bot_args() {
            for message in message_args() {
                for action in ACTIONS {
                    steps.push(Step::Like {
                        app,
                        bot,
                        message,
                        action,
                    });
                }
                for verb in [Verb::Add, Verb::Delete] {
                    for reaction in [
                        Arg::Given(Reaction::Like),
                        Arg::Given(Reaction::RedHeart),
                        Arg::Invalid(UnknownReaction),
                    ] {
                        steps.push(Step::React {
                            verb,
                            app,
                            bot,
                            message,
                            reaction,
                        });
                    }
                }
            }
        }
    }
    for user in [1, 2, 3, 4, 5, 7] {
        for message in message_args() {
            for action in ACTIONS {
                steps.push(Step::LikeAsUser {
                    user,
                    message,
                    action,
                });
            }
        }
    }
    steps
}

/// The caller's application of a request, if it acts through a bot.
fn caller(step: &Step) -> Option<Option<u32>> {
    match step {
        Step::Like { app, .. } | Step::React { app, .. } => Some(*app),
        _ => None,
    }
}

/// The message a request names.
fn message(step: &Step) -> Option<u64> {
    match step {
        Step::Like { message, .. }
        | Step::LikeAsUser { message, .. }
        | Step::React { message, .. } => match message {
            Arg::Given(id) => Some(id.get()),
            _ => None,
        },
        _ => None,
    }
}

/// Asserts the authorization rules on a successful request: the acting
/// bot belongs to the caller's application (rules L1–L3, checks V1–V3),
/// and the actor is a member of the message's chat (rule L7, check V6).
fn assert_authorized(step: &Step, reply: &Reply) {
    let actor = match reply {
        Reply::Like(Ok(liked)) => liked.actor,
        Reply::React(Ok(reacted)) => reacted.actor,
        _ => return,
    };
    let owners: BTreeMap<u32, u32> = BOTS.into_iter().collect();
    if let Some(app) = caller(step) {
        assert!(
            app.is_some() && owners.get(&actor) == app.as_ref(),
            "a stranger's request succeeded: {step:?}"
        );
    }
    let id = message(step).unwrap_or_else(|| panic!("{step:?} succeeded without a message"));
    let chat = MESSAGES
        .iter()
        .find(|&&(m, _, _)| m == id)
        .map(|&(_, c, _)| c);
    let members = CHATS
        .iter()
        .find(|&&(c, _)| Some(c) == chat)
        .map(|&(_, m)| m);
    assert!(
        members.is_some_and(|m| m.contains(&actor)),
        "a non-member's request succeeded: {step:?}"
    );
}

/// A state as the model holds it: each message's version and reactions,
/// and the pool's mark.
type Key = (Vec<(u64, u32, BTreeSet<(Reaction, u32)>)>, usize);

fn key(pair: &Pair<World>) -> Key {
    let messages = pair.model.messages.iter();
    let posts = messages.map(|(&m, p)| (m, p.version, p.reactions.clone()));
    (posts.collect(), pair.model.pool.used)
}

/// What one exploration checked.
#[derive(Default, Debug)]
struct Count {
    states: usize,
    requests: usize,
    accepted: usize,
}

/// Explores every state reachable in up to [`DEPTH`] requests from the
/// world under `policy`.
fn explore(policy: BotPolicy) -> Count {
    let requests = requests();
    let start = world(policy);
    start.assert_same_state();
    let mut seen: HashSet<Key> = HashSet::from([key(&start)]);
    let mut frontier = vec![start];
    let mut count = Count {
        states: 1,
        ..Count::default()
    };
    for depth in 0..DEPTH {
        let mut next = Vec::new();
        for state in &frontier {
            for step in &requests {
                let mut pair = state.clone();
                let reply = pair.step(step, true);
                count.requests += 1;
                if reply.is_refused() {
                    continue;
                }
                count.accepted += 1;
                assert_authorized(step, &reply);
                if seen.insert(key(&pair)) {
                    pair.assert_same_state();
                    count.states += 1;
                    if depth + 1 < DEPTH {
                        next.push(pair);
                    }
                }
            }
        }
        frontier = next;
    }
    count
}

/// Rules L1–L10 and checks V1–V8 on every request shape, from every state
/// within three requests of the small world, under both L2 policies: the
/// engine agrees with the model, refusals change nothing, and strangers and
/// non-members never succeed.
#[test]
fn exhaustive_small_world_matches_reference_model() {
    let started = std::time::Instant::now();
    for policy in [BotPolicy::Strict, BotPolicy::PortalCompatible] {
        let count = explore(policy);
        eprintln!("exhaustive {policy:?}: {count:?}");
        assert!(count.states > 100, "too few states: {count:?}");
    }
    eprintln!("exhaustive: {:.1?}", started.elapsed());
}
