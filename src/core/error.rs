//! Typed errors of the core. Every one is a value to report, never a reason to panic.

use std::fmt;

use thiserror::Error;

use super::json::write;

/// Why a stored text was not accepted as an [`Envelope`](super::Envelope).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// The text is longer than [`MAX_ENTRY_BYTES`](super::MAX_ENTRY_BYTES).
    #[error("entry too large")]
    TooLarge,
    /// The text is not JSON.
    #[error("not JSON")]
    NotJson,
    /// JSON, but not an object with the envelope's fields and types.
    #[error("wrong shape")]
    WrongShape,
    /// An envelope of a format version this build does not read.
    #[error("unsupported format version")]
    UnsupportedFormat,
    /// The value nests deeper than [`MAX_DEPTH`](super::MAX_DEPTH).
    #[error("value nested too deep")]
    TooDeep,
    /// The value has an object key that cannot be delivered intact (`__proto__`).
    #[error("reserved object key in value")]
    ReservedKey,
    /// The namespace, key or tab id is empty, too long or has characters outside the allowed set.
    #[error("bad name")]
    BadName,
    /// The storage key the text was found under does not name the envelope's namespace and key.
    #[error("storage key does not match entry")]
    KeyMismatch,
    /// The stamp lies further in the future than [`MAX_AHEAD_MS`](super::MAX_AHEAD_MS).
    #[error("stamp too far in the future")]
    FromTheFuture,
}

/// Why render args sent by the Streamlit side were not accepted.
///
/// Its text ([`ArgsError::message`], also its `Display`) is built without `core::fmt`: the
/// WASM module reports it, and formatting machinery would cost every tab's download more
/// than all of this module's messages.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArgsError {
    /// The namespace or tab id is malformed.
    BadName,
    /// The args were made for another protocol version (a Python package and a frontend
    /// of different releases).
    Version(u32),
    /// The args are not an object of the expected shape.
    Unreadable(String),
}

impl ArgsError {
    /// The error's text, as reported to the Streamlit side.
    pub fn message(&self) -> String {
        let mut out = String::new();
        match self {
            ArgsError::BadName => out.push_str("bad namespace or tab id"),
            ArgsError::Version(v) => {
                out.push_str("render args of protocol version ");
                write::uint(&mut out, u64::from(*v));
                out.push_str(", this frontend reads version ");
                write::uint(&mut out, u64::from(super::protocol::PROTOCOL_VERSION));
                out.push_str(
                    " (the Python package and its frontend come from different releases: \
                     reinstall the package)",
                );
            }
            ArgsError::Unreadable(why) => {
                out.push_str("render args not readable: ");
                out.push_str(why);
            }
        }
        out
    }
}

impl fmt::Display for ArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}
