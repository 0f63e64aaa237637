//! Log lines written off the request path, in batches.
//!
//! A [`LogWriter`] is what the log's formatter writes each line to: it
//! appends the line to a shared buffer and returns, so a request never
//! waits on the output. A thread of its own wakes when the buffer stops
//! being empty, lets lines gather for a moment ([`GATHER`]), and writes
//! everything buffered with one call; a host answering many requests a
//! second thus makes a few hundred writes a second, not one per line.
//! Lines arriving while [`BUFFER_LIMIT`] bytes wait are dropped and
//! counted, and the count is logged with the next batch. Dropping the
//! [`Flusher`] writes what is left and stops the thread.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// The most bytes waiting to be written; lines beyond are dropped.
pub const BUFFER_LIMIT: usize = 16 << 20;
/// How long the writing thread lets lines gather once one arrived.
pub const GATHER: Duration = Duration::from_millis(2);

/// The lines waiting, and what the writing thread is told.
#[derive(Debug, Default)]
struct Pending {
    bytes: Vec<u8>,
    /// Lines dropped since the last batch, the buffer being full.
    dropped: u64,
    stopping: bool,
}

#[derive(Debug, Default)]
struct Shared {
    pending: Mutex<Pending>,
    arrived: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Where the log's formatter writes lines (see the module): a handle on
/// the shared buffer, cheap to clone.
#[derive(Debug, Clone)]
pub struct LogWriter {
    shared: Arc<Shared>,
}

/// Stops the writing thread when dropped, after it wrote every line
/// given before.
#[derive(Debug)]
pub struct Flusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// A writer whose lines go to `out` from a thread named `log-lines`.
///
/// # Errors
/// The thread could not be started.
pub fn non_blocking<W: Write + Send + 'static>(out: W) -> io::Result<(LogWriter, Flusher)> {
    let shared = Arc::new(Shared::default());
    let thread = std::thread::Builder::new()
        .name("log-lines".to_owned())
        .spawn({
            let shared = Arc::clone(&shared);
            move || write_batches(&shared, out)
        })?;
    let flusher = Flusher {
        shared: Arc::clone(&shared),
        thread: Some(thread),
    };
    Ok((LogWriter { shared }, flusher))
}

/// The writing thread: one write per batch until told to stop, then the
/// rest.
fn write_batches<W: Write>(shared: &Shared, mut out: W) {
    let mut batch = Vec::new();
    loop {
        let mut pending = shared.lock();
        while pending.bytes.is_empty() && pending.dropped == 0 && !pending.stopping {
            pending = shared
                .arrived
                .wait(pending)
                .unwrap_or_else(|e| e.into_inner());
        }
        if !pending.stopping {
            drop(pending);
            std::thread::sleep(GATHER);
            pending = shared.lock();
        }
        std::mem::swap(&mut batch, &mut pending.bytes);
        let dropped = std::mem::take(&mut pending.dropped);
        let stopping = pending.stopping;
        drop(pending);
        // A failed write loses its batch; the next one is tried anyway.
        let _ = out.write_all(&batch);
        if dropped > 0 {
            let _ = writeln!(
                out,
                r#"{{"level":"WARN","message":"log lines dropped: the log could not keep up","dropped":{dropped},"target":"imbot_like_host::log_writer"}}"#
            );
        }
        let _ = out.flush();
        batch.clear();
        if stopping && shared.lock().bytes.is_empty() {
            return;
        }
    }
}

impl Write for &LogWriter {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let mut pending = self.shared.lock();
        if pending.bytes.len() + line.len() > BUFFER_LIMIT {
            pending.dropped += 1;
            return Ok(line.len());
        }
        let first = pending.bytes.is_empty();
        pending.bytes.extend_from_slice(line);
        drop(pending);
        if first {
            self.shared.arrived.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = &'a LogWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.arrived.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::non_blocking;

    /// An output the test can read after the writer is gone.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_written_before_the_flusher_drops_is_written_in_order() {
        let out = Shared::default();
        let (writer, flusher) = non_blocking(out.clone()).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for n in 0..500 {
                        (&writer)
                            .write_all(format!("{t} {n}\n").as_bytes())
                            .unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(flusher);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 2000);
        for t in 0..4 {
            let seen: Vec<u32> = text
                .lines()
                .filter_map(|l| l.strip_prefix(&format!("{t} ")))
                .map(|n| n.parse().unwrap())
                .collect();
            assert_eq!(seen, (0..500).collect::<Vec<_>>(), "thread {t}");
        }
    }

    #[test]
    fn a_line_is_written_without_waiting_for_the_stop() {
        let out = Shared::default();
        let (writer, _flusher) = non_blocking(out.clone()).unwrap();
        (&writer).write_all(b"one line\n").unwrap();
        let began = std::time::Instant::now();
        while out.0.lock().unwrap().is_empty() {
            assert!(began.elapsed().as_secs() < 5, "the line was not written");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(out.0.lock().unwrap().as_slice(), b"one line\n");
    }
}
