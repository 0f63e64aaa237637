//! The replicated host under failures: three `rest_host` processes in
//! cluster mode on loopback, concurrent clients calling random nodes,
//! while the leader is killed with SIGKILL and restarted, a follower is
//! killed and restarted, and one node is cut off and reconnected.
//!
//! The clients post messages, like them through keyed and unkeyed calls,
//! and add and delete reactions, keyed and unkeyed. Afterwards every
//! node serves the same committed log (`GET /__cluster/log`), and that
//! log, replayed from the seed world through a fresh `HostState`, is the
//! reference model: every answered call's answer is what the replay
//! gives for the entry that carries it, no answered change is missing
//! from the log, no entry lacks its call, a call answered before another
//! began sits earlier in the log, and every node's state dump is the
//! replay's (see `cluster_support::history` for how entries are matched
//! to calls). Seeded: `CLUSTER_SEED=N` replays a run's choices, and a
//! failure prints it. `CLUSTER_ROUNDS` sets the number of fault rounds
//! (2 by default; each round kills the leader, kills a follower and cuts
//! a node off).

mod cluster_support;

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cluster_support::history::{self, Call, Counts, Key, Stream};
use cluster_support::{Cluster, Rng, agent, call, seed};
use serde_json::Value;

/// One test at a time: each starts several processes.
static SERIAL: Mutex<()> = Mutex::new(());

const CLIENTS: usize = 6;

/// One client: calls one at a time, on messages of its own.
struct Client {
    id: usize,
    rng: Rng,
    urls: Vec<String>,
    agent: ureq::Agent,
    calls: Vec<Call>,
    n: u64,
    /// The client's messages, by id.
    posts: Vec<u64>,
    /// The message bot 39 likes and unlikes without a key (dropped once
    /// a call on it goes unanswered).
    liking: Option<u64>,
    /// The message bot 39 reacts on without a key (dropped the same way).
    reacting: Option<u64>,
}

impl Client {
    /// Calls `method` on a random node and records the call; its answer
    /// (`result` or the error's code) when one came.
    fn send(
        &mut self,
        method: &str,
        form: &str,
        stream: Stream,
        key: Option<Key>,
        action: String,
    ) -> Option<Value> {
        let node = self.rng.below(self.urls.len() as u64) as usize;
        let url = format!("{}/rest/{method}", self.urls[node]);
        let began = Instant::now();
        let reply = call(
            &self.agent,
            &url,
            form,
            key.as_ref().map(|k| k.text.as_str()),
        );
        let ended = Instant::now();
        let answer = reply.and_then(|(status, body)| history::observed(status, &body));
        self.calls.push(Call {
            client: self.id,
            stream,
            key,
            action,
            began,
            ended,
            answer: answer.clone(),
        });
        answer
    }

    /// Posts a message as bot 39 into chat 7; its id when answered.
    fn post(&mut self) -> Option<u64> {
        self.n += 1;
        let text = format!("c{}-{}", self.id, self.n);
        let form = format!("auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE={text}");
        let answer = self.send(
            "imbot.message.add",
            &form,
            Stream::Post(text),
            None,
            String::new(),
        );
        let id = answer?.get("result")?.as_u64()?;
        self.posts.push(id);
        Some(id)
    }

    /// One of the client's messages, posting one when it has none.
    fn own_message(&mut self) -> Option<u64> {
        if self.posts.is_empty() {
            return self.post();
        }
        Some(self.posts[self.rng.below(self.posts.len() as u64) as usize])
    }

    /// Bot 40 likes or reacts on one of the client's messages under a
    /// key, sent up to four times to random nodes until two answers came.
    fn keyed(&mut self) {
        let Some(message) = self.own_message() else {
            return;
        };
        self.n += 1;
        let key = Key {
            text: format!("c{}-k{}", self.id, self.n),
            bot: 40,
        };
        let (method, form, action) = if self.rng.below(2) == 0 {
            let form = format!("auth=t-other&BOT_ID=40&MESSAGE_ID={message}&ACTION=plus");
            ("imbot.message.like", form, "plus".to_owned())
        } else {
            let (method, step, code) = self.reaction();
            let form = format!("auth=t-other&botId=40&messageId={message}&reaction={code}");
            (method, form, format!("{step} {code}"))
        };
        let action = format!("{action} by 40 on {message}");
        let mut answers = 0;
        for _ in 0..4 {
            let stream = Stream::Keyed(0);
            if self
                .send(method, &form, stream, Some(key.clone()), action.clone())
                .is_some()
            {
                answers += 1;
                if answers == 2 {
                    break;
                }
            }
        }
    }

    /// A random reaction call: its method, step and code.
    fn reaction(&mut self) -> (&'static str, &'static str, &'static str) {
        let code = history::codes()[self.rng.below(2) as usize];
        if self.rng.below(2) == 0 {
            ("imbot.v2.Chat.Message.Reaction.add", "add", code)
        } else {
            ("imbot.v2.Chat.Message.Reaction.delete", "delete", code)
        }
    }

    /// Bot 39 likes or unlikes the client's liking message, without a key.
    fn like(&mut self) {
        let Some(message) = self.liking.or_else(|| self.post()) else {
            return;
        };
        let action = if self.rng.below(2) == 0 {
            "plus"
        } else {
            "minus"
        };
        let form = format!("auth=t-demo&BOT_ID=39&MESSAGE_ID={message}&ACTION={action}");
        let stream = Stream::Like { bot: 39, message };
        let answered = self.send("imbot.message.like", &form, stream, None, action.into());
        self.liking = answered.map(|_| message);
    }

    /// Bot 39 adds or deletes a reaction on the client's reacting
    /// message, without a key.
    fn react(&mut self) {
        let Some(message) = self.reacting.or_else(|| self.post()) else {
            return;
        };
        let (method, step, code) = self.reaction();
        let form = format!("auth=t-demo&botId=39&messageId={message}&reaction={code}");
        let stream = Stream::Reaction { bot: 39, message };
        let answered = self.send(method, &form, stream, None, format!("{step} {code}"));
        self.reacting = answered.map(|_| message);
    }

    fn run(mut self, stop: &AtomicBool) -> Vec<Call> {
        while !stop.load(Ordering::SeqCst) {
            match self.rng.below(4) {
                0 => drop(self.post()),
                1 => self.keyed(),
                2 => self.like(),
                _ => self.react(),
            }
        }
        self.calls
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

/// The nodes' logs and dumps, checked against the clients' calls with
/// the replayed log as the reference model.
fn check(cluster: &Cluster, mut calls: Vec<Call>) -> Result<Counts, String> {
    let logs = (0..3)
        .map(|i| cluster.log(i))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(i) = (1..3).find(|&i| logs[i] != logs[0]) {
        return Err(format!(
            "node {} serves another committed log than node {} ({} and {} entries)",
            cluster.id(i),
            cluster.id(0),
            logs[i].len(),
            logs[0].len()
        ));
    }
    let posts: Vec<String> = calls
        .iter()
        .filter_map(|c| match &c.stream {
            Stream::Post(text) => Some(text.clone()),
            _ => None,
        })
        .collect();
    let (replayed, state) = history::replay(&logs[0], &posts)?;
    history::resolve(&mut calls);
    let counts = history::check(&calls, &replayed)?;
    let model = history::dump(state);
    for i in 0..3 {
        let world = cluster.world(i);
        if let Some(part) = differing(&world, &model) {
            return Err(format!(
                "node {}'s state dump is not the replayed log's: {part}",
                cluster.id(i)
            ));
        }
    }
    Ok(counts)
}

/// Where two dumps first differ: the part's name and both values.
fn differing(node: &Value, model: &Value) -> Option<String> {
    let (Some(node), Some(model)) = (node.as_object(), model.as_object()) else {
        return (node != model).then(|| format!("{node} against {model}"));
    };
    let mut parts: Vec<&String> = node.keys().chain(model.keys()).collect();
    parts.dedup();
    parts.into_iter().find_map(|part| {
        let (a, b) = (&node.get(part), &model.get(part));
        (a != b).then(|| format!("{part}: {a:?} against {b:?}"))
    })
}

/// Runs the clients while `faults` run; returns their calls.
fn under_load(
    cluster: &mut Cluster,
    seed: u64,
    faults: impl FnOnce(&mut Cluster) -> Result<(), String>,
) -> Result<Vec<Call>, String> {
    let stop = Arc::new(AtomicBool::new(false));
    let urls: Vec<String> = (0..3).map(|i| cluster.url(i, "")).collect();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|id| {
            let client = Client {
                id,
                rng: Rng::new(seed ^ (id as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                urls: urls.clone(),
                agent: agent(Duration::from_secs(8)),
                calls: Vec::new(),
                n: 0,
                posts: Vec::new(),
                liking: None,
                reacting: None,
            };
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || client.run(&stop))
        })
        .collect();
    let outcome = faults(cluster);
    stop.store(true, Ordering::SeqCst);
    let calls = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    outcome.map(|()| calls)
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
        &[
            "--leader-wait",
            "3",
            "--snapshot-every",
            "200",
            "--keep-log",
        ],
    );
    let mut rng = Rng::new(seed);
    let mut done = (0, 0, 0);
    let calls = under_load(&mut cluster, seed, |cluster| {
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
    let calls = calls.unwrap_or_else(|e| {
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
    let counts = check(&cluster, calls).unwrap_or_else(|e| {
        panic!(
            "CLUSTER_SEED={seed}: {e} (logs in {})",
            cluster.dir().display()
        )
    });
    eprintln!(
        "survived {} leader kills, {} follower kills, {} partitions in {:.1}s: \
         {} calls ({} answered) on {} streams, {} committed commands replayed",
        done.0,
        done.1,
        done.2,
        started.elapsed().as_secs_f64(),
        counts.calls,
        counts.answered,
        counts.streams,
        counts.entries
    );
    assert!(
        counts.answered > 20,
        "CLUSTER_SEED={seed}: too little got through"
    );
}

/// Without `--keep-log` a snapshot purges the entries it holds: the log
/// export answers 410 for them, serves the rest a page at a time, and
/// refuses a page size out of bounds.
///
/// A snapshot still being built may purge more between two reads, so the
/// first index kept is read again while the page after it is purged.
fn purged_entries_are_refused_by_the_log_export(cluster: &Cluster, node: usize) {
    let mut tries = 0;
    let (first, body) = loop {
        let (status, body) = cluster.get(node, "/__cluster/log?from=0").unwrap();
        assert_eq!((status, body["error"].as_str()), (410, Some("LOG_PURGED")));
        let first = body["first"].as_u64().expect("the first index kept");
        let (status, body) = cluster
            .get(node, &format!("/__cluster/log?from={first}&limit=2"))
            .unwrap();
        let moved = body["first"].as_u64().is_some_and(|now| now > first);
        tries += 1;
        if status == 410 && moved && tries < 20 {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        assert_eq!(status, 200, "{body}");
        break (first, body);
    };
    let entries = body["result"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["index"].as_u64(), Some(first));
    assert_eq!(body["result"]["next"].as_u64(), Some(first + 2));
    let (status, _) = cluster.get(node, "/__cluster/log?limit=5000").unwrap();
    assert_eq!(status, 400);
}

#[test]
fn a_learner_catches_up_is_promoted_and_a_voter_is_removed() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Snapshots every 20 entries: the new node catches up from a snapshot.
    let mut cluster = Cluster::start("cluster-membership", 3, 1, &["--snapshot-every", "20"]);
    let leader = cluster.leader(Duration::from_secs(20)).expect("a leader");
    let client = agent(Duration::from_secs(8));
    let post = |n: usize| {
        let form = format!("auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=m{n}");
        let answer = call(
            &client,
            &cluster.url(n % 3, "/rest/imbot.message.add"),
            &form,
            None,
        );
        assert_eq!(answer.map(|a| a.0), Some(200));
    };
    (0..60).for_each(post);
    // A snapshot is built on a task of its own and a purge follows it, so
    // the start of the leader's log may still be there after the last
    // write; only a commit starts the next snapshot. Writes go on until
    // the leader has purged, so the new node can only catch up from a
    // snapshot sent over the wire.
    let purged = || cluster.get(leader, "/__cluster/log?from=0").unwrap().0 == 410;
    let until = std::time::Instant::now() + Duration::from_secs(30);
    let mut n = 60;
    while !purged() {
        assert!(
            std::time::Instant::now() < until,
            "the leader purged no entry after {n} writes"
        );
        post(n);
        n += 1;
        std::thread::sleep(Duration::from_millis(20));
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
    purged_entries_are_refused_by_the_log_export(&cluster, leader);
    let worlds: Vec<Value> = [leader, follower, 3]
        .iter()
        .map(|&i| cluster.world(i))
        .collect();
    assert!(
        worlds.iter().all(|w| *w == worlds[0]),
        "the remaining nodes' dumps differ"
    );
}

/// The events a bot's handler is sent for a call in cluster mode go out
/// from the node the call went to, once its command is committed, and
/// from no other node (each node applies the command, only one sends).
#[test]
fn the_node_a_call_went_to_pushes_its_events() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let cluster = Cluster::start("cluster-events", 3, 0, &[]);
    cluster.leader(Duration::from_secs(20)).expect("a leader");
    let client = agent(Duration::from_secs(8));
    let bot = echo_bot(&cluster, &client);
    let post = format!("DIALOG_ID={bot}&MESSAGE=hello+bot");
    let posted = call(
        &client,
        &cluster.url(1, "/rest/2/w-other/im.message.add"),
        &post,
        None,
    );
    assert_eq!(posted.map(|(status, _)| status), Some(200));
    assert!(cluster.settled(Duration::from_secs(20)));
    let events = |i: usize| pushed_events(&cluster, i);
    assert_eq!(events(1), ["ONIMBOTJOINCHAT", "ONIMBOTMESSAGEADD"]);
    assert!(events(0).is_empty() && events(2).is_empty());
}

/// Registers bot `echo` through node 0 and gives its id. Nothing listens
/// on its handler's port 9 (discard): its events are only recorded and
/// tried, which is all the tests look at.
fn echo_bot(cluster: &Cluster, client: &ureq::Agent) -> u64 {
    let register = "CODE=echo&PROPERTIES[NAME]=Echo&CLIENT_ID=echo.app\
                    &EVENT_HANDLER=http://127.0.0.1:9/bot";
    let registered = call(
        client,
        &cluster.url(0, "/rest/1/w-demo/imbot.register"),
        register,
        None,
    );
    let bot = registered.and_then(|(_, body)| body["result"].as_u64());
    bot.expect("the bot is registered")
}

/// The events node `i` has pushed to bots' handlers, by name, in order.
fn pushed_events(cluster: &Cluster, i: usize) -> Vec<String> {
    let (status, body) = cluster.get(i, "/__control/deliveries").unwrap();
    assert_eq!(status, 200);
    let list = body["result"].as_array().cloned().unwrap_or_default();
    list.iter()
        .map(|d| d["event"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A node keeps the answer of a command only while one of its own calls
/// waits for it: reads sent through one node leave no answer behind on
/// any node, though every node applies every read.
#[test]
fn only_the_node_a_call_waits_on_keeps_its_answer() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let cluster = Cluster::start("cluster-answers", 3, 0, &[]);
    let leader = cluster.leader(Duration::from_secs(20)).expect("a leader");
    let client = agent(Duration::from_secs(8));
    let post = "auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=read+me";
    let posted = call(
        &client,
        &cluster.url(leader, "/rest/imbot.message.add"),
        post,
        None,
    );
    assert_eq!(posted.map(|a| a.0), Some(200));
    let follower = (leader + 1) % 3;
    for node in [follower, leader] {
        let url = cluster.url(node, "/rest/1/w-demo/im.dialog.messages.get");
        for _ in 0..100 {
            let read = call(&client, &url, "DIALOG_ID=chat7", None);
            let (status, body) = read.expect("the read is answered");
            assert_eq!(status, 200, "{body}");
            assert!(!body["result"]["messages"].as_array().unwrap().is_empty());
        }
    }
    assert!(cluster.settled(Duration::from_secs(20)));
    for i in 0..3 {
        let status = cluster.status(i).expect("the node answers");
        assert_eq!(
            status["kept_answers"].as_u64(),
            Some(0),
            "node {} keeps answers no call waits for: {status}",
            cluster.id(i)
        );
    }
}

/// The log export shows no credential unless asked for its secrets by a
/// loopback peer: the token a call authenticated with is not kept in its
/// command at all, and a bot token, a webhook's code and a new bot
/// token's randomness are masked in the readable form, with no hex
/// command beside it. With `secrets=1` the commands replay to the state
/// every node holds.
#[test]
fn the_log_export_masks_credentials_unless_asked_for_secrets() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let cluster = Cluster::start("cluster-export", 3, 0, &[]);
    cluster.leader(Duration::from_secs(20)).expect("a leader");
    let client = agent(Duration::from_secs(8));
    let post = "auth=t-demo&BOT_ID=39&BOT_TOKEN=bt-hidden&DIALOG_ID=chat7&MESSAGE=masked";
    let posted = call(
        &client,
        &cluster.url(1, "/rest/imbot.message.add"),
        post,
        None,
    );
    assert_eq!(posted.map(|a| a.0), Some(200));
    let register = "CODE=echo&PROPERTIES[NAME]=Echo&CLIENT_ID=echo.app\
                    &EVENT_HANDLER=http://127.0.0.1:9/bot";
    let registered = call(
        &client,
        &cluster.url(2, "/rest/1/w-demo/imbot.register"),
        register,
        None,
    );
    let (status, body) = registered.expect("the registration is answered");
    assert_eq!(status, 200, "{body}");
    assert!(cluster.settled(Duration::from_secs(20)));
    for i in 0..3 {
        let (status, body) = cluster.get(i, "/__cluster/log?limit=1024").unwrap();
        assert_eq!(status, 200, "{body}");
        let text = body.to_string();
        for secret in ["t-demo", "bt-hidden", "w-demo"] {
            assert!(!text.contains(secret), "node {i} shows {secret}: {text}");
        }
        assert!(
            text.contains("masked") && !text.contains("\"command\""),
            "{text}"
        );
    }
    let log = cluster.log(0).expect("the log with its secrets");
    let text = serde_json::to_string(&log).unwrap();
    assert!(
        text.contains("bt-hidden") && !text.contains("t-demo"),
        "{text}"
    );
    let (_, state) =
        history::replay(&log, &["masked".to_owned(), "echo".to_owned()]).expect("the log replays");
    let model = history::dump(state);
    for i in 0..3 {
        assert_eq!(differing(&cluster.world(i), &model), None, "node {i}");
    }
}

/// A client that goes away while its call waits for the commit does not
/// stop the node it called from sending the call's events: every post
/// that reached the log is pushed to the bot by that node, and by no
/// other.
#[test]
fn a_committed_call_pushes_its_events_after_its_client_went_away() {
    use std::io::Write;
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let cluster = Cluster::start("cluster-gone", 3, 0, &[]);
    cluster.leader(Duration::from_secs(20)).expect("a leader");
    let client = agent(Duration::from_secs(8));
    let bot = echo_bot(&cluster, &client);
    let markers: Vec<String> = (0..12).map(|k| format!("gone{k}marker")).collect();
    let address = cluster.url(1, "").trim_start_matches("http://").to_owned();
    for (wait, marker) in (1..).zip(&markers) {
        let body = format!("DIALOG_ID={bot}&MESSAGE={marker}");
        let request = format!(
            "POST /rest/2/w-other/im.message.add HTTP/1.1\r\nHost: {address}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        // Gone after 1 to 12 ms: some calls have begun and wait for
        // their commit (two syncs and the hops between nodes), some may
        // be answered already. A connection closed at once takes its
        // call with it before the call begins: nothing is committed.
        std::thread::sleep(Duration::from_millis(wait));
        drop(stream);
    }
    let committed = committed_when_quiet(&cluster, &markers);
    assert!(committed > 0, "no post reached the log");
    let added = |i: usize| {
        let events = pushed_events(&cluster, i);
        events.iter().filter(|e| *e == "ONIMBOTMESSAGEADD").count()
    };
    assert_eq!(added(1), committed, "of {} posts", markers.len());
    assert_eq!((added(0), added(2)), (0, 0));
}

/// How many of `markers` the nodes' state holds, once the nodes agree
/// and the number has not moved for a second.
fn committed_when_quiet(cluster: &Cluster, markers: &[String]) -> usize {
    let until = Instant::now() + Duration::from_secs(20);
    let (mut last, mut since) = (usize::MAX, Instant::now());
    while Instant::now() < until {
        assert!(cluster.settled(Duration::from_secs(20)));
        let world = cluster.world(0).to_string();
        let now = markers
            .iter()
            .filter(|m| world.contains(m.as_str()))
            .count();
        if now != last {
            (last, since) = (now, Instant::now());
        } else if since.elapsed() >= Duration::from_secs(1) {
            return now;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the posts' commits did not settle");
}
