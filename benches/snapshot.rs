//! Snapshot and restore (with full validation) of a full [`ServerEngine`],
//! in bytes per second.
//!
//! The world fills every table of the sizing: 256 bots, 4096 chats of 128
//! members (32 bots and 96 humans each), 1,048,576 messages, and the shared
//! reaction pool: each message gets its share of it (2 reactions: a like
//! by a human and a reaction of another kind by a bot). Ids are spread
//! over their ranges so varints take their typical lengths. The full
//! [`SmallEngine`] world is built the same way (4 reactions a message);
//! both snapshot sizes are printed before timing.
//!
//! Run with `cargo bench --bench snapshot`; `-- --test` runs each once.

use std::hint::black_box;
use std::sync::Mutex;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use imbot_like::{
    AppId, BotId, ChatId, Engine, MessageId, Reaction, ReactionError, ReactionRequest,
    ServerEngine, Sizing, SmallEngine, UserId, UserLikeRequest,
};

static ENGINE: Mutex<ServerEngine> = Mutex::new(ServerEngine::new());
static TARGET: Mutex<ServerEngine> = Mutex::new(ServerEngine::new());

/// Fills every table of an engine with the given capacities.
/// Every message gets as many reactions as the pool holds on average (its
/// whole share), at most the sizing's `LIKES`: half likes, half other kinds.
#[allow(non_snake_case, reason = "the sizing's capacities, by their names")]
fn fill<S: Sizing>(e: &mut Engine<S>) {
    let (B, C, M, N) = (S::BOTS, S::CHATS, S::MEMBERS, S::MESSAGES);
    let L = S::LIKES.min(S::POOL / S::MESSAGES);
    let bots_per_chat = (M / 4).min(B);
    let bot = |i: usize| BotId::new(1_000_000 + i as u32 * 7).unwrap();
    for i in 0..B {
        e.register_bot(bot(i), AppId(i as u32 % 8)).unwrap();
    }
    for c in 0..C {
        let chat = ChatId::new(10_000 + c as u32 * 13).unwrap();
        let mut members: Vec<UserId> = (0..bots_per_chat)
            .map(|k| bot((c + k) % B).user())
            .collect();
        members.extend(
            (members.len()..M).map(|k| UserId::new(50_000_000 + (c * M + k) as u32).unwrap()),
        );
        e.open_chat(chat, &members).unwrap();
    }
    for n in 0..N {
        let c = n % C;
        let chat = ChatId::new(10_000 + c as u32 * 13).unwrap();
        let members = e.chat_members(chat).unwrap().to_vec();
        let id = MessageId::new(1_000_000_000 + n as u64 * 31).unwrap();
        e.post_message(id, chat, members[members.len() - 1])
            .unwrap();
        let likes = L / 2;
        for user in &members[members.len() - likes..] {
            let _ = e.like_as_user(&UserLikeRequest::new(*user, id)).unwrap();
        }
        for k in 0..(L - likes).min(bots_per_chat) {
            let b = bot((c + k) % B);
            let kind = Reaction::ALL[1 + k % (Reaction::ALL.len() - 1)];
            let request = ReactionRequest::new(b, id, kind).app(AppId(((c + k) % B) as u32 % 8));
            // Growing a set's block frees the smaller one for the next
            // message, so the very last growths may find the pool full:
            // the world is then as full as the pool allows.
            match e.add_reaction(&request) {
                Ok(_) | Err(ReactionError::PoolFull) => {}
                Err(other) => panic!("{other}"),
            }
        }
    }
}

/// The thread's time on a CPU so far, in nanoseconds (Linux), if known.
fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Prints `run`'s throughput over ten runs by the time the thread spent on
/// a CPU: on a shared machine, wall-clock time also counts waiting for one.
fn on_cpu(name: &str, bytes: usize, smoke: bool, mut run: impl FnMut()) {
    if smoke {
        return;
    }
    let Some(before) = cpu_ns() else { return };
    for _ in 0..10 {
        run();
    }
    let Some(after) = cpu_ns() else { return };
    let seconds = (after - before) as f64 / 1e9 / 10.0;
    println!(
        "{name}: {:.1} ms on CPU, {:.0} MiB/s",
        seconds * 1e3,
        bytes as f64 / seconds / (1 << 20) as f64
    );
}

fn snapshot_and_restore(c: &mut Criterion) {
    let mut small = SmallEngine::new();
    fill(&mut small);
    let mut small_buf = vec![0u8; SmallEngine::SNAPSHOT_BUFFER_LEN];
    let small_len = small.snapshot(&mut small_buf).unwrap().len();

    let mut engine = ENGINE.lock().unwrap();
    fill(&mut engine);
    let mut buf = vec![0u8; ServerEngine::SNAPSHOT_BUFFER_LEN];
    let len = engine.snapshot(&mut buf).unwrap().len();
    println!(
        "full snapshots: SmallEngine {small_len} bytes (buffer {}), ServerEngine {len} bytes (buffer {})",
        SmallEngine::SNAPSHOT_BUFFER_LEN,
        ServerEngine::SNAPSHOT_BUFFER_LEN
    );
    let bytes = buf[..len].to_vec();
    let mut target = TARGET.lock().unwrap();
    target.restore_into(&bytes).unwrap();
    assert!(*target == *engine, "the restored engine differs");

    // The smoke run (`-- --test`) skips the extra timing.
    let smoke = std::env::args().any(|a| a == "--test");
    on_cpu("snapshot", len, smoke, || {
        black_box(engine.snapshot(&mut buf).unwrap().len());
    });
    on_cpu("restore_validated", len, smoke, || {
        target.restore_into(black_box(&bytes)).unwrap();
    });

    let mut group = c.benchmark_group("snapshot_full_server");
    group.throughput(Throughput::Bytes(len as u64));
    group.sample_size(10);
    group.bench_function("snapshot", |b| {
        b.iter(|| black_box(engine.snapshot(&mut buf).unwrap().len()));
    });
    group.bench_function("restore_validated", |b| {
        b.iter(|| target.restore_into(black_box(&bytes)).unwrap());
    });
    group.bench_function("check_only", |b| {
        b.iter(|| ServerEngine::check_snapshot(black_box(&bytes)).unwrap());
    });
    group.finish();
}

criterion_group!(benches, snapshot_and_restore);
criterion_main!(benches);
