//! A walk through a small world: every rule of `imbot.message.like`, the
//! user twin `im.message.like`, and both bot-selection policies.
//!
//! Each request is printed with its parameters as a REST client sends them,
//! followed by the wire-level answer and the rule that decided it. The rule
//! numbers (L1 to L10, V1 to V8) and the contract's section numbers are
//! those of the crate's `contract` module (`cargo doc --open`, then
//! `imbot_like::contract`).

use imbot_like::{
    Action, AppId, Arg, BotId, BotPolicy, Capacity, Change, ChatId, Engine, LikeError, LikeRequest,
    MessageId, Outcome, ReactionRequest, UserId, UserLikeRequest, pool_for,
};

/// Room for three likes per message, so rule L9 shows up quickly; a pool
/// that never runs out.
type DemoEngine = Engine<Capacity<4, 4, 8, 16, 3, { pool_for(16, 3) }>>;

const WEATHER: AppId = AppId(1);
const HELPDESK: AppId = AppId(2);
const NO_BOTS: AppId = AppId(3);

/// An application's name, as the demo prints it.
fn app_name(app: AppId) -> &'static str {
    match app.0 {
        1 => "app.weather",
        2 => "app.helpdesk",
        _ => "app.nobots",
    }
}

fn id<T: std::str::FromStr>(text: &str) -> T {
    text.parse()
        .unwrap_or_else(|_| panic!("bad demo id {text}"))
}

/// Builds the world: two apps with bots, a private dialog and a group chat.
fn world(policy: BotPolicy) -> Result<DemoEngine, Box<dyn std::error::Error>> {
    let mut e = DemoEngine::with_policy(policy);
    let (alice, bob, carol): (UserId, UserId, UserId) = (id("1"), id("2"), id("3"));
    let (weather, desk1, desk2): (BotId, BotId, BotId) = (id("39"), id("40"), id("41"));
    let (dialog, group): (ChatId, ChatId) = (id("10"), id("20"));
    e.register_bot(weather, WEATHER)?;
    e.register_bot(desk1, HELPDESK)?;
    e.register_bot(desk2, HELPDESK)?;
    e.open_chat(dialog, &[alice, weather.user()])?;
    e.open_chat(group, &[alice, bob, carol, weather.user(), desk1.user()])?;
    e.post_message(id("1"), dialog, alice)?;
    e.post_message(id("2"), group, bob)?;
    e.post_message(id("3"), group, weather.user())?;
    Ok(e)
}

/// The parameters of one `imbot.message.like` call, as raw text.
struct Call<'a> {
    app: Option<AppId>,
    bot: Option<&'a str>,
    message: Option<&'a str>,
    action: Option<&'a str>,
}

impl Call<'_> {
    fn request(&self) -> LikeRequest {
        let message: Arg<MessageId> = self.message.map_or(Arg::Omitted, Arg::parse);
        let mut request = LikeRequest::new(message);
        if let Some(app) = self.app {
            request = request.app(app);
        }
        if let Some(bot) = self.bot {
            request = request.bot(Arg::<BotId>::parse(bot));
        }
        request.action(self.action.map_or(Action::Auto, Action::parse))
    }

    fn describe(&self) -> String {
        let mut line = String::from("imbot.message.like");
        let app = self.app.map_or("(no app)", app_name);
        line.push_str(&format!("  caller={app}"));
        for (name, value) in [
            ("BOT_ID", self.bot),
            ("MESSAGE_ID", self.message),
            ("ACTION", self.action),
        ] {
            if let Some(value) = value {
                line.push_str(&format!(" {name}={value:?}"));
            }
        }
        line
    }
}

/// Prints a request and its answer; the like list is read back from the
/// engine, as a host pushing it to the chat's members would.
fn show(e: &DemoEngine, note: &str, line: &str, answer: Result<Outcome, LikeError>) {
    println!("  {note}");
    println!("    {line}");
    match answer {
        Ok(outcome) => {
            let verb = match outcome.change {
                Change::Set => "set",
                Change::Removed => "removed",
            };
            let likers: Vec<u32> = e
                .likers(outcome.message)
                .map_or_else(Vec::new, |l| l.map(UserId::get).collect());
            let notify = outcome
                .notify
                .map_or(String::new(), |u| format!(", notify author {u}"));
            println!(
                "    -> true   [L10: user {} {verb} a like on message {} in chat {}; likers {likers:?}{notify}]",
                outcome.actor, outcome.message, outcome.chat
            );
        }
        Err(e) => {
            let code = e.code();
            println!(
                "    -> {} \"{}\" (HTTP {})   [L{}: {e}]",
                code.as_str(),
                code.description(),
                code.http_status(),
                e.rule()
            );
        }
    }
}

fn bot_call(e: &mut DemoEngine, note: &str, call: Call<'_>) {
    let answer = e.like(&call.request());
    show(e, note, &call.describe(), answer);
}

fn user_call(e: &mut DemoEngine, note: &str, user: u32, message: &str, action: &str) {
    let request = UserLikeRequest::new(id(&user.to_string()), Arg::<MessageId>::parse(message))
        .action(Action::parse(action));
    let line = format!("im.message.like  user={user} MESSAGE_ID={message:?} ACTION={action:?}");
    let answer = e.like_as_user(&request);
    show(e, note, &line, answer);
}

fn call<'a>(
    app: Option<AppId>,
    bot: Option<&'a str>,
    message: Option<&'a str>,
    action: Option<&'a str>,
) -> Call<'a> {
    Call {
        app,
        bot,
        message,
        action,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "The world: app.weather owns bot 39; app.helpdesk owns bots 40 and 41; app.nobots owns none."
    );
    println!("Chat 10 is Alice's (user 1) private dialog with bot 39; chat 20 is a group of");
    println!("users 1, 2, 3 and bots 39, 40. Message 1 is Alice's in chat 10; messages 2 (Bob's)");
    println!("and 3 (bot 39's) are in chat 20. A message holds at most three likes.");
    println!("Rules L1-L10 and checks V1-V8 are those of the crate docs' `contract` module.\n");

    let mut e = world(BotPolicy::Strict)?;
    println!("Bot selection policy: strict (the default)");
    let w = Some(WEATHER);
    bot_call(
        &mut e,
        "L10: the weather bot likes Alice's message",
        call(w, Some("39"), Some("1"), Some("plus")),
    );
    bot_call(
        &mut e,
        "L8: liking it again changes nothing",
        call(w, Some("39"), Some("1"), Some("plus")),
    );
    bot_call(
        &mut e,
        "L5+L10: ACTION in any case; \"MINUS\" removes it",
        call(w, Some("39"), Some("1"), Some("MINUS")),
    );
    bot_call(
        &mut e,
        "L8: removing a like that is not set",
        call(w, Some("39"), Some("1"), Some("minus")),
    );
    bot_call(
        &mut e,
        "L5+L10: an unknown ACTION counts as auto and toggles",
        call(w, Some("39"), Some("1"), Some("sideways")),
    );
    bot_call(
        &mut e,
        "L2+L10: BOT_ID omitted, the app's only bot acts; auto toggles back",
        call(w, None, Some("1"), None),
    );
    bot_call(
        &mut e,
        "L1: an unknown bot",
        call(w, Some("999"), Some("1"), Some("plus")),
    );
    bot_call(
        &mut e,
        "L1: BOT_ID that is not a number (even with a bad MESSAGE_ID)",
        call(w, Some("abc"), Some("x"), None),
    );
    bot_call(
        &mut e,
        "L2: an app with no bots omits BOT_ID",
        call(Some(NO_BOTS), None, Some("1"), None),
    );
    bot_call(
        &mut e,
        "L2: an app with two bots omits BOT_ID (strict policy)",
        call(Some(HELPDESK), None, Some("2"), None),
    );
    bot_call(
        &mut e,
        "L3: the weather app uses the helpdesk's bot",
        call(w, Some("40"), Some("2"), None),
    );
    bot_call(
        &mut e,
        "L3: a caller with no app owns no bot",
        call(None, Some("39"), Some("2"), None),
    );
    bot_call(
        &mut e,
        "L4: MESSAGE_ID missing",
        call(w, Some("39"), None, Some("plus")),
    );
    bot_call(
        &mut e,
        "L4: MESSAGE_ID zero",
        call(w, Some("39"), Some("0"), Some("plus")),
    );
    bot_call(
        &mut e,
        "L6: a message that does not exist",
        call(w, Some("39"), Some("999"), Some("plus")),
    );
    bot_call(
        &mut e,
        "L7: bot 41 is not in chat 20",
        call(Some(HELPDESK), Some("41"), Some("2"), Some("plus")),
    );
    user_call(
        &mut e,
        "user variant (im.message.like, contract section 4): Bob likes bot 39's message",
        2,
        "3",
        "plus",
    );
    user_call(
        &mut e,
        "user variant: Carol likes it too; its author, bot 39, is to be notified",
        3,
        "3",
        "plus",
    );
    bot_call(
        &mut e,
        "L10: bot 40 likes it as well; the set is now full",
        call(Some(HELPDESK), Some("40"), Some("3"), Some("plus")),
    );
    user_call(&mut e, "L9: Alice cannot add a fourth like", 1, "3", "auto");
    user_call(
        &mut e,
        "L7: Bob is not in chat 10, so he cannot like Alice's message there",
        2,
        "1",
        "plus",
    );

    println!("\nBot selection policy: portal-compatible");
    let mut portal = world(BotPolicy::PortalCompatible)?;
    bot_call(
        &mut portal,
        "L2: an app with two bots omits BOT_ID; the lowest id (40) acts",
        call(Some(HELPDESK), None, Some("2"), Some("plus")),
    );
    bot_call(
        &mut portal,
        "L2: an app with no bots is still refused",
        call(Some(NO_BOTS), None, Some("2"), None),
    );
    v2_walkthrough()
}

/// The v2 reaction methods on the same state as the legacy like.
fn v2_walkthrough() -> Result<(), Box<dyn std::error::Error>> {
    println!("\nimbot.v2 reactions on the same state (the legacy like is the `like` kind)");
    let mut e = world(BotPolicy::Strict)?;
    let v2 = |bot: &str, message: &str, reaction: &str| {
        ReactionRequest::new(
            Arg::<BotId>::parse(bot),
            Arg::<MessageId>::parse(message),
            Arg::parse(reaction),
        )
        .app(WEATHER)
    };
    let steps: [(&str, &str, &str, &str, bool); 8] = [
        (
            "the weather bot adds `fire` to Alice's message",
            "39",
            "1",
            "fire",
            true,
        ),
        (
            "and `like`: a user may set several kinds",
            "39",
            "1",
            "like",
            true,
        ),
        ("adding `like` again", "39", "1", "like", true),
        (
            "an unknown code (codes are case-sensitive)",
            "39",
            "1",
            "Fire",
            true,
        ),
        (
            "a message that does not exist: the bot cannot see it",
            "39",
            "999",
            "fire",
            true,
        ),
        ("deleting a kind it never set", "39", "1", "eyes", false),
        ("botId omitted", "", "1", "fire", true),
        ("a bot of another application", "40", "2", "fire", true),
    ];
    for (note, bot, message, reaction, adding) in steps {
        let mut request = v2(bot, message, reaction);
        if bot.is_empty() {
            request.bot = Arg::Omitted;
        }
        let method = if adding { "add" } else { "delete" };
        println!("  {note}");
        let bot_param = if bot.is_empty() {
            String::from("(botId omitted)")
        } else {
            format!("botId={bot:?}")
        };
        println!(
            "    imbot.v2.Chat.Message.Reaction.{method}  caller=app.weather {bot_param} messageId={message:?} reaction={reaction:?}"
        );
        let answer = if adding {
            e.add_reaction(&request)
        } else {
            e.delete_reaction(&request)
        };
        match answer {
            Ok(outcome) => {
                let groups = e.reactions(outcome.message).into_iter().flatten();
                let counts: Vec<String> = groups
                    .map(|g| format!("{}×{}", g.reaction(), g.count()))
                    .collect();
                println!("    -> true   [reactions now {}]", counts.join(", "));
            }
            Err(err) => {
                let code = err.code();
                println!(
                    "    -> {} \"{}\" (HTTP {})   [V{}: {err}]",
                    code.as_str(),
                    code.description(),
                    code.http_status(),
                    err.step()
                );
            }
        }
    }
    let minus = Call {
        app: Some(WEATHER),
        bot: Some("39"),
        message: Some("1"),
        action: Some("minus"),
    };
    bot_call(
        &mut e,
        "the legacy `minus` removes the like set through v2",
        minus,
    );
    let message: MessageId = id("1");
    for group in e.reactions(message).into_iter().flatten() {
        let users: Vec<u32> = group.users().map(|u| u.get()).collect();
        println!(
            "  message 1 keeps `{}` from users {users:?}",
            group.reaction()
        );
    }
    Ok(())
}
