//! Devices mode: one tab's side of the server relay, beside the [`Engine`](super::Engine).
//!
//! The Streamlit side hands the module what the relay holds for the namespace (a
//! [`RelaySnapshot`] in the render args) and takes back the entries the relay should store
//! (a delivery's `outbox`). Here:
//! * a snapshot is read like storage, as untrusted input: an entry newer than the tab's is
//!   merged and written to storage (so the browser's other tabs get it);
//! * no delivery is made for it: the snapshot came with the run of the Python side that
//!   applied what was news in it (`ChannelState.take_relay`);
//! * every held entry the relay lacks or holds older goes to the outbox, so the relay heals
//!   towards the highest stamps as storage does (the Python side puts this tab's edits to
//!   the relay itself, in the run that makes them: the outbox is for what the relay missed,
//!   after an outage or from a tab that synced without it);
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
use super::KeyMap;

/// The relay state of one tab (see the module docs).
#[derive(Debug, Default)]
pub struct RelaySync {
    /// Entries for the relay, each with the number of the delivery that first carried it
    /// (`None`: not delivered yet).
    outbox: Vec<(OutboxItem, Option<u64>)>,
    /// The snapshot last examined, so an unchanged one costs nothing.
    last: Option<RelaySnapshot>,
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
    /// The wall clock.
    pub(crate) now_ms: u64,
}

/// What examining a snapshot came to, for the engine to fold into its own state.
#[derive(Debug, Default)]
pub(crate) struct Examined {
    /// Storage writes to make (the relay's newer entries).
    pub(crate) writes: Vec<Effect>,
    /// How many of the relay's entries were ignored as invalid.
    pub(crate) ignored: u64,
}

impl RelaySync {
    /// Examines what the relay holds (see the module docs); an unchanged snapshot is skipped.
    pub(crate) fn examine(&mut self, snapshot: &RelaySnapshot, mut tab: Tab<'_>) -> Examined {
        let mut out = Examined::default();
        if self.last.as_ref() == Some(snapshot) {
            return out;
        }
        self.last = Some(snapshot.clone());
        let relay_has = read_entries(snapshot, &mut tab, &mut out);
        self.resend_behind(&tab, &relay_has);
        out
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

    /// Records a local edit written, made on `base`: a resend of it to the relay (after an
    /// outage) is the same compare-and-set the Python side made.
    pub(crate) fn edit_written(&mut self, key: &str, base: Option<String>) {
        self.written_on.insert(key.to_owned(), base);
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
        let key = envelope.key.clone();
        let seen = Versioned {
            value: envelope.value.clone(),
            stamp: envelope.stamp.clone(),
        };
        match tab.held.accept(envelope, config.ttl_ms, tab.now_ms) {
            Ok(Accepted::Merged(Merge::Newer)) => {
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
