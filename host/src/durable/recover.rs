//! Start-up: the newest snapshot that restores, then the logs after it.

use std::fs::{self, OpenOptions};
use std::path::Path;

use imbot_like::ServerEngine;

use super::HostCommand;
use super::files::{self, log_name, snapshot_name};
use super::log::{self, Damage};

/// What recovery found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The snapshot restored: the number of commands it includes.
    pub snapshot: u64,
    /// Commands replayed from the logs after it.
    pub replayed: u64,
    /// Damage found at the end of the last log (a torn or corrupted record
    /// and what followed it), dropped.
    pub torn_tail: Option<(String, Damage)>,
    /// Newer snapshots that were refused, with the reason, before this one
    /// restored.
    pub refused: Vec<String>,
}

impl Recovered {
    /// The number of commands the state includes.
    pub fn seq(&self) -> u64 {
        self.snapshot + self.replayed
    }
}

/// Restores `engine` from `dir`. `Ok(None)`: the directory holds no
/// snapshot and no log, a fresh start. With `repair`, a damaged tail is cut
/// off the log file so new records follow the last good one.
///
/// # Errors
/// A message saying why starting would lose acknowledged changes: no
/// snapshot restores, a log is missing or damaged before its end, or a
/// logged command is refused on replay.
pub fn recover(
    dir: &Path,
    engine: &mut ServerEngine,
    repair: bool,
) -> Result<Option<Recovered>, String> {
    let where_ = dir.display();
    let (snapshots, logs) = files::list(dir).map_err(|e| format!("{where_}: {e}"))?;
    if snapshots.is_empty() && logs.is_empty() {
        return Ok(None);
    }
    let mut refused = Vec::new();
    let mut chosen = None;
    for &seq in snapshots.iter().rev() {
        let name = snapshot_name(seq);
        let outcome = fs::read(dir.join(&name))
            .map_err(|e| e.to_string())
            .and_then(|bytes| engine.restore_into(&bytes).map_err(|e| e.to_string()));
        match outcome {
            Ok(()) => {
                chosen = Some(seq);
                break;
            }
            Err(e) => refused.push(format!("{name}: {e}")),
        }
    }
    let Some(snapshot) = chosen else {
        return Err(format!(
            "{where_}: no snapshot restores ({}); refusing to start rather than start empty",
            if refused.is_empty() {
                "there is none".to_owned()
            } else {
                refused.join("; ")
            }
        ));
    };
    let mut recovered = Recovered {
        snapshot,
        replayed: 0,
        torn_tail: None,
        refused,
    };
    replay(dir, engine, &logs, &mut recovered, repair)?;
    Ok(Some(recovered))
}

/// Applies the logs that follow the snapshot, in order.
fn replay(
    dir: &Path,
    engine: &mut ServerEngine,
    logs: &[u64],
    recovered: &mut Recovered,
    repair: bool,
) -> Result<(), String> {
    let mut later = Vec::new();
    for &start in logs.iter().filter(|&&s| s >= recovered.snapshot) {
        let name = log_name(start);
        let bytes = fs::read(dir.join(&name)).map_err(|e| format!("{name}: {e}"))?;
        let (commands, damage) = log::read::<128>(&bytes);
        if !commands.is_empty() || damage.is_some() {
            later.push((start, name, commands, damage));
        }
    }
    let count = later.len();
    for (i, (start, name, commands, damage)) in later.into_iter().enumerate() {
        if start != recovered.seq() {
            return Err(format!(
                "{name}: starts after command {start}, but the state holds {}: a log is missing",
                recovered.seq()
            ));
        }
        apply_all(engine, &name, &commands, recovered)?;
        let Some(damage) = damage else { continue };
        if i + 1 != count {
            return Err(format!(
                "{name}: {} at byte {} and later logs follow: refusing to skip changes",
                damage.reason, damage.offset
            ));
        }
        if repair {
            cut(dir, &name, damage.offset)?;
        }
        recovered.torn_tail = Some((name, damage));
    }
    Ok(())
}

fn apply_all(
    engine: &mut ServerEngine,
    name: &str,
    commands: &[HostCommand],
    recovered: &mut Recovered,
) -> Result<(), String> {
    for command in commands {
        if let Err(e) = engine.apply(command) {
            let n = recovered.seq() + 1;
            return Err(format!(
                "{name}: logged command {n} is refused on replay: {e}"
            ));
        }
        recovered.replayed += 1;
    }
    Ok(())
}

/// Truncates a log to its valid length, durably.
fn cut(dir: &Path, name: &str, len: usize) -> Result<(), String> {
    let file = OpenOptions::new()
        .write(true)
        .open(dir.join(name))
        .map_err(|e| format!("{name}: {e}"))?;
    file.set_len(len as u64)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("{name}: {e}"))
}
