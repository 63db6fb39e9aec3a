//! Typed errors of the browser layer.

use thiserror::Error;

/// A browser call that failed, with the browser's own message where it gave one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BrowserError {
    /// `localStorage` is missing or access throws (disabled, opaque origin, policy).
    #[error("storage unavailable: {0}")]
    StorageUnavailable(String),
    /// `setItem` threw, usually `QuotaExceededError`.
    #[error("storage write failed: {0}")]
    WriteFailed(String),
    /// `BroadcastChannel` is missing or could not be opened.
    #[error("BroadcastChannel unavailable: {0}")]
    ChannelUnavailable(String),
    /// A message could not be posted to the parent frame (the Streamlit page).
    #[error("post to parent failed: {0}")]
    PostFailed(String),
    /// A message could not be posted to the other tabs over `BroadcastChannel`.
    #[error("BroadcastChannel post failed: {0}")]
    ChannelPostFailed(String),
    /// A Web Lock request (`navigator.locks.request`) failed before the lock was granted.
    #[error("Web Lock request failed: {0}")]
    LockFailed(String),
}

pub(crate) use crate::js_error::describe;
