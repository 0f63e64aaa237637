//! Calls every `#[no_panic]` wrapper once with inputs the optimizer cannot
//! see, so each is kept and linked. Running it proves nothing; building it
//! in release mode does: `cargo build --release` checks the wire layer and
//! every engine entry point. A wrapper that can still panic fails the link
//! with `detected panic in function <name>`.

mod engine;
mod measure;
mod pairs;
mod wire;

use std::hint::black_box;

use imbot_like::wire::{FrameworkError, Reply};
use imbot_like::{
    AppId, Arg, BotId, ChatId, MessageId, Reaction, ReactionRequest, SmallEngine, UserId,
};
use imbot_like::{LikeRequest, UserLikeRequest};

fn main() {
    wire_entry_points();
    engine_entry_points();
}

/// The wire layer's wrappers.
fn wire_entry_points() {
    let pairs = black_box([("BOT_ID", "39"), ("MESSAGE_ID", "1"), ("botId", "39")]);
    let mut scratch = [0u8; 256];
    let form = black_box("BOT_ID=39&MESSAGE_ID=1&ACTION=plus");
    let body = black_box(br#"{"BOT_ID":39,"messageId":1e400,"reaction":"like"}"#.as_slice());
    let app = Some(AppId(black_box(1)));

    let like = wire::like_from_pairs(&pairs);
    let reaction = wire::reaction_from_pairs(&pairs);
    let _ = black_box(wire::like_from_form(form, &mut scratch));
    let _ = black_box(wire::reaction_from_form(form, &mut scratch));
    let _ = black_box(wire::like_from_json(body, &mut scratch));
    let _ = black_box(wire::reaction_from_json(body, &mut scratch));
    let _ = black_box(wire::like_from_serde(&pairs));
    let _ = black_box(wire::reaction_from_serde(&pairs));
    let _ = black_box(wire::like_request(&like, app));
    if let Some(user) = UserId::new(black_box(1)) {
        black_box(wire::user_request(&like, user));
    }
    let _ = black_box(wire::reaction_request(&reaction, app));
    let _ = black_box(wire::webhook_bot_token(&reaction));

    let mut apps = wire::Apps::new();
    if let Ok(app) = wire::apps_register(&mut apps, black_box("app.demo")) {
        black_box(wire::apps_client_id(&apps, app));
    }
    let _ = black_box(wire::apps_lookup(&apps, black_box("app.demo")));

    if let Some(time) = wire::time(black_box(1.0), black_box(1.5), black_box("1970-01-01")) {
        let reply = wire::like_reply(black_box(Ok(())), time.clone());
        black_box(wire::write_reply(&reply));
        black_box(wire::reaction_reply(black_box(Ok(())), time));
    }
    let framework = wire::framework_reply(black_box(FrameworkError::InvalidRequest));
    black_box(framework);
    if let Reply::Error(error) = Reply::from(black_box(FrameworkError::InvalidRequest)) {
        black_box(wire::write_error(&error));
    }
}

/// The engine's wrappers, with ids the optimizer cannot see.
fn engine_entry_points() {
    let (Some(bot), Some(chat), Some(user), Some(message)) = (
        BotId::new(black_box(39)),
        ChatId::new(black_box(7)),
        UserId::new(black_box(1)),
        MessageId::new(black_box(1)),
    ) else {
        return;
    };
    let app = AppId(black_box(1));
    let mut engine = SmallEngine::new();
    let members = black_box([user, bot.user()]);
    let _ = black_box(engine::register_bot(&mut engine, bot, app));
    let _ = black_box(engine::open_chat(&mut engine, chat, &members));
    let _ = black_box(engine::post_message(&mut engine, message, chat, user));
    let reaction: Arg<Reaction, _> = Arg::parse(black_box("fire"));
    let request = ReactionRequest::new(Arg::Given(bot), Arg::Given(message), reaction).app(app);
    {
        use engine::inserts;
        let _ = black_box(inserts::join_chat(&mut engine, chat, user));
        let like = LikeRequest::new(message).app(app);
        let _ = black_box(inserts::like(&mut engine, &like));
        let as_user = UserLikeRequest::new(user, message);
        let _ = black_box(inserts::like_as_user(&mut engine, &as_user));
        let _ = black_box(inserts::add_reaction(&mut engine, &request));
    }
    let _ = black_box(engine::delete_reaction(&mut engine, &request));
    let _ = black_box(engine::like_count(&engine, message));
    let _ = black_box(engine::is_liked_by(&engine, message, user));
    let _ = black_box(engine::likers(&engine, message));
    let _ = black_box(engine::reactions(&engine, message));
    let _ = black_box(engine::user_reactions(&engine, message, user));
    let _ = black_box(engine::message(&engine, message));
    let _ = black_box(engine::bot_owner(&engine, bot));
    let _ = black_box(engine::chat_members(&engine, chat));
    let _ = black_box(engine::is_member(&engine, chat, user));
    let _ = black_box(engine::bots(&engine));
    let _ = black_box(engine::counts(&engine));
    let _ = black_box(engine::leave_chat(&mut engine, chat, user));
    let _ = black_box(engine::delete_message(&mut engine, message));
    let _ = black_box(engine::close_chat(&mut engine, chat));
    let _ = black_box(engine::unregister_bot(&mut engine, bot));
    black_box(members);
    keyed_entry_points(bot, chat, user, message, app);
}

/// The keyed wrappers, each called twice with one key (a run and a
/// retry) on an engine with a retry window.
fn keyed_entry_points(bot: BotId, chat: ChatId, user: UserId, message: MessageId, app: AppId) {
    use engine::keyed;
    let mut engine = Box::new(keyed::KeyedEngine::new());
    let _ = engine.register_bot(bot, app);
    let _ = engine.open_chat(chat, &[user, bot.user()]);
    let _ = engine.post_message(message, chat, user);
    let key = keyed::key_from_text(black_box("retry-1"));
    let like = LikeRequest::new(message).app(app).bot(bot);
    let as_user = UserLikeRequest::new(user, message);
    let reaction: Arg<Reaction, _> = Arg::parse(black_box("fire"));
    let request = ReactionRequest::new(Arg::Given(bot), Arg::Given(message), reaction).app(app);
    for _ in 0..2 {
        let _ = black_box(keyed::like_keyed(&mut engine, key, &like));
        let _ = black_box(keyed::like_as_user_keyed(&mut engine, key, &as_user));
        let _ = black_box(keyed::add_reaction_keyed(&mut engine, key, &request));
        let _ = black_box(keyed::delete_reaction_keyed(&mut engine, key, &request));
    }
}
