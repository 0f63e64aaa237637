//! Building the engine from a body that [`walk`](super::restore::walk)
//! accepted: a plain decode with no checks left to make, each chat and
//! message handed to the seam whole.

use crate::ids::{AppId, BotId, ChatId, MessageId, UserId};
use crate::keys::IdempotencyKey;
use crate::reaction::Reaction;
use crate::request::BotPolicy;
use crate::snapshot::RestoreError;
use crate::snapshot::header::{CAPACITY_COUNT, Table};
use crate::snapshot::restore::{key_at, varint};
use crate::snapshot::seam::{Restored, Store};
use crate::window::Remembered;

/// A cursor over a validated body. A value that does not decode cannot
/// occur after validation; it ends the build with `Malformed`.
#[derive(Clone, Copy)]
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn next(&mut self) -> Option<u64> {
        let (value, len) = varint(self.rest, 10).ok()?;
        self.rest = self.rest.get(len..)?;
        Some(value)
    }

    fn u32(&mut self, table: Table) -> Result<u32, RestoreError> {
        self.next()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or(RestoreError::Malformed(table))
    }

    fn byte(&mut self) -> Option<u8> {
        let (&byte, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(byte)
    }

    fn bytes(&mut self, len: usize) -> Option<&'a [u8]> {
        let (taken, rest) = self.rest.split_at_checked(len)?;
        self.rest = rest;
        Some(taken)
    }
}

/// A chat's members, decoded as the seam takes them.
struct Members<'c, 'a> {
    cursor: &'c mut Cursor<'a>,
    left: u32,
}

impl Iterator for Members<'_, '_> {
    type Item = UserId;

    fn next(&mut self) -> Option<UserId> {
        self.left = self.left.checked_sub(1)?;
        UserId::new(u32::try_from(self.cursor.next()?).ok()?)
    }
}

/// A message's reactions, decoded as the seam takes them.
struct Reactions<'c, 'a> {
    cursor: &'c mut Cursor<'a>,
    groups: u32,
    kind: Option<Reaction>,
    left: u64,
}

impl Iterator for Reactions<'_, '_> {
    type Item = (Reaction, UserId);

    fn next(&mut self) -> Option<(Reaction, UserId)> {
        while self.left == 0 {
            self.groups = self.groups.checked_sub(1)?;
            self.kind = Reaction::ALL.get(usize::from(self.cursor.byte()?)).copied();
            self.left = self.cursor.next()?;
        }
        self.left = self.left.wrapping_sub(1);
        let user = UserId::new(u32::try_from(self.cursor.next()?).ok()?)?;
        Some((self.kind?, user))
    }
}

/// How many reactions the next `groups` groups hold, read ahead on a copy
/// of the cursor.
fn count_reactions(mut c: Cursor<'_>, groups: u32) -> Option<usize> {
    let mut total = 0usize;
    for _ in 0..groups {
        c.byte()?;
        let users = c.next()?;
        for _ in 0..users {
            c.next()?;
        }
        total = total.checked_add(usize::try_from(users).ok()?)?;
    }
    Some(total)
}

/// Replaces the engine's state with the validated body's.
pub(crate) fn build<E: Store>(body: &[u8], engine: &mut E) -> Result<(), RestoreError> {
    let mut c = Cursor { rest: body };
    let header = RestoreError::Malformed(Table::Bots);
    for _ in 0..=CAPACITY_COUNT {
        c.next().ok_or(header)?;
    }
    let policy = match c.next() {
        Some(0) => BotPolicy::Strict,
        _ => BotPolicy::PortalCompatible,
    };
    engine.clear(policy);
    for _ in 0..c.u32(Table::Bots)? {
        let bot = BotId::new(c.u32(Table::Bots)?).ok_or(header)?;
        let app = AppId(c.u32(Table::Bots)?);
        engine
            .add_bot(bot, app)
            .map_err(|_| RestoreError::DoesNotFit(Table::Bots))?;
    }
    let chats = c.u32(Table::Chats)?;
    let len = usize::try_from(chats)
        .unwrap_or(usize::MAX)
        .saturating_mul(4);
    let ids = c.bytes(len).ok_or(RestoreError::Malformed(Table::Chats))?;
    for id in ids.chunks_exact(4) {
        let word = <[u8; 4]>::try_from(id).map_err(|_| RestoreError::Malformed(Table::Chats))?;
        let raw = u32::from_be_bytes(word);
        let chat = ChatId::new(raw).ok_or(RestoreError::Malformed(Table::Chats))?;
        let left = c.u32(Table::Members)?;
        let members = Members {
            cursor: &mut c,
            left,
        };
        engine
            .add_chat(chat, members)
            .map_err(|_| RestoreError::DoesNotFit(Table::Chats))?;
    }
    messages(&mut c, engine)?;
    keys(&mut c, engine)
}

fn messages<E: Store>(c: &mut Cursor<'_>, engine: &mut E) -> Result<(), RestoreError> {
    let bad = RestoreError::Malformed(Table::Messages);
    for _ in 0..c.u32(Table::Messages)? {
        let id = c.next().and_then(MessageId::new).ok_or(bad)?;
        let chat = ChatId::new(c.u32(Table::Messages)?).ok_or(bad)?;
        let author = UserId::new(c.u32(Table::Messages)?).ok_or(bad)?;
        let version = c.u32(Table::Messages)?;
        let groups = c.u32(Table::Reactions)?;
        let total = count_reactions(*c, groups).ok_or(bad)?;
        let message = Restored {
            id,
            chat,
            author,
            version,
            reactions: total,
        };
        let reactions = Reactions {
            cursor: c,
            groups,
            kind: None,
            left: 0,
        };
        engine
            .add_message(message, reactions)
            .map_err(|_| RestoreError::DoesNotFit(Table::Messages))?;
    }
    Ok(())
}

/// The retry window, oldest first; the ages ordered by key only served
/// the validation.
fn keys<E: Store>(c: &mut Cursor<'_>, engine: &mut E) -> Result<(), RestoreError> {
    let bad = RestoreError::Malformed(Table::Keys);
    let count = c.u32(Table::Keys)?;
    let count = usize::try_from(count).map_err(|_| bad)?;
    let keys = c.bytes(count.saturating_mul(16)).ok_or(bad)?;
    for _ in 0..count {
        c.next().ok_or(bad)?;
    }
    for age in 0..count {
        let key = IdempotencyKey(key_at(keys, age));
        let (entry, rest) = postcard::take_from_bytes::<Remembered>(c.rest).map_err(|_| bad)?;
        c.rest = rest;
        engine
            .remember(key, entry)
            .map_err(|_| RestoreError::DoesNotFit(Table::Keys))?;
    }
    Ok(())
}
