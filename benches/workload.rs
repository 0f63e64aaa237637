//! The engine against the like handler a server author would write with std
//! collections, on one fixed workload (see `common/workload.rs`): 64 bots of
//! 8 apps, 256 chats, N messages, and a stream of 1,000,000
//! `imbot.message.like` calls with `BOT_ID` given.
//!
//! For each N the three handlers (the engine, the std handler with SipHash,
//! the same with Fx) first answer the whole stream and must agree on every
//! answer: the change and the like count after it, or the wire code and the
//! precise reason. Then each is timed per request, walking the same stream
//! round and round, its state carrying over from request to request. The
//! engine runs only at the N its sizing holds (`engine_adapter.rs`).
//!
//! Beside criterion, a simple timing runs the three in turn, 100,000 requests
//! each per round for 15 rounds, and takes each one's median round: on a
//! shared machine whose load drifts, interleaving keeps the three under the
//! same load. At the end the run prints both tables of medians and the ratio
//! of each peer's median to the engine's (above 1: the engine is faster).
//!
//! Run with `cargo bench --bench workload`; `-- --test` runs each case once,
//! after the agreement check, as a smoke test.

#[path = "common/engine_adapter.rs"]
mod engine_adapter;
#[path = "common/peers.rs"]
mod peers;
#[path = "common/workload.rs"]
mod workload;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::Criterion;

use peers::{FxHandler, SipHandler};
use workload::{Answer, Code, Reason, Request, requests};

/// Message counts measured.
const SIZES: [u64; 4] = [256, 4096, 65_536, 1_048_576];
/// The members of each group, in table order.
const MEMBERS: [&str; 4] = ["engine", "engine-batch", "std-sip", "std-fx"];

fn group_name(n: u64) -> String {
    format!("workload_{n}")
}

/// Requests the stream never makes, each refused by a rule the stream does
/// not reach (L1, L3, L4, L6), with the answer the contract requires. None
/// changes the state, so the stream's answers are unaffected.
fn probes(n: u64) -> [(Request, Answer); 5] {
    let bot = workload::FIRST_BOT;
    let app = workload::owner(0);
    let ask = |app, bot, message| Request {
        app,
        bot,
        message,
        action: workload::Act::Plus,
    };
    let refused = |code, reason| Answer::Refused { code, reason };
    [
        (ask(app, 999, 1), refused(Code::BotId, Reason::BotNotFound)),
        (
            ask(app + 1, bot, 1),
            refused(Code::AppId, Reason::ForeignBot),
        ),
        (
            ask(app, bot, 0),
            refused(Code::MessageId, Reason::MessageIdInvalid),
        ),
        (
            ask(app, bot, u64::MAX),
            refused(Code::MessageId, Reason::MessageIdInvalid),
        ),
        (
            ask(app, bot, n + 1),
            refused(Code::WithoutChanges, Reason::MessageNotFound),
        ),
    ]
}

/// Every handler answers the probes as the contract requires, then the
/// whole stream; all answers must be equal.
/// Returns how often each answer came, for the log.
fn check_agree(
    n: u64,
    stream: &[Request],
    engine: Option<(&mut engine_adapter::Engine, &[imbot_like::LikeRequest])>,
    sip: &mut SipHandler,
    fx: &mut FxHandler,
) -> BTreeMap<String, usize> {
    let mut tally = BTreeMap::new();
    let mut engine = engine;
    for (request, expected) in probes(n) {
        assert_eq!(sip.apply(&request), expected, "{request:?}: std-sip");
        assert_eq!(fx.apply(&request), expected, "{request:?}: std-fx");
        if let Some((engine, _)) = engine.as_mut() {
            let ours = engine_adapter::apply(engine, &engine_adapter::prepare(&request));
            assert_eq!(ours, expected, "{request:?}: engine");
        }
    }
    for (k, request) in stream.iter().enumerate() {
        let answer = sip.apply(request);
        assert_eq!(fx.apply(request), answer, "N {n}, request {k}: std-fx");
        if let Some((engine, prepared)) = engine.as_mut() {
            let ours = engine_adapter::apply(engine, &prepared[k]);
            assert_eq!(ours, answer, "N {n}, request {k}: engine");
        }
        let key = match answer {
            Answer::Done { set: true, .. } => "set".to_owned(),
            Answer::Done { set: false, .. } => "removed".to_owned(),
            Answer::Refused { reason, .. } => format!("{reason:?}"),
        };
        *tally.entry(key).or_default() += 1;
    }
    tally
}

/// Checks and times one message count; returns the members criterion ran
/// and the interleaved medians.
fn bench_size(c: &mut Criterion, n: u64, rounds: usize) -> (Vec<&'static str>, Medians) {
    let stream = requests(n);
    let mut sip = SipHandler::build(n, engine_adapter::like_cap(n));
    let mut fx = FxHandler::build(n, engine_adapter::like_cap(n));
    let mut engine = (n <= engine_adapter::MAX_MESSAGES).then(|| engine_adapter::build(n));
    let prepared: Vec<_> = match engine {
        Some(_) => stream.iter().map(engine_adapter::prepare).collect(),
        None => Vec::new(),
    };
    let checked = engine.as_deref_mut().map(|e| (e, prepared.as_slice()));
    let tally = check_agree(n, &stream, checked, &mut sip, &mut fx);
    let who = if engine.is_some() {
        "all three"
    } else {
        "std-sip and std-fx"
    };
    println!("N {n}: {who} agree on {} answers: {tally:?}", stream.len());
    let mut batched = engine.is_some().then(|| check_batch(n, &stream, &prepared));
    let mut samples: [Vec<f64>; 4] = Default::default();
    let mut cursors = [0; 4];
    for _ in 0..rounds {
        if let Some(engine) = engine.as_deref_mut() {
            let apply = |k| engine_adapter::apply(engine, black_box(&prepared[k]));
            samples[0].push(time_chunk(&mut cursors[0], stream.len(), apply));
        }
        if let Some((engine, results)) = batched.as_mut() {
            let sample = time_batch(&mut cursors[1], engine, &prepared, results);
            samples[1].push(sample);
        }
        let apply = |k| sip.apply(black_box(&stream[k]));
        samples[2].push(time_chunk(&mut cursors[2], stream.len(), apply));
        let apply = |k| fx.apply(black_box(&stream[k]));
        samples[3].push(time_chunk(&mut cursors[3], stream.len(), apply));
    }
    let interleaved = samples.map(median);

    let mut ran = Vec::new();
    let mut group = c.benchmark_group(group_name(n));
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    if let Some(engine) = engine.as_deref_mut() {
        group.bench_function(MEMBERS[0], |b| {
            note(&mut ran, MEMBERS[0]);
            let mut k = 0;
            b.iter(|| {
                let answer = engine_adapter::apply(engine, black_box(&prepared[k]));
                k = if k + 1 == prepared.len() { 0 } else { k + 1 };
                answer
            });
        });
    }
    group.bench_function(MEMBERS[2], |b| {
        note(&mut ran, MEMBERS[2]);
        walk(b, &stream, |r| sip.apply(r));
    });
    group.bench_function(MEMBERS[3], |b| {
        note(&mut ran, MEMBERS[3]);
        walk(b, &stream, |r| fx.apply(r));
    });
    group.finish();
    (ran, interleaved)
}

/// Median ns per request of the engine (one by one and batched), std-sip
/// and std-fx, where measured.
type Medians = [Option<f64>; 4];

/// A second engine fed the whole stream through `like_batch`, checked
/// against a fresh std handler answer by answer; returned with the result
/// buffer its timing reuses.
fn check_batch(
    n: u64,
    stream: &[Request],
    prepared: &[imbot_like::LikeRequest],
) -> (Box<engine_adapter::Engine>, Vec<engine_adapter::Result>) {
    let mut engine = engine_adapter::build(n);
    let mut results = vec![Err(imbot_like::LikeError::NotLiked); CHUNK];
    let mut reference = SipHandler::build(n, engine_adapter::like_cap(n));
    for (chunk, requests) in prepared.chunks(CHUNK).zip(stream.chunks(CHUNK)) {
        engine_adapter::apply_batch(&mut engine, chunk, &mut results);
        for (k, (ours, request)) in results.iter().zip(requests).enumerate() {
            let ours = engine_adapter::answer(*ours);
            assert_eq!(ours, reference.apply(request), "N {n}, batched request {k}");
        }
    }
    println!(
        "N {n}: the batched engine agrees on {} answers",
        stream.len()
    );
    (engine, results)
}

/// Times one batched call over `CHUNK` requests from `cursor` on; returns
/// ns per request. `CHUNK` divides the stream's length.
fn time_batch(
    cursor: &mut usize,
    engine: &mut engine_adapter::Engine,
    prepared: &[imbot_like::LikeRequest],
    results: &mut [engine_adapter::Result],
) -> f64 {
    let chunk = &prepared[*cursor..*cursor + CHUNK];
    let start = Instant::now();
    engine_adapter::apply_batch(engine, black_box(chunk), results);
    black_box(&*results);
    let elapsed = start.elapsed();
    *cursor = (*cursor + CHUNK) % prepared.len();
    elapsed.as_secs_f64() * 1e9 / CHUNK as f64
}

/// Requests per timed chunk of the interleaved timing.
const CHUNK: usize = 100_000;
/// Rounds of the interleaved timing in a measuring run.
const ROUNDS: usize = 15;

/// Times `CHUNK` requests from `cursor` on, walking the stream round and
/// round; returns ns per request.
fn time_chunk(cursor: &mut usize, len: usize, mut apply: impl FnMut(usize) -> Answer) -> f64 {
    let start = Instant::now();
    for _ in 0..CHUNK {
        black_box(apply(*cursor));
        *cursor = if *cursor + 1 == len { 0 } else { *cursor + 1 };
    }
    start.elapsed().as_secs_f64() * 1e9 / CHUNK as f64
}

/// The median of the samples, if any.
fn median(mut samples: Vec<f64>) -> Option<f64> {
    samples.sort_by(f64::total_cmp);
    samples.get(samples.len() / 2).copied()
}

/// Records that a member ran (criterion skips those its filter excludes),
/// so the table never shows an estimate left from an earlier run.
fn note(ran: &mut Vec<&'static str>, member: &'static str) {
    if !ran.contains(&member) {
        ran.push(member);
    }
}

/// Times `apply` per request, walking the stream round and round.
fn walk(
    b: &mut criterion::Bencher<'_>,
    stream: &[Request],
    mut apply: impl FnMut(&Request) -> Answer,
) {
    let mut k = 0;
    b.iter(|| {
        let answer = apply(black_box(&stream[k]));
        k = if k + 1 == stream.len() { 0 } else { k + 1 };
        answer
    });
}

/// Where criterion writes its estimates, found as criterion finds it.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    );
    target.join("criterion")
}

/// Criterion's median estimate for one benchmark, in nanoseconds.
fn median_ns(group: &str, member: &str) -> Option<f64> {
    let path = criterion_dir()
        .join(group)
        .join(member)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// Criterion's medians for the members that ran.
fn criterion_medians(n: u64, ran: &[&str]) -> Medians {
    MEMBERS.map(|m| {
        ran.contains(&m)
            .then(|| median_ns(&group_name(n), m))
            .flatten()
    })
}

/// Prints medians and each peer's ratio to the engine.
fn print_table(title: &str, rows: &[(u64, Medians)]) {
    println!("\nmedian ns per request ({title}), and peer / engine (above 1: engine faster)");
    println!(
        "{:>9} {:>9} {:>9} {:>9} {:>9} {:>11} {:>10} {:>10} {:>9}",
        "N",
        "engine",
        "batched",
        "std-sip",
        "std-fx",
        "sip/engine",
        "fx/engine",
        "sip/batch",
        "fx/batch"
    );
    for &(n, [engine, batched, sip, fx]) in rows {
        let show = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
        let ratio = |peer: Option<f64>, ours: Option<f64>| match (peer, ours) {
            (Some(p), Some(e)) => format!("{:.2}", p / e),
            _ => "-".to_owned(),
        };
        println!(
            "{n:>9} {:>9} {:>9} {:>9} {:>9} {:>11} {:>10} {:>10} {:>9}",
            show(engine),
            show(batched),
            show(sip),
            show(fx),
            ratio(sip, engine),
            ratio(fx, engine),
            ratio(sip, batched),
            ratio(fx, batched)
        );
    }
}

fn run() {
    let mut c = Criterion::default().configure_from_args();
    // In a smoke run (`--test`, `--list`) criterion measures nothing, and the
    // interleaved timing runs one round, to check that it works.
    let measured = !std::env::args().any(|a| a == "--test" || a == "--list");
    let rounds = if measured { ROUNDS } else { 1 };
    let results: Vec<_> = SIZES
        .iter()
        .map(|&n| (n, bench_size(&mut c, n, rounds)))
        .collect();
    c.final_summary();
    if measured {
        let by_criterion: Vec<_> = results
            .iter()
            .map(|(n, (ran, _))| (*n, criterion_medians(*n, ran)))
            .collect();
        print_table("criterion", &by_criterion);
        let interleaved: Vec<_> = results.iter().map(|(n, (_, m))| (*n, *m)).collect();
        let title = format!("interleaved, {ROUNDS} rounds of {CHUNK} requests each");
        print_table(&title, &interleaved);
    }
}

fn main() {
    // Large engine sizings are built on the heap, but a generous stack keeps
    // the run safe should a temporary of one land on the stack first.
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(run)
        .expect("benchmark thread starts")
        .join()
        .expect("benchmark thread ends");
}
