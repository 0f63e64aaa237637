//! The fixed workload shared by the workload benchmarks, and the answer every
//! handler under test gives, so answers can be compared.
//!
//! The world: 64 bots (`1000 + i`, owned by app `i % 8`), 256 chats (ids
//! `1..=256`), bot `i` a member of chat index `c` unless `(i + c) % 3 == 0`,
//! user 1 a member of every chat and the author of every message; messages
//! `1..=n`, message `m` in chat index `(m - 1) % 256`. The requests are
//! `imbot.message.like` calls with `BOT_ID` given, drawn by xorshift64 from a
//! fixed seed. Changing any of this makes figures incomparable across runs.

/// Registered bots.
pub const BOTS: u32 = 64;
/// The first bot's id; bot `i` is `FIRST_BOT + i`.
pub const FIRST_BOT: u32 = 1000;
/// Applications owning the bots: bot `i` belongs to app `i % APPS`.
pub const APPS: u32 = 8;
/// Open chats, with ids `1..=CHATS`.
pub const CHATS: u32 = 256;
/// The human user: a member of every chat and the author of every message.
pub const USER: u32 = 1;
/// Requests in the pre-generated stream.
pub const REQUESTS: usize = 1_000_000;
/// The stream's seed.
pub const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// The `ACTION` of a request, already read (rule L5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Set the like.
    Plus,
    /// Remove the like.
    Minus,
    /// Toggle the like.
    Auto,
}

/// One `imbot.message.like` call with `BOT_ID` given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// The calling application.
    pub app: u32,
    /// `BOT_ID`.
    pub bot: u32,
    /// `MESSAGE_ID`.
    pub message: u64,
    /// `ACTION`.
    pub action: Act,
}

/// The wire error code of a refused request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// `BOT_ID_ERROR`.
    BotId,
    /// `APP_ID_ERROR`.
    AppId,
    /// `MESSAGE_ID_ERROR`.
    MessageId,
    /// `WITHOUT_CHANGES`.
    WithoutChanges,
}

/// The precise reason a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// L1.
    BotNotFound,
    /// L3.
    ForeignBot,
    /// L4.
    MessageIdInvalid,
    /// L6.
    MessageNotFound,
    /// L7.
    NotAMember,
    /// L8, `plus`.
    AlreadyLiked,
    /// L8, `minus`.
    NotLiked,
    /// L9.
    LikeSetFull,
    /// A reason this request shape cannot produce (rule number).
    Other(u8),
}

/// What a handler answers to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// Rule L10: the like was set (`true`) or removed, and the like count after.
    Done {
        /// Whether the like is now set.
        set: bool,
        /// The message's like count after the change.
        count: usize,
    },
    /// The request was refused and nothing changed.
    Refused {
        /// The wire code.
        code: Code,
        /// The precise reason.
        reason: Reason,
    },
}

/// Bot index `i` (0..64) is a member of chat index `c` (0..256).
pub fn is_member(i: u32, c: u32) -> bool {
    !(i + c).is_multiple_of(3)
}

/// The app owning bot index `i`.
pub fn owner(i: u32) -> u32 {
    i % APPS
}

/// The chat id of message `m`.
pub fn chat_of(m: u64) -> u32 {
    let index = u32::try_from((m - 1) % u64::from(CHATS)).expect("chat index fits u32");
    index + 1
}

/// The xorshift64 generator of the request stream.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The request stream for a world of `n` messages: [`REQUESTS`] requests,
/// each drawing bot, message and action in that order.
pub fn requests(n: u64) -> Vec<Request> {
    let mut rng = XorShift(SEED);
    (0..REQUESTS)
        .map(|_| {
            let index = u32::try_from(rng.next() % u64::from(BOTS)).expect("bot index fits u32");
            let message = 1 + rng.next() % n;
            let action = match rng.next() % 4 {
                0 => Act::Plus,
                1 => Act::Minus,
                _ => Act::Auto,
            };
            Request {
                app: owner(index),
                bot: FIRST_BOT + index,
                message,
                action,
            }
        })
        .collect()
}
