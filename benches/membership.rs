//! Joining and leaving a chat at the server sizing: the cost of moving a
//! member's likes between the messages' masks and their pool blocks.
//!
//! The world fills a [`ServerEngine`]: 4,096 chats of 127 members (one
//! place left for a join), 1,048,576 messages and the whole pool of
//! 2,097,152 reaction entries: every message is liked by two members, one
//! of them the member who leaves and rejoins, so every message of their
//! chat has a like to move each time. Chat 0 holds 65,536 of the messages,
//! each of the 4,095 others 240 (the remaining 983,040 spread evenly).
//!
//! A leave moves the member's like on every message of the chat into the
//! entry its block keeps for it; the join moves it back. Each is timed
//! apart (the other one runs untimed between samples), in a chat of 240
//! messages and in the chat of 65,536.
//!
//! Run with `cargo bench --bench membership`; `-- --test` runs each once.

use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use imbot_like::{ChatId, MessageId, ServerEngine, Sizing, UserId, UserLikeRequest};

static ENGINE: Mutex<ServerEngine> = Mutex::new(ServerEngine::new());

/// Chats of the world: every one the sizing holds.
const CHATS: u32 = 4096;
/// Messages of chat 0.
const BIG: u64 = 65_536;

fn chat(c: u32) -> ChatId {
    ChatId::new(c + 1).unwrap()
}

/// Member `k` (0..127) of chat `c`; member 0 is the one who leaves.
fn member(c: u32, k: u32) -> UserId {
    UserId::new(1 + c * 128 + k).unwrap()
}

/// The chat of message number `n`: the first [`BIG`] in chat 0, the rest
/// spread over the others.
fn chat_of(n: u64) -> u32 {
    if n < BIG {
        0
    } else {
        1 + u32::try_from(n % u64::from(CHATS - 1)).unwrap()
    }
}

/// Builds the world described in the module docs.
fn fill(e: &mut ServerEngine) {
    let members = u32::try_from(<imbot_like::Server as Sizing>::MEMBERS).unwrap() - 1;
    for c in 0..CHATS {
        let list: Vec<UserId> = (0..members).map(|k| member(c, k)).collect();
        e.open_chat(chat(c), &list).unwrap();
    }
    let messages = u64::try_from(<imbot_like::Server as Sizing>::MESSAGES).unwrap();
    for n in 0..messages {
        let c = chat_of(n);
        let id = MessageId::new(n + 1).unwrap();
        e.post_message(id, chat(c), member(c, 1)).unwrap();
        for k in [0, 1 + u32::try_from(n % 100).unwrap()] {
            let _ = e
                .like_as_user(&UserLikeRequest::new(member(c, k), id))
                .unwrap();
        }
    }
    assert_eq!(
        e.pool_used(),
        <imbot_like::Server as Sizing>::POOL,
        "the pool is full"
    );
}

/// Times `iters` runs of `timed`, each followed by an untimed `undo`.
fn timed_pairs(
    e: &mut ServerEngine,
    iters: u64,
    timed: impl Fn(&mut ServerEngine),
    undo: impl Fn(&mut ServerEngine),
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        timed(e);
        total += start.elapsed();
        undo(e);
    }
    total
}

fn membership(c: &mut Criterion) {
    let mut e = ENGINE.lock().unwrap();
    fill(&mut e);
    let mut group = c.benchmark_group("membership_server");
    for (name, ch) in [("240_messages", 1), ("65536_messages", 0)] {
        let (chat, user) = (chat(ch), member(ch, 0));
        let leave = move |e: &mut ServerEngine| black_box(e.leave_chat(chat, user)).unwrap();
        let join = move |e: &mut ServerEngine| black_box(e.join_chat(chat, user)).unwrap();
        group.bench_function(format!("leave/{name}"), |b| {
            b.iter_custom(|iters| timed_pairs(&mut e, iters, leave, join));
        });
        group.bench_function(format!("join/{name}"), |b| {
            b.iter_custom(|iters| {
                leave(&mut e);
                let spent = timed_pairs(&mut e, iters, join, leave);
                join(&mut e);
                spent
            });
        });
        assert!(e.is_member(chat, user));
        let first = (0..).find(|&n| chat_of(n) == ch).unwrap();
        let first = MessageId::new(first + 1).unwrap();
        assert!(e.is_liked_by(first, user), "the likes came back");
    }
    group.finish();
}

criterion_group!(benches, membership);
criterion_main!(benches);
