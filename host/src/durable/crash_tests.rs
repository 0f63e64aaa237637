//! The whole host state machine through thousands of simulated crashes.
//!
//! A seeded run applies random commands (likes and reactions, keyed and
//! not, messages posted, members added and removed) to a state, logs each
//! that changed it through a [`Journal`] on a [`SimDisk`], writes
//! snapshots now and then, and lets the disk fail after a random number of
//! operations. The disk then crashes (unsynced sectors and names kept or
//! lost at random) and the state is recovered. After every crash:
//!
//! - recovery succeeds: a crash never makes a state recovery refuses;
//! - the state is exactly the reference state after some number `k` of
//!   logged commands, with every acknowledged command included (`k` at
//!   least the acknowledged count) and nothing that was never issued;
//! - now and then a byte inside an earlier frame of the log is flipped
//!   and recovery must refuse (corruption is not a torn tail), then the
//!   byte is flipped back.
//!
//! `IMBOT_CRASH_ROUNDS` sets the number of crashes (default 2,000) and
//! `IMBOT_CRASH_SEED` the seed; a failure prints both.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use imbot_like::{
    Action, AppId, BotId, Command, IdempotencyKey, LikeRequest, MessageId, Reaction,
    ReactionRequest, UserId, UserLikeRequest,
};

use super::journal::{Journal, log_name, write_snapshot};
use super::log::push_command;
use super::recover::{Mode, recover, recover_with};
use super::sim::SimDisk;
use super::storage::Storage;
use crate::auth::Caller as Owner;
use crate::portal::{Caller, Params, PortalMethod};
use crate::state::{HostCommand, HostState, Keyed, KeyedCall, Op, PortalCall};
use crate::world::World;

/// A small random source (splitmix64), so a seed replays a run exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn world() -> World {
    World::from_json(crate::DEFAULT_WORLD).unwrap()
}

/// A random command of the kinds hosts send (keyed likes in two callers' windows). Messages are posted and
/// deleted about equally often, so the state stays small.
fn command(rng: &mut Rng, at_ms: u64, state: &HostState) -> HostCommand {
    let user = UserId::new([1, 2, 3][rng.below(3) as usize]).unwrap();
    let message = MessageId::new(1 + rng.below(8)).unwrap();
    let action = [Action::Plus, Action::Minus, Action::Auto][rng.below(3) as usize];
    let key = IdempotencyKey::from_text(&format!("k{}", rng.below(12)));
    let bot = BotId::new(39).unwrap();
    let engine = |c| HostCommand::engine(at_ms, c);
    match rng.below(9) {
        0 | 1 => engine(Command::LikeAsUser(
            UserLikeRequest::new(user, message).action(action),
        )),
        2 => keyed(
            at_ms,
            Owner::App(AppId(1 + rng.below(2) as u32)),
            key,
            Keyed::LikeAsUser(UserLikeRequest::new(user, message).action(action)),
        ),
        3 => keyed(
            at_ms,
            Owner::App(AppId(1)),
            key,
            Keyed::Like(
                LikeRequest::new(message)
                    .app(AppId(1))
                    .bot(bot)
                    .action(action),
            ),
        ),
        4 => engine(Command::AddReaction(
            ReactionRequest::new(bot, message, Reaction::ALL[1]).app(AppId(1)),
        )),
        5 => portal(
            at_ms,
            PortalMethod::UserMessageAdd,
            user,
            &format!("DIALOG_ID=chat7&MESSAGE=m{at_ms}"),
        ),
        6 => {
            let own = state.registry.messages.iter().rev();
            let id = own
                .filter(|&(&id, m)| id > 3 && m.author == user.get())
                .map(|(&id, _)| id)
                .next()
                .unwrap_or(1);
            portal(
                at_ms,
                PortalMethod::UserMessageDelete,
                user,
                &format!("MESSAGE_ID={id}"),
            )
        }
        7 => portal(
            at_ms,
            PortalMethod::UserChatLeave,
            UserId::new(3).unwrap(),
            "CHAT_ID=7",
        ),
        _ => portal(
            at_ms,
            PortalMethod::UserChatUserAdd,
            UserId::new(1).unwrap(),
            "CHAT_ID=7&USERS[]=3",
        ),
    }
}

fn keyed(at_ms: u64, caller: Owner, key: IdempotencyKey, request: Keyed) -> HostCommand {
    HostCommand {
        at_ms,
        op: Op::Keyed(KeyedCall {
            caller,
            key,
            request,
        }),
    }
}

fn portal(at_ms: u64, method: PortalMethod, user: UserId, query: &str) -> HostCommand {
    let params = Params::from_input(&crate::input::Input::from_query(query));
    HostCommand {
        at_ms,
        op: Op::Portal(PortalCall {
            method,
            caller: Caller::User(user),
            params,
            entropy: None,
        }),
    }
}

/// A hash of the state's snapshot bytes with a fixed `seq`.
fn digest(state: &HostState, scratch: &mut Vec<u8>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    state.encode(0, scratch).unwrap().hash(&mut hasher);
    hasher.finish()
}

/// The run's bookkeeping: the digest after each logged command, how many
/// were acknowledged, and what recoveries saw.
struct History {
    digests: Vec<u64>,
    acked: usize,
    /// Recoveries that dropped a torn frame.
    torn: u64,
    /// Recoveries that found commands logged but never acknowledged.
    beyond_acked: u64,
}

#[test]
fn no_crash_loses_an_acknowledged_change_or_makes_recovery_refuse() {
    let seed = env("IMBOT_CRASH_SEED", 0x1B07_11CE);
    let rounds = env("IMBOT_CRASH_ROUNDS", 2_000);
    let context = format!("IMBOT_CRASH_SEED={seed} IMBOT_CRASH_ROUNDS={rounds}");
    let mut rng = Rng(seed);
    let disk = SimDisk::new(seed);
    let mut scratch = Vec::new();
    let fresh = HostState::from_world(&world()).unwrap();
    let mut history = History {
        digests: vec![digest(&fresh, &mut scratch)],
        acked: 0,
        torn: 0,
        beyond_acked: 0,
    };
    let mut at_ms = 0;
    let mut refusals_checked = 0;
    let mut spare = Some(fresh.try_clone().unwrap().engine);
    for round in 0..rounds {
        let (mut state, seq) = recovered(
            &disk,
            &mut history,
            &mut spare,
            &mut scratch,
            &context,
            round,
        );
        history.digests.truncate(seq as usize + 1);
        history.acked = seq as usize;
        if round % 25 == 24 && corrupt_and_check(&disk, &mut rng) {
            refusals_checked += 1;
        }
        disk.fail_after(1 + rng.below(80));
        run_until_failure(
            &disk,
            &mut state,
            seq,
            &mut history,
            &mut rng,
            &mut at_ms,
            &mut scratch,
        );
        disk.crash();
        spare = Some(state.engine);
    }
    assert!(
        history.digests.len() > 1,
        "{context}: nothing was ever logged"
    );
    assert!(
        refusals_checked > 0,
        "{context}: corruption was never checked"
    );
    assert!(history.torn > 0, "{context}: no crash ever tore a frame");
    println!(
        "{context}: {rounds} crashes, {} torn frames dropped, {} recoveries with \
         unacknowledged commands, {refusals_checked} corruptions refused",
        history.torn, history.beyond_acked
    );
}

/// Recovers after a crash and checks the state against the history: the
/// state and the number of commands it includes.
fn recovered(
    disk: &SimDisk,
    history: &mut History,
    spare: &mut Option<Box<imbot_like::ServerEngine>>,
    scratch: &mut Vec<u8>,
    context: &str,
    round: u64,
) -> (HostState, u64) {
    let mut storage = disk.clone();
    let mut engine = || {
        spare.take().map_or_else(
            || crate::state::build_engine().map_err(|e| e.to_string()),
            Ok,
        )
    };
    let found = recover_with(&mut storage, Mode::Start, &mut engine)
        .unwrap_or_else(|e| panic!("{context}: round {round}: recovery refused a crash: {e}"));
    let Some((state, recovered)) = found else {
        assert_eq!(
            history.acked, 0,
            "{context}: round {round}: acknowledged state lost"
        );
        return (HostState::from_world(&world()).unwrap(), 0);
    };
    let k = usize::try_from(recovered.seq()).unwrap();
    history.torn += u64::from(recovered.torn_tail.is_some());
    history.beyond_acked += u64::from(k > history.acked);
    assert!(
        k >= history.acked && k < history.digests.len(),
        "{context}: round {round}: recovered {k} commands, acknowledged {}, issued {}",
        history.acked,
        history.digests.len() - 1
    );
    assert!(
        digest(&state, scratch) == history.digests[k],
        "{context}: round {round}: the state after {k} commands differs from the reference"
    );
    (state, recovered.seq())
}

/// Logs random commands until the disk fails: a first snapshot (as a
/// start writes), then frames of one to three commands; now and then a
/// snapshot, written while the log goes on, and a new log started up to
/// two frames later (as the snapshotter and the writer do).
fn run_until_failure(
    disk: &SimDisk,
    state: &mut HostState,
    mut seq: u64,
    history: &mut History,
    rng: &mut Rng,
    at_ms: &mut u64,
    scratch: &mut Vec<u8>,
) {
    let mut journal = Journal::new(disk.clone());
    if journal
        .checkpoint(&state.encode(seq, scratch).unwrap(), seq)
        .is_err()
    {
        return;
    }
    let mut rotate_in: Option<u64> = None;
    loop {
        let mut body = Vec::new();
        for _ in 0..=rng.below(3) {
            *at_ms += 1000;
            let command = command(rng, *at_ms, state);
            if state.apply(&command).1 {
                push_command(&mut body, &command).unwrap();
                seq += 1;
                history.digests.push(digest(state, scratch));
            }
        }
        if !body.is_empty() && journal.append(&body).is_err() {
            return;
        }
        history.acked = usize::try_from(seq).unwrap();
        match rotate_in {
            Some(0) if journal.rotate(seq).is_err() => return,
            Some(0) => rotate_in = None,
            Some(n) => rotate_in = Some(n - 1),
            None if rng.below(12) == 0 => {
                let bytes = state.encode(seq, scratch).unwrap();
                if write_snapshot(&mut disk.clone(), &bytes, seq).is_err() {
                    return;
                }
                rotate_in = Some(rng.below(3));
            }
            None => {}
        }
    }
}

/// Flips a byte inside the first frame of the newest log, when it starts
/// at or after the newest snapshot and an intact frame follows the first; checks that recovery refuses, and flips it back.
/// Whether it found such a log.
fn corrupt_and_check(disk: &SimDisk, rng: &mut Rng) -> bool {
    let mut storage = disk.clone();
    let (snapshots, logs) = super::journal::list(&storage).unwrap();
    let newest = match (snapshots.last(), logs.last()) {
        (Some(&snapshot), Some(&log)) if log >= snapshot => log,
        _ => return false,
    };
    let name = log_name(newest);
    let bytes = disk.contents(&name);
    let Some(first_len) = first_frame_len(&bytes) else {
        return false;
    };
    if first_frame_len(&bytes[first_len..]).is_none() {
        return false;
    }
    let at = 8 + usize::try_from(rng.below(first_len as u64 - 8)).unwrap();
    disk.flip(&name, at, 3);
    let outcome = recover(&mut storage, Mode::Start).map(|r| r.map(|(_, r)| r));
    disk.flip(&name, at, 3);
    assert!(
        outcome.is_err(),
        "a flipped byte in {name} at {at} was not refused: {outcome:?}"
    );
    true
}

/// The length of a whole frame at the start of `bytes`, if one is there.
fn first_frame_len(bytes: &[u8]) -> Option<usize> {
    let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    (len > 0 && bytes.len() >= 8 + len).then_some(8 + len)
}

#[test]
fn a_write_error_is_never_acknowledged() {
    let disk = SimDisk::new(7);
    let mut journal = Journal::new(disk.clone());
    let state = HostState::from_world(&world()).unwrap();
    journal
        .checkpoint(&state.encode(0, &mut Vec::new()).unwrap(), 0)
        .unwrap();
    disk.fail_after(0);
    let mut body = Vec::new();
    push_command(&mut body, &command(&mut Rng(1), 1, &state)).unwrap();
    assert!(journal.append(&body).is_err());
    let mut storage: Box<dyn Storage> = Box::new(disk.clone());
    assert!(storage.sync_dir().is_err());
}
