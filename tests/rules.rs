//! One test or more per rule of the like path (contract section 2, L1–L10),
//! plus the user variant (section 4) and the outcome (section 3).

mod common;

use common::*;
use imbot_like::{
    Action, Arg, BotPolicy, Change, ErrorCode, IdError, LikeError, LikeRequest, MessageId,
    UserLikeRequest,
};

/// Applies a request that must be refused and checks that nothing changed.
fn refused(e: &mut TestEngine, request: &LikeRequest, expected: LikeError) {
    let before = e.clone();
    assert_eq!(e.like(request), Err(expected));
    assert_eq!(*e, before, "a refused request changed the state");
}

fn user_refused(e: &mut TestEngine, request: &UserLikeRequest, expected: LikeError) {
    let before = e.clone();
    assert_eq!(e.like_as_user(request), Err(expected));
    assert_eq!(*e, before, "a refused request changed the state");
}

// rule L1
#[test]
fn rule_l1_unknown_bot_is_bot_id_error() {
    let mut e = strict_world();
    let request = LikeRequest::new(msg(M_ALICE)).app(APP_A).bot(bot(999));
    refused(&mut e, &request, LikeError::BotNotFound);
    assert_eq!(LikeError::BotNotFound.code(), ErrorCode::BotIdError);
    assert_eq!(LikeError::BotNotFound.rule(), 1);
}

// rule L1
#[test]
fn rule_l1_invalid_bot_id_is_bot_id_error() {
    let mut e = strict_world();
    for reason in [
        IdError::Empty,
        IdError::NotANumber,
        IdError::NotPositive,
        IdError::TooLarge,
    ] {
        let request = LikeRequest::new(msg(M_ALICE))
            .app(APP_A)
            .bot(Arg::Invalid(reason));
        refused(&mut e, &request, LikeError::BotIdInvalid(reason));
        assert_eq!(
            LikeError::BotIdInvalid(reason).code(),
            ErrorCode::BotIdError
        );
    }
}

// rule L1 before L4
#[test]
fn rule_l1_bad_bot_id_wins_over_bad_message_id() {
    let mut e = strict_world();
    let request = LikeRequest::new(Arg::Invalid(IdError::NotANumber))
        .app(APP_A)
        .bot(Arg::Invalid(IdError::NotPositive));
    refused(
        &mut e,
        &request,
        LikeError::BotIdInvalid(IdError::NotPositive),
    );
}

// rule L1 before L3
#[test]
fn rule_l1_unknown_bot_wins_over_foreign_app() {
    let mut e = strict_world();
    let request = LikeRequest::new(msg(M_ALICE)).app(APP_NONE).bot(bot(999));
    refused(&mut e, &request, LikeError::BotNotFound);
}

// rule L2
#[test]
fn rule_l2_omitted_bot_uses_the_apps_only_bot() {
    let mut e = strict_world();
    let request = LikeRequest::new(msg(M_ALICE))
        .app(APP_A)
        .action(Action::Plus);
    let outcome = e.like(&request).unwrap();
    assert_eq!(outcome.actor, user(BOT_A));
    assert_eq!(likers(&e, M_ALICE), [BOT_A]);
}

// rule L2
#[test]
fn rule_l2_app_without_bots_is_bot_id_error() {
    let mut e = strict_world();
    let request = LikeRequest::new(msg(M_ALICE)).app(APP_NONE);
    refused(&mut e, &request, LikeError::NoBotForApp);
    assert_eq!(LikeError::NoBotForApp.code(), ErrorCode::BotIdError);
}

// rule L2
#[test]
fn rule_l2_caller_without_app_and_no_bot_id_is_bot_id_error() {
    let mut e = strict_world();
    refused(
        &mut e,
        &LikeRequest::new(msg(M_ALICE)),
        LikeError::NoBotForApp,
    );
}

// rule L2 (strict policy)
#[test]
fn rule_l2_strict_several_bots_require_bot_id() {
    let mut e = strict_world();
    let request = LikeRequest::new(msg(M_ALICE)).app(APP_B);
    refused(&mut e, &request, LikeError::BotIdRequired);
    assert_eq!(LikeError::BotIdRequired.code(), ErrorCode::BotIdError);
    assert_eq!(e.policy(), BotPolicy::Strict);
}

// rule L2 (portal-compatible policy)
#[test]
fn rule_l2_portal_policy_picks_the_lowest_bot_id() {
    let mut e = world(BotPolicy::PortalCompatible);
    // Registered in the order 41 then 40 in a fresh engine: still 40 acts.
    e.unregister_bot(bot(BOT_B1)).unwrap();
    e.register_bot(bot(BOT_B1), APP_B).unwrap();
    let request = LikeRequest::new(msg(M_ALICE))
        .app(APP_B)
        .action(Action::Plus);
    let outcome = e.like(&request).unwrap();
    assert_eq!(outcome.actor, user(BOT_B1));
}

// rule L2 (portal-compatible policy, no bot)
#[test]
fn rule_l2_portal_policy_app_without_bots_is_bot_id_error() {
    let mut e = world(BotPolicy::PortalCompatible);
    refused(
        &mut e,
        &LikeRequest::new(msg(M_ALICE)).app(APP_NONE),
        LikeError::NoBotForApp,
    );
}

// rule L2 before L4
#[test]
fn rule_l2_missing_bot_wins_over_missing_message() {
    let mut e = strict_world();
    let request = LikeRequest::new(Arg::Omitted).app(APP_NONE);
    refused(&mut e, &request, LikeError::NoBotForApp);
}

// rule L3
#[test]
fn rule_l3_foreign_bot_is_app_id_error() {
    let mut e = strict_world();
    let request = LikeRequest::new(msg(M_ALICE)).app(APP_B).bot(bot(BOT_A));
    refused(&mut e, &request, LikeError::ForeignBot);
    assert_eq!(LikeError::ForeignBot.code(), ErrorCode::AppIdError);
    assert_eq!(LikeError::ForeignBot.rule(), 3);
}

// rule L3
#[test]
fn rule_l3_caller_without_app_owns_no_bot() {
    let mut e = strict_world();
    let request = LikeRequest::new(msg(M_ALICE)).bot(bot(BOT_A));
    refused(&mut e, &request, LikeError::ForeignBot);
}

// rule L3 before L4
#[test]
fn rule_l3_foreign_bot_wins_over_bad_message_id() {
    let mut e = strict_world();
    let request = LikeRequest::new(Arg::Omitted).app(APP_B).bot(bot(BOT_A));
    refused(&mut e, &request, LikeError::ForeignBot);
}

// rule L4
#[test]
fn rule_l4_missing_message_id_is_message_id_error() {
    let mut e = strict_world();
    let request = LikeRequest::new(Arg::Omitted).app(APP_A).bot(bot(BOT_A));
    refused(&mut e, &request, LikeError::MessageIdMissing);
    assert_eq!(
        LikeError::MessageIdMissing.code(),
        ErrorCode::MessageIdError
    );
    assert_eq!(LikeError::MessageIdMissing.rule(), 4);
}

// rule L4
#[test]
fn rule_l4_invalid_message_id_is_message_id_error() {
    let mut e = strict_world();
    for text in ["", "abc", "0", "-5", "9223372036854775808", "12abc"] {
        let arg = Arg::<MessageId>::parse(text);
        let Arg::Invalid(reason) = arg else {
            panic!("{text:?} parsed as {arg:?}");
        };
        let request = LikeRequest::new(arg).app(APP_A).bot(bot(BOT_A));
        refused(&mut e, &request, LikeError::MessageIdInvalid(reason));
        assert_eq!(
            LikeError::MessageIdInvalid(reason).code(),
            ErrorCode::MessageIdError
        );
    }
}

// rule L5
#[test]
fn rule_l5_action_is_case_insensitive() {
    assert_eq!(Action::parse("PLUS"), Action::Plus);
    assert_eq!(Action::parse("Minus"), Action::Minus);
    assert_eq!(Action::parse("aUtO"), Action::Auto);
}

// rule L5
#[test]
fn rule_l5_empty_or_unknown_action_is_auto() {
    assert_eq!(Action::default(), Action::Auto);
    for text in ["", "like", "pluss", "+", " plus"] {
        assert_eq!(Action::parse(text), Action::Auto, "{text:?}");
    }
    // An unknown action toggles like `auto` does.
    let mut e = strict_world();
    let request = from_a(M_ALICE, Action::parse("toggle"));
    assert_eq!(e.like(&request).unwrap().change, Change::Set);
    assert_eq!(e.like(&request).unwrap().change, Change::Removed);
}

// rule L6
#[test]
fn rule_l6_unknown_message_is_without_changes() {
    let mut e = strict_world();
    refused(
        &mut e,
        &from_a(555, Action::Plus),
        LikeError::MessageNotFound,
    );
    assert_eq!(LikeError::MessageNotFound.code(), ErrorCode::WithoutChanges);
    assert_eq!(LikeError::MessageNotFound.rule(), 6);
}

// rule L7
#[test]
fn rule_l7_bot_not_in_chat_is_without_changes() {
    let mut e = strict_world();
    refused(
        &mut e,
        &from_a(M_CAROL, Action::Plus),
        LikeError::NotAMember,
    );
    assert_eq!(LikeError::NotAMember.code(), ErrorCode::WithoutChanges);
}

// rule L7
#[test]
fn rule_l7_member_who_left_keeps_likes_but_cannot_change_them() {
    let mut e = strict_world();
    like_set(&mut e, &from_a(M_ALICE, Action::Plus));
    e.leave_chat(chat(GROUP), user(BOT_A)).unwrap();
    assert_eq!(likers(&e, M_ALICE), [BOT_A]);
    refused(
        &mut e,
        &from_a(M_ALICE, Action::Minus),
        LikeError::NotAMember,
    );
    refused(
        &mut e,
        &from_a(M_ALICE, Action::Auto),
        LikeError::NotAMember,
    );
}

// rule L8
#[test]
fn rule_l8_plus_on_liked_message_is_without_changes() {
    let mut e = strict_world();
    like_set(&mut e, &from_a(M_ALICE, Action::Plus));
    refused(
        &mut e,
        &from_a(M_ALICE, Action::Plus),
        LikeError::AlreadyLiked,
    );
    assert_eq!(LikeError::AlreadyLiked.code(), ErrorCode::WithoutChanges);
}

// rule L8
#[test]
fn rule_l8_minus_on_unliked_message_is_without_changes() {
    let mut e = strict_world();
    refused(&mut e, &from_a(M_ALICE, Action::Minus), LikeError::NotLiked);
    assert_eq!(LikeError::NotLiked.rule(), 8);
}

/// Fills message 100's like set (capacity 4) with four members' likes.
fn fill_likes(e: &mut TestEngine) {
    for u in [ALICE, BOB, BOT_B1] {
        let request = UserLikeRequest::new(user(u), msg(M_ALICE)).action(Action::Plus);
        user_like_set(e, &request);
    }
    e.join_chat(chat(GROUP), user(CAROL)).unwrap_err(); // the group is full
    e.leave_chat(chat(GROUP), user(BOT_B1)).unwrap();
    e.join_chat(chat(GROUP), user(CAROL)).unwrap();
    let request = UserLikeRequest::new(user(CAROL), msg(M_ALICE)).action(Action::Plus);
    user_like_set(e, &request);
    assert_eq!(likers(e, M_ALICE), [ALICE, BOB, CAROL, BOT_B1]);
}

// rule L9
#[test]
fn rule_l9_full_like_set_is_without_changes() {
    let mut e = strict_world();
    fill_likes(&mut e);
    refused(
        &mut e,
        &from_a(M_ALICE, Action::Plus),
        LikeError::LikeSetFull,
    );
    refused(
        &mut e,
        &from_a(M_ALICE, Action::Auto),
        LikeError::LikeSetFull,
    );
    assert_eq!(LikeError::LikeSetFull.code(), ErrorCode::WithoutChanges);
    assert_eq!(LikeError::LikeSetFull.rule(), 9);
}

// rule L8 before L9
#[test]
fn rule_l8_decides_before_l9_on_a_full_set() {
    let mut e = strict_world();
    fill_likes(&mut e);
    let request = UserLikeRequest::new(user(ALICE), msg(M_ALICE)).action(Action::Plus);
    user_refused(&mut e, &request, LikeError::AlreadyLiked);
    // Removing from a full set works.
    let request = UserLikeRequest::new(user(ALICE), msg(M_ALICE)).action(Action::Minus);
    assert_eq!(e.like_as_user(&request).unwrap().change, Change::Removed);
}

// rule L10
#[test]
fn rule_l10_plus_sets_and_minus_removes() {
    let mut e = strict_world();
    let set = e.like(&from_a(M_ALICE, Action::Plus)).unwrap();
    assert_eq!(set.change, Change::Set);
    assert!(e.is_liked_by(msg(M_ALICE), user(BOT_A)));
    let removed = e.like(&from_a(M_ALICE, Action::Minus)).unwrap();
    assert_eq!(removed.change, Change::Removed);
    assert!(!e.is_liked_by(msg(M_ALICE), user(BOT_A)));
    assert_eq!(e.like_count(msg(M_ALICE)), Some(0));
}

// rule L10
#[test]
fn rule_l10_auto_toggles() {
    let mut e = strict_world();
    for expected in [Change::Set, Change::Removed, Change::Set] {
        assert_eq!(
            e.like(&from_a(M_ALICE, Action::Auto)).unwrap().change,
            expected
        );
    }
    assert_eq!(likers(&e, M_ALICE), [BOT_A]);
}

// section 3
#[test]
fn outcome_reports_chat_actor_count_version_and_author_to_notify() {
    let mut e = strict_world();
    let bob = UserLikeRequest::new(user(BOB), msg(M_ALICE)).action(Action::Plus);
    user_like_set(&mut e, &bob);
    let outcome = e.like(&from_a(M_ALICE, Action::Plus)).unwrap();
    assert_eq!(outcome.message, msg(M_ALICE));
    assert_eq!(outcome.chat, chat(GROUP));
    assert_eq!(outcome.actor, user(BOT_A));
    assert_eq!(outcome.count, 2);
    assert_eq!(outcome.version, 2, "one change by Bob, one by the bot");
    assert_eq!(outcome.notify, Some(user(ALICE)));
    // The list itself is a borrowed view, ascending.
    assert_eq!(likers(&e, M_ALICE), [BOB, BOT_A]);
}

// section 3
#[test]
fn refused_requests_leave_the_version_alone() {
    let mut e = strict_world();
    let set = e.like(&from_a(M_ALICE, Action::Plus)).unwrap();
    assert!(e.like(&from_a(M_ALICE, Action::Plus)).is_err());
    assert_eq!(e.message(msg(M_ALICE)).unwrap().version, set.version);
    let removed = e.like(&from_a(M_ALICE, Action::Minus)).unwrap();
    assert_eq!(removed.version, set.version + 1);
}

// section 3
#[test]
fn outcome_notifies_nobody_on_removal_or_self_like() {
    let mut e = strict_world();
    let own = e.like(&from_a(M_BOT, Action::Plus)).unwrap();
    assert_eq!(own.notify, None, "the author liked their own message");
    let removed = e.like(&from_a(M_BOT, Action::Minus)).unwrap();
    assert_eq!(removed.notify, None);
    assert_eq!(removed.count, 0);
    assert_eq!(e.likers(msg(M_BOT)).unwrap().len(), 0);
}

// section 4
#[test]
fn user_variant_skips_bot_rules_and_applies_l4_to_l10() {
    let mut e = strict_world();
    let carol = UserLikeRequest::new(user(CAROL), msg(M_CAROL));
    let outcome = e.like_as_user(&carol).unwrap();
    assert_eq!(
        (outcome.actor, outcome.change, outcome.notify),
        (user(CAROL), Change::Set, None)
    );
    user_refused(
        &mut e,
        &UserLikeRequest::new(user(CAROL), Arg::Omitted),
        LikeError::MessageIdMissing,
    );
    user_refused(
        &mut e,
        &UserLikeRequest::new(user(CAROL), msg(9)),
        LikeError::MessageNotFound,
    );
    user_refused(
        &mut e,
        &UserLikeRequest::new(user(CAROL), msg(M_ALICE)),
        LikeError::NotAMember,
    );
    let plus = carol.action(Action::Plus);
    user_refused(&mut e, &plus, LikeError::AlreadyLiked);
}

// section 4: a bot may also act as a plain user, without app checks
#[test]
fn user_variant_lets_a_bots_user_id_act_without_app() {
    let mut e = strict_world();
    let request = UserLikeRequest::new(user(BOT_A), msg(M_ALICE));
    assert_eq!(e.like_as_user(&request).unwrap().actor, user(BOT_A));
}

// section 2: the wire texts
#[test]
fn error_codes_carry_wire_code_description_and_status() {
    let table = [
        (ErrorCode::BotIdError, "BOT_ID_ERROR", "Bot not found"),
        (
            ErrorCode::AppIdError,
            "APP_ID_ERROR",
            "Bot was installed by another rest application",
        ),
        (
            ErrorCode::MessageIdError,
            "MESSAGE_ID_ERROR",
            "Message ID can't be empty",
        ),
        (
            ErrorCode::WithoutChanges,
            "WITHOUT_CHANGES",
            "Action completed without changes",
        ),
    ];
    for (code, wire, description) in table {
        assert_eq!(code.as_str(), wire);
        assert_eq!(code.description(), description);
        assert_eq!(code.http_status(), 400);
    }
    assert_eq!(ErrorCode::BotIdError.to_string(), "Chatbot not found.");
}
