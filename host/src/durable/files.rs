//! The data directory: file names, listing, and atomic replacement.
//!
//! `snapshot-<seq>.bin` holds the state after the first `seq` logged
//! commands; `log-<seq>.bin` holds the commands numbered `seq + 1` onwards,
//! until the next snapshot. `seq` is written with 20 digits so names sort
//! as numbers do.

use std::fs::{self, File};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A snapshot's file name.
pub(crate) fn snapshot_name(seq: u64) -> String {
    format!("snapshot-{seq:020}.bin")
}

/// A log's file name.
pub(crate) fn log_name(seq: u64) -> String {
    format!("log-{seq:020}.bin")
}

/// The sequence numbers of the snapshots and of the logs in `dir`,
/// ascending.
pub(crate) fn list(dir: &Path) -> io::Result<(Vec<u64>, Vec<u64>)> {
    let (mut snapshots, mut logs) = (Vec::new(), Vec::new());
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
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

/// Makes the directory's entries (created, renamed, removed files) durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `bytes` as `dir/name` atomically: a temporary file, fsync,
/// rename over the name, fsync of the directory. A crash leaves either
/// the old file or the new one, never a mix.
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let temporary = dir.join(format!("{name}.tmp"));
    let mut file = File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temporary, dir.join(name))?;
    sync_dir(dir)
}

/// The first stretch of zeros a new log is given, in bytes.
const FIRST_STRETCH: u64 = 64 << 10;

/// The longest stretch of zeros added at once, in bytes.
const LONGEST_STRETCH: u64 = 4 << 20;

/// A log file being appended to.
///
/// The file is extended ahead of the records with written zeros, so that
/// appending a record overwrites blocks the file already has: its size and
/// block map do not change, and the `fdatasync` after each group of records
/// flushes the data alone instead of a journal commit of metadata (about
/// ten times cheaper on ext4). Readers take zeros after the last record as
/// the end of the log.
pub(crate) struct LogFile {
    file: File,
    /// Where the next record goes.
    position: u64,
    /// The file's length: zeros from `position` to here.
    allocated: u64,
}

impl LogFile {
    /// Creates (or empties) log `seq` in `dir`, durably.
    pub(crate) fn create(dir: &Path, seq: u64) -> io::Result<Self> {
        let file = File::create(dir.join(log_name(seq)))?;
        let mut log = Self {
            file,
            position: 0,
            allocated: 0,
        };
        log.extend(1)?;
        sync_dir(dir)?;
        Ok(log)
    }

    /// Appends records and waits until they are on disk.
    pub(crate) fn append(&mut self, records: &[u8]) -> io::Result<()> {
        let len = records.len() as u64;
        if self.position + len > self.allocated {
            self.extend(len)?;
        }
        self.file.seek(SeekFrom::Start(self.position))?;
        self.file.write_all(records)?;
        self.position += len;
        self.file.sync_data()
    }

    /// Adds zeros until `need` more bytes fit, doubling the stretch each
    /// time up to [`LONGEST_STRETCH`]; syncs data and size.
    fn extend(&mut self, need: u64) -> io::Result<()> {
        while self.position + need > self.allocated {
            let stretch = self.allocated.clamp(FIRST_STRETCH, LONGEST_STRETCH);
            let zeros = vec![0u8; usize::try_from(stretch).unwrap_or(usize::MAX)];
            self.file.seek(SeekFrom::Start(self.allocated))?;
            self.file.write_all(&zeros)?;
            self.allocated += stretch;
        }
        self.file.sync_all()
    }
}

/// After snapshot `newest` was written: removes every snapshot and log
/// older than the snapshot before it (kept, with its log, as a fallback)
/// and any leftover temporary file.
pub(crate) fn prune(dir: &Path, newest: u64) -> io::Result<()> {
    let (snapshots, logs) = list(dir)?;
    let keep = snapshots
        .iter()
        .copied()
        .filter(|&s| s < newest)
        .max()
        .unwrap_or(newest);
    let old_snapshots = snapshots
        .into_iter()
        .filter(|&s| s < keep)
        .map(snapshot_name);
    let old_logs = logs.into_iter().filter(|&s| s < keep).map(log_name);
    for name in old_snapshots.chain(old_logs) {
        fs::remove_file(dir.join(name))?;
    }
    for entry in fs::read_dir(dir)? {
        let path: PathBuf = entry?.path();
        if path.extension().is_some_and(|e| e == "tmp") {
            fs::remove_file(path)?;
        }
    }
    sync_dir(dir)
}
