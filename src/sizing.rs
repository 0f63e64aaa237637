//! Capacities: one type parameter that fixes every table's size.
//!
//! An [`Engine`](crate::Engine) takes one sizing type. [`Capacity`] builds
//! one from six numbers (and two optional ones); the named sizings ([`Small`], [`Server`]) are
//! aliases of it. Code that wraps the engine stays generic over
//! `S: Sizing` and never repeats the numbers.
//!
//! The trait's associated types are the backing arrays of the tables. They
//! are an implementation detail (hidden from the docs and not covered by
//! semver); the trait is sealed, so [`Capacity`] is its only implementor.

pub(crate) use crate::array::Array;
pub use crate::bits::mask_words;
use crate::ids::{AppId, BotId, ChatId, MessageId, UserId};
use crate::store::{ChatRow, MessageRow};
use crate::window::{Remembered, StoredKey};

/// The capacities of an engine's tables. Implemented by [`Capacity`] only.
///
/// | constant   | capacity of                                   | constraint           |
/// | ---------- | --------------------------------------------- | -------------------- |
/// | `BOTS`     | registered bots                               | power of two, ≤ 2^30 |
/// | `CHATS`    | open chats                                    | power of two, ≤ 2^30 |
/// | `MEMBERS`  | members of one chat                           | 2 ..= 65 535         |
/// | `MESSAGES` | stored messages                               | power of two, ≤ 2^30 |
/// | `LIKES`    | reactions on one message (each like is one)   | 1 ..= 65 535         |
/// | `POOL`     | reaction entries of all messages together     | 1 ..= 2^31           |
/// | `KEYS`     | keyed requests remembered for retries         | 0 or a power of two, ≤ 2^20 |
/// | `WORDS`    | 64-bit words of a message's like mask         | [`mask_words`]`(MEMBERS)` |
///
/// The constraints are checked at compile time by
/// [`Engine::new`](crate::Engine::new).
pub trait Sizing: sealed::Sealed + 'static {
    /// Registered bots.
    const BOTS: usize;
    /// Open chats.
    const CHATS: usize;
    /// Members of one chat.
    const MEMBERS: usize;
    /// Stored messages.
    const MESSAGES: usize;
    /// Reactions of every kind on one message.
    const LIKES: usize;
    /// Reaction entries of all messages together (see [`Capacity`]).
    const POOL: usize;
    /// Keyed requests remembered for retries (see
    /// [`Engine::like_keyed`](crate::Engine::like_keyed)); 0 remembers none.
    const KEYS: usize;
    /// Words of a message's like mask, one bit per member:
    /// [`mask_words`]`(MEMBERS)`, no more and no fewer.
    const WORDS: usize;

    #[doc(hidden)]
    type BotRows: Array<(BotId, AppId)>;
    #[doc(hidden)]
    type BotIndex: Array<[u32; 2]>;
    #[doc(hidden)]
    type MemberList: Array<UserId>;
    #[doc(hidden)]
    type MemberIndex: Array<[u16; 2]>;
    #[doc(hidden)]
    type ChatRows: Array<(ChatId, ChatRow<Self::MemberList, Self::MemberIndex>)>;
    #[doc(hidden)]
    type ChatIndex: Array<[u32; 2]>;
    #[doc(hidden)]
    type Mask: Array<u64>;
    #[doc(hidden)]
    type MessageRows: Array<(MessageId, MessageRow<Self::Mask>)>;
    #[doc(hidden)]
    type MessageIndex: Array<[u32; 2]>;
    #[doc(hidden)]
    type PoolEntries: Array<u64>;
    #[doc(hidden)]
    type KeyRows: Array<(StoredKey, Remembered)>;
    #[doc(hidden)]
    type KeyIndex: Array<[u32; 2]>;
    #[doc(hidden)]
    type KeyRing: Array<StoredKey>;
}

/// A sizing built from six capacities, the retry window and the like
/// mask's words (see [`Sizing`] for their meaning and constraints).
///
/// `KEYS`, the seventh, defaults to 0: the engine remembers no keyed
/// requests, its keyed entry points behave exactly as the unkeyed ones,
/// and the window costs no memory. With `KEYS` > 0 each remembered request
/// costs a fixed slot (see `Sizing::KEYS` and the crate's README for the
/// figure).
///
/// `WORDS`, the eighth, is derived from `MEMBERS`: it must be
/// [`mask_words`]`(MEMBERS)`, the 64-bit words that hold one bit per
/// member, and defaults to 1, which fits up to 64 members. A sizing with
/// more members names it (`{ mask_words(MEMBERS) }`); any other value
/// fails to compile. Each message keeps its current members' likes as
/// these bits, and `8 × WORDS` bytes of mask a message is their cost.
///
/// ```compile_fail
/// use imbot_like::{Capacity, Engine};
///
/// // 100 members need two words of mask; the default of one is refused.
/// let engine = Engine::<Capacity<4, 4, 100, 8, 4, 64>>::new();
/// ```
///
/// Reactions live in one shared pool of `POOL` entries, not in a fixed
/// array per message, so memory follows the number of reactions actually
/// set. A message's reactions occupy one block of the pool whose size is a
/// power of two, doubled as the set grows. A pool of at least
/// `2 × MESSAGES × LIKES'` entries (`LIKES'` the next power of two) can
/// never run out, so its only refusal is a message at `LIKES`; a smaller
/// pool saves memory and may refuse a reaction with
/// [`LikeError::PoolFull`](crate::LikeError::PoolFull) while messages are
/// below `LIKES`.
///
/// ```
/// use imbot_like::{Capacity, Engine, mask_words, pool_for};
///
/// /// 16 bots, 64 chats of up to 32 members, 1 024 messages of up to 32
/// /// reactions each, and a pool that never refuses.
/// type Kiosk = Capacity<16, 64, 32, 1024, 32, { pool_for(1024, 32) }>;
///
/// /// The same with chats of up to 200 members: a like mask of four words.
/// type Hall = Capacity<16, 64, 200, 1024, 32, { pool_for(1024, 32) }, 0, { mask_words(200) }>;
///
/// // `new` is a `const fn`: the engine can live in a `static`.
/// static EMPTY: Engine<Kiosk> = Engine::new();
/// assert_eq!(EMPTY.message_count(), 0);
/// # let hall = Box::new(Engine::<Hall>::new());
/// # assert_eq!(hall.message_count(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capacity<
    const BOTS: usize,
    const CHATS: usize,
    const MEMBERS: usize,
    const MESSAGES: usize,
    const LIKES: usize,
    const POOL: usize,
    const KEYS: usize = 0,
    const WORDS: usize = 1,
>;

impl<
    const BOTS: usize,
    const CHATS: usize,
    const MEMBERS: usize,
    const MESSAGES: usize,
    const LIKES: usize,
    const POOL: usize,
    const KEYS: usize,
    const WORDS: usize,
> Sizing for Capacity<BOTS, CHATS, MEMBERS, MESSAGES, LIKES, POOL, KEYS, WORDS>
{
    const BOTS: usize = BOTS;
    const CHATS: usize = CHATS;
    const MEMBERS: usize = MEMBERS;
    const MESSAGES: usize = MESSAGES;
    const LIKES: usize = LIKES;
    const POOL: usize = POOL;
    const KEYS: usize = KEYS;
    const WORDS: usize = WORDS;

    type BotRows = [(BotId, AppId); BOTS];
    type BotIndex = [[u32; 2]; BOTS];
    type MemberList = [UserId; MEMBERS];
    type MemberIndex = [[u16; 2]; MEMBERS];
    type ChatRows = [(ChatId, ChatRow<[UserId; MEMBERS], [[u16; 2]; MEMBERS]>); CHATS];
    type ChatIndex = [[u32; 2]; CHATS];
    type Mask = [u64; WORDS];
    type MessageRows = [(MessageId, MessageRow<[u64; WORDS]>); MESSAGES];
    type MessageIndex = [[u32; 2]; MESSAGES];
    type PoolEntries = [u64; POOL];
    type KeyRows = [(StoredKey, Remembered); KEYS];
    type KeyIndex = [[u32; 2]; KEYS];
    type KeyRing = [StoredKey; KEYS];
}

impl<
    const BOTS: usize,
    const CHATS: usize,
    const MEMBERS: usize,
    const MESSAGES: usize,
    const LIKES: usize,
    const POOL: usize,
    const KEYS: usize,
    const WORDS: usize,
> sealed::Sealed for Capacity<BOTS, CHATS, MEMBERS, MESSAGES, LIKES, POOL, KEYS, WORDS>
{
}

/// The largest pool a sizing could ever use: `2 × messages × LIKES'`.
/// With at least this many entries, [`Capacity`]'s pool never refuses.
#[must_use]
pub const fn pool_for(messages: usize, likes: usize) -> usize {
    messages
        .saturating_mul(2)
        .saturating_mul(likes.next_power_of_two())
}

/// A sizing for microcontrollers, about 6.5 KiB: 4 bots, 8 chats of up to
/// 8 members, 64 messages with up to 8 reactions each (every member of a
/// chat may like a message), sharing a pool of 256 reaction entries (four
/// a message on average; [`pool_for`]`(64, 8)` would never run out, at
/// 8 KiB of pool).
pub type Small = Capacity<4, 8, 8, 64, 8, 256>;

/// A sizing for servers: 256 bots, 4 096 chats of up to 128 members and
/// 1 048 576 messages. A message takes up to 6 144 reactions, every kind
/// from every member, so its own limit never refuses a member; all
/// messages share a pool of 2 097 152 reaction entries (two per message on
/// average), which is what bounds memory. It remembers the last 4 096
/// keyed requests for retries; a like mask of two words a message. About
/// 85 MiB: keep it in a `static` or on the heap, not on a stack.
pub type Server =
    Capacity<256, 4096, 128, { 1 << 20 }, 6144, { 1 << 21 }, 4096, { mask_words(128) }>;

mod sealed {
    /// Keeps [`super::Sizing`] implemented by [`super::Capacity`] only.
    pub trait Sealed {}
}
