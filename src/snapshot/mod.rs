//! Snapshots: the engine's whole state as bytes that restore to exactly
//! that state, or fail with a reason — never to a different state.
//!
//! ```
//! use imbot_like::{ChatId, SmallEngine, UserId};
//!
//! let mut engine = SmallEngine::new();
//! let chat = ChatId::new(7).unwrap();
//! engine.open_chat(chat, &[UserId::new(1).unwrap()]).unwrap();
//!
//! let mut buf = [0u8; SmallEngine::SNAPSHOT_BUFFER_LEN];
//! let bytes = engine.snapshot(&mut buf).unwrap();
//! let restored = SmallEngine::restore(bytes).unwrap();
//! assert_eq!(restored, engine);
//! ```
//!
//! A snapshot is a header (magic, format version, the capacities it was
//! written with), a logical body (bots, chats with their members, messages
//! with their reactions, each in ascending id order) in postcard's varint
//! encoding, and a CRC-32 trailer; `docs/snapshot-format.md` in the
//! repository specifies every byte. Restoring checks, in order: length,
//! magic, version, checksum, then decodes the body while checking that
//! every value is canonically encoded, that every invariant holds, that the
//! body ends where the trailer begins, and that the state fits the engine
//! restored into. Only then is the engine rebuilt.

mod build;
mod canonical;
mod encode;
mod header;
mod restore;
mod seam;
mod sort;
mod validate;

use core::fmt;

use crate::engine::Engine;
use crate::sizing::Sizing;

pub(crate) use canonical::encodes_to;
pub use header::Table;
use header::{FIXED_LEN, TRAILER_LEN};
use seam::Store;
pub use validate::{Problem, Violation};

/// The format version written by this crate.
pub const SNAPSHOT_VERSION: u16 = header::VERSION;

/// Why a snapshot could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SnapshotError {
    /// The buffer cannot hold the snapshot and its sorting scratch; size it
    /// with `SNAPSHOT_BUFFER_LEN`. Nothing usable was written.
    BufferTooSmall,
    /// A table names a row it does not hold (a storage defect).
    Inconsistent,
}

impl SnapshotError {
    /// A short static description.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BufferTooSmall => "buffer too small for the snapshot",
            Self::Inconsistent => "engine tables are inconsistent",
        }
    }
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for SnapshotError {}

/// Why a snapshot was refused, by the step that refused it. Nothing was
/// changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RestoreError {
    /// Shorter than the fixed header and the trailer.
    TooShort,
    /// The first bytes are not the snapshot magic.
    BadMagic,
    /// A format version this crate does not read.
    UnsupportedVersion,
    /// The CRC-32 trailer does not match: the bytes are corrupted.
    Checksum,
    /// The section of this table cannot be decoded (truncated or invalid
    /// values).
    Malformed(Table),
    /// A value in this table's section is not in its shortest encoding.
    NonCanonical(Table),
    /// Bytes follow the last section.
    TrailingBytes,
    /// An entry breaks an invariant of the contract.
    Invalid(Violation),
    /// The state holds more of this table than the engine restored into
    /// can.
    DoesNotFit(Table),
}

impl RestoreError {
    /// A short static description of the failed step.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TooShort => "too short to be a snapshot",
            Self::BadMagic => "not a snapshot (bad magic)",
            Self::UnsupportedVersion => "unsupported snapshot version",
            Self::Checksum => "checksum mismatch",
            Self::Malformed(_) => "malformed section",
            Self::NonCanonical(_) => "non-canonical encoding",
            Self::TrailingBytes => "trailing bytes after the body",
            Self::Invalid(_) => "invariant violated",
            Self::DoesNotFit(_) => "does not fit this engine's capacities",
        }
    }
}

impl fmt::Display for RestoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(t) | Self::NonCanonical(t) | Self::DoesNotFit(t) => {
                write!(f, "{}: {}", self.as_str(), t.as_str())
            }
            Self::Invalid(v) => write!(f, "{}: {v}", self.as_str()),
            _ => f.write_str(self.as_str()),
        }
    }
}

impl core::error::Error for RestoreError {}

/// The longest postcard encoding of one remembered keyed request: the
/// variant (1 byte), then the longest request and answer, a
/// `ReactionRequest` (`app` 1 + 5, `bot` 1 + 5, `message` 1 + 10,
/// `reaction` 1 + 1) and a reaction answer (`Ok` 1, then `message` 10,
/// `chat` 5, `actor` 5, `reaction` 1, `change` 1, `count` 10, `version` 5,
/// `notify` 1 + 5); the like requests and answers are shorter.
pub(crate) const REMEMBERED_LEN: usize = 1 + 25 + 44;

// The two functions below are only evaluated at compile time (for
// `SNAPSHOT_BUFFER_LEN`), where an overflow is a compile error, not a panic.

/// Bytes of a varint holding values up to `max`.
#[allow(clippy::arithmetic_side_effects)]
const fn varint_len(max: u64) -> usize {
    let bits = 64 - max.leading_zeros() as usize;
    if bits == 0 { 1 } else { bits.div_ceil(7) }
}

/// The largest snapshot and scratch the capacities can need.
#[allow(clippy::arithmetic_side_effects)]
const fn buffer_len(caps: &header::Capacities) -> usize {
    let bots = caps.of(Table::Bots) as usize;
    let chats = caps.of(Table::Chats) as usize;
    let members = caps.of(Table::Members) as usize;
    let messages = caps.of(Table::Messages) as usize;
    let likes = caps.of(Table::Reactions) as usize;
    let pool = caps.of(Table::Pool) as usize;
    let keys = caps.of(Table::Keys) as usize;
    // Every reaction is a pool entry: the messages together hold no more.
    let reactions = if messages * likes < pool {
        messages * likes
    } else {
        pool
    };
    let kinds = crate::reaction::Reaction::ALL.len();
    let groups = if likes < kinds { likes } else { kinds };
    let count = varint_len(u32::MAX as u64);
    let id32 = count;
    let id64 = varint_len(crate::ids::MessageId::MAX);
    let header = FIXED_LEN + 1 + header::CAPACITY_COUNT * id32 + 1;
    let bot_section = count + bots * 2 * id32;
    let chat_section = count + chats * (4 + varint_len(members as u64) + members * id32);
    let group = 1 + varint_len(likes as u64);
    // A group holds at least one reaction: all messages together have no
    // more groups than reactions.
    let all_groups = if messages * groups < reactions {
        messages * groups
    } else {
        reactions
    };
    let message = id64 + 3 * id32 + varint_len(groups as u64);
    let message_section = count + messages * message + all_groups * group + reactions * id32;
    let key_section = count + keys * (16 + varint_len(keys as u64) + REMEMBERED_LEN);
    let body = header + bot_section + chat_section + message_section + key_section + TRAILER_LEN;
    let largest = if bots > chats { bots } else { chats };
    let largest = if messages > largest {
        messages
    } else {
        largest
    };
    let largest = if keys > largest { keys } else { largest };
    body + largest * 8
}

impl<S: Sizing> Engine<S> {
    /// A buffer of this many bytes holds any snapshot of this sizing with
    /// its sorting scratch: size a `static` buffer with it. The snapshot
    /// itself is shorter by at least 8 bytes per row of the largest table.
    pub const SNAPSHOT_BUFFER_LEN: usize = buffer_len(&<Self as Store>::CAPACITIES);

    /// Writes the whole state into `buf` and returns the snapshot, a prefix
    /// of `buf`. The rest of `buf` is used as scratch to order the ids.
    ///
    /// # Errors
    /// [`SnapshotError::BufferTooSmall`] when `buf` cannot hold the
    /// snapshot and its scratch; a buffer of [`Self::SNAPSHOT_BUFFER_LEN`]
    /// always can. No truncated snapshot is ever returned.
    ///
    /// # Cost
    /// O(n log n) in the number of rows, no allocation.
    pub fn snapshot<'b>(&self, buf: &'b mut [u8]) -> Result<&'b [u8], SnapshotError> {
        let len = encode::snapshot(self, buf)?;
        buf.get(..len).ok_or(SnapshotError::BufferTooSmall)
    }

    /// Checks a snapshot fully, as [`Self::restore_into`] does, without
    /// building anything.
    ///
    /// # Errors
    /// As [`Self::restore_into`].
    pub fn check_snapshot(bytes: &[u8]) -> Result<(), RestoreError> {
        let body = header::unframe(bytes)?;
        restore::walk::<Self>(body)
    }

    /// An engine holding the snapshot's state. For large sizings use
    /// [`Self::restore_into`] on an engine that is not on the stack.
    ///
    /// # Errors
    /// As [`Self::restore_into`].
    pub fn restore(bytes: &[u8]) -> Result<Self, RestoreError> {
        let mut engine = Self::new();
        engine.restore_into(bytes)?;
        Ok(engine)
    }

    /// Replaces the state with the snapshot's, policy included.
    ///
    /// The whole snapshot is validated first; on any error the engine is
    /// unchanged. Every value must be in its shortest encoding and every
    /// list strictly ascending, so a valid state has exactly one encoding:
    /// bytes that restore are, but for the header's capacities, the bytes
    /// [`Self::snapshot`] writes of the result. The capacities it was written with may differ from this
    /// engine's: the state must fit, else [`RestoreError::DoesNotFit`]
    /// names the table.
    ///
    /// # Errors
    /// The first step that fails: [`RestoreError::TooShort`],
    /// [`RestoreError::BadMagic`], [`RestoreError::UnsupportedVersion`],
    /// [`RestoreError::Checksum`], then in body order
    /// [`RestoreError::Malformed`], [`RestoreError::NonCanonical`],
    /// [`RestoreError::Invalid`], [`RestoreError::DoesNotFit`], and last
    /// [`RestoreError::TrailingBytes`].
    ///
    /// # Cost
    /// O(n log n) in the snapshot's size, no allocation.
    pub fn restore_into(&mut self, bytes: &[u8]) -> Result<(), RestoreError> {
        let body = header::unframe(bytes)?;
        restore::walk::<Self>(body)?;
        build::build(body, self)
    }
}
