//! Replays the committed seeds of the `wire` fuzz target
//! (`fuzz/seeds/wire/`) through the target's own check, on stable.

mod wire_check;

use std::fs;
use std::path::Path;

#[test]
fn wire_fuzz_seeds_pass_the_wire_check() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/wire");
    let mut seeds: Vec<_> = fs::read_dir(&dir)
        .expect("fuzz/seeds/wire exists")
        .map(|entry| entry.expect("a readable entry").path())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    for seed in seeds {
        let data = fs::read(&seed).expect("a readable seed");
        wire_check::check(&data);
    }
}
