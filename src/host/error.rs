//! Typed errors of the hosts.

use thiserror::Error;

/// A delivery or a protocol message that could not be handed to Streamlit.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HostError {
    /// `postMessage` to the parent Streamlit page threw (v1).
    #[error("post to the Streamlit page failed: {0}")]
    PostFailed(String),
    /// The component's state callback threw (v2).
    #[error("setting the component's state failed: {0}")]
    CallbackFailed(String),
}
