//! The data directory's files: snapshots, logs, and how they are written.
//!
//! `snapshot-<seq>.bin` holds the state after the first `seq` logged
//! commands; `log-<seq>.bin` holds the commands numbered `seq + 1` onwards,
//! until the next log. A snapshot is written while the log goes on, so the
//! log after a snapshot may start before it: recovery skips the commands
//! the snapshot holds. `seq` is written with 20 digits so names sort as
//! numbers do.

use std::io;

use super::log;
use super::storage::Storage;

/// A snapshot's file name.
pub(crate) fn snapshot_name(seq: u64) -> String {
    format!("snapshot-{seq:020}.bin")
}

/// A log's file name.
pub(crate) fn log_name(seq: u64) -> String {
    format!("log-{seq:020}.bin")
}

/// The sequence numbers of the snapshots and of the logs, ascending.
pub(crate) fn list<S: Storage + ?Sized>(storage: &S) -> io::Result<(Vec<u64>, Vec<u64>)> {
    let (mut snapshots, mut logs) = (Vec::new(), Vec::new());
    for name in storage.list()? {
        let Some(stem) = name.strip_suffix(".bin") else {
            continue;
        };
        if let Some(seq) = stem.strip_prefix("snapshot-").and_then(|s| s.parse().ok()) {
            snapshots.push(seq);
        } else if let Some(seq) = stem.strip_prefix("log-").and_then(|s| s.parse().ok()) {
            logs.push(seq);
        }
    }
    snapshots.sort_unstable();
    logs.sort_unstable();
    Ok((snapshots, logs))
}

/// The first stretch of zeros a new log is given, in bytes.
const FIRST_STRETCH: u64 = 64 << 10;

/// The longest stretch of zeros added at once, in bytes.
const LONGEST_STRETCH: u64 = 4 << 20;

/// Writes a data directory: frames to the current log, snapshots.
///
/// A log is extended ahead of its frames with written zeros, so that
/// appending a frame overwrites blocks the file already has: its size and
/// block map do not change, and the sync after each frame flushes the data
/// alone instead of a journal commit of metadata (about ten times cheaper
/// on ext4). Readers take zeros after the last frame as the end of the log.
pub struct Journal<S: Storage> {
    storage: S,
    /// The current log's first command number minus one; `None` until the
    /// first checkpoint creates it.
    log: Option<u64>,
    /// Where the next frame goes.
    position: u64,
    /// The log's length: zeros from `position` to here.
    allocated: u64,
}

impl<S: Storage> Journal<S> {
    /// A journal writing to `storage`; [`Journal::checkpoint`] starts its
    /// first log.
    pub fn new(storage: S) -> Self {
        Self {
            storage,
            log: None,
            position: 0,
            allocated: 0,
        }
    }

    /// The storage written to.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Appends one flush's commands as a frame and waits until it is
    /// durable.
    ///
    /// # Errors
    /// A write or sync failed: nothing of the frame may be counted on.
    pub fn append(&mut self, body: &[u8]) -> io::Result<()> {
        let seq = self.log.ok_or_else(|| io::Error::other("no log file"))?;
        let name = log_name(seq);
        let bytes = log::frame(body);
        let len = bytes.len() as u64;
        if self.position + len > self.allocated {
            self.extend(&name, len)?;
        }
        self.storage.write_at(&name, self.position, &bytes)?;
        self.storage.sync(&name)?;
        self.position += len;
        Ok(())
    }

    /// Adds zeros until `need` more bytes fit, doubling the stretch each
    /// time up to [`LONGEST_STRETCH`]; syncs data and size.
    fn extend(&mut self, name: &str, need: u64) -> io::Result<()> {
        while self.position + need > self.allocated {
            let stretch = self.allocated.clamp(FIRST_STRETCH, LONGEST_STRETCH);
            let zeros = vec![0u8; usize::try_from(stretch).unwrap_or(usize::MAX)];
            self.storage.write_at(name, self.allocated, &zeros)?;
            self.allocated += stretch;
        }
        self.storage.sync(name)
    }

    /// Writes `snapshot` (the state after `seq` commands), starts a new
    /// log after it and removes what the previous snapshot no longer
    /// needs: `write_snapshot`, then [`Journal::rotate`].
    ///
    /// # Errors
    /// A write, sync, rename or removal failed.
    pub fn checkpoint(&mut self, snapshot: &[u8], seq: u64) -> io::Result<()> {
        write_snapshot(&mut self.storage, snapshot, seq)?;
        self.rotate(seq)
    }

    /// Once snapshot `snapshot` is durable: continues in a new log after
    /// command `seq` (the last one written, at least `snapshot`), and
    /// removes every snapshot before the one preceding `snapshot` (kept as
    /// a fallback), every log that only holds commands before that one,
    /// and any temporary file of a snapshot that is not newer.
    ///
    /// # Errors
    /// A write, sync or removal failed.
    pub fn rotate(&mut self, seq: u64) -> io::Result<()> {
        if self.log != Some(seq) {
            self.start_log(seq)?;
        }
        self.prune()
    }

    /// Creates (or empties) log `seq`, durably, and writes to it from now.
    fn start_log(&mut self, seq: u64) -> io::Result<()> {
        let name = log_name(seq);
        self.storage.truncate(&name, 0)?;
        self.log = Some(seq);
        self.position = 0;
        self.allocated = 0;
        self.extend(&name, 1)?;
        self.storage.sync_dir()
    }

    /// See [`Journal::rotate`].
    fn prune(&mut self) -> io::Result<()> {
        let (snapshots, logs) = list(&self.storage)?;
        let Some(&newest) = snapshots.last() else {
            return Ok(());
        };
        let fallback = snapshots
            .iter()
            .copied()
            .filter(|&s| s < newest)
            .max()
            .unwrap_or(newest);
        let first_log = logs
            .iter()
            .copied()
            .filter(|&l| l <= fallback)
            .max()
            .unwrap_or(0);
        let old_snapshots = snapshots
            .into_iter()
            .filter(|&s| s < fallback)
            .map(snapshot_name);
        let old_logs = logs.into_iter().filter(|&l| l < first_log).map(log_name);
        let temporaries = self.storage.list()?.into_iter().filter(|name| {
            let seq = name
                .strip_prefix("snapshot-")
                .and_then(|rest| rest.strip_suffix(".bin.tmp"))
                .and_then(|seq| seq.parse::<u64>().ok());
            seq.is_some_and(|seq| seq <= newest)
        });
        let doomed: Vec<String> = old_snapshots.chain(old_logs).chain(temporaries).collect();
        for name in &doomed {
            self.storage.remove(name)?;
        }
        if doomed.is_empty() {
            Ok(())
        } else {
            self.storage.sync_dir()
        }
    }
}

/// Writes `snapshot` (the state after `seq` commands) atomically: a
/// temporary file, sync, rename, sync of the directory.
///
/// # Errors
/// A write, sync or rename failed.
pub fn write_snapshot<S: Storage + ?Sized>(
    storage: &mut S,
    snapshot: &[u8],
    seq: u64,
) -> io::Result<()> {
    let name = snapshot_name(seq);
    let temporary = format!("{name}.tmp");
    storage.truncate(&temporary, 0)?;
    storage.write_at(&temporary, 0, snapshot)?;
    storage.sync(&temporary)?;
    storage.rename(&temporary, &name)?;
    storage.sync_dir()
}
