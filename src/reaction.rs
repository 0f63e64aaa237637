//! The reaction kinds of `imbot.v2.Chat.Message.Reaction.*`: one table.
//!
//! Portals may add or drop kinds; the list lives only in the
//! `reactions!` invocation below, which generates the enum, its codes and
//! [`Reaction::ALL`].

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

/// Declares [`Reaction`] from a table of `Variant => "code";` rows.
macro_rules! reactions {
    ($( $variant:ident => $code:literal; )+) => {
        /// A reaction kind. The legacy like of `imbot.message.like` is
        /// [`Reaction::Like`]. Serialized as its code (`"redHeart"`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[non_exhaustive]
        #[repr(u8)]
        pub enum Reaction {
            $(
                #[doc = concat!("`", $code, "`")]
                #[serde(rename = $code)]
                $variant,
            )+
        }

        impl Reaction {
            /// Every kind, in the order of the documentation's table.
            pub const ALL: &'static [Reaction] = &[$(Reaction::$variant),+];

            /// The kind at this position of [`Reaction::ALL`] (its
            /// discriminant).
            #[must_use]
            pub(crate) fn from_index(index: u8) -> Option<Self> {
                Self::ALL.get(usize::from(index)).copied()
            }

            /// The code used on the wire (case-sensitive).
            #[must_use]
            pub const fn code(self) -> &'static str {
                match self {
                    $( Reaction::$variant => $code, )+
                }
            }

            /// The kind with this exact code, or `None` (codes are
            /// case-sensitive). O(kinds).
            #[must_use]
            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $( $code => Some(Reaction::$variant), )+
                    _ => None,
                }
            }
        }
    };
}

reactions! {
    Like => "like";
    Dislike => "dislike";
    FaceWithTearsOfJoy => "faceWithTearsOfJoy";
    RedHeart => "redHeart";
    NeutralFace => "neutralFace";
    Fire => "fire";
    Cry => "cry";
    SlightlySmilingFace => "slightlySmilingFace";
    WinkingFace => "winkingFace";
    Laugh => "laugh";
    Kiss => "kiss";
    Wonder => "wonder";
    SlightlyFrowningFace => "slightlyFrowningFace";
    LoudlyCryingFace => "loudlyCryingFace";
    FaceWithStuckOutTongue => "faceWithStuckOutTongue";
    FaceWithStuckOutTongueAndWinkingEye => "faceWithStuckOutTongueAndWinkingEye";
    SmilingFaceWithSunglasses => "smilingFaceWithSunglasses";
    ConfusedFace => "confusedFace";
    FlushedFace => "flushedFace";
    ThinkingFace => "thinkingFace";
    Angry => "angry";
    SmilingFaceWithHorns => "smilingFaceWithHorns";
    FaceWithThermometer => "faceWithThermometer";
    Facepalm => "facepalm";
    Poo => "poo";
    FlexedBiceps => "flexedBiceps";
    ClappingHands => "clappingHands";
    RaisedHand => "raisedHand";
    SmilingFaceWithHeartEyes => "smilingFaceWithHeartEyes";
    SmilingFaceWithHearts => "smilingFaceWithHearts";
    PleadingFace => "pleadingFace";
    RelievedFace => "relievedFace";
    FoldedHands => "foldedHands";
    OkHand => "okHand";
    SignHorns => "signHorns";
    LoveYouGesture => "loveYouGesture";
    ClownFace => "clownFace";
    PartyingFace => "partyingFace";
    QuestionMark => "questionMark";
    ExclamationMark => "exclamationMark";
    LightBulb => "lightBulb";
    Bomb => "bomb";
    SleepingSymbol => "sleepingSymbol";
    CrossMark => "crossMark";
    WhiteHeavyCheckMark => "whiteHeavyCheckMark";
    Eyes => "eyes";
    Handshake => "handshake";
    HundredPoints => "hundredPoints";
}

impl fmt::Display for Reaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A reaction code that names no kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct UnknownReaction;

impl fmt::Display for UnknownReaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown reaction code")
    }
}

impl core::error::Error for UnknownReaction {}

impl FromStr for Reaction {
    type Err = UnknownReaction;

    /// The kind with this exact code (see [`Reaction::from_code`]).
    fn from_str(code: &str) -> Result<Self, UnknownReaction> {
        Self::from_code(code).ok_or(UnknownReaction)
    }
}
