//! The world methods' errors: the portal's codes and descriptions, HTTP
//! 400 (an imbot.v2 method's may differ), in the envelope
//! `{"error": CODE, "error_description": TEXT}`.

use std::fmt;

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// Why a world method refused a call. Nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalError {
    /// `BOT_ID_ERROR`: no such bot, or the application has no bot to
    /// default to.
    BotIdError,
    /// `APP_ID_ERROR`: the bot belongs to another application.
    AppIdError,
    /// `DIALOG_ID_EMPTY`: no `DIALOG_ID`, or one that names neither a chat
    /// (`chatN`) nor a user.
    DialogIdEmpty,
    /// `MESSAGE_EMPTY`: no text, or only white space.
    MessageEmpty,
    /// `MESSAGE_ID_ERROR`: no valid `MESSAGE_ID`.
    MessageIdError,
    /// `CANT_EDIT_MESSAGE`: the message is unknown or is not the caller's.
    CantEditMessage,
    /// `ACCESS_ERROR`: the caller is not a member of the dialog, or may
    /// not change it.
    AccessError,
    /// `CHAT_ID_EMPTY`: no valid `CHAT_ID`.
    ChatIdEmpty,
    /// `USER_ID_EMPTY`: no valid `USER_ID`.
    UserIdEmpty,
    /// `USERS_EMPTY` (this host's code): `USERS` is missing or lists no
    /// valid user id.
    UsersEmpty,
    /// `CODE_ERROR`: `imbot.register` without `CODE`.
    CodeError,
    /// `NAME_ERROR`: `imbot.register` without `PROPERTIES[NAME]` or
    /// `PROPERTIES[LAST_NAME]`.
    NameError,
    /// `EVENT_MESSAGE_ADD_ERROR`: no valid handler URL for new messages.
    EventMessageAddError,
    /// `EVENT_WELCOME_MESSAGE_ERROR`: no valid handler URL for welcomes.
    EventWelcomeMessageError,
    /// `EVENT_BOT_DELETE_ERROR`: no valid handler URL for bot removal.
    EventBotDeleteError,
    /// `MAX_COUNT_ERROR`: the application already has
    /// 5 bots (as on portals).
    MaxCountError,
    /// `FIRST_ID_STRING`: `im.dialog.messages.get` with a `FIRST_ID` of
    /// other than digits.
    FirstIdString,
    /// `LAST_ID_STRING`: `im.dialog.messages.get` with a `LAST_ID` of
    /// other than digits.
    LastIdString,
    /// `KEYBOARD_ERROR`: `KEYBOARD` has no valid button, or a user's
    /// message carries one.
    KeyboardError,
    /// `KEYBOARD_OVERSIZE`: the keyboard's JSON reaches 60 000 bytes.
    KeyboardOversize,
    /// `ATTACH_ERROR`: `ATTACH` has no valid block.
    AttachError,
    /// `ATTACH_OVERSIZE`: the attachment's JSON reaches 60 000 bytes.
    AttachOversize,
    /// `MENU_ERROR`: `MENU` has no valid item, or a user's message
    /// carries one.
    MenuError,
    /// `MENU_OVERSIZE`: the menu's JSON reaches 60 000 bytes.
    MenuOversize,
    /// `COMMAND_ERROR`: `imbot.command.register` without `COMMAND`.
    CommandError,
    /// `COMMAND_ID_ERROR`: no command with that `COMMAND_ID` (or
    /// `COMMAND`).
    CommandIdError,
    /// `APP_ID_ERROR`: the command belongs to another application.
    CommandAppIdError,
    /// `EVENT_COMMAND_ADD_ERROR`: no `EVENT_COMMAND_ADD`, or not an
    /// http(s) URL; the text says which.
    EventCommandAddError(&'static str),
    /// `LANG_ERROR`: `imbot.command.register` without `LANG`.
    LangError,
    /// `MESSAGE_ID_EMPTY`: `imbot.command.answer` without a valid
    /// `MESSAGE_ID`.
    MessageIdEmpty,
    /// `WRONG_REQUEST`: the change could not be made (a full table, a
    /// member already present or absent); the text says which.
    WrongRequest(&'static str),
    /// An imbot.v2 method's refusal of its bot (`BOT_TOKEN_NOT_SPECIFIED`,
    /// `BOT_ID_REQUIRED`, `BOT_NOT_FOUND`, `BOT_OWNERSHIP_ERROR`), as the
    /// reaction methods answer it.
    V2(imbot_like::ReactionErrorCode),
    /// `BOT_INVALID_EVENT_MODE`: `eventMode` is neither `fetch` nor
    /// `webhook`.
    BotInvalidEventMode,
    /// `BOT_INVALID_CALLBACK`: `webhookUrl` is not an http(s) URL.
    BotInvalidCallback,
    /// `BOT_WEBHOOK_URL_REQUIRED`: webhook mode without a `webhookUrl`.
    BotWebhookUrlRequired,
}

impl PortalError {
    /// The `error` field.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::BotIdError => "BOT_ID_ERROR",
            Self::AppIdError => "APP_ID_ERROR",
            Self::DialogIdEmpty => "DIALOG_ID_EMPTY",
            Self::MessageEmpty => "MESSAGE_EMPTY",
            Self::MessageIdError => "MESSAGE_ID_ERROR",
            Self::CantEditMessage => "CANT_EDIT_MESSAGE",
            Self::AccessError => "ACCESS_ERROR",
            Self::ChatIdEmpty => "CHAT_ID_EMPTY",
            Self::UserIdEmpty => "USER_ID_EMPTY",
            Self::UsersEmpty => "USERS_EMPTY",
            Self::CodeError => "CODE_ERROR",
            Self::NameError => "NAME_ERROR",
            Self::EventMessageAddError => "EVENT_MESSAGE_ADD_ERROR",
            Self::EventWelcomeMessageError => "EVENT_WELCOME_MESSAGE_ERROR",
            Self::EventBotDeleteError => "EVENT_BOT_DELETE_ERROR",
            Self::MaxCountError => "MAX_COUNT_ERROR",
            Self::FirstIdString => "FIRST_ID_STRING",
            Self::LastIdString => "LAST_ID_STRING",
            Self::KeyboardError => "KEYBOARD_ERROR",
            Self::KeyboardOversize => "KEYBOARD_OVERSIZE",
            Self::AttachError => "ATTACH_ERROR",
            Self::AttachOversize => "ATTACH_OVERSIZE",
            Self::MenuError => "MENU_ERROR",
            Self::MenuOversize => "MENU_OVERSIZE",
            Self::CommandError => "COMMAND_ERROR",
            Self::CommandIdError => "COMMAND_ID_ERROR",
            Self::CommandAppIdError => "APP_ID_ERROR",
            Self::EventCommandAddError(_) => "EVENT_COMMAND_ADD_ERROR",
            Self::LangError => "LANG_ERROR",
            Self::MessageIdEmpty => "MESSAGE_ID_EMPTY",
            Self::WrongRequest(_) => "WRONG_REQUEST",
            Self::V2(code) => code.as_str(),
            Self::BotInvalidEventMode => "BOT_INVALID_EVENT_MODE",
            Self::BotInvalidCallback => "BOT_INVALID_CALLBACK",
            Self::BotWebhookUrlRequired => "BOT_WEBHOOK_URL_REQUIRED",
        }
    }

    /// The `error_description` field.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            Self::BotIdError => "Bot not found",
            Self::AppIdError => "Bot was installed by another rest application",
            Self::DialogIdEmpty => "Dialog ID can't be empty",
            Self::MessageEmpty => "Message can't be empty",
            Self::MessageIdError => "Message ID can't be empty",
            Self::CantEditMessage => "Time has expired for modification or you don't have access",
            Self::AccessError => "You do not have access to the specified dialog",
            Self::ChatIdEmpty => "Chat ID can't be empty",
            Self::UserIdEmpty => "User ID can't be empty",
            Self::UsersEmpty => "Users can't be empty",
            Self::CodeError => "Bot code isn't specified",
            Self::NameError => "Bot name isn't specified",
            Self::EventMessageAddError => "Handler for \"Message add\" event isn't specified",
            Self::EventWelcomeMessageError => {
                "Handler for \"Welcome message\" event isn't specified"
            }
            Self::EventBotDeleteError => "Handler for \"Bot delete\" event isn't specified",
            Self::MaxCountError => "Has reached the maximum number of bots for application",
            Self::FirstIdString => "First ID can't be string",
            Self::LastIdString => "Last ID can't be string",
            Self::KeyboardError => "Incorrect keyboard params",
            Self::KeyboardOversize => "You have exceeded the maximum allowable size of keyboard",
            Self::AttachError => "Incorrect attach params",
            Self::AttachOversize => "You have exceeded the maximum allowable size of attach",
            Self::MenuError => "Incorrect menu params",
            Self::MenuOversize => "You have exceeded the maximum allowable size of menu",
            Self::CommandError => "Command isn't specified",
            Self::CommandIdError => "Command not found",
            Self::CommandAppIdError => "Command was installed by another rest application",
            Self::LangError => "Lang set can't be empty",
            Self::MessageIdEmpty => "Message ID can't be empty",
            Self::EventCommandAddError(why) | Self::WrongRequest(why) => why,
            Self::V2(code) => code.description(),
            Self::BotInvalidEventMode => "Invalid event mode",
            Self::BotInvalidCallback => "Invalid callback URL",
            Self::BotWebhookUrlRequired => "Webhook URL is required",
        }
    }

    /// The HTTP status: 400, or an imbot.v2 bot refusal's own.
    #[must_use]
    pub const fn http_status(self) -> u16 {
        match self {
            Self::V2(code) => code.http_status(),
            _ => 400,
        }
    }
}

impl fmt::Display for PortalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.description())
    }
}

impl std::error::Error for PortalError {}

impl Serialize for PortalError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut body = serializer.serialize_struct("PortalError", 2)?;
        body.serialize_field("error", self.code())?;
        body.serialize_field("error_description", self.description())?;
        body.end()
    }
}
