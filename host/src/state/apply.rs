//! [`HostState::apply`]: one command, one atomic change, one answer.

use crate::clock;
use crate::events;
use crate::portal::Step;
use crate::push::{self, Delivery};

use super::command::{EngineCommand, is_keyed};
use super::retries::Recall;
use super::{Answer, HostCommand, HostState, KeyedCall, Op, PortalCall};

impl HostState {
    /// Applies `command`: its answer, and whether the state changed (a
    /// durable host logs exactly the commands that changed it).
    ///
    /// Pure: no I/O, no clock, no lock. A refused command changes nothing,
    /// except that a keyed like or reaction enters its caller's retry
    /// window accepted or refused, so that a retry gets the same answer.
    pub fn apply(&mut self, command: &HostCommand) -> (Answer, bool) {
        let (answer, changed, _) = self.apply_pushing(command);
        (answer, changed)
    }

    /// As [`HostState::apply`], with the events the change pushes to bots'
    /// handlers (see [`crate::push`]); the edge sends them once the change
    /// is durable.
    pub fn apply_pushing(&mut self, command: &HostCommand) -> (Answer, bool, Vec<Delivery>) {
        match &command.op {
            Op::Engine(engine) => self.apply_engine(command.at_ms, engine),
            Op::Portal(call) => self.apply_portal(command.at_ms, call),
            Op::Keyed(call) => self.apply_keyed(command.at_ms, call),
        }
    }

    /// A keyed like or reaction: the first answer for a retry, a refusal
    /// for a key used with another request, else the request runs and
    /// its answer, accepted or refused, enters the caller's window.
    fn apply_keyed(&mut self, at_ms: u64, call: &KeyedCall) -> (Answer, bool, Vec<Delivery>) {
        match self.retries.recall(&call.caller, call.key, call.request) {
            Recall::Answered(result) => (Answer::Engine(result), false, Vec::new()),
            Recall::Reused(refusal) => (Answer::Engine(Err(refusal)), false, Vec::new()),
            Recall::New => {
                let (answer, _, pushed) = self.apply_engine(at_ms, &call.request.command());
                if let Answer::Engine(result) = &answer {
                    self.retries
                        .remember(&call.caller, call.key, call.request, result);
                }
                (answer, true, pushed)
            }
        }
    }

    /// A like or reaction: the engine's transition, and an event for the
    /// bot whose message it changed: queued for a bot in fetch mode,
    /// pushed to the URL of one in webhook mode.
    fn apply_engine(
        &mut self,
        at_ms: u64,
        command: &EngineCommand,
    ) -> (Answer, bool, Vec<Delivery>) {
        let before = events::message_of(command)
            .and_then(|message| self.engine.message(message))
            .map(|info| info.version);
        let result = self.engine.apply(command);
        let mut pushed = Vec::new();
        if let Ok(applied) = &result {
            if let Some(made) = events::change(&self.engine, before, applied) {
                match self.events.webhook(made.bot) {
                    Some(url) => pushed.extend(push::v2::reaction_change(self, &made, url, at_ms)),
                    None => self.events.push(made, date(at_ms)),
                }
            }
        }
        let changed = result.is_ok() || is_keyed(command);
        (Answer::Engine(result), changed, pushed)
    }

    /// A world method's call.
    fn apply_portal(&mut self, at_ms: u64, call: &PortalCall) -> (Answer, bool, Vec<Delivery>) {
        let mut step = Step::new(self, &call.params, call.entropy, at_ms);
        let result = step.run(call.method, &call.caller);
        let (changed, mut deliveries) = (step.changed, step.deliveries);
        if result.is_err() {
            deliveries.clear();
        }
        (Answer::Portal(result), changed, deliveries)
    }
}

/// A command's time as an event's date.
fn date(at_ms: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    clock::iso8601(at_ms as f64 / 1000.0)
}
