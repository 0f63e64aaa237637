//! An engine and the reference model driven side by side, and the menu of
//! sizings runs choose from.
//!
//! Shared by the simulation, the exhaustive test and the `ops` fuzz
//! target; an includer declares `common`, `observe`, `reference`, `reply`,
//! `steps` and `universe` next to it.
// Included by several test crates and the fuzz target; each uses a part.
#![allow(dead_code)]

use imbot_like::{BotPolicy, Capacity, Engine, Sizing, pool_for};

use super::observe::assert_same_state;
use super::reference::{Caps, Model};
use super::reply::{Reply, run};
use super::steps::Step;

/// An engine of sizing `S` and the model with the same capacities.
pub(crate) struct Pair<S: Sizing> {
    pub(crate) engine: Engine<S>,
    pub(crate) model: Model,
}

impl<S: Sizing> Clone for Pair<S> {
    fn clone(&self) -> Self {
        Self {
            engine: self.engine.clone(),
            model: self.model.clone(),
        }
    }
}

impl<S: Sizing> Pair<S> {
    /// Both empty, under `policy`.
    pub(crate) fn new(policy: BotPolicy) -> Self {
        Self {
            engine: Engine::with_policy(policy),
            model: Model::new(policy, Caps::of::<S>()),
        }
    }

    /// Applies one step to both and asserts they answer alike. With
    /// `unchanged`, a refused step must also leave the engine equal to its
    /// clone from before the step, its pool's high-water mark included;
    /// a refused keyed request the window remembers changes the window
    /// only, so then everything the engine shows must match the model.
    pub(crate) fn step(&mut self, step: &Step, unchanged: bool) -> Reply {
        let expected = self.model.step(step);
        let remembered = self.model.remembered;
        let refused = expected.is_refused();
        let before = (unchanged && refused && !remembered).then(|| self.engine.clone());
        let reply = run(&mut self.engine, step);
        assert_eq!(
            reply, expected,
            "engine and model answer {step:?} differently"
        );
        if let (Some(before), true) = (before, reply.is_refused()) {
            assert!(
                self.engine == before,
                "the refused step {step:?} changed the engine"
            );
            assert_eq!(
                self.engine.pool_used(),
                before.pool_used(),
                "the refused step {step:?} changed the pool"
            );
        }
        if unchanged && refused && remembered {
            self.assert_same_state();
        }
        reply
    }

    /// Asserts that everything the engine shows matches the model.
    pub(crate) fn assert_same_state(&self) {
        assert_same_state(&self.engine, &self.model);
    }
}

/// Code run with one sizing of the menu: const generics are fixed at
/// compile time, so a run picks its sizing by index through this trait.
pub(crate) trait WithSizing {
    /// What the run returns.
    type Output;
    /// Runs with sizing `S`.
    fn run<S: Sizing>(self) -> Self::Output;
}

/// Every table tiny: one bot, one chat of two, one message with one
/// reaction.
pub(crate) type Tiny = Capacity<1, 1, 2, 1, 1, { pool_for(1, 1) }>;
/// Two of most things, two reactions a message, a window of 2 keys.
pub(crate) type Pairs = Capacity<2, 2, 3, 4, 2, { pool_for(4, 2) }, 2>;
/// The model test's sizing: 4 bots, 4 chats of 4, 8 messages of 3, a
/// window of 4 keys.
pub(crate) type Fours = Capacity<4, 4, 4, 8, 3, { pool_for(8, 3) }, 4>;
/// Roomy: tables rarely fill with the small universes, reaction sets do;
/// a window of 8 keys, more than the key numbers steps use.
pub(crate) type Roomy = Capacity<8, 8, 8, 16, 8, { pool_for(16, 8) }, 8>;
/// Few messages with many reactions (a capacity not a power of two).
pub(crate) type Deep = Capacity<2, 4, 2, 2, 5, { pool_for(2, 5) }>;
/// A pool of 10 entries for 8 messages of up to 4 reactions: it runs out
/// long before the messages are full.
pub(crate) type TightPool = Capacity<4, 4, 4, 8, 4, 10>;

/// How many sizings the menu holds.
pub(crate) const SIZINGS: usize = 6;

/// The menu's names, by index.
pub(crate) const SIZING_NAMES: [&str; SIZINGS] =
    ["Tiny", "Pairs", "Fours", "Roomy", "Deep", "TightPool"];

/// Runs `job` with the sizing at `index` (modulo [`SIZINGS`]).
pub(crate) fn with_sizing<J: WithSizing>(index: usize, job: J) -> J::Output {
    match index % SIZINGS {
        0 => job.run::<Tiny>(),
        1 => job.run::<Pairs>(),
        2 => job.run::<Fours>(),
        3 => job.run::<Roomy>(),
        4 => job.run::<Deep>(),
        _ => job.run::<TightPool>(),
    }
}
