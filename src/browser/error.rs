//! Typed errors of the browser layer.

use std::fmt;

use thiserror::Error;

/// A browser call that failed, with the browser's own message where it gave one.
///
/// Its text ([`BrowserError::message`], also its `Display`) is built without `core::fmt`,
/// whose machinery would cost every tab's download more than these messages.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BrowserError {
    /// `localStorage` is missing or access throws (disabled, opaque origin, policy).
    StorageUnavailable(String),
    /// `setItem` threw, usually `QuotaExceededError`.
    WriteFailed(String),
    /// `BroadcastChannel` is missing or could not be opened.
    ChannelUnavailable(String),
    /// A message could not be posted to the parent frame (the Streamlit page).
    PostFailed(String),
    /// A message could not be posted to the other tabs over `BroadcastChannel`.
    ChannelPostFailed(String),
    /// A Web Lock request (`navigator.locks.request`) failed before the lock was granted.
    LockFailed(String),
}

impl BrowserError {
    /// The error's text: what failed, then the browser's message.
    pub fn message(&self) -> String {
        let (what, detail) = match self {
            BrowserError::StorageUnavailable(d) => ("storage unavailable: ", d),
            BrowserError::WriteFailed(d) => ("storage write failed: ", d),
            BrowserError::ChannelUnavailable(d) => ("BroadcastChannel unavailable: ", d),
            BrowserError::PostFailed(d) => ("post to parent failed: ", d),
            BrowserError::ChannelPostFailed(d) => ("BroadcastChannel post failed: ", d),
            BrowserError::LockFailed(d) => ("Web Lock request failed: ", d),
        };
        let mut out = String::from(what);
        out.push_str(detail);
        out
    }
}

impl fmt::Display for BrowserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

pub(crate) use crate::js_error::describe;
