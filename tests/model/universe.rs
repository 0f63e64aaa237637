//! The small id universes steps draw from and observations cover.
// Included by several test crates and the fuzz target; each uses a part.
#![allow(dead_code)]

use imbot_like::Reaction;

/// Users and bots share one id space: 1..=8.
pub(crate) const USER_IDS: std::ops::RangeInclusive<u32> = 1..=8;
/// Chat ids: 1..=5, more than most sizings' chat tables hold.
pub(crate) const CHAT_IDS: std::ops::RangeInclusive<u32> = 1..=5;
/// Message ids: 1..=10, more than most sizings' message tables hold.
pub(crate) const MESSAGE_IDS: std::ops::RangeInclusive<u64> = 1..=10;
/// Application handles: 0..=3 (a caller may also have none).
pub(crate) const APP_IDS: std::ops::RangeInclusive<u32> = 0..=3;
/// The reaction kinds requests use: `like` (the legacy like), the first and
/// the last kind of [`Reaction::ALL`], and two between them.
pub(crate) const KINDS: [Reaction; 5] = [
    Reaction::Like,
    Reaction::Dislike,
    Reaction::RedHeart,
    Reaction::Eyes,
    Reaction::HundredPoints,
];
