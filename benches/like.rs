//! The like path of the engine against the same semantics written with std
//! collections.
//!
//! The world: 1024 chats of six human members plus one bot, eight
//! registered bots, and 256, 4096, 32 768 or 65 536 messages, each in a
//! pseudo-random chat with a pseudo-random author and zero to three likes
//! already set. Every
//! iteration acts on the next message of a precomputed pseudo-random sequence
//! (xorshift with a fixed seed, 65 536 entries), so the tables are reached
//! the way a busy portal reaches them rather than through one hot row.
//!
//! The baseline is the handler one would write with std collections and
//! their default (SipHash) hashers: bots in a `HashMap<u32, u32>`, chat
//! members in a `HashMap<u32, HashSet<u32>>`, messages in a `HashMap<u64, _>`
//! with a `BTreeSet<u32>` of likers, answering with the new like list as a
//! `Vec<u32>` and the author to notify, as the engine's `Outcome` does.
//! Before timing, both are run on the same requests and must agree.
//!
//! Groups, each over the message count:
//! - `like_bot_auto`: `imbot.message.like` with `BOT_ID` given and `ACTION`
//!   `auto` (rules L1 to L10), the request a bot sends most.
//! - `like_user_auto`: `im.message.like` by a member of the message's chat.
//! - `likers`: reading a message's like list (summed, so it is consumed).
//!
//! One engine sizing serves every count: [`ServerEngine`], which holds
//! 65 536 messages. It is about 21 MiB, so it lives in a `static` (its `new`
//! is `const`) and is filled in place; the smaller counts are prefixes of
//! the larger, measured first. Its message table is a hash table of 65 536
//! slots: half full at 32 768 messages, full at 65 536. Comparing the counts
//! shows how the cost grows with the size of the world (cache misses) and
//! with the load of that table (probe lengths).
//!
//! Run with `cargo bench --bench like`; `cargo bench --bench like -- --test`
//! runs every case once, as a smoke test.

mod common;

use common::{Rng, SEQ};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hint::black_box;
use std::sync::Mutex;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group, criterion_main};
use imbot_like::{
    Action, AppId, BotId, Change, ChatId, LikeRequest, MessageId, Outcome, ServerEngine, UserId,
    UserLikeRequest,
};

/// The engine under test: too large for a stack, so built in place.
static ENGINE: Mutex<ServerEngine> = Mutex::new(ServerEngine::new());

/// Message counts measured, ascending: each world extends the previous one.
const SIZES: [usize; 4] = [256, 4096, 32_768, 65_536];
/// Open chats.
const CHATS: usize = 1024;
/// Human members of each chat; the acting bot is a member of every chat.
const HUMANS: usize = 6;
/// Human user ids are drawn from `1..=USERS`.
const USERS: u64 = 4096;
/// The acting bot and its application.
const BOT: u32 = 900_001;
const APP: u32 = 7;
/// Other bots, each of its own application, so the bot table is not trivial.
const OTHER_BOTS: u32 = 7;

/// A chat of the generated world.
struct ChatSpec {
    id: u32,
    /// Human members, distinct.
    humans: Vec<u32>,
}

/// A message of the generated world.
struct MessageSpec {
    id: u64,
    /// Index into the world's chats.
    chat: usize,
    author: u32,
    /// Humans of the chat who like the message before any request.
    likers: Vec<u32>,
}

/// The generated world at its largest count; smaller counts are prefixes.
struct World {
    chats: Vec<ChatSpec>,
    messages: Vec<MessageSpec>,
}

impl World {
    fn generate() -> Self {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let chats = (0..CHATS)
            .map(|c| {
                let mut humans = Vec::with_capacity(HUMANS);
                while humans.len() < HUMANS {
                    let user = u32::try_from(rng.next() % USERS + 1).expect("user id fits u32");
                    if !humans.contains(&user) {
                        humans.push(user);
                    }
                }
                let id = u32::try_from(10_000 + c).expect("chat id fits u32");
                ChatSpec { id, humans }
            })
            .collect::<Vec<_>>();
        let max = SIZES[SIZES.len() - 1];
        let mut id = 5_000_000_u64;
        let messages = (0..max)
            .map(|_| {
                // Ascending ids with gaps, as a portal's ids look to one bot.
                id += rng.next() % 8 + 1;
                let chat = rng.below(CHATS);
                let humans = &chats[chat].humans;
                let author = humans[rng.below(HUMANS)];
                let mut likers = Vec::new();
                for _ in 0..rng.below(4) {
                    let user = humans[rng.below(HUMANS)];
                    if !likers.contains(&user) {
                        likers.push(user);
                    }
                }
                MessageSpec {
                    id,
                    chat,
                    author,
                    likers,
                }
            })
            .collect();
        Self { chats, messages }
    }

    /// Pseudo-random message indices below `count`, one per request.
    fn sequence(count: usize, seed: u64) -> Vec<usize> {
        let mut rng = Rng(seed);
        (0..SEQ).map(|_| rng.below(count)).collect()
    }
}

fn user(id: u32) -> UserId {
    UserId::new(id).expect("positive user id")
}

fn message(id: u64) -> MessageId {
    MessageId::new(id).expect("valid message id")
}

/// Registers the bots and opens the chats.
fn engine_open(engine: &mut ServerEngine, world: &World) {
    let bot = BotId::new(BOT).expect("positive bot id");
    engine.register_bot(bot, AppId(APP)).expect("bot registers");
    for other in 1..=OTHER_BOTS {
        let id = BotId::new(BOT + other).expect("positive bot id");
        engine
            .register_bot(id, AppId(APP + other))
            .expect("bot registers");
    }
    for chat in &world.chats {
        let mut members: Vec<UserId> = chat.humans.iter().copied().map(user).collect();
        members.push(bot.user());
        let id = ChatId::new(chat.id).expect("positive chat id");
        engine.open_chat(id, &members).expect("chat opens");
    }
}

/// Posts messages `from..to` of the world with their initial likes.
fn engine_post(engine: &mut ServerEngine, world: &World, from: usize, to: usize) {
    for spec in &world.messages[from..to] {
        let chat = ChatId::new(world.chats[spec.chat].id).expect("positive chat id");
        engine
            .post_message(message(spec.id), chat, user(spec.author))
            .expect("message posts");
        for &liker in &spec.likers {
            let request = UserLikeRequest::new(user(liker), message(spec.id)).action(Action::Plus);
            let outcome = engine.like_as_user(&request).expect("initial like");
            assert!(outcome.likers.contains(&user(liker)));
        }
    }
}

/// The baseline: the like semantics with std collections.
#[derive(Default)]
struct StdLikes {
    /// Bot id to owning application.
    bots: HashMap<u32, u32>,
    /// Chat id to members.
    chats: HashMap<u32, HashSet<u32>>,
    /// Message id to its row.
    messages: HashMap<u64, StdMessage>,
}

struct StdMessage {
    chat: u32,
    author: u32,
    likes: BTreeSet<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StdError {
    BotNotFound,
    ForeignBot,
    MessageNotFound,
    NotAMember,
    AlreadyLiked,
    NotLiked,
}

struct StdOutcome {
    message: u64,
    chat: u32,
    actor: u32,
    set: bool,
    likers: Vec<u32>,
    notify: Option<u32>,
}

impl StdLikes {
    fn open(world: &World) -> Self {
        let mut likes = Self::default();
        likes.bots.insert(BOT, APP);
        for other in 1..=OTHER_BOTS {
            likes.bots.insert(BOT + other, APP + other);
        }
        for chat in &world.chats {
            let mut members: HashSet<u32> = chat.humans.iter().copied().collect();
            members.insert(BOT);
            likes.chats.insert(chat.id, members);
        }
        likes
    }

    fn post(&mut self, world: &World, from: usize, to: usize) {
        for spec in &world.messages[from..to] {
            let row = StdMessage {
                chat: world.chats[spec.chat].id,
                author: spec.author,
                likes: spec.likers.iter().copied().collect(),
            };
            self.messages.insert(spec.id, row);
        }
    }

    fn like(
        &mut self,
        app: u32,
        bot: u32,
        message: u64,
        action: Action,
    ) -> Result<StdOutcome, StdError> {
        match self.bots.get(&bot) {
            None => Err(StdError::BotNotFound),
            Some(&owner) if owner != app => Err(StdError::ForeignBot),
            Some(_) => self.like_as_user(bot, message, action),
        }
    }

    fn like_as_user(
        &mut self,
        user: u32,
        message: u64,
        action: Action,
    ) -> Result<StdOutcome, StdError> {
        let row = self
            .messages
            .get_mut(&message)
            .ok_or(StdError::MessageNotFound)?;
        let member = self
            .chats
            .get(&row.chat)
            .is_some_and(|members| members.contains(&user));
        if !member {
            return Err(StdError::NotAMember);
        }
        let set = match (row.likes.contains(&user), action) {
            (true, Action::Plus) => return Err(StdError::AlreadyLiked),
            (false, Action::Minus) => return Err(StdError::NotLiked),
            (true, _) => {
                row.likes.remove(&user);
                false
            }
            (false, _) => {
                row.likes.insert(user);
                true
            }
        };
        Ok(StdOutcome {
            message,
            chat: row.chat,
            actor: user,
            set,
            likers: row.likes.iter().copied().collect(),
            notify: (set && row.author != user).then_some(row.author),
        })
    }

    fn likers(&self, message: u64) -> Option<impl Iterator<Item = u32> + '_> {
        self.messages
            .get(&message)
            .map(|row| row.likes.iter().copied())
    }
}

/// Runs the engine and the baseline on the same requests and checks that
/// they answer alike. Only messages no benchmark has touched yet (those just
/// posted, `from..to`) are used: there the two states are equal.
fn check_agree(
    engine: &mut ServerEngine,
    std: &mut StdLikes,
    world: &World,
    from: usize,
    to: usize,
) {
    let bot = BotId::new(BOT).expect("positive bot id");
    let mut rng = Rng(0xc0ffee);
    for _ in 0..2048 {
        let spec = &world.messages[from + rng.below(to - from)];
        let actor = world.chats[spec.chat].humans[rng.below(HUMANS)];
        let request = LikeRequest::new(message(spec.id)).app(AppId(APP)).bot(bot);
        let ours = engine.like(&request).expect("engine likes");
        let theirs = std
            .like(APP, BOT, spec.id, Action::Auto)
            .expect("baseline likes");
        assert_same(&ours, &theirs);
        let request = UserLikeRequest::new(user(actor), message(spec.id));
        let ours = engine.like_as_user(&request).expect("engine likes");
        let theirs = std
            .like_as_user(actor, spec.id, Action::Auto)
            .expect("baseline likes");
        assert_same(&ours, &theirs);
        let ours: Option<Vec<u32>> = engine
            .likers(message(spec.id))
            .map(|l| l.map(UserId::get).collect());
        let theirs: Option<Vec<u32>> = std.likers(spec.id).map(Iterator::collect);
        assert_eq!(ours, theirs);
    }
    // Error paths that leave the state unchanged.
    let missing = std.like(APP, BOT, 1, Action::Auto).err();
    assert_eq!(missing, Some(StdError::MessageNotFound));
    let foreign = std.like(APP + 1, BOT, 1, Action::Auto).err();
    assert_eq!(foreign, Some(StdError::ForeignBot));
    assert_eq!(
        std.like(APP, 1, 1, Action::Plus).err(),
        Some(StdError::BotNotFound)
    );
    let outsider = u32::try_from(USERS + 1).expect("user id fits u32");
    let first = world.messages[0].id;
    let not_member = std.like_as_user(outsider, first, Action::Minus).err();
    assert_eq!(not_member, Some(StdError::NotAMember));
}

fn assert_same(ours: &Outcome<32>, theirs: &StdOutcome) {
    let likers: Vec<u32> = ours.likers.iter().map(|u| u.get()).collect();
    assert_eq!(ours.message.get(), theirs.message);
    assert_eq!(ours.chat.get(), theirs.chat);
    assert_eq!(ours.actor.get(), theirs.actor);
    assert_eq!(ours.change == Change::Set, theirs.set);
    assert_eq!(likers, theirs.likers);
    assert_eq!(ours.notify.map(UserId::get), theirs.notify);
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>, measure: Duration) {
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(measure)
        .sample_size(30);
}

fn bench_like(c: &mut Criterion) {
    let world = World::generate();
    let mut engine = ENGINE.lock().expect("engine lock");
    engine_open(&mut engine, &world);
    let mut std = StdLikes::open(&world);
    let bot = BotId::new(BOT).expect("positive bot id");
    let mut posted = 0;

    for (round, &count) in SIZES.iter().enumerate() {
        engine_post(&mut engine, &world, posted, count);
        std.post(&world, posted, count);
        assert_eq!(engine.message_count(), count);
        check_agree(&mut engine, &mut std, &world, posted, count);
        posted = count;

        let seed = 0x5eed_0000 + u64::try_from(round).expect("round fits u64");
        let seq = World::sequence(count, seed);
        let ids: Vec<u64> = seq.iter().map(|&i| world.messages[i].id).collect();
        let msg_ids: Vec<MessageId> = ids.iter().copied().map(message).collect();
        // The acting user of the user variant: a member of the message's chat.
        let mut rng = Rng(seed ^ 0xffff);
        let actors: Vec<u32> = seq
            .iter()
            .map(|&i| world.chats[world.messages[i].chat].humans[rng.below(HUMANS)])
            .collect();
        let user_ids: Vec<UserId> = actors.iter().copied().map(user).collect();

        let mut group = c.benchmark_group("like_bot_auto");
        configure(&mut group, Duration::from_secs(2));
        group.bench_function(BenchmarkId::new("engine", count), |b| {
            let mut i = 0;
            b.iter(|| {
                let request = LikeRequest::new(msg_ids[i]).app(AppId(APP)).bot(bot);
                i = (i + 1) % SEQ;
                black_box(engine.like(black_box(&request)))
            });
        });
        group.bench_function(BenchmarkId::new("std_baseline", count), |b| {
            let mut i = 0;
            b.iter(|| {
                let id = ids[i];
                i = (i + 1) % SEQ;
                black_box(std.like(APP, BOT, black_box(id), Action::Auto))
            });
        });
        group.finish();

        let mut group = c.benchmark_group("like_user_auto");
        configure(&mut group, Duration::from_secs(1));
        group.bench_function(BenchmarkId::new("engine", count), |b| {
            let mut i = 0;
            b.iter(|| {
                let request = UserLikeRequest::new(user_ids[i], msg_ids[i]);
                i = (i + 1) % SEQ;
                black_box(engine.like_as_user(black_box(&request)))
            });
        });
        group.bench_function(BenchmarkId::new("std_baseline", count), |b| {
            let mut i = 0;
            b.iter(|| {
                let (actor, id) = (actors[i], ids[i]);
                i = (i + 1) % SEQ;
                black_box(std.like_as_user(black_box(actor), black_box(id), Action::Auto))
            });
        });
        group.finish();

        let mut group = c.benchmark_group("likers");
        configure(&mut group, Duration::from_secs(1));
        group.bench_function(BenchmarkId::new("engine", count), |b| {
            let mut i = 0;
            b.iter(|| {
                let id = msg_ids[i];
                i = (i + 1) % SEQ;
                let likers = engine.likers(black_box(id));
                black_box(likers.map(|l| l.map(UserId::get).sum::<u32>()))
            });
        });
        group.bench_function(BenchmarkId::new("std_baseline", count), |b| {
            let mut i = 0;
            b.iter(|| {
                let id = ids[i];
                i = (i + 1) % SEQ;
                black_box(std.likers(black_box(id)).map(Iterator::sum::<u32>))
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench_like);
criterion_main!(benches);
