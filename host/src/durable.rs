//! Durable state: a data directory holding snapshots and a log of host
//! commands, so a restart (or a crash) loses no change that was answered
//! with success.
//!
//! ```text
//! rest_host --data DIR
//! ```
//!
//! On start the newest snapshot in `DIR` that restores is loaded and the
//! log after it replayed (a write cut short by a crash at the very end of
//! the last log is reported and dropped; damage anywhere else is
//! corruption and the host refuses to start, see `recover`). An empty
//! directory starts from the world file, written as the first snapshot;
//! a directory that holds state ignores the world file.
//!
//! Every command that changed the state is appended to the log and synced
//! (concurrent requests share one sync) before its answer is sent; so is
//! every read's answer held until what it saw is durable. Every
//! [`Config::every_records`] commands or [`Config::every`] a snapshot is
//! written atomically (temporary file, sync, rename, sync of the
//! directory) from a replica of the state, while the log goes on, and a
//! new log started after it; what the snapshot before it does not need is
//! then deleted, so one older generation is always kept to fall back on.
//! The format of every file is in `docs/host-format.md`.

#[cfg(test)]
mod crash_tests;
mod journal;
mod log;
mod recover;
pub mod sim;
mod storage;
mod writer;

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::watch;

pub use journal::Journal;
pub use log::Damage;
pub use recover::{Mode, Recovered, recover};
pub use storage::{FsStorage, Storage};

use crate::state::{HostCommand, HostState};
use writer::{Flushed, Pending, Shared, Snapshotter, Writer};

/// The state as the host and the log writer share it.
pub(crate) type SharedState = Arc<Mutex<HostState>>;

/// When snapshots are written.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// After this many logged commands.
    pub every_records: u64,
    /// After this long, if anything was logged.
    pub every: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            every_records: 10_000,
            every: DEFAULT_EVERY,
        }
    }
}

/// How long a snapshot of the default settings may wait.
const DEFAULT_EVERY: Duration = Duration::from_secs(60);

/// The host's durable log: where changes go before their answers.
pub struct Durable {
    shared: Arc<Shared>,
    flushed: watch::Receiver<Flushed>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

/// Why an answer cannot be given: the data directory could not be
/// written, so the change it would report is not durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotDurable(pub String);

impl Durable {
    /// Writes a snapshot of `state` (the state after `seq` commands) to
    /// `storage` and starts the log writer on it, with a replica of the
    /// state read back from that snapshot (see `writer`).
    ///
    /// # Errors
    /// Why the first snapshot cannot be written or read back.
    pub(crate) fn start<S: Storage + Clone + 'static>(
        storage: S,
        state: &HostState,
        seq: u64,
        config: Config,
    ) -> Result<Self, String> {
        let mut scratch = Vec::new();
        let bytes = state.encode(seq, &mut scratch)?;
        let engine = crate::state::build_engine().map_err(|e| e.to_string())?;
        let (replica, _) = HostState::decode(&bytes, engine)?;
        let mut journal = Journal::new(storage.clone());
        journal.checkpoint(&bytes, seq).map_err(|e| e.to_string())?;
        let (flushed, receiver) = watch::channel(Flushed::Upto(seq));
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                last: seq,
                ..Pending::default()
            }),
            work: Condvar::new(),
            flushed,
        });
        let (frames, frames_in) = mpsc::channel();
        let (done, snapshots) = mpsc::channel();
        let snapshotter = Snapshotter {
            storage,
            config,
            replica,
            seq,
            snapshot: seq,
            scratch,
            frames: frames_in,
            done,
        };
        let snapshotter = spawn("snapshotter", move || snapshotter.run())?;
        let writer = Writer {
            journal,
            shared: Arc::clone(&shared),
            frames,
            snapshots,
            snapshotter: Some(snapshotter),
            taken: seq,
            last_batch: 1,
        };
        let thread = spawn("log-writer", move || writer.run())?;
        Ok(Self {
            shared,
            flushed: receiver,
            writer: Mutex::new(Some(thread)),
        })
    }

    /// Adds an applied command; call with the state locked, so the log
    /// keeps the order of application. Returns its number.
    ///
    /// A command that cannot be encoded (which its types never cause)
    /// could not be replayed: the log stops acknowledging anything.
    pub(crate) fn append(&self, command: &HostCommand) -> u64 {
        let mut pending = self.shared.pending();
        pending.last += 1;
        if let Err(e) = log::push_command(&mut pending.body, command) {
            let why = format!("command {} cannot be logged: {e}", pending.last);
            self.shared.flushed.send_replace(Flushed::Failed(why));
        }
        self.shared.work.notify_one();
        pending.last
    }

    /// The number of the last command added: an answer that read the
    /// state waits for it, so it never reports a change a crash could
    /// undo.
    pub(crate) fn appended(&self) -> u64 {
        self.shared.pending().last
    }

    /// Waits until command `seq` is durable.
    ///
    /// # Errors
    /// The log could not be written: the command may be lost.
    pub(crate) async fn durable(&self, seq: u64) -> Result<(), NotDurable> {
        let mut flushed = self.flushed.clone();
        let reached = flushed
            .wait_for(|f| {
                matches!(f, Flushed::Upto(done) if *done >= seq) || matches!(f, Flushed::Failed(_))
            })
            .await;
        match reached.as_deref() {
            Ok(Flushed::Upto(_)) => Ok(()),
            Ok(Flushed::Failed(why)) => Err(NotDurable(why.clone())),
            Err(_) => Err(NotDurable("the log writer stopped".into())),
        }
    }

    /// Flushes the log, writes a last snapshot and stops the writer.
    pub fn shutdown(&self) {
        self.shared.pending().stop = true;
        self.shared.work.notify_one();
        let thread = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// Starts a named thread.
fn spawn(name: &str, run: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>, String> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(run)
        .map_err(|e| format!("{name}: {e}"))
}

/// Opens the state kept in `dir`: recovered when it holds any (the world
/// file is then only compared with the seed the state recorded), else the
/// world's. Returns the state, the number of commands it includes, and
/// what recovery did.
///
/// # Errors
/// Why the directory cannot be used or the world loaded.
pub(crate) fn open(
    world: &crate::World,
    storage: &mut FsStorage,
) -> Result<(HostState, u64, Option<Recovered>), String> {
    match recover(storage, Mode::Start)? {
        Some((state, recovered)) => {
            let seq = recovered.seq();
            Ok((state, seq, Some(recovered)))
        }
        None => {
            let state = HostState::from_world(world).map_err(|e| e.to_string())?;
            Ok((state, 0, None))
        }
    }
}

/// Repairs the data directory `dir`: recovery that cuts corruption off
/// instead of refusing. Returns what it did, as lines for the operator.
///
/// # Errors
/// Why the directory cannot be recovered even so (no snapshot restores, a
/// log is missing).
pub fn repair(dir: &Path) -> Result<Vec<String>, String> {
    let mut storage = FsStorage::new(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let Some((_, recovered)) = recover(&mut storage, Mode::Repair)? else {
        return Ok(vec![format!("{}: empty, nothing to repair", dir.display())]);
    };
    let mut lines = Vec::new();
    if let Some((name, damage)) = &recovered.torn_tail {
        lines.push(format!(
            "{name}: cut at byte {} ({}): a write cut short by a crash, {} bytes dropped",
            damage.offset, damage.reason, damage.dropped
        ));
    }
    if let Some((name, damage, removed)) = &recovered.repaired {
        lines.push(format!(
            "{name}: cut at byte {} ({}): dropped {} logged command(s) after the damage",
            damage.offset, damage.reason, damage.intact_after
        ));
        for log in removed {
            lines.push(format!("{log}: removed (it followed the damage)"));
        }
    }
    lines.push(format!(
        "{}: the state now holds {} commands",
        dir.display(),
        recovered.seq()
    ));
    Ok(lines)
}

/// Tells the operator what recovery found.
pub(crate) fn report(dir: &Path, recovered: Option<&Recovered>) {
    let dir = dir.display();
    let Some(r) = recovered else {
        eprintln!("{dir}: empty, starting from the world");
        return;
    };
    for refused in &r.refused {
        eprintln!("{dir}: snapshot refused, using an older one: {refused}");
    }
    if let Some((name, damage)) = &r.torn_tail {
        eprintln!(
            "{dir}: {name}: {} at byte {}: dropped {} bytes (a write cut short by a crash; \
             nothing after it was acknowledged)",
            damage.reason, damage.offset, damage.dropped
        );
    }
    eprintln!(
        "{dir}: restored snapshot after command {} and replayed {} commands",
        r.snapshot, r.replayed
    );
}
