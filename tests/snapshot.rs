//! Snapshots: round trip, golden bytes, every kind of corruption refused,
//! capacities, and deterministic replay of commands.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::*;
use imbot_like::snapshot::{Problem, Table};
use imbot_like::{
    Action, BotPolicy, Capacity, Command, Engine, IdempotencyKey, Reaction, ReactionRequest,
    RestoreError, UserLikeRequest,
};
use proptest::prelude::*;

type Cmd = Command<4>;

fn snap(e: &TestEngine) -> Vec<u8> {
    let mut buf = vec![0u8; TestEngine::SNAPSHOT_BUFFER_LEN];
    e.snapshot(&mut buf).unwrap().to_vec()
}

/// The strict world with a like by Alice (under key 7) and Bob, a fire by
/// bot 39, and Bob gone from the group (his like stays).
fn golden_world() -> TestEngine {
    let mut e = strict_world();
    let alice = UserLikeRequest::new(user(ALICE), msg(M_BOT));
    let _ = e.like_as_user_keyed(IdempotencyKey(7), &alice).unwrap();
    let _ = e
        .like_as_user(&UserLikeRequest::new(user(BOB), msg(M_BOT)))
        .unwrap();
    let fire = ReactionRequest::new(bot(BOT_A), msg(M_ALICE), Reaction::Fire).app(APP_A);
    let _ = e.add_reaction(&fire).unwrap();
    e.leave_chat(chat(GROUP), user(BOB)).unwrap();
    e
}

/// Every table at capacity: 4 bots, 4 chats of 4, 8 messages with 4
/// reactions, the like requests keyed, so the window holds the last 4.
fn full_world() -> TestEngine {
    let mut e = TestEngine::with_policy(BotPolicy::PortalCompatible);
    for b in 1..=4 {
        e.register_bot(bot(4_000_000_000 - b), APP_B).unwrap();
    }
    for c in 1..=4u32 {
        let members: Vec<_> = (1..=4).map(|u| user(u * 1_000_000 + c)).collect();
        e.open_chat(chat(c * 77), &members).unwrap();
    }
    for m in 1..=8u64 {
        let c = u32::try_from(m % 4 + 1).unwrap();
        let author = user(1_000_000 + c);
        e.post_message(msg(m << 40), chat(c * 77), author).unwrap();
        for u in 1..=4 {
            let request = UserLikeRequest::new(user(u * 1_000_000 + c), msg(m << 40));
            let key = IdempotencyKey(u128::from(m) << 100 | u128::from(u));
            let _ = e.like_as_user_keyed(key, &request).unwrap();
        }
    }
    e
}

#[test]
fn snapshot_golden_bytes_of_a_small_world() {
    let bytes = snap(&golden_world());
    #[rustfmt::skip]
    let expected: &[u8] = &[
        b'I', b'M', b'B', b'S', 1, 0,           // magic, version 1
        7, 4, 4, 4, 8, 4, 64, 4,                // 7 capacities (the pool, then keys)
        0,                                      // policy: strict
        3, 39, 1, 40, 2, 41, 2,                 // bots: (id, app) x3
        2, 0, 0, 0, 7, 0, 0, 0, 8,              // chats: ids 7, 8 (4-byte BE)
        3, 1, 39, 40,                           // chat 7: members 1, 39, 40
        2, 3, 41,                               // chat 8: members 3, 41
        3,                                      // messages: 3
        100, 7, 1, 1, 1, 5, 1, 39,              // 100 in 7 by 1, version 1: fire by 39
        101, 8, 3, 0, 0,                        // 101 in 8 by 3, version 0: none
        102, 7, 39, 2, 1, 0, 2, 1, 2,           // 102 in 7 by 39, version 2: like by 1, 2
        1,                                      // keys: 1
        7, 0, 0, 0, 0, 0, 0, 0,                 // key 7 (16 bytes, little-endian)
        0, 0, 0, 0, 0, 0, 0, 0,
        0,                                      // ages by key: 0
        1, 1, 1, 102, 2,                        // like as user: 1, on Given(102), auto
        0, 102, 7, 1, 0, 1, 1, 1, 39,           // Ok: 102 in 7 by 1, set, count 1, version 1, notify Some(39)
    ];
    assert_eq!(&bytes[..bytes.len() - 4], expected);
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(expected);
    assert_eq!(&bytes[bytes.len() - 4..], &crc.to_le_bytes());
}

#[test]
fn snapshot_round_trip_keeps_a_departed_members_like() {
    let world = golden_world();
    let restored = TestEngine::restore(&snap(&world)).unwrap();
    assert_eq!(restored, world);
    assert!(restored.is_liked_by(msg(M_BOT), user(BOB)));
    assert!(!restored.is_member(chat(GROUP), user(BOB)));
}

#[test]
fn snapshot_too_small_buffer_is_an_error_not_a_truncation() {
    let world = full_world();
    let len = snap(&world).len();
    for size in [0, 1, len / 2, len - 1, len] {
        let mut buf = vec![0u8; size];
        assert!(world.snapshot(&mut buf).is_err(), "buffer of {size}");
    }
}

#[test]
fn restore_into_larger_capacities_works() {
    let world = full_world();
    let larger = Engine::<Capacity<8, 8, 8, 16, 8, 256, 8>>::restore(&snap(&world)).unwrap();
    assert_eq!(larger.message_count(), 8);
    assert_eq!(larger.policy(), BotPolicy::PortalCompatible);
    for m in 1..=8u64 {
        assert_eq!(
            larger.like_count(msg(m << 40)),
            world.like_count(msg(m << 40))
        );
    }
}

#[test]
fn restore_into_smaller_capacities_names_the_table() {
    let bytes = snap(&full_world());
    let cases = [
        (
            Engine::<Capacity<2, 4, 4, 8, 4, 64, 4>>::restore(&bytes).err(),
            Table::Bots,
        ),
        (
            Engine::<Capacity<4, 2, 4, 8, 4, 64, 4>>::restore(&bytes).err(),
            Table::Chats,
        ),
        (
            Engine::<Capacity<4, 4, 3, 8, 4, 64, 4>>::restore(&bytes).err(),
            Table::Members,
        ),
        (
            Engine::<Capacity<4, 4, 4, 4, 4, 64, 4>>::restore(&bytes).err(),
            Table::Messages,
        ),
        (
            Engine::<Capacity<4, 4, 4, 8, 3, 64, 4>>::restore(&bytes).err(),
            Table::Reactions,
        ),
        (
            Engine::<Capacity<4, 4, 4, 8, 4, 16, 4>>::restore(&bytes).err(),
            Table::Pool,
        ),
        (
            Engine::<Capacity<4, 4, 4, 8, 4, 64, 2>>::restore(&bytes).err(),
            Table::Keys,
        ),
        (
            Engine::<Capacity<4, 4, 4, 8, 4, 64>>::restore(&bytes).err(),
            Table::Keys,
        ),
    ];
    for (error, table) in cases {
        assert_eq!(error, Some(RestoreError::DoesNotFit(table)));
    }
}

#[test]
fn restore_failure_leaves_the_engine_unchanged() {
    let mut engine = golden_world();
    let mut bytes = snap(&full_world());
    let at = bytes.len() - 10;
    bytes[at] ^= 1;
    assert_eq!(engine.restore_into(&bytes), Err(RestoreError::Checksum));
    assert_eq!(engine, golden_world());
}

/// Rewrites the CRC trailer after an edit, so the body checks are reached.
fn reseal(bytes: &mut [u8]) {
    let end = bytes.len() - 4;
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&bytes[..end]);
    bytes[end..].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn restore_names_the_entry_that_breaks_an_invariant() {
    let good = snap(&golden_world());
    // Message 101's chat (byte 8, after "101") becomes 9: no such chat.
    let at = good.iter().position(|&b| b == 101).unwrap() + 1;
    let mut bytes = good.clone();
    bytes[at] = 9;
    reseal(&mut bytes);
    match TestEngine::restore(&bytes) {
        Err(RestoreError::Invalid(v)) => {
            assert_eq!((v.table, v.index, v.id), (Table::Messages, 1, 101));
            assert_eq!(v.problem, Problem::UnknownChat);
        }
        other => panic!("{other:?}"),
    }
    // An overlong varint for bot 39's app: 1 written as 0x81 0x00.
    let mut bytes = good[..good.len() - 4].to_vec();
    let at = 17;
    assert_eq!(bytes[at - 1..=at], [39, 1]);
    bytes.splice(at..=at, [0x81, 0x00]);
    bytes.extend_from_slice(&[0; 4]);
    reseal(&mut bytes);
    assert_eq!(
        TestEngine::restore(&bytes),
        Err(RestoreError::NonCanonical(Table::Bots))
    );
}

#[test]
fn restore_refuses_another_version_clearly() {
    let mut bytes = snap(&golden_world());
    bytes[4] = 2;
    reseal(&mut bytes);
    let error = TestEngine::restore(&bytes).unwrap_err();
    assert_eq!(error, RestoreError::UnsupportedVersion);
    assert_eq!(error.to_string(), "unsupported snapshot version");
}

/// Every single-byte substitution, bit flip, truncation and one-byte
/// extension of `bytes`; returns how many variants were tried.
fn corrupt_every_way(bytes: &[u8]) -> usize {
    let mut tried = 0;
    let mut check = |variant: &[u8]| {
        tried += 1;
        assert!(
            TestEngine::restore(variant).is_err(),
            "accepted {variant:?}"
        );
    };
    let mut variant = bytes.to_vec();
    for i in 0..bytes.len() {
        for value in 0..=255u8 {
            if value != bytes[i] {
                variant[i] = value;
                check(&variant);
            }
        }
        for bit in 0..8 {
            variant[i] = bytes[i] ^ (1 << bit);
            check(&variant);
        }
        variant[i] = bytes[i];
    }
    for len in 0..bytes.len() {
        check(&bytes[..len]);
    }
    for value in 0..=255u8 {
        variant.push(value);
        check(&variant);
        variant.pop();
    }
    tried
}

fn random_world(seed: u64) -> TestEngine {
    let mut e = TestEngine::new();
    let mut state = seed;
    for _ in 0..200 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let _ = e.apply(&command_from(state >> 16));
    }
    e
}

#[test]
fn snapshot_every_single_corruption_is_refused() {
    let worlds = [
        ("empty", TestEngine::new()),
        ("full", full_world()),
        ("golden", golden_world()),
        ("random", random_world(7)),
    ];
    let mut total = 0;
    for (name, world) in worlds {
        let bytes = snap(&world);
        let tried = corrupt_every_way(&bytes);
        println!(
            "{name}: {} bytes, {tried} corrupted variants refused",
            bytes.len()
        );
        total += tried;
    }
    println!("all {total} corrupted variants refused");
}

#[test]
fn snapshot_random_mutations_never_restore_an_invalid_state() {
    let originals = [
        snap(&full_world()),
        snap(&golden_world()),
        snap(&random_world(3)),
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut accepted, mut resealed) = (0, 0);
    for round in 0..100_000u32 {
        let original = &originals[round as usize % originals.len()];
        let mut bytes = original.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() % bytes.len() as u64) as usize;
            bytes[at] = next() as u8;
        }
        // Half the rounds fix the checksum up, to reach the body checks.
        if round.is_multiple_of(2) {
            reseal(&mut bytes);
            resealed += 1;
        }
        if let Ok(engine) = TestEngine::restore(&bytes) {
            // Whatever was accepted is exactly what it snapshots to, but
            // for the declared capacities, which are the writer's.
            let again = snap(&engine);
            assert_eq!(TestEngine::restore(&again).unwrap(), engine);
            let body = |b: &[u8]| b[header_len(b)..b.len() - 4].to_vec();
            assert_eq!(body(&again), body(&bytes));
            accepted += 1;
        }
    }
    println!("100000 mutations ({resealed} resealed): {accepted} decoded to a valid state");
}

/// Bytes of the fixed header and the capacity list.
fn header_len(bytes: &[u8]) -> usize {
    let mut at = 7;
    for _ in 0..7 {
        while bytes[at] & 0x80 != 0 {
            at += 1;
        }
        at += 1;
    }
    at
}

/// A command over a small id space, from random bits.
fn command_from(bits: u64) -> Cmd {
    let pick = |shift: u32, n: u64| (bits >> shift) % n + 1;
    let u = user(pick(8, 6) as u32);
    let c = chat(pick(12, 5) as u32);
    let m = msg(pick(16, 10));
    let b = bot(pick(20, 6) as u32);
    let app = imbot_like::AppId(pick(24, 3) as u32);
    let kind = Reaction::ALL[((bits >> 28) % 4) as usize];
    let action = [Action::Auto, Action::Plus, Action::Minus][((bits >> 32) % 3) as usize];
    // Few keys, so retries and reuse for other requests both occur.
    let key = IdempotencyKey(u128::from(pick(36, 6)));
    match bits % 16 {
        0 => Command::RegisterBot { bot: b, app },
        1 => Command::UnregisterBot { bot: b },
        2 => Command::OpenChat {
            chat: c,
            members: [u, user(b.get())].into_iter().collect(),
        },
        3 => Command::CloseChat { chat: c },
        4 => Command::JoinChat { chat: c, user: u },
        5 => Command::LeaveChat { chat: c, user: u },
        6 | 7 => Command::PostMessage {
            message: m,
            chat: c,
            author: u,
        },
        8 => Command::DeleteMessage { message: m },
        9 => Command::LikeAsUser(UserLikeRequest::new(u, m).action(action)),
        10 => Command::Like(
            imbot_like::LikeRequest::new(m)
                .app(app)
                .bot(b)
                .action(action),
        ),
        11 => Command::AddReaction(ReactionRequest::new(b, m, kind).app(app)),
        12 => Command::KeyedLikeAsUser(key, UserLikeRequest::new(u, m).action(action)),
        13 => Command::KeyedLike(
            key,
            imbot_like::LikeRequest::new(m)
                .app(app)
                .bot(b)
                .action(action),
        ),
        14 => Command::KeyedAddReaction(key, ReactionRequest::new(b, m, kind).app(app)),
        _ => Command::KeyedDeleteReaction(key, ReactionRequest::new(b, m, kind).app(app)),
    }
}

fn commands() -> impl Strategy<Value = Vec<Cmd>> {
    prop::collection::vec(any::<u64>().prop_map(command_from), 0..120)
}

proptest! {
    #[test]
    fn snapshot_round_trip_over_random_worlds(cmds in commands()) {
        let mut e = TestEngine::new();
        for cmd in &cmds {
            let _ = e.apply(cmd);
        }
        let bytes = snap(&e);
        let restored = TestEngine::restore(&bytes).unwrap();
        prop_assert_eq!(&restored, &e);
        prop_assert_eq!(snap(&restored), bytes);
    }

    #[test]
    fn replay_is_deterministic(setup in commands(), log in commands()) {
        let mut e = TestEngine::new();
        for cmd in &setup {
            let _ = e.apply(cmd);
        }
        let base = snap(&e);
        let mut replicas = [TestEngine::restore(&base).unwrap(), TestEngine::restore(&base).unwrap()];
        let mut answers = [Vec::new(), Vec::new()];
        for (replica, answers) in replicas.iter_mut().zip(&mut answers) {
            for cmd in &log {
                // Each command travels through its encoding, as in a log.
                let mut buf = [0u8; 64];
                let decoded = Cmd::decode(cmd.encode(&mut buf).unwrap()).unwrap();
                prop_assert_eq!(&decoded, cmd);
                answers.push(replica.apply(&decoded));
            }
        }
        prop_assert_eq!(&answers[0], &answers[1]);
        prop_assert_eq!(snap(&replicas[0]), snap(&replicas[1]));
    }
}

#[test]
fn command_decode_refuses_trailing_and_overlong_bytes() {
    let cmd: Cmd = Command::DeleteMessage { message: msg(5) };
    let mut buf = [0u8; 16];
    let bytes = cmd.encode(&mut buf).unwrap().to_vec();
    assert_eq!(bytes, [7, 5]);
    assert_eq!(Cmd::decode(&bytes), Ok(cmd));
    assert_eq!(
        Cmd::decode(&[7, 5, 0]),
        Err(imbot_like::CodecError::TrailingBytes)
    );
    assert_eq!(
        Cmd::decode(&[7, 0x85, 0]),
        Err(imbot_like::CodecError::NonCanonical)
    );
    assert_eq!(Cmd::decode(&[7, 0]), Err(imbot_like::CodecError::Malformed));
}

#[test]
fn restore_refuses_a_repeated_idempotency_key() {
    let mut e = strict_world();
    for (key, message) in [(5u128, M_ALICE), (9, M_BOT)] {
        let request = UserLikeRequest::new(user(ALICE), msg(message));
        let _ = e.like_as_user_keyed(IdempotencyKey(key), &request).unwrap();
    }
    let good = snap(&e);
    // The keys section: count 2, key 5, key 9 (16 bytes each), ages 0, 1.
    let at = good
        .windows(18)
        .position(|w| w[..2] == [2, 5] && w[2..17].iter().all(|&b| b == 0) && w[17] == 9)
        .unwrap();
    let mut bytes = good.clone();
    bytes[at + 17] = 5;
    reseal(&mut bytes);
    match TestEngine::restore(&bytes) {
        Err(RestoreError::Invalid(v)) => {
            assert_eq!((v.table, v.problem), (Table::Keys, Problem::NotAscending));
        }
        other => panic!("{other:?}"),
    }
    // An age out of range is malformed.
    let mut bytes = good;
    bytes[at + 33] = 2;
    reseal(&mut bytes);
    assert_eq!(
        TestEngine::restore(&bytes),
        Err(RestoreError::Malformed(Table::Keys))
    );
}
