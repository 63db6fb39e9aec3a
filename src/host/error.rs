//! Typed errors of the hosts.

use std::fmt;

use thiserror::Error;

/// A delivery or a protocol message that could not be handed to Streamlit.
///
/// Its text ([`HostError::message`], also its `Display`) is built without `core::fmt`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HostError {
    /// `postMessage` to the parent Streamlit page threw (v1).
    PostFailed(String),
    /// The component's state callback threw (v2).
    CallbackFailed(String),
}

impl HostError {
    /// The error's text: what failed, then the browser's message.
    pub fn message(&self) -> String {
        let (what, detail) = match self {
            HostError::PostFailed(d) => ("post to the Streamlit page failed: ", d),
            HostError::CallbackFailed(d) => ("setting the component's state failed: ", d),
        };
        let mut out = String::from(what);
        out.push_str(detail);
        out
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}
