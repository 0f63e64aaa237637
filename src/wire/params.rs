//! What every parameter set of this layer shares: how names are matched,
//! where each value goes, and the sources a set is read from.
//!
//! A set ([`LikeParams`](crate::wire::LikeParams),
//! [`ReactionParams`](crate::wire::ReactionParams)) is filled one parameter
//! at a time, from any source: text pairs ([`Params::set`],
//! [`Params::apply_form`]) or a serde map ([`Params::apply`]). Every source
//! shares these rules:
//!
//! - Names are matched in any ASCII case (`BOT_ID`, `bot_id`; `botId`,
//!   `BOTID`). Unknown names are ignored, as portals do.
//! - When a name is sent twice (in the same or in another case, or once in
//!   the query and once in the body), the last value wins. A host that
//!   reads the query first and the body second gets the body's value, as
//!   portals do.
//! - A malformed id or an unknown reaction code is kept as
//!   [`Arg::Invalid`], never dropped or replaced by a default, so the
//!   engine reports it at its own check.

use serde::Deserializer;

use crate::wire::form::{self, FormError};
use crate::wire::json;
use crate::wire::json_body;
use crate::wire::json_error::JsonError;
use crate::wire::text::TextArg;

use crate::wire::fields::field;
use crate::wire::fields::sealed::Fields;

/// A parameter set of this layer, read from any source (see [the module
/// docs](crate::wire) for the rules every source shares). Sealed: the
/// sets are [`LikeParams`](crate::wire::LikeParams) and
/// [`ReactionParams`](crate::wire::ReactionParams), which also have these
/// methods as inherent ones.
pub trait Params: Fields + Default {
    /// Records one parameter sent as text (a form field or a JSON string).
    ///
    /// Ids are parsed as decimal integers: no sign `+`, no spaces, leading
    /// zeros allowed; a failure is kept as [`Arg::Invalid`](crate::Arg::Invalid). Unknown names
    /// are ignored. O(length of the value).
    fn set(&mut self, name: &str, value: &str) {
        if let Some(slot) = field::<Self>(name).and_then(|index| self.slot(index)) {
            slot.set_text(value);
        }
    }

    /// Parameters from already decoded name/value pairs, in order (the
    /// last value of a name wins).
    #[must_use]
    fn from_pairs<'a, I>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut params = Self::default();
        for (name, value) in pairs {
            params.set(name, value);
        }
        params
    }

    /// Records every parameter of a raw form or query string (without the
    /// leading `?`) on top of those already recorded: the last value of a
    /// name wins. `scratch` holds one decoded value at a time (see
    /// [`FormError`]). O(length of `raw`).
    ///
    /// # Errors
    /// [`FormError::ScratchTooSmall`] when a value this set reads decodes
    /// to more bytes than `scratch` holds; the segments before it are kept.
    fn apply_form(&mut self, raw: &str, scratch: &mut [u8]) -> Result<(), FormError> {
        form::apply(self, raw, scratch)
    }

    /// Parameters from a raw form or query string (see
    /// [`Params::apply_form`]).
    ///
    /// # Errors
    /// As [`Params::apply_form`].
    fn from_form(raw: &str, scratch: &mut [u8]) -> Result<Self, FormError> {
        let mut params = Self::default();
        params.apply_form(raw, scratch)?;
        Ok(params)
    }

    /// Records every parameter of a raw JSON request body on top of those
    /// already recorded: the last value of a name wins.
    ///
    /// The whole body is checked first: it must be UTF-8 and JSON text
    /// whose value is an object, every value of every member included,
    /// whether this set reads that member or not. Then each parameter is
    /// read as [the JSON body rules](crate::wire#json-bodies) say; a value
    /// of the wrong kind is kept as an invalid parameter, never an error
    /// here. `scratch` holds one decoded string value at a time; a buffer
    /// as long as the body always suffices. O(length of `body`), with no
    /// recursion.
    ///
    /// # Errors
    /// A [`JsonError`] for a body that is not UTF-8, not JSON, not an
    /// object or nested too deep, or when a value this set reads decodes
    /// to more bytes than `scratch` holds. Nothing is recorded then.
    fn apply_json(&mut self, body: &[u8], scratch: &mut [u8]) -> Result<(), JsonError> {
        json_body::apply(self, body, scratch)
    }

    /// Parameters from a raw JSON request body (see
    /// [`Params::apply_json`]).
    ///
    /// # Errors
    /// As [`Params::apply_json`].
    fn from_json(body: &[u8], scratch: &mut [u8]) -> Result<Self, JsonError> {
        let mut params = Self::default();
        params.apply_json(body, scratch)?;
        Ok(params)
    }

    /// Records every parameter of a serde map (a JSON object, for example)
    /// on top of those already recorded: the last value of a name wins.
    ///
    /// See [the JSON rules](crate::wire#json-bodies) for how each kind of
    /// value is read; a value of the wrong kind is kept as an invalid
    /// parameter, never an error here.
    ///
    /// # Errors
    /// Only when the input itself is not a map or is malformed (the
    /// deserializer's error): a host answers that as a bad request.
    fn apply<'de, D: Deserializer<'de>>(&mut self, deserializer: D) -> Result<(), D::Error> {
        json::apply(self, deserializer)
    }

    /// `auth`: the OAuth access token.
    fn auth(&self) -> &TextArg;

    /// `CLIENT_ID`: the calling application of a webhook call.
    fn client_id(&self) -> &TextArg;
}

/// Implements [`Params`] for a set with `auth` and `client_id` fields,
/// gives it the trait's sources as inherent methods (so callers need no
/// import) and serde's `Deserialize`, and checks its names' length.
macro_rules! param_sources {
    ($set:ty) => {
        impl $crate::wire::Params for $set {
            fn auth(&self) -> &$crate::wire::TextArg {
                &self.auth
            }

            fn client_id(&self) -> &$crate::wire::TextArg {
                &self.client_id
            }
        }

        impl $set {
            /// See [`Params::set`](crate::wire::Params::set).
            pub fn set(&mut self, name: &str, value: &str) {
                $crate::wire::Params::set(self, name, value);
            }

            /// See [`Params::from_pairs`](crate::wire::Params::from_pairs).
            #[must_use]
            pub fn from_pairs<'a, I>(pairs: I) -> Self
            where
                I: IntoIterator<Item = (&'a str, &'a str)>,
            {
                <Self as $crate::wire::Params>::from_pairs(pairs)
            }

            /// See [`Params::apply_form`](crate::wire::Params::apply_form).
            ///
            /// # Errors
            /// As [`Params::apply_form`](crate::wire::Params::apply_form).
            pub fn apply_form(
                &mut self,
                raw: &str,
                scratch: &mut [u8],
            ) -> Result<(), $crate::wire::FormError> {
                $crate::wire::Params::apply_form(self, raw, scratch)
            }

            /// See [`Params::from_form`](crate::wire::Params::from_form).
            ///
            /// # Errors
            /// As [`Params::apply_form`](crate::wire::Params::apply_form).
            pub fn from_form(
                raw: &str,
                scratch: &mut [u8],
            ) -> Result<Self, $crate::wire::FormError> {
                <Self as $crate::wire::Params>::from_form(raw, scratch)
            }

            /// See [`Params::apply_json`](crate::wire::Params::apply_json).
            ///
            /// # Errors
            /// As [`Params::apply_json`](crate::wire::Params::apply_json).
            pub fn apply_json(
                &mut self,
                body: &[u8],
                scratch: &mut [u8],
            ) -> Result<(), $crate::wire::JsonError> {
                $crate::wire::Params::apply_json(self, body, scratch)
            }

            /// See [`Params::from_json`](crate::wire::Params::from_json).
            ///
            /// # Errors
            /// As [`Params::apply_json`](crate::wire::Params::apply_json).
            pub fn from_json(
                body: &[u8],
                scratch: &mut [u8],
            ) -> Result<Self, $crate::wire::JsonError> {
                <Self as $crate::wire::Params>::from_json(body, scratch)
            }

            /// See [`Params::apply`](crate::wire::Params::apply).
            ///
            /// # Errors
            /// As [`Params::apply`](crate::wire::Params::apply).
            pub fn apply<'de, D: serde::Deserializer<'de>>(
                &mut self,
                deserializer: D,
            ) -> Result<(), D::Error> {
                $crate::wire::Params::apply(self, deserializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $set {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let mut params = Self::default();
                params.apply(deserializer)?;
                Ok(params)
            }
        }

        const _: () = assert!(
            $crate::wire::fields::longest(<$set as $crate::wire::fields::sealed::Fields>::NAMES)
                <= $crate::wire::fields::NAME_CAPACITY,
            "a parameter name is longer than NAME_CAPACITY"
        );
    };
}

pub(crate) use param_sources;
