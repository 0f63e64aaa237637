//! Replays the committed seeds of the fuzz targets (`fuzz/seeds/<target>/`)
//! through each target's own check, on stable.

mod ops_check;
mod persist_check;
mod wire_check;

use std::fs;
use std::path::{Path, PathBuf};

/// The seed files of one target, sorted.
fn seeds(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut seeds: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|_| panic!("{} exists", dir.display()))
        .map(|entry| entry.expect("a readable entry").path())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

#[test]
fn wire_fuzz_seeds_pass_the_wire_check() {
    for seed in seeds("wire") {
        let data = fs::read(&seed).expect("a readable seed");
        wire_check::check(&data);
    }
}

/// Each committed `ops` seed, decoded into operations, runs alike on the
/// engine and the reference model.
#[test]
fn ops_fuzz_seeds_match_the_reference_model() {
    let mut ops = 0;
    for seed in seeds("ops") {
        let data = fs::read(&seed).expect("a readable seed");
        ops += ops_check::check(&data);
    }
    eprintln!("ops seeds: {ops} operations");
    assert!(ops >= 100, "the seeds decode into only {ops} operations");
}

/// Each committed `restore` seed, valid snapshot or corrupted one, passes
/// the restore check; at least one of them restores.
#[test]
fn restore_fuzz_seeds_pass_the_restore_check() {
    let mut restored = 0;
    for seed in seeds("restore") {
        let data = fs::read(&seed).expect("a readable seed");
        persist_check::restore(&data);
        restored += usize::from(persist_check::Sized::restore(&data).is_ok());
    }
    assert!(restored > 0, "no restore seed is a valid snapshot");
}

/// Each committed `command` seed passes the command check; at least one of
/// them decodes.
#[test]
fn command_fuzz_seeds_pass_the_command_check() {
    let mut decoded = 0;
    for seed in seeds("command") {
        let data = fs::read(&seed).expect("a readable seed");
        persist_check::command(&data);
        decoded += usize::from(imbot_like::Command::<4>::decode(&data).is_ok());
    }
    assert!(decoded > 0, "no command seed decodes");
}
