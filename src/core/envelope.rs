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

use serde_json::{Map, Value};

use super::clock::Stamp;
use super::error::DecodeError;

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u64 = 1;
/// Prefix of every storage key this library owns.
pub const KEY_PREFIX: &str = "tabsync:v1:";
/// Largest stored text accepted, in bytes; larger entries are refused before parsing.
pub const MAX_ENTRY_BYTES: usize = 96 * 1024;
/// Largest encoded value, in bytes (the Python side enforces the same cap).
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Deepest nesting of arrays and objects accepted in a value.
pub const MAX_DEPTH: usize = 32;
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

/// An object key no shared value may use: assigned in a JS frame it would set the object's
/// prototype instead of a property, so the value could not arrive intact.
pub const RESERVED_KEY: &str = "__proto__";

/// What is wrong with a value's structure, if anything: nesting deeper than `limit`, or a
/// [`RESERVED_KEY`] anywhere.
pub fn check_structure(value: &Value, limit: usize) -> Result<(), DecodeError> {
    // Iterative, so hostile input cannot exhaust the stack.
    let mut stack: Vec<(&Value, usize)> = vec![(value, 0)];
    while let Some((node, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match node {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => {
                if map.contains_key(RESERVED_KEY) {
                    return Err(DecodeError::ReservedKey);
                }
                Box::new(map.values())
            }
            _ => continue,
        };
        if depth + 1 > limit {
            return Err(DecodeError::TooDeep);
        }
        stack.extend(children.map(|child| (child, depth + 1)));
    }
    Ok(())
}

/// True when a value nests deeper than `limit` (a scalar has depth 0).
pub fn depth_exceeds(value: &Value, limit: usize) -> bool {
    check_structure(value, limit) == Err(DecodeError::TooDeep)
}

/// True when a value may be shared: within the depth and size caps, no reserved key.
pub fn is_shareable(value: &Value) -> bool {
    check_structure(value, MAX_DEPTH).is_ok()
        && serde_json::to_string(value)
            .map(|t| t.len() <= MAX_VALUE_BYTES)
            .unwrap_or(false)
}

/// One synced key's stored entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// Namespace (channel) the entry belongs to.
    pub ns: String,
    /// The session-state key.
    pub key: String,
    /// The shared value.
    pub value: Value,
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
        let mut map = Map::new();
        map.insert("f".into(), Value::from(FORMAT_VERSION));
        map.insert("ns".into(), Value::from(self.ns.as_str()));
        map.insert("k".into(), Value::from(self.key.as_str()));
        map.insert("v".into(), self.value.clone());
        map.insert(
            "s".into(),
            Value::Array(vec![
                Value::from(self.stamp.wall),
                Value::from(self.stamp.counter),
                Value::from(self.stamp.tab.as_str()),
            ]),
        );
        if let Some(expires) = self.expires {
            map.insert("x".into(), Value::from(expires));
        }
        Value::Object(map).to_string()
    }

    /// Parses and validates a stored text. Never panics, whatever the input.
    pub fn decode(text: &str) -> Result<Envelope, DecodeError> {
        if text.len() > MAX_ENTRY_BYTES {
            return Err(DecodeError::TooLarge);
        }
        let parsed: Value = serde_json::from_str(text).map_err(|_| DecodeError::NotJson)?;
        let Value::Object(mut map) = parsed else {
            return Err(DecodeError::WrongShape);
        };
        match map.get("f").and_then(Value::as_u64) {
            Some(FORMAT_VERSION) => {}
            Some(_) => return Err(DecodeError::UnsupportedFormat),
            None => return Err(DecodeError::WrongShape),
        }
        let ns = take_string(&mut map, "ns")?;
        let key = take_string(&mut map, "k")?;
        if !is_valid_name(&ns) || !is_valid_key(&key) {
            return Err(DecodeError::BadName);
        }
        let stamp = decode_stamp(map.get("s"))?;
        let expires = match map.get("x") {
            None => None,
            Some(x) => Some(x.as_u64().ok_or(DecodeError::WrongShape)?),
        };
        let value = map.remove("v").ok_or(DecodeError::WrongShape)?;
        check_structure(&value, MAX_DEPTH)?;
        Ok(Envelope {
            ns,
            key,
            value,
            stamp,
            expires,
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

fn take_string(map: &mut Map<String, Value>, field: &str) -> Result<String, DecodeError> {
    match map.remove(field) {
        Some(Value::String(s)) => Ok(s),
        _ => Err(DecodeError::WrongShape),
    }
}

fn decode_stamp(value: Option<&Value>) -> Result<Stamp, DecodeError> {
    let Some(Value::Array(parts)) = value else {
        return Err(DecodeError::WrongShape);
    };
    let [wall, counter, tab] = parts.as_slice() else {
        return Err(DecodeError::WrongShape);
    };
    let wall = wall.as_u64().ok_or(DecodeError::WrongShape)?;
    let counter = counter
        .as_u64()
        .and_then(|c| u32::try_from(c).ok())
        .ok_or(DecodeError::WrongShape)?;
    let tab = tab.as_str().ok_or(DecodeError::WrongShape)?;
    if !is_valid_name(tab) {
        return Err(DecodeError::BadName);
    }
    Ok(Stamp::new(wall, counter, tab))
}
