//! Capacity (contract section 1): each table fills to its capacity, one
//! more is refused with a precise error, and everything stored before is
//! intact. Also the two named sizings.

mod common;

use common::*;
use imbot_like::{
    Action, AppId, Capacity, Change, Engine, ErrorCode, LikeError, OpenChatError, PostMessageError,
    RegisterBotError, ServerEngine, Sizing, Small, SmallEngine, UserLikeRequest, pool_for,
};
use std::sync::Mutex;

#[test]
fn bot_table_full_refuses_and_keeps_every_bot() {
    let mut e = TestEngine::new();
    for id in 1..=4 {
        e.register_bot(bot(id), AppId(id)).unwrap();
    }
    let before = e.clone();
    assert_eq!(
        e.register_bot(bot(5), APP_A),
        Err(RegisterBotError::TableFull)
    );
    assert_eq!(e, before);
    for id in 1..=4 {
        assert_eq!(e.bot_owner(bot(id)), Some(AppId(id)));
    }
    // Freeing a slot makes room again.
    e.unregister_bot(bot(2)).unwrap();
    e.register_bot(bot(5), APP_A).unwrap();
}

#[test]
fn chat_table_full_refuses_and_keeps_every_chat() {
    let mut e = TestEngine::new();
    for id in 1..=4 {
        e.open_chat(chat(id), &[user(id)]).unwrap();
    }
    let before = e.clone();
    assert_eq!(e.open_chat(chat(5), &[]), Err(OpenChatError::TableFull));
    assert_eq!(e, before);
    for id in 1..=4 {
        assert_eq!(e.chat_members(chat(id)).unwrap(), [user(id)]);
    }
}

#[test]
fn member_list_full_refuses_and_keeps_every_member() {
    let mut e = TestEngine::new();
    e.open_chat(chat(1), &[user(1), user(2), user(3), user(4)])
        .unwrap();
    let before = e.clone();
    assert!(e.join_chat(chat(1), user(5)).is_err());
    assert_eq!(e, before);
    assert_eq!(
        e.chat_members(chat(1)).unwrap(),
        [user(1), user(2), user(3), user(4)]
    );
}

#[test]
fn message_table_full_refuses_and_keeps_every_message() {
    let mut e = TestEngine::new();
    e.open_chat(chat(1), &[user(1)]).unwrap();
    for id in 1..=8 {
        e.post_message(msg(id), chat(1), user(1)).unwrap();
    }
    let before = e.clone();
    assert_eq!(
        e.post_message(msg(9), chat(1), user(1)),
        Err(PostMessageError::TableFull)
    );
    assert_eq!(e, before);
    for id in 1..=8 {
        assert_eq!(e.message(msg(id)).unwrap().author, user(1));
    }
}

// rule L9
#[test]
fn like_set_full_refuses_and_keeps_every_like() {
    // Four members, room for three likes per message.
    let mut e: Engine<Capacity<2, 2, 4, 2, 3, { pool_for(2, 3) }>> = Engine::new();
    e.open_chat(chat(1), &[user(1), user(2), user(3), user(4)])
        .unwrap();
    e.post_message(msg(1), chat(1), user(1)).unwrap();
    for u in 1..=3 {
        let outcome = e.like_as_user(&UserLikeRequest::new(user(u), msg(1)));
        assert_eq!(outcome.unwrap().change, Change::Set);
    }
    let before = e.clone();
    let fourth = UserLikeRequest::new(user(4), msg(1)).action(Action::Plus);
    assert_eq!(e.like_as_user(&fourth), Err(LikeError::LikeSetFull));
    assert_eq!(e, before);
    let all: Vec<u32> = e.likers(msg(1)).unwrap().map(|u| u.get()).collect();
    assert_eq!(all, [1, 2, 3]);
}

/// Four entries of pool: likes by users 1 and 2 share a first block of two
/// entries; a third needs a block of four, which no longer fits beside it.
type TightPool = Engine<Capacity<2, 2, 4, 4, 4, 4>>;

fn tight_pool_with_two_likes() -> TightPool {
    let mut e = TightPool::new();
    e.open_chat(chat(1), &[user(1), user(2), user(3), user(4)])
        .unwrap();
    e.post_message(msg(1), chat(1), user(1)).unwrap();
    e.post_message(msg(2), chat(1), user(1)).unwrap();
    for u in 1..=2 {
        let outcome = e.like_as_user(&UserLikeRequest::new(user(u), msg(1)));
        assert_eq!(outcome.unwrap().count, usize::try_from(u).unwrap());
    }
    e
}

// rule L9
#[test]
fn rule_l9_a_full_pool_refuses_with_pool_full_and_changes_nothing() {
    let mut e = tight_pool_with_two_likes();
    let before = e.clone();
    let third = UserLikeRequest::new(user(3), msg(1));
    assert_eq!(e.like_as_user(&third), Err(LikeError::PoolFull));
    assert_eq!(LikeError::PoolFull.code(), ErrorCode::WithoutChanges);
    assert_eq!(LikeError::PoolFull.rule(), 9);
    assert_eq!(e, before);
    // The two entries left serve another message's first block.
    let other = UserLikeRequest::new(user(3), msg(2));
    assert_eq!(e.like_as_user(&other).unwrap().count, 1);
}

// rule L9
#[test]
fn rule_l9_a_deleted_message_gives_its_pool_block_back() {
    let mut e = tight_pool_with_two_likes();
    e.delete_message(msg(1)).unwrap();
    e.post_message(msg(3), chat(1), user(1)).unwrap();
    for u in 1..=2 {
        let outcome = e.like_as_user(&UserLikeRequest::new(user(u), msg(3)));
        assert_eq!(outcome.unwrap().change, Change::Set);
    }
    assert_eq!(e.pool_used(), 2, "the freed block was reused");
}

// section 1: a member who leaves keeps their likes
#[test]
fn leaving_with_the_pool_full_keeps_the_likes_and_takes_no_pool() {
    let mut e = tight_pool_with_two_likes();
    let third = UserLikeRequest::new(user(3), msg(2));
    assert_eq!(e.like_as_user(&third).unwrap().count, 1);
    assert_eq!(e.pool_used(), 4, "the pool is all handed out");
    e.leave_chat(chat(1), user(1)).unwrap();
    e.leave_chat(chat(1), user(3)).unwrap();
    assert_eq!(e.pool_used(), 4);
    let likers: Vec<u32> = e.likers(msg(1)).unwrap().map(|u| u.get()).collect();
    assert_eq!(likers, [1, 2]);
    assert!(e.is_liked_by(msg(2), user(3)));
    // Rule L7: the leaver can no longer change the like.
    let undo = UserLikeRequest::new(user(1), msg(1));
    assert_eq!(e.like_as_user(&undo), Err(LikeError::NotAMember));
}

// section 1, rules L8 and L10: a member who rejoins has their likes back
#[test]
fn rejoining_gives_back_the_likes_kept_and_lets_them_change() {
    let mut e = tight_pool_with_two_likes();
    e.leave_chat(chat(1), user(1)).unwrap();
    e.join_chat(chat(1), user(1)).unwrap();
    let again = UserLikeRequest::new(user(1), msg(1)).action(Action::Plus);
    assert_eq!(e.like_as_user(&again), Err(LikeError::AlreadyLiked));
    let undo = UserLikeRequest::new(user(1), msg(1));
    assert_eq!(e.like_as_user(&undo).unwrap().change, Change::Removed);
    let redo = UserLikeRequest::new(user(1), msg(1));
    assert_eq!(e.like_as_user(&redo).unwrap().count, 2);
    assert_eq!(e.pool_used(), 2, "a like's entry is reserved in its block");
}

#[test]
fn pool_for_is_the_most_a_sizing_can_use() {
    assert_eq!(pool_for(8, 3), 64);
    assert_eq!(pool_for(1 << 20, 64), 1 << 27);
    assert!(Small::POOL < pool_for(Small::MESSAGES, Small::LIKES));
}

#[test]
fn small_sizing_fits_a_microcontroller() {
    let e = SmallEngine::new();
    assert_eq!(e.message_count(), 0);
    assert!(
        size_of::<SmallEngine>() < 8 * 1024,
        "{}",
        size_of::<SmallEngine>()
    );
}

static SERVER: Mutex<ServerEngine> = Mutex::new(ServerEngine::new());

#[test]
fn server_sizing_lives_in_a_static_and_holds_a_million_messages() {
    let mut e = SERVER.lock().unwrap();
    e.open_chat(chat(1), &[user(1)]).unwrap();
    for id in 1..=1 << 20 {
        e.post_message(msg(id), chat(1), user(1)).unwrap();
    }
    assert_eq!(
        e.post_message(msg((1 << 20) + 1), chat(1), user(1)),
        Err(PostMessageError::TableFull)
    );
    let liked = e.like_as_user(&UserLikeRequest::new(user(1), msg(1 << 20)));
    assert_eq!(liked.unwrap().count, 1);
    assert_eq!(e.close_chat(chat(1)), Ok(1 << 20));
    assert!(size_of::<ServerEngine>() <= 96 << 20);
}

#[test]
fn print_sizings() {
    // Shown with `--nocapture`; the README quotes these figures.
    println!("SmallEngine: {} bytes", size_of::<SmallEngine>());
    println!("ServerEngine: {} bytes", size_of::<ServerEngine>());
}
