//! The check the `restore` and `command` fuzz targets run, shared with the
//! seed replay in `tests/fuzz_seeds.rs`: arbitrary bytes into snapshot
//! restore and command decoding never panic, and whatever is accepted is
//! canonical: it encodes back to the same bytes.

use imbot_like::{Capacity, Command, Engine};

/// A small sizing with every table, a pool and a window of retry keys.
pub type Sized = Engine<Capacity<4, 4, 4, 8, 4, 64, 4>>;

/// Bytes 6.. after the fixed header: the capacity count and list, then the
/// body. Equal capacity lists mean the snapshot must match byte for byte.
const CAPACITIES: core::ops::Range<usize> = 6..14;

/// Arbitrary bytes into `restore`, as they are and with their CRC-32
/// trailer made right (so mutations reach the body's checks): an accepted
/// snapshot is a state that snapshots again to bytes which restore to the
/// same state, and, when it declares this sizing's capacities, to the very
/// same bytes.
pub fn restore(data: &[u8]) {
    restore_one(data);
    if let Some(body) = data.len().checked_sub(4) {
        let mut sealed = data.to_vec();
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&data[..body]);
        sealed[body..].copy_from_slice(&crc.to_le_bytes());
        restore_one(&sealed);
    }
}

fn restore_one(data: &[u8]) {
    let Ok(engine) = Sized::restore(data) else {
        return;
    };
    let mut buf = vec![0u8; Sized::SNAPSHOT_BUFFER_LEN];
    let again = engine
        .snapshot(&mut buf)
        .expect("a restored state snapshots");
    let back = Sized::restore(again).expect("a fresh snapshot restores");
    assert_eq!(
        back, engine,
        "a snapshot of a restored state restores to it"
    );
    if data.get(CAPACITIES) == again.get(CAPACITIES) {
        assert_eq!(again, data, "an accepted snapshot is canonical");
    }
}

/// Arbitrary bytes into `Command::decode`: an accepted command encodes to
/// exactly the same bytes.
pub fn command(data: &[u8]) {
    let Ok(command) = Command::<4>::decode(data) else {
        return;
    };
    let mut buf = [0u8; 256];
    let again = command.encode(&mut buf).expect("a decoded command encodes");
    assert_eq!(again, data, "an accepted command is canonical");
}
