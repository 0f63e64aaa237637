//! Reading a snapshot: the frame, then one walk over the body that decodes,
//! checks canonical encoding and every invariant, and hands each entry to a
//! sink. Restoring walks twice: first with a sink that keeps nothing (so a
//! bad snapshot leaves the engine untouched), then with one that builds.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ids::{AppId, BotId, ChatId, MessageId, UserId};
use crate::reaction::Reaction;
use crate::request::BotPolicy;
use crate::snapshot::RestoreError;
use crate::snapshot::canonical::encodes_to;
use crate::snapshot::header::{self, CAPACITY_COUNT, Capacities, Table};
use crate::snapshot::seam::{NoRoom, Store};
use crate::snapshot::validate::{Ascending, Problem, Violation};

/// What a walk does with each validated entry.
pub(crate) trait Sink {
    /// The policy, before any entry.
    fn policy(&mut self, policy: BotPolicy);
    /// A bot.
    fn bot(&mut self, bot: BotId, app: AppId) -> Result<(), NoRoom>;
    /// A chat, before its members.
    fn chat(&mut self, chat: ChatId) -> Result<(), NoRoom>;
    /// A member of the chat last given.
    fn member(&mut self, chat: ChatId, user: UserId) -> Result<(), NoRoom>;
    /// A message, before its reactions.
    fn message(&mut self, id: MessageId, chat: ChatId, author: UserId) -> Result<(), NoRoom>;
    /// A reaction on the message last given.
    fn reaction(&mut self, id: MessageId, kind: Reaction, user: UserId) -> Result<(), NoRoom>;
}

/// Keeps nothing: the validating first pass.
pub(crate) struct Check;

impl Sink for Check {
    fn policy(&mut self, _: BotPolicy) {}
    fn bot(&mut self, _: BotId, _: AppId) -> Result<(), NoRoom> {
        Ok(())
    }
    fn chat(&mut self, _: ChatId) -> Result<(), NoRoom> {
        Ok(())
    }
    fn member(&mut self, _: ChatId, _: UserId) -> Result<(), NoRoom> {
        Ok(())
    }
    fn message(&mut self, _: MessageId, _: ChatId, _: UserId) -> Result<(), NoRoom> {
        Ok(())
    }
    fn reaction(&mut self, _: MessageId, _: Reaction, _: UserId) -> Result<(), NoRoom> {
        Ok(())
    }
}

/// Builds into an engine: the second pass.
pub(crate) struct Build<'e, E>(pub(crate) &'e mut E);

impl<E: Store> Sink for Build<'_, E> {
    fn policy(&mut self, policy: BotPolicy) {
        self.0.clear(policy);
    }
    fn bot(&mut self, bot: BotId, app: AppId) -> Result<(), NoRoom> {
        self.0.add_bot(bot, app)
    }
    fn chat(&mut self, chat: ChatId) -> Result<(), NoRoom> {
        self.0.add_chat(chat)
    }
    fn member(&mut self, chat: ChatId, user: UserId) -> Result<(), NoRoom> {
        self.0.add_member(chat, user)
    }
    fn message(&mut self, id: MessageId, chat: ChatId, author: UserId) -> Result<(), NoRoom> {
        self.0.add_message(id, chat, author)
    }
    fn reaction(&mut self, id: MessageId, kind: Reaction, user: UserId) -> Result<(), NoRoom> {
        self.0.add_reaction(id, kind, user)
    }
}

/// A cursor over the body that decodes canonical postcard values only.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Decodes one value; its bytes must be its canonical encoding.
    fn take<T: Serialize + DeserializeOwned>(&mut self, table: Table) -> Result<T, RestoreError> {
        let (value, rest) = postcard::take_from_bytes::<T>(self.rest)
            .map_err(|_| RestoreError::Malformed(table))?;
        let used = self.rest.len().wrapping_sub(rest.len());
        let bytes = self.rest.get(..used).unwrap_or_default();
        if !encodes_to(&value, bytes) {
            return Err(RestoreError::NonCanonical(table));
        }
        self.rest = rest;
        Ok(value)
    }

    /// Takes `len` raw bytes.
    fn bytes(&mut self, len: usize, table: Table) -> Result<&'a [u8], RestoreError> {
        let (taken, rest) = self
            .rest
            .split_at_checked(len)
            .ok_or(RestoreError::Malformed(table))?;
        self.rest = rest;
        Ok(taken)
    }
}

/// Everything a walk checks counts against.
struct Limits {
    /// What the snapshot declares it was written with.
    declared: Capacities,
    /// What the engine being restored into holds.
    target: Capacities,
}

impl Limits {
    /// A count of `table` entries must fit both capacities.
    fn check(&self, table: Table, count: usize, index: u32, id: u64) -> Result<(), RestoreError> {
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        if count > u64::from(self.declared.of(table)) {
            let v = Violation::new(table, index, id, Problem::OverCapacity);
            return Err(RestoreError::Invalid(v));
        }
        if count > u64::from(self.target.of(table)) {
            return Err(RestoreError::DoesNotFit(table));
        }
        Ok(())
    }
}

/// Checks the frame and walks the body into `sink`.
pub(crate) fn walk<E: Store>(bytes: &[u8], sink: &mut impl Sink) -> Result<(), RestoreError> {
    let body = header::unframe(bytes)?;
    let mut r = Reader { rest: body };
    let declared = capacities(&mut r)?;
    let limits = Limits {
        declared,
        target: E::CAPACITIES,
    };
    let policy = r.take::<u32>(Table::Bots)?;
    sink.policy(match policy {
        0 => BotPolicy::Strict,
        1 => BotPolicy::PortalCompatible,
        _ => {
            let v = Violation::new(Table::Bots, 0, 0, Problem::UnknownPolicy);
            return Err(RestoreError::Invalid(v));
        }
    });
    bots(&mut r, &limits, sink)?;
    let chat_ids = chats(&mut r, &limits, sink)?;
    messages(&mut r, &limits, chat_ids, sink)?;
    if r.rest.is_empty() {
        Ok(())
    } else {
        Err(RestoreError::TrailingBytes)
    }
}

/// The header's capacity list: exactly as many as this version defines.
fn capacities(r: &mut Reader<'_>) -> Result<Capacities, RestoreError> {
    let count = r.take::<u32>(Table::Bots)?;
    if usize::try_from(count).ok() != Some(CAPACITY_COUNT) {
        return Err(RestoreError::Malformed(Table::Bots));
    }
    let mut values = [0u32; CAPACITY_COUNT];
    for (value, table) in values.iter_mut().zip(Table::ALL) {
        *value = r.take::<u32>(Table::Bots)?;
        if !header::sizing_allows(table, *value) {
            return Err(RestoreError::Malformed(table));
        }
    }
    Ok(Capacities::from_values(values))
}

/// A section's entry count, within both capacities of `table`.
fn section_len(r: &mut Reader<'_>, limits: &Limits, table: Table) -> Result<u32, RestoreError> {
    let count = r.take::<u32>(table)?;
    limits.check(table, usize::try_from(count).unwrap_or(usize::MAX), 0, 0)?;
    Ok(count)
}

fn invalid(table: Table, index: u32, id: u64) -> impl Fn(Problem) -> RestoreError {
    move |problem| RestoreError::Invalid(Violation::new(table, index, id, problem))
}

fn no_room(table: Table) -> impl Fn(NoRoom) -> RestoreError {
    move |_| RestoreError::DoesNotFit(table)
}

fn bots(r: &mut Reader<'_>, limits: &Limits, sink: &mut impl Sink) -> Result<(), RestoreError> {
    let count = section_len(r, limits, Table::Bots)?;
    let mut order = Ascending::new();
    for index in 0..count {
        let id = r.take::<u32>(Table::Bots)?;
        let app = r.take::<u32>(Table::Bots)?;
        let bad = invalid(Table::Bots, index, u64::from(id));
        order.next(u64::from(id)).map_err(&bad)?;
        let bot = BotId::new(id).ok_or(Problem::NotPositive).map_err(&bad)?;
        sink.bot(bot, AppId(app)).map_err(no_room(Table::Bots))?;
    }
    Ok(())
}

/// The chat id at `index` of the 4-byte id array.
fn chat_at(ids: &[u8], index: usize) -> u32 {
    let start = index.wrapping_mul(4);
    let mut word = [0u8; 4];
    if let Some(bytes) = ids.get(start..start.wrapping_add(4)) {
        word.copy_from_slice(bytes);
    }
    u32::from_be_bytes(word)
}

/// Whether the ascending 4-byte id array holds `chat`. O(log n).
fn holds_chat(ids: &[u8], chat: u32) -> bool {
    let (mut low, mut high) = (0usize, ids.len() / 4);
    while low < high {
        let mid = low.wrapping_add(high.wrapping_sub(low) / 2);
        match chat_at(ids, mid).cmp(&chat) {
            core::cmp::Ordering::Less => low = mid.wrapping_add(1),
            core::cmp::Ordering::Greater => high = mid,
            core::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// The chat section; returns its id array, ascending, for message checks.
fn chats<'a>(
    r: &mut Reader<'a>,
    limits: &Limits,
    sink: &mut impl Sink,
) -> Result<&'a [u8], RestoreError> {
    let count = section_len(r, limits, Table::Chats)?;
    let len = usize::try_from(count)
        .unwrap_or(usize::MAX)
        .saturating_mul(4);
    let ids = r.bytes(len, Table::Chats)?;
    let mut order = Ascending::new();
    for index in 0..count {
        let id = chat_at(ids, usize::try_from(index).unwrap_or(usize::MAX));
        let bad = invalid(Table::Chats, index, u64::from(id));
        order.next(u64::from(id)).map_err(bad)?;
    }
    for index in 0..count {
        let raw = chat_at(ids, usize::try_from(index).unwrap_or(usize::MAX));
        let chat = ChatId::new(raw).ok_or(RestoreError::Malformed(Table::Chats))?;
        sink.chat(chat).map_err(no_room(Table::Chats))?;
        members(r, limits, index, chat, sink)?;
    }
    Ok(ids)
}

fn members(
    r: &mut Reader<'_>,
    limits: &Limits,
    index: u32,
    chat: ChatId,
    sink: &mut impl Sink,
) -> Result<(), RestoreError> {
    let id = u64::from(chat.get());
    let count = r.take::<u32>(Table::Members)?;
    let count_usize = usize::try_from(count).unwrap_or(usize::MAX);
    limits.check(Table::Members, count_usize, index, id)?;
    let bad = invalid(Table::Members, index, id);
    let mut order = Ascending::new();
    for _ in 0..count {
        let user = r.take::<u32>(Table::Members)?;
        order.next(u64::from(user)).map_err(&bad)?;
        let user = UserId::new(user)
            .ok_or(Problem::NotPositive)
            .map_err(&bad)?;
        sink.member(chat, user).map_err(no_room(Table::Members))?;
    }
    Ok(())
}

fn messages(
    r: &mut Reader<'_>,
    limits: &Limits,
    chat_ids: &[u8],
    sink: &mut impl Sink,
) -> Result<(), RestoreError> {
    let count = section_len(r, limits, Table::Messages)?;
    let mut order = Ascending::new();
    for index in 0..count {
        let raw = r.take::<u64>(Table::Messages)?;
        let chat = r.take::<u32>(Table::Messages)?;
        let author = r.take::<u32>(Table::Messages)?;
        let bad = invalid(Table::Messages, index, raw);
        order.next(raw).map_err(&bad)?;
        let id = MessageId::new(raw).ok_or(Problem::TooLarge).map_err(&bad)?;
        let chat = ChatId::new(chat)
            .ok_or(Problem::NotPositive)
            .map_err(&bad)?;
        let author = UserId::new(author)
            .ok_or(Problem::NotPositive)
            .map_err(&bad)?;
        if !holds_chat(chat_ids, chat.get()) {
            return Err(bad(Problem::UnknownChat));
        }
        sink.message(id, chat, author)
            .map_err(no_room(Table::Messages))?;
        reactions(r, limits, index, id, sink)?;
    }
    Ok(())
}

fn reactions(
    r: &mut Reader<'_>,
    limits: &Limits,
    index: u32,
    id: MessageId,
    sink: &mut impl Sink,
) -> Result<(), RestoreError> {
    let bad = invalid(Table::Reactions, index, id.get());
    let groups = r.take::<u32>(Table::Reactions)?;
    let mut total = 0usize;
    let mut kinds = Ascending::new();
    for _ in 0..groups {
        let kind = r.take::<u8>(Table::Reactions)?;
        // Kind indexes start at 0; shift by one for the ascending check.
        kinds
            .next(u64::from(kind).wrapping_add(1))
            .map_err(|_| bad(Problem::BadKind))?;
        let reaction = *Reaction::ALL
            .get(usize::from(kind))
            .ok_or(Problem::BadKind)
            .map_err(&bad)?;
        let users = r.take::<u32>(Table::Reactions)?;
        if users == 0 {
            return Err(bad(Problem::EmptyGroup));
        }
        total = total.saturating_add(usize::try_from(users).unwrap_or(usize::MAX));
        limits.check(Table::Reactions, total, index, id.get())?;
        let mut order = Ascending::new();
        for _ in 0..users {
            let user = r.take::<u32>(Table::Reactions)?;
            order.next(u64::from(user)).map_err(&bad)?;
            let user = UserId::new(user)
                .ok_or(Problem::NotPositive)
                .map_err(&bad)?;
            sink.reaction(id, reaction, user)
                .map_err(no_room(Table::Reactions))?;
        }
    }
    Ok(())
}
