//! Test harness for replicated hosts: `rest_host` processes in cluster
//! mode on loopback ports, killed with SIGKILL and restarted on the same
//! data directory and ports, cut off through the partition call.

#![allow(dead_code)]

pub mod history;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The token the nodes share.
pub const TOKEN: &str = "cluster-test-token";

/// A small seeded generator (xorshift64*): the seed replays a run.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is moved off).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A duration between `low` and `high` milliseconds.
    pub fn millis(&mut self, low: u64, high: u64) -> Duration {
        Duration::from_millis(low + self.below(high - low + 1))
    }
}

/// The seed: `CLUSTER_SEED`, else the clock's.
pub fn seed() -> u64 {
    std::env::var("CLUSTER_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
}

/// One node: its ports and, while it runs, its process.
struct NodeProc {
    id: u64,
    rest: u16,
    raft: u16,
    child: Option<(Child, ChildStdout)>,
}

/// A cluster of `rest_host` processes.
pub struct Cluster {
    dir: PathBuf,
    nodes: Vec<NodeProc>,
    extra: Vec<String>,
    agent: ureq::Agent,
}

/// Free loopback ports, all bound at once so they differ.
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<_> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

/// An HTTP agent that never waits long.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// A call's status and body, or `None` when no answer came.
pub fn call(agent: &ureq::Agent, url: &str, form: &str, key: Option<&str>) -> Option<(u16, Value)> {
    let mut request = agent
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let mut response = request.send(form).ok()?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().ok()?;
    Some((status, serde_json::from_str(&body).unwrap_or(Value::Null)))
}

impl Cluster {
    /// `voters` nodes (and `spare` more ports for nodes added later) in a
    /// fresh directory named after `name`, each started with `extra`.
    pub fn start(name: &str, voters: usize, spare: usize, extra: &[&str]) -> Self {
        let dir = std::env::temp_dir().join(format!("{name}-{}-{}", std::process::id(), seed()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ports = free_ports(2 * (voters + spare));
        let nodes = (0..voters + spare)
            .map(|i| NodeProc {
                id: i as u64 + 1,
                rest: ports[2 * i],
                raft: ports[2 * i + 1],
                child: None,
            })
            .collect();
        let mut cluster = Self {
            dir,
            nodes,
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
            agent: agent(Duration::from_secs(5)),
        };
        for i in 0..voters {
            cluster.spawn(i, voters);
        }
        cluster
    }

    /// The initial voters' `--peers`.
    fn peers(&self, voters: usize) -> String {
        let list: Vec<String> = self.nodes[..voters]
            .iter()
            .map(|n| format!("{}=127.0.0.1:{}", n.id, n.raft))
            .collect();
        list.join(",")
    }

    /// Starts node `i` (its peers the first `voters` nodes) and waits
    /// until it serves.
    pub fn spawn(&mut self, i: usize, voters: usize) {
        // A node added later lists the initial voters and itself: not the
        // lowest id, so it never initialises a cluster of its own.
        let peers = if i < voters {
            self.peers(voters)
        } else {
            format!(
                "{},{}={}",
                self.peers(voters),
                self.id(i),
                self.raft_addr(i)
            )
        };
        let node = &self.nodes[i];
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("n{}.log", node.id)))
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_rest_host"))
            .args([
                "--port",
                &node.rest.to_string(),
                "--node-id",
                &node.id.to_string(),
            ])
            .args([
                "--raft-addr",
                &format!("127.0.0.1:{}", node.raft),
                "--peers",
                &peers,
            ])
            .args([
                "--cluster-token",
                TOKEN,
                "--log",
                "warn,openraft::storage=info",
            ])
            .arg("--data")
            .arg(self.dir.join(format!("n{}", node.id)))
            .args(&self.extra)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(&mut stdout).read_line(&mut line).unwrap();
        assert!(
            line.starts_with("listening on"),
            "node {} did not start: {line:?} (see {})",
            node.id,
            self.dir.display()
        );
        self.nodes[i].child = Some((child, stdout));
    }

    /// Kills node `i` with SIGKILL.
    pub fn kill(&mut self, i: usize) {
        if let Some((mut child, _)) = self.nodes[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Whether node `i` runs.
    pub fn running(&self, i: usize) -> bool {
        self.nodes[i].child.is_some()
    }

    /// How many nodes there are (running or not).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Node `i`'s REST URL for `path`.
    pub fn url(&self, i: usize, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.nodes[i].rest)
    }

    /// Node `i`'s raft address.
    pub fn raft_addr(&self, i: usize) -> String {
        format!("127.0.0.1:{}", self.nodes[i].raft)
    }

    /// Node `i`'s id.
    pub fn id(&self, i: usize) -> u64 {
        self.nodes[i].id
    }

    /// Node `i`'s `/__cluster/status`, when it answers.
    pub fn status(&self, i: usize) -> Option<Value> {
        let mut response = self
            .agent
            .get(&self.url(i, "/__cluster/status"))
            .call()
            .ok()?;
        serde_json::from_str(&response.body_mut().read_to_string().ok()?).ok()
    }

    /// Node `i`'s `/__control/world`.
    pub fn world(&self, i: usize) -> Value {
        let mut response = self
            .agent
            .get(&self.url(i, "/__control/world"))
            .call()
            .unwrap();
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
    }

    /// GETs node `i`'s control path: status and JSON body, when it
    /// answers.
    pub fn get(&self, i: usize, path: &str) -> Result<(u16, Value), String> {
        let mut response = self
            .agent
            .get(&self.url(i, path))
            .call()
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .map_err(|e| e.to_string())?;
        Ok((
            status,
            serde_json::from_str(&body).map_err(|e| e.to_string())?,
        ))
    }

    /// Node `i`'s committed log, read page by page from index 0 through
    /// `GET /__cluster/log`, with its secrets (the commands in hex).
    pub fn log(&self, i: usize) -> Result<Vec<Value>, String> {
        let mut entries = Vec::new();
        let mut from = 0;
        loop {
            let path = format!("/__cluster/log?from={from}&limit=1024&secrets=1");
            let (status, body) = self
                .get(i, &path)
                .map_err(|e| format!("node {}: {path}: {e}", self.id(i)))?;
            if status != 200 {
                return Err(format!(
                    "node {}: {path} answered {status} {body}",
                    self.id(i)
                ));
            }
            let page = &body["result"];
            entries.extend(page["entries"].as_array().cloned().unwrap_or_default());
            match page["next"].as_u64() {
                Some(next) if next > from => from = next,
                _ => return Ok(entries),
            }
        }
    }

    /// POSTs JSON to node `i`'s control path.
    pub fn control(&self, i: usize, path: &str, body: &str) -> (u16, Value) {
        let mut response = self
            .agent
            .post(&self.url(i, path))
            .header("content-type", "application/json")
            .send(body)
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            serde_json::from_str(&response.body_mut().read_to_string().unwrap())
                .unwrap_or(Value::Null),
        )
    }

    /// Cuts node `i` off its peers, or reconnects it.
    pub fn cut(&self, i: usize, cut: bool) {
        let (status, _) = self.control(i, "/__cluster/partition", &format!("{{\"cut\": {cut}}}"));
        assert_eq!(status, 200, "partition call on node {}", self.id(i));
    }

    /// The node every running node names as leader, within `wait`.
    pub fn leader(&self, wait: Duration) -> Option<usize> {
        let until = Instant::now() + wait;
        while Instant::now() < until {
            if let Some(leader) = self.agreed_leader() {
                return Some(leader);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    fn agreed_leader(&self) -> Option<usize> {
        let mut named = None;
        for i in (0..self.len()).filter(|&i| self.running(i)) {
            let id = self.status(i)?.get("leader_id")?.as_u64()?;
            if named.is_some_and(|n| n != id) {
                return None;
            }
            named = Some(id);
        }
        let index = self.nodes.iter().position(|n| Some(n.id) == named)?;
        (self.running(index) && self.status(index)?["state"] == "Leader").then_some(index)
    }

    /// Waits until every running node has applied the same last entry
    /// under one leader; false after `wait`.
    pub fn settled(&self, wait: Duration) -> bool {
        let until = Instant::now() + wait;
        while Instant::now() < until {
            let views: Option<Vec<(Value, Value)>> = (0..self.len())
                .filter(|&i| self.running(i))
                .map(|i| {
                    self.status(i)
                        .map(|s| (s["last_applied"].clone(), s["leader_id"].clone()))
                })
                .collect();
            if let Some(views) = views {
                if views.windows(2).all(|w| w[0] == w[1]) && !views[0].1.is_null() {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Where the nodes' data and logs are.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
