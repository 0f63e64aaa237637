//! Host-side transitions (contract section 1): each success, each precise
//! error, and that an error leaves the state unchanged.

mod common;

use common::*;
use imbot_like::{
    Action, CloseChatError, DeleteMessageError, JoinChatError, LeaveChatError, LikeRequest,
    OpenChatError, PostMessageError, RegisterBotError, UnregisterBotError,
};

/// Runs a transition that must fail and checks that nothing changed.
fn unchanged<T: PartialEq + core::fmt::Debug>(
    e: &mut TestEngine,
    op: impl FnOnce(&mut TestEngine) -> T,
    expected: T,
) {
    let before = e.clone();
    assert_eq!(op(e), expected);
    assert_eq!(*e, before, "a refused transition changed the state");
}

#[test]
fn register_bot_records_its_owner() {
    let mut e = TestEngine::new();
    e.register_bot(bot(5), APP_A).unwrap();
    assert_eq!(e.bot_owner(bot(5)), Some(APP_A));
    assert_eq!(e.bots().collect::<Vec<_>>(), [(bot(5), APP_A)]);
}

#[test]
fn register_bot_twice_is_already_registered() {
    let mut e = strict_world();
    let err = Err(RegisterBotError::AlreadyRegistered);
    unchanged(&mut e, |e| e.register_bot(bot(BOT_A), APP_B), err);
    assert_eq!(
        e.bot_owner(bot(BOT_A)),
        Some(APP_A),
        "the owner was overwritten"
    );
}

#[test]
fn unregister_bot_returns_the_owner_and_keeps_the_bots_likes() {
    let mut e = strict_world();
    like_set(&mut e, &from_a(M_ALICE, Action::Plus));
    assert_eq!(e.unregister_bot(bot(BOT_A)), Ok(APP_A));
    assert_eq!(e.bot_owner(bot(BOT_A)), None);
    assert_eq!(likers(&e, M_ALICE), [BOT_A]);
    assert!(e.is_member(chat(GROUP), user(BOT_A)));
    // rule L1: the bot can no longer act.
    assert!(e.like(&from_a(M_ALICE, Action::Minus)).is_err());
}

#[test]
fn unregister_unknown_bot_is_unknown_bot() {
    let mut e = strict_world();
    unchanged(
        &mut e,
        |e| e.unregister_bot(bot(77)),
        Err(UnregisterBotError::UnknownBot),
    );
}

#[test]
fn open_chat_sorts_and_deduplicates_members() {
    let mut e = TestEngine::new();
    e.open_chat(chat(1), &[user(3), user(1), user(3), user(2)])
        .unwrap();
    assert_eq!(
        e.chat_members(chat(1)).unwrap(),
        [user(1), user(2), user(3)]
    );
    e.open_chat(chat(2), &[]).unwrap();
    assert_eq!(e.chat_members(chat(2)).unwrap(), []);
}

#[test]
fn open_chat_twice_is_already_open() {
    let mut e = strict_world();
    unchanged(
        &mut e,
        |e| e.open_chat(chat(GROUP), &[]),
        Err(OpenChatError::AlreadyOpen),
    );
}

#[test]
fn open_chat_with_too_many_members_is_refused() {
    let mut e = strict_world();
    let five = [user(1), user(2), user(3), user(4), user(5)];
    unchanged(
        &mut e,
        |e| e.open_chat(chat(9), &five),
        Err(OpenChatError::TooManyMembers),
    );
}

#[test]
fn close_chat_drops_its_messages_and_their_likes() {
    let mut e = strict_world();
    like_set(&mut e, &from_a(M_ALICE, Action::Plus));
    assert_eq!(e.close_chat(chat(GROUP)), Ok(2));
    assert_eq!(e.chat_members(chat(GROUP)), None);
    assert_eq!(e.message(msg(M_ALICE)), None);
    assert_eq!(e.message(msg(M_BOT)), None);
    assert!(e.likers(msg(M_ALICE)).is_none());
    assert!(
        e.message(msg(M_CAROL)).is_some(),
        "another chat's message was dropped"
    );
    // A chat reopened under the same id starts empty.
    e.open_chat(chat(GROUP), &[user(ALICE)]).unwrap();
    e.post_message(msg(M_ALICE), chat(GROUP), user(ALICE))
        .unwrap();
    assert_eq!(e.like_count(msg(M_ALICE)), Some(0));
}

#[test]
fn close_unknown_chat_is_unknown_chat() {
    let mut e = strict_world();
    unchanged(
        &mut e,
        |e| e.close_chat(chat(99)),
        Err(CloseChatError::UnknownChat),
    );
}

#[test]
fn join_chat_adds_a_member() {
    let mut e = strict_world();
    e.join_chat(chat(DIALOG), user(ALICE)).unwrap();
    assert_eq!(
        e.chat_members(chat(DIALOG)).unwrap(),
        [user(ALICE), user(CAROL), user(BOT_B2)]
    );
}

#[test]
fn join_chat_errors_are_precise() {
    let mut e = strict_world();
    unchanged(
        &mut e,
        |e| e.join_chat(chat(99), user(1)),
        Err(JoinChatError::UnknownChat),
    );
    let already = Err(JoinChatError::AlreadyMember);
    unchanged(&mut e, |e| e.join_chat(chat(GROUP), user(ALICE)), already);
    unchanged(
        &mut e,
        |e| e.join_chat(chat(GROUP), user(CAROL)),
        Err(JoinChatError::ChatFull),
    );
}

#[test]
fn leave_chat_removes_a_member() {
    let mut e = strict_world();
    e.leave_chat(chat(GROUP), user(BOB)).unwrap();
    assert!(!e.is_member(chat(GROUP), user(BOB)));
}

#[test]
fn leave_chat_errors_are_precise() {
    let mut e = strict_world();
    unchanged(
        &mut e,
        |e| e.leave_chat(chat(99), user(1)),
        Err(LeaveChatError::UnknownChat),
    );
    let not_member = Err(LeaveChatError::NotAMember);
    unchanged(
        &mut e,
        |e| e.leave_chat(chat(DIALOG), user(ALICE)),
        not_member,
    );
}

#[test]
fn post_message_records_chat_and_author_with_no_likes() {
    let mut e = strict_world();
    e.post_message(msg(200), chat(DIALOG), user(BOT_B2))
        .unwrap();
    let info = e.message(msg(200)).unwrap();
    assert_eq!((info.chat, info.author), (chat(DIALOG), user(BOT_B2)));
    assert_eq!(e.like_count(msg(200)), Some(0));
}

#[test]
fn post_message_errors_are_precise_and_ordered() {
    let mut e = strict_world();
    // The id is taken: AlreadyExists wins over an unknown chat.
    let exists = Err(PostMessageError::AlreadyExists);
    unchanged(
        &mut e,
        |e| e.post_message(msg(M_ALICE), chat(99), user(1)),
        exists,
    );
    let unknown = Err(PostMessageError::UnknownChat);
    unchanged(
        &mut e,
        |e| e.post_message(msg(300), chat(99), user(1)),
        unknown,
    );
    let outsider = Err(PostMessageError::AuthorNotMember);
    unchanged(
        &mut e,
        |e| e.post_message(msg(300), chat(GROUP), user(CAROL)),
        outsider,
    );
}

#[test]
fn delete_message_drops_it_and_its_likes() {
    let mut e = strict_world();
    like_set(&mut e, &from_a(M_ALICE, Action::Plus));
    e.delete_message(msg(M_ALICE)).unwrap();
    assert_eq!(e.message(msg(M_ALICE)), None);
    assert!(!e.is_liked_by(msg(M_ALICE), user(BOT_A)));
    // rule L6 now refuses it.
    let request = LikeRequest::new(msg(M_ALICE)).app(APP_A);
    assert!(e.like(&request).is_err());
}

#[test]
fn delete_unknown_message_is_unknown_message() {
    let mut e = strict_world();
    let unknown = Err(DeleteMessageError::UnknownMessage);
    unchanged(&mut e, |e| e.delete_message(msg(999)), unknown);
}

#[test]
fn transition_errors_display_their_reason() {
    assert_eq!(RegisterBotError::TableFull.to_string(), "bot table full");
    assert_eq!(
        PostMessageError::AuthorNotMember.as_str(),
        "author is not a member of the chat"
    );
    let source: &dyn core::error::Error = &JoinChatError::ChatFull;
    assert_eq!(source.to_string(), "chat member list full");
}
