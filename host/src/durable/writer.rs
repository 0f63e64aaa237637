//! The log writer: one thread that appends frames, syncs them, and writes
//! snapshots.
//!
//! Requests add their command to a shared buffer while they hold the
//! state's lock (so the log's order is the order of application) and then
//! wait, without the lock, until the writer reports their command durable.
//! The writer takes everything added so far, writes it as one frame with
//! one write and one sync, and wakes every waiter it covered: under
//! concurrent load one flush serves many requests (group commit).
//!
//! Snapshots never hold the requests' lock: the writer keeps a replica of
//! the state, made from the first snapshot it wrote, and applies to it
//! every command it has made durable. The state machine is deterministic,
//! so the replica after command `n` is the host's state after command `n`;
//! a snapshot is the replica encoded, while requests go on.
//!
//! A failed write or sync is never reported as durable: the writer stops,
//! says why, and every request waiting or to come is answered with an
//! error until the host is restarted.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::Config;
use super::journal::Journal;
use super::log;
use super::storage::Storage;
use crate::state::HostState;

/// Commands added and not yet taken by the writer.
#[derive(Default)]
pub(crate) struct Pending {
    /// Their bytes, each prefixed by its length (a frame's body).
    pub(crate) body: Vec<u8>,
    /// The number of the last command added.
    pub(crate) last: u64,
    /// Set to make the writer write a last snapshot and stop.
    pub(crate) stop: bool,
}

/// What the writer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Flushed {
    /// Every command up to this number is durable.
    Upto(u64),
    /// Writing failed: nothing more becomes durable.
    Failed(String),
}

/// What requests and the writer share.
pub(crate) struct Shared {
    pub(crate) pending: Mutex<Pending>,
    pub(crate) work: Condvar,
    pub(crate) flushed: watch::Sender<Flushed>,
}

impl Shared {
    pub(crate) fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The writer thread's own state.
pub(crate) struct Writer<S: Storage> {
    pub(crate) journal: Journal<S>,
    pub(crate) config: Config,
    /// The state after the last command written.
    pub(crate) replica: HostState,
    pub(crate) shared: Arc<Shared>,
    /// The command number the current log starts after.
    pub(crate) log_start: u64,
    /// The engine snapshot's buffer, reused.
    pub(crate) scratch: Vec<u8>,
    /// The number of the last command taken from [`Pending`].
    pub(crate) taken: u64,
    /// How many commands the last flush carried.
    pub(crate) last_batch: u64,
}

/// The longest a flush waits for more commands once it has one.
const GATHER: Duration = Duration::from_micros(500);

impl<S: Storage> Writer<S> {
    /// Runs until asked to stop or until a write fails, which it reports
    /// to every waiter and on stderr.
    pub(crate) fn run(mut self) {
        if let Err(e) = self.serve() {
            let why =
                format!("data directory write failed, no change is acknowledged from now on: {e}");
            tracing::error!("{why}");
            eprintln!("rest_host: {why}");
            self.shared.flushed.send_replace(Flushed::Failed(why));
        }
    }

    fn serve(&mut self) -> Result<(), String> {
        let mut last_snapshot = Instant::now();
        loop {
            let (body, last, stop) = self.take(last_snapshot);
            self.write(&body, last)?;
            let since = last - self.log_start;
            let interval_over = last_snapshot.elapsed() >= self.config.every;
            if stop || since >= self.config.every_records || (interval_over && since > 0) {
                self.checkpoint()?;
                last_snapshot = Instant::now();
            } else if interval_over {
                last_snapshot = Instant::now();
            }
            if stop {
                return Ok(());
            }
        }
    }

    /// Waits for commands, a stop, or the snapshot interval; takes what
    /// was added.
    ///
    /// Once commands are there it waits a little longer (at most
    /// [`GATHER`]) for as many as the previous flush carried: the requests
    /// that flush answered are typically sending their next changes, and
    /// one sync for all of them beats one for the first and another for
    /// the rest. A lone writer's previous batch was one command, so it
    /// never waits.
    fn take(&mut self, last_snapshot: Instant) -> (Vec<u8>, u64, bool) {
        let mut pending = self.shared.pending();
        while pending.body.is_empty() && !pending.stop {
            let left = self.config.every.saturating_sub(last_snapshot.elapsed());
            if left.is_zero() {
                break;
            }
            let waited = self.shared.work.wait_timeout(pending, left);
            pending = waited.map(|(g, _)| g).unwrap_or_else(|e| e.into_inner().0);
        }
        let first = Instant::now();
        while !pending.body.is_empty()
            && !pending.stop
            && pending.last - self.taken < self.last_batch
        {
            let left = GATHER.saturating_sub(first.elapsed());
            if left.is_zero() {
                break;
            }
            let waited = self.shared.work.wait_timeout(pending, left);
            pending = waited.map(|(g, _)| g).unwrap_or_else(|e| e.into_inner().0);
        }
        if !pending.body.is_empty() {
            self.last_batch = pending.last - self.taken;
        }
        self.taken = pending.last;
        (
            std::mem::take(&mut pending.body),
            pending.last,
            pending.stop,
        )
    }

    /// Writes what was added so far, then a snapshot of the replica, and
    /// starts a new log after it.
    fn checkpoint(&mut self) -> Result<(), String> {
        let (rest, seq) = {
            let mut pending = self.shared.pending();
            self.taken = pending.last;
            (std::mem::take(&mut pending.body), pending.last)
        };
        self.write(&rest, seq)?;
        let bytes = self.replica.encode(seq, &mut self.scratch)?;
        self.journal
            .checkpoint(&bytes, seq)
            .map_err(|e| e.to_string())?;
        self.log_start = seq;
        Ok(())
    }

    /// Appends a frame, syncs, reports `last` durable, and brings the
    /// replica to it.
    fn write(&mut self, body: &[u8], last: u64) -> Result<(), String> {
        if body.is_empty() {
            return Ok(());
        }
        self.journal.append(body).map_err(|e| e.to_string())?;
        self.shared.flushed.send_replace(Flushed::Upto(last));
        for command in log::commands(body).map_err(str::to_owned)? {
            let _ = self.replica.apply(&command);
        }
        Ok(())
    }
}
