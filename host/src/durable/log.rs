//! Log records: a command's bytes framed by their length and checksum.
//!
//! ```text
//! record = length: u32 LE | crc: u32 LE (CRC-32/ISO-HDLC of payload) | payload
//! payload = Command::encode(...)   (postcard, canonical)
//! ```
//!
//! A record is appended whole; a crash can leave the last one torn (cut
//! short) or holding garbage. Reading stops at the first record that is
//! not complete and intact, and says where, unless only zeros follow it:
//! a log file is extended with zeros ahead of its records, so zeros are
//! its unused space.

use imbot_like::{CodecError, Command};

/// The longest payload a record may declare: far above any command, so a
/// corrupted length is caught before it is trusted.
const MAX_PAYLOAD: usize = 1 << 20;

/// Bytes before a record's payload.
const FRAME: usize = 8;

/// The checksum of log records (that of the snapshot trailer too).
const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Appends one command's record to `out`.
pub(crate) fn append<const M: usize>(out: &mut Vec<u8>, command: &Command<M>) {
    let mut payload = [0u8; 4096];
    // A command is a few dozen bytes; its members list is the only
    // variable part, bounded by M.
    let Ok(bytes) = command.encode(&mut payload) else {
        let mut big = vec![0u8; M * 5 + 64];
        if let Ok(bytes) = command.encode(&mut big) {
            push(out, bytes);
        }
        return;
    };
    push(out, bytes);
}

fn push(out: &mut Vec<u8>, payload: &[u8]) {
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&CRC.checksum(payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// Where and why reading a log stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Offset of the first bad record: the log's valid length.
    pub offset: usize,
    /// Bytes from there to the last byte that is not zero.
    pub dropped: usize,
    /// What was wrong with the record.
    pub reason: &'static str,
}

/// The commands of a log, in order, and the damage that ended it early.
pub(crate) fn read<const M: usize>(bytes: &[u8]) -> (Vec<Command<M>>, Option<Damage>) {
    let mut commands = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match record(bytes.get(at..).unwrap_or_default()) {
            Ok((command, len)) => {
                commands.push(command);
                at += len;
            }
            Err(reason) => {
                // Zeros after the last record are the log's unused space.
                let last = bytes.iter().rposition(|&b| b != 0);
                let Some(last) = last.filter(|&last| last >= at) else {
                    return (commands, None);
                };
                let dropped = last + 1 - at;
                return (
                    commands,
                    Some(Damage {
                        offset: at,
                        dropped,
                        reason,
                    }),
                );
            }
        }
    }
    (commands, None)
}

/// One record at the start of `bytes`, and its length.
fn record<const M: usize>(bytes: &[u8]) -> Result<(Command<M>, usize), &'static str> {
    let word = |i: usize| -> Option<u32> {
        let b = bytes.get(i..i + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (Some(len), Some(crc)) = (word(0), word(4)) else {
        return Err("torn record header");
    };
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    if len == 0 || len > MAX_PAYLOAD {
        return Err("impossible record length");
    }
    let Some(payload) = bytes.get(FRAME..FRAME + len) else {
        return Err("torn record");
    };
    if CRC.checksum(payload) != crc {
        return Err("record checksum mismatch");
    }
    let command = Command::decode(payload).map_err(|e: CodecError| e.as_str())?;
    Ok((command, FRAME + len))
}
