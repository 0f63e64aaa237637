//! Group commit for client writes on the leader: the commands that wait
//! while the previous batch is on its way through raft go into the log
//! as one entry, so one append, one sync and one replication round carry
//! them all.
//!
//! ```text
//! write ─┐
//! write ─┼─ queue ─ batcher task ─ client_write(batch) ─ an answer per command
//! write ─┘          (one batch at a time)
//! ```
//!
//! One batch at a time, because openraft 0.9 moves entries one log
//! write and one replication round at a time (its raft task waits for
//! the leader's own sync before it replicates an entry, and handles
//! nothing else meanwhile): batches in flight beside
//! each other are smaller and cost a sync and a round each (with two or
//! more at once, the three-node benchmark committed fewer likes per
//! second than with one).
//!
//! A batch waits briefly for the callers of the batch before it: once a
//! batch may go, if fewer commands wait than that batch carried, the
//! batcher waits up to [`LINGER`] for as many. A caller that is answered
//! usually sends its next call within a fraction of a round (its answer
//! and next request cross HTTP), and without the wait those calls would
//! miss the batch that leaves at once and wait a whole round for the one
//! after: the callers would split into two groups taking turns, each
//! paying a round. The target is the last batch's size, so it follows
//! the load down: when the callers do not come back (a lighter load),
//! the batch goes at the end of the wait with what it has, and the next
//! one expects no more than that.
//!
//! A batch is refused or fails as a whole: a refusal (not the leader)
//! leaves every command of it out of the log, so each may be sent again;
//! a failure leaves each one's fate unknown. A lone caller's command
//! goes on at once (a batch of one; only the first after a larger batch
//! waits out [`LINGER`]).

use std::sync::Arc;

use openraft::error::{ClientWriteError, RaftError};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::time::{Duration, Instant, timeout_at};

use super::forward::{Refused, not_leader};
use super::{Batch, HostRaft, Outcome};
use crate::state::HostCommand;

/// Batches on their way through raft at once.
const IN_FLIGHT: usize = 1;
/// The most commands in one batch.
const MAX_BATCH: usize = 256;
/// The longest a batch waits for the callers of the batch before it.
const LINGER: Duration = Duration::from_millis(1);

/// A command's entry, its place in the batch, and what the leader's
/// state machine gave for it.
pub(crate) type Placed = (u64, u32, Outcome);

/// A command waiting for its batch.
struct Waiting {
    command: HostCommand,
    reply: oneshot::Sender<Result<Placed, Refused>>,
}

/// The queue into the leader's log; clones share it.
#[derive(Clone)]
pub(crate) struct Pipeline {
    queue: mpsc::UnboundedSender<Waiting>,
}

impl Pipeline {
    /// Starts the batcher task for `raft` on the current runtime.
    pub(crate) fn start(raft: HostRaft) -> Self {
        let (queue, waiting) = mpsc::unbounded_channel();
        tokio::spawn(batcher(raft, waiting));
        Self { queue }
    }

    /// Commits `command` through raft (as the leader) in the next batch.
    ///
    /// # Errors
    /// [`Refused`]: this node does not lead (the command is not in the
    /// log), or the batch failed (its fate is unknown).
    pub(crate) async fn write(&self, command: HostCommand) -> Result<Placed, Refused> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Waiting { command, reply })
            .map_err(|_| Refused::Failed("the node is stopping".into()))?;
        answer
            .await
            .unwrap_or_else(|_| Err(Refused::Failed("the batch was dropped".into())))
    }
}

/// Takes what waits, up to [`MAX_BATCH`], once a batch may go, waiting
/// up to [`LINGER`] for as many commands as the last batch carried.
async fn batcher(raft: HostRaft, mut waiting: mpsc::UnboundedReceiver<Waiting>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut last = 0;
    while let Some(first) = waiting.recv().await {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let until = Instant::now() + LINGER;
        while batch.len() < last {
            match timeout_at(until, waiting.recv()).await {
                Ok(Some(next)) => batch.push(next),
                Ok(None) | Err(_) => break,
            }
        }
        last = batch.len();
        let raft = raft.clone();
        tokio::spawn(async move {
            commit(&raft, batch).await;
            drop(slot);
        });
    }
}

/// Writes one batch and answers each of its commands.
async fn commit(raft: &HostRaft, batch: Vec<Waiting>) {
    let (commands, replies): (Vec<_>, Vec<_>) =
        batch.into_iter().map(|w| (w.command, w.reply)).unzip();
    match raft.client_write(Batch(commands)).await {
        Ok(response) => {
            let index = response.log_id.index;
            let outcomes = response.data.outcomes;
            for (slot, (reply, outcome)) in (0u32..).zip(replies.into_iter().zip(outcomes)) {
                let _ = reply.send(Ok((index, slot, outcome)));
            }
        }
        Err(e) => {
            let refused = match &e {
                RaftError::APIError(ClientWriteError::ForwardToLeader(f)) => not_leader(f),
                _ => Refused::Failed(e.to_string()),
            };
            for reply in replies {
                let _ = reply.send(Err(refused.clone()));
            }
        }
    }
}
