//! Any node answers any call: a write goes to raft here when this node
//! leads, else to the leader's raft address, and is answered here once
//! its entry is committed and applied here too; a read index is taken
//! the same way.
//!
//! A write is only sent again when it certainly did not enter the log
//! (the node asked was not the leader, or could not be connected to).
//! When its fate is unknown (a leader that stopped answering, a call cut
//! off after it was sent), the call is answered 503 at once: a client
//! retries it, under its idempotency key when it must not happen twice.
//! With no leader, a call waits up to the node's `leader_wait`, then is
//! answered 503.

use std::time::Duration;

use openraft::BasicNode;
use openraft::error::{CheckIsLeaderError, ForwardToLeader, RaftError};
use serde::{Deserialize, Serialize};
use tokio::time::{Instant, timeout};

use super::network::CallError;
use super::pipeline::{Pipeline, Placed};
use super::state_machine::Wait;
use super::{HostRaft, Node, Outcome, digest};
use crate::state::HostCommand;

/// How often a call looks for a leader again.
const POLL: Duration = Duration::from_millis(50);

/// Why a call is answered 503: no leader within the wait, or its outcome
/// is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

/// A write the leader committed and applied: its entry, its position in
/// the entry's batch, and its answer's digest.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Forwarded {
    index: u64,
    slot: u32,
    digest: u32,
}

/// Why the leader did not take a forwarded call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Refused {
    /// The node is not the leader; the one it knows of, by id and
    /// address. The call did not enter the log.
    NotLeader(Option<(u64, String)>),
    /// The call failed; it may or may not be in the log.
    Failed(String),
}

pub(crate) fn not_leader(forward: &ForwardToLeader<u64, BasicNode>) -> Refused {
    let leader = forward
        .leader_id
        .zip(forward.leader_node.as_ref().map(|n| n.addr.clone()));
    Refused::NotLeader(leader)
}

/// `command` through this node's raft (in its next batch), as the
/// leader.
async fn local_write(
    pipeline: &Pipeline,
    command: HostCommand,
    wait: Duration,
) -> Result<Placed, Refused> {
    timeout(wait, pipeline.write(command))
        .await
        .unwrap_or_else(|_| Err(Refused::Failed("not committed in time".into())))
}

/// Serves a write another node forwarded: its place and digest.
pub(crate) async fn lead_write(
    pipeline: &Pipeline,
    command: HostCommand,
    wait: Duration,
) -> Result<Forwarded, Refused> {
    let (index, slot, (answer, _)) = local_write(pipeline, command, wait).await?;
    Ok(Forwarded {
        index,
        slot,
        digest: digest(Some(&answer)),
    })
}

/// Serves a read index: the entry a linearizable read must see applied.
pub(crate) async fn lead_read(raft: &HostRaft, wait: Duration) -> Result<u64, Refused> {
    match timeout(wait, raft.ensure_linearizable()).await {
        Ok(Ok(read)) => Ok(read.map_or(0, |id| id.index)),
        Ok(Err(RaftError::APIError(CheckIsLeaderError::ForwardToLeader(f)))) => Err(not_leader(&f)),
        Ok(Err(e)) => Err(Refused::Failed(e.to_string())),
        Err(_) => Err(Refused::Failed("no quorum answered in time".into())),
    }
}

/// What one attempt came to.
enum Attempt<T> {
    Done(T),
    /// Not in the log: look for the leader again.
    Again,
}

impl Node {
    /// Commits `command` and returns what this node's state machine gave
    /// for it: its answer, and the events it pushes (for this node to
    /// send: the node a call went to pushes its events).
    ///
    /// # Errors
    /// [`Unavailable`]: no leader within the wait, or the outcome is
    /// unknown.
    pub async fn write(&self, command: &HostCommand) -> Result<Outcome, Unavailable> {
        let deadline = Instant::now() + self.leader_wait;
        // A follower that knows its leader sends the call there at once,
        // without asking its own raft first.
        if let Some(addr) = self.other_leader() {
            if let Attempt::Done(outcome) = self.forward_write(&addr, command, deadline).await? {
                return Ok(outcome);
            }
        }
        loop {
            let left = left(deadline)?;
            let attempt = match local_write(&self.pipeline, command.clone(), left).await {
                Ok((_, _, outcome)) => Attempt::Done(outcome),
                Err(Refused::NotLeader(Some((id, addr)))) if id != self.id => {
                    self.forward_write(&addr, command, deadline).await?
                }
                Err(Refused::NotLeader(_)) => Attempt::Again,
                Err(Refused::Failed(why)) => return Err(Unavailable(why)),
            };
            match attempt {
                Attempt::Done(answer) => return Ok(answer),
                Attempt::Again => tokio::time::sleep(POLL.min(left)).await,
            }
        }
    }

    /// The raft address of the leader this node knows of, when that is
    /// another node.
    fn other_leader(&self) -> Option<String> {
        let metrics = self.raft.metrics();
        let metrics = metrics.borrow();
        let leader = metrics.current_leader.filter(|&id| id != self.id)?;
        let node = metrics.membership_config.membership().get_node(&leader)?;
        Some(node.addr.clone())
    }

    /// Sends `command` to the leader at `addr`, then waits for its entry
    /// here.
    async fn forward_write(
        &self,
        addr: &str,
        command: &HostCommand,
        deadline: Instant,
    ) -> Result<Attempt<Outcome>, Unavailable> {
        // Waits from before the command can enter the log, so its answer
        // is kept here however soon its entry is applied.
        let wait = self.answers.wait(*self.applied.borrow());
        let sent = self
            .net
            .call(addr, "/raft/write", command, left(deadline)?)
            .await;
        match sent {
            Ok(Ok(forwarded)) => self
                .answer_of(&wait, &forwarded, deadline)
                .await
                .map(Attempt::Done),
            Ok(Err(Refused::NotLeader(_))) | Err(CallError::Unreachable(_)) => Ok(Attempt::Again),
            Ok(Err(Refused::Failed(why))) => Err(Unavailable(why)),
            Err(CallError::Failed(e)) => Err(Unavailable(format!("forwarding to the leader: {e}"))),
        }
    }

    /// The answer this node's state machine gave for a forwarded write's
    /// entry, once applied here, checked against the leader's.
    async fn answer_of(
        &self,
        wait: &Wait,
        forwarded: &Forwarded,
        deadline: Instant,
    ) -> Result<Outcome, Unavailable> {
        wait.placed(forwarded.index, forwarded.slot);
        let mut applied = self.applied.clone();
        loop {
            let reached = *applied.borrow_and_update();
            if let Some(outcome) = wait.take(forwarded.index, forwarded.slot) {
                return if digest(Some(&outcome.0)) == forwarded.digest {
                    Ok(outcome)
                } else {
                    Err(Unavailable(
                        "this node's answer differs from the leader's".into(),
                    ))
                };
            }
            if reached >= forwarded.index {
                return Err(Unavailable(
                    "committed, but applied here from a snapshot".into(),
                ));
            }
            match timeout(left(deadline)?, applied.changed()).await {
                Ok(Ok(())) => {}
                _ => return Err(Unavailable("committed, but not yet applied here".into())),
            }
        }
    }

    /// Waits until this node has applied every entry committed before
    /// the call: a read after it is linearizable.
    ///
    /// # Errors
    /// [`Unavailable`]: no leader confirmed a read index within the wait.
    pub async fn linearize(&self) -> Result<(), Unavailable> {
        let deadline = Instant::now() + self.leader_wait;
        loop {
            let left = left(deadline)?;
            let index = match lead_read(&self.raft, left).await {
                Ok(index) => Some(index),
                Err(Refused::NotLeader(Some((id, addr)))) if id != self.id => {
                    match self
                        .net
                        .call::<_, Result<u64, Refused>>(&addr, "/raft/read", &(), left)
                        .await
                    {
                        Ok(Ok(index)) => Some(index),
                        Ok(Err(Refused::Failed(why))) => return Err(Unavailable(why)),
                        Ok(Err(Refused::NotLeader(_))) | Err(CallError::Unreachable(_)) => None,
                        Err(CallError::Failed(e)) => return Err(Unavailable(e.to_string())),
                    }
                }
                Err(Refused::NotLeader(_)) => None,
                Err(Refused::Failed(why)) => return Err(Unavailable(why)),
            };
            match index {
                Some(index) => return self.applied_up_to(index, deadline).await,
                None => tokio::time::sleep(POLL.min(left)).await,
            }
        }
    }

    /// Waits until entry `index` is applied here.
    async fn applied_up_to(&self, index: u64, deadline: Instant) -> Result<(), Unavailable> {
        let mut applied = self.applied.clone();
        let reached = timeout(left(deadline)?, applied.wait_for(|&at| at >= index)).await;
        match reached {
            Ok(Ok(_)) => Ok(()),
            _ => Err(Unavailable(
                "the read index was not applied here in time".into(),
            )),
        }
    }
}

/// The time left before `deadline`, or why there is none.
fn left(deadline: Instant) -> Result<Duration, Unavailable> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(Unavailable("no leader answered in time".into()))
    } else {
        Ok(left)
    }
}
