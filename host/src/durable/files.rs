//! The data directory: file names, listing, and atomic replacement.
//!
//! `snapshot-<seq>.bin` holds the state after the first `seq` logged
//! commands; `log-<seq>.bin` holds the commands numbered `seq + 1` onwards,
//! until the next snapshot. `seq` is written with 20 digits so names sort
//! as numbers do.

use std::fs::{self, File};
use std::io::{self, Write};
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

/// Creates (or empties) a log file for appending, durably.
pub(crate) fn create_log(dir: &Path, seq: u64) -> io::Result<File> {
    let file = File::create(dir.join(log_name(seq)))?;
    file.sync_all()?;
    sync_dir(dir)?;
    Ok(file)
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
