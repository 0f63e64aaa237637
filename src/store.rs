//! The rows the engine's tables hold: a chat's member list and a message
//! with its reaction set. Both are sorted vectors searched by bisection.

use heapless::Vec;

use crate::ids::{ChatId, UserId};
use crate::outcome::Change;
use crate::reaction::Reaction;

/// One reaction: a user's mark of one kind on one message. Entries sort by
/// kind first, so each kind's users form one ascending run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Entry {
    pub(crate) kind: Reaction,
    pub(crate) user: UserId,
}

/// A message's reactions, unique and sorted by (kind, user). The legacy
/// like set is the run of [`Reaction::Like`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Reactions<const R: usize> {
    entries: Vec<Entry, R, u16>,
}

/// The reaction set has no room for another entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Full;

impl<const R: usize> Reactions<R> {
    pub(crate) const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// `Ok(position)` of the reaction, or `Err(position)` where it would go.
    /// O(log R).
    pub(crate) fn find(&self, kind: Reaction, user: UserId) -> Result<usize, usize> {
        self.entries.binary_search(&Entry { kind, user })
    }

    /// Inserts at a position [`Self::find`] returned as `Err`. O(R).
    pub(crate) fn insert_at(
        &mut self,
        pos: usize,
        kind: Reaction,
        user: UserId,
    ) -> Result<(), Full> {
        let entry = Entry { kind, user };
        self.entries.insert(pos, entry).map_err(|_| Full)
    }

    /// Removes at a position [`Self::find`] returned as `Ok`. O(R).
    pub(crate) fn remove_at(&mut self, pos: usize) {
        if pos < self.entries.len() {
            self.entries.remove(pos);
        }
    }

    /// All reactions, by kind then user.
    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The reactions of one kind: one run, its users ascending. O(log R).
    pub(crate) fn run(&self, kind: Reaction) -> &[Entry] {
        let start = self.entries.partition_point(|e| e.kind < kind);
        let end = self.entries.partition_point(|e| e.kind <= kind);
        self.entries.get(start..end).unwrap_or_default()
    }

    /// The users with a reaction of this kind, ascending, copied out.
    /// O(log R + count).
    pub(crate) fn user_list(&self, kind: Reaction) -> Vec<UserId, R> {
        let mut users = Vec::new();
        for entry in self.run(kind) {
            // Never fails: a run is no longer than the set's capacity R.
            if users.push(entry.user).is_err() {
                break;
            }
        }
        users
    }
}

/// Splits sorted entries into one run per kind, in kind order.
#[derive(Debug, Clone)]
pub(crate) struct Runs<'a> {
    rest: &'a [Entry],
}

impl<'a> Runs<'a> {
    pub(crate) fn new(entries: &'a [Entry]) -> Self {
        Self { rest: entries }
    }
}

impl<'a> Iterator for Runs<'a> {
    type Item = (Reaction, &'a [Entry]);

    fn next(&mut self) -> Option<Self::Item> {
        let kind = self.rest.first()?.kind;
        let len = self.rest.partition_point(|e| e.kind <= kind);
        let (run, rest) = self.rest.split_at_checked(len)?;
        self.rest = rest;
        Some((kind, run))
    }
}

/// A message row: its chat, its author and its reactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Message<const R: usize> {
    pub(crate) chat: ChatId,
    pub(crate) author: UserId,
    pub(crate) reactions: Reactions<R>,
}

impl<const R: usize> Message<R> {
    /// The author to tell about a change by `actor`: only a mark just set,
    /// and only by someone else.
    pub(crate) fn author_to_notify(&self, actor: UserId, change: Change) -> Option<UserId> {
        (change == Change::Set && self.author != actor).then_some(self.author)
    }
}

/// The set of users in a chat, unique and ascending.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Members<const M: usize> {
    users: Vec<UserId, M, u16>,
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

impl<const M: usize> Members<M> {
    pub(crate) const fn new() -> Self {
        Self { users: Vec::new() }
    }

    /// Whether the user is a member. O(log M).
    pub(crate) fn contains(&self, user: UserId) -> bool {
        self.users.binary_search(&user).is_ok()
    }

    /// Adds a user, keeping the order. O(M).
    pub(crate) fn insert(&mut self, user: UserId) -> Result<(), MemberEdit> {
        match self.users.binary_search(&user) {
            Ok(_) => Err(MemberEdit::Present),
            Err(pos) => self.users.insert(pos, user).map_err(|_| MemberEdit::Full),
        }
    }

    /// Removes a user. O(M).
    pub(crate) fn remove(&mut self, user: UserId) -> Result<(), MemberEdit> {
        let pos = self
            .users
            .binary_search(&user)
            .map_err(|_| MemberEdit::Absent)?;
        self.users.remove(pos);
        Ok(())
    }

    /// The members, ascending.
    pub(crate) fn as_slice(&self) -> &[UserId] {
        &self.users
    }
}
