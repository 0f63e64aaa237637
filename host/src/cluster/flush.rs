//! Group commit for the raft log: appends are written at once and
//! acknowledged to raft only after a sync that began after them, one
//! sync for every append that arrived while the previous one ran.
//!
//! ```text
//! append → write (page cache) → queue callback ─┐
//!                   sync thread: take queue → fsync → callbacks
//! ```

use std::fs::File;
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::Duration;

use openraft::storage::LogFlushed;

use super::TypeConfig;

/// Callbacks waiting for the next sync.
#[derive(Default)]
struct Queue {
    waiting: Vec<LogFlushed<TypeConfig>>,
}

/// The sync thread's handle: where appends queue their callbacks.
pub(crate) struct Flusher {
    queue: Arc<(Mutex<Queue>, Condvar)>,
}

impl Flusher {
    /// Starts the sync thread on the log file `file` reads out (the
    /// current handle, taken anew for each sync); it ends when `file`'s
    /// owner is gone.
    pub(crate) fn start<F>(owner: Weak<F>, file: fn(&F) -> io::Result<File>) -> io::Result<Self>
    where
        F: Send + Sync + 'static,
    {
        let queue: Arc<(Mutex<Queue>, Condvar)> = Arc::default();
        let shared = Arc::clone(&queue);
        std::thread::Builder::new()
            .name("raft-log-sync".into())
            .spawn(move || run(&shared, &owner, file))?;
        Ok(Self { queue })
    }

    /// Queues `callback` for the next sync, which covers every write
    /// made before this call.
    pub(crate) fn push(&self, callback: LogFlushed<TypeConfig>) {
        lock(&self.queue.0).waiting.push(callback);
        self.queue.1.notify_one();
    }
}

fn lock(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    queue.lock().unwrap_or_else(|e| e.into_inner())
}

/// Syncs whenever callbacks wait, then answers them all.
fn run<F>(queue: &(Mutex<Queue>, Condvar), owner: &Weak<F>, file: fn(&F) -> io::Result<File>) {
    loop {
        let batch = {
            let mut waiting = lock(&queue.0);
            while waiting.waiting.is_empty() {
                if owner.strong_count() == 0 {
                    return;
                }
                waiting = queue
                    .1
                    .wait_timeout(waiting, Duration::from_secs(1))
                    .map_or_else(|e| e.into_inner().0, |(guard, _)| guard);
            }
            std::mem::take(&mut waiting.waiting)
        };
        let synced = owner
            .upgrade()
            .ok_or_else(|| io::Error::other("the log store is gone"))
            .and_then(|owner| file(&owner))
            .and_then(|file| file.sync_data());
        for callback in batch {
            let result = synced
                .as_ref()
                .map(|_| ())
                .map_err(|e| io::Error::new(e.kind(), e.to_string()));
            callback.log_io_completed(result);
        }
    }
}
