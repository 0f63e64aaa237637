//! Links `imbot_like` into a freestanding binary and calls its entry points.
//! Never run: building it proves the crate needs nothing from `std`.

#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

use imbot_like::wire::LikeParams;
use imbot_like::{
    Action, AppId, Arg, BotId, ChatId, LikeRequest, MessageId, Reaction, ReactionRequest,
    SmallEngine, UserId, UserLikeRequest,
};

#[panic_handler]
fn panic(_info: &PanicInfo) -> ! {
    loop {}
}

/// Drives one of each operation, with inputs the optimiser cannot see.
fn exercise(engine: &mut SmallEngine) -> usize {
    let user = UserId::new(black_box(1)).unwrap_or(UserId::from(core::num::NonZeroU32::MIN));
    let bot: Arg<BotId> = Arg::parse(black_box("39"));
    let chat: Arg<ChatId> = Arg::parse(black_box("7"));
    let message: Arg<MessageId> = Arg::parse(black_box("100"));
    let (Arg::Given(b), Arg::Given(c), Arg::Given(m)) = (bot, chat, message) else {
        return 0;
    };
    let app = AppId(black_box(1));
    let mut done = 0;
    done += usize::from(engine.register_bot(b, app).is_ok());
    done += usize::from(engine.open_chat(c, &[user, b.user()]).is_ok());
    done += usize::from(engine.post_message(m, c, user).is_ok());
    let request = LikeRequest::new(message)
        .app(app)
        .action(Action::parse(black_box("plus")));
    done += engine.like(&request).map_or(0, |o| o.count);
    let request = UserLikeRequest::new(user, message);
    done += engine.like_as_user(&request).map_or(0, |o| o.count);
    let mut scratch = [0u8; 64];
    if let Ok(params) = LikeParams::from_form(black_box("BOT_ID=39&MESSAGE_ID=100"), &mut scratch) {
        done += engine
            .like(&params.like_request(Some(app)))
            .map_or(0, |o| o.count);
    }
    let reaction: Arg<Reaction, _> = Arg::parse(black_box("fire"));
    let request = ReactionRequest::new(bot, message, reaction).app(app);
    done += engine.add_reaction(&request).map_or(0, |o| o.count);
    done += engine.reactions(m).map_or(0, Iterator::count);
    done += engine
        .delete_reaction(&request)
        .map_or(0, |o| o.count);
    done += engine.like_count(m).unwrap_or(0);
    done += usize::from(engine.leave_chat(c, user).is_ok());
    done += usize::from(engine.delete_message(m).is_ok());
    done += engine.close_chat(c).unwrap_or(0);
    done += usize::from(engine.unregister_bot(b).is_ok());
    done
}

/// The entry point the linker looks for when start files are left out.
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let mut engine = SmallEngine::new();
    black_box(exercise(&mut engine));
    loop {}
}

/// `core` is prebuilt with unwinding tables that name this symbol; with
/// `panic = "abort"` nothing ever calls it.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}
