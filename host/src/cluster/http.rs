//! The cluster's control calls on the REST port, under the control API's
//! access rules:
//!
//! - `GET /__cluster/status`: this node's view (id, leader, term, last
//!   applied and committed index, voters and learners with addresses,
//!   and `kept_answers`: the answers held for calls here that wait on
//!   their entry, 0 once none waits).
//! - `GET /__cluster/log?from=N&limit=M`: a page of the committed log
//!   (see `export`).
//! - `POST /__cluster/learner` `{"node_id": 4, "addr": "127.0.0.1:7004"}`:
//!   adds a learner and waits until it has caught up.
//! - `POST /__cluster/promote` `{"node_id": 4}`: makes a learner a voter.
//! - `POST /__cluster/remove` `{"node_id": 3}`: removes a voter or a
//!   learner.
//! - `POST /__cluster/partition` `{"cut": true}`: cuts this node off its
//!   peers, or reconnects it (fault injection for tests and drills).
//!
//! Membership calls are served by the leader; another node answers 409
//! `NOT_LEADER` with the leader's id.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use openraft::{BasicNode, ChangeMembers};
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) use super::export::log;
use super::{HostRaft, Node};
use crate::live::LiveHost;
use crate::reply::json as reply;

/// A membership call's body.
#[derive(Debug, Deserialize)]
pub(crate) struct Member {
    node_id: u64,
    #[serde(default)]
    addr: Option<String>,
}

/// A partition call's body.
#[derive(Debug, Deserialize)]
pub(crate) struct Partition {
    cut: bool,
}

/// Runs `call` on this node's cluster, or answers that there is none.
fn with_node(live: &LiveHost, call: impl FnOnce(&Node) -> Response) -> Response {
    live.host().cluster().map_or_else(not_clustered, call)
}

/// 404 `NOT_CLUSTERED`: the host runs alone.
pub(crate) fn not_clustered() -> Response {
    reply(
        404,
        &json!({"error": "NOT_CLUSTERED", "error_description": "This host runs alone"}),
    )
}

/// `GET /__cluster/status`.
pub(crate) async fn status(State(live): State<Arc<LiveHost>>) -> Response {
    with_node(&live, |node| reply(200, &node.status()))
}

impl Node {
    /// This node's view of the cluster, as `/__cluster/status` answers it.
    #[must_use]
    pub fn status(&self) -> Value {
        let metrics = self.raft.metrics().borrow().clone();
        let membership = metrics.membership_config.membership();
        let listed = |ids: &mut dyn Iterator<Item = u64>| -> Vec<Value> {
            ids.map(|id| {
                let addr = membership.get_node(&id).map(|n| n.addr.clone());
                json!({"id": id, "addr": addr})
            })
            .collect()
        };
        json!({
            "node_id": self.id,
            "state": format!("{:?}", metrics.state),
            "leader_id": metrics.current_leader,
            "term": metrics.current_term,
            "last_log_index": metrics.last_log_index,
            "last_applied": metrics.last_applied.map(|id| id.index),
            "commit_index": self.committed.index(),
            "snapshot": metrics.snapshot.map(|id| id.index),
            "voters": listed(&mut membership.voter_ids()),
            "learners": listed(&mut membership.learner_ids()),
            "cut_off": self.cut.load(std::sync::atomic::Ordering::SeqCst),
            "kept_answers": self.answers.len(),
        })
    }
}

/// `POST /__cluster/learner`.
pub(crate) async fn learner(
    State(live): State<Arc<LiveHost>>,
    Json(member): Json<Member>,
) -> Response {
    let Some(addr) = member.addr.clone() else {
        return refuse("addr is required");
    };
    membership(&live, |raft| async move {
        raft.add_learner(member.node_id, BasicNode::new(addr), true)
            .await
    })
    .await
}

/// `POST /__cluster/promote`.
pub(crate) async fn promote(
    State(live): State<Arc<LiveHost>>,
    Json(member): Json<Member>,
) -> Response {
    let ids = BTreeSet::from([member.node_id]);
    membership(&live, |raft| async move {
        raft.change_membership(ChangeMembers::AddVoterIds(ids), false)
            .await
    })
    .await
}

/// `POST /__cluster/remove`.
pub(crate) async fn remove(
    State(live): State<Arc<LiveHost>>,
    Json(member): Json<Member>,
) -> Response {
    let ids = BTreeSet::from([member.node_id]);
    membership(&live, |raft| async move {
        let voters = raft
            .metrics()
            .borrow()
            .membership_config
            .membership()
            .voter_ids()
            .collect::<BTreeSet<_>>();
        let change = if voters.contains(&member.node_id) {
            ChangeMembers::RemoveVoters(ids)
        } else {
            ChangeMembers::RemoveNodes(ids)
        };
        raft.change_membership(change, false).await
    })
    .await
}

/// `POST /__cluster/partition`.
pub(crate) async fn partition(
    State(live): State<Arc<LiveHost>>,
    Json(partition): Json<Partition>,
) -> Response {
    with_node(&live, |node| {
        node.set_cut(partition.cut);
        reply(200, &json!({"result": {"cut_off": partition.cut}}))
    })
}

/// Runs a membership change on the leader and answers with the new
/// membership.
async fn membership<F, Fut, E>(live: &LiveHost, change: F) -> Response
where
    F: FnOnce(HostRaft) -> Fut,
    Fut: std::future::Future<
            Output = Result<openraft::raft::ClientWriteResponse<super::TypeConfig>, E>,
        >,
    E: std::fmt::Display,
{
    let host = live.host();
    let Some(node) = host.cluster() else {
        return not_clustered();
    };
    let leader = node.raft.current_leader().await;
    if leader != Some(node.id) {
        return reply(
            409,
            &json!({"error": "NOT_LEADER", "error_description": "Membership changes go to the leader", "leader_id": leader}),
        );
    }
    match change(node.raft.clone()).await {
        Ok(_) => reply(200, &json!({"result": node.status()})),
        Err(e) => reply(
            500,
            &json!({"error": "MEMBERSHIP_CHANGE_FAILED", "error_description": e.to_string()}),
        ),
    }
}

fn refuse(why: &str) -> Response {
    reply(
        400,
        &json!({"error": "WRONG_REQUEST", "error_description": why}),
    )
}
