//! [`HostState::apply`]: one command, one atomic change, one answer.

use crate::clock;
use crate::events;
use crate::portal::Step;

use super::command::{EngineCommand, is_keyed};
use super::{Answer, HostCommand, HostState, Op, PortalCall};

impl HostState {
    /// Applies `command`: its answer, and whether the state changed (a
    /// durable host logs exactly the commands that changed it).
    ///
    /// Pure: no I/O, no clock, no lock. A refused command changes nothing,
    /// except that a keyed like or reaction enters the retry window
    /// accepted or refused, so that a retry gets the same answer.
    pub fn apply(&mut self, command: &HostCommand) -> (Answer, bool) {
        match &command.op {
            Op::Engine(engine) => self.apply_engine(command.at_ms, engine),
            Op::Portal(call) => self.apply_portal(call),
        }
    }

    /// A like or reaction: the engine's transition, and an event for the
    /// bot whose message it changed.
    fn apply_engine(&mut self, at_ms: u64, command: &EngineCommand) -> (Answer, bool) {
        let before = events::message_of(command)
            .and_then(|message| self.engine.message(message))
            .map(|info| info.version);
        let result = self.engine.apply(command);
        if let Ok(applied) = &result {
            if let Some(made) = events::change(&self.engine, before, applied) {
                self.events.push(made, date(at_ms));
            }
        }
        let changed = result.is_ok() || is_keyed(command);
        (Answer::Engine(result), changed)
    }

    /// A world method's call.
    fn apply_portal(&mut self, call: &PortalCall) -> (Answer, bool) {
        let mut step = Step::new(self, &call.params, call.entropy);
        let result = step.run(call.method, &call.caller);
        let changed = step.changed;
        (Answer::Portal(result), changed)
    }
}

/// A command's time as an event's date.
fn date(at_ms: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    clock::iso8601(at_ms as f64 / 1000.0)
}
