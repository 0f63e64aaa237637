//! The raft state machine: the host's state, applied entry by entry with
//! [`HostState::apply`], snapshotted with [`HostState::encode`] and
//! restored with [`HostState::decode`].
//!
//! ```text
//! raft-snapshot: "IMRS" | len: u32 LE | postcard(SnapshotMeta) | crc: u32 LE (of the meta)
//!                | the host snapshot ("IMHS", its seq = the last included index)
//! ```
//!
//! The state lives in memory; the snapshot file is what survives a
//! restart, and raft applies the committed entries after it again. A
//! snapshot is built beside the live state (`rebuild`: the last snapshot
//! and the log's entries since), so encoding it holds up no call; only
//! when that cannot be done (the log lacks an entry) is the live state
//! encoded under its lock. A
//! snapshot received from the leader is checked as one read from disk
//! (the host snapshot's frame, checksum and cross-checks, and its
//! position against the meta) before it replaces the state and the file.

use std::collections::BTreeMap;
use std::io::{self, Cursor};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use openraft::storage::{RaftStateMachine, Snapshot, SnapshotMeta};
use openraft::{
    BasicNode, EntryPayload, ErrorSubject, ErrorVerb, LogId, RaftSnapshotBuilder, StorageError,
    StoredMembership,
};
use tokio::sync::watch;

use super::{Applied, Outcome, TypeConfig, rebuild, store};
use crate::durable::SharedState;
use crate::state::snapshot::CRC;
use crate::state::{HostState, build_engine};
use crate::world::World;

type Entry = openraft::Entry<TypeConfig>;
type Meta = SnapshotMeta<u64, BasicNode>;
/// The current snapshot: its meta and the host snapshot.
type Kept = Option<(Meta, Vec<u8>)>;

const SNAPSHOT: &str = "raft-snapshot";
const MAGIC: &[u8; 4] = b"IMRS";
/// Answers kept at most, a bound beside the waits' own.
const ANSWERS_KEPT: usize = 16_384;

/// The answers this node's own calls wait for, by entry and position in
/// its batch: a call forwarded to the leader answers with what its
/// command gave here.
///
/// Only answers some call here waits for are kept. A forwarded call
/// waits from before it is sent, when its entry is not known yet: it
/// wants every answer of an entry after the one applied then (its own
/// entry is appended later, so it comes after). Once the leader tells
/// it where its command sits, it wants that one answer only. An answer
/// no wait wants is dropped as it is applied, and the ones a wait held
/// go when it ends; a node no call waits on keeps none.
#[derive(Default)]
pub(crate) struct Answers(Mutex<Waits>);

/// The answers kept and the waits that keep them.
#[derive(Default)]
struct Waits {
    kept: BTreeMap<(u64, u32), Outcome>,
    waits: BTreeMap<u64, Want>,
    next: u64,
}

/// What one wait wants kept.
#[derive(Clone, Copy)]
enum Want {
    /// Every answer of an entry after this index.
    After(u64),
    /// The answer of this command of this entry.
    At(u64, u32),
}

impl Want {
    fn covers(self, index: u64, slot: u32) -> bool {
        match self {
            Self::After(applied) => index > applied,
            Self::At(at, at_slot) => (at, at_slot) == (index, slot),
        }
    }
}

impl Waits {
    fn wanted(&self, index: u64, slot: u32) -> bool {
        self.waits.values().any(|w| w.covers(index, slot))
    }

    /// Drops the answers no wait wants any more.
    fn prune(&mut self) {
        let waits = std::mem::take(&mut self.waits);
        self.kept
            .retain(|&(index, slot), _| waits.values().any(|w| w.covers(index, slot)));
        self.waits = waits;
    }
}

impl Answers {
    fn put(&self, index: u64, outcomes: &[Outcome]) {
        let mut waits = self.lock();
        if waits.waits.is_empty() {
            return;
        }
        for (slot, outcome) in (0u32..).zip(outcomes) {
            if waits.wanted(index, slot) {
                waits.kept.insert((index, slot), outcome.clone());
            }
        }
        while waits.kept.len() > ANSWERS_KEPT {
            waits.kept.pop_first();
        }
    }

    /// A wait for a command not yet in the log, `applied` being the
    /// last entry applied here before it is sent: it keeps the answers
    /// of later entries until it learns its place or ends.
    pub(crate) fn wait(self: &Arc<Self>, applied: u64) -> Wait {
        let mut waits = self.lock();
        let id = waits.next;
        waits.next += 1;
        waits.waits.insert(id, Want::After(applied));
        Wait {
            answers: Arc::clone(self),
            id,
        }
    }

    /// How many answers are kept.
    pub(crate) fn len(&self) -> usize {
        self.lock().kept.len()
    }

    fn lock(&self) -> MutexGuard<'_, Waits> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A call's wait for its answer; the answers it kept go when it is
/// dropped.
pub(crate) struct Wait {
    answers: Arc<Answers>,
    id: u64,
}

impl Wait {
    /// Narrows the wait to command `slot` of entry `index`, once the
    /// leader told where the command sits.
    pub(crate) fn placed(&self, index: u64, slot: u32) {
        let mut waits = self.answers.lock();
        waits.waits.insert(self.id, Want::At(index, slot));
        waits.prune();
    }

    /// What command `slot` of entry `index` gave here, taken out.
    pub(crate) fn take(&self, index: u64, slot: u32) -> Option<Outcome> {
        self.answers.lock().kept.remove(&(index, slot))
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        let mut waits = self.answers.lock();
        waits.waits.remove(&self.id);
        waits.prune();
    }
}

/// The host's state as raft's state machine; a clone shares it (a clone
/// is the snapshot builder).
#[derive(Clone)]
pub(crate) struct StateMachine {
    state: SharedState,
    /// Where the state is: changed only with the state locked, so a
    /// snapshot reads both as one.
    position: Arc<Mutex<Position>>,
    dir: PathBuf,
    current: Arc<Mutex<Kept>>,
    answers: Arc<Answers>,
    applied: Arc<watch::Sender<u64>>,
    /// The log, read again to build a snapshot.
    log: store::LogStore,
    /// The world the state began from, the base of the first snapshot.
    world: Arc<World>,
}

/// The last applied entry and membership.
#[derive(Clone, Default)]
struct Position {
    last_applied: Option<LogId<u64>>,
    membership: StoredMembership<u64, BasicNode>,
}

impl StateMachine {
    /// The state in `dir`'s snapshot, else `world`'s.
    ///
    /// # Errors
    /// A snapshot that does not restore, or a world that does not load.
    pub(crate) fn open(world: &World, dir: &Path, log: store::LogStore) -> Result<Self, String> {
        let (state, current) = match std::fs::read(dir.join(SNAPSHOT)) {
            Ok(bytes) => {
                let (meta, host) = unframe(&bytes).map_err(|e| format!("{SNAPSHOT}: {e}"))?;
                let state = restore(&meta, host).map_err(|e| format!("{SNAPSHOT}: {e}"))?;
                (state, Some((meta, host.to_vec())))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => (
                HostState::from_world(world).map_err(|e| e.to_string())?,
                None,
            ),
            Err(e) => return Err(format!("{SNAPSHOT}: {e}")),
        };
        let position = current
            .as_ref()
            .map_or_else(Position::default, |(meta, _)| Position {
                last_applied: meta.last_log_id,
                membership: meta.last_membership.clone(),
            });
        let (applied, _) = watch::channel(index(position.last_applied));
        let machine = Self {
            state: Arc::new(Mutex::new(state)),
            position: Arc::new(Mutex::new(position)),
            dir: dir.to_path_buf(),
            current: Arc::new(Mutex::new(current)),
            answers: Arc::default(),
            applied: Arc::new(applied),
            log,
            world: Arc::new(world.clone()),
        };
        Ok(machine)
    }

    /// The state the host reads and raft changes.
    pub(crate) fn shared(&self) -> SharedState {
        Arc::clone(&self.state)
    }

    /// The answers kept for forwarded calls.
    pub(crate) fn answers(&self) -> Arc<Answers> {
        Arc::clone(&self.answers)
    }

    /// The last applied index, as it moves.
    pub(crate) fn applied_index(&self) -> watch::Receiver<u64> {
        self.applied.subscribe()
    }

    fn lock(&self) -> MutexGuard<'_, HostState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn position(&self) -> MutexGuard<'_, Position> {
        self.position.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn current(&self) -> MutexGuard<'_, Kept> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies one entry: a command's answer, or nothing for a blank or
    /// membership entry.
    fn apply_one(&self, entry: Entry) -> Applied {
        let mut state = self.lock();
        let mut position = self.position();
        position.last_applied = Some(entry.log_id);
        match entry.payload {
            EntryPayload::Normal(batch) => {
                let outcomes: Vec<Outcome> = batch
                    .0
                    .iter()
                    .map(|c| {
                        let (answer, _, pushed) = state.apply_pushing(c);
                        (answer, pushed)
                    })
                    .collect();
                self.answers.put(entry.log_id.index, &outcomes);
                Applied { outcomes }
            }
            EntryPayload::Membership(membership) => {
                position.membership = StoredMembership::new(Some(entry.log_id), membership);
                Applied::default()
            }
            EntryPayload::Blank => Applied::default(),
        }
    }

    /// Writes the snapshot file and keeps it as the current snapshot.
    fn keep(&self, meta: Meta, host: Vec<u8>) -> io::Result<()> {
        let bytes = frame(&meta, &host)?;
        store::replace(&self.dir, SNAPSHOT, &bytes, true)?;
        *self.current() = Some((meta, host));
        Ok(())
    }
}

impl StateMachine {
    /// The host snapshot of the last applied entry, built beside the live
    /// state from the last snapshot and the log (see `rebuild`).
    fn rebuilt(&self) -> Result<(Vec<u8>, Position), String> {
        let position = self.position().clone();
        let upto = position.last_applied.ok_or("nothing applied yet")?;
        let base = self.current().clone();
        let base = base
            .as_ref()
            .and_then(|(meta, host)| Some((host.as_slice(), meta.last_log_id?.index)));
        let state = rebuild::state_at(&self.world, base, &self.log, upto.index)?;
        let host = state.encode(upto.index, &mut Vec::new())?;
        Ok((host, position))
    }

    /// The host snapshot of the live state, encoded under its lock.
    fn encoded_live(&self) -> Result<(Vec<u8>, Position), String> {
        let state = self.lock();
        let position = self.position().clone();
        let host = state.encode(index(position.last_applied), &mut Vec::new())?;
        Ok((host, position))
    }
}

/// A log position's index (0 before the first entry).
fn index(id: Option<LogId<u64>>) -> u64 {
    id.map_or(0, |id| id.index)
}

/// A snapshot file's bytes.
fn frame(meta: &Meta, host: &[u8]) -> io::Result<Vec<u8>> {
    let meta = postcard::to_allocvec(meta).map_err(io::Error::other)?;
    let len = u32::try_from(meta.len()).map_err(io::Error::other)?;
    let mut out = Vec::with_capacity(host.len() + meta.len() + 12);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(&CRC.checksum(&meta).to_le_bytes());
    out.extend_from_slice(host);
    Ok(out)
}

/// A snapshot file's meta and host snapshot.
fn unframe(bytes: &[u8]) -> Result<(Meta, &[u8]), String> {
    let rest = bytes.strip_prefix(MAGIC).ok_or("not a raft snapshot")?;
    let (len, rest) = rest.split_at_checked(4).ok_or("cut short")?;
    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
    let (meta, rest) = rest.split_at_checked(len).ok_or("cut short")?;
    let (crc, host) = rest.split_at_checked(4).ok_or("cut short")?;
    if crc != CRC.checksum(meta).to_le_bytes() {
        return Err("the meta's checksum does not match".into());
    }
    let meta = postcard::from_bytes(meta).map_err(|e| e.to_string())?;
    Ok((meta, host))
}

/// The state a host snapshot holds, checked against the meta's position.
fn restore(meta: &Meta, host: &[u8]) -> Result<HostState, String> {
    let engine = build_engine().map_err(|e| e.to_string())?;
    let (state, seq) = HostState::decode(host, engine)?;
    let expected = meta.last_log_id.map_or(0, |id| id.index);
    if seq != expected {
        return Err(format!("holds entry {seq}, its meta says {expected}"));
    }
    Ok(state)
}

fn failed(verb: ErrorVerb, e: impl ToString) -> StorageError<u64> {
    StorageError::from_io_error(
        ErrorSubject::Snapshot(None),
        verb,
        io::Error::other(e.to_string()),
    )
}

impl RaftSnapshotBuilder<TypeConfig> for StateMachine {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError<u64>> {
        let (host, position) = match self.rebuilt() {
            Ok(built) => built,
            Err(why) => {
                tracing::warn!(%why, "a snapshot of the live state, under its lock");
                self.encoded_live()
                    .map_err(|e| failed(ErrorVerb::Write, e))?
            }
        };
        let meta = Meta {
            snapshot_id: format!(
                "{}-{}",
                index(position.last_applied),
                position.last_applied.map_or(0, |id| id.leader_id.term)
            ),
            last_log_id: position.last_applied,
            last_membership: position.membership,
        };
        self.keep(meta.clone(), host.clone())
            .map_err(|e| failed(ErrorVerb::Write, e))?;
        Ok(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(host)),
        })
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = Self;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<LogId<u64>>, StoredMembership<u64, BasicNode>), StorageError<u64>> {
        let position = self.position();
        Ok((position.last_applied, position.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Applied>, StorageError<u64>>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let answers: Vec<Applied> = entries.into_iter().map(|e| self.apply_one(e)).collect();
        self.applied
            .send_replace(index(self.position().last_applied));
        Ok(answers)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        self.clone()
    }

    async fn begin_receiving_snapshot(
        &mut self,
    ) -> Result<Box<Cursor<Vec<u8>>>, StorageError<u64>> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &Meta,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError<u64>> {
        let host = snapshot.into_inner();
        let state = restore(meta, &host).map_err(|e| failed(ErrorVerb::Read, e))?;
        self.keep(meta.clone(), host)
            .map_err(|e| failed(ErrorVerb::Write, e))?;
        let mut current = self.lock();
        *current = state;
        *self.position() = Position {
            last_applied: meta.last_log_id,
            membership: meta.last_membership.clone(),
        };
        drop(current);
        self.applied.send_replace(index(meta.last_log_id));
        Ok(())
    }

    async fn get_current_snapshot(
        &mut self,
    ) -> Result<Option<Snapshot<TypeConfig>>, StorageError<u64>> {
        Ok(self.current().as_ref().map(|(meta, host)| Snapshot {
            meta: meta.clone(),
            snapshot: Box::new(Cursor::new(host.clone())),
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::path::PathBuf;

    use imbot_like::{Command, MessageId, UserId, UserLikeRequest};
    use openraft::storage::RaftStateMachine;
    use openraft::{CommittedLeaderId, EntryPayload, LogId, RaftSnapshotBuilder};

    use super::{Answers, Entry, StateMachine};
    use crate::cluster::Batch;
    use crate::cluster::rebuild::state_at;
    use crate::cluster::store::LogStore;
    use crate::state::HostCommand;
    use crate::world::World;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("raft-sm-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// User 1 toggles the like of message 1, as entry `index`.
    fn like(index: u64) -> Entry {
        let request = UserLikeRequest::new(UserId::new(1).unwrap(), MessageId::new(1).unwrap());
        Entry {
            log_id: LogId::new(CommittedLeaderId::new(1, 1), index),
            payload: EntryPayload::Normal(Batch(vec![HostCommand::engine(
                index,
                Command::LikeAsUser(request),
            )])),
        }
    }

    fn dump(machine: &StateMachine) -> String {
        serde_json::to_string(&crate::portal::dump(&machine.lock())).unwrap()
    }

    /// An outcome whose answer tells it apart.
    fn outcome(n: u64) -> crate::cluster::Outcome {
        let request = UserLikeRequest::new(UserId::new(1).unwrap(), MessageId::new(n).unwrap());
        let mut state =
            crate::state::HostState::from_world(&World::from_json(crate::DEFAULT_WORLD).unwrap())
                .unwrap();
        let (answer, _) = state.apply(&HostCommand::engine(n, Command::LikeAsUser(request)));
        (answer, Vec::new())
    }

    #[test]
    fn answers_are_kept_only_while_a_call_here_waits_for_them() {
        let answers = std::sync::Arc::new(Answers::default());
        answers.put(4, &[outcome(1)]);
        assert_eq!(answers.len(), 0, "kept with no call waiting");
        let wait = answers.wait(4);
        answers.put(4, &[outcome(1)]);
        assert_eq!(answers.len(), 0, "kept an entry applied before the call");
        answers.put(5, &[outcome(1), outcome(2)]);
        answers.put(6, &[outcome(3)]);
        assert_eq!(answers.len(), 3, "a waiting call keeps every later entry");
        wait.placed(5, 1);
        assert_eq!(answers.len(), 1, "once placed, only its own answer");
        answers.put(7, &[outcome(4)]);
        assert_eq!(answers.len(), 1);
        let other = answers.wait(7);
        answers.put(8, &[outcome(5)]);
        assert!(wait.take(5, 1).is_some() && wait.take(5, 1).is_none());
        drop(wait);
        assert_eq!(answers.len(), 1, "the other call's wait still holds");
        drop(other);
        assert_eq!(answers.len(), 0, "nothing kept once no call waits");
    }

    #[test]
    fn a_snapshot_restores_on_another_node_only_when_it_checks_out() {
        let world = World::from_json(crate::DEFAULT_WORLD).unwrap();
        let (here, there) = (scratch("here"), scratch("there"));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (log, _) = LogStore::open(&here).unwrap();
            log.put(vec![like(0), like(1), like(2), like(3)]);
            let mut leader = StateMachine::open(&world, &here, log.clone()).unwrap();
            let applied = leader
                .apply([like(0), like(1), like(2), like(3)])
                .await
                .unwrap();
            assert!(applied.iter().all(|a| a.outcomes.len() == 1));
            // Built beside the live state: the world and the log's entries.
            let rebuilt = state_at(&world, None, &log, 3).unwrap();
            let rebuilt = serde_json::to_string(&crate::portal::dump(&rebuilt)).unwrap();
            assert_eq!(rebuilt, dump(&leader));
            let snapshot = leader
                .get_snapshot_builder()
                .await
                .build_snapshot()
                .await
                .unwrap();
            let bytes = snapshot.snapshot.into_inner();
            let (empty, _) = LogStore::open(&there).unwrap();
            let mut follower = StateMachine::open(&world, &there, empty.clone()).unwrap();
            let mut damaged = bytes.clone();
            let middle = damaged.len() / 2;
            damaged[middle] ^= 0xff;
            let refused = follower.install_snapshot(&snapshot.meta, Box::new(Cursor::new(damaged)));
            assert!(refused.await.is_err(), "a damaged snapshot was installed");
            let mut elsewhere = snapshot.meta.clone();
            elsewhere.last_log_id = Some(like(9).log_id);
            let refused =
                follower.install_snapshot(&elsewhere, Box::new(Cursor::new(bytes.clone())));
            assert!(
                refused.await.is_err(),
                "a snapshot of another position was installed"
            );
            follower
                .install_snapshot(&snapshot.meta, Box::new(Cursor::new(bytes)))
                .await
                .unwrap();
            let (last, _) = follower.applied_state().await.unwrap();
            assert_eq!(last.map(|id| id.index), Some(3));
            assert_eq!(dump(&follower), dump(&leader));
            let restarted = StateMachine::open(&world, &there, empty).unwrap();
            assert_eq!(dump(&restarted), dump(&leader));
        });
        let _ = std::fs::remove_dir_all(here);
        let _ = std::fs::remove_dir_all(there);
    }
}
