//! Fixed-size backing arrays: the storage every table, member list and the
//! reaction pool are built on, and the blank value of an unused slot.
//!
//! Kept apart from the sizing so the storage modules depend on this one
//! alone, and the sizing, which names their row types, depends on them
//! without a cycle.

use crate::ids::{AppId, BotId, ChatId, MessageId, UserId};

/// Backing storage of a table: a fixed-size array of rows.
///
/// Not covered by semver; implemented for arrays of the crate's row types.
#[doc(hidden)]
pub trait Array<T>: Copy + Send + Sync + 'static {
    /// Every element blank.
    const EMPTY: Self;
    /// The elements.
    fn as_slice(&self) -> &[T];
    /// The elements, mutably.
    fn as_mut_slice(&mut self) -> &mut [T];
}

impl<T: Blank + Send + Sync + 'static, const N: usize> Array<T> for [T; N] {
    const EMPTY: Self = [T::BLANK; N];

    fn as_slice(&self) -> &[T] {
        self
    }

    fn as_mut_slice(&mut self) -> &mut [T] {
        self
    }
}

/// A placeholder value for array slots that hold no row.
#[doc(hidden)]
pub trait Blank: Copy {
    /// The placeholder.
    const BLANK: Self;
}

impl<A: Blank, B: Blank> Blank for (A, B) {
    const BLANK: Self = (A::BLANK, B::BLANK);
}

impl<T: Blank, const N: usize> Blank for [T; N] {
    const BLANK: Self = [T::BLANK; N];
}

/// Declares `Blank` for plain types by their zero-like value.
macro_rules! blank {
    ($($t:ty => $v:expr;)+) => {
        $(impl Blank for $t { const BLANK: Self = $v; })+
    };
}

blank! {
    u16 => 0;
    u32 => 0;
    u64 => 0;
    AppId => AppId(0);
    BotId => BotId::FIRST;
    ChatId => ChatId::FIRST;
    UserId => UserId::FIRST;
    MessageId => MessageId::FIRST;
}
