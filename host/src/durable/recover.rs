//! Start-up: the newest snapshot that restores, then the logs after it.
//!
//! A damaged frame at the very end of the last log is a write a crash cut
//! short: it is dropped (the log is cut there) and reported. Anything else
//! — a damaged frame followed by intact ones, damage in a log that later
//! logs follow, a missing log — would lose acknowledged changes, so
//! recovery refuses, naming the file, the offset and how many logged
//! commands a cut would lose, unless asked to repair.

use super::journal::{self, log_name, snapshot_name};
use super::log::{self, Damage};
use super::storage::Storage;
use imbot_like::ServerEngine;

use crate::state::{HostCommand, HostState, build_engine};

/// What recovery found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The snapshot restored: the number of commands it includes.
    pub snapshot: u64,
    /// Commands replayed from the logs after it.
    pub replayed: u64,
    /// A torn write at the end of the last log, dropped.
    pub torn_tail: Option<(String, Damage)>,
    /// Corruption cut off on request (`repair`), with the logs removed
    /// after it.
    pub repaired: Option<(String, Damage, Vec<String>)>,
    /// Newer snapshots that were refused, with the reason, before this one
    /// restored.
    pub refused: Vec<String>,
}

impl Recovered {
    /// The number of commands the state includes.
    #[must_use]
    pub fn seq(&self) -> u64 {
        self.snapshot + self.replayed
    }
}

/// What recovery may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing: read the state as a start would, change no file.
    ReadOnly,
    /// Cut a torn tail off the last log, as a start does.
    Start,
    /// Also cut corruption off, removing the logs after it.
    Repair,
}

/// The state in `storage` and what recovery did; `Ok(None)` when it holds
/// no snapshot and no log (a fresh start). What is cut off depends on
/// `mode`.
///
/// # Errors
/// Why starting would lose acknowledged changes (corruption, unless
/// repairing), or the storage's error.
pub fn recover<S: Storage + ?Sized>(
    storage: &mut S,
    mode: Mode,
) -> Result<Option<(HostState, Recovered)>, String> {
    recover_with(storage, mode, &mut || {
        build_engine().map_err(|e| e.to_string())
    })
}

/// As [`recover`], restoring into the engines `engine` hands out (a
/// test reuses one instead of building a large engine each time).
pub(crate) fn recover_with<S: Storage + ?Sized>(
    storage: &mut S,
    mode: Mode,
    engine: &mut dyn FnMut() -> Result<Box<ServerEngine>, String>,
) -> Result<Option<(HostState, Recovered)>, String> {
    let (snapshots, logs) = journal::list(storage).map_err(|e| e.to_string())?;
    if snapshots.is_empty() && logs.is_empty() {
        return Ok(None);
    }
    let (mut state, mut recovered) = newest_snapshot(storage, &snapshots, engine)?;
    replay(storage, &mut state, &logs, &mut recovered, mode)?;
    Ok(Some((state, recovered)))
}

/// The newest snapshot that restores, and the reasons newer ones did not.
fn newest_snapshot<S: Storage + ?Sized>(
    storage: &S,
    snapshots: &[u64],
    engine: &mut dyn FnMut() -> Result<Box<ServerEngine>, String>,
) -> Result<(HostState, Recovered), String> {
    let mut refused = Vec::new();
    for &seq in snapshots.iter().rev() {
        let name = snapshot_name(seq);
        let outcome = storage
            .read(&name)
            .map_err(|e| e.to_string())
            .and_then(|bytes| HostState::decode(&bytes, engine()?));
        match outcome {
            Ok((state, inside)) if inside == seq => {
                let recovered = Recovered {
                    snapshot: seq,
                    replayed: 0,
                    torn_tail: None,
                    repaired: None,
                    refused,
                };
                return Ok((state, recovered));
            }
            Ok((_, inside)) => refused.push(format!("{name}: holds command {inside}")),
            Err(e) => refused.push(format!("{name}: {e}")),
        }
    }
    Err(format!(
        "no snapshot restores ({}); refusing to start rather than start empty",
        if refused.is_empty() {
            "there is none".to_owned()
        } else {
            refused.join("; ")
        }
    ))
}

/// A log that may hold commands after the snapshot: its first command
/// number minus one, its commands, and the damage that ended it.
type LogRead = (u64, Vec<HostCommand>, Option<Damage>);

/// The logs that may hold commands after `snapshot`: the last one that
/// starts at or before it, and every one after.
fn relevant(logs: &[u64], snapshot: u64) -> &[u64] {
    let first = logs.iter().rposition(|&l| l <= snapshot).unwrap_or(0);
    logs.get(first..).unwrap_or_default()
}

/// Applies the logs that follow the snapshot, in order, skipping the
/// commands the snapshot holds.
fn replay<S: Storage + ?Sized>(
    storage: &mut S,
    state: &mut HostState,
    logs: &[u64],
    recovered: &mut Recovered,
    mode: Mode,
) -> Result<(), String> {
    let mut later: Vec<LogRead> = Vec::new();
    for &start in relevant(logs, recovered.snapshot) {
        let bytes = storage
            .read(&log_name(start))
            .map_err(|e| format!("{}: {e}", log_name(start)))?;
        let (commands, damage) = log::read(&bytes);
        later.push((start, commands, damage));
    }
    let count = later.len();
    for (i, (start, commands, damage)) in later.into_iter().enumerate() {
        let name = log_name(start);
        if start > recovered.seq() {
            return Err(format!(
                "{name}: starts after command {start}, but the state holds {}: a log is missing",
                recovered.seq()
            ));
        }
        let held = usize::try_from(recovered.seq() - start).unwrap_or(usize::MAX);
        if held > commands.len() && i + 1 == count && damage.is_none() {
            return Err(format!(
                "{name}: ends at command {}, before the {} the snapshot holds: \
                 the log that followed it is missing",
                start + commands.len() as u64,
                recovered.seq()
            ));
        }
        for command in commands.iter().skip(held) {
            let _ = state.apply(command);
            recovered.replayed += 1;
        }
        let Some(damage) = damage else { continue };
        let rest: Vec<String> = logs
            .iter()
            .filter(|&&s| s > start)
            .map(|&s| log_name(s))
            .collect();
        let torn = i + 1 == count && !damage.is_corruption();
        if torn {
            if mode != Mode::ReadOnly {
                cut(storage, &name, &damage)?;
            }
            recovered.torn_tail = Some((name, damage));
            return Ok(());
        }
        if mode != Mode::Repair {
            return Err(corruption(&name, &damage, &rest));
        }
        cut(storage, &name, &damage)?;
        for doomed in &rest {
            storage
                .remove(doomed)
                .map_err(|e| format!("{doomed}: {e}"))?;
        }
        storage.sync_dir().map_err(|e| e.to_string())?;
        recovered.repaired = Some((name, damage, rest));
        return Ok(());
    }
    Ok(())
}

/// The refusal for corruption: where, and what a repair would drop.
fn corruption(name: &str, damage: &Damage, later_logs: &[String]) -> String {
    format!(
        "{name}: {} at byte {}, followed by {} intact logged command(s){}: \
         this is corruption, not a write cut short by a crash; refusing to start. \
         `rest_host --data DIR --repair` cuts the log there and drops them",
        damage.reason,
        damage.offset,
        damage.intact_after,
        if later_logs.is_empty() {
            String::new()
        } else {
            format!(" and the later log(s) {}", later_logs.join(", "))
        }
    )
}

/// Truncates a log to its valid length, durably.
fn cut<S: Storage + ?Sized>(storage: &mut S, name: &str, damage: &Damage) -> Result<(), String> {
    storage
        .truncate(name, damage.offset as u64)
        .and_then(|()| storage.sync(name))
        .map_err(|e| format!("{name}: {e}"))
}
