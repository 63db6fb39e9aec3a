//! The stored entry format: one `localStorage` entry per synced key.
//!
//! Storage key: `tabsync:v1:<namespace>:<key>`. Stored text, JSON:
//!
//! ```json
//! {"f":1,"ns":"gis","k":"zoom","v":8,"s":[1764110000000,0,"3f9c2a61b0d4"]}
//! ```
//!
//! `f` is the format version, `ns` the namespace (channel), `k` the session-state key, `v` the
//! value (any JSON), `s` the [`Stamp`] as `[wall ms, counter, tab id]`, the optional `x`
//! the time (ms since the epoch) after which the entry is expired, and the optional `r` the
//! *route*: the server path (a relay, a server's tab group) that also carries the entry to
//! every session of its scope, so a tab reached by that route waits for it rather than
//! rerunning for the storage event too (a malformed `r` reads as none). Walls and expiry
//! times are at most [`MAX_WALL_MS`]. Unknown fields are ignored, so later versions may add
//! optional ones. The rules are shared with the Python relay through the golden vectors
//! `tests/protocol/names.json` and `entries.json`.

use super::clock::{Stamp, MAX_WALL_MS};
use super::error::DecodeError;
use super::json::read::{Fault, Reader};
use super::json::write::{self, Array, Object};
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

/// True for a session-state key: 1 to 256 bytes (UTF-8), no control characters (Unicode
/// category Cc). A Rust string cannot hold a lone surrogate; the readers refuse one.
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
    /// The server route that also carries the entry (see the module docs), if any.
    pub route: Option<String>,
}

impl Envelope {
    /// The storage key this entry lives under.
    pub fn storage_key(&self) -> String {
        storage_key(&self.ns, &self.key)
    }

    /// The stored text of this entry: fields in a fixed order, the value embedded verbatim.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(64 + self.value.as_str().len());
        let mut entry = Object::new(&mut out);
        write::uint(entry.key("f"), FORMAT_VERSION);
        write::string(entry.key("ns"), &self.ns);
        write::string(entry.key("k"), &self.key);
        entry.key("v").push_str(self.value.as_str());
        let mut stamp = Array::new(entry.key("s"));
        write::uint(stamp.item(), self.stamp.wall);
        write::uint(stamp.item(), u64::from(self.stamp.counter));
        write::string(stamp.item(), &self.stamp.tab);
        stamp.end();
        if let Some(expires) = self.expires {
            write::uint(entry.key("x"), expires);
        }
        if let Some(route) = &self.route {
            write::string(entry.key("r"), route);
        }
        entry.end();
        out
    }

    /// Parses and validates a stored text. Never panics, whatever the input.
    pub fn decode(text: &str) -> Result<Envelope, DecodeError> {
        if text.len() > MAX_ENTRY_BYTES {
            return Err(DecodeError::TooLarge);
        }
        let wire = match Wire::read(text) {
            Ok(wire) => wire,
            Err(Fault::Syntax) => return Err(DecodeError::NotJson),
            // An object whose `f` is another version number may have any shape: say so
            // rather than calling it malformed.
            Err(Fault::Shape) => {
                return Err(match format_version(text) {
                    Some(f) if f != FORMAT_VERSION => DecodeError::UnsupportedFormat,
                    _ => DecodeError::WrongShape,
                })
            }
        };
        if wire.f != FORMAT_VERSION {
            return Err(DecodeError::UnsupportedFormat);
        }
        let (wall, counter, tab) = wire.s;
        if !is_valid_name(&wire.ns) || !is_valid_key(&wire.k) || !is_valid_name(&tab) {
            return Err(DecodeError::BadName);
        }
        if let Some(problem) = wire.problem {
            return Err(problem);
        }
        Ok(Envelope {
            ns: wire.ns,
            key: wire.k,
            value: Json::checked(wire.v),
            stamp: Stamp::new(wall, counter, &tab),
            expires: wire.x,
            route: wire.r.filter(|r| is_valid_name(r)),
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

/// A stored entry's fields as read, before their meaning is checked.
struct Wire<'a> {
    f: u64,
    ns: String,
    k: String,
    v: &'a str,
    /// The first problem in `v` that makes it unshareable (reported after the fields'
    /// own checks, which come first).
    problem: Option<DecodeError>,
    s: (u64, u32, String),
    x: Option<u64>,
    r: Option<String>,
}

impl<'a> Wire<'a> {
    /// Reads an entry object: each known field once and of its type, unknown fields
    /// skipped (later versions may add optional ones), `x` optional (or null).
    fn read(text: &'a str) -> Result<Wire<'a>, Fault> {
        let mut reader = Reader::new(text);
        let (mut f, mut ns, mut k, mut v, mut s, mut x) = (None, None, None, None, None, None);
        let mut route = None;
        reader.object(|field, r| match field {
            // A field given twice makes the entry malformed; serde's derive says so at the
            // key, before reading the value, and so does this.
            "f" => {
                fresh(&f)?;
                f = Some(r.u64()?);
                Ok(())
            }
            "ns" => {
                fresh(&ns)?;
                ns = Some(r.string()?.into_owned());
                Ok(())
            }
            "k" => {
                fresh(&k)?;
                k = Some(r.string()?.into_owned());
                Ok(())
            }
            "v" => {
                fresh(&v)?;
                v = Some(r.value()?);
                Ok(())
            }
            "s" => {
                fresh(&s)?;
                s = Some(read_stamp(r)?);
                Ok(())
            }
            // null reads as no expiry, as for any optional field.
            "x" => {
                fresh(&x)?;
                x = Some(if r.null()? { None } else { Some(time(r)?) });
                Ok(())
            }
            // Optional too; a value that is not a string makes no entry malformed: the route
            // is a hint (what a tab waits for), never a reason to refuse a value.
            "r" => {
                fresh(&route)?;
                route = Some(if r.peek() == Some(b'"') {
                    Some(r.string()?.into_owned())
                } else {
                    r.skip()?;
                    None
                });
                Ok(())
            }
            _ => r.skip(),
        })?;
        let (Some(f), Some(ns), Some(k), Some((v, problem)), Some(s)) = (f, ns, k, v, s) else {
            return Err(Fault::Shape);
        };
        reader.finish()?;
        Ok(Wire {
            f,
            ns,
            k,
            v,
            problem,
            s,
            x: x.flatten(),
            r: route.flatten(),
        })
    }
}

/// Fails for a field already read: a field given twice makes the entry malformed.
fn fresh<T>(slot: &Option<T>) -> Result<(), Fault> {
    match slot {
        Some(_) => Err(Fault::Shape),
        None => Ok(()),
    }
}

/// Reads a stamp: exactly `[wall ms, counter, tab id]`.
fn read_stamp(r: &mut Reader<'_>) -> Result<(u64, u32, String), Fault> {
    if r.peek() != Some(b'[') {
        return Err(r.mismatch());
    }
    r.expect(b'[')?;
    let wall = time(element(r, true)?)?;
    element(r, false)?;
    let counter = u32::try_from(r.u64()?).map_err(|_| Fault::Shape)?;
    element(r, false)?;
    let tab = r.string()?.into_owned();
    // More elements than three: serde_json calls that trailing characters, a syntax error.
    r.expect(b']')?;
    Ok((wall, counter, tab))
}

/// Reads a wall or expiry time: an integer up to [`MAX_WALL_MS`] (a larger one is out of
/// range, as a counter beyond `u32` is).
fn time(r: &mut Reader<'_>) -> Result<u64, Fault> {
    let ms = r.u64()?;
    if ms > MAX_WALL_MS {
        return Err(Fault::Shape);
    }
    Ok(ms)
}

/// Before a stamp element: the comma after the previous one (unless `first`); an early `]`
/// means too few elements.
fn element<'r, 'a>(r: &'r mut Reader<'a>, first: bool) -> Result<&'r mut Reader<'a>, Fault> {
    if r.peek() == Some(b']') {
        return Err(Fault::Shape);
    }
    if !first {
        r.expect(b',')?;
        if r.peek() == Some(b']') {
            // `[1,]`: a trailing comma.
            return Err(Fault::Syntax);
        }
    }
    Ok(r)
}

/// The format version of a text that is an object with a readable `f` (and whatever else),
/// read when an entry fails to decode, so that a later version's entry is told apart from a
/// malformed one.
fn format_version(text: &str) -> Option<u64> {
    let mut reader = Reader::new(text);
    let mut f = None;
    reader
        .object(|field, r| match field {
            "f" => {
                fresh(&f)?;
                f = Some(r.u64()?);
                Ok(())
            }
            _ => r.skip(),
        })
        .ok()?;
    reader.finish().ok()?;
    f
}
