//! A parameter set's name table and the slots its values go to: what the
//! sources (form, JSON, serde) and the sets share, below all of them.

use crate::action::Action;
use crate::ids::{Arg, BotId, MessageId};
use crate::reaction::{Reaction, UnknownReaction};
use crate::wire::text::TextArg;

/// The longest name any set reads, in bytes; a longer name is none of
/// them. Every set checks its names against it when it is compiled.
pub(crate) const NAME_CAPACITY: usize = 10;

/// Where one parameter's value goes, by the kind of value it holds.
pub enum Slot<'p> {
    /// A bot id.
    Bot(&'p mut Arg<BotId>),
    /// A message id.
    Message(&'p mut Arg<MessageId>),
    /// A like action, read by rule L5.
    Action(&'p mut Option<Action>),
    /// A reaction code (case-sensitive).
    Reaction(&'p mut Arg<Reaction, UnknownReaction>),
    /// A text kept as sent.
    Text(&'p mut TextArg),
}

impl Slot<'_> {
    /// Records a value sent as text (a form field or a decoded pair).
    pub(crate) fn set_text(self, value: &str) {
        match self {
            Self::Bot(arg) => *arg = Arg::parse(value),
            Self::Message(arg) => *arg = Arg::parse(value),
            Self::Action(action) => *action = Some(Action::parse(value)),
            Self::Reaction(arg) => *arg = Arg::parse(value),
            Self::Text(text) => *text = TextArg::new(value),
        }
    }
}

/// The private half of [`Params`]: its name table.
pub(crate) mod sealed {
    use super::Slot;

    /// A set's names, each with the slot its value goes to.
    ///
    /// A name is selected by its position in [`Fields::NAMES`], and the
    /// slot by a `match` on that position: every path from a name to a
    /// slot is plain code the optimizer sees through, with no function
    /// pointers.
    pub trait Fields: Sized + 'static {
        /// Every name the set reads, in any ASCII case.
        const NAMES: &'static [&'static str];

        /// The slot of the name at `index` in [`Fields::NAMES`]; `None`
        /// for an index past the table.
        fn slot(&mut self, index: usize) -> Option<Slot<'_>>;
    }
}

use sealed::Fields;

/// The position in `P`'s name table of `name`, in any ASCII case; `None`
/// for a name `P` does not read.
pub(crate) fn field<P: Fields>(name: &str) -> Option<usize> {
    P::NAMES
        .iter()
        .position(|known| known.eq_ignore_ascii_case(name))
}

/// The length of the longest name in a table, in bytes.
pub(crate) const fn longest(names: &[&str]) -> usize {
    match names {
        [] => 0,
        [name, rest @ ..] => {
            let rest = longest(rest);
            if name.len() > rest { name.len() } else { rest }
        }
    }
}
