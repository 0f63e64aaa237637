//! The v2 reaction methods over the same tables as the legacy like: every
//! check V1–V8 and its wire code, the interplay with `imbot.message.like`,
//! the queries, and the kinds table.

mod common;

use common::*;
use imbot_like::v2::{ReactionError, ReactionErrorCode, ReactionRequest};
use imbot_like::{
    Action, Arg, Change, IdError, LikeError, Reaction, UnknownReaction, UserLikeRequest,
};

/// A v2 request from app A through bot 39.
fn v2(message: u64, reaction: Reaction) -> ReactionRequest {
    ReactionRequest::new(bot(BOT_A), msg(message), reaction).app(APP_A)
}

fn refused_add(e: &mut TestEngine, request: &ReactionRequest, expected: ReactionError) {
    let before = e.clone();
    assert_eq!(e.add_reaction(request), Err(expected));
    assert_eq!(*e, before, "a refused add changed the state");
}

fn refused_delete(e: &mut TestEngine, request: &ReactionRequest, expected: ReactionError) {
    let before = e.clone();
    assert_eq!(e.delete_reaction(request), Err(expected));
    assert_eq!(*e, before, "a refused delete changed the state");
}

fn add(e: &mut TestEngine, request: &ReactionRequest) {
    assert_eq!(e.add_reaction(request).unwrap().change, Change::Set);
}

#[test]
fn kinds_table_has_48_unique_case_sensitive_codes() {
    assert_eq!(Reaction::ALL.len(), 48);
    for (i, kind) in Reaction::ALL.iter().enumerate() {
        assert_eq!(Reaction::from_code(kind.code()), Some(*kind));
        assert!(Reaction::ALL[..i].iter().all(|k| k.code() != kind.code()));
    }
    assert_eq!(Reaction::ALL[0], Reaction::Like);
    assert_eq!("redHeart".parse::<Reaction>(), Ok(Reaction::RedHeart));
    assert_eq!("RedHeart".parse::<Reaction>(), Err(UnknownReaction));
    assert_eq!(Reaction::from_code("LIKE"), None);
    assert_eq!(Reaction::HundredPoints.to_string(), "hundredPoints");
}

// V1
#[test]
fn v1_missing_bot_id_is_bot_id_required() {
    let mut e = strict_world();
    let request = ReactionRequest::new(Arg::Omitted, msg(M_ALICE), Reaction::Fire).app(APP_A);
    refused_add(&mut e, &request, ReactionError::BotIdRequired);
    assert_eq!(
        ReactionError::BotIdRequired.code(),
        ReactionErrorCode::BotIdRequired
    );
    assert_eq!(ReactionErrorCode::BotIdRequired.as_str(), "BOT_ID_REQUIRED");
}

// V1, V2
#[test]
fn v1_v2_invalid_or_unknown_bot_is_bot_not_found() {
    let mut e = strict_world();
    let invalid = Arg::Invalid(IdError::NotANumber);
    let request = ReactionRequest::new(invalid, msg(M_ALICE), Reaction::Fire).app(APP_A);
    refused_add(
        &mut e,
        &request,
        ReactionError::BotIdInvalid(IdError::NotANumber),
    );
    let request = ReactionRequest::new(bot(999), msg(M_ALICE), Reaction::Fire).app(APP_A);
    refused_delete(&mut e, &request, ReactionError::BotNotFound);
    for reason in [
        ReactionError::BotNotFound,
        ReactionError::BotIdInvalid(IdError::Empty),
    ] {
        assert_eq!(reason.code().as_str(), "BOT_NOT_FOUND");
        assert_eq!(reason.code().description(), "Bot not found");
    }
}

// V3
#[test]
fn v3_foreign_bot_is_bot_ownership_error() {
    let mut e = strict_world();
    let request = ReactionRequest::new(bot(BOT_A), msg(M_ALICE), Reaction::Fire).app(APP_B);
    refused_add(&mut e, &request, ReactionError::ForeignBot);
    let no_app = ReactionRequest::new(bot(BOT_A), msg(M_ALICE), Reaction::Fire);
    refused_add(&mut e, &no_app, ReactionError::ForeignBot);
    assert_eq!(
        ReactionError::ForeignBot.code().as_str(),
        "BOT_OWNERSHIP_ERROR"
    );
    assert_eq!(ReactionError::ForeignBot.code().http_status(), 400);
}

// V4
#[test]
fn v4_missing_or_invalid_message_id_is_access_denied() {
    let mut e = strict_world();
    let missing = ReactionRequest::new(bot(BOT_A), Arg::Omitted, Reaction::Fire).app(APP_A);
    refused_add(&mut e, &missing, ReactionError::MessageIdMissing);
    let zero = ReactionRequest::new(bot(BOT_A), Arg::parse("0"), Reaction::Fire).app(APP_A);
    refused_add(
        &mut e,
        &zero,
        ReactionError::MessageIdInvalid(IdError::NotPositive),
    );
    assert_eq!(
        ReactionError::MessageIdMissing.code(),
        ReactionErrorCode::AccessDenied
    );
}

// V5
#[test]
fn v5_missing_or_unknown_reaction_is_reaction_not_found() {
    let mut e = strict_world();
    let unknown = Arg::<Reaction, UnknownReaction>::parse("Like");
    let request = ReactionRequest::new(bot(BOT_A), msg(M_ALICE), unknown).app(APP_A);
    refused_add(&mut e, &request, ReactionError::ReactionUnknown);
    let request = ReactionRequest::new(bot(BOT_A), msg(M_ALICE), Arg::Omitted).app(APP_A);
    refused_delete(&mut e, &request, ReactionError::ReactionMissing);
    assert_eq!(
        ReactionError::ReactionUnknown.code().as_str(),
        "REACTION_NOT_FOUND"
    );
    assert_eq!(
        ReactionError::ReactionUnknown.code().description(),
        "Reaction not found"
    );
}

// V6
#[test]
fn v6_unknown_message_or_outsider_bot_is_access_denied_403() {
    let mut e = strict_world();
    refused_add(
        &mut e,
        &v2(999, Reaction::Fire),
        ReactionError::MessageNotFound,
    );
    refused_add(
        &mut e,
        &v2(M_CAROL, Reaction::Fire),
        ReactionError::NotAMember,
    );
    refused_delete(
        &mut e,
        &v2(M_CAROL, Reaction::Fire),
        ReactionError::NotAMember,
    );
    let code = ReactionError::NotAMember.code();
    assert_eq!(
        (code.as_str(), code.description()),
        ("ACCESS_DENIED", "Access denied")
    );
    assert_eq!(code.http_status(), 403);
}

// V7
#[test]
fn v7_add_twice_is_reaction_already_set() {
    let mut e = strict_world();
    add(&mut e, &v2(M_ALICE, Reaction::Fire));
    refused_add(
        &mut e,
        &v2(M_ALICE, Reaction::Fire),
        ReactionError::AlreadySet,
    );
    assert_eq!(
        ReactionError::AlreadySet.code().as_str(),
        "REACTION_ALREADY_SET"
    );
}

// V7
#[test]
fn v7_delete_of_a_reaction_not_set_is_reaction_not_found() {
    let mut e = strict_world();
    add(&mut e, &v2(M_ALICE, Reaction::Fire));
    refused_delete(&mut e, &v2(M_ALICE, Reaction::Eyes), ReactionError::NotSet);
    assert_eq!(
        ReactionError::NotSet.code(),
        ReactionErrorCode::ReactionNotFound
    );
}

// V8 and rule L9: one capacity counts reactions of every kind.
#[test]
fn v8_full_message_is_reaction_limit_reached_and_l9_for_the_legacy_like() {
    let mut e = strict_world();
    for kind in [
        Reaction::Fire,
        Reaction::Eyes,
        Reaction::Poo,
        Reaction::OkHand,
    ] {
        add(&mut e, &v2(M_ALICE, kind));
    }
    refused_add(
        &mut e,
        &v2(M_ALICE, Reaction::Bomb),
        ReactionError::ReactionsFull,
    );
    let code = ReactionError::ReactionsFull.code();
    assert_eq!(
        (code.as_str(), code.http_status()),
        ("REACTION_LIMIT_REACHED", 400)
    );
    let before = e.clone();
    assert_eq!(
        e.like(&from_a(M_ALICE, Action::Plus)),
        Err(LikeError::LikeSetFull)
    );
    assert_eq!(e, before);
}

#[test]
fn wire_codes_have_documented_texts() {
    let token = ReactionErrorCode::BotTokenNotSpecified;
    assert_eq!(token.as_str(), "BOT_TOKEN_NOT_SPECIFIED");
    assert_eq!(token.description(), "Bot token is not specified");
    assert_eq!(
        ReactionErrorCode::BotIdRequired.description(),
        "Bot ID is required"
    );
    let ownership = ReactionErrorCode::BotOwnershipError.description();
    assert_eq!(ownership, "Bot is registered by another application");
    assert_eq!(
        ReactionErrorCode::ReactionAlreadySet.description(),
        "Reaction already set"
    );
}

#[test]
fn add_reports_the_kind_count_the_version_and_the_author_to_notify() {
    let mut e = strict_world();
    let bob_likes = UserLikeRequest::new(user(BOB), msg(M_ALICE)).action(Action::Plus);
    user_like_set(&mut e, &bob_likes);
    add(&mut e, &v2(M_ALICE, Reaction::Like));
    let outcome = e.add_reaction(&v2(M_ALICE, Reaction::Fire)).unwrap();
    assert_eq!(
        (outcome.actor, outcome.reaction),
        (user(BOT_A), Reaction::Fire)
    );
    assert_eq!(
        (outcome.chat, outcome.notify),
        (chat(GROUP), Some(user(ALICE)))
    );
    assert_eq!((outcome.count, outcome.version), (1, 3));
    let counts: Vec<_> = e
        .reactions(msg(M_ALICE))
        .unwrap()
        .map(|g| (g.reaction(), g.count()))
        .collect();
    assert_eq!(counts, [(Reaction::Like, 2), (Reaction::Fire, 1)]);
    let removed = e.delete_reaction(&v2(M_ALICE, Reaction::Like)).unwrap();
    assert_eq!((removed.change, removed.notify), (Change::Removed, None));
    assert_eq!((removed.count, removed.version), (1, 4));
    let own = e.add_reaction(&v2(M_BOT, Reaction::Eyes)).unwrap();
    assert_eq!(own.notify, None, "the bot reacted to its own message");
}

#[test]
fn a_user_may_set_several_kinds_on_one_message() {
    let mut e = strict_world();
    for kind in [Reaction::Eyes, Reaction::Like, Reaction::Fire] {
        add(&mut e, &v2(M_ALICE, kind));
    }
    let mine: Vec<_> = e
        .user_reactions(msg(M_ALICE), user(BOT_A))
        .unwrap()
        .collect();
    assert_eq!(mine, [Reaction::Like, Reaction::Fire, Reaction::Eyes]);
    assert_eq!(
        e.user_reactions(msg(M_ALICE), user(BOB)).unwrap().count(),
        0
    );
    assert!(e.user_reactions(msg(999), user(BOB)).is_none());
}

#[test]
fn reactions_are_grouped_by_kind_with_users_ascending() {
    let mut e = world(imbot_like::BotPolicy::Strict);
    user_like_set(&mut e, &UserLikeRequest::new(user(BOB), msg(M_ALICE)));
    add(&mut e, &v2(M_ALICE, Reaction::Fire));
    add(&mut e, &v2(M_ALICE, Reaction::Like));
    let groups: Vec<(Reaction, usize, Vec<u32>)> = e
        .reactions(msg(M_ALICE))
        .unwrap()
        .map(|g| {
            (
                g.reaction(),
                g.count(),
                g.users().map(|u| u.get()).collect(),
            )
        })
        .collect();
    let expected = [
        (Reaction::Like, 2, vec![BOB, BOT_A]),
        (Reaction::Fire, 1, vec![BOT_A]),
    ];
    assert_eq!(groups, expected);
    assert!(e.reactions(msg(999)).is_none());
}

// Interplay: the legacy like is the `like` reaction.
#[test]
fn v2_like_then_legacy_minus_removes_it() {
    let mut e = strict_world();
    add(&mut e, &v2(M_ALICE, Reaction::Fire));
    add(&mut e, &v2(M_ALICE, Reaction::Like));
    assert_eq!(likers(&e, M_ALICE), [BOT_A]);
    let removed = e.like(&from_a(M_ALICE, Action::Minus)).unwrap();
    assert_eq!(removed.change, Change::Removed);
    assert_eq!(removed.count, 0);
    let left: Vec<_> = e
        .user_reactions(msg(M_ALICE), user(BOT_A))
        .unwrap()
        .collect();
    assert_eq!(
        left,
        [Reaction::Fire],
        "the legacy minus touched another kind"
    );
}

// Interplay, the other way round.
#[test]
fn legacy_plus_then_v2_add_like_is_reaction_already_set() {
    let mut e = strict_world();
    like_set(&mut e, &from_a(M_ALICE, Action::Plus));
    refused_add(
        &mut e,
        &v2(M_ALICE, Reaction::Like),
        ReactionError::AlreadySet,
    );
    let deleted = e.delete_reaction(&v2(M_ALICE, Reaction::Like)).unwrap();
    assert_eq!(deleted.change, Change::Removed);
    assert_eq!(e.like_count(msg(M_ALICE)), Some(0));
}

// Other kinds never count as likes.
#[test]
fn other_kinds_are_not_likes() {
    let mut e: TestEngine = strict_world();
    add(&mut e, &v2(M_ALICE, Reaction::Dislike));
    assert_eq!(e.like_count(msg(M_ALICE)), Some(0));
    assert!(!e.is_liked_by(msg(M_ALICE), user(BOT_A)));
    let auto = e.like(&from_a(M_ALICE, Action::Auto)).unwrap();
    assert_eq!(auto.change, Change::Set);
}
