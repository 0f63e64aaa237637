//! The chain of each chat's messages: the chat row names its first
//! message, each message row the one before and after it (row numbers
//! plus one, 0 for none). Joins, leaves and closing a chat walk the chain,
//! so they cost the chat's messages, not the table's.

use crate::engine::Engine;
use crate::ids::MessageId;
use crate::sizing::Sizing;

/// A row number as a chain link: the row plus one.
fn tag(row: usize) -> u32 {
    u32::try_from(row.wrapping_add(1)).unwrap_or(0)
}

/// The row a non-zero link names.
pub(crate) fn row_of(link: u32) -> Option<usize> {
    (link as usize).checked_sub(1)
}

impl<S: Sizing> Engine<S> {
    /// Puts the message at row `row` first in its chat's chain. O(1).
    pub(crate) fn link(&mut self, row: usize) {
        let rows = self.messages.rows_mut();
        let Some((_, message)) = rows.get_mut(row) else {
            return;
        };
        let chat = message.chat as usize;
        let Some((_, chat)) = self.chats.rows_mut().get_mut(chat) else {
            return;
        };
        let head = chat.head;
        chat.head = tag(row);
        message.prev = 0;
        message.next = head;
        if let Some((_, first)) = row_of(head).and_then(|at| rows.get_mut(at)) {
            first.prev = tag(row);
        }
    }

    /// Takes the message at row `row` out of its chat's chain. O(1).
    fn unlink(&mut self, row: usize) {
        let rows = self.messages.rows_mut();
        let Some(&(_, message)) = rows.get(row) else {
            return;
        };
        self.point_at(message.prev, message.chat, message.next);
        self.point_back(message.next, message.prev);
    }

    /// Points the chain at a row that moved to `row` from the end of the
    /// table. O(1).
    fn follow_move(&mut self, row: usize) {
        let Some(&(_, message)) = self.messages.rows().get(row) else {
            return;
        };
        self.point_at(message.prev, message.chat, tag(row));
        self.point_back(message.next, tag(row));
    }

    /// Makes the link before a message (`prev`, or the chat's head when
    /// `prev` is 0) name `to`.
    fn point_at(&mut self, prev: u32, chat: u32, to: u32) {
        if let Some(at) = row_of(prev) {
            if let Some((_, before)) = self.messages.rows_mut().get_mut(at) {
                before.next = to;
            }
        } else if let Some((_, chat)) = self.chats.rows_mut().get_mut(chat as usize) {
            chat.head = to;
        }
    }

    /// Makes the message `next` names (if any) point back at `to`.
    fn point_back(&mut self, next: u32, to: u32) {
        if let Some((_, after)) = row_of(next).and_then(|at| self.messages.rows_mut().get_mut(at)) {
            after.prev = to;
        }
    }

    /// Removes a message row: takes it out of its chain, frees its
    /// reactions' block, and points the chain at the row that took its
    /// place. O(1) expected.
    pub(crate) fn drop_message(&mut self, message: MessageId) -> Option<()> {
        let row = self.messages.position(message)?;
        self.unlink(row);
        let (removed, _) = self.messages.remove(message)?;
        self.pool.release(removed.block);
        if row < self.messages.len() {
            self.follow_move(row);
        }
        Some(())
    }
}
