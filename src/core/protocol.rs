//! What crosses between the Python side and this module: render args in, deliveries out.
//!
//! Both directions carry [`PROTOCOL_VERSION`]. Values cross as JSON *text* in both
//! directions (an edit's `t`, a delivered value's `t`, a conflict's `mine`/`theirs`), never
//! as JS values: a text reaches Python's `json.loads` with the writer's exact digits, where a
//! JS number would round every integer beyond 2^53 and a JS object would reorder keys that
//! look like array indices. The Python side parses deliveries in one place
//! (`streamlit_tabsync/_protocol.py`); `tests/protocol.rs` writes golden messages that the
//! Python tests read, so the two sides cannot drift apart unnoticed.

use serde::{Deserialize, Serialize, Serializer};

use super::json::Json;
use super::KeyMap;

/// Version of the messages in this module. Render args of another version are refused with
/// a reported error (a Python package and a frontend of different releases).
pub const PROTOCOL_VERSION: u32 = 2;

/// A local edit sent by the Streamlit side: the new value of a key and a unique id.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Edit {
    /// Unique id of the edit (the tab id and a counter).
    pub id: String,
    /// The edited value, as JSON text (checked with the caps of stored values before use).
    pub t: String,
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
    /// Devices mode: id of the last delivery the Streamlit side has seen. A delivery travels
    /// as a run of the component's fragment, which Streamlit drops when it arrives while a
    /// run of the whole app is re-registering its fragments; the module posts the state again
    /// until it is seen.
    #[serde(default)]
    pub seen: Option<String>,
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
    /// Ids of this tab's edits the relay refused (`conflict="reject"`: another device wrote
    /// the key first): the tab takes the relay's value back, under a new stamp (the Python
    /// side, which saw the refusal, reports the conflict).
    #[serde(default)]
    pub refused: Vec<String>,
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
    /// Entries for the server relay (devices mode), oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outbox: Vec<OutboxItem>,
    /// True when the delivery carries nothing but the outbox: the Streamlit side hands the
    /// entries to the relay without running the whole app script.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub quiet: bool,
}
