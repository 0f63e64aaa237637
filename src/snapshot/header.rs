//! The snapshot's frame: magic, version, capacities and the CRC-32 trailer.

use crate::snapshot::RestoreError;

/// The first bytes of every snapshot.
pub(crate) const MAGIC: [u8; 4] = *b"IMBS";

/// The format version this crate writes and reads.
pub(crate) const VERSION: u16 = 1;

/// Bytes before the varint fields: magic and the little-endian version.
pub(crate) const FIXED_LEN: usize = 6;

/// Bytes of the trailer: a little-endian CRC-32.
pub(crate) const TRAILER_LEN: usize = 4;

/// CRC-32/ISO-HDLC (the checksum of zlib, PNG and Ethernet), computed
/// 16 bytes at a time from a 16 KiB table.
pub(crate) static CRC: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISO_HDLC);

/// How many capacities a version-1 header lists.
pub(crate) const CAPACITY_COUNT: usize = 7;

/// The tables a capacity bounds, in header order. A new capacity is
/// appended here; once the format is released, with a version bump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Table {
    /// Registered bots.
    Bots,
    /// Open chats.
    Chats,
    /// Members of one chat.
    Members,
    /// Stored messages.
    Messages,
    /// Reactions on one message (each like is one).
    Reactions,
    /// Reaction entries of all messages together (the shared pool).
    Pool,
    /// Keyed requests remembered for retries (the retry window).
    Keys,
}

impl Table {
    /// Every table, in header order.
    pub const ALL: [Table; CAPACITY_COUNT] = [
        Table::Bots,
        Table::Chats,
        Table::Members,
        Table::Messages,
        Table::Reactions,
        Table::Pool,
        Table::Keys,
    ];

    /// The table's name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Bots => "bots",
            Self::Chats => "chats",
            Self::Members => "members of a chat",
            Self::Messages => "messages",
            Self::Reactions => "reactions of a message",
            Self::Pool => "reaction entries of all messages",
            Self::Keys => "remembered keyed requests",
        }
    }
}

/// The capacities a snapshot was written with, one per [`Table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Capacities([u32; CAPACITY_COUNT]);

impl Capacities {
    /// Capacities from a sizing's constants (each at most 2^30).
    ///
    /// Only evaluated at compile time (for `Store::CAPACITIES`), where an
    /// out-of-range index is a compile error, not a panic.
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    pub(crate) const fn new(values: [usize; CAPACITY_COUNT]) -> Self {
        let mut out = [0u32; CAPACITY_COUNT];
        let mut i = 0;
        while i < CAPACITY_COUNT {
            // Sizings are checked at compile time to be at most 2^31.
            out[i] = values[i] as u32;
            i += 1;
        }
        Self(out)
    }

    /// The capacity of one table.
    pub(crate) const fn of(&self, table: Table) -> u32 {
        let [bots, chats, members, messages, reactions, pool, keys] = self.0;
        match table {
            Table::Bots => bots,
            Table::Chats => chats,
            Table::Members => members,
            Table::Messages => messages,
            Table::Reactions => reactions,
            Table::Pool => pool,
            Table::Keys => keys,
        }
    }

    /// All capacities, in header order.
    pub(crate) const fn values(&self) -> &[u32; CAPACITY_COUNT] {
        &self.0
    }

    /// Capacities from decoded values.
    pub(crate) const fn from_values(values: [u32; CAPACITY_COUNT]) -> Self {
        Self(values)
    }
}

/// Whether a sizing may have this capacity for `table` (the engine's
/// compile-time constraints).
pub(crate) fn sizing_allows(table: Table, value: u32) -> bool {
    match table {
        Table::Bots | Table::Chats | Table::Messages => value.is_power_of_two() && value <= 1 << 30,
        Table::Members => (2..=65_535).contains(&value),
        Table::Reactions => (1..=65_535).contains(&value),
        Table::Pool => (1..=1 << 31).contains(&value),
        Table::Keys => value == 0 || (value.is_power_of_two() && value <= 1 << 20),
    }
}

/// Checks length, magic, version and CRC, in that order; returns the
/// bytes between the fixed header and the trailer.
pub(crate) fn unframe(bytes: &[u8]) -> Result<&[u8], RestoreError> {
    if bytes.len() < FIXED_LEN.wrapping_add(TRAILER_LEN) {
        return Err(RestoreError::TooShort);
    }
    let (fixed, rest) = bytes
        .split_at_checked(FIXED_LEN)
        .ok_or(RestoreError::TooShort)?;
    let (magic, version) = fixed.split_at_checked(4).ok_or(RestoreError::TooShort)?;
    if magic != MAGIC {
        return Err(RestoreError::BadMagic);
    }
    let version = u16::from_le_bytes([
        version.first().copied().unwrap_or(0),
        version.get(1).copied().unwrap_or(0),
    ]);
    if version != VERSION {
        return Err(RestoreError::UnsupportedVersion);
    }
    let body_end = rest.len().wrapping_sub(TRAILER_LEN);
    let (body, trailer) = rest
        .split_at_checked(body_end)
        .ok_or(RestoreError::TooShort)?;
    let framed = bytes
        .get(..bytes.len().wrapping_sub(TRAILER_LEN))
        .ok_or(RestoreError::TooShort)?;
    let mut stored = [0u8; TRAILER_LEN];
    stored.copy_from_slice(trailer);
    if CRC.checksum(framed) != u32::from_le_bytes(stored) {
        return Err(RestoreError::Checksum);
    }
    Ok(body)
}

/// The trailer for the bytes written so far.
pub(crate) fn trailer(framed: &[u8]) -> [u8; TRAILER_LEN] {
    CRC.checksum(framed).to_le_bytes()
}
