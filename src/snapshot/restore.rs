//! Validating a snapshot's body: one walk that decodes every value, checks
//! that it is canonically encoded, and checks every invariant, keeping
//! nothing. Only a body that passes is built (see `build`), so a bad
//! snapshot leaves the engine untouched.

use crate::ids::{ChatId, MessageId};
use crate::reaction::Reaction;
use crate::snapshot::header::{self, CAPACITY_COUNT, Capacities, Table};
use crate::snapshot::seam::Store;
use crate::snapshot::validate::{Ascending, Problem, Violation};
use crate::snapshot::{RestoreError, encodes_to};
use crate::window::Remembered;

/// Decodes one postcard varint of at most `max_len` bytes from the start of
/// `bytes`: its value and length. Only the shortest encoding is accepted
/// (postcard's own decoder also takes overlong ones, which re-encode to
/// different bytes).
#[inline]
pub(crate) fn varint(bytes: &[u8], max_len: u32) -> Result<(u64, usize), Fault> {
    if let Some(&byte) = bytes.first() {
        if byte < 0x80 {
            return Ok((u64::from(byte), 1));
        }
    }
    if let Some(found) = varint_in_word(bytes, max_len) {
        return found;
    }
    varint_bytewise(bytes, max_len)
}

/// The fast path of [`varint`]: when eight bytes are available and the
/// varint ends within them, decodes it from one 64-bit load. `None`: take
/// the byte-by-byte path.
#[inline]
fn varint_in_word(bytes: &[u8], max_len: u32) -> Option<Result<(u64, usize), Fault>> {
    let word = u64::from_le_bytes(*bytes.first_chunk::<8>()?);
    let stops = !word & 0x8080_8080_8080_8080;
    if stops == 0 {
        return None;
    }
    // Bytes up to and including the first without its high bit.
    let len = (stops.trailing_zeros() / 8).wrapping_add(1);
    if len > max_len {
        return Some(Err(Fault::Malformed));
    }
    let last = word.wrapping_shr(len.wrapping_sub(1).wrapping_mul(8)) & 0xff;
    if last == 0 && len > 1 {
        return Some(Err(Fault::NonCanonical));
    }
    let x = word & u64::MAX.wrapping_shr(64u32.wrapping_sub(len.wrapping_mul(8)));
    let mut value = 0u64;
    for group in 0..8u32 {
        value |= x.wrapping_shr(group) & 0x7f_u64.wrapping_shl(group.wrapping_mul(7));
    }
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    Some(Ok((value, len)))
}

/// [`varint`] one byte at a time.
fn varint_bytewise(bytes: &[u8], max_len: u32) -> Result<(u64, usize), Fault> {
    let mut value = 0u64;
    for (i, &byte) in (0..max_len).zip(bytes) {
        // The tenth byte of a u64 holds its top bit only.
        if i == 9 && byte > 1 {
            return Err(Fault::Malformed);
        }
        value |= u64::from(byte & 0x7f).wrapping_shl(i.wrapping_mul(7));
        if byte < 0x80 {
            if byte == 0 && i > 0 {
                return Err(Fault::NonCanonical);
            }
            let len = usize::try_from(i).unwrap_or(usize::MAX).wrapping_add(1);
            return Ok((value, len));
        }
    }
    Err(Fault::Malformed)
}

/// Why a value could not be read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fault {
    /// Truncated, too long, or out of range.
    Malformed,
    /// Longer than the shortest encoding.
    NonCanonical,
}

/// A cursor over the body that reads canonical postcard values only.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A varint of at most `max_len` bytes.
    fn varint(&mut self, max_len: u32, table: Table) -> Result<u64, RestoreError> {
        let (value, len) = varint(self.rest, max_len).map_err(|f| match f {
            Fault::Malformed => RestoreError::Malformed(table),
            Fault::NonCanonical => RestoreError::NonCanonical(table),
        })?;
        self.rest = self.rest.get(len..).unwrap_or_default();
        Ok(value)
    }

    /// A `u32` (postcard: a varint of at most 5 bytes).
    fn u32(&mut self, table: Table) -> Result<u32, RestoreError> {
        let value = self.varint(5, table)?;
        u32::try_from(value).map_err(|_| RestoreError::Malformed(table))
    }

    /// A `u64` (postcard: a varint of at most 10 bytes).
    fn u64(&mut self, table: Table) -> Result<u64, RestoreError> {
        self.varint(10, table)
    }

    /// A `u8` (postcard: one raw byte).
    fn u8(&mut self, table: Table) -> Result<u8, RestoreError> {
        let (&byte, rest) = self
            .rest
            .split_first()
            .ok_or(RestoreError::Malformed(table))?;
        self.rest = rest;
        Ok(byte)
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

/// Walks a body (the bytes [`header::unframe`] returns) into `sink`.
pub(crate) fn walk<E: Store>(body: &[u8]) -> Result<(), RestoreError> {
    let mut r = Reader { rest: body };
    let declared = capacities(&mut r)?;
    let limits = Limits {
        declared,
        target: E::CAPACITIES,
    };
    let policy = r.u32(Table::Bots)?;
    if policy > 1 {
        let v = Violation::new(Table::Bots, 0, 0, Problem::UnknownPolicy);
        return Err(RestoreError::Invalid(v));
    }
    bots(&mut r, &limits)?;
    let chat_ids = chats(&mut r, &limits)?;
    messages(&mut r, &limits, chat_ids)?;
    keys(&mut r, &limits)?;
    if r.rest.is_empty() {
        Ok(())
    } else {
        Err(RestoreError::TrailingBytes)
    }
}

/// The header's capacity list: exactly as many as this version defines.
fn capacities(r: &mut Reader<'_>) -> Result<Capacities, RestoreError> {
    let count = r.u32(Table::Bots)?;
    if usize::try_from(count).ok() != Some(CAPACITY_COUNT) {
        return Err(RestoreError::Malformed(Table::Bots));
    }
    let mut values = [0u32; CAPACITY_COUNT];
    for (value, table) in values.iter_mut().zip(Table::ALL) {
        *value = r.u32(Table::Bots)?;
        if !header::sizing_allows(table, *value) {
            return Err(RestoreError::Malformed(table));
        }
    }
    Ok(Capacities::from_values(values))
}

/// A section's entry count, within both capacities of `table`.
fn section_len(r: &mut Reader<'_>, limits: &Limits, table: Table) -> Result<u32, RestoreError> {
    let count = r.u32(table)?;
    limits.check(table, usize::try_from(count).unwrap_or(usize::MAX), 0, 0)?;
    Ok(count)
}

fn invalid(table: Table, index: u32, id: u64) -> impl Fn(Problem) -> RestoreError {
    move |problem| RestoreError::Invalid(Violation::new(table, index, id, problem))
}

fn bots(r: &mut Reader<'_>, limits: &Limits) -> Result<(), RestoreError> {
    let count = section_len(r, limits, Table::Bots)?;
    let mut order = Ascending::new();
    for index in 0..count {
        let id = r.u32(Table::Bots)?;
        let app = r.u32(Table::Bots)?;
        let bad = invalid(Table::Bots, index, u64::from(id));
        order.next(u64::from(id)).map_err(&bad)?;
        let _ = app;
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
fn chats<'a>(r: &mut Reader<'a>, limits: &Limits) -> Result<&'a [u8], RestoreError> {
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
        let count = r.u32(Table::Members)?;
        members(r, limits, index, chat, count)?;
    }
    Ok(ids)
}

fn members(
    r: &mut Reader<'_>,
    limits: &Limits,
    index: u32,
    chat: ChatId,
    count: u32,
) -> Result<(), RestoreError> {
    let id = u64::from(chat.get());
    let count_usize = usize::try_from(count).unwrap_or(usize::MAX);
    limits.check(Table::Members, count_usize, index, id)?;
    let bad = invalid(Table::Members, index, id);
    let mut order = Ascending::new();
    for _ in 0..count {
        let user = r.u32(Table::Members)?;
        order.next(u64::from(user)).map_err(&bad)?;
    }
    Ok(())
}

fn messages(r: &mut Reader<'_>, limits: &Limits, chat_ids: &[u8]) -> Result<(), RestoreError> {
    let count = section_len(r, limits, Table::Messages)?;
    let mut order = Ascending::new();
    let mut pool = PoolUse::default();
    for index in 0..count {
        let raw = r.u64(Table::Messages)?;
        let chat = r.u32(Table::Messages)?;
        let author = r.u32(Table::Messages)?;
        // Any version is valid: it counts changes and wraps.
        r.u32(Table::Messages)?;
        let bad = invalid(Table::Messages, index, raw);
        order.next(raw).map_err(&bad)?;
        let id = MessageId::new(raw).ok_or(Problem::TooLarge).map_err(&bad)?;
        let chat = ChatId::new(chat)
            .ok_or(Problem::NotPositive)
            .map_err(&bad)?;
        if author == 0 {
            return Err(bad(Problem::NotPositive));
        }
        if !holds_chat(chat_ids, chat.get()) {
            return Err(bad(Problem::UnknownChat));
        }
        let groups = r.u32(Table::Reactions)?;
        let total = reactions(r, limits, index, id, groups)?;
        pool.add(total, limits, index, id)?;
    }
    Ok(())
}

/// The key at `age` of the 16-byte little-endian key array.
pub(crate) fn key_at(keys: &[u8], age: usize) -> u128 {
    let start = age.wrapping_mul(16);
    let mut word = [0u8; 16];
    if let Some(bytes) = keys.get(start..start.wrapping_add(16)) {
        word.copy_from_slice(bytes);
    }
    u128::from_le_bytes(word)
}

/// The keys section: the count within both `KEYS`, every age in range and
/// naming strictly ascending keys (so the keys are unique and the order is
/// the only one), and every entry a canonical encoding.
fn keys(r: &mut Reader<'_>, limits: &Limits) -> Result<(), RestoreError> {
    let count = section_len(r, limits, Table::Keys)?;
    let len = usize::try_from(count)
        .unwrap_or(usize::MAX)
        .saturating_mul(16);
    let keys = r.bytes(len, Table::Keys)?;
    let mut previous = None;
    for index in 0..count {
        let age = r.u32(Table::Keys)?;
        if age >= count {
            return Err(RestoreError::Malformed(Table::Keys));
        }
        let key = key_at(keys, usize::try_from(age).unwrap_or(usize::MAX));
        if previous.is_some_and(|p| key <= p) {
            let v = Violation::new(Table::Keys, index, u64::from(age), Problem::NotAscending);
            return Err(RestoreError::Invalid(v));
        }
        previous = Some(key);
    }
    for _ in 0..count {
        let (entry, rest) = postcard::take_from_bytes::<Remembered>(r.rest)
            .map_err(|_| RestoreError::Malformed(Table::Keys))?;
        let used = r.rest.len().wrapping_sub(rest.len());
        let bytes = r.rest.get(..used).unwrap_or_default();
        if !encodes_to(&entry, bytes) {
            return Err(RestoreError::NonCanonical(Table::Keys));
        }
        r.rest = rest;
    }
    Ok(())
}

/// The shared pool's use so far: the entries the snapshot holds (within
/// the pool it was written with) and the blocks they take when restored
/// whole (within this engine's pool).
#[derive(Default)]
struct PoolUse {
    entries: u64,
    blocks: u64,
}

impl PoolUse {
    fn add(
        &mut self,
        total: usize,
        limits: &Limits,
        index: u32,
        id: MessageId,
    ) -> Result<(), RestoreError> {
        let wide = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        self.entries = self.entries.saturating_add(wide(total));
        self.blocks = self
            .blocks
            .saturating_add(wide(crate::pool::block_size(total)));
        if self.entries > u64::from(limits.declared.of(Table::Pool)) {
            let v = Violation::new(Table::Pool, index, id.get(), Problem::OverCapacity);
            return Err(RestoreError::Invalid(v));
        }
        if self.blocks > u64::from(limits.target.of(Table::Pool)) {
            return Err(RestoreError::DoesNotFit(Table::Pool));
        }
        Ok(())
    }
}

/// Checks one message's reaction groups; returns how many reactions it
/// holds.
fn reactions(
    r: &mut Reader<'_>,
    limits: &Limits,
    index: u32,
    id: MessageId,
    groups: u32,
) -> Result<usize, RestoreError> {
    let bad = invalid(Table::Reactions, index, id.get());
    let mut total = 0usize;
    let mut kinds = Ascending::new();
    for _ in 0..groups {
        let kind = r.u8(Table::Reactions)?;
        // Kind indexes start at 0; shift by one for the ascending check.
        kinds
            .next(u64::from(kind).wrapping_add(1))
            .map_err(|_| bad(Problem::BadKind))?;
        if usize::from(kind) >= Reaction::ALL.len() {
            return Err(bad(Problem::BadKind));
        }
        let users = r.u32(Table::Reactions)?;
        if users == 0 {
            return Err(bad(Problem::EmptyGroup));
        }
        total = total.saturating_add(usize::try_from(users).unwrap_or(usize::MAX));
        limits.check(Table::Reactions, total, index, id.get())?;
        let mut order = Ascending::new();
        for _ in 0..users {
            let user = r.u32(Table::Reactions)?;
            order.next(u64::from(user)).map_err(&bad)?;
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word path and the byte path agree with postcard on every
    /// canonical encoding, and refuse overlong ones postcard accepts.
    #[test]
    fn varint_decodes_as_postcard_and_refuses_overlong() {
        let mut values = [0u64; 70];
        for (i, v) in values.iter_mut().enumerate().skip(1) {
            *v = 1u64
                .checked_shl(u32::try_from(i - 1).unwrap_or(0))
                .unwrap_or(u64::MAX);
        }
        for &base in &values {
            for value in [base, base.wrapping_sub(1), base.wrapping_add(1)] {
                let mut buf = [0u8; 16];
                let len = postcard::to_slice(&value, &mut buf)
                    .map(|b| b.len())
                    .unwrap_or(0);
                assert_eq!(varint(&buf, 10).ok(), Some((value, len)), "{value}");
                assert_eq!(
                    varint_bytewise(&buf, 10).ok(),
                    Some((value, len)),
                    "{value}"
                );
            }
        }
        // 5 as 0x85 0x00: postcard reads 5, the shortest-encoding rule refuses.
        let overlong = [0x85u8, 0x00, 0, 0, 0, 0, 0, 0];
        assert_eq!(postcard::from_bytes::<u32>(&overlong).ok(), Some(5));
        assert!(matches!(varint(&overlong, 5), Err(Fault::NonCanonical)));
        assert!(matches!(
            varint_bytewise(&overlong, 5),
            Err(Fault::NonCanonical)
        ));
    }
}
