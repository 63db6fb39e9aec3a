//! Devices mode: one tab's side of the server relay, beside the [`Engine`](super::Engine).
//!
//! The Streamlit side hands the module what the relay holds for the namespace (a
//! [`RelaySnapshot`] in the render args) and takes back the entries the relay should store
//! (a delivery's `outbox`). Here:
//! * a snapshot is read like storage, as untrusted input: an entry newer than the tab's is
//!   merged and written to storage (so the browser's other tabs get it);
//! * every held entry the relay lacks or holds older goes to the outbox, so the relay heals
//!   towards the highest stamps as storage does;
//! * an edit the relay refused (`conflict="reject"`: another device wrote first) is taken
//!   back: the relay's value is written under a new stamp;
//! * each outbox entry rides along in every delivery until the Streamlit side says it has
//!   seen one that carried it ([`RelaySync::seen`]): Streamlit keeps only the latest
//!   component value.
//!
//! The engine owns one and hands it the tab's `Holdings` (`holdings.rs`) to work on; everything that is
//! only about the relay lives here.

use super::engine::{Config, Effect};
use super::envelope::{storage_key, Envelope};
use super::holdings::{Accepted, Holdings};
use super::protocol::{ConflictPolicy, OutboxItem, RelaySnapshot};
use super::replica::{Merge, Versioned};
use super::{KeyMap, KeySet};

/// The relay state of one tab (see the module docs).
#[derive(Debug, Default)]
pub struct RelaySync {
    /// Entries for the relay, each with the number of the delivery that first carried it
    /// (`None`: not delivered yet).
    outbox: Vec<(OutboxItem, Option<u64>)>,
    /// The snapshot last examined, so an unchanged one costs nothing.
    last: Option<RelaySnapshot>,
    /// Ids of edits the relay refused that were already handled.
    refused_seen: KeySet,
    /// The base (stamp text) of this tab's last write of each key, so that under
    /// `conflict="reject"` a resend to the relay is the same compare-and-set as the edit.
    written_on: KeyMap<Option<String>>,
}

/// The part of the engine's state a snapshot is examined against.
pub(crate) struct Tab<'a> {
    /// The configuration of the latest render args.
    pub(crate) config: &'a Config,
    /// The tab's copy of the shared state.
    pub(crate) held: &'a mut Holdings,
    /// Ids of the local edits already handled, per key.
    pub(crate) acks: &'a KeyMap<String>,
    /// The wall clock.
    pub(crate) now_ms: u64,
}

/// What examining a snapshot came to, for the engine to fold into its own state.
#[derive(Debug, Default)]
pub(crate) struct Examined {
    /// Storage writes to make (newer relay entries, values taken back).
    pub(crate) writes: Vec<Effect>,
    /// How many of the relay's entries were ignored as invalid.
    pub(crate) ignored: u64,
    /// Whether a bound key got a newer value: a delivery is due.
    pub(crate) news: bool,
}

impl RelaySync {
    /// Examines what the relay holds (see the module docs); an unchanged snapshot is skipped.
    pub(crate) fn examine(&mut self, snapshot: &RelaySnapshot, mut tab: Tab<'_>) -> Examined {
        let mut out = Examined::default();
        if self.last.as_ref() == Some(snapshot) {
            return out;
        }
        self.last = Some(snapshot.clone());
        let mut relay_has = read_entries(snapshot, &mut tab, &mut out);
        for id in &snapshot.refused {
            self.refused(id, &mut tab, &mut relay_has, &mut out);
        }
        self.resend_behind(&tab, &relay_has);
        out
    }

    /// Handles one refused edit, once its key and the relay's winning value are known.
    fn refused(
        &mut self,
        id: &str,
        tab: &mut Tab<'_>,
        relay_has: &mut KeyMap<Versioned>,
        out: &mut Examined,
    ) {
        if self.refused_seen.contains_key(id) {
            return;
        }
        let Some(key) = tab
            .acks
            .iter()
            .find(|(_, a)| *a == id)
            .map(|(k, _)| k.clone())
        else {
            return;
        };
        let Some(theirs) = relay_has.get(&key).cloned() else {
            return; // the relay's value has not reached this snapshot yet: next one
        };
        // Handled once, and only once the winner is known.
        self.refused_seen.insert(id.to_owned(), ());
        let Some(envelope) = self.take_back(tab, &key, theirs) else {
            return;
        };
        let text = envelope.encode();
        out.news = true;
        out.writes.push(Effect::Write {
            key: storage_key(&tab.config.ns, &key),
            text: text.clone(),
        });
        self.push(text, None, false, None);
        let Envelope { value, stamp, .. } = envelope;
        relay_has.insert(key, Versioned { value, stamp });
    }

    /// Takes the relay's value of `key` back after the relay refused this tab's edit
    /// (another device wrote first): the value is written under a new stamp, so it wins in
    /// this browser as it did on the relay. The Python side reports the conflict: it saw the
    /// refusal, with both values, when it handed the edit over. Returns the entry, or `None`
    /// when there is nothing to take back.
    fn take_back(&mut self, tab: &mut Tab<'_>, key: &str, theirs: Versioned) -> Option<Envelope> {
        let (config, held) = (tab.config, &mut *tab.held);
        let mine = held.replica().get(key)?;
        // Nothing to take back when the relay's value (or a newer one) already won here, or
        // when this tab took it back already (perhaps in an instance Streamlit re-created).
        if !held.is_own(&mine.stamp) || mine.value == theirs.value {
            return None;
        }
        let envelope = held.write_own(&config.ns, key, theirs.value, config.ttl_ms, tab.now_ms)?;
        // Made on the relay's value: a resend passes the relay's check.
        self.written_on
            .insert(key.to_owned(), Some(theirs.stamp.text()));
        Some(envelope)
    }

    /// Puts every held entry that the relay lacks or holds older in the outbox.
    fn resend_behind(&mut self, tab: &Tab<'_>, relay_has: &KeyMap<Versioned>) {
        let (config, held) = (tab.config, &*tab.held);
        let reject = config.conflict == ConflictPolicy::Reject;
        for (key, mine) in held.replica().iter() {
            if relay_has.get(key).is_some_and(|r| r.stamp >= mine.stamp) {
                continue;
            }
            // Under reject, a resend is the compare-and-set its edit was: a refused edit must
            // not win by being resent. Values other tabs wrote are left to their writers.
            let cas = if reject {
                if !held.is_own(&mine.stamp) {
                    continue;
                }
                Some(self.written_on.get(key).cloned().flatten())
            } else {
                None
            };
            if let Some(envelope) = held.held_entry(&config.ns, key, config.ttl_ms, tab.now_ms) {
                self.push(
                    envelope.encode(),
                    cas.clone().flatten(),
                    cas.is_some(),
                    None,
                );
            }
        }
    }

    /// Records a local edit written as `text`: it goes to the relay, a compare-and-set
    /// against `base` when `compare`.
    pub(crate) fn edit_written(
        &mut self,
        key: &str,
        text: String,
        base: Option<String>,
        compare: bool,
        id: String,
    ) {
        self.written_on.insert(key.to_owned(), base.clone());
        self.push(text, base.filter(|_| compare), compare, Some(id));
    }

    fn push(&mut self, e: String, base: Option<String>, cas: bool, id: Option<String>) {
        self.outbox.push((OutboxItem { e, base, cas, id }, None));
    }

    /// True while some outbox entry has not been carried by a delivery yet.
    pub fn has_unsent(&self) -> bool {
        self.outbox.iter().any(|(_, first)| first.is_none())
    }

    /// The outbox to carry in delivery number `delivery`, oldest first.
    pub(crate) fn hand_over(&mut self, delivery: u64) -> Vec<OutboxItem> {
        let mut items = Vec::with_capacity(self.outbox.len());
        for (item, first) in &mut self.outbox {
            first.get_or_insert(delivery);
            items.push(item.clone());
        }
        items
    }

    /// Takes the number of the last delivery the Streamlit side has seen: the outbox entries
    /// it carried have been handed to the relay and are dropped.
    pub fn seen(&mut self, delivery: u64) {
        self.outbox
            .retain(|(_, first)| first.is_none_or(|f| f > delivery));
    }
}

/// Reads the snapshot's entries like stored ones (invalid ones and those of another
/// namespace are counted and skipped), merging the newer into the tab's holdings. Returns what the relay
/// holds of each key.
fn read_entries(
    snapshot: &RelaySnapshot,
    tab: &mut Tab<'_>,
    out: &mut Examined,
) -> KeyMap<Versioned> {
    let config = tab.config;
    let mut relay_has = KeyMap::new();
    for text in &snapshot.entries {
        let Ok(envelope) = Envelope::decode(text) else {
            out.ignored += 1;
            continue;
        };
        if envelope.ns != config.ns {
            out.ignored += 1; // an entry of another namespace cannot stand in for ours
            continue;
        }
        let bound = config.keys.contains_key(&envelope.key);
        let key = envelope.key.clone();
        let seen = Versioned {
            value: envelope.value.clone(),
            stamp: envelope.stamp.clone(),
        };
        match tab.held.accept(envelope, config.ttl_ms, tab.now_ms) {
            Ok(Accepted::Merged(Merge::Newer)) => {
                out.news |= bound;
                out.writes.push(Effect::Write {
                    key: storage_key(&config.ns, &key),
                    text: text.clone(),
                });
            }
            Ok(_) => {}
            Err(_) => {
                out.ignored += 1;
                continue;
            }
        }
        relay_has.insert(key, seen);
    }
    relay_has
}
