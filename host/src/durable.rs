//! Durable state: a data directory holding snapshots and a command log, so
//! a restart (or a crash) loses no change that was answered with success.
//!
//! ```text
//! rest_host --data DIR
//! ```
//!
//! On start the newest snapshot in `DIR` that restores is loaded and the
//! log after it replayed (a torn or corrupted last record is reported and
//! dropped; a snapshot that does not restore is reported and the previous
//! one used with the longer log; when none restores the host refuses to
//! start). An empty directory starts from the world file, written as the
//! first snapshot.
//!
//! Every accepted change is applied as a [`Command`], appended to the log
//! and fsynced (concurrent requests share one fsync) before its answer is
//! sent. Every [`Config::every_records`] records or [`Config::every`] a
//! snapshot is written atomically (temporary file, fsync, rename, fsync of
//! the directory) and a new log started after it; the snapshot and log
//! before the previous one are then deleted, so one older generation is
//! always kept to fall back on.

mod files;
mod log;
mod recover;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use imbot_like::{Command, ServerEngine};
use tokio::sync::watch;

pub use log::Damage;
pub use recover::{Recovered, recover};

use crate::Host;
use writer::{Pending, Shared, Writer};

/// The command type of the host's sizing.
pub type HostCommand = Command<128>;

/// The engine as the host and the log writer share it.
pub(crate) type SharedEngine = Arc<Mutex<Box<ServerEngine>>>;

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
            every: writer::DEFAULT_EVERY,
        }
    }
}

/// The host's durable log: where accepted commands go before answers.
pub struct Durable {
    dir: PathBuf,
    shared: Arc<Shared>,
    flushed: watch::Receiver<u64>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl Durable {
    /// Recovers `engine` from `dir` (creating it if needed), writes a
    /// snapshot of the recovered state and starts the log writer.
    ///
    /// # Errors
    /// Why the state cannot be recovered or the directory written.
    pub(crate) fn open(
        dir: &Path,
        engine: &SharedEngine,
        config: Config,
    ) -> Result<(Self, Option<Recovered>), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let recovered = {
            let mut guard = engine.lock().unwrap_or_else(|e| e.into_inner());
            recover(dir, &mut guard, true)?
        };
        let seq = recovered.as_ref().map_or(0, Recovered::seq);
        let (flushed, receiver) = watch::channel(seq);
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                last: seq,
                ..Pending::default()
            }),
            work: Condvar::new(),
            flushed,
        });
        let mut writer = Writer {
            dir: dir.to_path_buf(),
            config,
            engine: Arc::clone(engine),
            shared: Arc::clone(&shared),
            log: None,
            log_start: seq,
            buffer: vec![0; ServerEngine::SNAPSHOT_BUFFER_LEN],
            taken: seq,
            last_batch: 1,
        };
        writer
            .checkpoint()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let thread = std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || writer.run())
            .map_err(|e| e.to_string())?;
        let durable = Self {
            dir: dir.to_path_buf(),
            shared,
            flushed: receiver,
            writer: Mutex::new(Some(thread)),
        };
        Ok((durable, recovered))
    }

    /// Appends an applied command; call with the engine locked, so the log
    /// keeps the order of application. Returns its number.
    pub(crate) fn append(&self, command: &HostCommand) -> u64 {
        let mut pending = self.shared.pending();
        log::append(&mut pending.records, command);
        pending.last += 1;
        self.shared.work.notify_one();
        pending.last
    }

    /// The number of the last command appended: an answer that read the
    /// state waits for it, so it never reports a change a crash could undo.
    pub(crate) fn appended(&self) -> u64 {
        self.shared.pending().last
    }

    /// Waits until command `seq` is durable.
    pub(crate) async fn durable(&self, seq: u64) {
        let mut flushed = self.flushed.clone();
        // The sender lives in `shared`, as long as `self`.
        let _ = flushed.wait_for(|&done| done >= seq).await;
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

impl Host {
    /// A host on `world` whose state lives in `dir`: recovered from it when
    /// it holds any, else the world's, and kept there from now on.
    ///
    /// # Errors
    /// Why the world or the directory cannot be used.
    pub fn durable_in(world: &crate::World, dir: &Path, config: Config) -> Result<Self, String> {
        Self::durable_with_clock(world, dir, config, false)
    }

    /// As [`Host::durable_in`], with the stepped clock when
    /// `deterministic` (see [`crate::Settings::deterministic`]).
    ///
    /// The host-side state of the world methods (message texts, chat
    /// titles, bot codes and names, webhook-registered bots and their
    /// tokens) is kept in `dir` too, see `portal`'s sidecar file.
    ///
    /// # Errors
    /// Why the world or the directory cannot be used.
    pub fn durable_with_clock(
        world: &crate::World,
        dir: &Path,
        config: Config,
        deterministic: bool,
    ) -> Result<Self, String> {
        let mut host = Self::with_clock(world, deterministic).map_err(|e| e.to_string())?;
        let (durable, recovered) = Durable::open(dir, &host.engine, config)?;
        report(dir, recovered.as_ref());
        host.durable = Some(durable);
        let restored = host.restore_host_side(dir);
        if let Err(e) = restored {
            if let Some(durable) = &host.durable {
                durable.shutdown();
            }
            return Err(e);
        }
        Ok(host)
    }

    /// The data directory, for a durable host.
    pub(crate) fn durable_dir(&self) -> Option<&Path> {
        self.durable.as_ref().map(|d| d.dir.as_path())
    }

    /// The durable log, for a host with a data directory.
    pub fn durable(&self) -> Option<&Durable> {
        self.durable.as_ref()
    }
}

/// Tells the operator what recovery found.
fn report(dir: &Path, recovered: Option<&Recovered>) {
    let dir: PathBuf = dir.to_path_buf();
    let Some(r) = recovered else {
        eprintln!("{}: empty, starting from the world", dir.display());
        return;
    };
    for refused in &r.refused {
        eprintln!(
            "{}: snapshot refused, using an older one: {refused}",
            dir.display()
        );
    }
    if let Some((name, damage)) = &r.torn_tail {
        eprintln!(
            "{}: {name}: {} at byte {}: dropped {} bytes (a write cut short by a crash)",
            dir.display(),
            damage.reason,
            damage.offset,
            damage.dropped
        );
    }
    eprintln!(
        "{}: restored snapshot after command {} and replayed {} commands",
        dir.display(),
        r.snapshot,
        r.replayed
    );
}
