//! Differential test of the like storage: members' likes held as bits by
//! member rank, the likes of those who left held in the pool, and the
//! pool block reserving an entry for every like in the mask.
//!
//! Seeded random worlds with chats of up to 130 members (masks of one to
//! three words), heavy leave and rejoin churn, and reaction pools far too
//! small for their messages run against the reference model
//! (`tests/model/reference.rs`), which keeps each message's reactions as
//! one set and the pool as size-class counts, exactly as the `Capacity`
//! docs describe it. After every step both answer alike (counts and
//! versions included) and a refused step leaves the engine as it was;
//! every [`OBSERVE_EVERY`] steps and at the end, the likers (both ways),
//! counts, reactions, versions, pool use and the snapshot's bytes, encoded
//! here from the model by the format's description, must match.
//!
//! | variable       | effect                        | default |
//! | -------------- | ----------------------------- | ------- |
//! | `DIFF_SEEDS=n` | runs seeds `0..n` per sizing  | 150     |
//! | `DIFF_OPS=n`   | steps per seed                | 1 000   |

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

use imbot_like::{
    Action, Arg, BotId, BotPolicy, Capacity, Engine, Reaction, Sizing, UserId, mask_words,
};

use common::{Rng, msg, user};
use harness::Pair;
use reference::Model;
use steps::{Step, Verb};

/// Three-word masks (130 members), 16 messages of up to 12 reactions and
/// a pool of 48 entries, a tenth of what would never run out.
type Wide = Capacity<4, 4, 130, 16, 12, 48, 0, { mask_words(130) }>;
/// One full word (64 members), messages that take every member's like
/// and more, a pool of 96 entries.
type FullWord = Capacity<4, 4, 64, 16, 70, 96>;
/// Two words (100 members) and a pool that runs out at once: 12 entries.
type Starved = Capacity<2, 2, 100, 8, 8, 12, 0, { mask_words(100) }>;

/// User ids steps draw from: more than any chat holds.
const USERS: u32 = 150;
/// Chat ids: more than the chat tables hold.
const CHATS: u32 = 6;
/// Message ids: more than the message tables hold.
const MESSAGES: u64 = 20;
/// Bots 1..=4, owned by apps 1 and 2.
const BOTS: u32 = 4;
/// Steps between two full comparisons.
const OBSERVE_EVERY: u64 = 40;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn some_chat(rng: &mut Rng, model: &Model) -> u32 {
    let open: Vec<u32> = model.chats.keys().copied().collect();
    match rng.pick(&open) {
        Some(chat) if rng.chance(90) => chat,
        _ => 1 + u32::try_from(rng.below(u64::from(CHATS))).unwrap(),
    }
}

fn some_message(rng: &mut Rng, model: &Model) -> u64 {
    let stored: Vec<u64> = model.messages.keys().copied().collect();
    match rng.pick(&stored) {
        Some(message) if rng.chance(92) => message,
        _ => 1 + rng.below(MESSAGES),
    }
}

/// A member of `chat` most of the time, else any user.
fn some_member(rng: &mut Rng, model: &Model, chat: u32) -> u32 {
    let members: Vec<u32> = model
        .chats
        .get(&chat)
        .map(|m| m.iter().copied().collect())
        .unwrap_or_default();
    match rng.pick(&members) {
        Some(user) if rng.chance(85) => user,
        _ => rng.range_u32(1..=USERS),
    }
}

fn action(rng: &mut Rng) -> Action {
    [Action::Plus, Action::Minus, Action::Auto][usize::try_from(rng.below(3)).unwrap()]
}

/// A chat opened with a random number of members, sometimes too many.
fn open_chat(rng: &mut Rng, model: &Model, members: usize) -> Step {
    let count = usize::try_from(rng.below(members as u64 + 6)).unwrap();
    let mut users: Vec<u32> = (0..count).map(|_| rng.range_u32(1..=USERS)).collect();
    users.extend(1..=BOTS);
    Step::OpenChat {
        chat: some_chat(rng, model),
        members: users,
    }
}

/// A like by a user of the message's chat (mostly a member).
fn like_as_user(rng: &mut Rng, model: &Model) -> Step {
    let message = some_message(rng, model);
    let chat = model.messages.get(&message).map_or(1, |p| p.chat);
    Step::LikeAsUser {
        user: some_member(rng, model, chat),
        message: Arg::Given(msg(message)),
        action: action(rng),
    }
}

/// A v2 reaction by one of the bots, through its own application.
fn react(rng: &mut Rng, model: &Model) -> Step {
    let bot = 1 + u32::try_from(rng.below(u64::from(BOTS))).unwrap();
    let kinds = [Reaction::Like, Reaction::Dislike, Reaction::Eyes];
    Step::React {
        verb: if rng.chance(60) {
            Verb::Add
        } else {
            Verb::Delete
        },
        app: Some(1 + bot % 2),
        bot: Arg::Given(BotId::new(bot).unwrap()),
        message: Arg::Given(msg(some_message(rng, model))),
        reaction: Arg::Given(rng.pick(&kinds).unwrap()),
    }
}

/// A message id, mostly one not stored yet.
fn new_message(rng: &mut Rng, model: &Model) -> u64 {
    let free: Vec<u64> = (1..=MESSAGES)
        .filter(|m| !model.messages.contains_key(m))
        .collect();
    match rng.pick(&free) {
        Some(message) if rng.chance(90) => message,
        _ => 1 + rng.below(MESSAGES),
    }
}

/// One step, weighted towards likes and membership churn; a world with
/// fewer than two chats open mostly opens one.
fn next_step(rng: &mut Rng, model: &Model, members: usize) -> Step {
    if model.chats.len() < 2 && rng.chance(50) {
        return open_chat(rng, model, members);
    }
    let chat = some_chat(rng, model);
    match rng.below(200) {
        0..=69 => like_as_user(rng, model),
        70..=99 => Step::LeaveChat {
            chat,
            user: some_member(rng, model, chat),
        },
        100..=129 => Step::JoinChat {
            chat,
            user: rng.range_u32(1..=USERS),
        },
        130..=149 => react(rng, model),
        150..=179 => Step::PostMessage {
            message: new_message(rng, model),
            chat,
            author: some_member(rng, model, chat),
        },
        180..=189 => Step::DeleteMessage {
            message: some_message(rng, model),
        },
        190..=197 => open_chat(rng, model, members),
        _ => Step::CloseChat { chat },
    }
}

/// An unsigned LEB128 varint, as the format (postcard) writes integers.
fn varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = u8::try_from(value & 0x7F).unwrap();
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The snapshot of the model's state, encoded from the format's
/// description (`docs/` and `src/snapshot/`): magic, version, the seven
/// capacities, the policy, bots, chats (ids as big-endian words, then the
/// members), messages with their reaction groups, an empty retry window
/// and the CRC-32 trailer.
fn model_snapshot<S: Sizing>(model: &Model) -> Vec<u8> {
    let mut out = b"IMBS".to_vec();
    out.extend_from_slice(&1u16.to_le_bytes());
    let caps = [
        S::BOTS,
        S::CHATS,
        S::MEMBERS,
        S::MESSAGES,
        S::LIKES,
        S::POOL,
        S::KEYS,
    ];
    varint(&mut out, caps.len() as u64);
    for cap in caps {
        varint(&mut out, cap as u64);
    }
    varint(&mut out, u64::from(model.policy != BotPolicy::Strict));
    varint(&mut out, model.bots.len() as u64);
    for (&bot, &app) in &model.bots {
        varint(&mut out, u64::from(bot));
        varint(&mut out, u64::from(app));
    }
    varint(&mut out, model.chats.len() as u64);
    for &chat in model.chats.keys() {
        out.extend_from_slice(&chat.to_be_bytes());
    }
    for members in model.chats.values() {
        varint(&mut out, members.len() as u64);
        for &member in members {
            varint(&mut out, u64::from(member));
        }
    }
    varint(&mut out, model.messages.len() as u64);
    for (&id, post) in &model.messages {
        for value in [
            id,
            post.chat.into(),
            post.author.into(),
            post.version.into(),
        ] {
            varint(&mut out, value);
        }
        let groups = post.groups();
        varint(&mut out, groups.len() as u64);
        for (kind, users) in groups {
            out.push(kind as u8);
            varint(&mut out, users.len() as u64);
            for u in users {
                varint(&mut out, u64::from(u));
            }
        }
    }
    varint(&mut out, 0);
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Everything the engine shows of its messages against the model, and
/// the snapshot's bytes against the model's encoding.
fn assert_same_storage<S: Sizing>(engine: &Engine<S>, model: &Model, at: &str) {
    assert_eq!(engine.pool_used(), model.pool.used, "pool_used {at}");
    assert_eq!(engine.message_count(), model.messages.len(), "{at}");
    for (&id, post) in &model.messages {
        let likers: Vec<u32> = engine.likers(msg(id)).unwrap().map(UserId::get).collect();
        assert_eq!(likers, post.likers(), "likers({id}) {at}");
        let mut back: Vec<u32> = engine
            .likers(msg(id))
            .unwrap()
            .rev()
            .map(UserId::get)
            .collect();
        back.reverse();
        assert_eq!(back, likers, "likers({id}) walked from the back {at}");
        assert_eq!(engine.likers(msg(id)).unwrap().len(), likers.len(), "{at}");
        assert_eq!(engine.like_count(msg(id)), Some(likers.len()), "{at}");
        let info = engine.message(msg(id)).unwrap();
        assert_eq!(info.version, post.version, "version({id}) {at}");
        let groups: Vec<(Reaction, Vec<u32>)> = engine
            .reactions(msg(id))
            .unwrap()
            .map(|g| (g.reaction(), g.users().map(UserId::get).collect()))
            .collect();
        assert_eq!(groups, post.groups(), "reactions({id}) {at}");
        for u in 1..=USERS {
            let expected = post.has(Reaction::Like, u);
            assert_eq!(
                engine.is_liked_by(msg(id), user(u)),
                expected,
                "{id} {u} {at}"
            );
        }
    }
    let mut buf = vec![0u8; Engine::<S>::SNAPSHOT_BUFFER_LEN];
    let bytes = engine.snapshot(&mut buf).unwrap();
    assert_eq!(bytes, model_snapshot::<S>(model), "snapshot {at}");
    let restored = Engine::<S>::restore(bytes).unwrap();
    assert!(restored == *engine, "restored snapshot differs {at}");
}

/// One seeded run with sizing `S`.
fn run<S: Sizing>(seed: u64, ops: u64) {
    let mut rng = Rng(seed);
    let policy = if rng.chance(50) {
        BotPolicy::Strict
    } else {
        BotPolicy::PortalCompatible
    };
    let mut pair = Pair::<S>::new(policy);
    for bot in 1..=BOTS {
        pair.step(
            &Step::RegisterBot {
                bot,
                app: 1 + bot % 2,
            },
            true,
        );
    }
    for _ in 0..2 {
        let step = open_chat(&mut rng, &pair.model, S::MEMBERS);
        pair.step(&step, true);
    }
    for i in 0..ops {
        let step = next_step(&mut rng, &pair.model, S::MEMBERS);
        pair.step(&step, true);
        if (i + 1) % OBSERVE_EVERY == 0 {
            assert_same_storage(&pair.engine, &pair.model, &format!("seed {seed} step {i}"));
        }
    }
    pair.assert_same_state();
    assert_same_storage(&pair.engine, &pair.model, &format!("seed {seed} end"));
}

fn run_all<S: Sizing>() {
    let (seeds, ops) = (setting("DIFF_SEEDS", 150), setting("DIFF_OPS", 1000));
    for seed in 0..seeds {
        run::<S>(seed, ops);
    }
}

/// Section 1 (a member who leaves keeps their likes; a full table
/// refuses, nothing is evicted), rules L7 to L10 and checks V7 and V8,
/// with chats whose like masks take three words and a pool that runs out.
#[test]
fn bit_likes_match_the_reference_with_three_word_masks_and_a_tight_pool() {
    run_all::<Wide>();
}

/// The same with a mask of exactly one word, full, and messages that hold
/// more reactions than the chat has members.
#[test]
fn bit_likes_match_the_reference_with_a_full_one_word_mask() {
    run_all::<FullWord>();
}

/// The same with a pool that refuses almost at once (rule L9's
/// `PoolFull`): leaving still never allocates, and rejoining never fails.
#[test]
fn bit_likes_match_the_reference_when_the_pool_starves() {
    run_all::<Starved>();
}
