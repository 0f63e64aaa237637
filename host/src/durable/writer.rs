//! The log writer: one thread that appends records, fsyncs them in groups,
//! and writes snapshots.
//!
//! Requests append their command's record to a shared buffer while they
//! hold the engine's lock (so the log's order is the order of application)
//! and then wait, without the lock, until the writer reports their record
//! durable. The writer takes everything appended so far, writes it with
//! one `write` and one `fsync`, and wakes every waiter it covered: under
//! concurrent load one flush serves many requests (group commit).

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::files;
use super::{Config, SharedEngine};

/// Records appended and not yet taken by the writer.
#[derive(Default)]
pub(crate) struct Pending {
    /// Framed records, in order.
    pub(crate) records: Vec<u8>,
    /// The number of the last command appended.
    pub(crate) last: u64,
    /// Set to make the writer write a last snapshot and stop.
    pub(crate) stop: bool,
}

/// What requests and the writer share.
pub(crate) struct Shared {
    pub(crate) pending: Mutex<Pending>,
    pub(crate) work: Condvar,
    /// The number of the last command known durable.
    pub(crate) flushed: watch::Sender<u64>,
}

impl Shared {
    pub(crate) fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The writer thread's own state.
pub(crate) struct Writer {
    pub(crate) dir: PathBuf,
    pub(crate) config: Config,
    pub(crate) engine: SharedEngine,
    pub(crate) shared: Arc<Shared>,
    /// The current log; `None` until the first checkpoint creates it.
    pub(crate) log: Option<files::LogFile>,
    /// The command number the current log starts after.
    pub(crate) log_start: u64,
    /// Reused for every snapshot.
    pub(crate) buffer: Vec<u8>,
    /// The number of the last command taken from [`Pending`].
    pub(crate) taken: u64,
    /// How many records the last flush carried.
    pub(crate) last_batch: u64,
}

/// The longest a flush waits for more records once it has one.
const GATHER: Duration = Duration::from_micros(500);

impl Writer {
    /// Runs until asked to stop; a failed write ends the process, since
    /// changes already applied in memory could no longer be made durable.
    pub(crate) fn run(mut self) {
        if let Err(e) = self.serve() {
            eprintln!("rest_host: data directory write failed, stopping: {e}");
            std::process::exit(1);
        }
    }

    fn serve(&mut self) -> io::Result<()> {
        let mut last_snapshot = Instant::now();
        loop {
            let (records, last, stop) = self.take(last_snapshot);
            self.write(&records, last)?;
            let since = last - self.log_start;
            let interval_over = last_snapshot.elapsed() >= self.config.every;
            if stop || since >= self.config.every_records || (interval_over && since > 0) {
                self.checkpoint()?;
                last_snapshot = Instant::now();
            } else if interval_over {
                // Nothing logged this interval: nothing to write, start the next.
                last_snapshot = Instant::now();
            }
            if stop {
                return Ok(());
            }
        }
    }

    /// Waits for records, a stop, or the snapshot interval; takes what was
    /// appended.
    ///
    /// Once records are there it waits a little longer (at most
    /// [`GATHER`]) for as many as the previous flush carried: the requests
    /// that flush answered are typically sending their next changes, and
    /// one fsync for all of them beats one for the first and another for
    /// the rest. A lone writer's previous batch was one record, so it
    /// never waits.
    fn take(&mut self, last_snapshot: Instant) -> (Vec<u8>, u64, bool) {
        let mut pending = self.shared.pending();
        while pending.records.is_empty() && !pending.stop {
            let left = self.config.every.saturating_sub(last_snapshot.elapsed());
            if left.is_zero() {
                break;
            }
            let waited = self.shared.work.wait_timeout(pending, left);
            pending = waited.map(|(g, _)| g).unwrap_or_else(|e| e.into_inner().0);
        }
        let first = Instant::now();
        while !pending.records.is_empty()
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
        if !pending.records.is_empty() {
            self.last_batch = pending.last - self.taken;
        }
        self.taken = pending.last;
        (
            std::mem::take(&mut pending.records),
            pending.last,
            pending.stop,
        )
    }

    /// Writes a snapshot of the current state and starts a new log after
    /// it; removes what the previous snapshot no longer needs.
    pub(crate) fn checkpoint(&mut self) -> io::Result<()> {
        let (len, seq, rest) = {
            let engine = self.engine.lock().unwrap_or_else(|e| e.into_inner());
            let len = engine
                .snapshot(&mut self.buffer)
                .map_err(|e| io::Error::other(e.as_str()))?
                .len();
            let mut pending = self.shared.pending();
            self.taken = pending.last;
            (len, pending.last, std::mem::take(&mut pending.records))
        };
        self.write(&rest, seq)?;
        let bytes = self.buffer.get(..len).unwrap_or_default();
        files::write_atomic(&self.dir, &files::snapshot_name(seq), bytes)?;
        if self.log.is_none() || seq != self.log_start {
            self.log = Some(files::LogFile::create(&self.dir, seq)?);
            self.log_start = seq;
        }
        files::prune(&self.dir, seq)
    }

    /// Appends records to the log, fsyncs, and reports `last` durable.
    fn write(&mut self, records: &[u8], last: u64) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let log = self
            .log
            .as_mut()
            .ok_or_else(|| io::Error::other("no log file"))?;
        log.append(records)?;
        self.shared.flushed.send_replace(last);
        Ok(())
    }
}

/// How long a snapshot of the default settings may wait.
pub(crate) const DEFAULT_EVERY: Duration = Duration::from_secs(60);
