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
//! At the end the run prints a table of criterion's medians and the ratio of
//! each peer's median to the engine's (above 1: the engine is faster).
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
use std::time::Duration;

use criterion::Criterion;

use peers::{FxHandler, SipHandler};
use workload::{Answer, Code, Reason, Request, requests};

/// Message counts measured.
const SIZES: [u64; 4] = [256, 4096, 65_536, 1_048_576];
/// The members of each group, in table order.
const MEMBERS: [&str; 3] = ["engine", "std-sip", "std-fx"];

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

/// Checks and times one message count; returns the members that ran.
fn bench_size(c: &mut Criterion, n: u64) -> Vec<&'static str> {
    let stream = requests(n);
    let mut sip = SipHandler::build(n, engine_adapter::LIKE_CAP);
    let mut fx = FxHandler::build(n, engine_adapter::LIKE_CAP);
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
    group.bench_function(MEMBERS[1], |b| {
        note(&mut ran, MEMBERS[1]);
        walk(b, &stream, |r| sip.apply(r));
    });
    group.bench_function(MEMBERS[2], |b| {
        note(&mut ran, MEMBERS[2]);
        walk(b, &stream, |r| fx.apply(r));
    });
    group.finish();
    ran
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

/// Prints the medians of this run and each peer's ratio to the engine.
fn print_table(ran: &[(u64, Vec<&'static str>)]) {
    println!("\nmedian ns per request (criterion), and peer / engine (above 1: engine faster)");
    println!(
        "{:>9} {:>9} {:>9} {:>9} {:>11} {:>10}",
        "N", "engine", "std-sip", "std-fx", "sip/engine", "fx/engine"
    );
    for (n, members) in ran {
        let cell = |m: &str| {
            members
                .contains(&m)
                .then(|| median_ns(&group_name(*n), m))
                .flatten()
        };
        let [engine, sip, fx] = MEMBERS.map(cell);
        let show = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
        let ratio = |peer: Option<f64>| match (peer, engine) {
            (Some(p), Some(e)) => format!("{:.2}", p / e),
            _ => "-".to_owned(),
        };
        println!(
            "{n:>9} {:>9} {:>9} {:>9} {:>11} {:>10}",
            show(engine),
            show(sip),
            show(fx),
            ratio(sip),
            ratio(fx)
        );
    }
}

fn run() {
    let mut c = Criterion::default().configure_from_args();
    let ran: Vec<_> = SIZES.iter().map(|&n| (n, bench_size(&mut c, n))).collect();
    c.final_summary();
    // In a smoke run (`--test`, `--list`) criterion measures nothing.
    let measured = !std::env::args().any(|a| a == "--test" || a == "--list");
    if measured {
        print_table(&ran);
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
