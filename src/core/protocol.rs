//! What crosses between the Python side and this module: render args in, deliveries out.
//!
//! Both directions carry [`PROTOCOL_VERSION`]. Values cross as JSON *text* in both
//! directions (an edit's entry `e`, a delivered value's `t`, a conflict's `mine`/`theirs`), never
//! as JS values: a text reaches Python's `json.loads` with the writer's exact digits, where a
//! JS number would round every integer beyond 2^53 and a JS object would reorder keys that
//! look like array indices. The Python side parses deliveries in one place
//! (`streamlit_tabsync/_protocol.py`); `tests/protocol.rs` writes golden messages that the
//! Python tests read, so the two sides cannot drift apart unnoticed.
//!
//! The module reads render args with [`RenderArgs::from_json`] and writes deliveries with
//! [`Delivery::to_json`], on this crate's own JSON reader and writer. The serde derives on
//! the same types define the wire format as serde_json would read and write it, and
//! `tests/differential.rs` holds the hand-written pair to them.

use serde::{Deserialize, Serialize, Serializer};

use super::error::ArgsError;
use super::json::read::{Fault, Reader};
use super::json::write::{self, Array, Object};
use super::json::Json;
use super::KeyMap;

/// Version of the messages in this module. Render args of another version are refused with
/// a reported error (a Python package and a frontend of different releases).
pub const PROTOCOL_VERSION: u32 = 3;

/// A local edit sent by the Streamlit side: the entry it stamped for a key, and a unique id.
///
/// The Python side stamps each edit in the run that makes it (with this tab's id, above
/// every stamp it was shown) and puts the same entry to the server relay; the module checks
/// it like any entry and writes it as it is, so every copy of an edit is one text.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Edit {
    /// Unique id of the edit (the tab id and a counter).
    pub id: String,
    /// The entry, as stored text (an [`Envelope`](super::Envelope) of this tab's namespace,
    /// key and tab id).
    pub e: String,
    /// Stamp (text form) of the shared value the edit was made on, if the tab had one.
    #[serde(default)]
    pub base: Option<String>,
}

/// What to do with a local edit made on a value that another tab has since replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConflictPolicy {
    /// Last writer wins: the edit is written and, being stamped last, wins.
    #[default]
    Lww,
    /// Optimistic locking: the edit is dropped, the tab gets the stored value and is told.
    Reject,
}

/// The args of a render (Python -> module).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RenderArgs {
    /// Protocol version of the sender ([`PROTOCOL_VERSION`]); absent means 1.
    #[serde(default = "version_one")]
    pub v: u32,
    /// Namespace (channel).
    pub ns: String,
    /// This tab's id, used as the tie-breaker of its stamps.
    pub tab: String,
    /// The session-state keys bound in this run.
    pub keys: Vec<String>,
    /// The latest local edit of each key.
    #[serde(default, deserialize_with = "super::deserialize_key_map")]
    pub edits: KeyMap<Edit>,
    /// Time to live of shared values, in ms: older values are ignored and removed.
    #[serde(default)]
    pub ttl_ms: Option<u64>,
    /// Conflict policy for local edits.
    #[serde(default)]
    pub conflict: ConflictPolicy,
    /// A counter the Python side bumps to ask for a fresh delivery of every value (a bound
    /// key vanished from its session state where it cannot simply be put back).
    #[serde(default)]
    pub resend: u64,
    /// True when the keys are shared across devices through a server relay: every local
    /// edit this tab writes is also handed to the Streamlit side (a delivery's `outbox`).
    #[serde(default)]
    pub devices: bool,
    /// What the server relay holds for this namespace, when it is reachable (`None` while it
    /// is not, or when sync stays within the browser).
    #[serde(default)]
    pub relay: Option<RelaySnapshot>,
    /// The server route this session is reached by, while it works (see the `r` of an
    /// [`Envelope`](super::Envelope)): a bound key's entry carrying it reaches the Streamlit
    /// side through the server, so it makes no delivery unless the server is late.
    #[serde(default)]
    pub route: Option<String>,
    /// The stamp (text form) of the value the Streamlit side holds for each bound key, so an
    /// entry awaited from the server that it already has needs no delivery.
    #[serde(default, deserialize_with = "super::deserialize_key_map")]
    pub have: KeyMap<String>,
    /// Devices mode: id of the last delivery the Streamlit side has seen. A delivery travels
    /// as a run of the component's fragment, which Streamlit drops when it arrives while a
    /// run of the whole app is re-registering its fragments; the module posts the state again
    /// until it is seen.
    #[serde(default)]
    pub seen: Option<String>,
    /// Whether this instance takes part in presence: counts the other live instances of the
    /// namespace and competes for its leadership (`sync(..., presence=...)`); absent means no.
    #[serde(default)]
    pub presence: bool,
}

/// The entries a server relay holds for one namespace (render args, devices mode).
///
/// They are untrusted input, read exactly like stored entries: an entry newer than what the
/// tab holds is merged, delivered and written to storage (so the browser's other tabs get it),
/// and every held entry newer than the relay's (or missing from it) goes to the outbox, so a
/// relay that lost state or missed a write heals towards the highest stamps.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RelaySnapshot {
    /// Bumped by the Streamlit side to ask for the comparison again with unchanged entries
    /// (a hand-over to the relay failed). The snapshot is otherwise examined only when it
    /// changes.
    #[serde(default)]
    pub gen: u64,
    /// The relay's entries, as stored texts.
    #[serde(default)]
    pub entries: Vec<String>,
}

fn version_one() -> u32 {
    1
}

/// Where this tab's sync stands, as reported to Streamlit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Reading and writing shared state.
    Live,
    /// Sync goes on but something is wrong (a write failed; or no storage, only live sync).
    Degraded,
    /// Sync is not running: no transport works, or the render args could not be read.
    Blocked,
}

impl Status {
    /// The status as the Python side names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Degraded => "degraded",
            Status::Blocked => "blocked",
        }
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Serializes a [`Json`] value as a JSON string holding its text (see the module docs).
fn as_text<S: Serializer>(value: &Json, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.as_str())
}

/// Serializes a [`KeyMap`] as a JSON object, even when empty (litemap's own `Serialize`
/// writes an empty map as `[]`).
fn as_object<S: Serializer, V: Serialize>(
    map: &KeyMap<V>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(map.iter())
}

/// The newest shared value of a key, as delivered to Streamlit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveredValue {
    /// The value's JSON text, exactly as its writer made it.
    #[serde(serialize_with = "as_text")]
    pub t: Json,
    /// Its stamp, as text (text order is stamp order).
    pub s: String,
}

/// A local edit refused under [`ConflictPolicy::Reject`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// The key.
    pub key: String,
    /// Id of the refused edit.
    pub id: String,
    /// The refused value, as JSON text.
    #[serde(serialize_with = "as_text")]
    pub mine: Json,
    /// The stored value that won, as JSON text.
    #[serde(serialize_with = "as_text")]
    pub theirs: Json,
}

/// A stamped entry to hand to the server relay (devices mode).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxItem {
    /// The entry, as stored text (the relay stores it as is).
    pub e: String,
    /// For a compare-and-set (`conflict="reject"`): the stamp (text form) of the shared value
    /// the edit was made on; `None` if it had none.
    pub base: Option<String>,
    /// Whether the relay must refuse the entry when it holds a value newer than `base`.
    pub cas: bool,
    /// Id of the local edit this entry carries; `None` for an entry resent to heal the relay.
    pub id: Option<String>,
}

/// A delivery (module -> Python): the component value that reruns the tab's script.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    /// Protocol version ([`PROTOCOL_VERSION`]).
    pub v: u32,
    /// Unique id, so Streamlit applies a delivery once.
    pub id: String,
    /// The namespace the values belong to (a delivery for another is ignored). `None` only
    /// in a delivery that reports render args the module could not read: it carries no
    /// values, only the status and the error.
    pub ns: Option<String>,
    /// Where sync stands.
    pub status: Status,
    /// Newest value of every bound key that has one.
    #[serde(serialize_with = "as_object")]
    pub values: KeyMap<DeliveredValue>,
    /// Id of the last local edit handled (written or refused), per key.
    #[serde(serialize_with = "as_object")]
    pub acks: KeyMap<String>,
    /// Recent refused edits, newest last.
    pub conflicts: Vec<Conflict>,
    /// Entries (from storage or another tab) ignored as invalid since the component started.
    pub ignored: u64,
    /// The last problem met, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How many other live instances share the namespace in this browser; absent with
    /// presence off, before the first count, or where the browser cannot count them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peers: Option<u32>,
    /// Whether this instance is the namespace's leader; absent when unknown (presence off,
    /// or no Web Locks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader: Option<bool>,
    /// Entries for the server relay (devices mode), oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outbox: Vec<OutboxItem>,
    /// True when the delivery carries nothing but the outbox: the Streamlit side hands the
    /// entries to the relay without running the whole app script.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub quiet: bool,
    /// This browser's random id (32 hex digits, kept in its storage): the tabs of one
    /// browser on one server process are a group the server carries edits within. Set by
    /// the bridge; absent without storage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
}

/// The render-args fields [`RenderArgs::from_json`] reads, in the order of the struct's
/// declaration (which serde's derive lists too: `tests/protocol.rs` checks that the two
/// agree, so a field added to [`RenderArgs`] cannot be left unread). A field's position is
/// its bit in the set of fields read so far.
pub const RENDER_ARG_FIELDS: [&str; 14] = [
    "v", "ns", "tab", "keys", "edits", "ttl_ms", "conflict", "resend", "devices", "relay", "route",
    "have", "seen", "presence",
];

/// The render-args fields without a default.
const REQUIRED_ARG_FIELDS: [&str; 3] = ["ns", "tab", "keys"];

/// Render-args field `field` as listed, with its bit in the set of fields read so far.
fn arg_field(field: &str) -> Option<(&'static str, u16)> {
    let mut listed = RENDER_ARG_FIELDS.iter().zip(0..);
    listed
        .find(|(name, _)| **name == field)
        .map(|(name, position)| (*name, 1 << position))
}

impl RenderArgs {
    /// Reads render args from JSON text (in the browser, `JSON.stringify` of what the
    /// Streamlit side sent). Unknown fields are ignored; `ns`, `tab` and `keys` are
    /// required, each field may appear once. Args of another protocol version are refused as
    /// such even when the rest is unreadable, so that the error names the real cause (a
    /// Python package and a frontend of different releases).
    pub fn from_json(text: &str) -> Result<RenderArgs, ArgsError> {
        let mut args = RenderArgs {
            v: 1,
            ns: String::new(),
            tab: String::new(),
            keys: Vec::new(),
            edits: KeyMap::new(),
            ttl_ms: None,
            conflict: ConflictPolicy::Lww,
            resend: 0,
            devices: false,
            relay: None,
            route: None,
            have: KeyMap::new(),
            seen: None,
            presence: false,
        };
        let mut read: u16 = 0;
        // Where reading failed: the field, and what was wrong with it.
        let mut field_at = "";
        let mut why = "";
        let mut reader = Reader::new(text);
        let outcome = reader
            .object(|field, r| {
                let Some((name, bit)) = arg_field(field) else {
                    return r.skip();
                };
                field_at = name;
                if read & bit != 0 {
                    why = "given twice";
                    return Err(Fault::Shape);
                }
                read |= bit;
                args.read_field(field_at, r)?;
                field_at = "";
                Ok(())
            })
            .and_then(|()| {
                let missing = REQUIRED_ARG_FIELDS
                    .iter()
                    .find(|f| arg_field(f).is_some_and(|(_, bit)| read & bit == 0));
                if let Some(missing) = missing {
                    field_at = missing;
                    why = "missing";
                    return Err(Fault::Shape);
                }
                reader.finish()
            });
        let Err(fault) = outcome else {
            return Ok(args);
        };
        if let Some(v) = protocol_version(text) {
            if v != PROTOCOL_VERSION {
                return Err(ArgsError::Version(v));
            }
        }
        if why.is_empty() {
            why = match (fault, field_at.is_empty()) {
                (Fault::Syntax, _) => "not well-formed JSON",
                (Fault::Shape, true) => "not an object",
                (Fault::Shape, false) => "wrong type or value",
            };
        }
        let mut reason = String::new();
        if !field_at.is_empty() {
            reason.push('`');
            reason.push_str(field_at);
            reason.push_str("` ");
        }
        reason.push_str(why);
        Err(ArgsError::Unreadable(reason))
    }

    /// Reads the value of field `field` (one of [`RENDER_ARG_FIELDS`]) into its place.
    fn read_field(&mut self, field: &str, r: &mut Reader<'_>) -> Result<(), Fault> {
        match field {
            "v" => self.v = u32::try_from(r.u64()?).map_err(|_| Fault::Shape)?,
            "ns" => self.ns = r.string()?.into_owned(),
            "tab" => self.tab = r.string()?.into_owned(),
            "keys" => self.keys = r.strings()?,
            "edits" => self.edits = read_edits(r)?,
            "ttl_ms" => self.ttl_ms = optional(r, Reader::u64)?,
            "conflict" => {
                self.conflict = match &*r.string()? {
                    "lww" => ConflictPolicy::Lww,
                    "reject" => ConflictPolicy::Reject,
                    _ => return Err(Fault::Shape),
                }
            }
            "resend" => self.resend = r.u64()?,
            "devices" => self.devices = r.bool()?,
            "relay" => self.relay = optional(r, read_relay)?,
            "route" => self.route = optional(r, |r| Ok(r.string()?.into_owned()))?,
            "have" => self.have = read_string_map(r)?,
            "seen" => self.seen = optional(r, |r| Ok(r.string()?.into_owned()))?,
            "presence" => self.presence = r.bool()?,
            // A listed field without a reader: tests/protocol.rs makes every listed field
            // one the derive has, and tests/differential.rs reads each as serde does.
            _ => r.skip()?,
        }
        Ok(())
    }
}

/// `null` (or nothing) as `None`, anything else read by `read`.
fn optional<'a, T>(
    r: &mut Reader<'a>,
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, Fault>,
) -> Result<Option<T>, Fault> {
    if r.null()? {
        return Ok(None);
    }
    read(r).map(Some)
}

/// Reads the edits: an object of [`Edit`]s by key (a key given twice keeps the last).
fn read_edits(r: &mut Reader<'_>) -> Result<KeyMap<Edit>, Fault> {
    let mut edits = KeyMap::new();
    r.object(|key, r| {
        let (mut id, mut e, mut base) = (None, None, None);
        r.object(|field, r| {
            let slot = match field {
                "id" => &mut id,
                "e" => &mut e,
                "base" => {
                    if base.is_some() {
                        return Err(Fault::Shape);
                    }
                    base = Some(optional(r, |r| Ok(r.string()?.into_owned()))?);
                    return Ok(());
                }
                _ => return r.skip(),
            };
            if slot.is_some() {
                return Err(Fault::Shape);
            }
            *slot = Some(r.string()?.into_owned());
            Ok(())
        })?;
        let (Some(id), Some(e)) = (id, e) else {
            return Err(Fault::Shape);
        };
        edits.insert(
            key.to_owned(),
            Edit {
                id,
                e,
                base: base.flatten(),
            },
        );
        Ok(())
    })?;
    Ok(edits)
}

/// Reads a [`RelaySnapshot`] object.
fn read_relay(r: &mut Reader<'_>) -> Result<RelaySnapshot, Fault> {
    let mut snapshot = RelaySnapshot {
        gen: 0,
        entries: Vec::new(),
    };
    let mut read = [false; 2];
    r.object(|field, r| {
        let bit = match field {
            "gen" => 0,
            "entries" => 1,
            _ => return r.skip(),
        };
        if std::mem::replace(&mut read[bit], true) {
            return Err(Fault::Shape);
        }
        match bit {
            0 => snapshot.gen = r.u64()?,
            _ => snapshot.entries = r.strings()?,
        }
        Ok(())
    })?;
    Ok(snapshot)
}

/// Reads an object of strings by key (a key given twice keeps the last, as serde does).
fn read_string_map(r: &mut Reader<'_>) -> Result<KeyMap<String>, Fault> {
    let mut map = KeyMap::new();
    r.object(|key, r| {
        map.insert(key.to_owned(), r.string()?.into_owned());
        Ok(())
    })?;
    Ok(map)
}

/// The protocol version of a text that is an object with a readable `v` (whatever else
/// it holds).
fn protocol_version(text: &str) -> Option<u32> {
    let mut reader = Reader::new(text);
    let mut v = None;
    reader
        .object(|field, r| {
            if field == "v" && v.is_none() {
                v = u32::try_from(r.u64()?).ok();
                return Ok(());
            }
            r.skip()
        })
        .ok()?;
    v
}

impl Delivery {
    /// The delivery as JSON text: the text serde_json writes for it (field order as
    /// declared, empty `outbox`, false `quiet` and absent `error` left out).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256);
        let mut d = Object::new(&mut out);
        write::uint(d.key("v"), u64::from(self.v));
        write::string(d.key("id"), &self.id);
        write::opt_string(d.key("ns"), self.ns.as_deref());
        write::string(d.key("status"), self.status.as_str());
        let mut values = Object::new(d.key("values"));
        for (key, value) in self.values.iter() {
            let mut v = Object::new(values.key(key));
            write::string(v.key("t"), value.t.as_str());
            write::string(v.key("s"), &value.s);
            v.end();
        }
        values.end();
        let mut acks = Object::new(d.key("acks"));
        for (key, id) in self.acks.iter() {
            write::string(acks.key(key), id);
        }
        acks.end();
        let mut conflicts = Array::new(d.key("conflicts"));
        for conflict in &self.conflicts {
            let mut c = Object::new(conflicts.item());
            write::string(c.key("key"), &conflict.key);
            write::string(c.key("id"), &conflict.id);
            write::string(c.key("mine"), conflict.mine.as_str());
            write::string(c.key("theirs"), conflict.theirs.as_str());
            c.end();
        }
        conflicts.end();
        write::uint(d.key("ignored"), self.ignored);
        if let Some(error) = &self.error {
            write::string(d.key("error"), error);
        }
        if let Some(peers) = self.peers {
            write::uint(d.key("peers"), u64::from(peers));
        }
        if let Some(leader) = self.leader {
            write::boolean(d.key("leader"), leader);
        }
        if !self.outbox.is_empty() {
            let mut outbox = Array::new(d.key("outbox"));
            for item in &self.outbox {
                let mut o = Object::new(outbox.item());
                write::string(o.key("e"), &item.e);
                write::opt_string(o.key("base"), item.base.as_deref());
                write::boolean(o.key("cas"), item.cas);
                write::opt_string(o.key("id"), item.id.as_deref());
                o.end();
            }
            outbox.end();
        }
        if self.quiet {
            write::boolean(d.key("quiet"), true);
        }
        if let Some(browser) = &self.browser {
            write::string(d.key("browser"), browser);
        }
        d.end();
        out
    }
}
