//! The observable-state comparison: everything the engine shows through its
//! queries against the model.
// Included by several test crates and the fuzz target; each uses a part.
#![allow(dead_code)]

use imbot_like::{AppId, Engine, Reaction, Sizing, UserId};

use super::common::{bot, chat, msg, user};
use super::reference::{Model, Post};
use super::universe::{CHAT_IDS, KINDS, MESSAGE_IDS, USER_IDS};

/// Everything the engine shows through its queries, for every id in the
/// small universes, in a form comparable with the model.
pub(crate) fn assert_same_state<S: Sizing>(engine: &Engine<S>, model: &Model) {
    assert_eq!(engine.policy(), model.policy);
    assert_eq!(engine.pool_used(), model.pool.used, "pool_used");
    assert_eq!(
        engine.remembered_keys(),
        model.window.len(),
        "remembered_keys"
    );
    assert_eq!(engine.bot_count(), model.bots.len(), "bot_count");
    assert_eq!(engine.chat_count(), model.chats.len(), "chat_count");
    assert_eq!(
        engine.message_count(),
        model.messages.len(),
        "message_count"
    );

    let mut listed: Vec<(u32, u32)> = engine.bots().map(|(b, a)| (b.get(), a.0)).collect();
    listed.sort_unstable();
    let expected: Vec<(u32, u32)> = model.bots.iter().map(|(&b, &a)| (b, a)).collect();
    assert_eq!(listed, expected, "bots()");

    for b in USER_IDS {
        let expected = model.bots.get(&b).copied().map(AppId);
        assert_eq!(engine.bot_owner(bot(b)), expected, "bot_owner({b})");
    }

    for c in CHAT_IDS {
        let expected: Option<Vec<UserId>> = model
            .chats
            .get(&c)
            .map(|members| members.iter().map(|&u| user(u)).collect());
        assert_eq!(
            engine.chat_members(chat(c)),
            expected.as_deref(),
            "chat_members({c})"
        );
        for u in USER_IDS {
            let expected = model.chats.get(&c).is_some_and(|m| m.contains(&u));
            assert_eq!(
                engine.is_member(chat(c), user(u)),
                expected,
                "is_member({c}, {u})"
            );
        }
    }

    for m in MESSAGE_IDS {
        let post = model.messages.get(&m);
        let info = engine
            .message(msg(m))
            .map(|i| (i.chat.get(), i.author.get(), i.version));
        let expected = post.map(|p| (p.chat, p.author, p.version));
        assert_eq!(info, expected, "message({m})");
        let likers: Option<Vec<u32>> = engine.likers(msg(m)).map(|l| l.map(UserId::get).collect());
        let expected: Option<Vec<u32>> = post.map(Post::likers);
        assert_eq!(likers, expected, "likers({m})");
        assert_eq!(
            engine.like_count(msg(m)),
            post.map(|p| p.likers().len()),
            "like_count({m})"
        );

        // Every kind present, its count and its users, in kinds-table order.
        let groups: Option<Vec<(Reaction, usize, Vec<u32>)>> = engine.reactions(msg(m)).map(|g| {
            g.map(|group| {
                let users: Vec<u32> = group.users().map(UserId::get).collect();
                (group.reaction(), group.count(), users)
            })
            .collect()
        });
        let expected_groups: Option<Vec<(Reaction, Vec<u32>)>> = post.map(Post::groups);
        let expected: Option<Vec<(Reaction, usize, Vec<u32>)>> =
            expected_groups.as_ref().map(|groups| {
                groups
                    .iter()
                    .map(|(kind, users)| (*kind, users.len(), users.clone()))
                    .collect()
            });
        assert_eq!(groups, expected, "reactions({m})");

        for u in USER_IDS {
            let expected = post.is_some_and(|p| p.has(Reaction::Like, u));
            assert_eq!(
                engine.is_liked_by(msg(m), user(u)),
                expected,
                "is_liked_by({m}, {u})"
            );
            let kinds: Option<Vec<Reaction>> = engine
                .user_reactions(msg(m), user(u))
                .map(Iterator::collect);
            let expected: Option<Vec<Reaction>> = expected_groups.as_ref().map(|groups| {
                groups
                    .iter()
                    .filter(|(_, users)| users.contains(&u))
                    .map(|(kind, _)| *kind)
                    .collect()
            });
            assert_eq!(kinds, expected, "user_reactions({m}, {u})");
            for &kind in &KINDS {
                let expected = post.is_some_and(|p| p.has(kind, u));
                let seen = engine.has_reaction(msg(m), user(u), kind);
                assert_eq!(seen, expected, "has_reaction({m}, {u}, {kind:?})");
            }
        }
    }
    assert_same_listings(engine, model);
}

/// The unordered listings, `chats()` and `messages()`, against the model.
fn assert_same_listings<S: Sizing>(engine: &Engine<S>, model: &Model) {
    let mut chats: Vec<(u32, Vec<u32>)> = engine
        .chats()
        .map(|(c, m)| (c.get(), m.iter().map(|u| u.get()).collect()))
        .collect();
    chats.sort_unstable();
    let expected: Vec<(u32, Vec<u32>)> = model
        .chats
        .iter()
        .map(|(&c, m)| (c, m.iter().copied().collect()))
        .collect();
    assert_eq!(chats, expected, "chats()");
    let mut messages: Vec<(u64, u32, u32, u32)> = engine
        .messages()
        .map(|(id, i)| (id.get(), i.chat.get(), i.author.get(), i.version))
        .collect();
    messages.sort_unstable();
    let expected: Vec<(u64, u32, u32, u32)> = model
        .messages
        .iter()
        .map(|(&id, p)| (id, p.chat, p.author, p.version))
        .collect();
    assert_eq!(messages, expected, "messages()");
}
