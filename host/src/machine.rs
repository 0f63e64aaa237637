//! The host's state machine as the methods reach it: one command at a
//! time under the state's lock, logged for a durable host or committed
//! through raft for a replicated one, and the waits that make an answer
//! durable or a read linearizable.

use std::sync::{Arc, MutexGuard};
use std::time::Instant;

use imbot_like::ServerEngine;

use crate::{Answer, Host, HostCommand, HostState, cluster, durable};

impl Host {
    /// Locks the state. A panic while it was held cannot have left a
    /// half-done change (each command checks before it changes), so a
    /// poisoned lock is taken over.
    pub(crate) fn state(&self) -> MutexGuard<'_, HostState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads the engine's state (for tests and tools); blocks calls while
    /// `read` runs.
    pub fn inspect<R>(&self, read: impl FnOnce(&ServerEngine) -> R) -> R {
        read(&self.state().engine)
    }

    /// Applies one command under the lock: its answer, the time it took
    /// in seconds, and for a durable host the log position the answer
    /// must wait for (the command's own when it changed the state, else
    /// the last one logged, which what it read may include). A command
    /// that changed the state is logged before the lock is released, so
    /// the log's order is the order of application; the events it pushes
    /// to bots' handlers are queued then, to be sent once it is durable.
    pub fn execute(&self, command: &HostCommand) -> (Answer, f64, Option<u64>) {
        let mut state = self.state();
        let began = Instant::now();
        let (answer, changed, pushed) = state.apply_pushing(command);
        let wait = self.durable.as_ref().map(|log| {
            if changed {
                log.append(command)
            } else {
                log.appended()
            }
        });
        if !pushed.is_empty() {
            // Queued under the lock, so each bot's events keep the order
            // of application.
            self.deliverer.enqueue(pushed, wait, self.durable.clone());
        }
        drop(state);
        let processing = self.clock.processing(began.elapsed().as_secs_f64());
        (answer, processing, wait)
    }

    /// Now, as a command's time (the stepped clock's next call under
    /// `--deterministic`).
    pub(crate) fn now_ms(&self) -> u64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ms = (self.clock.start() * 1000.0) as u64;
        ms
    }

    /// Waits until log position `wait` (from [`Host::execute`]) is durable.
    ///
    /// # Errors
    /// The data directory could not be written.
    pub(crate) async fn settled(&self, wait: Option<u64>) -> Result<(), durable::NotDurable> {
        match (self.durable(), wait) {
            (Some(log), Some(seq)) => log.durable(seq).await,
            _ => Ok(()),
        }
    }

    /// Runs one command: [`Host::execute`] here, or for a replicated host
    /// through the cluster (committed on a majority and applied before it
    /// returns; no leader in time is 503 `QUERY_LIMIT_EXCEEDED`).
    pub(crate) async fn run(
        &self,
        command: &HostCommand,
    ) -> Result<(Answer, f64, Option<u64>), imbot_like::wire::FrameworkError> {
        let Some(node) = &self.cluster else {
            return Ok(self.execute(command));
        };
        let began = Instant::now();
        // On a task of its own, so that a client that goes away while the
        // command is on its way does not stop it short of sending the
        // events of a committed command.
        let (node, deliverer, command) = (
            Arc::clone(node),
            Arc::clone(&self.deliverer),
            command.clone(),
        );
        let written = tokio::spawn(async move {
            let (answer, pushed) = node.write(&command).await?;
            if !pushed.is_empty() {
                // Committed: the node the call went to sends its events.
                deliverer.enqueue(pushed, None, None);
            }
            Ok(answer)
        });
        let answer = match written.await {
            Ok(written) => written.map_err(cluster::unavailable)?,
            Err(e) => return Err(cluster::unavailable(cluster::Unavailable(e.to_string()))),
        };
        let processing = self.clock.processing(began.elapsed().as_secs_f64());
        Ok((answer, processing, None))
    }

    /// For a replicated host, waits until this node has applied every
    /// change committed before the call, so a read of its state after it
    /// is linearizable.
    pub(crate) async fn linearize(&self) -> Result<(), imbot_like::wire::FrameworkError> {
        match &self.cluster {
            None => Ok(()),
            Some(node) => node.linearize().await.map_err(cluster::unavailable),
        }
    }

    /// Randomness for a command that may make a bot token: none under the
    /// stepped clock, so runs repeat.
    pub(crate) fn entropy(&self) -> Option<u64> {
        use std::hash::{BuildHasher, Hasher};
        if self.clock.is_stepped() {
            return None;
        }
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(self.clock.start().to_bits());
        Some(hasher.finish())
    }
}
