//! The contract's invariants as a snapshot must satisfy them, and the
//! error that names the entry breaking one.

use core::fmt;

use crate::snapshot::header::Table;

/// What is wrong with one entry of a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Problem {
    /// An id (of the entry or one it names) is zero.
    NotPositive,
    /// A message id is above [`MessageId::MAX`](crate::MessageId::MAX).
    TooLarge,
    /// Ids, members or users are not strictly ascending (or repeat); for
    /// the keys, the ages do not name strictly ascending keys (a key
    /// repeats, or the ages are out of order).
    NotAscending,
    /// A message names a chat the snapshot does not hold.
    UnknownChat,
    /// A reaction kind is unknown, or kinds are not strictly ascending.
    BadKind,
    /// A reaction kind lists no users.
    EmptyGroup,
    /// More entries than the capacity the snapshot declares for them.
    OverCapacity,
    /// The bot selection policy is not one this version knows.
    UnknownPolicy,
}

impl Problem {
    /// A short static description.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotPositive => "id is zero",
            Self::TooLarge => "id is too large",
            Self::NotAscending => "not strictly ascending",
            Self::UnknownChat => "message in a chat the snapshot does not hold",
            Self::BadKind => "unknown or out-of-order reaction kind",
            Self::EmptyGroup => "reaction kind with no users",
            Self::OverCapacity => "more entries than the declared capacity",
            Self::UnknownPolicy => "unknown bot selection policy",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An entry of a snapshot that breaks an invariant: its table, its
/// position in that table's section (0-based, in file order), the raw id
/// it was stored under (0 where it has none), and the problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Violation {
    /// The section holding the entry: for a member or a reaction, the
    /// chat's or message's own table is [`Table::Members`] or
    /// [`Table::Reactions`], and `index`/`id` name the chat or message.
    pub table: Table,
    /// The entry's position in its section.
    pub index: u32,
    /// The entry's id as stored.
    pub id: u64,
    /// What is wrong.
    pub problem: Problem,
}

impl Violation {
    pub(crate) const fn new(table: Table, index: u32, id: u64, problem: Problem) -> Self {
        Self {
            table,
            index,
            id,
            problem,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} entry {} (id {}): {}",
            self.table.as_str(),
            self.index,
            self.id,
            self.problem
        )
    }
}

/// Checks that ids are positive and strictly ascending, one at a time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ascending {
    last: u64,
}

impl Ascending {
    pub(crate) const fn new() -> Self {
        Self { last: 0 }
    }

    /// Accepts `id` if it is positive and above the previous one.
    pub(crate) fn next(&mut self, id: u64) -> Result<(), Problem> {
        if id == 0 {
            return Err(Problem::NotPositive);
        }
        if id <= self.last {
            return Err(Problem::NotAscending);
        }
        self.last = id;
        Ok(())
    }
}
