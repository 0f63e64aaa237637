//! Arbitrary bytes into command decoding (see `tests/persist_check/mod.rs`,
//! shared with the seed replay).
#![no_main]

#[path = "../../tests/persist_check/mod.rs"]
mod persist_check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| persist_check::command(data));
