//! Where a data directory's bytes go: a small trait over the few file
//! operations the log and the snapshots need, so that tests can put a
//! simulated disk (`sim`) where the real directory is.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A directory of named files.
///
/// Writes are not durable until synced: [`Storage::sync`] makes a file's
/// data and length durable, [`Storage::sync_dir`] the directory's entries
/// (created, renamed and removed names).
pub trait Storage: Send {
    /// The names of the files, in any order.
    ///
    /// # Errors
    /// The directory cannot be read.
    fn list(&self) -> io::Result<Vec<String>>;
    /// A whole file.
    ///
    /// # Errors
    /// The file cannot be read.
    fn read(&self, name: &str) -> io::Result<Vec<u8>>;
    /// Writes `bytes` at `offset`, creating the file when it is missing.
    ///
    /// # Errors
    /// The write failed (the disk is full, an I/O error).
    fn write_at(&mut self, name: &str, offset: u64, bytes: &[u8]) -> io::Result<()>;
    /// Makes the file's data and length durable.
    ///
    /// # Errors
    /// The flush failed: what was written may be lost.
    fn sync(&mut self, name: &str) -> io::Result<()>;
    /// Cuts the file to `len` bytes.
    ///
    /// # Errors
    /// As the system's.
    fn truncate(&mut self, name: &str, len: u64) -> io::Result<()>;
    /// Renames `from` over `to`.
    ///
    /// # Errors
    /// As the system's.
    fn rename(&mut self, from: &str, to: &str) -> io::Result<()>;
    /// Removes a file.
    ///
    /// # Errors
    /// As the system's.
    fn remove(&mut self, name: &str) -> io::Result<()>;
    /// Makes the directory's entries durable.
    ///
    /// # Errors
    /// As the system's.
    fn sync_dir(&mut self) -> io::Result<()>;
}

/// A real directory. A clone is another handle on the same directory
/// (with files of its own open).
pub struct FsStorage {
    dir: PathBuf,
    /// Files kept open for writing, by name.
    open: HashMap<String, File>,
}

impl FsStorage {
    /// The directory `dir`, created when missing.
    ///
    /// # Errors
    /// It cannot be created.
    pub fn new(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            open: HashMap::new(),
        })
    }

    fn file(&mut self, name: &str) -> io::Result<&mut File> {
        if !self.open.contains_key(name) {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(self.dir.join(name))?;
            self.open.insert(name.to_owned(), file);
        }
        self.open
            .get_mut(name)
            .ok_or_else(|| io::Error::other("file not open"))
    }
}

impl Clone for FsStorage {
    fn clone(&self) -> Self {
        Self {
            dir: self.dir.clone(),
            open: HashMap::new(),
        }
    }
}

impl Storage for FsStorage {
    fn list(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            if let Some(name) = entry?.file_name().to_str() {
                names.push(name.to_owned());
            }
        }
        Ok(names)
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        fs::read(self.dir.join(name))
    }

    fn write_at(&mut self, name: &str, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let file = self.file(name)?;
        file.seek(SeekFrom::Start(offset))?;
        file.write_all(bytes)
    }

    fn sync(&mut self, name: &str) -> io::Result<()> {
        self.file(name)?.sync_data()
    }

    fn truncate(&mut self, name: &str, len: u64) -> io::Result<()> {
        let file = self.file(name)?;
        file.set_len(len)?;
        file.sync_all()
    }

    fn rename(&mut self, from: &str, to: &str) -> io::Result<()> {
        self.open.remove(from);
        self.open.remove(to);
        fs::rename(self.dir.join(from), self.dir.join(to))
    }

    fn remove(&mut self, name: &str) -> io::Result<()> {
        self.open.remove(name);
        fs::remove_file(self.dir.join(name))
    }

    fn sync_dir(&mut self) -> io::Result<()> {
        File::open(&self.dir)?.sync_all()
    }
}

impl<S: Storage + ?Sized> Storage for Box<S> {
    fn list(&self) -> io::Result<Vec<String>> {
        (**self).list()
    }
    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        (**self).read(name)
    }
    fn write_at(&mut self, name: &str, offset: u64, bytes: &[u8]) -> io::Result<()> {
        (**self).write_at(name, offset, bytes)
    }
    fn sync(&mut self, name: &str) -> io::Result<()> {
        (**self).sync(name)
    }
    fn truncate(&mut self, name: &str, len: u64) -> io::Result<()> {
        (**self).truncate(name, len)
    }
    fn rename(&mut self, from: &str, to: &str) -> io::Result<()> {
        (**self).rename(from, to)
    }
    fn remove(&mut self, name: &str) -> io::Result<()> {
        (**self).remove(name)
    }
    fn sync_dir(&mut self) -> io::Result<()> {
        (**self).sync_dir()
    }
}
