//! A three-node cluster on loopback against the single durable host:
//! committed like throughput under 16 connections, and the time from the
//! leader's death to the first write committed by a new leader.
//!
//! ```text
//! cargo run --release -p imbot-like-host --example cluster [SECONDS [ROUNDS [FAILOVERS]]]
//! ```
//!
//! Throughput: the single host with `--data` and the cluster run
//! alternately, ROUNDS rounds (default 3) of SECONDS each (default 2);
//! 16 client threads, one keep-alive connection each, toggle their own
//! user's likes with `im.message.like` (every answer a committed change),
//! against the single host, the cluster's leader, and all three nodes in
//! turn (two of three calls then forwarded). Medians are printed.
//!
//! Failover: FAILOVERS times (default 5), a fresh cluster takes a few
//! writes, then its leader dies (its runtime, with raft and both servers,
//! is dropped at once: no more heartbeats, answers or connections) and a
//! client writes through a surviving node in a loop until a write is
//! answered; the time from the death to that answer is printed, with the
//! default timing (heartbeat 50 ms, election timeout 300-600 ms).
//!
//! All nodes run in this process, each on its own two-thread runtime, so
//! the figures include three raft nodes and 16 clients sharing the
//! machine's cores, and the three nodes' syncs sharing one disk. The data
//! directories go under `BENCH_DIR` (default: the system's temporary
//! directory); pointing it at a RAM disk (`/dev/shm`) takes the disk out
//! and leaves what consensus itself costs.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use imbot_like_host::cluster::{self, Config, Timing};
use imbot_like_host::durable::Config as DurableConfig;
use imbot_like_host::{Host, serve};
use tokio::runtime::Runtime;

use common::{MESSAGES, drive, median, world};

/// A host serving on its own runtime; dropping the runtime kills it.
struct Running {
    runtime: Runtime,
    host: Arc<Host>,
    base: String,
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Serves `host` on a free port from `runtime`.
fn serve_on(runtime: Runtime, host: Host) -> Running {
    let host = Arc::new(host);
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    runtime.spawn(serve(listener, Arc::clone(&host)));
    Running {
        runtime,
        host,
        base,
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address").port()
}

/// A fresh directory under `BENCH_DIR` (default: the system's temporary
/// directory).
fn scratch(name: &str) -> PathBuf {
    let root = std::env::var_os("BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = root.join(format!("imbot-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Three nodes on fresh directories, once one of them leads.
fn start_cluster(dir: &std::path::Path) -> Vec<Running> {
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let peers: BTreeMap<u64, String> = (1..=3)
        .map(|id| (id, format!("127.0.0.1:{}", ports[id as usize - 1])))
        .collect();
    let nodes: Vec<Running> = (1..=3u64)
        .map(|id| {
            let config = Config {
                node_id: id,
                raft_addr: peers[&id].parse().expect("an address"),
                peers: peers.clone(),
                token: "bench".into(),
                data: dir.join(format!("n{id}")),
                snapshot_every: 100_000,
                keep_log: false,
                leader_wait: Duration::from_secs(5),
                timing: Timing::default(),
            };
            let runtime = runtime();
            let host = runtime
                .block_on(cluster::start(&world(), config, false))
                .expect("a node");
            serve_on(runtime, host)
        })
        .collect();
    leader(&nodes, Duration::from_secs(10)).expect("a leader");
    nodes
}

/// The index of the node that leads, as the nodes that run see it.
fn leader(nodes: &[Running], wait: Duration) -> Option<usize> {
    let until = Instant::now() + wait;
    while Instant::now() < until {
        for (i, node) in nodes.iter().enumerate() {
            let node = node.host.cluster().expect("a cluster node");
            let metrics = node.raft().metrics().borrow().clone();
            if metrics.current_leader == Some(metrics.id) && metrics.state.is_leader() {
                return Some(i);
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// Kills a fresh cluster's leader; the time until a surviving node
/// answers a write.
fn failover(trial: usize) -> Duration {
    let dir = scratch(&format!("failover-{trial}"));
    let mut nodes = start_cluster(&dir);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let like = |base: &str, n: u64| {
        let url = format!(
            "{base}/rest/1/w1/im.message.like?MESSAGE_ID={}",
            n % MESSAGES + 1
        );
        agent
            .get(&url)
            .call()
            .ok()
            .and_then(|mut a| a.body_mut().read_to_string().ok())
    };
    for n in 0..20 {
        like(&nodes[n % 3].base, n as u64);
    }
    let dead = leader(&nodes, Duration::from_secs(5)).expect("a leader");
    let survivor = nodes[(dead + 1) % 3].base.clone();
    let killed = nodes.remove(dead);
    let died = Instant::now();
    killed.runtime.shutdown_background();
    let mut n = 100;
    loop {
        n += 1;
        if like(&survivor, n).is_some_and(|b| b.starts_with(r#"{"result":true"#)) {
            break;
        }
    }
    let took = died.elapsed();
    drop(nodes);
    let _ = std::fs::remove_dir_all(&dir);
    took
}

fn main() {
    let arg = |i: usize, default: u64| {
        std::env::args()
            .nth(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let (seconds, rounds, failovers) = (arg(1, 2), arg(2, 3).max(1), arg(3, 5).max(1));
    let single_dir = scratch("single");
    // Neither side writes a snapshot during the measurement.
    let no_snapshots = DurableConfig {
        every_records: u64::MAX,
        every: Duration::from_secs(86_400),
    };
    let single = serve_on(
        runtime(),
        Host::durable_in(&world(), &single_dir, no_snapshots).expect("a durable host"),
    );
    let cluster_dir = scratch("cluster");
    let nodes = start_cluster(&cluster_dir);
    let lead = leader(&nodes, Duration::from_secs(5)).expect("a leader");
    let all: Vec<String> = nodes.iter().map(|n| n.base.clone()).collect();
    let (mut alone, mut leader_only, mut spread) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        alone.push(drive(std::slice::from_ref(&single.base), seconds));
        leader_only.push(drive(std::slice::from_ref(&all[lead]), seconds));
        spread.push(drive(&all, seconds));
        let last = |v: &Vec<f64>| v[v.len() - 1];
        println!(
            "round {round}: single --data {:>7.0}/s, cluster via leader {:>7.0}/s, via all nodes {:>7.0}/s",
            last(&alone),
            last(&leader_only),
            last(&spread)
        );
    }
    let (alone, leader_only, spread) = (
        median(&mut alone),
        median(&mut leader_only),
        median(&mut spread),
    );
    println!("median single host with --data: {alone:>7.0} committed likes/s");
    println!(
        "median 3 nodes, via the leader:  {leader_only:>7.0} committed likes/s ({:.0}%)",
        leader_only / alone * 100.0
    );
    println!(
        "median 3 nodes, via all nodes:   {spread:>7.0} committed likes/s ({:.0}%)",
        spread / alone * 100.0
    );
    drop(nodes);
    drop(single);
    let _ = std::fs::remove_dir_all(&cluster_dir);
    let _ = std::fs::remove_dir_all(&single_dir);
    let mut times: Vec<f64> = (0..failovers as usize)
        .map(|trial| {
            let took = failover(trial).as_secs_f64() * 1000.0;
            println!("failover {}: {took:.0} ms", trial + 1);
            took
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "failover: median {:.0} ms, worst {:.0} ms (leader death to the first committed write)",
        times[times.len() / 2],
        times[times.len() - 1]
    );
}
