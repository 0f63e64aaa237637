//! A replicated host: the host's state machine under raft consensus
//! (`openraft`), so that any majority of the nodes keeps serving and no
//! acknowledged change is lost when a machine dies.
//!
//! ```text
//! client → any node's REST port → HostCommand
//!            ├─ leader:   batch → client_write → log on a majority → apply → Answer
//!            └─ follower: forward to the leader's raft port (batched there),
//!                         then answer once the entry is applied here too
//! ```
//!
//! The raft log's entries are [`Batch`]es of [`HostCommand`]s: the
//! commands that waited on the leader while earlier batches were on
//! their way through raft share one entry, one append and one sync
//! (`pipeline`). The raft state machine is
//! the [`crate::HostState`] (`apply` is [`crate::HostState::apply`], per
//! command of a batch in order) and
//! the raft snapshot is the host snapshot ([`crate::HostState::encode`],
//! restored through [`crate::HostState::decode`] with its validation). The
//! log and the vote are kept in the node's data directory and synced
//! before raft is told they are written (`store`). Nodes talk plain HTTP
//! on their raft address, each call carrying the cluster token
//! (`network`, `server`). Every REST call is one log entry, a call that
//! changes nothing included, so reads are linearizable without a read
//! path of their own; the event fetch, which reads beside the log, waits
//! for a read index first (`forward`).

mod export;
mod flush;
mod forward;
pub mod http;
mod network;
mod pipeline;
mod rebuild;
mod server;
mod state_machine;
mod store;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use openraft::{BasicNode, Raft};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::state::{Answer, HostCommand};
use crate::{Host, World};

pub use forward::Unavailable;
use state_machine::Answers;

openraft::declare_raft_types!(
    /// The raft types of the host: entries are host commands, the state
    /// machine answers with [`Applied`], nodes are numbered and reached
    /// at an address.
    pub TypeConfig:
        D = Batch,
        R = Applied,
        NodeId = u64,
        Node = BasicNode,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
);

/// The raft handle of a node.
pub type HostRaft = Raft<TypeConfig>;

/// One log entry's commands, applied in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch(pub Vec<HostCommand>);

/// What one command gave: its [`Answer`] and the events it pushes to
/// bots' handlers.
pub type Outcome = (Answer, Vec<crate::push::Delivery>);

/// What the state machine gave for one entry: an [`Outcome`] per command
/// of its batch (none for a blank or membership entry).
///
/// It stays on the node that applied the entry. For a write another
/// node forwarded, the leader sends back the command's place (entry and
/// position in the batch) and the answer's digest (CRC-32 of its debug
/// form); that node answers with what its own state machine gave for
/// that command, once it has applied the entry, after checking it
/// against the digest (the state machine is deterministic, so they
/// agree).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Applied {
    /// The outcomes, on the node that applied the entry.
    #[serde(skip)]
    pub outcomes: Vec<Outcome>,
}

/// How a node joins its cluster.
#[derive(Debug, Clone)]
pub struct Config {
    /// This node's id.
    pub node_id: u64,
    /// Where this node serves node-to-node traffic.
    pub raft_addr: SocketAddr,
    /// The initial voters, by id (this node among them).
    pub peers: BTreeMap<u64, String>,
    /// The token every node-to-node call carries.
    pub token: String,
    /// The node's data directory (raft log, vote, snapshot).
    pub data: PathBuf,
    /// Entries between snapshots.
    pub snapshot_every: u64,
    /// Keeps every entry in the log after a snapshot instead of purging
    /// the ones it holds, so `/__cluster/log` can read the whole history
    /// (the log then grows without bound).
    pub keep_log: bool,
    /// How long a call waits for a leader before answering 503.
    pub leader_wait: Duration,
    /// Raft's timing: heartbeat, and the election timeout's range.
    pub timing: Timing,
}

/// Raft's timing, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Between a leader's heartbeats.
    pub heartbeat_ms: u64,
    /// The shortest election timeout.
    pub election_min_ms: u64,
    /// The longest election timeout.
    pub election_max_ms: u64,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            heartbeat_ms: 50,
            election_min_ms: 300,
            election_max_ms: 600,
        }
    }
}

/// A running node: its raft handle and what its edges share.
pub struct Node {
    pub(crate) id: u64,
    pub(crate) raft: HostRaft,
    pub(crate) net: network::Client,
    pub(crate) pipeline: pipeline::Pipeline,
    pub(crate) answers: Arc<Answers>,
    pub(crate) applied: watch::Receiver<u64>,
    pub(crate) committed: Arc<store::Committed>,
    /// The log, read by `/__cluster/log`.
    pub(crate) log: store::LogStore,
    /// Set to cut this node off its peers (fault injection).
    pub(crate) cut: Arc<AtomicBool>,
    pub(crate) leader_wait: Duration,
}

impl Node {
    /// The node's raft handle.
    #[must_use]
    pub fn raft(&self) -> &HostRaft {
        &self.raft
    }

    /// Cuts the node off its peers (`true`) or reconnects it: while cut,
    /// it neither sends nor accepts node-to-node calls.
    pub fn set_cut(&self, cut: bool) {
        self.cut.store(cut, Ordering::SeqCst);
    }
}

/// Starts a node on `world` (or on the snapshot its data directory
/// holds): opens its log, binds its raft address, initialises the
/// cluster when it is the lowest peer and nothing was ever initialised,
/// and returns the host that serves calls through it.
///
/// # Errors
/// Why the data directory, the raft address or raft itself cannot be
/// used.
pub async fn start(world: &World, config: Config, deterministic: bool) -> Result<Host, String> {
    let where_ = |e: String| format!("{}: {e}", config.data.display());
    std::fs::create_dir_all(&config.data).map_err(|e| where_(e.to_string()))?;
    let (log, committed) = store::LogStore::open(&config.data).map_err(where_)?;
    let machine =
        state_machine::StateMachine::open(world, &config.data, log.clone()).map_err(where_)?;
    let answers = machine.answers();
    let applied = machine.applied_index();
    let mut host = Host::from_shared(machine.shared(), deterministic).map_err(|e| e.to_string())?;
    let cut = Arc::new(AtomicBool::new(false));
    let net = network::Client::new(config.token.clone(), Arc::clone(&cut));
    let raft = Raft::new(
        config.node_id,
        Arc::new(raft_config(&config)?),
        net.clone(),
        log.clone(),
        machine,
    )
    .await
    .map_err(|e| e.to_string())?;
    let pipeline = pipeline::Pipeline::start(raft.clone());
    server::spawn(&config, raft.clone(), pipeline.clone(), Arc::clone(&cut)).await?;
    initialise(&raft, &config).await?;
    host.cluster = Some(Arc::new(Node {
        id: config.node_id,
        raft,
        net,
        pipeline,
        answers,
        applied,
        committed,
        log,
        cut,
        leader_wait: config.leader_wait,
    }));
    Ok(host)
}

/// Raft's configuration for this node.
fn raft_config(config: &Config) -> Result<openraft::Config, String> {
    let keep = if config.keep_log {
        u64::MAX
    } else {
        config.snapshot_every.min(1000)
    };
    openraft::Config {
        cluster_name: "rest_host".into(),
        heartbeat_interval: config.timing.heartbeat_ms,
        election_timeout_min: config.timing.election_min_ms,
        election_timeout_max: config.timing.election_max_ms,
        snapshot_policy: openraft::SnapshotPolicy::LogsSinceLast(config.snapshot_every),
        max_in_snapshot_log_to_keep: keep,
        purge_batch_size: keep.clamp(1, 1000),
        ..Default::default()
    }
    .validate()
    .map_err(|e| e.to_string())
}

/// The lowest peer initialises a cluster that never was; any other node,
/// and any restart, waits to be reached.
async fn initialise(raft: &HostRaft, config: &Config) -> Result<(), String> {
    let lowest = config.peers.keys().next().copied();
    if lowest != Some(config.node_id) || raft.is_initialized().await.map_err(|e| e.to_string())? {
        return Ok(());
    }
    let members: BTreeMap<u64, BasicNode> = config
        .peers
        .iter()
        .map(|(&id, addr)| (id, BasicNode::new(addr)))
        .collect();
    raft.initialize(members).await.map_err(|e| e.to_string())
}

/// `1=ADDR,2=ADDR,…`: the initial voters.
///
/// # Errors
/// An entry that is not `ID=HOST:PORT`, a repeated id, or an empty list.
pub fn parse_peers(text: &str) -> Result<BTreeMap<u64, String>, String> {
    let mut peers = BTreeMap::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (id, addr) = item
            .split_once('=')
            .ok_or_else(|| format!("{item:?}: expected ID=HOST:PORT"))?;
        let id: u64 = id
            .trim()
            .parse()
            .map_err(|_| format!("{item:?}: the id is not a number"))?;
        addr.trim()
            .parse::<SocketAddr>()
            .map_err(|_| format!("{item:?}: the address is not HOST:PORT"))?;
        if peers.insert(id, addr.trim().to_owned()).is_some() {
            return Err(format!("node {id} is listed twice"));
        }
    }
    if peers.is_empty() {
        return Err("no peers".into());
    }
    Ok(peers)
}

/// A call no leader answered in time: 503 `QUERY_LIMIT_EXCEEDED`, which
/// the official SDKs retry.
pub(crate) fn unavailable(why: Unavailable) -> imbot_like::wire::FrameworkError {
    tracing::warn!(why = %why.0, "answered 503: the cluster did not take the call");
    imbot_like::wire::FrameworkError::QueryLimitExceeded
}

/// The digest of an answer that crosses the network: CRC-32 of its
/// debug form (0 for none).
pub(crate) fn digest(answer: Option<&Answer>) -> u32 {
    let Some(answer) = answer else { return 0 };
    crate::state::snapshot::CRC.checksum(format!("{answer:?}").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::parse_peers;

    #[test]
    fn peers_are_id_equals_address() {
        let peers = parse_peers("1=127.0.0.1:7001, 2=127.0.0.1:7002").unwrap();
        assert_eq!(peers.len(), 2);
        assert_eq!(peers[&2], "127.0.0.1:7002");
        for bad in [
            "",
            "1",
            "x=127.0.0.1:1",
            "1=nohost",
            "1=127.0.0.1:1,1=127.0.0.1:2",
        ] {
            assert!(parse_peers(bad).is_err(), "{bad:?} accepted");
        }
    }
}
