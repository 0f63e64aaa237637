//! A snapshot's state built beside the live one: the last snapshot (or
//! the world, before the first) with the log's committed entries after
//! it applied again, up to the entry the snapshot is to hold. The state
//! machine is deterministic, so this is the live state as of that entry,
//! and encoding it holds up no call (the live state stays unlocked).
//!
//! It costs a decode of the last snapshot and the entries since (at most
//! `--snapshot-every`) applied a second time, on the snapshot's task.

use openraft::EntryPayload;

use super::store::LogStore;
use crate::state::{HostState, build_engine};
use crate::world::World;

/// The state after entry `upto`: `base` (a host snapshot and the entry it
/// holds, or none for the world's state before entry 0) with the
/// entries after it from `log` applied.
///
/// # Errors
/// A base that does not decode, or a log that lacks an entry in between
/// (purged or not yet written).
pub(crate) fn state_at(
    world: &World,
    base: Option<(&[u8], u64)>,
    log: &LogStore,
    upto: u64,
) -> Result<HostState, String> {
    let (mut state, from) = match base {
        Some((host, at)) => {
            let engine = build_engine().map_err(|e| e.to_string())?;
            (HostState::decode(host, engine)?.0, at + 1)
        }
        None => (HostState::from_world(world).map_err(|e| e.to_string())?, 0),
    };
    if from > upto + 1 {
        return Err(format!("the base holds entry {}, past {upto}", from - 1));
    }
    let wanted = usize::try_from(upto + 1 - from).map_err(|e| e.to_string())?;
    let (entries, _) = log.read(from, upto, wanted);
    if entries.len() != wanted || entries.first().is_some_and(|e| e.log_id.index != from) {
        return Err(format!("the log lacks entries between {from} and {upto}"));
    }
    for entry in &entries {
        if let EntryPayload::Normal(batch) = &entry.payload {
            for command in &batch.0 {
                let _ = state.apply(command);
            }
        }
    }
    Ok(state)
}
