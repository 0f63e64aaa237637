//! The raft log and vote in the node's data directory.
//!
//! ```text
//! raft-log:        frames  len: u32 LE | crc: u32 LE | postcard(Record)
//! raft-vote:       crc: u32 LE | postcard(Vote)         (replaced atomically)
//! ```
//!
//! `raft-log` is append-only: entries, truncations and purges are
//! records, synced before raft is told they are written (appends share
//! syncs, see `flush`), and replayed in order on start into the entries
//! kept in memory. The committed position is a record too, appended
//! without a sync of its own (the next append's sync carries it). The last frame, cut short or failing its checksum, is
//! a write a crash interrupted and is cut off; a damaged frame that
//! others follow is corruption and the node refuses to start. When
//! purges leave the file mostly dead records, it is rewritten (temporary
//! file, sync, rename, sync of the directory). The vote is replaced the
//! same way on every change. The committed position is a hint for the
//! start (entries up to it are applied again at once), so it is not
//! synced: an older one only delays that. (A file replaced on every
//! commit would cost a create and a rename per commit, metadata that
//! each sync of the log then waits for.)

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::ops::RangeBounds;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{ErrorSubject, ErrorVerb, LogId, RaftLogReader, StorageError, Vote};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::TypeConfig;
use super::flush::Flusher;
use crate::state::snapshot::CRC;

type Entry = openraft::Entry<TypeConfig>;

const LOG: &str = "raft-log";
const VOTE: &str = "raft-vote";

/// One change of the log file.
#[derive(Serialize, Deserialize)]
enum Record {
    /// An entry appended.
    Entry(Box<Entry>),
    /// Entries from this index on removed (a conflict with the leader).
    Truncate(u64),
    /// Entries up to this id removed (they are in a snapshot).
    Purge(LogId<u64>),
    /// Entries up to this id are committed (a hint for the start).
    Committed(LogId<u64>),
}

/// The log's position that is known to be committed, for the status.
#[derive(Debug, Default)]
pub(crate) struct Committed(Mutex<Option<LogId<u64>>>);

impl Committed {
    /// The committed index, if any.
    pub(crate) fn index(&self) -> Option<u64> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map(|id| id.index)
    }
}

/// The log store; clones share it (a clone is the log reader).
#[derive(Clone)]
pub(crate) struct LogStore {
    inner: Arc<Mutex<Inner>>,
    committed: Arc<Committed>,
    flusher: Arc<Flusher>,
}

struct Inner {
    dir: PathBuf,
    file: File,
    entries: BTreeMap<u64, Entry>,
    purged: Option<LogId<u64>>,
    /// The last committed position recorded.
    committed: Option<LogId<u64>>,
    vote: Option<Vote<u64>>,
    /// Records in the file, live or dead.
    records: u64,
}

impl LogStore {
    /// Opens the log in `dir`, replaying its records.
    ///
    /// # Errors
    /// A file that cannot be read or written, or corruption.
    pub(crate) fn open(dir: &Path) -> Result<(Self, Arc<Committed>), String> {
        let (records, file) = open_log(&dir.join(LOG))?;
        let mut inner = Inner {
            dir: dir.to_path_buf(),
            file,
            entries: BTreeMap::new(),
            purged: None,
            committed: None,
            vote: read_small(dir, VOTE)?,
            records: records.len() as u64,
        };
        for record in records {
            inner.replay(record);
        }
        let committed = Arc::new(Committed(Mutex::new(inner.committed)));
        let inner = Arc::new(Mutex::new(inner));
        let flusher = Flusher::start(Arc::downgrade(&inner), current_file)
            .map_err(|e| format!("the log's sync thread: {e}"))?;
        let store = Self {
            inner,
            committed: Arc::clone(&committed),
            flusher: Arc::new(flusher),
        };
        Ok((store, committed))
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes `entries` as raft's appends would (synced), for tests.
    #[cfg(test)]
    pub(crate) fn put(&self, entries: Vec<Entry>) {
        let records: Vec<Record> = entries
            .into_iter()
            .map(|e| Record::Entry(Box::new(e)))
            .collect();
        let mut inner = self.inner();
        inner.write(&records).expect("the log is written");
        for record in records {
            inner.replay(record);
        }
    }

    /// Up to `limit` entries from index `from` through `upto`, and the
    /// first index the log still holds (those before it are in a
    /// snapshot). O(limit) entries cloned under the log's lock.
    pub(crate) fn read(&self, from: u64, upto: u64, limit: usize) -> (Vec<Entry>, u64) {
        let inner = self.inner();
        let first = inner.purged.map_or(0, |id| id.index + 1);
        if from > upto {
            return (Vec::new(), first);
        }
        let entries = inner
            .entries
            .range(from..=upto)
            .take(limit)
            .map(|(_, e)| e.clone())
            .collect();
        (entries, first)
    }
}

/// The log file's records, and the file opened for appending, a write
/// cut short at its end cut off.
fn open_log(path: &Path) -> Result<(Vec<Record>, File), String> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(format!("{LOG}: {e}")),
    };
    let (records, valid) = read_frames(&bytes)?;
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("{LOG}: {e}"))?;
    if valid < bytes.len() {
        eprintln!(
            "{LOG}: a write cut short at byte {valid}: dropped {} bytes",
            bytes.len() - valid
        );
        file.set_len(valid as u64)
            .and_then(|()| file.sync_all())
            .map_err(|e| format!("{LOG}: {e}"))?;
    }
    Ok((records, file))
}

/// A handle on the log file as it is now (compaction replaces it).
fn current_file(inner: &Mutex<Inner>) -> io::Result<File> {
    inner
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .file
        .try_clone()
}

impl Inner {
    /// Applies a record to the entries in memory.
    fn replay(&mut self, record: Record) {
        match record {
            Record::Entry(entry) => {
                self.entries.insert(entry.log_id.index, *entry);
            }
            Record::Truncate(since) => {
                self.entries.split_off(&since);
            }
            Record::Purge(upto) => {
                self.entries = self.entries.split_off(&(upto.index + 1));
                self.purged = Some(upto);
            }
            Record::Committed(upto) => self.committed = Some(upto),
        }
    }

    /// Appends records to the file and syncs it.
    fn write(&mut self, records: &[Record]) -> io::Result<()> {
        self.write_unsynced(records)?;
        self.file.sync_data()
    }

    /// Appends records to the file; a sync makes them durable.
    fn write_unsynced(&mut self, records: &[Record]) -> io::Result<()> {
        let mut bytes = Vec::new();
        for record in records {
            frame(&mut bytes, record)?;
        }
        self.file.write_all(&bytes)?;
        self.records += records.len() as u64;
        Ok(())
    }

    /// Rewrites the file with the live entries only, when most of it is
    /// dead records.
    fn compact(&mut self) -> io::Result<()> {
        let live = self.entries.len() as u64 + 1;
        if self.records < 1024 || self.records < live * 4 {
            return Ok(());
        }
        let mut bytes = Vec::new();
        if let Some(purged) = self.purged {
            frame(&mut bytes, &Record::Purge(purged))?;
        }
        if let Some(committed) = self.committed {
            frame(&mut bytes, &Record::Committed(committed))?;
        }
        for entry in self.entries.values() {
            frame(&mut bytes, &Record::Entry(Box::new(entry.clone())))?;
        }
        replace(&self.dir, LOG, &bytes, true)?;
        self.file = OpenOptions::new().append(true).open(self.dir.join(LOG))?;
        self.records = live;
        Ok(())
    }

    fn last_log_id(&self) -> Option<LogId<u64>> {
        self.entries
            .values()
            .next_back()
            .map(|e| e.log_id)
            .or(self.purged)
    }
}

/// Adds one frame: length, CRC, postcard.
fn frame<T: Serialize>(out: &mut Vec<u8>, value: &T) -> io::Result<()> {
    let body = postcard::to_allocvec(value).map_err(io::Error::other)?;
    let len = u32::try_from(body.len()).map_err(io::Error::other)?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&CRC.checksum(&body).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(())
}

/// The records of a log file and the length of its valid part. The last
/// frame, cut short or failing its check, is a write a crash interrupted
/// and ends it; a damaged frame that others follow is corruption.
fn read_frames(bytes: &[u8]) -> Result<(Vec<Record>, usize), String> {
    let mut records = Vec::new();
    let mut at = 0;
    while bytes.len() - at >= 8 {
        let word =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let len = word(at) as usize;
        let Some(body) = bytes.get(at + 8..at + 8 + len) else {
            break;
        };
        let record = (CRC.checksum(body) == word(at + 4))
            .then(|| postcard::from_bytes::<Record>(body).ok())
            .flatten();
        match record {
            Some(record) => records.push(record),
            None if at + 8 + len == bytes.len() => break,
            None => {
                return Err(format!(
                    "{LOG}: damaged record at byte {at}; refusing to start"
                ));
            }
        }
        at += 8 + len;
    }
    Ok((records, at))
}

/// A small file written whole: CRC then postcard; `None` when missing.
fn read_small<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<Option<T>, String> {
    let bytes = match fs::read(dir.join(name)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{name}: {e}")),
    };
    let (crc, body) = bytes
        .split_at_checked(4)
        .ok_or(format!("{name}: too short"))?;
    if crc != CRC.checksum(body).to_le_bytes() {
        return Err(format!("{name}: checksum mismatch"));
    }
    match postcard::take_from_bytes(body) {
        Ok((value, [])) => Ok(Some(value)),
        Ok(_) => Err(format!("{name}: bytes left over")),
        Err(e) => Err(format!("{name}: {e}")),
    }
}

/// Writes a small file whole.
fn write_small<T: Serialize>(dir: &Path, name: &str, value: &T, sync: bool) -> io::Result<()> {
    let body = postcard::to_allocvec(value).map_err(io::Error::other)?;
    let mut bytes = CRC.checksum(&body).to_le_bytes().to_vec();
    bytes.extend_from_slice(&body);
    replace(dir, name, &bytes, sync)
}

/// Replaces `name` with `bytes`: temporary file, rename; with `sync`,
/// both synced and then the directory.
pub(crate) fn replace(dir: &Path, name: &str, bytes: &[u8], sync: bool) -> io::Result<()> {
    let temp = dir.join(format!("{name}.tmp"));
    let mut file = File::create(&temp)?;
    file.write_all(bytes)?;
    if sync {
        file.sync_all()?;
    }
    fs::rename(&temp, dir.join(name))?;
    if sync {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

fn failed(subject: ErrorSubject<u64>, verb: ErrorVerb, e: io::Error) -> StorageError<u64> {
    StorageError::from_io_error(subject, verb, e)
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError<u64>> {
        let inner = self.inner();
        Ok(inner.entries.range(range).map(|(_, e)| e.clone()).collect())
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = Self;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError<u64>> {
        let inner = self.inner();
        Ok(LogState {
            last_purged_log_id: inner.purged,
            last_log_id: inner.last_log_id(),
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<u64>) -> Result<(), StorageError<u64>> {
        let mut inner = self.inner();
        write_small(&inner.dir, VOTE, vote, true)
            .map_err(|e| failed(ErrorSubject::Vote, ErrorVerb::Write, e))?;
        inner.vote = Some(*vote);
        Ok(())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<u64>>, StorageError<u64>> {
        Ok(self.inner().vote)
    }

    async fn save_committed(
        &mut self,
        committed: Option<LogId<u64>>,
    ) -> Result<(), StorageError<u64>> {
        *self.committed.0.lock().unwrap_or_else(|e| e.into_inner()) = committed;
        let Some(committed) = committed else {
            return Ok(());
        };
        let mut inner = self.inner();
        let record = Record::Committed(committed);
        inner
            .write_unsynced(std::slice::from_ref(&record))
            .map_err(|e| failed(ErrorSubject::Store, ErrorVerb::Write, e))?;
        inner.replay(record);
        Ok(())
    }

    async fn read_committed(&mut self) -> Result<Option<LogId<u64>>, StorageError<u64>> {
        Ok(*self.committed.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError<u64>>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let records: Vec<Record> = entries
            .into_iter()
            .map(|e| Record::Entry(Box::new(e)))
            .collect();
        let mut inner = self.inner();
        if let Err(e) = inner.write_unsynced(&records) {
            let copy = io::Error::new(e.kind(), e.to_string());
            callback.log_io_completed(Err(copy));
            return Err(failed(ErrorSubject::Logs, ErrorVerb::Write, e));
        }
        for record in records {
            inner.replay(record);
        }
        drop(inner);
        self.flusher.push(callback);
        Ok(())
    }

    async fn truncate(&mut self, log_id: LogId<u64>) -> Result<(), StorageError<u64>> {
        let mut inner = self.inner();
        let record = Record::Truncate(log_id.index);
        inner
            .write(std::slice::from_ref(&record))
            .map_err(|e| failed(ErrorSubject::Logs, ErrorVerb::Delete, e))?;
        inner.replay(record);
        Ok(())
    }

    async fn purge(&mut self, log_id: LogId<u64>) -> Result<(), StorageError<u64>> {
        let mut inner = self.inner();
        let record = Record::Purge(log_id);
        inner
            .write(std::slice::from_ref(&record))
            .and_then(|()| {
                inner.replay(record);
                inner.compact()
            })
            .map_err(|e| failed(ErrorSubject::Logs, ErrorVerb::Delete, e))
    }
}

#[cfg(test)]
mod tests {
    use openraft::{CommittedLeaderId, EntryPayload, LogId};

    use super::{Entry, LogStore, Record, frame, read_frames};
    use crate::cluster::Batch;
    use crate::state::HostCommand;

    fn entry(index: u64) -> Entry {
        Entry {
            log_id: LogId::new(CommittedLeaderId::new(1, 1), index),
            payload: EntryPayload::Normal(Batch(vec![HostCommand {
                at_ms: index,
                op: crate::state::Op::Engine(imbot_like::Command::CloseChat {
                    chat: imbot_like::ChatId::new(1).unwrap(),
                }),
            }])),
        }
    }

    #[test]
    fn records_replay_to_the_entries_written() {
        let dir = std::env::temp_dir().join(format!("raft-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        {
            let (store, _) = LogStore::open(&dir).unwrap();
            let mut inner = store.inner();
            let records: Vec<Record> = (1..=5).map(|i| Record::Entry(Box::new(entry(i)))).collect();
            inner.write(&records).unwrap();
            inner
                .write(&[Record::Truncate(4), Record::Purge(entry(1).log_id)])
                .unwrap();
        }
        let (store, _) = LogStore::open(&dir).unwrap();
        let inner = store.inner();
        assert_eq!(
            inner.entries.keys().copied().collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert_eq!(inner.purged.map(|p| p.index), Some(1));
        drop(inner);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_vote_and_the_committed_position_read_back_as_saved() {
        use openraft::storage::RaftLogStorage;
        let dir = std::env::temp_dir().join(format!("raft-small-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let committed = LogId::new(CommittedLeaderId::new(2, 1), 13);
        let vote = openraft::Vote::new_committed(3, 3);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (mut store, _) = LogStore::open(&dir).unwrap();
            store.save_committed(Some(committed)).await.unwrap();
            store.save_vote(&vote).await.unwrap();
        });
        let (mut store, shared) = LogStore::open(&dir).unwrap();
        assert_eq!(shared.index(), Some(13));
        runtime.block_on(async {
            assert_eq!(store.read_committed().await.unwrap(), Some(committed));
            assert_eq!(store.read_vote().await.unwrap(), Some(vote));
        });
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_torn_tail_ends_the_log_and_damage_before_it_is_corruption() {
        let mut bytes = Vec::new();
        frame(&mut bytes, &Record::Entry(Box::new(entry(1)))).unwrap();
        let whole = bytes.len();
        frame(&mut bytes, &Record::Entry(Box::new(entry(2)))).unwrap();
        let (records, valid) = read_frames(&bytes[..bytes.len() - 3]).unwrap();
        assert_eq!((records.len(), valid), (1, whole));
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        let (records, valid) = read_frames(&bytes).unwrap();
        assert_eq!((records.len(), valid), (1, whole));
        bytes[last] ^= 0xff;
        bytes[10] ^= 0xff;
        assert!(read_frames(&bytes).is_err());
    }
}
