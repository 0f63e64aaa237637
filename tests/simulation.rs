//! Deterministic simulation: seeded random runs of every host transition,
//! both like variants and the v2 reaction requests against the reference
//! model (`tests/model/reference.rs`), over a menu of small sizings, one of
//! them with a reaction pool that runs out and three with a retry window
//! (of 2, 4 and 8 keys) that keyed requests and their retries fill.
//!
//! After every step the engine and the model must answer alike, a refused
//! step must leave the engine as it was (checked on every refusal), and
//! every [`OBSERVE_EVERY`] steps and at the end of a run everything the
//! engine shows must match the model.
//!
//! A run is fixed by its seed: the seed picks the sizing, the L2 policy and
//! every step. A failure names the seed and the step index.
//!
//! | variable      | effect                                          | default |
//! | ------------- | ----------------------------------------------- | ------- |
//! | `SIM_SEED=n`  | replays seed `n` alone                          |         |
//! | `SIM_SEEDS=n` | runs seeds `0..n`                               | 1 200   |
//! | `SIM_OPS=n`   | steps per seed                                  | 1 000   |

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

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use imbot_like::{
    Action, Arg, BotPolicy, IdError, LikeError, Reaction, ReactionError, Sizing, UnknownReaction,
};

use common::{Rng, bot, msg};
use harness::{Pair, SIZING_NAMES, WithSizing, with_sizing};
use reference::Model;
use reply::Reply;
use steps::{Step, Verb};
use universe::{APP_IDS, CHAT_IDS, KINDS, MESSAGE_IDS, USER_IDS};

/// Seeds in a default run.
const DEFAULT_SEEDS: u64 = 1_200;
/// Steps per seed in a default run.
const DEFAULT_OPS: u64 = 1_000;
/// Steps between two full comparisons of the observable state.
const OBSERVE_EVERY: u64 = 50;

/// A user: mostly one the state knows of (a member, a bot), else any.
fn some_user(rng: &mut Rng, model: &Model) -> u32 {
    let known: Vec<u32> = if rng.chance(50) {
        model.bots.keys().copied().collect()
    } else {
        model.chats.values().flatten().copied().collect()
    };
    match rng.pick(&known) {
        Some(user) if rng.chance(75) => user,
        _ => rng.range_u32(USER_IDS),
    }
}

fn some_chat(rng: &mut Rng, model: &Model) -> u32 {
    let open: Vec<u32> = model.chats.keys().copied().collect();
    match rng.pick(&open) {
        Some(chat) if rng.chance(80) => chat,
        _ => rng.range_u32(CHAT_IDS),
    }
}

fn some_message(rng: &mut Rng, model: &Model) -> u64 {
    let stored: Vec<u64> = model.messages.keys().copied().collect();
    match rng.pick(&stored) {
        Some(message) if rng.chance(85) => message,
        _ => rng.range_u64(MESSAGE_IDS),
    }
}

fn some_id_error(rng: &mut Rng) -> IdError {
    let errors = [
        IdError::Empty,
        IdError::NotANumber,
        IdError::NotPositive,
        IdError::TooLarge,
    ];
    rng.pick(&errors).unwrap_or(IdError::Empty)
}

/// A `MESSAGE_ID` parameter: mostly a message the state holds.
fn message_arg(rng: &mut Rng, model: &Model) -> Arg<imbot_like::MessageId> {
    match rng.below(20) {
        0 => Arg::Omitted,
        1 => Arg::Invalid(some_id_error(rng)),
        _ => Arg::Given(msg(some_message(rng, model))),
    }
}

/// A registered bot with its owner, or a random id with a random app.
fn some_bot(rng: &mut Rng, model: &Model) -> (u32, u32) {
    let bots: Vec<(u32, u32)> = model.bots.iter().map(|(&b, &a)| (b, a)).collect();
    match rng.pick(&bots) {
        Some(pair) if rng.chance(85) => pair,
        _ => (rng.range_u32(USER_IDS), rng.range_u32(APP_IDS)),
    }
}

/// The caller: mostly the bot's owner, else any application or none.
fn caller(rng: &mut Rng, owner: u32) -> Option<u32> {
    match rng.below(10) {
        0 => None,
        1 | 2 => Some(rng.range_u32(APP_IDS)),
        _ => Some(owner),
    }
}

fn action(rng: &mut Rng) -> Action {
    rng.pick(&[Action::Plus, Action::Minus, Action::Auto])
        .unwrap_or(Action::Auto)
}

/// (user, message) pairs where the user is in the message's chat: the
/// requests that get past rules L6–L7 and V6.
fn reachable(model: &Model, bots_only: bool) -> Vec<(u32, u64)> {
    let mut pairs = Vec::new();
    for (&m, post) in &model.messages {
        for &u in model.chats.get(&post.chat).into_iter().flatten() {
            if !bots_only || model.bots.contains_key(&u) {
                pairs.push((u, m));
            }
        }
    }
    pairs
}

/// A bot (with its owner) and a message: half the time a bot in the
/// message's chat, so requests reach rules L8–L10 and checks V7–V8.
fn bot_and_message(rng: &mut Rng, model: &Model) -> (u32, u32, Arg<imbot_like::MessageId>) {
    if rng.chance(50) {
        if let Some((b, m)) = rng.pick(&reachable(model, true)) {
            let owner = model.bots.get(&b).copied().unwrap_or(0);
            return (b, owner, Arg::Given(msg(m)));
        }
    }
    let (b, owner) = some_bot(rng, model);
    (b, owner, message_arg(rng, model))
}

fn like_as_user(rng: &mut Rng, model: &Model) -> Step {
    let (user, message) = match rng.pick(&reachable(model, false)) {
        Some((u, m)) if rng.chance(50) => (u, Arg::Given(msg(m))),
        _ => (some_user(rng, model), message_arg(rng, model)),
    };
    Step::LikeAsUser {
        user,
        message,
        action: action(rng),
    }
}

fn like(rng: &mut Rng, model: &Model) -> Step {
    let (b, owner, message) = bot_and_message(rng, model);
    let bot_arg = match rng.below(10) {
        0..=2 => Arg::Omitted,
        3 => Arg::Invalid(some_id_error(rng)),
        _ => Arg::Given(bot(b)),
    };
    Step::Like {
        app: caller(rng, owner),
        bot: bot_arg,
        message,
        action: action(rng),
    }
}

fn react(rng: &mut Rng, model: &Model) -> Step {
    let (b, owner, message) = bot_and_message(rng, model);
    let bot_arg = match rng.below(20) {
        0 => Arg::Omitted,
        1 => Arg::Invalid(some_id_error(rng)),
        _ => Arg::Given(bot(b)),
    };
    let reaction = match rng.below(20) {
        0 => Arg::Omitted,
        1 => Arg::Invalid(UnknownReaction),
        _ => Arg::Given(rng.pick(&KINDS).unwrap_or(Reaction::Like)),
    };
    Step::React {
        verb: if rng.chance(60) {
            Verb::Add
        } else {
            Verb::Delete
        },
        app: caller(rng, owner),
        bot: bot_arg,
        message,
        reaction,
    }
}

/// Key numbers of keyed requests: more than the largest window of the
/// menu holds, so windows fill and forget, few enough that keys come back
/// with other requests.
const KEY_NUMBERS: std::ops::RangeInclusive<u32> = 1..=10;

/// One random step: a fifth of them sent under a key, and some retries of
/// a request the model's window remembers (contract section 9).
fn random_step(rng: &mut Rng, model: &Model) -> Step {
    let step = unkeyed_step(rng, model);
    match rng.below(100) {
        0..=19 => {
            let key = u8::try_from(rng.range_u32(KEY_NUMBERS)).unwrap_or(1);
            Step::keyed(key, step)
        }
        20..=27 => retry(rng, model).unwrap_or(step),
        _ => step,
    }
}

/// A key the model's window remembers, sent again with its request.
fn retry(rng: &mut Rng, model: &Model) -> Option<Step> {
    let len = u64::try_from(model.window.len()).ok()?;
    if len == 0 {
        return None;
    }
    let index = usize::try_from(rng.below(len)).ok()?;
    let (key, call, _) = model.window.get(index)?;
    Some(Step::keyed(*key, call.clone()))
}

/// One random step, aimed at what the model holds often enough that tables
/// and reaction sets fill, and drawn from the whole universes otherwise.
fn unkeyed_step(rng: &mut Rng, model: &Model) -> Step {
    match rng.below(100) {
        0..=5 => Step::RegisterBot {
            bot: rng.range_u32(USER_IDS),
            app: rng.range_u32(APP_IDS),
        },
        6..=7 => Step::UnregisterBot {
            bot: some_bot(rng, model).0,
        },
        8..=11 => {
            let count = rng.below(5);
            let members = (0..count).map(|_| some_user(rng, model)).collect();
            Step::OpenChat {
                chat: rng.range_u32(CHAT_IDS),
                members,
            }
        }
        12 => Step::CloseChat {
            chat: some_chat(rng, model),
        },
        13..=18 => Step::JoinChat {
            chat: some_chat(rng, model),
            user: some_user(rng, model),
        },
        19..=20 => Step::LeaveChat {
            chat: some_chat(rng, model),
            user: some_user(rng, model),
        },
        21..=27 => post(rng, model),
        28..=29 => Step::DeleteMessage {
            message: some_message(rng, model),
        },
        30..=54 => like(rng, model),
        55..=69 => like_as_user(rng, model),
        _ => react(rng, model),
    }
}

/// A message posted mostly by a member of an open chat.
fn post(rng: &mut Rng, model: &Model) -> Step {
    let members: Vec<(u32, u32)> = model
        .chats
        .iter()
        .flat_map(|(&c, m)| m.iter().map(move |&u| (c, u)))
        .collect();
    let (chat, author) = match rng.pick(&members) {
        Some(pair) if rng.chance(85) => pair,
        _ => (rng.range_u32(CHAT_IDS), rng.range_u32(USER_IDS)),
    };
    Step::PostMessage {
        message: rng.range_u64(MESSAGE_IDS),
        chat,
        author,
    }
}

thread_local! {
    /// The step a run is at, for the failure message.
    static AT: Cell<u64> = const { Cell::new(0) };
}

/// One seeded run: `ops` steps on a fresh engine and model.
struct Run {
    seed: u64,
    ops: u64,
}

/// What a run saw, for the totals.
#[derive(Default)]
struct Tally {
    steps: u64,
    refused: u64,
    /// Keyed requests on a sizing with a window.
    keyed: u64,
    /// Keyed requests answered from the window: retries.
    replayed: u64,
    /// Keyed requests refused as a reuse of a remembered key.
    reused: u64,
}

impl Tally {
    fn add(&mut self, other: &Self) {
        self.steps += other.steps;
        self.refused += other.refused;
        self.keyed += other.keyed;
        self.replayed += other.replayed;
        self.reused += other.reused;
    }
}

/// Whether a reply is a refusal for a reused key.
fn is_reused(reply: &Reply) -> bool {
    matches!(
        reply,
        Reply::Like(Err(LikeError::KeyReused)) | Reply::React(Err(ReactionError::KeyReused))
    )
}

impl WithSizing for Run {
    type Output = Tally;

    fn run<S: Sizing>(self) -> Tally {
        let mut rng = Rng(self.seed);
        let policy = if rng.chance(50) {
            BotPolicy::Strict
        } else {
            BotPolicy::PortalCompatible
        };
        let mut pair = Pair::<S>::new(policy);
        let mut tally = Tally::default();
        for index in 0..self.ops {
            AT.with(|at| at.set(index));
            let step = random_step(&mut rng, &pair.model);
            let reply = pair.step(&step, true);
            tally.steps += 1;
            tally.refused += u64::from(reply.is_refused());
            if matches!(step, Step::Keyed { .. }) && S::KEYS > 0 {
                let reused = is_reused(&reply);
                tally.keyed += 1;
                tally.reused += u64::from(reused);
                tally.replayed += u64::from(!reused && !pair.model.remembered);
            }
            if index % OBSERVE_EVERY == OBSERVE_EVERY - 1 {
                pair.assert_same_state();
            }
        }
        AT.with(|at| at.set(self.ops));
        pair.assert_same_state();
        tally
    }
}

/// Runs one seed; on a failure, names the seed and the step and panics on.
fn run_seed(seed: u64, ops: u64) -> Tally {
    let sizing = usize::try_from(seed).unwrap_or(0);
    let result = catch_unwind(AssertUnwindSafe(|| with_sizing(sizing, Run { seed, ops })));
    result.unwrap_or_else(|panic| {
        let at = AT.with(Cell::get);
        let name = SIZING_NAMES[sizing % SIZING_NAMES.len()];
        eprintln!(
            "simulation failed: seed {seed} (sizing {name}), step index {at}; \
             replay with SIM_SEED={seed}"
        );
        resume_unwind(panic)
    })
}

fn env(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a number")),
    )
}

/// Every host transition, both like variants and the v2 reactions, keyed
/// or not, by owners and strangers, members and non-members, on existing
/// and unknown ids, over six sizings (one with a pool that runs out, three
/// with a retry window), agree with the reference model step by step;
/// refused steps change nothing but the window.
#[test]
fn simulation_engine_matches_reference_model() {
    let ops = env("SIM_OPS").unwrap_or(DEFAULT_OPS);
    let seeds: Vec<u64> = match env("SIM_SEED") {
        Some(seed) => vec![seed],
        None => (0..env("SIM_SEEDS").unwrap_or(DEFAULT_SEEDS)).collect(),
    };
    let started = std::time::Instant::now();
    let mut total = Tally::default();
    for &seed in &seeds {
        total.add(&run_seed(seed, ops));
    }
    assert_eq!(total.steps, ops * seeds.len() as u64);
    // Both answers occur in bulk: a generator stuck on refusals (or on
    // successes) would check little.
    assert!(total.refused * 10 > total.steps, "too few refusals");
    assert!(total.refused * 10 < total.steps * 9, "too few successes");
    eprintln!(
        "simulation: {} seeds x {ops} steps = {} steps ({} refused; {} keyed on a window, \
         {} of them retries answered again, {} reused keys) in {:.1?}",
        seeds.len(),
        total.steps,
        total.refused,
        total.keyed,
        total.replayed,
        total.reused,
        started.elapsed()
    );
    // With a window in the menu, retries and reused keys occur in bulk.
    if seeds.len() >= SIZING_NAMES.len() {
        assert!(total.replayed * 100 > total.keyed, "too few retries");
        assert!(total.reused * 100 > total.keyed, "too few reused keys");
    }
}
