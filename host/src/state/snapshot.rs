//! The host snapshot: the whole [`HostState`] as one file, with the
//! engine's own snapshot as one section and the host's side as another.
//!
//! ```text
//! "IMHS" | version: u8 = 1 | seq: u64 LE
//! 'E' | len: u32 LE | the engine's snapshot (its own format, "IMBS")
//! 'H' | len: u32 LE | the host section (postcard)
//! crc: u32 LE (CRC-32/ISO-HDLC of every byte before it)
//! ```
//!
//! `seq` is the number of logged commands the state includes. Restoring
//! checks the frame, the CRC, the engine section as the engine checks its
//! snapshots, and the host section against the engine (every bot's
//! application known, every webhook bot owned as recorded, every message
//! text of a message the engine holds, every bot in webhook mode
//! registered, counters past every id). The
//! format is specified in `docs/host-format.md`.

use imbot_like::wire::AppKind;
use imbot_like::{AppId, BotId, ServerEngine, SnapshotError};
use serde::{Deserialize, Serialize};

use crate::auth::WebhookKey;
use crate::events::Queues;
use crate::identity::{Apps, WebhookBot, WebhookBots};
use crate::portal::State as Registry;
use crate::world::World;

use super::HostState;
use super::retries::{Retries, RetriesSection};

/// The file's first four bytes.
pub const MAGIC: [u8; 4] = *b"IMHS";
/// The format version this host writes and reads.
pub const VERSION: u8 = 2;
/// The engine section's tag.
const ENGINE: u8 = b'E';
/// The host section's tag.
const HOST: u8 = b'H';

/// The checksum of snapshots and log records.
pub(crate) const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// The host section: everything of the state but the engine.
#[derive(Serialize, Deserialize)]
struct HostSection {
    /// Client ids in handle order: entry `i` is `AppId(i + 1)`.
    apps: Vec<(AppKind, String)>,
    /// Webhook-registered bots, ascending by id.
    webhook_bots: Vec<WebhookBotEntry>,
    registry: Registry,
    events: Queues,
    /// Each caller's retry window, callers ascending, keys oldest first.
    retries: RetriesSection,
    /// The world the state was seeded from, as a world file (JSON).
    seed: String,
}

#[derive(Serialize, Deserialize)]
struct WebhookBotEntry {
    bot: u32,
    app: u32,
    token: Option<String>,
    registered_by: WebhookKey,
    drivers: Vec<WebhookKey>,
}

impl HostState {
    /// The state as a host snapshot including `seq` logged commands.
    /// `scratch` is the engine snapshot's buffer, grown as needed and
    /// kept by the caller for the next snapshot.
    ///
    /// # Errors
    /// The engine's (a storage defect) or the host section's encoder's.
    pub fn encode(&self, seq: u64, scratch: &mut Vec<u8>) -> Result<Vec<u8>, String> {
        let engine = engine_snapshot(&self.engine, scratch)?;
        let host = postcard::to_allocvec(&self.host_section()).map_err(|e| e.to_string())?;
        let mut out = Vec::with_capacity(engine.len() + host.len() + 32);
        out.extend_from_slice(&MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&seq.to_le_bytes());
        for (tag, bytes) in [(ENGINE, engine), (HOST, host.as_slice())] {
            let len = u32::try_from(bytes.len()).map_err(|_| "section over 4 GiB")?;
            out.push(tag);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(bytes);
        }
        out.extend_from_slice(&CRC.checksum(&out).to_le_bytes());
        Ok(out)
    }

    /// A state from a host snapshot, and the `seq` it includes. `engine`
    /// is an engine to restore into (its state is replaced).
    ///
    /// # Errors
    /// What is wrong, naming the section and the entry.
    pub fn decode(bytes: &[u8], mut engine: Box<ServerEngine>) -> Result<(Self, u64), String> {
        let (seq, engine_bytes, host_bytes) = unframe(bytes)?;
        engine
            .restore_into(engine_bytes)
            .map_err(|e| format!("engine section: {e}"))?;
        let section: HostSection = match postcard::take_from_bytes(host_bytes) {
            Ok((section, [])) => section,
            Ok(_) => return Err("host section: bytes after its end".into()),
            Err(e) => return Err(format!("host section: {e}")),
        };
        let state = Self::from_section(engine, section)?;
        Ok((state, seq))
    }

    fn host_section(&self) -> HostSection {
        HostSection {
            apps: self
                .apps
                .iter()
                .map(|(_, kind, id)| (kind, id.to_owned()))
                .collect(),
            webhook_bots: self
                .webhook_bots
                .iter()
                .map(|(bot, entry)| WebhookBotEntry {
                    bot: bot.get(),
                    app: entry.app.0,
                    token: entry.token.clone(),
                    registered_by: entry.registered_by.clone(),
                    drivers: entry.drivers.iter().cloned().collect(),
                })
                .collect(),
            registry: self.registry.clone(),
            events: self.events.clone(),
            retries: self.retries.section(),
            seed: serde_json::to_string(&self.seed).unwrap_or_default(),
        }
    }

    fn from_section(engine: Box<ServerEngine>, section: HostSection) -> Result<Self, String> {
        let apps = apps_of(&section.apps)?;
        for (bot, app) in engine.bots() {
            if apps.client_id(app).is_none() {
                return Err(format!(
                    "host section: bot {bot}'s application {app} is unknown"
                ));
            }
        }
        let webhook_bots = webhook_bots_of(&engine, &apps, section.webhook_bots)?;
        check_registry(&engine, &section.registry)?;
        for bot in section.events.webhook_bots() {
            if BotId::new(bot).and_then(|b| engine.bot_owner(b)).is_none() {
                return Err(format!(
                    "host section: bot {bot} in webhook mode is not registered"
                ));
            }
        }
        let retries =
            Retries::from_section(section.retries).map_err(|e| format!("host section: {e}"))?;
        let seed =
            World::from_json(&section.seed).map_err(|e| format!("host section: seed: {e}"))?;
        Ok(Self {
            engine,
            registry: section.registry,
            apps,
            webhook_bots,
            events: section.events,
            retries,
            seed,
        })
    }
}

/// The engine's snapshot in `scratch`, which doubles until it fits.
fn engine_snapshot<'a>(
    engine: &ServerEngine,
    scratch: &'a mut Vec<u8>,
) -> Result<&'a [u8], String> {
    if scratch.is_empty() {
        scratch.resize(1 << 20, 0);
    }
    loop {
        let have = scratch.len();
        match engine.snapshot(scratch).map(<[u8]>::len) {
            Ok(len) => return Ok(scratch.get(..len).unwrap_or_default()),
            Err(SnapshotError::BufferTooSmall) if have < ServerEngine::SNAPSHOT_BUFFER_LEN => {
                scratch.resize((have * 2).min(ServerEngine::SNAPSHOT_BUFFER_LEN), 0);
            }
            Err(e) => return Err(format!("engine snapshot: {e}")),
        }
    }
}

/// The frame's `seq`, engine section and host section, once its length,
/// magic, version, tags and CRC are right.
fn unframe(bytes: &[u8]) -> Result<(u64, &[u8], &[u8]), String> {
    let body_len = bytes.len().checked_sub(4).ok_or("shorter than its frame")?;
    let (body, crc) = bytes.split_at(body_len);
    if CRC.checksum(body).to_le_bytes() != crc {
        return Err("checksum mismatch".into());
    }
    let mut reader = Reader(body);
    if reader.take(4)? != MAGIC {
        return Err("not a host snapshot (magic)".into());
    }
    let version = reader.take(1)?[0];
    if version != VERSION {
        return Err(format!(
            "format version {version}, this host reads {VERSION}"
        ));
    }
    let seq = u64::from_le_bytes(reader.take(8)?.try_into().map_err(|_| "seq")?);
    let engine = reader.section(ENGINE)?;
    let host = reader.section(HOST)?;
    if !reader.0.is_empty() {
        return Err("bytes after the last section".into());
    }
    Ok((seq, engine, host))
}

/// A cursor over a snapshot's bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("cut short".into());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn section(&mut self, tag: u8) -> Result<&'a [u8], String> {
        let found = self.take(1)?[0];
        if found != tag {
            return Err(format!(
                "section {:?} where {:?} belongs",
                found as char, tag as char
            ));
        }
        let len = u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| "length")?);
        self.take(usize::try_from(len).map_err(|_| "length")?)
    }
}

/// The application directory, rebuilt in handle order.
fn apps_of(entries: &[(AppKind, String)]) -> Result<Apps, String> {
    let mut apps = Apps::new();
    for (kind, client_id) in entries {
        apps.register_as(*kind, client_id)
            .map_err(|e| format!("host section: application {client_id:?}: {e}"))?;
    }
    Ok(apps)
}

/// The webhook bots, each checked against the engine and the directory.
fn webhook_bots_of(
    engine: &ServerEngine,
    apps: &Apps,
    entries: Vec<WebhookBotEntry>,
) -> Result<WebhookBots, String> {
    let mut bots = WebhookBots::default();
    for entry in entries {
        let refuse = |why: &str| format!("host section: webhook bot {}: {why}", entry.bot);
        let bot = BotId::new(entry.bot).ok_or_else(|| refuse("bad id"))?;
        let app = AppId(entry.app);
        if engine.bot_owner(bot) != Some(app) {
            return Err(refuse("the engine does not hold it with that application"));
        }
        if apps.kind(app) != Some(AppKind::Webhook) {
            return Err(refuse("its application is not a webhook's"));
        }
        let webhook = WebhookBot {
            app,
            token: entry.token,
            registered_by: entry.registered_by,
            drivers: entry.drivers.into_iter().collect(),
        };
        bots.add(bot, webhook).map_err(refuse)?;
    }
    Ok(bots)
}

/// Every message text belongs to a message the engine holds, in the same
/// chat by the same author, and the id counters are past every id.
fn check_registry(engine: &ServerEngine, registry: &Registry) -> Result<(), String> {
    for (&id, meta) in &registry.messages {
        let info = imbot_like::MessageId::new(id).and_then(|m| engine.message(m));
        let same = info.is_some_and(|i| i.chat.get() == meta.chat && i.author.get() == meta.author);
        if !same {
            return Err(format!(
                "host section: message {id} does not match the engine's"
            ));
        }
    }
    for (&id, command) in &registry.commands {
        let bot = imbot_like::BotId::new(command.bot).and_then(|b| engine.bot_owner(b));
        if bot.map(|app| app.0) != Some(command.app) || id >= registry.next_command {
            return Err(format!(
                "host section: command {id} names no bot of its application, or its id is in use"
            ));
        }
    }
    let top_message = engine.messages().map(|(id, _)| id.get()).max().unwrap_or(0);
    let top_chat = engine.chats().map(|(id, _)| id.get()).max().unwrap_or(0);
    let top_bot = engine.bots().map(|(id, _)| id.get()).max().unwrap_or(0);
    if registry.next_message <= top_message
        || registry.next_chat <= top_chat
        || registry.next_user <= top_bot
    {
        return Err("host section: an id counter is behind an id in use".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{CRC, HostState, VERSION};
    use crate::state::{HostCommand, build_engine};
    use crate::world::World;

    /// The golden snapshot: the default world's state at `seq` 7.
    const GOLDEN: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/default-world-v2.snapshot"
    );

    fn state() -> HostState {
        HostState::from_world(&World::from_json(crate::DEFAULT_WORLD).unwrap()).unwrap()
    }

    /// `IMBOT_BLESS=1` writes the golden file from the current encoder.
    #[test]
    fn the_default_world_encodes_to_the_golden_bytes_and_back() {
        let bytes = state().encode(7, &mut Vec::new()).unwrap();
        if std::env::var_os("IMBOT_BLESS").is_some() {
            std::fs::write(GOLDEN, &bytes).unwrap();
        }
        let golden = std::fs::read(GOLDEN).unwrap();
        assert!(
            bytes == golden,
            "the host snapshot format changed: bump VERSION"
        );
        let (decoded, seq) = HostState::decode(&golden, build_engine().unwrap()).unwrap();
        assert_eq!(seq, 7);
        assert!(decoded.encode(7, &mut Vec::new()).unwrap() == golden);
    }

    #[test]
    fn a_bot_in_webhook_mode_keeps_its_url_and_an_unregistered_one_is_refused() {
        let mut st = state();
        st.events.set_mode(39, Some("http://127.0.0.1:9/h".into()));
        let bytes = st.encode(1, &mut Vec::new()).unwrap();
        let (decoded, _) = HostState::decode(&bytes, build_engine().unwrap()).unwrap();
        assert_eq!(decoded.events.webhook(39), Some("http://127.0.0.1:9/h"));
        assert_eq!(decoded.events.webhook(40), None);
        st.events.set_mode(999, Some("http://127.0.0.1:9/h".into()));
        let bytes = st.encode(1, &mut Vec::new()).unwrap();
        let refused = HostState::decode(&bytes, build_engine().unwrap()).err();
        assert_eq!(
            refused.unwrap(),
            "host section: bot 999 in webhook mode is not registered"
        );
    }

    #[test]
    fn a_changed_byte_a_wrong_version_or_a_trailing_byte_is_refused() {
        let golden = std::fs::read(GOLDEN).unwrap();
        let decode = |bytes: &[u8]| HostState::decode(bytes, build_engine().unwrap()).err();
        let mut flipped = golden.clone();
        flipped[40] ^= 1;
        assert_eq!(decode(&flipped).unwrap(), "checksum mismatch");
        let resealed = |mut body: Vec<u8>| {
            let crc = CRC.checksum(&body).to_le_bytes();
            body.extend_from_slice(&crc);
            body
        };
        let mut versioned = golden[..golden.len() - 4].to_vec();
        versioned[4] = VERSION + 1;
        assert!(
            decode(&resealed(versioned))
                .unwrap()
                .contains("format version")
        );
        let mut longer = golden[..golden.len() - 4].to_vec();
        longer.push(0);
        assert_eq!(
            decode(&resealed(longer)).unwrap(),
            "bytes after the last section"
        );
    }

    #[test]
    fn commands_encode_to_their_golden_bytes() {
        let message = imbot_like::MessageId::new(3).unwrap();
        let command = HostCommand::engine(1_000, imbot_like::Command::DeleteMessage { message });
        let bytes = command.encode().unwrap();
        assert_eq!(bytes, [0xE8, 0x07, 0x00, 0x07, 0x03]);
        assert_eq!(HostCommand::decode(&bytes).unwrap(), command);
        assert!(HostCommand::decode(&[0xE8, 0x07, 0x00, 0x07, 0x03, 0x00]).is_err());
    }

    #[test]
    fn a_keyed_call_encodes_with_its_owner_and_key() {
        use crate::auth::Caller;
        use crate::state::{Keyed, KeyedCall, Op};
        use imbot_like::{AppId, IdempotencyKey, LikeRequest, MessageId};

        let request = LikeRequest::new(MessageId::new(3).unwrap()).app(AppId(1));
        let command = HostCommand {
            at_ms: 1_000,
            op: Op::Keyed(KeyedCall {
                caller: Caller::App(AppId(2)),
                key: IdempotencyKey(5),
                request: Keyed::Like(request),
            }),
        };
        let bytes = command.encode().unwrap();
        // at_ms, Keyed, App(2), key 5, Like, then the engine's request.
        assert_eq!(bytes[..6], [0xE8, 0x07, 0x02, 0x00, 0x02, 0x05]);
        assert_eq!(bytes[6], 0x00);
        assert_eq!(HostCommand::decode(&bytes).unwrap(), command);
    }
}
