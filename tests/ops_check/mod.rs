//! The check of the `ops` fuzz target, shared with `tests/fuzz_seeds.rs`:
//! an input decodes (with `arbitrary`) into a sizing from the menu of
//! `tests/model/harness.rs`, an L2 policy and up to [`MAX_OPS`] operations;
//! each runs on the engine and on the reference model, and after every one
//! both must answer alike, a refused one must change nothing, and
//! everything the engine shows must match the model.
//!
//! Ids are decoded into the small universes of `tests/model/universe.rs`,
//! so inputs reach members, owners, full tables and full reaction sets;
//! requests may be sent under one of ten keys, and retried, so sizings
//! with a retry window fill it, forget keys and answer retries.

#[path = "../common/mod.rs"]
mod common;
#[path = "../model/harness.rs"]
mod harness;
#[path = "../model/observe.rs"]
mod observe;
#[path = "../model/reference.rs"]
mod reference;
#[path = "../model/reply.rs"]
mod reply;
#[path = "../model/steps.rs"]
mod steps;
#[path = "../model/universe.rs"]
mod universe;

use arbitrary::{Arbitrary, Unstructured};
use imbot_like::{
    Action, Arg, BotId, BotPolicy, IdError, MessageId, Reaction, Sizing, UnknownReaction,
};

use common::{bot, msg};
use harness::{Pair, WithSizing, with_sizing};
use steps::{Step, Verb};
use universe::KINDS;

/// The most operations one input runs.
pub const MAX_OPS: usize = 256;

/// A parameter as the fuzzer chooses it.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Param {
    Given(u8),
    Omitted,
    Invalid(u8),
}

/// An action code, or `Auto`.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Act {
    Plus,
    Minus,
    Auto,
}

/// One operation: a host transition or a request, with raw small ids.
#[derive(Debug, Clone, Arbitrary)]
enum Op {
    RegisterBot {
        bot: u8,
        app: u8,
    },
    UnregisterBot {
        bot: u8,
    },
    OpenChat {
        chat: u8,
        members: Vec<u8>,
    },
    CloseChat {
        chat: u8,
    },
    JoinChat {
        chat: u8,
        user: u8,
    },
    LeaveChat {
        chat: u8,
        user: u8,
    },
    PostMessage {
        message: u8,
        chat: u8,
        author: u8,
    },
    DeleteMessage {
        message: u8,
    },
    Like {
        app: Option<u8>,
        bot: Param,
        message: Param,
        action: Act,
    },
    LikeAsUser {
        user: u8,
        message: Param,
        action: Act,
    },
    React {
        add: bool,
        app: Option<u8>,
        bot: Param,
        message: Param,
        reaction: Param,
    },
    /// `call` sent under key number `key % 10 + 1` (a host transition
    /// stays unkeyed).
    Keyed {
        key: u8,
        call: Box<Op>,
    },
    /// The `back`-th latest keyed request sent again, key and request
    /// alike: a retry.
    Retry {
        back: u8,
    },
}

/// A user or bot id in 1..=8.
fn user_id(raw: u8) -> u32 {
    u32::from(raw % 8) + 1
}

/// A chat id in 1..=5.
fn chat_id(raw: u8) -> u32 {
    u32::from(raw % 5) + 1
}

/// A message id in 1..=10.
fn message_id(raw: u8) -> u64 {
    u64::from(raw % 10) + 1
}

/// An application handle in 0..=3.
fn app_id(raw: u8) -> u32 {
    u32::from(raw % 4)
}

fn id_error(raw: u8) -> IdError {
    match raw % 4 {
        0 => IdError::Empty,
        1 => IdError::NotANumber,
        2 => IdError::NotPositive,
        _ => IdError::TooLarge,
    }
}

fn bot_arg(param: Param) -> Arg<BotId> {
    match param {
        Param::Given(raw) => Arg::Given(bot(user_id(raw))),
        Param::Omitted => Arg::Omitted,
        Param::Invalid(raw) => Arg::Invalid(id_error(raw)),
    }
}

fn message_arg(param: Param) -> Arg<MessageId> {
    match param {
        Param::Given(raw) => Arg::Given(msg(message_id(raw))),
        Param::Omitted => Arg::Omitted,
        Param::Invalid(raw) => Arg::Invalid(id_error(raw)),
    }
}

fn reaction_arg(param: Param) -> Arg<Reaction, UnknownReaction> {
    match param {
        Param::Given(raw) => Arg::Given(KINDS[usize::from(raw) % KINDS.len()]),
        Param::Omitted => Arg::Omitted,
        Param::Invalid(_) => Arg::Invalid(UnknownReaction),
    }
}

fn action(act: Act) -> Action {
    match act {
        Act::Plus => Action::Plus,
        Act::Minus => Action::Minus,
        Act::Auto => Action::Auto,
    }
}

impl Op {
    /// The step this operation stands for, after `steps`; `None` for a
    /// retry with no keyed request before it.
    fn step(&self, steps: &[Step]) -> Option<Step> {
        match self {
            Op::Keyed { key, call } => {
                let call = call.step(steps)?;
                Some(Step::keyed(key % 10 + 1, call))
            }
            Op::Retry { back } => steps
                .iter()
                .rev()
                .filter(|step| matches!(step, Step::Keyed { .. }))
                .nth(usize::from(*back % 4))
                .cloned(),
            _ => self.unkeyed(),
        }
    }

    /// The step a host transition or an unkeyed request stands for.
    fn unkeyed(&self) -> Option<Step> {
        Some(match *self {
            Op::RegisterBot { bot, app } => Step::RegisterBot {
                bot: user_id(bot),
                app: app_id(app),
            },
            Op::UnregisterBot { bot } => Step::UnregisterBot { bot: user_id(bot) },
            Op::OpenChat { chat, ref members } => Step::OpenChat {
                chat: chat_id(chat),
                members: members.iter().map(|&u| user_id(u)).collect(),
            },
            Op::CloseChat { chat } => Step::CloseChat {
                chat: chat_id(chat),
            },
            Op::JoinChat { chat, user } => Step::JoinChat {
                chat: chat_id(chat),
                user: user_id(user),
            },
            Op::LeaveChat { chat, user } => Step::LeaveChat {
                chat: chat_id(chat),
                user: user_id(user),
            },
            Op::PostMessage {
                message,
                chat,
                author,
            } => Step::PostMessage {
                message: message_id(message),
                chat: chat_id(chat),
                author: user_id(author),
            },
            Op::DeleteMessage { message } => Step::DeleteMessage {
                message: message_id(message),
            },
            Op::Like {
                app,
                bot,
                message,
                action: act,
            } => Step::Like {
                app: app.map(app_id),
                bot: bot_arg(bot),
                message: message_arg(message),
                action: action(act),
            },
            Op::LikeAsUser {
                user,
                message,
                action: act,
            } => Step::LikeAsUser {
                user: user_id(user),
                message: message_arg(message),
                action: action(act),
            },
            Op::React {
                add,
                app,
                bot,
                message,
                reaction,
            } => Step::React {
                verb: if add { Verb::Add } else { Verb::Delete },
                app: app.map(app_id),
                bot: bot_arg(bot),
                message: message_arg(message),
                reaction: reaction_arg(reaction),
            },
            Op::Keyed { .. } | Op::Retry { .. } => return None,
        })
    }
}

/// A decoded input: its policy and steps, run with one sizing.
struct Case {
    policy: BotPolicy,
    steps: Vec<Step>,
}

impl WithSizing for Case {
    type Output = ();

    fn run<S: Sizing>(self) {
        let mut pair = Pair::<S>::new(self.policy);
        for step in &self.steps {
            pair.step(step, true);
            pair.assert_same_state();
        }
    }
}

/// Decodes `data` and runs it on the engine and the model; panics on any
/// difference. Returns how many operations ran.
pub fn check(data: &[u8]) -> usize {
    let mut input = Unstructured::new(data);
    let sizing = u8::arbitrary(&mut input).unwrap_or(0);
    let strict = bool::arbitrary(&mut input).unwrap_or(false);
    let mut steps = Vec::new();
    while steps.len() < MAX_OPS && !input.is_empty() {
        match Op::arbitrary(&mut input) {
            Ok(op) => steps.extend(op.step(&steps)),
            Err(_) => break,
        }
    }
    let policy = if strict {
        BotPolicy::Strict
    } else {
        BotPolicy::PortalCompatible
    };
    let count = steps.len();
    with_sizing(usize::from(sizing), Case { policy, steps });
    count
}
