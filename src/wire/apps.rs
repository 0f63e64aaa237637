//! Application identity: a fixed-capacity directory from an application's
//! client id string to the engine's [`AppId`] handle.
//!
//! OAuth tokens belong to an application, and webhook calls to bot methods
//! name theirs in the `CLIENT_ID` parameter; either way a host has a client
//! id such as `local.5f3a9c1e2b7d40.12345678` and the engine wants a
//! handle. The directory assigns handles `AppId(1)`, `AppId(2)`, … in
//! registration order and never reuses one.
//!
//! The two kinds of client id live in separate namespaces ([`AppKind`]).
//! Portals store a webhook caller's application as the text `custom`
//! followed by its `CLIENT_ID`, so a webhook call only ever matches bots
//! registered through a webhook with that `CLIENT_ID`, never a bot an
//! OAuth application installed, even when the two ids are the same text.
//! The directory keeps the kind beside the text, so the namespaces cannot
//! meet at all (on a portal, an OAuth client id that itself starts with
//! `custom` could).

use core::fmt;

use heapless::{String, Vec};
use serde::{Deserialize, Serialize};

use crate::ids::AppId;

/// Why a client id could not be registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AppDirectoryError {
    /// The client id is empty.
    Empty,
    /// The client id is longer than the directory's `LEN` bytes.
    TooLong,
    /// The client id is already registered.
    Duplicate,
    /// The directory holds `N` applications already.
    Full,
}

impl AppDirectoryError {
    /// A short static description of the error.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "empty client id",
            Self::TooLong => "client id too long",
            Self::Duplicate => "client id already registered",
            Self::Full => "application directory full",
        }
    }
}

impl fmt::Display for AppDirectoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for AppDirectoryError {}

/// Which namespace a client id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AppKind {
    /// An application installed through OAuth: its client id as issued.
    OAuth,
    /// The application of bots registered through an inbound webhook: the
    /// `CLIENT_ID` those calls send (`custom` + `CLIENT_ID` on a portal).
    Webhook,
}

impl AppKind {
    /// The prefix a portal puts before a client id of this kind to form
    /// the application id it stores: `""` or `"custom"`.
    #[must_use]
    pub const fn portal_prefix(self) -> &'static str {
        match self {
            Self::OAuth => "",
            Self::Webhook => "custom",
        }
    }
}

/// Up to `N` applications, each with a client id of at most `LEN` bytes.
///
/// Client ids are compared exactly (they are case-sensitive), within their
/// [`AppKind`]: the same text may be registered once per kind, as two
/// different applications. Lookups scan
/// the table: O(N · LEN), fine for the few applications a portal installs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppDirectory<const N: usize, const LEN: usize> {
    entries: Vec<(AppKind, String<LEN>), N>,
}

impl<const N: usize, const LEN: usize> AppDirectory<N, LEN> {
    /// An empty directory.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// Registers an OAuth application's client id (see
    /// [`AppDirectory::register_as`]).
    ///
    /// # Errors
    /// As [`AppDirectory::register_as`].
    pub fn register(&mut self, client_id: &str) -> Result<AppId, AppDirectoryError> {
        self.register_as(AppKind::OAuth, client_id)
    }

    /// Registers a client id of a kind and returns its new handle.
    ///
    /// # Errors
    /// [`AppDirectoryError::Empty`], [`AppDirectoryError::TooLong`],
    /// [`AppDirectoryError::Duplicate`] (the same text of the same kind),
    /// [`AppDirectoryError::Full`], checked in that order; on error nothing
    /// changes.
    pub fn register_as(
        &mut self,
        kind: AppKind,
        client_id: &str,
    ) -> Result<AppId, AppDirectoryError> {
        if client_id.is_empty() {
            return Err(AppDirectoryError::Empty);
        }
        let text = String::try_from(client_id).map_err(|_| AppDirectoryError::TooLong)?;
        if self.lookup_as(kind, client_id).is_some() {
            return Err(AppDirectoryError::Duplicate);
        }
        let app = handle(self.entries.len()).ok_or(AppDirectoryError::Full)?;
        self.entries
            .push((kind, text))
            .map_err(|_| AppDirectoryError::Full)?;
        Ok(app)
    }

    /// The handle of a registered OAuth client id.
    #[must_use]
    pub fn lookup(&self, client_id: &str) -> Option<AppId> {
        self.lookup_as(AppKind::OAuth, client_id)
    }

    /// The handle of a registered client id of a kind: a webhook's
    /// `CLIENT_ID` never finds an OAuth application, nor the reverse.
    #[must_use]
    pub fn lookup_as(&self, kind: AppKind, client_id: &str) -> Option<AppId> {
        let index = self
            .entries
            .iter()
            .position(|(k, id)| *k == kind && id == client_id)?;
        handle(index)
    }

    /// The client id behind a handle.
    #[must_use]
    pub fn client_id(&self, app: AppId) -> Option<&str> {
        self.entry(app).map(|(_, id)| id.as_str())
    }

    /// The kind of the application behind a handle.
    #[must_use]
    pub fn kind(&self, app: AppId) -> Option<AppKind> {
        self.entry(app).map(|(kind, _)| *kind)
    }

    /// The registered applications with their kinds, in registration
    /// order.
    pub fn iter(&self) -> impl Iterator<Item = (AppId, AppKind, &str)> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(index, (kind, id))| Some((handle(index)?, *kind, id.as_str())))
    }

    /// The entry behind a handle.
    fn entry(&self, app: AppId) -> Option<&(AppKind, String<LEN>)> {
        let index = usize::try_from(app.0.checked_sub(1)?).ok()?;
        self.entries.get(index)
    }

    /// How many applications are registered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no application is registered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The handle of the entry at `index`: handles start at 1.
fn handle(index: usize) -> Option<AppId> {
    let number = u32::try_from(index).ok()?.checked_add(1)?;
    Some(AppId(number))
}
