//! The retry window: the answers of the last keyed requests, by key. The
//! keyed entry points that consult it are in `keyed`.
//!
//! A table maps each remembered key to its request and answer (a hash
//! index at most half full, so a lookup is O(1) expected); a ring of keys
//! in arrival order says which entry to forget when the window is full.

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::array::{Array, Blank};
use crate::error::LikeError;
use crate::ids::Arg;
use crate::keys::IdempotencyKey;
use crate::outcome::Outcome;
use crate::request::{LikeRequest, UserLikeRequest};
use crate::table::{Table, TableKey};
use crate::v2::{ReactionError, ReactionOutcome, ReactionRequest};

/// One remembered keyed request: which method, its parameters, and the
/// answer it got (a success or a refusal).
///
/// Not covered by semver: the element type of the window's storage.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Remembered {
    /// [`Engine::like_keyed`].
    Like(LikeRequest, Result<Outcome, LikeError>),
    /// [`Engine::like_as_user_keyed`].
    LikeAsUser(UserLikeRequest, Result<Outcome, LikeError>),
    /// [`Engine::add_reaction_keyed`].
    AddReaction(ReactionRequest, Result<ReactionOutcome, ReactionError>),
    /// [`Engine::delete_reaction_keyed`].
    DeleteReaction(ReactionRequest, Result<ReactionOutcome, ReactionError>),
}

impl Blank for Remembered {
    const BLANK: Self = Self::Like(
        LikeRequest {
            app: None,
            bot: Arg::Omitted,
            message: Arg::Omitted,
            action: Action::Auto,
        },
        Err(LikeError::MessageIdMissing),
    );
}

/// A key as the window stores it: two 64-bit halves, low first, so the
/// window's rows and ring need 8-byte alignment, not the 16 of `u128`
/// (which would pad every row and, at `KEYS = 0`, the engine).
///
/// Not covered by semver: the element type of the window's storage.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredKey([u64; 2]);

impl From<IdempotencyKey> for StoredKey {
    fn from(key: IdempotencyKey) -> Self {
        // Truncation keeps the low half; the shift brings the high half.
        #[allow(clippy::cast_possible_truncation)]
        let halves = [key.0 as u64, (key.0 >> 64) as u64];
        Self(halves)
    }
}

impl From<StoredKey> for IdempotencyKey {
    fn from(key: StoredKey) -> Self {
        let [low, high] = key.0;
        Self(u128::from(high) << 64 | u128::from(low))
    }
}

/// The two halves folded together. Keys are client-chosen, so a client
/// can make keys collide on purpose; the table's index is at most half
/// full, which bounds a lookup by the window's size even then.
impl TableKey for StoredKey {
    fn value(self) -> u64 {
        let [low, high] = self.0;
        low ^ high.rotate_left(32)
    }
}

impl Blank for StoredKey {
    const BLANK: Self = Self([0; 2]);
}

/// The window's storage: `R` the table rows, `I` its index, `G` the ring
/// of keys, all of the sizing's `KEYS` capacity.
#[derive(Clone)]
pub(crate) struct Window<R, I, G> {
    table: Table<StoredKey, Remembered, R, I>,
    /// Keys in arrival order, from `oldest` round the ring.
    ring: G,
    /// The ring slot of the oldest remembered key.
    oldest: usize,
}

/// A window refused an entry while a validated snapshot was loaded: it is
/// full or already holds the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused;

impl<R, I, G> Window<R, I, G>
where
    R: Array<(StoredKey, Remembered)>,
    I: Array<[u32; 2]>,
    G: Array<StoredKey>,
{
    /// An empty window.
    pub(crate) const fn new() -> Self {
        Self {
            table: Table::new(),
            ring: G::EMPTY,
            oldest: 0,
        }
    }

    /// How many keys it remembers.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// The most it remembers (the sizing's `KEYS`).
    pub(crate) fn capacity(&self) -> usize {
        self.ring.as_slice().len()
    }

    /// The ring slot `age` places after the oldest (`KEYS` is a power of
    /// two, or 0 with no slots at all).
    fn slot(&self, age: usize) -> usize {
        self.oldest.wrapping_add(age) & self.capacity().wrapping_sub(1)
    }

    /// The remembered request and answer of `key`. O(1) expected.
    pub(crate) fn recall(&self, key: IdempotencyKey) -> Option<&Remembered> {
        if self.len() == 0 {
            return None;
        }
        self.table.get(key.into())
    }

    /// Remembers a key the window does not hold, forgetting the oldest
    /// when full. Does nothing in a window of capacity 0.
    pub(crate) fn remember(&mut self, key: IdempotencyKey, entry: Remembered) {
        if self.capacity() == 0 {
            return;
        }
        if self.len() == self.capacity() {
            self.forget_oldest();
        }
        let _ = self.push(key, entry);
    }

    /// Forgets the oldest key.
    fn forget_oldest(&mut self) {
        let Some(&key) = self.ring.as_slice().get(self.oldest) else {
            return;
        };
        let _ = self.table.remove(key);
        self.oldest = self.slot(1);
    }

    /// Adds a key as the newest without evicting.
    ///
    /// # Errors
    /// [`Refused`] when the window is full or holds the key.
    pub(crate) fn push(&mut self, key: IdempotencyKey, entry: Remembered) -> Result<(), Refused> {
        let slot = self.slot(self.len());
        if self.len() == self.capacity() {
            return Err(Refused);
        }
        let key = StoredKey::from(key);
        self.table.insert(key, entry).map_err(|_| Refused)?;
        let cell = self.ring.as_mut_slice().get_mut(slot).ok_or(Refused)?;
        *cell = key;
        Ok(())
    }

    /// The key `age` places after the oldest.
    pub(crate) fn key_at(&self, age: usize) -> Option<IdempotencyKey> {
        if age >= self.len() {
            return None;
        }
        let key = self.ring.as_slice().get(self.slot(age))?;
        Some((*key).into())
    }

    /// Every remembered key with its entry, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (IdempotencyKey, &Remembered)> {
        (0..self.len())
            .filter_map(|age| self.key_at(age))
            .filter_map(|key| Some((key, self.table.get(key.into())?)))
    }

    /// Forgets every key, in place.
    pub(crate) fn clear(&mut self) {
        self.table.clear();
        self.oldest = 0;
    }

    /// Whether two windows remember the same entries in the same order.
    pub(crate) fn same(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}
