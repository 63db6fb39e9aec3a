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
//!   tell a delivery made before its latest edit was written (see the Python `_state` module).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::clock::HybridClock;
use super::envelope::{
    is_shareable, is_valid_key, is_valid_name, storage_key, Envelope, KEY_PREFIX,
};
use super::error::{ArgsError, DecodeError};
use super::replica::{Merge, Replica};

/// A local edit sent by the Streamlit side: the new value of a key and a unique id.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Edit {
    /// Unique id of the edit (the tab id and a counter).
    pub id: String,
    /// The edited value.
    pub v: Value,
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

/// A component value posted to Streamlit (`streamlit:setComponentValue`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    /// Unique id, so Streamlit applies a delivery once.
    pub id: String,
    /// `live`, `degraded` or `blocked`.
    pub status: &'static str,
    /// Newest value of every bound key that has one.
    pub values: BTreeMap<String, DeliveredValue>,
    /// Id of the last local edit written, per key.
    pub acks: BTreeMap<String, String>,
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
}

/// The configuration taken from the latest render args.
#[derive(Debug, Clone, PartialEq)]
struct Config {
    ns: String,
    keys: BTreeSet<String>,
}

/// One tab's sync engine.
#[derive(Debug)]
pub struct Engine {
    instance: String,
    config: Option<Config>,
    clock: Option<HybridClock>,
    replica: Replica,
    acks: BTreeMap<String, String>,
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

    /// Ids of the local edits already written, per key (kept across iframe re-creation).
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
    /// before calling [`Engine::apply_edits`].
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
        let fresh = self.config.as_ref().map(|c| c.ns.as_str()) != Some(args.ns.as_str());
        if fresh {
            self.replica.clear();
            self.news = true;
        } else if self.config.as_ref().map(|c| &c.keys) != Some(&keys) {
            // Newly bound keys may already have values the Streamlit side has not seen.
            self.news = true;
        }
        self.config = Some(Config {
            ns: args.ns.clone(),
            keys,
        });
        Ok(fresh)
    }

    /// Merges one stored entry found at mount (or on a re-read, or an event). Invalid entries
    /// are counted and ignored. Returns the repair write to make when storage holds an older
    /// entry than this tab (see the module docs).
    pub fn load(&mut self, storage_key: &str, text: &str, now_ms: u64) -> Option<Effect> {
        match self.accept(storage_key, text, now_ms) {
            Ok(Merge::Stale) => self.repair(storage_key),
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
        };
        Some(Effect::Write {
            key: storage_key.to_owned(),
            text: envelope.encode(),
        })
    }

    /// Handles a `storage` event: `key` is `None` after `localStorage.clear()`, `new_value`
    /// is `None` after a removal. A newer value of a bound key makes a delivery due
    /// ([`Engine::has_news`]); the returned write, if any, repairs storage.
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

    fn accept(&mut self, storage_key: &str, text: &str, now_ms: u64) -> Result<Merge, DecodeError> {
        let envelope = Envelope::decode_at(storage_key, text)?;
        let (Some(config), Some(clock)) = (self.config.as_ref(), self.clock.as_mut()) else {
            return Ok(Merge::Duplicate);
        };
        if envelope.ns != config.ns {
            return Ok(Merge::Duplicate);
        }
        if !clock.observe(&envelope.stamp, now_ms) {
            return Err(DecodeError::FromTheFuture);
        }
        let bound = config.keys.contains(&envelope.key);
        let merged = self
            .replica
            .merge(&envelope.key, envelope.value, envelope.stamp);
        self.news |= bound && merged == Merge::Newer;
        Ok(merged)
    }

    /// Stamps and returns the writes for the local edits not yet written. Each edit is
    /// written once; its id becomes the key's ack. `stored` reads the entry currently under a
    /// storage key, so the new stamp is above it even if its event has not arrived yet.
    pub fn apply_edits(
        &mut self,
        args: &RenderArgs,
        now_ms: u64,
        stored: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<Effect>, ArgsError> {
        let mut effects = Vec::new();
        let mut unshareable = false;
        for (key, edit) in &args.edits {
            let Some(ns) = self.namespace().map(str::to_owned) else {
                break;
            };
            let bound = self.config.as_ref().is_some_and(|c| c.keys.contains(key));
            if !bound || self.acks.get(key) == Some(&edit.id) {
                continue;
            }
            if !is_shareable(&edit.v) {
                unshareable = true;
                continue;
            }
            let at = storage_key(&ns, key);
            if let Some(text) = stored(&at) {
                // Only its effect on the clock and replica matters: the write replaces it.
                let _ = self.load(&at, &text, now_ms);
            }
            let Some(clock) = self.clock.as_mut() else {
                break;
            };
            let stamp = clock.tick(now_ms);
            let envelope = Envelope {
                ns,
                key: key.clone(),
                value: edit.v.clone(),
                stamp: stamp.clone(),
            };
            self.replica.merge(key, edit.v.clone(), stamp);
            self.acks.insert(key.clone(), edit.id.clone());
            effects.push(Effect::Write {
                key: at,
                text: envelope.encode(),
            });
        }
        if unshareable {
            return Err(ArgsError::Unshareable);
        }
        Ok(effects)
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
                (
                    key.clone(),
                    DeliveredValue {
                        v: held.value.clone(),
                        s: held.stamp.to_string(),
                    },
                )
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
            ignored: self.ignored,
            error: self.error.clone(),
        })
    }
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
                        },
                    )
                })
                .collect(),
        }
    }

    fn stored(key: &str, value: Value, stamp: Stamp) -> (String, String) {
        let env = Envelope {
            ns: "gis".into(),
            key: key.into(),
            value,
            stamp,
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
        let Effect::Write { key, text } = &writes[0];
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
        let Effect::Write { text, .. } = &writes[0];
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
        let Effect::Write { text, .. } = &writes[0];
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
}
