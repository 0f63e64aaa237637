//! The durable host: no change answered with success is lost when the
//! process is killed, nothing refused appears, and a torn last log record
//! is dropped and reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::scratch;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use imbot_like::{MessageId, UserId};
use imbot_like_host::HostState;
use imbot_like_host::durable::{FsStorage, Mode, recover};

const USERS: u32 = 6;
const MESSAGES: u64 = 4;

/// Users 1..=6, each with a webhook `w<id>` for `im`, in chat 1 with
/// messages 1..=4 by user 1.
fn world() -> String {
    let webhooks: Vec<String> = (1..=USERS)
        .map(|u| format!(r#"{{"user_id": {u}, "token": "w{u}", "scopes": ["im"]}}"#))
        .collect();
    let members: Vec<String> = (1..=USERS).map(|u| u.to_string()).collect();
    let messages: Vec<String> = (1..=MESSAGES)
        .map(|m| format!(r#"{{"id": {m}, "chat": 1, "author": 1, "likes": []}}"#))
        .collect();
    format!(
        r#"{{"apps": [], "webhooks": [{}], "bots": [], "chats": [{{"id": 1, "members": [{}]}}], "messages": [{}]}}"#,
        webhooks.join(","),
        members.join(","),
        messages.join(",")
    )
}

/// Starts `rest_host --data dir` and returns it with its base URL.
fn start(dir: &Path, world: &Path) -> (Child, String) {
    let args: [&std::ffi::OsStr; 6] = [
        "--world".as_ref(),
        world.as_os_str(),
        "--data".as_ref(),
        dir.as_os_str(),
        "--snapshot-every".as_ref(),
        "50".as_ref(),
    ];
    common::spawn_host(args, Stdio::piped())
}

/// The state in `dir`, read as a restart would (without repairing).
fn state(dir: &Path) -> HostState {
    let mut storage = FsStorage::new(dir).unwrap();
    recover(&mut storage, Mode::ReadOnly).unwrap().unwrap().0
}

fn liked(state: &HostState, user: u32, message: u64) -> bool {
    state
        .engine()
        .is_liked_by(MessageId::new(message).unwrap(), UserId::new(user).unwrap())
}

/// What one user's requests established.
#[derive(Debug, Clone, Default)]
struct Track {
    /// The like state of each message, as last acknowledged.
    liked: [bool; MESSAGES as usize],
    /// A request sent but not answered: (message index, state it asked for).
    in_flight: Option<(usize, bool)>,
    successes: u64,
    refusals: u64,
}

/// One user's load: toggles likes with explicit actions; every fourth
/// request asks for the state already there, which must be refused.
fn drive(base: &str, user: u32, track: &Mutex<Track>, stop: &AtomicBool) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let mut n = 0usize;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let m = n % MESSAGES as usize;
        let current = track.lock().unwrap().liked[m];
        let refuse = n.is_multiple_of(4);
        let want = if refuse { current } else { !current };
        let action = if want { "plus" } else { "minus" };
        let url = format!(
            "{base}/rest/{user}/w{user}/im.message.like?MESSAGE_ID={}&ACTION={action}",
            m + 1
        );
        if !refuse {
            track.lock().unwrap().in_flight = Some((m, want));
        }
        let Ok(mut response) = agent.get(&url).call() else {
            return; // killed: the in-flight request stays unknown
        };
        let status = response.status().as_u16();
        let Ok(body) = response.body_mut().read_to_string() else {
            return;
        };
        let mut t = track.lock().unwrap();
        match (status, refuse) {
            (200, false) => {
                t.liked[m] = want;
                t.in_flight = None;
                t.successes += 1;
            }
            (400, true) => t.refusals += 1,
            _ => panic!("user {user} message {}: {status} {body}", m + 1),
        }
    }
}

/// Checks the recovered state against what was acknowledged, and adopts
/// it (an unanswered request may or may not have been applied).
fn check(engine: &HostState, tracks: &[Arc<Mutex<Track>>]) {
    for (i, track) in tracks.iter().enumerate() {
        let user = u32::try_from(i).unwrap() + 1;
        let mut t = track.lock().unwrap();
        for m in 0..MESSAGES as usize {
            let actual = liked(engine, user, m as u64 + 1);
            let allowed = match t.in_flight {
                Some((f, want)) if f == m => actual == t.liked[m] || actual == want,
                _ => actual == t.liked[m],
            };
            assert!(allowed, "user {user} message {}: {actual} vs {t:?}", m + 1);
            t.liked[m] = actual;
        }
        t.in_flight = None;
    }
}

#[test]
fn durable_host_loses_no_acknowledged_change_across_kills() {
    let dir = scratch("durable-kill");
    let world_file = dir.with_extension("json");
    std::fs::write(&world_file, world()).unwrap();
    let tracks: Vec<_> = (0..USERS)
        .map(|_| Arc::new(Mutex::new(Track::default())))
        .collect();
    let began = Instant::now();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..20 {
        let (mut child, base) = start(&dir, &world_file);
        let stop = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = tracks
            .iter()
            .enumerate()
            .map(|(i, track)| {
                let (base, track, stop) = (base.clone(), Arc::clone(track), Arc::clone(&stop));
                std::thread::spawn(move || {
                    drive(&base, u32::try_from(i).unwrap() + 1, &track, &stop);
                })
            })
            .collect();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(30 + seed % 250));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for worker in workers {
            worker.join().unwrap();
        }
        check(&state(&dir), &tracks);
    }
    let (successes, refusals) = tracks.iter().fold((0, 0), |(s, r), t| {
        let t = t.lock().unwrap();
        (s + t.successes, r + t.refusals)
    });
    println!(
        "20 kills in {:?}: {successes} acknowledged changes kept, {refusals} refusals changed nothing",
        began.elapsed()
    );
    assert!(successes > 100, "too little load: {successes}");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&world_file).unwrap();
}

/// A fresh data directory and world file; a host on them where `user`
/// likes messages 1 to 3, each acknowledged, then is killed (SIGKILL).
fn three_likes_then_kill(name: &str, user: u32) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = scratch(name);
    let world_file = dir.with_extension("json");
    std::fs::write(&world_file, world()).unwrap();
    let (mut child, base) = start(&dir, &world_file);
    let agent = ureq::agent();
    for m in 1..=3 {
        let url = format!("{base}/rest/{user}/w{user}/im.message.like?MESSAGE_ID={m}&ACTION=plus");
        agent.get(&url).call().unwrap();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    (dir, world_file)
}

#[test]
fn durable_host_drops_and_reports_a_torn_last_record() {
    let (dir, world_file) = three_likes_then_kill("durable-torn", 2);
    // Lose the last record's final bytes, as a crash in the middle of a
    // write does (the log's unused space after it is zeros).
    let log = newest_log(&dir);
    let mut bytes = std::fs::read(&log).unwrap();
    let last = bytes.iter().rposition(|&b| b != 0).unwrap();
    bytes[last - 2..=last].fill(0);
    std::fs::write(&log, &bytes).unwrap();
    let engine = state(&dir);
    assert!(liked(&engine, 2, 1) && liked(&engine, 2, 2) && !liked(&engine, 2, 3));

    let (mut child, _) = start(&dir, &world_file);
    let mut report = String::new();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    while !report.contains("replayed") {
        assert_ne!(stderr.read_line(&mut report).unwrap(), 0, "{report}");
    }
    assert!(report.contains("at byte"), "{report}");
    assert!(report.contains("dropped"), "{report}");
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&world_file).unwrap();
}

#[test]
fn durable_host_falls_back_to_the_previous_snapshot_or_refuses_to_start() {
    let dir = scratch("durable-fallback");
    let world_file = dir.with_extension("json");
    std::fs::write(&world_file, world()).unwrap();
    let (mut child, base) = start(&dir, &world_file);
    let agent = ureq::agent();
    for m in 1..=3 {
        let url = format!("{base}/rest/3/w3/im.message.like?MESSAGE_ID={m}&ACTION=plus");
        agent.get(&url).call().unwrap();
    }
    // SIGTERM: finish, write a snapshot after command 3, exit 0.
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(child.wait().unwrap().success());
    let newest = dir.join(format!("snapshot-{:020}.bin", 3));
    let mut bytes = std::fs::read(&newest).unwrap();
    bytes[20] ^= 0x40;
    std::fs::write(&newest, &bytes).unwrap();

    let engine = state(&dir);
    assert!((1..=3).all(|m| liked(&engine, 3, m)));

    // With every snapshot corrupted, starting would lose the state: refused.
    let oldest = dir.join(format!("snapshot-{:020}.bin", 0));
    std::fs::write(&oldest, b"not a snapshot").unwrap();
    let message = refused_start(&dir, &world_file);
    assert!(message.contains("refusing to start"), "{message}");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&world_file).unwrap();
}

#[test]
fn durable_host_snapshots_on_its_interval_and_truncates_the_log() {
    use imbot_like_host::durable::Config;
    use imbot_like_host::{Host, World};

    let dir = scratch("durable-interval");
    let config = Config {
        every_records: u64::MAX,
        every: Duration::from_millis(200),
    };
    let world = World::from_json(&world()).unwrap();
    let host = Arc::new(Host::durable_in(&world, &dir, config).unwrap());
    let served = Arc::clone(&host);
    let base = common::serve_in_background(move |listener| async move {
        imbot_like_host::serve(listener, served).await.unwrap();
    });
    let url = format!("{base}/rest/4/w4/im.message.like?MESSAGE_ID=2&ACTION=plus");
    ureq::agent().get(&url).call().unwrap();
    let names = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let snapshot_1 = format!("snapshot-{:020}.bin", 1);
    let log_1 = format!("log-{:020}.bin", 1);
    // The snapshot is renamed into place first, the new log created after.
    while !(names().contains(&snapshot_1) && names().contains(&log_1)) {
        assert!(
            Instant::now() < deadline,
            "no snapshot after the interval: {:?}",
            names()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let unused = std::fs::read(dir.join(&log_1)).unwrap();
    assert!(
        unused.iter().all(|&b| b == 0),
        "the new log holds no record"
    );
    host.durable().unwrap().shutdown();
    assert!(liked(&state(&dir), 4, 2));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Starts `rest_host` on `dir` and `world_file`, which must refuse to
/// start; what it said.
fn refused_start(dir: &Path, world_file: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rest_host"))
        .args(["--port", "0", "--world"])
        .arg(world_file)
        .arg("--data")
        .arg(dir)
        .output()
        .unwrap();
    assert!(!out.status.success(), "it started");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The newest log file in `dir` (the one with the most written bytes).
fn newest_log(dir: &Path) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with("log-"))
        .max_by_key(|p| {
            std::fs::read(p)
                .unwrap()
                .iter()
                .filter(|&&b| b != 0)
                .count()
        })
        .unwrap()
}

/// The offsets of the frames at the start of a log.
fn frame_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut at = 0;
    while let Some(len) = bytes.get(at..at + 4) {
        let len = u32::from_le_bytes(len.try_into().unwrap()) as usize;
        if len == 0 {
            break;
        }
        starts.push(at);
        at += 8 + len;
    }
    starts
}

#[test]
fn durable_host_refuses_a_corrupted_log_and_repair_drops_what_follows_the_damage() {
    let (dir, world_file) = three_likes_then_kill("durable-corrupt", 5);
    let log = newest_log(&dir);
    let mut bytes = std::fs::read(&log).unwrap();
    let starts = frame_starts(&bytes);
    assert_eq!(starts.len(), 3, "one frame per acknowledged like");
    bytes[starts[1] + 9] ^= 0x01;
    std::fs::write(&log, &bytes).unwrap();

    let message = refused_start(&dir, &world_file);
    let name = log.file_name().unwrap().to_str().unwrap();
    for expected in [
        name,
        &format!("at byte {}", starts[1]),
        "1 intact",
        "corruption",
    ] {
        assert!(message.contains(expected), "{expected:?} not in {message}");
    }
    assert!(liked(&state_repaired_copy(&dir), 5, 1));

    let repaired = Command::new(env!("CARGO_BIN_EXE_rest_host"))
        .arg("--data")
        .arg(&dir)
        .arg("--repair")
        .output()
        .unwrap();
    assert!(repaired.status.success());
    let said = String::from_utf8_lossy(&repaired.stdout);
    assert!(said.contains("dropped 1 logged command(s)"), "{said}");
    let after = state(&dir);
    assert!(liked(&after, 5, 1) && !liked(&after, 5, 2) && !liked(&after, 5, 3));
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&world_file).unwrap();
}

/// The state a repair of a copy of `dir` gives, leaving `dir` as it is.
fn state_repaired_copy(dir: &Path) -> HostState {
    let copy = dir.with_extension("copy");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
    }
    let mut storage = FsStorage::new(&copy).unwrap();
    let state = recover(&mut storage, Mode::Repair).unwrap().unwrap().0;
    std::fs::remove_dir_all(&copy).unwrap();
    state
}

#[test]
fn durable_host_answers_a_keyed_refusal_again_after_a_kill() {
    let dir = scratch("durable-keyed");
    let world_file = dir.with_extension("json");
    std::fs::write(&world_file, world()).unwrap();
    let (mut child, base) = start(&dir, &world_file);
    let agent = common::agent();
    let like = |base: &str, action: &str, key: Option<&str>| {
        let url = format!("{base}/rest/6/w6/im.message.like?MESSAGE_ID=4&ACTION={action}");
        let mut request = agent.get(&url);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.call().unwrap().status().as_u16()
    };
    assert_eq!(like(&base, "plus", None), 200);
    assert_eq!(like(&base, "plus", Some("K")), 400, "already liked");
    assert_eq!(like(&base, "minus", None), 200);
    assert_eq!(
        like(&base, "plus", Some("K")),
        400,
        "the retry gets the first answer"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, base) = start(&dir, &world_file);
    assert_eq!(
        like(&base, "plus", Some("K")),
        400,
        "and still after a restart"
    );
    assert!(!liked(&state_after_kill(&mut child, &dir), 6, 4));
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&world_file).unwrap();
}

/// Kills `child` and reads the state it left in `dir`.
fn state_after_kill(child: &mut Child, dir: &Path) -> HostState {
    child.kill().unwrap();
    child.wait().unwrap();
    state(dir)
}

#[test]
fn durable_host_identifies_applications_by_client_id_not_by_world_file_order() {
    let dir = scratch("durable-identity");
    let world_file = dir.with_extension("json");
    let apps = [
        r#"{"client_id": "app.a", "tokens": [{"token": "t-a", "scopes": ["imbot"]}]}"#,
        r#"{"client_id": "app.b", "tokens": [{"token": "t-b", "scopes": ["imbot"]}]}"#,
    ];
    let world = |apps: [&str; 2]| {
        format!(
            r#"{{"apps": [{}, {}], "bots": [{{"id": 39, "app": "app.a"}}],
                 "chats": [{{"id": 1, "members": [1, 39]}}],
                 "messages": [{{"id": 1, "chat": 1, "author": 1}}]}}"#,
            apps[0], apps[1]
        )
    };
    std::fs::write(&world_file, world(apps)).unwrap();
    let (mut child, _) = start(&dir, &world_file);
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::write(&world_file, world([apps[1], apps[0]])).unwrap();
    let (mut child, base) = start(&dir, &world_file);
    let agent = common::agent();
    let like = |token: &str| {
        let url = format!(
            "{base}/rest/imbot.message.like?auth={token}&BOT_ID=39&MESSAGE_ID=1&ACTION=auto"
        );
        let mut answer = agent.get(&url).call().unwrap();
        let body: serde_json::Value =
            serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap();
        body["error"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(like("t-b"), "APP_ID_ERROR", "the other application's token");
    assert_eq!(like("t-a"), "", "the owner's token");
    let mut report = String::new();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    while !report.contains("ignored") {
        assert_ne!(stderr.read_line(&mut report).unwrap(), 0, "{report}");
    }
    assert!(report.contains("differs in apps"), "{report}");
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&world_file).unwrap();
}
