//! The sync engine of one tab: render args and storage changes in, effects out.
//!
//! The browser layer feeds it what happens (a render from Streamlit, a `storage` event, the
//! stored entries at mount) and carries out what it returns: storage writes and deliveries to
//! Streamlit. Keeping this logic here keeps it testable without a browser.
//!
//! Rules that keep tabs in step without rerun loops:
//! * a local edit (from the render args) is stamped after everything this tab has seen, so it
//!   wins, and is written once: its id is remembered as an *ack*;
//! * a delivery is made on the first render (the state at mount) and afterwards only when a
//!   bound key got a newer value from another tab; never for this tab's own writes;
//! * a delivery carries the newest value of every bound key and the acks, so Streamlit can
//!   tell a delivery made before its latest edit was written (see the Python `_state` module);
//! * storage heals towards the highest stamp: before a write the engine reads the stored
//!   entry (so its stamp is above it), and when storage is seen holding an older entry than
//!   this tab has (two tabs wrote at once, or an event was missed), the tab writes its newer
//!   entry back unchanged, so a tab opened later reads the same state as the open ones.
//!
//! An edit is applied in two steps, [`Engine::begin_edits`] then [`Engine::commit`], so the
//! browser layer can run the second under a cross-tab lock: with [`ConflictPolicy::Reject`]
//! the commit is a compare-and-set against the stamp the edit was based on.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::clock::{HybridClock, Stamp};
use super::envelope::{
    is_shareable, is_valid_key, is_valid_name, storage_key, Envelope, KEY_PREFIX,
};
use super::error::{ArgsError, DecodeError};
use super::replica::{Merge, Replica};

/// How many recent conflicts a delivery carries (the Streamlit side keeps only the latest
/// delivery, so each one repeats the recent ones; Python drops those it has seen).
pub const MAX_REPORTED_CONFLICTS: usize = 16;

/// A local edit sent by the Streamlit side: the new value of a key and a unique id.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Edit {
    /// Unique id of the edit (the tab id and a counter).
    pub id: String,
    /// The edited value.
    pub v: Value,
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

/// The args of a `streamlit:render` message.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RenderArgs {
    /// Namespace (channel).
    pub ns: String,
    /// This tab's id, used as the tie-breaker of its stamps.
    pub tab: String,
    /// The session-state keys bound in this run.
    pub keys: Vec<String>,
    /// The latest local edit of each key.
    #[serde(default)]
    pub edits: BTreeMap<String, Edit>,
    /// Time to live of shared values, in ms: older values are ignored and removed.
    #[serde(default)]
    pub ttl_ms: Option<u64>,
    /// Conflict policy for local edits.
    #[serde(default)]
    pub conflict: ConflictPolicy,
}

/// Where this tab's sync stands, as reported to Streamlit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Reading and writing shared state.
    Live,
    /// A write failed (for example storage is full); the tab keeps its values.
    Degraded,
    /// Storage is unavailable; the tab works on its own.
    Blocked,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Degraded => "degraded",
            Status::Blocked => "blocked",
        }
    }
}

/// The newest shared value of a key, as delivered to Streamlit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveredValue {
    /// The value.
    pub v: Value,
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
    /// The refused value.
    pub mine: Value,
    /// The stored value that won.
    pub theirs: Value,
}

/// A component value posted to Streamlit (`streamlit:setComponentValue`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    /// Unique id, so Streamlit applies a delivery once.
    pub id: String,
    /// `live`, `degraded` or `blocked`.
    pub status: &'static str,
    /// Newest value of every bound key that has one.
    pub values: BTreeMap<String, DeliveredValue>,
    /// Id of the last local edit handled (written or refused), per key.
    pub acks: BTreeMap<String, String>,
    /// Recent refused edits, newest last.
    pub conflicts: Vec<Conflict>,
    /// Entries from storage that were ignored as invalid, since the component started.
    pub ignored: u64,
    /// The last problem met, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Something the browser layer must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Write `text` under storage key `key`.
    Write {
        /// Storage key.
        key: String,
        /// Stored text (an encoded [`Envelope`]).
        text: String,
    },
    /// Remove the expired entry under storage key `key`.
    Remove {
        /// Storage key.
        key: String,
    },
}

/// A local edit taken from the render args, to be committed with [`Engine::commit`].
#[derive(Debug, Clone, PartialEq)]
pub struct PendingEdit {
    /// The session-state key.
    pub key: String,
    /// The storage key of `key`.
    pub storage_key: String,
    /// The edit.
    pub edit: Edit,
    /// Whether the commit must be a compare-and-set (run it under a cross-tab lock).
    pub compare: bool,
}

/// The configuration taken from the latest render args.
#[derive(Debug, Clone, PartialEq)]
struct Config {
    ns: String,
    keys: BTreeSet<String>,
    ttl_ms: Option<u64>,
    conflict: ConflictPolicy,
}

/// One tab's sync engine.
#[derive(Debug)]
pub struct Engine {
    instance: String,
    config: Option<Config>,
    clock: Option<HybridClock>,
    replica: Replica,
    acks: BTreeMap<String, String>,
    in_flight: BTreeSet<String>,
    own_writes: BTreeMap<String, Stamp>,
    conflicts: VecDeque<Conflict>,
    status: Status,
    error: Option<String>,
    ignored: u64,
    deliveries: u64,
    news: bool,
}

impl Engine {
    /// A new engine; `instance` makes its delivery ids unique (one per component instance).
    pub fn new(instance: impl Into<String>) -> Self {
        Engine {
            instance: instance.into(),
            config: None,
            clock: None,
            replica: Replica::new(),
            acks: BTreeMap::new(),
            in_flight: BTreeSet::new(),
            own_writes: BTreeMap::new(),
            conflicts: VecDeque::new(),
            status: Status::Live,
            error: None,
            ignored: 0,
            deliveries: 0,
            news: false,
        }
    }

    /// The namespace, once configured.
    pub fn namespace(&self) -> Option<&str> {
        self.config.as_ref().map(|c| c.ns.as_str())
    }

    /// The storage key prefix of this engine's namespace, once configured.
    pub fn namespace_prefix(&self) -> Option<String> {
        self.namespace().map(|ns| format!("{KEY_PREFIX}{ns}:"))
    }

    /// Ids of the local edits already handled, per key (kept across iframe re-creation).
    pub fn acks(&self) -> &BTreeMap<String, String> {
        &self.acks
    }

    /// Restores acks saved by an earlier instance in this tab, so its edits are not rewritten.
    pub fn restore_acks(&mut self, acks: BTreeMap<String, String>) {
        self.acks = acks;
    }

    /// The tab's view of the shared state: the newest value of every key it has seen.
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// How many entries from storage were ignored as invalid.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    /// Takes new render args. Returns `Ok(true)` when the namespace is new, in which case the
    /// browser layer must feed the stored entries of the namespace through [`Engine::load`]
    /// before handling the edits.
    pub fn configure(&mut self, args: &RenderArgs) -> Result<bool, ArgsError> {
        if !is_valid_name(&args.ns) || !is_valid_name(&args.tab) {
            return Err(ArgsError::BadName);
        }
        let keys: BTreeSet<String> = args
            .keys
            .iter()
            .filter(|k| is_valid_key(k))
            .cloned()
            .collect();
        if self.clock.as_ref().map(HybridClock::tab) != Some(args.tab.as_str()) {
            self.clock = Some(HybridClock::new(args.tab.clone()));
        }
        let fresh = self.namespace() != Some(args.ns.as_str());
        if fresh {
            self.replica.clear();
            self.own_writes.clear();
            self.news = true;
        } else if self.config.as_ref().map(|c| &c.keys) != Some(&keys) {
            // Newly bound keys may already have values the Streamlit side has not seen.
            self.news = true;
        }
        self.config = Some(Config {
            ns: args.ns.clone(),
            keys,
            ttl_ms: args.ttl_ms.filter(|t| *t > 0),
            conflict: args.conflict,
        });
        Ok(fresh)
    }

    /// Merges one stored entry found at mount (or on a re-read, or an event). Invalid entries
    /// are counted and ignored. Returns the storage repair to make, if any: the removal of an
    /// expired entry, or this tab's newer entry when storage holds an older one.
    pub fn load(&mut self, storage_key: &str, text: &str, now_ms: u64) -> Option<Effect> {
        match self.accept(storage_key, text, now_ms) {
            Ok(Accepted::Merged(Merge::Stale)) => self.repair(storage_key),
            Ok(Accepted::Expired) => Some(Effect::Remove {
                key: storage_key.to_owned(),
            }),
            Ok(_) => None,
            Err(_) => {
                self.ignored += 1;
                None
            }
        }
    }

    /// The write that puts this tab's newer entry back under `storage_key`.
    fn repair(&self, storage_key: &str) -> Option<Effect> {
        let config = self.config.as_ref()?;
        let rest = storage_key.strip_prefix(KEY_PREFIX)?;
        let key = rest.strip_prefix(config.ns.as_str())?.strip_prefix(':')?;
        let held = self.replica.get(key)?;
        let envelope = Envelope {
            ns: config.ns.clone(),
            key: key.to_owned(),
            value: held.value.clone(),
            stamp: held.stamp.clone(),
            expires: config.ttl_ms.map(|t| held.stamp.wall.saturating_add(t)),
        };
        Some(Effect::Write {
            key: storage_key.to_owned(),
            text: envelope.encode(),
        })
    }

    /// Handles a `storage` event: `key` is `None` after `localStorage.clear()`, `new_value`
    /// is `None` after a removal. A newer value of a bound key makes a delivery due
    /// ([`Engine::has_news`]); the returned effect, if any, repairs storage.
    pub fn on_storage(
        &mut self,
        key: Option<&str>,
        new_value: Option<&str>,
        now_ms: u64,
    ) -> Option<Effect> {
        // A clear or a removal takes nothing from this tab: it keeps its values, and its next
        // edit writes the key again.
        let (key, text) = (key?, new_value?);
        if !key.starts_with(&self.namespace_prefix()?) {
            return None; // another namespace, or not ours at all
        }
        self.load(key, text, now_ms)
    }

    fn is_expired(&self, envelope: &Envelope, now_ms: u64) -> bool {
        let by_writer = envelope.expires.is_some_and(|x| x <= now_ms);
        let ttl = self.config.as_ref().and_then(|c| c.ttl_ms);
        let by_reader = ttl.is_some_and(|t| envelope.stamp.wall.saturating_add(t) <= now_ms);
        by_writer || by_reader
    }

    fn accept(
        &mut self,
        storage_key: &str,
        text: &str,
        now_ms: u64,
    ) -> Result<Accepted, DecodeError> {
        let envelope = Envelope::decode_at(storage_key, text)?;
        if self.namespace() != Some(envelope.ns.as_str()) {
            return Ok(Accepted::Foreign);
        }
        if self.is_expired(&envelope, now_ms) {
            return Ok(Accepted::Expired);
        }
        let (Some(config), Some(clock)) = (self.config.as_ref(), self.clock.as_mut()) else {
            return Ok(Accepted::Foreign);
        };
        if !clock.observe(&envelope.stamp, now_ms) {
            return Err(DecodeError::FromTheFuture);
        }
        let bound = config.keys.contains(&envelope.key);
        let merged = self
            .replica
            .merge(&envelope.key, envelope.value, envelope.stamp);
        self.news |= bound && merged == Merge::Newer;
        Ok(Accepted::Merged(merged))
    }

    /// Takes the local edits of `args` not yet handled (nor being handled). Each is to be
    /// finished with [`Engine::commit`]; until then it is not taken again.
    pub fn begin_edits(&mut self, args: &RenderArgs) -> Result<Vec<PendingEdit>, ArgsError> {
        let Some(config) = self.config.as_ref() else {
            return Ok(Vec::new());
        };
        let mut pending = Vec::new();
        let mut unshareable = false;
        for (key, edit) in &args.edits {
            if !config.keys.contains(key)
                || self.acks.get(key) == Some(&edit.id)
                || self.in_flight.contains(&edit.id)
            {
                continue;
            }
            if !is_shareable(&edit.v) {
                unshareable = true;
                continue;
            }
            self.in_flight.insert(edit.id.clone());
            pending.push(PendingEdit {
                key: key.clone(),
                storage_key: storage_key(&config.ns, key),
                edit: edit.clone(),
                compare: config.conflict == ConflictPolicy::Reject,
            });
        }
        if unshareable {
            return Err(ArgsError::Unshareable);
        }
        Ok(pending)
    }

    /// Finishes one edit given the text now stored under its key (read inside the lock for a
    /// compare-and-set). Returns the write to make, or `None` when the edit was refused as a
    /// conflict (the stored value is then delivered, with the conflict) or is obsolete.
    pub fn commit(
        &mut self,
        pending: PendingEdit,
        stored: Option<&str>,
        now_ms: u64,
    ) -> Option<Effect> {
        self.in_flight.remove(&pending.edit.id);
        if self
            .namespace_prefix()
            .map(|p| pending.storage_key.starts_with(&p))
            != Some(true)
        {
            return None; // the namespace changed meanwhile
        }
        if let Some(text) = stored {
            // Only its effect on the clock and replica matters: the write replaces it.
            let _ = self.load(&pending.storage_key, text, now_ms);
        }
        let key = pending.key;
        self.acks.insert(key.clone(), pending.edit.id.clone());
        if pending.compare {
            if let Some(theirs) = self.conflicting(&key, pending.edit.base.as_deref()) {
                self.conflicts.push_back(Conflict {
                    key,
                    id: pending.edit.id,
                    mine: pending.edit.v,
                    theirs,
                });
                while self.conflicts.len() > MAX_REPORTED_CONFLICTS {
                    self.conflicts.pop_front();
                }
                self.news = true;
                return None;
            }
        }
        let config = self.config.as_ref()?;
        let clock = self.clock.as_mut()?;
        let stamp = clock.tick(now_ms);
        let envelope = Envelope {
            ns: config.ns.clone(),
            key: key.clone(),
            value: pending.edit.v.clone(),
            stamp: stamp.clone(),
            expires: config.ttl_ms.map(|t| stamp.wall.saturating_add(t)),
        };
        self.replica.merge(&key, pending.edit.v, stamp.clone());
        self.own_writes.insert(key, stamp);
        Some(Effect::Write {
            key: pending.storage_key,
            text: envelope.encode(),
        })
    }

    /// The value that makes an edit based on `base` a conflict: one held under a stamp above
    /// both the base and this tab's own last write of the key.
    fn conflicting(&self, key: &str, base: Option<&str>) -> Option<Value> {
        let held = self.replica.get(key)?;
        let base: Option<Stamp> = base.and_then(|b| b.parse().ok());
        let own = self.own_writes.get(key);
        let seen = base.as_ref().max(own);
        match seen {
            Some(seen) if held.stamp <= *seen => None,
            _ => Some(held.value.clone()),
        }
    }

    /// Both steps at once, for callers without a lock: takes the edits of `args` and commits
    /// each against `stored`, which reads the text under a storage key.
    pub fn apply_edits(
        &mut self,
        args: &RenderArgs,
        now_ms: u64,
        stored: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<Effect>, ArgsError> {
        let pending = self.begin_edits(args)?;
        Ok(pending
            .into_iter()
            .filter_map(|p| {
                let text = stored(&p.storage_key);
                self.commit(p, text.as_deref(), now_ms)
            })
            .collect())
    }

    /// Records that a write failed: the tab keeps its value, the status becomes degraded.
    pub fn write_failed(&mut self, reason: &str) {
        self.status = Status::Degraded;
        self.error = Some(reason.to_owned());
        self.news = true;
    }

    /// Records that a write succeeded: a degraded tab is live again.
    pub fn write_succeeded(&mut self) {
        if self.status == Status::Degraded {
            self.status = Status::Live;
            self.error = None;
            self.news = true;
        }
    }

    /// Records that storage is unavailable: the tab works on its own.
    pub fn storage_blocked(&mut self, reason: &str) {
        self.status = Status::Blocked;
        self.error = Some(reason.to_owned());
        self.news = true;
    }

    /// Records a problem worth reporting that changes nothing else (shown on next delivery).
    pub fn note(&mut self, reason: &str) {
        self.error = Some(reason.to_owned());
    }

    /// True when a delivery is due (news since the last one, or none made yet).
    pub fn has_news(&self) -> bool {
        self.news && self.config.is_some()
    }

    /// The delivery due, if any: the newest value of every bound key and the acks.
    pub fn take_delivery(&mut self) -> Option<Delivery> {
        if !self.has_news() {
            return None;
        }
        let config = self.config.as_ref()?;
        self.news = false;
        self.deliveries += 1;
        let values = self
            .replica
            .iter()
            .filter(|(key, _)| config.keys.contains(*key))
            .map(|(key, held)| {
                let value = DeliveredValue {
                    v: held.value.clone(),
                    s: held.stamp.to_string(),
                };
                (key.clone(), value)
            })
            .collect();
        let acks = self
            .acks
            .iter()
            .filter(|(key, _)| config.keys.contains(*key))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Some(Delivery {
            id: format!("{}-{}", self.instance, self.deliveries),
            status: self.status.as_str(),
            values,
            acks,
            conflicts: self.conflicts.iter().cloned().collect(),
            ignored: self.ignored,
            error: self.error.clone(),
        })
    }
}

/// What accepting a stored entry came to.
enum Accepted {
    /// Merged into the replica, with this outcome.
    Merged(Merge),
    /// Expired: to be removed.
    Expired,
    /// Of another namespace, or before configuration: ignored.
    Foreign,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{storage_key, Stamp};
    use serde_json::json;

    fn args(tab: &str, edits: &[(&str, &str, Value)]) -> RenderArgs {
        RenderArgs {
            ns: "gis".into(),
            tab: tab.into(),
            keys: vec!["zoom".into(), "layers".into()],
            edits: edits
                .iter()
                .map(|(k, id, v)| {
                    (
                        k.to_string(),
                        Edit {
                            id: id.to_string(),
                            v: v.clone(),
                            base: None,
                        },
                    )
                })
                .collect(),
            ttl_ms: None,
            conflict: ConflictPolicy::Lww,
        }
    }

    fn stored(key: &str, value: Value, stamp: Stamp) -> (String, String) {
        let env = Envelope {
            ns: "gis".into(),
            key: key.into(),
            value,
            stamp,
            expires: None,
        };
        (env.storage_key(), env.encode())
    }

    #[test]
    fn first_render_delivers_the_stored_state() {
        let mut e = Engine::new("i");
        let a = args("tab1", &[]);
        assert_eq!(e.configure(&a), Ok(true));
        let (k, t) = stored("zoom", json!(7), Stamp::new(10, 0, "other"));
        e.load(&k, &t, 100);
        assert!(e.apply_edits(&a, 100, |_| None).unwrap().is_empty());
        let d = e.take_delivery().expect("initial delivery");
        assert_eq!(d.values["zoom"].v, json!(7));
        assert!(e.take_delivery().is_none(), "no news, no second delivery");
    }

    #[test]
    fn an_edit_is_written_once_and_acked_without_a_delivery() {
        let mut e = Engine::new("i");
        let a = args("tab1", &[("zoom", "tab1.1", json!(5))]);
        e.configure(&a).unwrap();
        e.take_delivery();
        let writes = e.apply_edits(&a, 100, |_| None).unwrap();
        assert_eq!(writes.len(), 1);
        let Effect::Write { key, text } = &writes[0] else {
            panic!("a write")
        };
        assert_eq!(key, &storage_key("gis", "zoom"));
        assert_eq!(Envelope::decode(text).unwrap().value, json!(5));
        assert!(
            e.take_delivery().is_none(),
            "the writer gets no delivery of its own write"
        );
        assert!(
            e.apply_edits(&a, 200, |_| None).unwrap().is_empty(),
            "the same edit is not rewritten"
        );
        assert_eq!(e.acks()["zoom"], "tab1.1");
    }

    #[test]
    fn a_local_edit_beats_everything_seen_before_it() {
        let mut e = Engine::new("i");
        let a = args("tab1", &[]);
        e.configure(&a).unwrap();
        let (k, t) = stored("zoom", json!(9), Stamp::new(5_000, 3, "fast"));
        assert_eq!(e.on_storage(Some(&k), Some(&t), 1_000), None);
        assert!(e.has_news());
        let b = args("tab1", &[("zoom", "tab1.1", json!(2))]);
        let writes = e.apply_edits(&b, 1_000, |_| None).unwrap();
        let Effect::Write { text, .. } = &writes[0] else {
            panic!("a write")
        };
        assert!(Envelope::decode(text).unwrap().stamp > Stamp::new(5_000, 3, "fast"));
    }

    #[test]
    fn stale_duplicate_foreign_and_invalid_events_make_no_delivery() {
        let mut e = Engine::new("i");
        let a = args("tab1", &[]);
        e.configure(&a).unwrap();
        e.take_delivery();
        let (k, new) = stored("zoom", json!(2), Stamp::new(20, 0, "b"));
        let (_, old) = stored("zoom", json!(1), Stamp::new(10, 0, "b"));
        assert_eq!(e.on_storage(Some(&k), Some(&new), 30), None);
        assert!(e.take_delivery().is_some());
        assert_eq!(e.on_storage(Some(&k), Some(&new), 30), None, "duplicate");
        let repair = Effect::Write {
            key: k.clone(),
            text: new.clone(),
        };
        assert_eq!(
            e.on_storage(Some(&k), Some(&old), 30),
            Some(repair),
            "stale"
        );
        let foreign = e.on_storage(Some("tabsync:v1:other:zoom"), Some(&new), 30);
        assert_eq!(foreign, None, "other namespace");
        assert_eq!(
            e.on_storage(Some(&k), Some("{garbage"), 30),
            None,
            "invalid"
        );
        assert_eq!(e.on_storage(None, None, 30), None, "clear");
        assert_eq!(e.on_storage(Some(&k), None, 30), None, "removal");
        assert!(e.take_delivery().is_none());
        assert_eq!(e.ignored(), 1);
    }

    #[test]
    fn an_edit_is_stamped_above_the_stored_entry_even_before_its_event_arrives() {
        let mut e = Engine::new("i");
        let a = args("slow", &[("zoom", "slow.1", json!(1))]);
        e.configure(&a).unwrap();
        let (k, t) = stored("zoom", json!(5), Stamp::new(9_000, 0, "fast"));
        let writes = e
            .apply_edits(&a, 1_000, |key| (key == k).then(|| t.clone()))
            .unwrap();
        let Effect::Write { text, .. } = &writes[0] else {
            panic!("a write")
        };
        assert!(Envelope::decode(text).unwrap().stamp > Stamp::new(9_000, 0, "fast"));
    }

    #[test]
    fn unbound_keys_are_kept_but_not_delivered() {
        let mut e = Engine::new("i");
        e.configure(&args("tab1", &[])).unwrap();
        e.take_delivery();
        let (k, t) = stored("other", json!(1), Stamp::new(20, 0, "b"));
        assert_eq!(e.on_storage(Some(&k), Some(&t), 30), None);
        assert!(e.take_delivery().is_none());
    }

    #[test]
    fn restored_acks_stop_a_new_instance_rewriting_old_edits() {
        let mut first = Engine::new("one");
        let a = args("tab1", &[("zoom", "tab1.4", json!(3))]);
        first.configure(&a).unwrap();
        assert_eq!(first.apply_edits(&a, 10, |_| None).unwrap().len(), 1);
        let mut second = Engine::new("two");
        second.restore_acks(first.acks().clone());
        second.configure(&a).unwrap();
        assert!(second.apply_edits(&a, 20, |_| None).unwrap().is_empty());
    }

    #[test]
    fn unshareable_edits_are_reported_not_written() {
        let mut e = Engine::new("i");
        let deep = (0..40).fold(json!(1), |v, _| json!([v]));
        let a = args("tab1", &[("zoom", "tab1.1", deep)]);
        e.configure(&a).unwrap();
        assert_eq!(e.apply_edits(&a, 10, |_| None), Err(ArgsError::Unshareable));
    }

    #[test]
    fn bad_names_in_args_are_refused() {
        let mut e = Engine::new("i");
        let mut a = args("tab1", &[]);
        a.ns = "no:colons".into();
        assert_eq!(e.configure(&a), Err(ArgsError::BadName));
    }

    #[test]
    fn expired_entries_are_ignored_and_removed() {
        let mut e = Engine::new("i");
        let mut a = args("tab1", &[]);
        a.ttl_ms = Some(1_000);
        e.configure(&a).unwrap();
        let (k, t) = stored("zoom", json!(3), Stamp::new(5_000, 0, "b"));
        assert_eq!(
            e.load(&k, &t, 6_000),
            Some(Effect::Remove { key: k.clone() })
        );
        assert!(
            e.replica().get("zoom").is_none(),
            "an expired value is never resurrected"
        );
        assert_eq!(
            e.load(&k, &t, 5_999),
            None,
            "still fresh a millisecond earlier"
        );
        assert!(e.replica().get("zoom").is_some());
    }

    #[test]
    fn a_writer_ttl_travels_with_the_entry() {
        let mut writer = Engine::new("w");
        let mut a = args("w", &[("zoom", "w.1", json!(2))]);
        a.ttl_ms = Some(500);
        writer.configure(&a).unwrap();
        let writes = writer.apply_edits(&a, 10_000, |_| None).unwrap();
        let Effect::Write { key, text } = &writes[0] else {
            panic!("a write")
        };
        assert_eq!(Envelope::decode(text).unwrap().expires, Some(10_500));
        let mut reader = Engine::new("r");
        reader.configure(&args("r", &[])).unwrap();
        assert_eq!(
            reader.load(key, text, 10_600),
            Some(Effect::Remove { key: key.clone() })
        );
    }

    fn reject_args(tab: &str, id: &str, v: Value, base: Option<&Stamp>) -> RenderArgs {
        let mut a = args(tab, &[("zoom", id, v)]);
        a.conflict = ConflictPolicy::Reject;
        if let Some(edit) = a.edits.get_mut("zoom") {
            edit.base = base.map(Stamp::to_string);
        }
        a
    }

    #[test]
    fn under_reject_an_edit_on_a_replaced_value_is_refused_and_reported() {
        let mut e = Engine::new("i");
        let base = Stamp::new(10, 0, "x");
        let a = reject_args("me", "me.1", json!(5), Some(&base));
        e.configure(&a).unwrap();
        e.take_delivery();
        let pending = e.begin_edits(&a).unwrap();
        assert!(pending[0].compare);
        assert!(
            e.begin_edits(&a).unwrap().is_empty(),
            "in flight edits are not taken twice"
        );
        let (_, theirs) = stored("zoom", json!(9), Stamp::new(20, 0, "other"));
        let p = pending.into_iter().next().unwrap();
        assert_eq!(e.commit(p, Some(&theirs), 30), None);
        let d = e.take_delivery().expect("the conflict is delivered");
        assert_eq!(d.values["zoom"].v, json!(9));
        assert_eq!(d.acks["zoom"], "me.1");
        assert_eq!(d.conflicts.len(), 1);
        assert_eq!(
            (d.conflicts[0].mine.clone(), d.conflicts[0].theirs.clone()),
            (json!(5), json!(9))
        );
    }

    #[test]
    fn under_reject_an_edit_on_the_current_value_or_our_own_write_is_written() {
        let mut e = Engine::new("i");
        let base = Stamp::new(10, 0, "x");
        let a = reject_args("me", "me.1", json!(5), Some(&base));
        e.configure(&a).unwrap();
        let (_, same) = stored("zoom", json!(1), base.clone());
        let p = e.begin_edits(&a).unwrap().remove(0);
        let Some(Effect::Write { text, .. }) = e.commit(p, Some(&same), 30) else {
            panic!("written")
        };
        // The next edit is still based on `base` (our own write is never delivered back), but
        // storage holds our own write: not a conflict.
        let b = reject_args("me", "me.2", json!(6), Some(&base));
        let p = e.begin_edits(&b).unwrap().remove(0);
        assert!(matches!(
            e.commit(p, Some(&text), 40),
            Some(Effect::Write { .. })
        ));
    }
}
