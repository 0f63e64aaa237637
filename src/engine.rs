//! The owning value: all tables, fixed capacity, built in `const` context.

use crate::ids::{AppId, BotId, ChatId, MessageId};
use crate::request::BotPolicy;
use crate::store::{Members, Message};
use crate::table::Table;

/// The like engine: every table, each of fixed capacity.
///
/// | parameter  | capacity of                                 | constraint            |
/// | ---------- | ------------------------------------------- | --------------------- |
/// | `BOTS`     | registered bots                             | power of two, ≤ 2^30  |
/// | `CHATS`    | open chats                                  | power of two, ≤ 2^30  |
/// | `MEMBERS`  | members of one chat                         | 2 ..= 65 535          |
/// | `MESSAGES` | stored messages                             | power of two, ≤ 2^30  |
/// | `LIKES`    | reactions on one message (each like is one) | 1 ..= 65 535          |
///
/// Bots, chats and messages each live in dense rows behind a hash index
/// that is never more than half full, so finding one by id costs O(1)
/// expected even in a full table; a chat's members and a message's
/// reactions are sorted vectors searched by bisection. Constraints are
/// checked at compile time by [`Engine::new`].
///
/// The value is plain data with no pointers: a large sizing belongs in a
/// `static` (see [`ServerEngine`]). Two engines are equal when they have
/// the same policy and hold the same bots, chats, members, messages and
/// reactions, whatever order they were stored in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engine<
    const BOTS: usize,
    const CHATS: usize,
    const MEMBERS: usize,
    const MESSAGES: usize,
    const LIKES: usize,
> {
    pub(crate) policy: BotPolicy,
    pub(crate) bots: Table<BotId, AppId, BOTS>,
    pub(crate) chats: Table<ChatId, Members<MEMBERS>, CHATS>,
    pub(crate) messages: Table<MessageId, Message<LIKES>, MESSAGES>,
}

/// A sizing for microcontrollers: 4 bots, 8 chats of up to 8 members,
/// 64 messages with up to 8 likes each.
pub type SmallEngine = Engine<4, 8, 8, 64, 8>;

/// A sizing for servers: 256 bots, 4096 chats of up to 128 members,
/// 65 536 messages with up to 32 likes each. It is about 21 MiB: keep it in
/// a `static` (its `new` is `const`), not on a stack.
pub type ServerEngine = Engine<256, 4096, 128, 65536, 32>;

impl<
    const BOTS: usize,
    const CHATS: usize,
    const MEMBERS: usize,
    const MESSAGES: usize,
    const LIKES: usize,
> Engine<BOTS, CHATS, MEMBERS, MESSAGES, LIKES>
{
    /// An empty engine with the [`BotPolicy::Strict`] bot selection.
    ///
    /// Capacities that break the constraints in the type's table fail to
    /// compile.
    #[must_use]
    pub const fn new() -> Self {
        Self::with_policy(BotPolicy::Strict)
    }

    /// An empty engine with the given bot selection policy for rule L2.
    #[must_use]
    pub const fn with_policy(policy: BotPolicy) -> Self {
        const {
            assert!(
                BOTS.is_power_of_two() && BOTS <= 1 << 30,
                "BOTS must be a power of two, at most 2^30"
            );
            assert!(
                CHATS.is_power_of_two() && CHATS <= 1 << 30,
                "CHATS must be a power of two, at most 2^30"
            );
            assert!(
                MESSAGES.is_power_of_two() && MESSAGES <= 1 << 30,
                "MESSAGES must be a power of two, at most 2^30"
            );
            assert!(
                MEMBERS >= 2 && MEMBERS <= 65_535,
                "MEMBERS must be in 2..=65535: a dialog has two"
            );
            assert!(LIKES >= 1 && LIKES <= 65_535, "LIKES must be in 1..=65535");
        }
        Self {
            policy,
            bots: Table::new(),
            chats: Table::new(),
            messages: Table::new(),
        }
    }

    /// The bot selection policy chosen when the engine was built.
    #[must_use]
    pub const fn policy(&self) -> BotPolicy {
        self.policy
    }
}

impl<
    const BOTS: usize,
    const CHATS: usize,
    const MEMBERS: usize,
    const MESSAGES: usize,
    const LIKES: usize,
> Default for Engine<BOTS, CHATS, MEMBERS, MESSAGES, LIKES>
{
    fn default() -> Self {
        Self::new()
    }
}

/// A summary (policy and table fill), not the tables themselves.
#[cfg(feature = "defmt")]
impl<
    const BOTS: usize,
    const CHATS: usize,
    const MEMBERS: usize,
    const MESSAGES: usize,
    const LIKES: usize,
> defmt::Format for Engine<BOTS, CHATS, MEMBERS, MESSAGES, LIKES>
{
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Engine {{ policy: {}, bots: {}/{}, chats: {}/{}, messages: {}/{} }}",
            self.policy,
            self.bots.len(),
            BOTS,
            self.chats.len(),
            CHATS,
            self.messages.len(),
            MESSAGES
        );
    }
}
