//! World loads through the control API run one at a time: each builds a
//! whole engine, so loads sent together must not hold one engine each at
//! once. The only test in its file, so the peak memory is its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{reset_peak, start_live, status_kib};
use imbot_like_host::{DEFAULT_WORLD, Settings};

#[test]
fn world_loads_sent_together_build_one_engine_at_a_time() {
    let (s, live) = start_live(DEFAULT_WORLD, Settings::default());
    // One load first, so the allocator has seen an engine come and go.
    assert_eq!(s.json("/__control/world", DEFAULT_WORLD).status, 200);
    let measured = reset_peak();
    let before = status_kib("VmHWM:").unwrap_or(0);
    let loads: Vec<_> = (0..6)
        .map(|_| {
            let base = s.base.clone();
            std::thread::spawn(move || {
                common::agent()
                    .post(&format!("{base}/__control/world"))
                    .header("Content-Type", "application/json")
                    .send(DEFAULT_WORLD)
                    .map(|r| r.status().as_u16())
                    .unwrap()
            })
        })
        .collect();
    for load in loads {
        assert_eq!(load.join().unwrap(), 200);
    }
    let after = status_kib("VmHWM:").unwrap_or(0);
    let engine_kib = std::mem::size_of::<imbot_like::ServerEngine>() as u64 / 1024;
    eprintln!(
        "world loads: peak {before} KiB before, {after} KiB after; an engine is {engine_kib} KiB"
    );
    assert!(live.host().inspect(|e| e.message_count()) > 0);
    // One load touches about three engines' worth in this debug build (the
    // copies an unoptimised build moves through the builder's stack); six
    // loads built side by side touched about seventeen.
    assert!(
        !measured || after < before + 5 * engine_kib,
        "six loads at once held more than one load's engines: {before} -> {after} KiB"
    );
}
