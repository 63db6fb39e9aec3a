//! The stored entry format: one `localStorage` entry per synced key.
//!
//! Storage key: `tabsync:v1:<namespace>:<key>`. Stored text, JSON:
//!
//! ```json
//! {"f":1,"ns":"gis","k":"zoom","v":8,"s":[1764110000000,0,"3f9c2a61b0d4"]}
//! ```
//!
//! `f` is the format version, `ns` the namespace (channel), `k` the session-state key, `v` the
//! value (any JSON), `s` the [`Stamp`] as `[wall ms, counter, tab id]`, and the optional `x`
//! the time (ms since the epoch) after which the entry is expired. Unknown fields are
//! ignored, so later versions may add optional ones.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::clock::Stamp;
use super::error::DecodeError;
use super::json::Json;
pub use super::json::{MAX_DEPTH, RESERVED_KEY};

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u64 = 1;
/// Prefix of every storage key this library owns.
pub const KEY_PREFIX: &str = "tabsync:v1:";
/// Largest stored text accepted, in bytes; larger entries are refused before parsing.
pub const MAX_ENTRY_BYTES: usize = 96 * 1024;
/// Largest encoded value, in bytes (the Python side enforces the same cap).
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
const MAX_KEY_BYTES: usize = 256;
const MAX_NAME_BYTES: usize = 64;

/// The storage key of `key` in namespace `ns`.
pub fn storage_key(ns: &str, key: &str) -> String {
    let mut out = String::with_capacity(KEY_PREFIX.len() + ns.len() + 1 + key.len());
    out.push_str(KEY_PREFIX);
    out.push_str(ns);
    out.push(':');
    out.push_str(key);
    out
}

/// True for a namespace or tab id: 1 to 64 of `A-Z a-z 0-9 _ . -`.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

/// True for a session-state key: 1 to 256 bytes, no control characters.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_BYTES && !key.chars().any(char::is_control)
}

/// A local value's text as a shareable [`Json`]: well-formed, within [`MAX_VALUE_BYTES`] and
/// [`MAX_DEPTH`], no [`RESERVED_KEY`].
pub fn shareable(text: &str) -> Result<Json, DecodeError> {
    if text.len() > MAX_VALUE_BYTES {
        return Err(DecodeError::TooLarge);
    }
    Json::parse(text)
}

/// The stored entry as written: fields in a fixed order, the value embedded verbatim.
#[derive(Serialize)]
struct WireOut<'a> {
    f: u64,
    ns: &'a str,
    k: &'a str,
    v: &'a RawValue,
    s: (u64, u32, &'a str),
    #[serde(skip_serializing_if = "Option::is_none")]
    x: Option<u64>,
}

/// The stored entry as read. Unknown fields are ignored; each known one must have its type.
#[derive(Deserialize)]
struct WireIn {
    f: u64,
    ns: String,
    k: String,
    v: Box<RawValue>,
    s: (u64, u32, String),
    #[serde(default)]
    x: Option<u64>,
}

/// Only the format version, read when an entry fails to decode, so that a later version's
/// entry is told apart from a malformed one.
#[derive(Deserialize)]
struct WireVersion {
    f: u64,
}

/// One synced key's stored entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// Namespace (channel) the entry belongs to.
    pub ns: String,
    /// The session-state key.
    pub key: String,
    /// The shared value.
    pub value: Json,
    /// When, in the total order of writes, the value was written.
    pub stamp: Stamp,
    /// Expiry time in ms since the epoch, if the writer set a time to live.
    pub expires: Option<u64>,
}

impl Envelope {
    /// The storage key this entry lives under.
    pub fn storage_key(&self) -> String {
        storage_key(&self.ns, &self.key)
    }

    /// The stored text of this entry.
    pub fn encode(&self) -> String {
        let wire = WireOut {
            f: FORMAT_VERSION,
            ns: &self.ns,
            k: &self.key,
            v: self.value.as_raw(),
            s: (self.stamp.wall, self.stamp.counter, &self.stamp.tab),
            x: self.expires,
        };
        // Strings, integers and already-valid JSON text: serialising cannot fail.
        serde_json::to_string(&wire).unwrap_or_default()
    }

    /// Parses and validates a stored text. Never panics, whatever the input.
    pub fn decode(text: &str) -> Result<Envelope, DecodeError> {
        if text.len() > MAX_ENTRY_BYTES {
            return Err(DecodeError::TooLarge);
        }
        let wire: WireIn = match serde_json::from_str(text) {
            Ok(wire) => wire,
            Err(err) => return Err(classify(text, &err)),
        };
        if wire.f != FORMAT_VERSION {
            return Err(DecodeError::UnsupportedFormat);
        }
        let (wall, counter, tab) = wire.s;
        if !is_valid_name(&wire.ns) || !is_valid_key(&wire.k) || !is_valid_name(&tab) {
            return Err(DecodeError::BadName);
        }
        Ok(Envelope {
            ns: wire.ns,
            key: wire.k,
            value: Json::check(wire.v)?,
            stamp: Stamp::new(wall, counter, &tab),
            expires: wire.x,
        })
    }

    /// Decodes a text found under `storage_key`, checking that the key names this entry, so
    /// that an entry copied under another key cannot stand in for that key.
    pub fn decode_at(storage_key: &str, text: &str) -> Result<Envelope, DecodeError> {
        let envelope = Envelope::decode(text)?;
        if envelope.storage_key() != storage_key {
            return Err(DecodeError::KeyMismatch);
        }
        Ok(envelope)
    }
}

/// Why a text did not read as an entry: not JSON at all, another format version, or JSON of
/// the wrong shape.
fn classify(text: &str, err: &serde_json::Error) -> DecodeError {
    if err.is_syntax() || err.is_eof() {
        return DecodeError::NotJson;
    }
    // An object whose `f` is another version number may have any shape: say so rather
    // than calling it malformed.
    match serde_json::from_str::<WireVersion>(text) {
        Ok(WireVersion { f }) if f != FORMAT_VERSION => DecodeError::UnsupportedFormat,
        _ => DecodeError::WrongShape,
    }
}
