//! A simulated disk for crash tests: a [`Storage`] that keeps what was
//! written but not synced apart from what is durable, and on a simulated
//! crash keeps, drops or tears the unsynced part at random.
//!
//! - File data: each unsynced write survives a crash sector by sector
//!   (512 bytes), each sector kept or lost at random, so a crash can leave
//!   any mix of a write's blocks, as a real disk can.
//! - Directory entries (created, renamed, removed names): the operations
//!   since the last [`Storage::sync_dir`] survive as a random prefix.
//! - [`SimDisk::fail_after`] makes every operation after the next `n`
//!   fail, as a process that died there would never issue them.
//!
//! Clones share one disk, so a test keeps a handle while a journal writes.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use super::storage::Storage;

/// The unit a crash keeps or loses of an unsynced write.
const SECTOR: u64 = 512;

/// A simulated disk; see the module docs.
#[derive(Clone)]
pub struct SimDisk {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    rng: u64,
    files: HashMap<u64, File>,
    /// The names as the running process sees them.
    names: BTreeMap<String, u64>,
    /// The names as of the last directory sync.
    durable_names: BTreeMap<String, u64>,
    /// Name operations since then, in order.
    dir_ops: Vec<DirOp>,
    next_inode: u64,
    /// Operations left before the disk fails them all.
    budget: Option<u64>,
}

#[derive(Default, Clone)]
struct File {
    /// What reads see.
    current: Vec<u8>,
    /// What survives a crash for sure.
    durable: Vec<u8>,
    /// Writes since the last sync: offset and bytes.
    unsynced: Vec<(u64, Vec<u8>)>,
}

#[derive(Clone)]
enum DirOp {
    Link(String, u64),
    Unlink(String),
    /// A rename is atomic: both names change, or neither.
    Rename(String, String, u64),
}

impl SimDisk {
    /// An empty disk whose crashes are drawn from `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        let inner = Inner {
            rng: seed | 1,
            ..Inner::default()
        };
        Self {
            inner: Arc::new(Mutex::new(inner)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets `n` more operations succeed, then fails every one after.
    pub fn fail_after(&self, n: u64) {
        self.lock().budget = Some(n);
    }

    /// Whether the disk has started failing operations.
    #[must_use]
    pub fn failed(&self) -> bool {
        self.lock().budget == Some(0)
    }

    /// A crash: unsynced data and names survive at random, as described
    /// in the module docs; the disk then works again.
    pub fn crash(&self) {
        self.lock().crash();
    }

    /// Flips bit `bit` of byte `at` of a file, durably: corruption that
    /// no crash makes.
    pub fn flip(&self, name: &str, at: usize, bit: u8) {
        let mut inner = self.lock();
        let Some(&inode) = inner.names.get(name) else {
            return;
        };
        if let Some(file) = inner.files.get_mut(&inode) {
            for bytes in [&mut file.current, &mut file.durable] {
                if let Some(byte) = bytes.get_mut(at) {
                    *byte ^= 1 << (bit % 8);
                }
            }
        }
    }

    /// A file's bytes as reads see them (empty when missing).
    #[must_use]
    pub fn contents(&self, name: &str) -> Vec<u8> {
        let inner = self.lock();
        inner
            .names
            .get(name)
            .and_then(|inode| inner.files.get(inode))
            .map(|f| f.current.clone())
            .unwrap_or_default()
    }
}

impl Inner {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn spend(&mut self) -> io::Result<()> {
        match &mut self.budget {
            Some(0) => Err(io::Error::other("simulated crash: the disk is gone")),
            Some(n) => {
                *n -= 1;
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn inode(&mut self, name: &str) -> u64 {
        if let Some(&inode) = self.names.get(name) {
            return inode;
        }
        self.next_inode += 1;
        let inode = self.next_inode;
        self.files.insert(inode, File::default());
        self.names.insert(name.to_owned(), inode);
        self.dir_ops.push(DirOp::Link(name.to_owned(), inode));
        inode
    }

    fn file(&self, name: &str) -> io::Result<&File> {
        self.names
            .get(name)
            .and_then(|inode| self.files.get(inode))
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, name.to_owned()))
    }

    fn crash(&mut self) {
        let mut files = std::mem::take(&mut self.files);
        for file in files.values_mut() {
            let mut bytes = file.durable.clone();
            for (offset, data) in std::mem::take(&mut file.unsynced) {
                self.tear(&mut bytes, offset, &data);
            }
            file.durable = bytes.clone();
            file.current = bytes;
        }
        self.files = files;
        let kept = usize::try_from(self.next()).unwrap_or(0) % (self.dir_ops.len() + 1);
        let mut names = self.durable_names.clone();
        for op in self.dir_ops.drain(..).take(kept) {
            match op {
                DirOp::Link(name, inode) => names.insert(name, inode),
                DirOp::Unlink(name) => names.remove(&name),
                DirOp::Rename(from, to, inode) => {
                    names.remove(&from);
                    names.insert(to, inode)
                }
            };
        }
        self.durable_names = names.clone();
        self.names = names;
        self.budget = None;
    }

    /// Applies the sectors of one unsynced write that survive.
    fn tear(&mut self, bytes: &mut Vec<u8>, offset: u64, data: &[u8]) {
        let end = offset + data.len() as u64;
        let mut at = offset;
        while at < end {
            let sector_end = ((at / SECTOR) + 1) * SECTOR;
            let stop = sector_end.min(end);
            if self.next().is_multiple_of(2) {
                let (from, to) = (at as usize, stop as usize);
                if bytes.len() < to {
                    bytes.resize(to, 0);
                }
                let start = (at - offset) as usize;
                bytes[from..to].copy_from_slice(&data[start..start + (to - from)]);
            }
            at = stop;
        }
    }
}

impl Storage for SimDisk {
    fn list(&self) -> io::Result<Vec<String>> {
        let mut inner = self.lock();
        inner.spend()?;
        Ok(inner.names.keys().cloned().collect())
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        let mut inner = self.lock();
        inner.spend()?;
        inner.file(name).map(|f| f.current.clone())
    }

    fn write_at(&mut self, name: &str, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let mut inner = self.lock();
        inner.spend()?;
        let inode = inner.inode(name);
        let file = inner.files.entry(inode).or_default();
        let end = offset as usize + bytes.len();
        if file.current.len() < end {
            file.current.resize(end, 0);
        }
        file.current[offset as usize..end].copy_from_slice(bytes);
        file.unsynced.push((offset, bytes.to_vec()));
        Ok(())
    }

    fn sync(&mut self, name: &str) -> io::Result<()> {
        let mut inner = self.lock();
        inner.spend()?;
        let inode = *inner
            .names
            .get(name)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, name.to_owned()))?;
        if let Some(file) = inner.files.get_mut(&inode) {
            file.durable = file.current.clone();
            file.unsynced.clear();
        }
        Ok(())
    }

    fn truncate(&mut self, name: &str, len: u64) -> io::Result<()> {
        let mut inner = self.lock();
        inner.spend()?;
        let inode = inner.inode(name);
        if let Some(file) = inner.files.get_mut(&inode) {
            file.current.truncate(len as usize);
            file.durable = file.current.clone();
            file.unsynced.clear();
        }
        Ok(())
    }

    fn rename(&mut self, from: &str, to: &str) -> io::Result<()> {
        let mut inner = self.lock();
        inner.spend()?;
        let inode = inner
            .names
            .remove(from)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, from.to_owned()))?;
        inner.names.insert(to.to_owned(), inode);
        inner
            .dir_ops
            .push(DirOp::Rename(from.to_owned(), to.to_owned(), inode));
        Ok(())
    }

    fn remove(&mut self, name: &str) -> io::Result<()> {
        let mut inner = self.lock();
        inner.spend()?;
        inner
            .names
            .remove(name)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, name.to_owned()))?;
        inner.dir_ops.push(DirOp::Unlink(name.to_owned()));
        Ok(())
    }

    fn sync_dir(&mut self) -> io::Result<()> {
        let mut inner = self.lock();
        inner.spend()?;
        inner.durable_names = inner.names.clone();
        inner.dir_ops.clear();
        Ok(())
    }
}
