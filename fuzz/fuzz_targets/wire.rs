//! The wire layer on arbitrary input: bodies, parameter lists and number
//! literals (see `tests/wire_check/mod.rs`, shared with the seed replay).
#![no_main]

#[path = "../../tests/wire_check/mod.rs"]
mod wire_check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| wire_check::check(data));
