//! Capacity (contract section 1): each table fills to its capacity, one
//! more is refused with a precise error, and everything stored before is
//! intact. Also the two named sizings.

mod common;

use common::*;
use imbot_like::{
    Action, AppId, Change, Engine, LikeError, OpenChatError, PostMessageError, RegisterBotError,
    ServerEngine, SmallEngine, UserLikeRequest,
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
    let mut e: Engine<2, 2, 4, 2, 3> = Engine::new();
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

#[test]
fn small_sizing_fits_a_microcontroller() {
    let e = SmallEngine::new();
    assert_eq!(e.message_count(), 0);
    assert!(
        size_of::<SmallEngine>() < 16 * 1024,
        "{}",
        size_of::<SmallEngine>()
    );
}

static SERVER: Mutex<ServerEngine> = Mutex::new(ServerEngine::new());

#[test]
fn server_sizing_lives_in_a_static_and_holds_65536_messages() {
    let mut e = SERVER.lock().unwrap();
    e.open_chat(chat(1), &[user(1)]).unwrap();
    for id in 1..=65_536 {
        e.post_message(msg(id), chat(1), user(1)).unwrap();
    }
    assert_eq!(
        e.post_message(msg(65_537), chat(1), user(1)),
        Err(PostMessageError::TableFull)
    );
    assert_eq!(
        e.like_as_user(&UserLikeRequest::new(user(1), msg(65_536)))
            .unwrap()
            .likers
            .len(),
        1
    );
    assert_eq!(e.close_chat(chat(1)), Ok(65_536));
}

#[test]
fn print_sizings() {
    // Shown with `--nocapture`; the README quotes these figures.
    println!("SmallEngine: {} bytes", size_of::<SmallEngine>());
    println!("ServerEngine: {} bytes", size_of::<ServerEngine>());
}
