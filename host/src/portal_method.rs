//! The table of the world's methods this host serves (besides the like
//! and reaction methods): name, scope and who acts. The request router
//! and the portal's handlers both read it.

/// Declares the world's methods: variant, wire name, scope, who acts.
macro_rules! portal_methods {
    ($($variant:ident = $name:literal, $scope:literal, $actor:ident;)+) => {
        /// A method of the world that this host serves besides the like
        /// and reaction methods.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum PortalMethod {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )+
        }

        impl PortalMethod {
            /// Every method, in index order.
            pub const ALL: &'static [PortalMethod] = &[$(PortalMethod::$variant),+];
            /// How many there are.
            pub const COUNT: usize = Self::ALL.len();

            /// The method's name, lower case.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(Self::$variant => $name,)+ }
            }

            /// The scope a caller needs: `im` or `imbot`.
            #[must_use]
            pub const fn scope(self) -> &'static str {
                match self { $(Self::$variant => $scope,)+ }
            }

            /// Whether a bot (of the caller's application) or the calling
            /// user acts.
            pub(crate) const fn actor(self) -> Actor {
                match self { $(Self::$variant => Actor::$actor,)+ }
            }
        }
    };
}

portal_methods! {
    BotMessageAdd = "imbot.message.add", "imbot", Bot;
    UserMessageAdd = "im.message.add", "im", User;
    BotMessageDelete = "imbot.message.delete", "imbot", Bot;
    UserMessageDelete = "im.message.delete", "im", User;
    BotChatAdd = "imbot.chat.add", "imbot", Bot;
    UserChatAdd = "im.chat.add", "im", User;
    BotChatUserAdd = "imbot.chat.user.add", "imbot", Bot;
    UserChatUserAdd = "im.chat.user.add", "im", User;
    BotChatUserDelete = "imbot.chat.user.delete", "imbot", Bot;
    UserChatUserDelete = "im.chat.user.delete", "im", User;
    BotChatLeave = "imbot.chat.leave", "imbot", Bot;
    UserChatLeave = "im.chat.leave", "im", User;
    BotRegister = "imbot.register", "imbot", Bot;
    BotUnregister = "imbot.unregister", "imbot", Bot;
    BotList = "imbot.bot.list", "imbot", Bot;
    DialogMessagesGet = "im.dialog.messages.get", "im", User;
    BotMessageUpdate = "imbot.message.update", "imbot", Bot;
    UserMessageUpdate = "im.message.update", "im", User;
    CommandRegister = "imbot.command.register", "imbot", Bot;
    CommandUnregister = "imbot.command.unregister", "imbot", Bot;
    CommandUpdate = "imbot.command.update", "imbot", Bot;
    CommandAnswer = "imbot.command.answer", "imbot", Bot;
    ButtonPress = "keyboard button press", "im", User;
    BotV2Update = "imbot.v2.bot.update", "imbot", Bot;
}

impl PortalMethod {
    /// The REST method with this lower-case name. A keyboard button's
    /// press is no REST method (a user presses it on the page or through
    /// the control API), so no name finds it.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .filter(|&m| m != Self::ButtonPress)
            .find(|m| m.name() == name)
    }

    /// Whether it is one of the `imbot.command.*` methods.
    #[must_use]
    pub const fn is_command(self) -> bool {
        matches!(
            self,
            Self::CommandRegister
                | Self::CommandUnregister
                | Self::CommandUpdate
                | Self::CommandAnswer
        )
    }

    /// The method's position in `0..COUNT`.
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// Who acts in a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Actor {
    /// A bot of the caller's application (`imbot.*`).
    Bot,
    /// The user the token or webhook belongs to (`im.*`).
    User,
}
