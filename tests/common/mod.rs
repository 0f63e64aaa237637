//! Fixtures shared by the integration tests: short id constructors and a
//! small world.
#![allow(dead_code, clippy::unwrap_used)]

use imbot_like::{
    Action, AppId, BotId, BotPolicy, Capacity, Change, ChatId, Engine, LikeRequest, MessageId,
    UserId, UserLikeRequest, pool_for,
};

/// The engine most tests use: small enough for a test thread's stack, with
/// a pool that never runs out and a retry window of 4 keys.
pub type TestEngine = Engine<Capacity<4, 4, 4, 8, 4, { pool_for(8, 4) }, 4>>;

pub fn user(id: u32) -> UserId {
    UserId::new(id).unwrap()
}

pub fn bot(id: u32) -> BotId {
    BotId::new(id).unwrap()
}

pub fn chat(id: u32) -> ChatId {
    ChatId::new(id).unwrap()
}

pub fn msg(id: u64) -> MessageId {
    MessageId::new(id).unwrap()
}

pub const APP_A: AppId = AppId(1);
pub const APP_B: AppId = AppId(2);
/// An application that owns no bot.
pub const APP_NONE: AppId = AppId(3);

/// Bot 39 belongs to app A; bots 40 and 41 to app B.
pub const BOT_A: u32 = 39;
pub const BOT_B1: u32 = 40;
pub const BOT_B2: u32 = 41;
/// Users 1, 2 and 3 are humans.
pub const ALICE: u32 = 1;
pub const BOB: u32 = 2;
pub const CAROL: u32 = 3;
/// Group chat 7: Alice, Bob, bot 39, bot 40. Dialog 8: Carol and bot 41.
pub const GROUP: u32 = 7;
pub const DIALOG: u32 = 8;
/// Message 100 by Alice and 102 by bot 39, in the group; 101 by Carol, in
/// the dialog.
pub const M_ALICE: u64 = 100;
pub const M_CAROL: u64 = 101;
pub const M_BOT: u64 = 102;

/// The small world described by the constants above.
pub fn world(policy: BotPolicy) -> TestEngine {
    let mut e = TestEngine::with_policy(policy);
    e.register_bot(bot(BOT_A), APP_A).unwrap();
    e.register_bot(bot(BOT_B1), APP_B).unwrap();
    e.register_bot(bot(BOT_B2), APP_B).unwrap();
    let group = [user(ALICE), user(BOB), user(BOT_A), user(BOT_B1)];
    e.open_chat(chat(GROUP), &group).unwrap();
    e.open_chat(chat(DIALOG), &[user(CAROL), user(BOT_B2)])
        .unwrap();
    e.post_message(msg(M_ALICE), chat(GROUP), user(ALICE))
        .unwrap();
    e.post_message(msg(M_CAROL), chat(DIALOG), user(CAROL))
        .unwrap();
    e.post_message(msg(M_BOT), chat(GROUP), user(BOT_A))
        .unwrap();
    e
}

/// The strict-policy world.
pub fn strict_world() -> TestEngine {
    world(BotPolicy::Strict)
}

/// A request from app A through bot 39.
pub fn from_a(message: u64, action: Action) -> LikeRequest {
    LikeRequest::new(msg(message))
        .app(APP_A)
        .bot(bot(BOT_A))
        .action(action)
}

/// The ids of a message's likers.
pub fn likers(e: &TestEngine, message: u64) -> Vec<u32> {
    e.likers(msg(message)).unwrap().map(UserId::get).collect()
}

/// Applies a bot request that must set a like.
pub fn like_set(e: &mut TestEngine, request: &LikeRequest) {
    assert_eq!(e.like(request).unwrap().change, Change::Set);
}

/// Applies a user request that must set a like.
pub fn user_like_set(e: &mut TestEngine, request: &UserLikeRequest) {
    assert_eq!(e.like_as_user(request).unwrap().change, Change::Set);
}

/// SplitMix64: a tiny, fast, well-mixed generator; one `u64` of state.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn range_u32(&mut self, range: std::ops::RangeInclusive<u32>) -> u32 {
        let span = u64::from(range.end() - range.start()) + 1;
        range.start() + u32::try_from(self.below(span)).unwrap_or(0)
    }

    pub fn range_u64(&mut self, range: std::ops::RangeInclusive<u64>) -> u64 {
        range.start() + self.below(range.end() - range.start() + 1)
    }

    /// One element of a non-empty slice, or `None` for an empty one.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        let len = u64::try_from(items.len()).ok()?;
        if len == 0 {
            return None;
        }
        items.get(usize::try_from(self.below(len)).ok()?).copied()
    }
}
