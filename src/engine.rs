//! The owning value: all tables, fixed capacity, built in `const` context.

use core::fmt;

use crate::array::Array;
use crate::bits::mask_words;
use crate::ids::{AppId, BotId, ChatId, MessageId};
use crate::pool::{Pool, kind_of, user_of};
use crate::query::Users;
use crate::reaction::Reaction;
use crate::request::BotPolicy;
use crate::sizing::{Server, Sizing, Small};
use crate::store::{ChatRow, MessageRow};
use crate::table::Table;
use crate::window::Window;

/// The like engine: every table, each of the fixed capacity its
/// [`Sizing`] gives.
///
/// Bots, chats and messages each live in dense rows behind a hash index
/// that is never more than half full, so finding one by id costs O(1)
/// expected even in a full table. A message row names its chat by row
/// number, so a like request reaches the message, its chat and its likes
/// with one hash lookup. A chat's members are a sorted array with a hash
/// index giving each member's rank; a message keeps its current members'
/// likes as one bit per rank, and its other reactions, with the likes of
/// members who left, in one shared pool (see
/// [`Capacity`](crate::Capacity)). Capacities are checked at compile time
/// by [`Engine::new`].
///
/// The value is plain data with no pointers: a large sizing belongs in a
/// `static` or on the heap (see [`ServerEngine`]). Two engines are equal
/// when they have the same policy and hold the same bots, chats, members,
/// messages, reactions and versions, whatever order they were stored in.
pub struct Engine<S: Sizing> {
    pub(crate) policy: BotPolicy,
    pub(crate) bots: Bots<S>,
    pub(crate) chats: Chats<S>,
    pub(crate) messages: Messages<S>,
    pub(crate) pool: Reactions<S>,
    pub(crate) keys: Keys<S>,
}

/// The bot table of a sizing: bot id to owning application.
pub(crate) type Bots<S> = Table<BotId, AppId, <S as Sizing>::BotRows, <S as Sizing>::BotIndex>;
/// A chat row of a sizing: its members and their hash index.
pub(crate) type Chat<S> = ChatRow<<S as Sizing>::MemberList, <S as Sizing>::MemberIndex>;
/// The chat table of a sizing: chat id to member list.
pub(crate) type Chats<S> =
    Table<ChatId, Chat<S>, <S as Sizing>::ChatRows, <S as Sizing>::ChatIndex>;
/// A message row of a sizing: its like mask has the sizing's words.
pub(crate) type Message<S> = MessageRow<<S as Sizing>::Mask>;
/// The message table of a sizing.
pub(crate) type Messages<S> =
    Table<MessageId, Message<S>, <S as Sizing>::MessageRows, <S as Sizing>::MessageIndex>;
/// The reaction pool of a sizing.
pub(crate) type Reactions<S> = Pool<<S as Sizing>::PoolEntries>;

/// The retry window of a sizing: the last keyed requests and answers.
pub(crate) type Keys<S> =
    Window<<S as Sizing>::KeyRows, <S as Sizing>::KeyIndex, <S as Sizing>::KeyRing>;

/// An engine for microcontrollers (see [`Small`]): about 6.5 KiB.
pub type SmallEngine = Engine<Small>;

/// An engine for servers (see [`Server`]): a million messages in about
/// 85 MiB. Keep it in a `static` (its `new` is `const`) or build it on the
/// heap, not on a stack.
pub type ServerEngine = Engine<Server>;

impl<S: Sizing> Engine<S> {
    /// An empty engine with the [`BotPolicy::Strict`] bot selection.
    ///
    /// Capacities that break the constraints of [`Sizing`] fail to compile.
    #[must_use]
    pub const fn new() -> Self {
        Self::with_policy(BotPolicy::Strict)
    }

    /// An empty engine with the given bot selection policy for rule L2.
    #[must_use]
    pub const fn with_policy(policy: BotPolicy) -> Self {
        const {
            assert!(
                S::BOTS.is_power_of_two() && S::BOTS <= 1 << 30,
                "BOTS must be a power of two, at most 2^30"
            );
            assert!(
                S::CHATS.is_power_of_two() && S::CHATS <= 1 << 30,
                "CHATS must be a power of two, at most 2^30"
            );
            assert!(
                S::MESSAGES.is_power_of_two() && S::MESSAGES <= 1 << 30,
                "MESSAGES must be a power of two, at most 2^30"
            );
            assert!(
                S::MEMBERS >= 2 && S::MEMBERS <= 65_535,
                "MEMBERS must be in 2..=65535: a dialog has two"
            );
            assert!(
                S::LIKES >= 1 && S::LIKES <= 65_535,
                "LIKES must be in 1..=65535"
            );
            assert!(
                S::POOL >= 1 && S::POOL <= 1 << 31,
                "POOL must be in 1..=2^31"
            );
            assert!(
                S::KEYS == 0 || (S::KEYS.is_power_of_two() && S::KEYS <= 1 << 20),
                "KEYS must be 0 or a power of two, at most 2^20"
            );
            assert!(
                S::WORDS == mask_words(S::MEMBERS),
                "WORDS must be mask_words(MEMBERS): one bit per member"
            );
        }
        Self {
            policy,
            bots: Table::new(),
            chats: Table::new(),
            messages: Table::new(),
            pool: Pool::new(),
            keys: Window::new(),
        }
    }

    /// The bot selection policy chosen when the engine was built.
    #[must_use]
    pub const fn policy(&self) -> BotPolicy {
        self.policy
    }

    /// A message row's chat: its id and row. Every stored message's chat
    /// row exists, so this is `None` only for a row not from this engine.
    pub(crate) fn chat_of(&self, row: &Message<S>) -> Option<(ChatId, &Chat<S>)> {
        let (id, chat) = self.chats.rows().get(row.chat as usize)?;
        Some((*id, chat))
    }

    /// The users who like a message, ascending: its chat's members whose
    /// bit is set, merged with the likes kept by former members.
    pub(crate) fn likers_of<'a>(&'a self, row: &'a Message<S>) -> Users<'a> {
        let members = self.chat_of(row).map(|(_, c)| c.as_slice());
        Users::merged(
            row.mask.as_slice(),
            members.unwrap_or_default(),
            row.kept(&self.pool),
            usize::from(row.likes),
        )
    }

    /// A message's reactions as (kind code, user) pairs, ascending.
    pub(crate) fn entries<'a>(
        &'a self,
        row: &'a Message<S>,
    ) -> impl Iterator<Item = (u8, u32)> + 'a {
        let likes = self.likers_of(row).map(|u| (Reaction::Like as u8, u.get()));
        let others = row.others(&self.pool).iter();
        likes.chain(others.map(|&e| (kind_of(e), user_of(e))))
    }

    /// Whether two engines hold the same message `id` with the same
    /// content.
    fn same_message(&self, other: &Self, id: MessageId, row: &Message<S>) -> bool {
        let Some(theirs) = other.messages.get(id) else {
            return false;
        };
        let chat = |e: &Self, r: &Message<S>| e.chat_of(r).map(|(c, _)| c);
        chat(self, row) == chat(other, theirs)
            && row.author == theirs.author
            && row.version == theirs.version
            && self.entries(row).eq(other.entries(theirs))
    }
}

impl<S: Sizing> Default for Engine<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Sizing> Clone for Engine<S> {
    fn clone(&self) -> Self {
        Self {
            policy: self.policy,
            bots: self.bots.clone(),
            chats: self.chats.clone(),
            messages: self.messages.clone(),
            pool: self.pool.clone(),
            keys: self.keys.clone(),
        }
    }
}

impl<S: Sizing> PartialEq for Engine<S> {
    /// Compares content, not layout: the retry window too, entry by entry
    /// in arrival order. O(bots + chats × MEMBERS + messages × (MEMBERS /
    /// 64 + LIKES) + KEYS) expected.
    fn eq(&self, other: &Self) -> bool {
        let same_bots = self.bots.len() == other.bots.len()
            && self.bots.iter().all(|(b, a)| other.bots.get(*b) == Some(a));
        let same_chats = self.chats.len() == other.chats.len()
            && self
                .chats
                .iter()
                .all(|(c, m)| other.chats.get(*c).map(ChatRow::as_slice) == Some(m.as_slice()));
        let same_messages = self.messages.len() == other.messages.len()
            && self
                .messages
                .iter()
                .all(|(id, row)| self.same_message(other, *id, row));
        self.policy == other.policy
            && same_bots
            && same_chats
            && same_messages
            && self.keys.same(&other.keys)
    }
}

impl<S: Sizing> Eq for Engine<S> {}

/// The engine's content: policy, bots, chats with their members,
/// messages with their chat, author, version and reactions, and the
/// remembered keyed requests, oldest first.
impl<S: Sizing> fmt::Debug for Engine<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bots = debug_with(|f| f.debug_map().entries(self.bots.iter()).finish());
        let chats = debug_with(|f| {
            let rows = self.chats.iter().map(|(c, m)| (c, m.as_slice()));
            f.debug_map().entries(rows).finish()
        });
        let messages = debug_with(|f| {
            let mut map = f.debug_map();
            for (id, row) in self.messages.iter() {
                map.entry(id, &DebugMessage(self, row));
            }
            map.finish()
        });
        let keys = debug_with(|f| f.debug_list().entries(self.keys.iter()).finish());
        f.debug_struct("Engine")
            .field("policy", &self.policy)
            .field("bots", &bots)
            .field("chats", &chats)
            .field("messages", &messages)
            .field("keys", &keys)
            .finish()
    }
}

/// Formats through a closure.
struct DebugWith<F>(F);

/// A [`DebugWith`]; the bound lets the closure's argument type be inferred.
fn debug_with<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result>(f: F) -> DebugWith<F> {
    DebugWith(f)
}

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Debug for DebugWith<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

/// One message row, with its chat id and reactions resolved.
struct DebugMessage<'a, S: Sizing>(&'a Engine<S>, &'a Message<S>);

impl<S: Sizing> fmt::Debug for DebugMessage<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self(engine, row) = *self;
        let reactions = debug_with(|f| f.debug_list().entries(engine.entries(row)).finish());
        f.debug_struct("Message")
            .field("chat", &engine.chat_of(row).map(|(c, _)| c))
            .field("author", &row.author)
            .field("version", &row.version)
            .field("reactions", &reactions)
            .finish()
    }
}

/// A summary (policy and table fill), not the tables themselves.
#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl<S: Sizing> defmt::Format for Engine<S> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Engine {{ policy: {}, bots: {}/{}, chats: {}/{}, messages: {}/{}, pool: {}/{}, keys: {}/{} }}",
            self.policy,
            self.bots.len(),
            S::BOTS,
            self.chats.len(),
            S::CHATS,
            self.messages.len(),
            S::MESSAGES,
            self.pool.high_water(),
            S::POOL,
            self.keys.len(),
            S::KEYS
        );
    }
}
