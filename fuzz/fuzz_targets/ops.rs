//! Operation sequences on the engine and the reference model: answers and
//! observable state must agree after every operation (see
//! `tests/ops_check/mod.rs`, shared with the seed replay).
#![no_main]

#[path = "../../tests/ops_check/mod.rs"]
mod ops_check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ops_check::check(data);
});
