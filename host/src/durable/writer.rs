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
//! Snapshots hold up neither requests nor the log: a second thread, the
//! snapshotter, keeps a replica of the state, made from the first
//! snapshot written, and applies to it every frame once it is durable.
//! The state machine is deterministic, so the replica after command `n`
//! is the host's state after command `n`; a snapshot is the replica
//! encoded and written while the writer goes on appending to the current
//! log. When a snapshot is durable the writer continues in a new log and
//! removes what is no longer needed.
//!
//! A failed write or sync is never reported as durable: the writer stops,
//! says why, and every request waiting or to come is answered with an
//! error until the host is restarted.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::Config;
use super::journal::{self, Journal};
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
    pub(crate) shared: Arc<Shared>,
    /// Frames for the snapshotter, once durable.
    pub(crate) frames: Sender<ToSnapshot>,
    /// Snapshots the snapshotter made durable, or why it failed.
    pub(crate) snapshots: Receiver<Result<u64, String>>,
    pub(crate) snapshotter: Option<JoinHandle<()>>,
    /// The number of the last command taken from [`Pending`].
    pub(crate) taken: u64,
    /// How many commands the last flush carried.
    pub(crate) last_batch: u64,
}

impl<S: Storage> Drop for Writer<S> {
    /// A writer that ends without a clean stop (a panic) fails every
    /// waiter instead of leaving it waiting for a flush that never comes.
    fn drop(&mut self) {
        let stopped = self.shared.pending().stop;
        if !stopped {
            let why = "the log writer stopped".to_owned();
            self.shared.flushed.send_if_modified(|flushed| {
                let failed = matches!(flushed, Flushed::Failed(_));
                if !failed {
                    *flushed = Flushed::Failed(why);
                }
                !failed
            });
        }
    }
}

/// What the writer tells the snapshotter.
pub(crate) enum ToSnapshot {
    /// A durable frame's body, and the number of its last command.
    Frame(Vec<u8>, u64),
    /// Write a last snapshot and stop.
    Stop,
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
        loop {
            let (body, last, stop) = self.take();
            self.write(body, last)?;
            self.rotate_after_snapshots()?;
            if stop {
                return self.stop();
            }
        }
    }

    /// Waits for commands or a stop; takes what was added.
    ///
    /// Once commands are there it waits a little longer (at most
    /// [`GATHER`]) for as many as the previous flush carried: the requests
    /// that flush answered are typically sending their next changes, and
    /// one sync for all of them beats one for the first and another for
    /// the rest. A lone writer's previous batch was one command, so it
    /// never waits. It wakes at least every 100 ms to look for finished
    /// snapshots.
    fn take(&mut self) -> (Vec<u8>, u64, bool) {
        let mut pending = self.shared.pending();
        if pending.body.is_empty() && !pending.stop {
            let waited = self
                .shared
                .work
                .wait_timeout(pending, Duration::from_millis(100));
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

    /// Appends a frame, syncs, reports `last` durable, and hands the frame
    /// to the snapshotter.
    fn write(&mut self, body: Vec<u8>, last: u64) -> Result<(), String> {
        if body.is_empty() {
            return Ok(());
        }
        for frame in log::split(&body) {
            self.journal.append(frame).map_err(|e| e.to_string())?;
        }
        if matches!(*self.shared.flushed.borrow(), Flushed::Failed(_)) {
            return Err("a command could not be logged".into());
        }
        self.shared.flushed.send_replace(Flushed::Upto(last));
        self.frames
            .send(ToSnapshot::Frame(body, last))
            .map_err(|_| "the snapshotter stopped".to_owned())
    }

    /// Continues in a new log after each snapshot the snapshotter made
    /// durable since the last look.
    fn rotate_after_snapshots(&mut self) -> Result<(), String> {
        let mut rotate = false;
        while let Ok(done) = self.snapshots.try_recv() {
            done?;
            rotate = true;
        }
        if rotate {
            self.journal.rotate(self.taken).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Has the snapshotter write a last snapshot, then starts the log
    /// after it.
    fn stop(&mut self) -> Result<(), String> {
        let _ = self.frames.send(ToSnapshot::Stop);
        if let Some(thread) = self.snapshotter.take() {
            let _ = thread.join();
        }
        self.rotate_after_snapshots()
    }
}

/// The snapshotter thread's own state.
pub(crate) struct Snapshotter<S: Storage> {
    pub(crate) storage: S,
    pub(crate) config: Config,
    /// The state after command `seq`.
    pub(crate) replica: HostState,
    pub(crate) seq: u64,
    /// The command the newest snapshot holds.
    pub(crate) snapshot: u64,
    /// The engine snapshot's buffer, reused.
    pub(crate) scratch: Vec<u8>,
    pub(crate) frames: Receiver<ToSnapshot>,
    pub(crate) done: Sender<Result<u64, String>>,
}

impl<S: Storage> Snapshotter<S> {
    /// Applies frames and writes a snapshot every
    /// [`Config::every_records`] commands or [`Config::every`], and a last
    /// one when told to stop or when the writer is gone.
    pub(crate) fn run(mut self) {
        let mut since = Instant::now();
        loop {
            let left = self.config.every.saturating_sub(since.elapsed());
            let stop = match self.frames.recv_timeout(left.max(Duration::from_millis(1))) {
                Ok(ToSnapshot::Frame(body, last)) => {
                    if let Err(e) = self.apply(&body, last) {
                        let _ = self.done.send(Err(format!("snapshotter: {e}")));
                        return;
                    }
                    false
                }
                Ok(ToSnapshot::Stop) | Err(RecvTimeoutError::Disconnected) => true,
                Err(RecvTimeoutError::Timeout) => false,
            };
            let due = self.seq - self.snapshot >= self.config.every_records
                || (since.elapsed() >= self.config.every && self.seq > self.snapshot);
            if stop || due {
                let written = self.write();
                let failed = written.is_err();
                let _ = self.done.send(written);
                since = Instant::now();
                if stop || failed {
                    return;
                }
            } else if since.elapsed() >= self.config.every {
                since = Instant::now();
            }
        }
    }

    /// Brings the replica to command `last`; a body that does not decode
    /// stops the snapshots (the writer then fails), since a snapshot
    /// without it would be wrong.
    fn apply(&mut self, body: &[u8], last: u64) -> Result<(), String> {
        for command in log::commands(body)? {
            let _ = self.replica.apply(&command);
        }
        self.seq = last;
        Ok(())
    }

    /// Writes a snapshot of the replica; the command it holds.
    fn write(&mut self) -> Result<u64, String> {
        let bytes = self.replica.encode(self.seq, &mut self.scratch)?;
        journal::write_snapshot(&mut self.storage, &bytes, self.seq)
            .map_err(|e| format!("snapshot: {e}"))?;
        self.snapshot = self.seq;
        Ok(self.seq)
    }
}
