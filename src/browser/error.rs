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

/// The `name: message` of a thrown JS value, or a fixed text when it has neither.
pub(crate) fn describe(value: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    match value.dyn_ref::<js_sys::Error>() {
        Some(err) => {
            let name: String = err.name().into();
            let message: String = err.message().into();
            let mut out = name;
            out.push_str(": ");
            out.push_str(&message);
            out
        }
        None => value
            .as_string()
            .unwrap_or_else(|| "unknown error".to_owned()),
    }
}
