//! The replicated host under failures: three `rest_host` processes in
//! cluster mode on loopback, concurrent clients calling random nodes,
//! while the leader is killed with SIGKILL and restarted, a follower is
//! killed and restarted, and one node is cut off and reconnected.
//!
//! Afterwards every node's state dump is identical, every acknowledged
//! change is on every node, and every acknowledged answer agrees with a
//! model of its object (a client's own message, liked and unliked by one
//! client at a time, whose answers must follow real-time order). Seeded:
//! `CLUSTER_SEED=N` replays a run's choices, and a failure prints it.
//! `CLUSTER_ROUNDS` sets the number of fault rounds (2 by default; each
//! round kills the leader, kills a follower and cuts a node off).

mod cluster_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cluster_support::{Cluster, Rng, agent, call, seed};
use serde_json::Value;

/// One test at a time: each starts several processes.
static SERIAL: Mutex<()> = Mutex::new(());

const CLIENTS: usize = 6;

/// What a client saw acknowledged.
#[derive(Default)]
struct Seen {
    /// Messages posted: id → text.
    posts: BTreeMap<u64, String>,
    /// Messages bot 40 liked through a keyed call.
    keyed_likes: Vec<u64>,
    /// The client's own message and whether bot 39 likes it (None:
    /// unknown after an unanswered call).
    toggle: Option<(u64, Option<bool>)>,
    /// Answers that broke the model.
    violations: Vec<String>,
    acknowledged: u64,
    unanswered: u64,
}

/// An answer that was given: success (`result`) or a refusal (`error`).
fn definite(answer: &Option<(u16, Value)>) -> Option<&Value> {
    match answer {
        Some((200 | 400, body)) => Some(body),
        _ => None,
    }
}

struct Client {
    id: usize,
    rng: Rng,
    urls: Vec<String>,
    agent: ureq::Agent,
    seen: Seen,
    n: u64,
}

impl Client {
    fn url(&mut self, method: &str) -> String {
        let node = self.rng.below(self.urls.len() as u64) as usize;
        format!("{}/rest/{method}", self.urls[node])
    }

    fn note(&mut self, answer: &Option<(u16, Value)>) {
        if definite(answer).is_some() {
            self.seen.acknowledged += 1;
        } else {
            self.seen.unanswered += 1;
        }
    }

    /// Posts a message as bot 39 into chat 7; its id when acknowledged.
    fn post(&mut self) -> Option<u64> {
        self.n += 1;
        let text = format!("c{}-{}", self.id, self.n);
        let url = self.url("imbot.message.add");
        let form = format!("auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE={text}");
        let answer = call(&self.agent, &url, &form, None);
        self.note(&answer);
        let id = definite(&answer)?.get("result")?.as_u64()?;
        self.seen.posts.insert(id, text);
        Some(id)
    }

    /// Bot 40 likes one of the client's messages under a key, then the
    /// same key is sent again to another node: both answers must agree.
    fn keyed_like(&mut self) {
        let posts: Vec<u64> = self.seen.posts.keys().copied().collect();
        if posts.is_empty() {
            return;
        }
        let message = posts[self.rng.below(posts.len() as u64) as usize];
        self.n += 1;
        let key = format!("c{}-k{}", self.id, self.n);
        let form = format!("auth=t-other&BOT_ID=40&MESSAGE_ID={message}&ACTION=plus");
        let mut first: Option<Value> = None;
        for _ in 0..4 {
            let url = self.url("imbot.message.like");
            let answer = call(&self.agent, &url, &form, Some(&key));
            self.note(&answer);
            let Some(body) = definite(&answer) else {
                continue;
            };
            let outcome = body.get("result").or_else(|| body.get("error")).cloned();
            match &first {
                None => first = outcome,
                Some(was) if Some(was) != outcome.as_ref() => self
                    .seen
                    .violations
                    .push(format!("key {key}: answered {was} and then {outcome:?}")),
                Some(_) => break,
            }
        }
        if first == Some(Value::Bool(true)) {
            self.seen.keyed_likes.push(message);
        }
    }

    /// Bot 39 likes or unlikes the client's own message, without a key;
    /// the answer must follow from the last known state.
    fn toggle(&mut self) {
        let Some((message, state)) = self.seen.toggle else {
            self.seen.toggle = self.post().map(|id| (id, Some(false)));
            return;
        };
        let plus = self.rng.below(2) == 0;
        let action = if plus { "plus" } else { "minus" };
        let url = self.url("imbot.message.like");
        let form = format!("auth=t-demo&BOT_ID=39&MESSAGE_ID={message}&ACTION={action}");
        let answer = call(&self.agent, &url, &form, None);
        self.note(&answer);
        let Some(body) = definite(&answer) else {
            self.seen.toggle = Some((message, None));
            return;
        };
        let changed = body.get("result") == Some(&Value::Bool(true));
        if let Some(liked) = state {
            if changed != (plus != liked) {
                self.seen.violations.push(format!(
                    "message {message}: {action} answered {body} while liked was {liked}"
                ));
            }
        }
        self.seen.toggle = Some((message, Some(plus)));
    }

    fn run(mut self, stop: &AtomicBool) -> Seen {
        while !stop.load(Ordering::SeqCst) {
            match self.rng.below(3) {
                0 => drop(self.post()),
                1 => self.keyed_like(),
                _ => self.toggle(),
            }
        }
        self.seen
    }
}

/// Kills the leader and restarts it once a new leader serves.
fn kill_leader(cluster: &mut Cluster, rng: &mut Rng) -> Result<(), String> {
    let leader = cluster
        .leader(Duration::from_secs(20))
        .ok_or("no leader before the kill")?;
    cluster.kill(leader);
    std::thread::sleep(rng.millis(300, 1200));
    cluster
        .leader(Duration::from_secs(20))
        .ok_or("no new leader after the kill")?;
    cluster.spawn(leader, 3);
    Ok(())
}

/// Kills a follower and restarts it.
fn kill_follower(cluster: &mut Cluster, rng: &mut Rng) -> Result<(), String> {
    let leader = cluster.leader(Duration::from_secs(20)).ok_or("no leader")?;
    let follower = (leader + 1 + rng.below(2) as usize) % 3;
    cluster.kill(follower);
    std::thread::sleep(rng.millis(300, 1500));
    cluster.spawn(follower, 3);
    Ok(())
}

/// Cuts a node off (the leader half of the time) and reconnects it.
fn partition(cluster: &mut Cluster, rng: &mut Rng) -> Result<(), String> {
    let leader = cluster.leader(Duration::from_secs(20)).ok_or("no leader")?;
    let node = if rng.below(2) == 0 {
        leader
    } else {
        (leader + 1) % 3
    };
    cluster.cut(node, true);
    std::thread::sleep(rng.millis(500, 1500));
    cluster.cut(node, false);
    Ok(())
}

/// Every node's dump, checked against what the clients saw.
fn check(cluster: &Cluster, seen: &[Seen]) -> Result<(), String> {
    let worlds: Vec<Value> = (0..3).map(|i| cluster.world(i)).collect();
    if worlds.iter().any(|w| *w != worlds[0]) {
        return Err("the nodes' state dumps differ".into());
    }
    let messages: BTreeMap<u64, &Value> = worlds[0]["messages"]
        .as_array()
        .ok_or("no messages in the dump")?
        .iter()
        .filter_map(|m| Some((m["id"].as_u64()?, m)))
        .collect();
    let likes = |id: u64, bot: u64| {
        messages
            .get(&id)
            .and_then(|m| m["likes"].as_array())
            .is_some_and(|l| l.contains(&Value::from(bot)))
    };
    for client in seen {
        if let Some(v) = client.violations.first() {
            return Err(v.clone());
        }
        for (id, text) in &client.posts {
            let found = messages.get(id).map(|m| &m["text"]);
            if found != Some(&Value::from(text.as_str())) {
                return Err(format!("acknowledged message {id} ({text}) is {found:?}"));
            }
        }
        if let Some(&id) = client.keyed_likes.iter().find(|&&id| !likes(id, 40)) {
            return Err(format!(
                "acknowledged keyed like of message {id} is missing"
            ));
        }
        if let Some((id, Some(liked))) = client.toggle {
            if likes(id, 39) != liked {
                return Err(format!(
                    "message {id}: liked is {}, acknowledged {liked}",
                    !liked
                ));
            }
        }
    }
    Ok(())
}

/// Runs the clients while `faults` run; returns what they saw.
fn under_load(
    cluster: &mut Cluster,
    seed: u64,
    faults: impl FnOnce(&mut Cluster) -> Result<(), String>,
) -> Result<Vec<Seen>, String> {
    let stop = Arc::new(AtomicBool::new(false));
    let urls: Vec<String> = (0..3).map(|i| cluster.url(i, "")).collect();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|id| {
            let client = Client {
                id,
                rng: Rng::new(seed ^ (id as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                urls: urls.clone(),
                agent: agent(Duration::from_secs(8)),
                seen: Seen::default(),
                n: 0,
            };
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || client.run(&stop))
        })
        .collect();
    let outcome = faults(cluster);
    stop.store(true, Ordering::SeqCst);
    let seen: Vec<Seen> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    outcome.map(|()| seen)
}

#[test]
fn acknowledged_changes_survive_leader_kills_follower_kills_and_partitions() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let seed = seed();
    let rounds: u64 = std::env::var("CLUSTER_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(2);
    eprintln!("cluster failure test: CLUSTER_SEED={seed} CLUSTER_ROUNDS={rounds}");
    let started = Instant::now();
    let mut cluster = Cluster::start(
        "cluster-failures",
        3,
        0,
        &["--leader-wait", "3", "--snapshot-every", "200"],
    );
    let mut rng = Rng::new(seed);
    let mut done = (0, 0, 0);
    let seen = under_load(&mut cluster, seed, |cluster| {
        for _ in 0..rounds {
            std::thread::sleep(rng.millis(200, 800));
            kill_leader(cluster, &mut rng)?;
            done.0 += 1;
            std::thread::sleep(rng.millis(200, 800));
            kill_follower(cluster, &mut rng)?;
            done.1 += 1;
            std::thread::sleep(rng.millis(200, 800));
            partition(cluster, &mut rng)?;
            done.2 += 1;
        }
        std::thread::sleep(Duration::from_millis(500));
        Ok(())
    });
    let seen = seen.unwrap_or_else(|e| {
        panic!(
            "CLUSTER_SEED={seed}: {e} (logs in {})",
            cluster.dir().display()
        )
    });
    assert!(
        cluster.settled(Duration::from_secs(30)),
        "CLUSTER_SEED={seed}: the nodes did not converge (logs in {})",
        cluster.dir().display()
    );
    if let Err(e) = check(&cluster, &seen) {
        panic!(
            "CLUSTER_SEED={seed}: {e} (logs in {})",
            cluster.dir().display()
        );
    }
    let acknowledged: u64 = seen.iter().map(|s| s.acknowledged).sum();
    let unanswered: u64 = seen.iter().map(|s| s.unanswered).sum();
    let posts: usize = seen.iter().map(|s| s.posts.len()).sum();
    eprintln!(
        "survived {} leader kills, {} follower kills, {} partitions in {:.1}s: \
         {acknowledged} answered calls ({posts} posts), {unanswered} unanswered",
        done.0,
        done.1,
        done.2,
        started.elapsed().as_secs_f64()
    );
    assert!(
        posts > 0 && acknowledged > 20,
        "CLUSTER_SEED={seed}: too little got through"
    );
}

#[test]
fn a_learner_catches_up_is_promoted_and_a_voter_is_removed() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Snapshots every 20 entries: the new node catches up from a snapshot.
    let mut cluster = Cluster::start("cluster-membership", 3, 1, &["--snapshot-every", "20"]);
    let leader = cluster.leader(Duration::from_secs(20)).expect("a leader");
    let client = agent(Duration::from_secs(8));
    for n in 0..60 {
        let form = format!("auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=m{n}");
        let answer = call(
            &client,
            &cluster.url(n % 3, "/rest/imbot.message.add"),
            &form,
            None,
        );
        assert_eq!(answer.map(|a| a.0), Some(200));
    }
    cluster.spawn(3, 3);
    let body = format!("{{\"node_id\": 4, \"addr\": \"{}\"}}", cluster.raft_addr(3));
    let (status, answer) = cluster.control(leader, "/__cluster/learner", &body);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["learners"][0]["id"], 4);
    let follower = (leader + 1) % 3;
    let (status, answer) = cluster.control(follower, "/__cluster/promote", "{\"node_id\": 4}");
    assert_eq!(
        (status, answer["error"].as_str()),
        (409, Some("NOT_LEADER"))
    );
    let (status, answer) = cluster.control(leader, "/__cluster/promote", "{\"node_id\": 4}");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["voters"].as_array().map(Vec::len), Some(4));
    let removed = (leader + 2) % 3;
    let body = format!("{{\"node_id\": {}}}", cluster.id(removed));
    let (status, answer) = cluster.control(leader, "/__cluster/remove", &body);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["voters"].as_array().map(Vec::len), Some(3));
    cluster.kill(removed);
    let form = "auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=after";
    let answer = call(
        &client,
        &cluster.url(3, "/rest/imbot.message.add"),
        form,
        None,
    );
    assert_eq!(
        answer.map(|a| a.0),
        Some(200),
        "the new voter serves writes"
    );
    assert!(cluster.settled(Duration::from_secs(20)));
    let status = cluster.status(3).expect("the new node answers");
    assert!(
        status["snapshot"].as_u64().is_some(),
        "caught up from a snapshot: {status}"
    );
    let worlds: Vec<Value> = [leader, follower, 3]
        .iter()
        .map(|&i| cluster.world(i))
        .collect();
    assert!(
        worlds.iter().all(|w| *w == worlds[0]),
        "the remaining nodes' dumps differ"
    );
}
