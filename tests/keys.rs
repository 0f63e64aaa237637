//! Retries by idempotency key: a remembered key answers again without
//! changing anything, a key reused for another request is refused, the
//! window forgets oldest first, survives a snapshot, and is off at
//! `KEYS = 0`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod common;

use common::*;
use imbot_like::{
    Action, Capacity, Change, Command, Engine, ErrorCode, IdempotencyKey, LikeError, Reaction,
    ReactionError, ReactionErrorCode, ReactionRequest, UserLikeRequest, pool_for,
};

/// The test sizing without a retry window.
type Unkeyed = Engine<Capacity<4, 4, 4, 8, 4, { pool_for(8, 4) }>>;

fn snap<S: imbot_like::Sizing>(e: &Engine<S>) -> Vec<u8> {
    let mut buf = vec![0u8; Engine::<S>::SNAPSHOT_BUFFER_LEN];
    e.snapshot(&mut buf).unwrap().to_vec()
}

fn key(n: u128) -> IdempotencyKey {
    IdempotencyKey(n)
}

fn version(e: &TestEngine, message: u64) -> u32 {
    e.message(msg(message)).unwrap().version
}

#[test]
fn retried_auto_with_the_same_key_toggles_once() {
    let mut e = strict_world();
    let toggle = from_a(M_ALICE, Action::Auto);
    let first = e.like_keyed(key(1), &toggle);
    let after_first = e.clone();
    let retry = e.like_keyed(key(1), &toggle);
    assert_eq!(first, retry);
    assert_eq!(first.unwrap().change, Change::Set);
    assert_eq!(e, after_first, "the retry changed nothing");
    assert_eq!(version(&e, M_ALICE), 1);
    assert!(e.is_liked_by(msg(M_ALICE), user(BOT_A)));
    // A new key is a new request: it toggles back.
    assert_eq!(
        e.like_keyed(key(2), &toggle).unwrap().change,
        Change::Removed
    );
}

#[test]
fn retried_auto_as_user_and_reactions_apply_once() {
    let mut e = strict_world();
    let toggle = UserLikeRequest::new(user(ALICE), msg(M_BOT));
    let first = e.like_as_user_keyed(key(1), &toggle);
    assert_eq!(e.like_as_user_keyed(key(1), &toggle), first);
    assert_eq!(likers(&e, M_BOT), [ALICE]);

    let fire = ReactionRequest::new(bot(BOT_A), msg(M_ALICE), Reaction::Fire).app(APP_A);
    let added = e.add_reaction_keyed(key(2), &fire);
    assert_eq!(e.add_reaction_keyed(key(2), &fire), added);
    assert_eq!(added.unwrap().count, 1);
    let deleted = e.delete_reaction_keyed(key(3), &fire);
    assert_eq!(e.delete_reaction_keyed(key(3), &fire), deleted);
    assert_eq!(deleted.unwrap().change, Change::Removed);
    assert_eq!(version(&e, M_ALICE), 2);
    assert_eq!(e.remembered_keys(), 3);
}

#[test]
fn retried_auto_across_a_snapshot_and_restore_toggles_once() {
    let mut e = strict_world();
    let toggle = from_a(M_ALICE, Action::Auto);
    let first = e.like_keyed(key(1), &toggle);
    let mut restarted = TestEngine::restore(&snap(&e)).unwrap();
    assert_eq!(restarted, e);
    assert_eq!(restarted.like_keyed(key(1), &toggle), first);
    assert_eq!(restarted, e, "the retry after a restart changed nothing");
    assert_eq!(restarted.like_count(msg(M_ALICE)), Some(1));
}

#[test]
fn key_reused_for_another_message_is_refused_without_changes() {
    let mut e = strict_world();
    let first = e.like_keyed(key(1), &from_a(M_ALICE, Action::Auto));
    let before = e.clone();
    let other = from_a(M_BOT, Action::Auto);
    assert_eq!(e.like_keyed(key(1), &other), Err(LikeError::KeyReused));
    assert_eq!(e, before);
    // The refusal is not remembered: the key still answers its request.
    let retry = e.like_keyed(key(1), &from_a(M_ALICE, Action::Auto));
    assert_eq!(retry, first);
    // Another action on the same message is another request too.
    let plus = from_a(M_ALICE, Action::Plus);
    assert_eq!(e.like_keyed(key(1), &plus), Err(LikeError::KeyReused));
    assert_eq!(e, before);
}

#[test]
fn key_reused_for_another_method_is_refused_without_changes() {
    let mut e = strict_world();
    let _ = e.like_keyed(key(1), &from_a(M_ALICE, Action::Auto));
    let before = e.clone();
    let like = ReactionRequest::new(bot(BOT_A), msg(M_ALICE), Reaction::Like).app(APP_A);
    assert_eq!(
        e.delete_reaction_keyed(key(1), &like),
        Err(ReactionError::KeyReused)
    );
    assert_eq!(
        e.add_reaction_keyed(key(1), &like),
        Err(ReactionError::KeyReused)
    );
    let user_like = UserLikeRequest::new(user(BOT_A), msg(M_ALICE));
    assert_eq!(
        e.like_as_user_keyed(key(1), &user_like),
        Err(LikeError::KeyReused)
    );
    assert_eq!(e, before);
}

#[test]
fn key_reused_is_its_own_wire_code_with_status_422() {
    let like = LikeError::KeyReused;
    assert_eq!(like.code(), ErrorCode::IdempotencyKeyReused);
    assert_eq!(like.code().as_str(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(
        like.code().description(),
        "Idempotency key was already used for another request"
    );
    assert_eq!(like.code().http_status(), 422);
    assert_eq!(like.rule(), 0);
    let reaction = ReactionError::KeyReused;
    assert_eq!(reaction.code(), ReactionErrorCode::IdempotencyKeyReused);
    assert_eq!(reaction.code().as_str(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(reaction.code().http_status(), 422);
    assert_eq!(reaction.step(), 0);
}

#[test]
fn eviction_is_oldest_first() {
    let mut e = strict_world();
    let toggle = from_a(M_ALICE, Action::Auto);
    // Four keys fill the window of 4; each toggled the like.
    for n in 1..=4 {
        let _ = e.like_keyed(key(n), &toggle).unwrap();
    }
    assert_eq!(e.remembered_keys(), 4);
    assert!(!e.is_liked_by(msg(M_ALICE), user(BOT_A)));
    // Key 2 is still remembered: its retry changes nothing.
    let _ = e.like_keyed(key(2), &toggle).unwrap();
    assert!(!e.is_liked_by(msg(M_ALICE), user(BOT_A)));
    // A fifth key evicts the oldest, key 1.
    let fifth = e.like_keyed(key(5), &toggle).unwrap();
    assert_eq!(fifth.change, Change::Set);
    assert_eq!(e.remembered_keys(), 4);
    // Key 1 now runs as new (it toggles) and evicts key 2 in turn.
    assert_eq!(
        e.like_keyed(key(1), &toggle).unwrap().change,
        Change::Removed
    );
    assert_eq!(
        e.like_keyed(key(2), &toggle).unwrap().change,
        Change::Set,
        "key 2 was the oldest left, so it was forgotten"
    );
    // Key 5 is still remembered.
    assert_eq!(e.like_keyed(key(5), &toggle).unwrap(), fifth);
}

#[test]
fn remembered_refusal_is_answered_the_same_after_the_state_changed() {
    let mut e = strict_world();
    let minus = from_a(M_ALICE, Action::Minus);
    assert_eq!(e.like_keyed(key(1), &minus), Err(LikeError::NotLiked));
    like_set(&mut e, &from_a(M_ALICE, Action::Plus));
    let before = e.clone();
    // The state would now allow it; the retry still gets the first answer.
    assert_eq!(e.like_keyed(key(1), &minus), Err(LikeError::NotLiked));
    assert_eq!(e, before);
    // A membership refusal, then the user joins: the same.
    let carol = UserLikeRequest::new(user(CAROL), msg(M_ALICE));
    assert_eq!(
        e.like_as_user_keyed(key(2), &carol),
        Err(LikeError::NotAMember)
    );
    e.leave_chat(chat(GROUP), user(BOB)).unwrap();
    e.join_chat(chat(GROUP), user(CAROL)).unwrap();
    assert_eq!(
        e.like_as_user_keyed(key(2), &carol),
        Err(LikeError::NotAMember)
    );
    assert!(!e.is_liked_by(msg(M_ALICE), user(CAROL)));
}

#[test]
fn keys_zero_behaves_exactly_as_unkeyed() {
    let toggle = UserLikeRequest::new(user(ALICE), msg(M_BOT));
    let fire = ReactionRequest::new(bot(BOT_A), msg(M_ALICE), Reaction::Fire).app(APP_A);
    let mut keyed = Unkeyed::new();
    let mut plain = Unkeyed::new();
    let world = snap(&strict_world());
    keyed.restore_into(&world).unwrap();
    plain.restore_into(&world).unwrap();
    for _ in 0..3 {
        assert_eq!(
            keyed.like_as_user_keyed(key(1), &toggle),
            plain.like_as_user(&toggle)
        );
        assert_eq!(
            keyed.add_reaction_keyed(key(1), &fire),
            plain.add_reaction(&fire)
        );
        assert_eq!(
            keyed.delete_reaction_keyed(key(1), &fire),
            plain.delete_reaction(&fire)
        );
        let like = from_a(M_CAROL, Action::Auto);
        assert_eq!(keyed.like_keyed(key(1), &like), plain.like(&like));
    }
    assert_eq!(keyed.remembered_keys(), 0);
    assert_eq!(keyed, plain);
    assert_eq!(snap(&keyed), snap(&plain));
    // Three toggles under one key: liked, as three unkeyed toggles leave it.
    assert!(keyed.is_liked_by(msg(M_BOT), user(ALICE)));
}

#[test]
fn replay_of_keyed_commands_is_deterministic() {
    let toggle = UserLikeRequest::new(user(ALICE), msg(M_BOT));
    let fire = ReactionRequest::new(bot(BOT_A), msg(M_ALICE), Reaction::Fire).app(APP_A);
    let log: Vec<Command<4>> = vec![
        Command::KeyedLikeAsUser(key(1), toggle),
        Command::KeyedLikeAsUser(key(1), toggle),
        Command::KeyedLike(key(2), from_a(M_ALICE, Action::Auto)),
        Command::KeyedAddReaction(key(3), fire),
        Command::KeyedDeleteReaction(key(3), fire),
        Command::KeyedDeleteReaction(key(4), fire),
        Command::KeyedLike(key(5), from_a(M_ALICE, Action::Auto)),
        Command::KeyedLike(key(2), from_a(M_ALICE, Action::Auto)),
        Command::KeyedLikeAsUser(key(6), toggle),
    ];
    let base = snap(&strict_world());
    let mut replicas = [
        TestEngine::restore(&base).unwrap(),
        TestEngine::restore(&base).unwrap(),
    ];
    let mut answers = [Vec::new(), Vec::new()];
    let mut mid = Vec::new();
    for (replica, answers) in replicas.iter_mut().zip(&mut answers) {
        for (i, command) in log.iter().enumerate() {
            let mut buf = [0u8; 64];
            let decoded = Command::<4>::decode(command.encode(&mut buf).unwrap()).unwrap();
            assert_eq!(&decoded, command);
            answers.push(replica.apply(&decoded));
            if i == 3 {
                mid = snap(replica);
            }
        }
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(snap(&replicas[0]), snap(&replicas[1]));
    // A replica restarted from the middle replays the rest to the same
    // state and answers: the window was in the snapshot.
    let mut restarted = TestEngine::restore(&mid).unwrap();
    let rest: Vec<_> = log[4..].iter().map(|c| restarted.apply(c)).collect();
    assert_eq!(rest, answers[0][4..]);
    assert_eq!(snap(&restarted), snap(&replicas[0]));
    // Retries answered as remembered; key 3 reused for a delete refused.
    assert_eq!(answers[0][0], answers[0][1]);
    assert_eq!(answers[0][2], answers[0][7]);
    assert_eq!(
        answers[0][4],
        Err(imbot_like::CommandError::Reaction(ReactionError::KeyReused))
    );
}
