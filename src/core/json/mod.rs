//! Shared values as validated JSON text, and the reader and writer of every JSON text the
//! module handles.
//!
//! A value crosses this crate untouched: it is checked once where it enters (a stored entry,
//! a local edit) and then carried as the text it arrived as, into storage and into
//! deliveries. Never building a tree keeps the module small (no maps to build, clone, drop
//! or print, no float printing) and makes the round trip exact: a number reaches every tab
//! with the digits its writer chose.
//!
//! [`read`] and [`write`] are this crate's own, rather than serde_json: they are all the
//! JSON the module needs, at a fraction of the WASM bytes, and `tests/differential.rs`
//! holds them to serde_json's verdicts and output.

pub mod read;
pub mod write;

use std::fmt;

use self::read::{Fault, Reader};
use super::error::DecodeError;

/// Deepest nesting of arrays and objects accepted in a value.
pub const MAX_DEPTH: usize = 32;

/// An object key no shared value may use: assigned in a JS frame it would set the object's
/// prototype instead of a property, so the value could not arrive intact.
pub const RESERVED_KEY: &str = "__proto__";

/// A JSON value, held as text that has passed [`Json::parse`]'s checks.
#[derive(Clone, PartialEq, Eq)]
pub struct Json(Box<str>);

impl Json {
    /// Parses and checks a JSON text: well-formed, nesting at most [`MAX_DEPTH`] deep, no
    /// [`RESERVED_KEY`] in any object, no lone surrogate escape, no number beyond a
    /// double's range. Never panics, whatever the input.
    pub fn parse(text: &str) -> Result<Json, DecodeError> {
        let mut reader = Reader::new(text);
        let (value, problem) = reader
            .value()
            .and_then(|found| reader.finish().map(|()| found))
            .map_err(|_: Fault| DecodeError::NotJson)?;
        match problem {
            Some(problem) => Err(problem),
            None => Ok(Json(value.into())),
        }
    }

    /// A value read out of a larger text by [`Reader::value`], whose checks it passed.
    pub(crate) fn checked(text: &str) -> Json {
        Json(text.into())
    }

    /// The JSON text (without surrounding whitespace).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
