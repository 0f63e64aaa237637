//! A chat row: its member list, the hash index over it, and the head of
//! its messages' chain.

use crate::array::{Array, Blank};
use crate::ids::UserId;
use crate::shift::shift;

/// A chat row: its members, unique and ascending, in an array of the
/// sizing's `MEMBERS`, a hash index over them for the like path's
/// membership test, and the first of the chat's messages (see
/// [`MessageRow`](super::MessageRow)'s chain).
///
/// A member's position in the ascending list is their *rank*: the bit
/// that holds their like in each message's mask. The index has
/// `2 × MEMBERS` slots (so it is at most half full), each 0 or a rank plus
/// one, probed linearly from a multiplicative hash of the user id. Joins
/// and leaves shift the sorted array, so they rebuild the index:
/// O(MEMBERS), as the shift already is.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ChatRow<L, X> {
    len: u16,
    /// The row number plus one of the chat's first message; 0: none.
    pub(crate) head: u32,
    members: L,
    index: X,
}

/// Why a member list refused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberEdit {
    /// Adding a user who is already a member.
    Present,
    /// Removing a user who is not a member.
    Absent,
    /// Adding a user to a full list.
    Full,
}

/// Fibonacci hashing's multiplier: the golden ratio's 64-bit fraction.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

impl<L: Array<UserId>, X: Array<[u16; 2]>> ChatRow<L, X> {
    /// A chat with no members.
    pub(crate) const fn new() -> Self {
        Self {
            len: 0,
            head: 0,
            members: L::EMPTY,
            index: X::EMPTY,
        }
    }

    /// A chat of these members, which must be ascending and unique (a
    /// restored snapshot's); `None` if they are not or do not fit.
    /// O(MEMBERS).
    pub(crate) fn from_sorted(users: impl Iterator<Item = UserId>) -> Option<Self> {
        let mut row = Self::new();
        for user in users {
            let at = usize::from(row.len);
            if at > 0 && row.as_slice().last().is_some_and(|last| *last >= user) {
                return None;
            }
            *row.members.as_mut_slice().get_mut(at)? = user;
            row.len = row.len.wrapping_add(1);
        }
        row.reindex();
        Some(row)
    }

    /// The members, ascending.
    pub(crate) fn as_slice(&self) -> &[UserId] {
        let len = usize::from(self.len);
        self.members.as_slice().get(..len).unwrap_or_default()
    }

    /// Whether the user is a member. O(1) expected.
    pub(crate) fn contains(&self, user: UserId) -> bool {
        self.rank(user).is_some()
    }

    /// The user's rank among the members, or `None` for a non-member: a
    /// probe of the hash index, O(1) expected. The index is at most half
    /// full, so every probe run ends at an empty slot.
    #[inline]
    pub(crate) fn rank(&self, user: UserId) -> Option<usize> {
        let slots = self.index.as_slice().as_flattened();
        let members = self.members.as_slice();
        let mut at = home(user, slots.len());
        loop {
            let pos = usize::from(slots.get(at).copied().unwrap_or(0)).checked_sub(1)?;
            if members.get(pos) == Some(&user) {
                return Some(pos);
            }
            at = next_slot(at, slots.len());
        }
    }

    /// Rebuilds the hash index from the sorted members. O(MEMBERS).
    fn reindex(&mut self) {
        let slots = self.index.as_mut_slice().as_flattened_mut();
        slots.fill(0);
        let count = slots.len();
        for (pos, user) in self
            .members
            .as_slice()
            .iter()
            .take(usize::from(self.len))
            .enumerate()
        {
            let tag = u16::try_from(pos.wrapping_add(1)).unwrap_or(0);
            let mut at = home(*user, count);
            while slots.get(at).is_some_and(|&t| t != 0) {
                at = next_slot(at, count);
            }
            if let Some(slot) = slots.get_mut(at) {
                *slot = tag;
            }
        }
    }

    /// Adds a user, keeping the order; returns their rank. O(MEMBERS).
    pub(crate) fn insert(&mut self, user: UserId) -> Result<usize, MemberEdit> {
        let Err(pos) = self.as_slice().binary_search(&user) else {
            return Err(MemberEdit::Present);
        };
        let len = usize::from(self.len);
        let members = self.members.as_mut_slice();
        if len >= members.len() {
            return Err(MemberEdit::Full);
        }
        shift(members, pos..len, pos.wrapping_add(1));
        if let Some(cell) = members.get_mut(pos) {
            *cell = user;
        }
        self.len = self.len.wrapping_add(1);
        self.reindex();
        Ok(pos)
    }

    /// Removes a user; returns the rank they had. O(MEMBERS).
    pub(crate) fn remove(&mut self, user: UserId) -> Result<usize, MemberEdit> {
        let pos = self
            .as_slice()
            .binary_search(&user)
            .map_err(|_| MemberEdit::Absent)?;
        let len = usize::from(self.len);
        shift(self.members.as_mut_slice(), pos.wrapping_add(1)..len, pos);
        self.len = self.len.wrapping_sub(1);
        self.reindex();
        Ok(pos)
    }
}

impl<L: Array<UserId>, X: Array<[u16; 2]>> Blank for ChatRow<L, X> {
    const BLANK: Self = Self::new();
}

/// Where `user`'s probe run starts in an index of `slots` slots: the
/// hash's top bits scaled to the slot count (no power of two needed).
fn home(user: UserId, slots: usize) -> usize {
    let hash = u64::from(user.get()).wrapping_mul(GOLDEN);
    let scaled = (u128::from(hash).wrapping_mul(slots as u128)) >> 64;
    usize::try_from(scaled).unwrap_or(0)
}

/// The slot after `at`, wrapping to the first.
fn next_slot(at: usize, slots: usize) -> usize {
    let next = at.wrapping_add(1);
    if next >= slots { 0 } else { next }
}
