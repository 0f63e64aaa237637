//! Writing a snapshot: header, the three table sections in ascending id
//! order, the retry window oldest first, and the trailer.
//!
//! The engine's tables are hash tables in no order and the crate cannot
//! allocate, so each section borrows the unused tail of the caller's
//! buffer as scratch: the section's ids go there as 8-byte big-endian
//! words and are sorted in place; the section is then written *before* the
//! scratch, one id at a time, each looked up in the engine. The writer's
//! slice ends where the scratch begins, so the cursor cannot overtake it;
//! a buffer too small for section plus scratch is an error.

use serde::Serialize;

use crate::ids::{BotId, ChatId, MessageId};
use crate::snapshot::SnapshotError;
use crate::snapshot::header::{self, FIXED_LEN, MAGIC, TRAILER_LEN, VERSION};
use crate::snapshot::seam::Store;
use crate::snapshot::sort::{read_id, sort_ids, sort_ids_by};

/// A cursor over the part of the buffer before the scratch.
struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Writer<'_> {
    /// Appends one value's postcard encoding.
    fn put<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SnapshotError> {
        let rest = self
            .buf
            .get_mut(self.pos..)
            .ok_or(SnapshotError::BufferTooSmall)?;
        let used = postcard::to_slice(value, rest)
            .map_err(|_| SnapshotError::BufferTooSmall)?
            .len();
        self.pos = self.pos.wrapping_add(used);
        Ok(())
    }

    /// Appends a count as a varint.
    fn count(&mut self, n: usize) -> Result<(), SnapshotError> {
        let n = u32::try_from(n).map_err(|_| SnapshotError::BufferTooSmall)?;
        self.put(&n)
    }
}

/// Writes the whole snapshot into `buf`; returns its length.
pub(crate) fn snapshot<E: Store>(engine: &E, buf: &mut [u8]) -> Result<usize, SnapshotError> {
    let mut pos = header_fields::<E>(engine, buf)?;
    pos = bots(engine, buf, pos)?;
    pos = chats(engine, buf, pos)?;
    pos = messages(engine, buf, pos)?;
    pos = keys(engine, buf, pos)?;
    let framed = buf.get(..pos).ok_or(SnapshotError::BufferTooSmall)?;
    let trailer = header::trailer(framed);
    let end = pos.wrapping_add(TRAILER_LEN);
    buf.get_mut(pos..end)
        .ok_or(SnapshotError::BufferTooSmall)?
        .copy_from_slice(&trailer);
    Ok(end)
}

/// Magic, version, capacities and policy.
fn header_fields<E: Store>(engine: &E, buf: &mut [u8]) -> Result<usize, SnapshotError> {
    let fixed = buf
        .get_mut(..FIXED_LEN)
        .ok_or(SnapshotError::BufferTooSmall)?;
    let (magic, version) = fixed.split_at_mut(MAGIC.len());
    magic.copy_from_slice(&MAGIC);
    version.copy_from_slice(&VERSION.to_le_bytes());
    let mut w = Writer {
        buf,
        pos: FIXED_LEN,
    };
    let capacities = E::CAPACITIES;
    w.count(capacities.values().len())?;
    for value in capacities.values() {
        w.put(value)?;
    }
    w.put(&engine.policy())?;
    Ok(w.pos)
}

/// Fills the tail of `buf` with `ids` and sorts them; returns the part
/// before the scratch and the sorted scratch.
fn sorted_scratch(
    buf: &mut [u8],
    count: usize,
    ids: impl Iterator<Item = u64>,
) -> Result<(&mut [u8], &[u8]), SnapshotError> {
    let need = count.checked_mul(8).ok_or(SnapshotError::BufferTooSmall)?;
    let split = buf
        .len()
        .checked_sub(need)
        .ok_or(SnapshotError::BufferTooSmall)?;
    let (head, scratch) = buf.split_at_mut(split);
    for (slot, id) in scratch.chunks_exact_mut(8).zip(ids) {
        slot.copy_from_slice(&id.to_be_bytes());
    }
    sort_ids(scratch);
    Ok((head, scratch))
}

/// The bot section: count, then (id, app) by ascending id.
fn bots<E: Store>(engine: &E, buf: &mut [u8], pos: usize) -> Result<usize, SnapshotError> {
    let [count, _, _] = engine.counts();
    let ids = engine.bot_ids().map(|b| u64::from(b.get()));
    let (head, scratch) = sorted_scratch(buf, count, ids)?;
    let mut w = Writer { buf: head, pos };
    w.count(count)?;
    for bot in scratch.chunks_exact(8).filter_map(|c| bot_id(read_id(c))) {
        let app = engine.bot_owner(bot).ok_or(SnapshotError::Inconsistent)?;
        w.put(&bot.get())?;
        w.put(&app.0)?;
    }
    Ok(w.pos)
}

/// The chat section: count, the ids as 4-byte big-endian words, then each
/// chat's member list, all by ascending id.
fn chats<E: Store>(engine: &E, buf: &mut [u8], pos: usize) -> Result<usize, SnapshotError> {
    let [_, count, _] = engine.counts();
    let ids = engine.chat_ids().map(|c| u64::from(c.get()));
    let (head, scratch) = sorted_scratch(buf, count, ids)?;
    let mut w = Writer { buf: head, pos };
    w.count(count)?;
    let sorted = || scratch.chunks_exact(8).filter_map(|c| chat_id(read_id(c)));
    for chat in sorted() {
        w.put(&chat.get().to_be_bytes())?;
    }
    for chat in sorted() {
        let members = engine
            .chat_members(chat)
            .ok_or(SnapshotError::Inconsistent)?;
        w.count(members.len())?;
        for user in members {
            w.put(&user.get())?;
        }
    }
    Ok(w.pos)
}

/// The message section: count, then each message by ascending id with its
/// chat, author, version and reaction groups.
fn messages<E: Store>(engine: &E, buf: &mut [u8], pos: usize) -> Result<usize, SnapshotError> {
    let [_, _, count] = engine.counts();
    let ids = engine.message_ids().map(MessageId::get);
    let (head, scratch) = sorted_scratch(buf, count, ids)?;
    let mut w = Writer { buf: head, pos };
    w.count(count)?;
    for id in scratch
        .chunks_exact(8)
        .filter_map(|c| MessageId::new(read_id(c)))
    {
        let info = engine.message(id).ok_or(SnapshotError::Inconsistent)?;
        let groups = engine.reactions(id).ok_or(SnapshotError::Inconsistent)?;
        w.put(&id.get())?;
        w.put(&info.chat.get())?;
        w.put(&info.author.get())?;
        w.put(&info.version)?;
        w.count(groups.clone().count())?;
        for group in groups {
            w.put(&(group.reaction() as u8))?;
            w.count(group.count())?;
            for user in group.users() {
                w.put(&user.get())?;
            }
        }
    }
    Ok(w.pos)
}

/// The keys section: count, the keys oldest first as 16-byte
/// little-endian words, the ages (positions in that list) ordered by key,
/// then each key's remembered request and answer, oldest first.
fn keys<E: Store>(engine: &E, buf: &mut [u8], pos: usize) -> Result<usize, SnapshotError> {
    let count = engine.window_len();
    let need = count.checked_mul(8).ok_or(SnapshotError::BufferTooSmall)?;
    let split = buf
        .len()
        .checked_sub(need)
        .ok_or(SnapshotError::BufferTooSmall)?;
    let (head, scratch) = buf.split_at_mut(split);
    for (slot, age) in scratch.chunks_exact_mut(8).zip(0u64..) {
        slot.copy_from_slice(&age.to_be_bytes());
    }
    let key_at = |age: u64| {
        let age = usize::try_from(age).unwrap_or(usize::MAX);
        engine.window_key(age).map(|key| key.0)
    };
    sort_ids_by(scratch, key_at);
    let mut w = Writer { buf: head, pos };
    w.count(count)?;
    for (key, _) in engine.window() {
        w.put(&key.0.to_le_bytes())?;
    }
    for age in scratch.chunks_exact(8).map(read_id) {
        w.count(usize::try_from(age).map_err(|_| SnapshotError::Inconsistent)?)?;
    }
    for (_, entry) in engine.window() {
        w.put(entry)?;
    }
    Ok(w.pos)
}

fn bot_id(value: u64) -> Option<BotId> {
    BotId::new(u32::try_from(value).ok()?)
}

fn chat_id(value: u64) -> Option<ChatId> {
    ChatId::new(u32::try_from(value).ok()?)
}

#[cfg(test)]
mod tests {
    use crate::reaction::Reaction;

    /// The format stores a kind as its index in `Reaction::ALL`; the
    /// encoder writes the discriminant, so the two must agree.
    #[test]
    fn reaction_discriminant_is_its_index_in_all() {
        for (i, kind) in Reaction::ALL.iter().enumerate() {
            assert_eq!(usize::from(*kind as u8), i);
        }
    }
}
