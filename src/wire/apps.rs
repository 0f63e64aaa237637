//! Application identity: a fixed-capacity directory from an application's
//! client id string to the engine's [`AppId`] handle.
//!
//! OAuth tokens belong to an application, and webhook calls to bot methods
//! name theirs in the `CLIENT_ID` parameter; either way a host has a client
//! id such as `local.5f3a9c1e2b7d40.12345678` and the engine wants a
//! handle. The directory assigns handles `AppId(1)`, `AppId(2)`, … in
//! registration order and never reuses one.

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

/// Up to `N` applications, each with a client id of at most `LEN` bytes.
///
/// Client ids are compared exactly (they are case-sensitive). Lookups scan
/// the table: O(N · LEN), fine for the few applications a portal installs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppDirectory<const N: usize, const LEN: usize> {
    entries: Vec<String<LEN>, N>,
}

impl<const N: usize, const LEN: usize> AppDirectory<N, LEN> {
    /// An empty directory.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// Registers a client id and returns its new handle.
    ///
    /// # Errors
    /// [`AppDirectoryError::Empty`], [`AppDirectoryError::TooLong`],
    /// [`AppDirectoryError::Duplicate`], [`AppDirectoryError::Full`],
    /// checked in that order; on error nothing changes.
    pub fn register(&mut self, client_id: &str) -> Result<AppId, AppDirectoryError> {
        if client_id.is_empty() {
            return Err(AppDirectoryError::Empty);
        }
        let text = String::try_from(client_id).map_err(|_| AppDirectoryError::TooLong)?;
        if self.lookup(client_id).is_some() {
            return Err(AppDirectoryError::Duplicate);
        }
        let app = handle(self.entries.len()).ok_or(AppDirectoryError::Full)?;
        self.entries
            .push(text)
            .map_err(|_| AppDirectoryError::Full)?;
        Ok(app)
    }

    /// The handle of a registered client id.
    #[must_use]
    pub fn lookup(&self, client_id: &str) -> Option<AppId> {
        let index = self.entries.iter().position(|id| id == client_id)?;
        handle(index)
    }

    /// The client id behind a handle.
    #[must_use]
    pub fn client_id(&self, app: AppId) -> Option<&str> {
        let index = usize::try_from(app.0.checked_sub(1)?).ok()?;
        self.entries.get(index).map(String::as_str)
    }

    /// The registered applications, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = (AppId, &str)> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(index, id)| Some((handle(index)?, id.as_str())))
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
