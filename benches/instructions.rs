//! Instructions per request on the workload of `common/workload.rs`, counted
//! by Callgrind through gungraun, so the figure does not depend on the
//! machine's load.
//!
//! Each case builds the world of N messages and applies the first 100,000
//! requests of the stream (the setup, not counted), then counts the
//! instructions of the next 10,000: divide the reported `Instructions` by
//! 10,000 for the count per request. Cases: the engine (sized for N), the
//! same world in the named server sizing (`ServerEngine`: 128 members a
//! chat, a like mask of two words), the std handler with SipHash (its keys
//! are random, so its count can move slightly from run to run) and with
//! Fx, at N = 4,096 and 65,536.
//!
//! Run with `cargo bench --bench instructions`; it needs valgrind and
//! `gungraun-runner` of the same version as the `gungraun` dev-dependency.

#[path = "common/engine_adapter.rs"]
mod engine_adapter;
#[path = "common/peers.rs"]
mod peers;
#[path = "common/workload.rs"]
mod workload;

use std::hint::black_box;

use gungraun::{library_benchmark, library_benchmark_group, main};
use imbot_like::LikeRequest;

use peers::{FxHandler, SipHandler};
use workload::{Request, requests};

/// Requests applied during setup, before counting starts.
const WARM: usize = 990_000;
/// Requests counted.
const BATCH: usize = 10_000;

/// A handler after setup and the requests to count.
struct Case<H, R> {
    handler: H,
    batch: Vec<R>,
}

/// The stream for `n`, split into the warm-up and the counted batch.
fn stream(n: u64) -> (Vec<Request>, Vec<Request>) {
    let mut warm = requests(n);
    warm.truncate(WARM + BATCH);
    let batch = warm.split_off(WARM);
    (warm, batch)
}

fn engine_setup(n: u64) -> Case<Box<engine_adapter::Engine>, LikeRequest> {
    warmed(n, engine_adapter::build)
}

fn server_setup(n: u64) -> Case<Box<engine_adapter::Engine>, LikeRequest> {
    warmed(n, engine_adapter::build_server)
}

/// The engine `build` makes for `n` messages, after the warm-up.
fn warmed(
    n: u64,
    build: fn(u64) -> Box<engine_adapter::Engine>,
) -> Case<Box<engine_adapter::Engine>, LikeRequest> {
    assert!(
        n <= engine_adapter::MAX_MESSAGES,
        "the engine holds {n} messages"
    );
    let (warm, batch) = stream(n);
    let mut handler = build(n);
    for request in &warm {
        engine_adapter::apply(&mut handler, &engine_adapter::prepare(request));
    }
    let batch = batch.iter().map(engine_adapter::prepare).collect();
    Case { handler, batch }
}

fn sip_setup(n: u64) -> Case<SipHandler, Request> {
    let (warm, batch) = stream(n);
    let mut handler = SipHandler::build(n, engine_adapter::like_cap(n));
    for request in &warm {
        handler.apply(request);
    }
    Case { handler, batch }
}

fn fx_setup(n: u64) -> Case<FxHandler, Request> {
    let (warm, batch) = stream(n);
    let mut handler = FxHandler::build(n, engine_adapter::like_cap(n));
    for request in &warm {
        handler.apply(request);
    }
    Case { handler, batch }
}

// Each function returns its case so that dropping the world is not counted.

#[library_benchmark]
#[benches::n(args = [4096, 65_536], setup = engine_setup)]
fn engine(
    mut case: Case<Box<engine_adapter::Engine>, LikeRequest>,
) -> Case<Box<engine_adapter::Engine>, LikeRequest> {
    for request in &case.batch {
        black_box(engine_adapter::apply(&mut case.handler, black_box(request)));
    }
    case
}

#[library_benchmark]
#[benches::n(args = [4096, 65_536], setup = server_setup)]
fn server(
    mut case: Case<Box<engine_adapter::Engine>, LikeRequest>,
) -> Case<Box<engine_adapter::Engine>, LikeRequest> {
    for request in &case.batch {
        black_box(engine_adapter::apply(&mut case.handler, black_box(request)));
    }
    case
}

#[library_benchmark]
#[benches::n(args = [4096, 65_536], setup = sip_setup)]
fn std_sip(mut case: Case<SipHandler, Request>) -> Case<SipHandler, Request> {
    for request in &case.batch {
        black_box(case.handler.apply(black_box(request)));
    }
    case
}

#[library_benchmark]
#[benches::n(args = [4096, 65_536], setup = fx_setup)]
fn std_fx(mut case: Case<FxHandler, Request>) -> Case<FxHandler, Request> {
    for request in &case.batch {
        black_box(case.handler.apply(black_box(request)));
    }
    case
}

library_benchmark_group!(
    name = per_request,
    benchmarks = [engine, server, std_sip, std_fx]
);

main!(library_benchmark_groups = per_request);
