//! Log frames: the commands of one flush, framed by their length and
//! checksum.
//!
//! ```text
//! frame = length: u32 LE | crc: u32 LE (CRC-32/ISO-HDLC of body) | body
//! body  = one or more of: length: u32 LE | HostCommand (postcard)
//! ```
//!
//! Each flush appends one frame and syncs it before any of its commands is
//! answered, and the next frame is written only after that sync. So only
//! the last frame of the last log can be damaged by a crash (cut short, or
//! holding a mix of written and unwritten blocks): a bad frame that is
//! followed by nothing but the zeros a log is extended with is a torn
//! write, and a bad frame followed by any intact frame is corruption.

use crate::state::HostCommand;
use crate::state::snapshot::CRC;

/// The longest body a frame may declare: far above any flush, so a
/// corrupted length is caught before it is trusted.
const MAX_BODY: usize = 64 << 20;

/// Bytes before a frame's body, and before a command in it.
const HEADER: usize = 8;

/// Why an intact frame is refused: its commands do not decode.
const UNREADABLE: &str = "an intact frame whose commands do not decode (another format?)";

/// Appends one command to a flush's body.
///
/// # Errors
/// The command could not be encoded (which its types never cause).
pub(crate) fn push_command(body: &mut Vec<u8>, command: &HostCommand) -> Result<(), String> {
    let bytes = command.encode().map_err(|e| e.to_string())?;
    let len = u32::try_from(bytes.len()).map_err(|_| "a command over 4 GiB")?;
    body.extend_from_slice(&len.to_le_bytes());
    body.extend_from_slice(&bytes);
    Ok(())
}

/// The longest body a flush writes as one frame; a larger flush is split
/// at command boundaries into frames written and synced one after the
/// other, so that only the last can be torn.
pub(crate) const FRAME_LIMIT: usize = 8 << 20;

/// A flush's body cut at command boundaries into bodies of at most
/// [`FRAME_LIMIT`] bytes (a single larger command stays whole).
pub(crate) fn split(body: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let (mut start, mut at) = (0, 0);
    while let Some(len) = word(body, at) {
        let next = at + 4 + usize::try_from(len).unwrap_or(usize::MAX);
        if next - start > FRAME_LIMIT && at > start {
            parts.push(&body[start..at]);
            start = at;
        }
        at = next.min(body.len());
    }
    if start < body.len() {
        parts.push(&body[start..]);
    }
    parts
}

/// A flush's body framed for the log.
pub(crate) fn frame(body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(body.len() + HEADER);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&CRC.checksum(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// Where and why reading a log stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Offset of the first bad frame: the log's valid length.
    pub offset: usize,
    /// Bytes from there to the last byte that is not zero.
    pub dropped: usize,
    /// What was wrong with the frame.
    pub reason: &'static str,
    /// Commands in intact frames after it, which a cut would lose (0 for a
    /// torn write).
    pub intact_after: usize,
    /// The frame's checksum holds but its commands do not decode: written
    /// whole, by a host that wrote another format. Never a torn write.
    pub unreadable: bool,
}

impl Damage {
    /// Whether intact frames follow: corruption, not a torn write.
    #[must_use]
    pub fn is_corruption(&self) -> bool {
        self.intact_after > 0 || self.unreadable
    }
}

/// The commands of a log, in order, and the damage that ended it early.
pub(crate) fn read(bytes: &[u8]) -> (Vec<HostCommand>, Option<Damage>) {
    let mut commands = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match frame_at(bytes, at) {
            Ok((mut batch, len)) => {
                commands.append(&mut batch);
                at += len;
            }
            Err(reason) => return (commands, damage(bytes, at, reason)),
        }
    }
    (commands, None)
}

/// The damage of a bad frame at `at`, or `None` if only zeros follow it
/// (a log's unused space).
fn damage(bytes: &[u8], at: usize, reason: &'static str) -> Option<Damage> {
    let unreadable = reason == UNREADABLE;
    let last = bytes
        .iter()
        .rposition(|&b| b != 0)
        .filter(|&last| last >= at)?;
    let end = last + 1;
    let intact_after = (at + 1..end)
        .find(|&start| sealed(bytes, start).is_some())
        .map_or(0, |start| count_from(bytes, start));
    Some(Damage {
        offset: at,
        dropped: end - at,
        reason,
        intact_after,
        unreadable,
    })
}

/// Commands in the intact frames from `at` on, up to the next bad one;
/// an intact frame whose commands do not decode counts as one.
fn count_from(bytes: &[u8], mut at: usize) -> usize {
    let mut count = 0;
    while let Some(len) = sealed(bytes, at) {
        let body = bytes.get(at + HEADER..at + len).unwrap_or_default();
        count += commands(body).map_or(1, |c| c.len());
        at += len;
    }
    count
}

/// The length of a frame at `at` whose checksum holds: one written whole,
/// whether or not its commands decode.
fn sealed(bytes: &[u8], at: usize) -> Option<usize> {
    let rest = bytes.get(at..)?;
    let len = usize::try_from(word(rest, 0)?).ok()?;
    if len == 0 || len > MAX_BODY {
        return None;
    }
    let body = rest.get(HEADER..HEADER + len)?;
    (CRC.checksum(body) == word(rest, 4)?).then_some(HEADER + len)
}

/// The frame at `at`: its commands and its length.
fn frame_at(bytes: &[u8], at: usize) -> Result<(Vec<HostCommand>, usize), &'static str> {
    let rest = bytes.get(at..).unwrap_or_default();
    let (Some(len), Some(crc)) = (word(rest, 0), word(rest, 4)) else {
        return Err("torn frame header");
    };
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    if len == 0 || len > MAX_BODY {
        return Err("impossible frame length");
    }
    let Some(body) = rest.get(HEADER..HEADER + len) else {
        return Err("torn frame");
    };
    if CRC.checksum(body) != crc {
        return Err("frame checksum mismatch");
    }
    let commands = commands(body).map_err(|_| UNREADABLE)?;
    Ok((commands, HEADER + len))
}

/// The commands of an intact frame's body.
pub(crate) fn commands(mut body: &[u8]) -> Result<Vec<HostCommand>, &'static str> {
    let mut out = Vec::new();
    while !body.is_empty() {
        let len = word(body, 0).ok_or("torn command length")?;
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        let bytes = body.get(4..4 + len).ok_or("command past its frame")?;
        out.push(HostCommand::decode(bytes).map_err(|_| "command does not decode")?);
        body = body.get(4 + len..).unwrap_or_default();
    }
    Ok(out)
}

fn word(bytes: &[u8], i: usize) -> Option<u32> {
    let b = bytes.get(i..i + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{frame, push_command, read};
    use crate::state::HostCommand;

    fn command(n: u64) -> HostCommand {
        let message = imbot_like::MessageId::new(n).unwrap();
        HostCommand::engine(n, imbot_like::Command::DeleteMessage { message })
    }

    fn log(frames: u64) -> Vec<u8> {
        let mut out = Vec::new();
        for n in 1..=frames {
            let mut body = Vec::new();
            push_command(&mut body, &command(n)).unwrap();
            out.extend(frame(&body));
        }
        out.resize(out.len() + 64, 0);
        out
    }

    #[test]
    fn a_flipped_byte_before_intact_frames_is_corruption() {
        let mut bytes = log(3);
        let frame_len = (bytes.len() - 64) / 3;
        bytes[frame_len + frame_len / 2] ^= 0x40;
        let (commands, damage) = read(&bytes);
        let damage = damage.unwrap();
        assert_eq!(commands.len(), 1);
        assert!(damage.is_corruption());
        assert_eq!(damage.intact_after, 1);
    }

    #[test]
    fn a_cut_last_frame_followed_by_zeros_is_a_torn_write() {
        let mut bytes = log(3);
        let end = bytes.iter().rposition(|&b| b != 0).unwrap();
        bytes[end - 3..].fill(0);
        let (commands, damage) = read(&bytes);
        assert_eq!(commands.len(), 2);
        assert!(!damage.unwrap().is_corruption());
    }

    #[test]
    fn an_intact_frame_that_does_not_decode_is_corruption_even_last() {
        let mut body = Vec::new();
        push_command(&mut body, &command(1)).unwrap();
        let mut bytes = frame(&body);
        bytes.extend(frame(&[1, 0, 0, 0, 0xFF]));
        bytes.resize(bytes.len() + 64, 0);
        let (commands, damage) = read(&bytes);
        assert_eq!(commands.len(), 1);
        assert!(damage.unwrap().is_corruption());
    }

    #[test]
    fn a_large_flush_is_cut_at_command_boundaries() {
        let mut body = Vec::new();
        let big = vec![7u8; super::FRAME_LIMIT / 2 + 1];
        for _ in 0..3 {
            body.extend_from_slice(&u32::try_from(big.len()).unwrap().to_le_bytes());
            body.extend_from_slice(&big);
        }
        let parts = super::split(&body);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.iter().map(|p| p.len()).sum::<usize>(), body.len());
        let small = log(2);
        assert_eq!(super::split(&small[..0]).len(), 0);
    }

    #[test]
    fn zeros_after_the_last_frame_are_unused_space() {
        let (commands, damage) = read(&log(2));
        assert_eq!((commands.len(), damage), (2, None));
    }
}
