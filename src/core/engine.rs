//! The sync engine of one tab: render args and storage changes in, effects out.
//!
//! The browser layer feeds it what happens (a render from Streamlit, a `storage` event, the
//! stored entries at mount) and carries out what it returns: storage writes and deliveries to
//! Streamlit. Keeping this logic here keeps it testable without a browser.
//!
//! Rules that keep tabs in step without rerun loops:
//! * a local edit comes in the render args as the entry the Python side stamped (above every
//!   value it was shown) and is checked and written as it is, once: its id is remembered as
//!   an *ack*; a newer entry this tab holds and Python was not shown yet wins over it;
//! * an entry whose route (`r`) is the one this session is reached by comes to the Python
//!   side through the server: it makes no delivery, unless the render args still lack it
//!   when the bridge gives up waiting ([`Engine::server_late`]);
//! * a delivery is made on the first render (the state at mount) and afterwards only when a
//!   bound key got a newer value from another tab; never for this tab's own writes;
//! * a delivery carries the newest value of every bound key and the acks, so Streamlit can
//!   tell a delivery made before its latest edit was written (see the Python `_state` module);
//! * storage heals towards the highest stamp: before a write the engine reads the stored
//!   entry (so the newer of the two is written), and when storage is seen holding an older entry than
//!   this tab has (two tabs wrote at once, or an event was missed), the tab writes its newer
//!   entry back unchanged, so a tab opened later reads the same state as the open ones.
//!
//! An edit is applied in two steps, [`Engine::begin_edits`] then [`Engine::commit`], so the
//! browser layer can run the second under a cross-tab lock: with [`ConflictPolicy::Reject`]
//! the commit is a compare-and-set against the stamp the edit was based on.
//!
//! The tab's copy of the shared state (clock, replica, expiry, own writes) is a `Holdings`
//! (`holdings.rs`); in devices mode the engine's [`RelaySync`] works on the same copy for
//! the server relay (snapshots in, outbox out), and everything only the relay needs lives
//! there.

use std::collections::VecDeque;

use super::clock::Stamp;
use super::envelope::{is_valid_key, is_valid_name, storage_key, Envelope, KEY_PREFIX};
use super::error::{ArgsError, DecodeError};
use super::health::Health;
use super::holdings::{Accepted, Holdings};
use super::json::write;
use super::protocol::{
    Conflict, ConflictPolicy, DeliveredValue, Delivery, RelaySnapshot, RenderArgs, Status,
    PROTOCOL_VERSION,
};
use super::relay_sync::{RelaySync, Tab};
use super::replica::{Merge, Replica};
use super::{KeyMap, KeySet};

/// How many recent conflicts a delivery carries (the Streamlit side keeps only the latest
/// delivery, so each one repeats the recent ones; Python drops those it has seen).
pub const MAX_REPORTED_CONFLICTS: usize = 16;

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
    /// Id of the edit.
    pub id: String,
    /// The edit's entry, checked.
    pub envelope: Envelope,
    /// The entry's text, written as it is.
    pub text: String,
    /// Stamp (text form) of the shared value the edit was made on, if any.
    pub base: Option<String>,
    /// Whether the commit must be a compare-and-set (run it under a cross-tab lock).
    pub compare: bool,
}

/// The configuration taken from the latest render args.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Config {
    pub(crate) ns: String,
    /// `tabsync:v1:<ns>:`, built once: every storage event is tested against it.
    pub(crate) prefix: String,
    pub(crate) keys: KeySet,
    pub(crate) ttl_ms: Option<u64>,
    pub(crate) conflict: ConflictPolicy,
    pub(crate) resend: u64,
    pub(crate) devices: bool,
    /// The server route this session is reached by, while it works.
    pub(crate) route: Option<String>,
}

/// One tab's sync engine.
#[derive(Debug)]
pub struct Engine {
    instance: String,
    config: Option<Config>,
    /// The clock, the newest value of each key, their expiry and which are this tab's own.
    held: Holdings,
    acks: KeyMap<String>,
    in_flight: KeySet,
    /// Storage keys whose write failed, to try again.
    /// Storage keys whose write failed, with the text that failed (tried again as it was,
    /// unless a newer value is held by then).
    unsaved: KeyMap<String>,
    conflicts: VecDeque<Conflict>,
    health: Health,
    /// Why the latest render args were refused, until args are accepted again.
    args_error: Option<String>,
    ignored: u64,
    deliveries: u64,
    news: bool,
    /// The peer count and leadership to report ([`Engine::set_presence`]).
    presence: (Option<u32>, Option<bool>),
    /// Devices mode: the server relay's side of this tab (snapshots, the outbox).
    relay: RelaySync,
    /// Bound keys whose newer entry came by this session's server route, with its stamp:
    /// the Python side gets it from the server, so it makes no delivery unless late.
    awaiting: KeyMap<Stamp>,
    /// What the Python side holds (`have` of the latest render args): an entry it holds
    /// already is no news, whichever came first, the server's run or the storage event.
    have: KeyMap<Stamp>,
}

impl Engine {
    /// A new engine; `instance` makes its delivery ids unique (one per component instance).
    pub fn new(instance: impl Into<String>) -> Self {
        Engine {
            instance: instance.into(),
            config: None,
            held: Holdings::default(),
            acks: KeyMap::new(),
            in_flight: KeySet::new(),
            unsaved: KeyMap::new(),
            conflicts: VecDeque::new(),
            health: Health::default(),
            args_error: None,
            ignored: 0,
            deliveries: 0,
            news: false,
            presence: (None, None),
            relay: RelaySync::default(),
            awaiting: KeyMap::new(),
            have: KeyMap::new(),
        }
    }

    /// The namespace, once configured.
    pub fn namespace(&self) -> Option<&str> {
        self.config.as_ref().map(|c| c.ns.as_str())
    }

    /// The storage key prefix of this engine's namespace, once configured.
    pub fn namespace_prefix(&self) -> Option<&str> {
        self.config.as_ref().map(|c| c.prefix.as_str())
    }

    /// Ids of the local edits already handled, per key (kept across iframe re-creation).
    pub fn acks(&self) -> &KeyMap<String> {
        &self.acks
    }

    /// Restores acks saved by an earlier instance in this tab, so its edits are not rewritten.
    pub fn restore_acks(&mut self, acks: KeyMap<String>) {
        self.acks = acks;
    }

    /// The tab's view of the shared state: the newest value of every key it has seen.
    pub fn replica(&self) -> &Replica {
        self.held.replica()
    }

    /// How many entries from storage were ignored as invalid.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    /// Takes new render args. Returns `Ok(true)` when the namespace is new, in which case the
    /// browser layer must feed the stored entries of the namespace through [`Engine::load`]
    /// before handling the edits.
    pub fn configure(&mut self, args: &RenderArgs) -> Result<bool, ArgsError> {
        if args.v != PROTOCOL_VERSION {
            return Err(ArgsError::Version(args.v));
        }
        if !is_valid_name(&args.ns) || !is_valid_name(&args.tab) {
            return Err(ArgsError::BadName);
        }
        self.args_error = None;
        let mut keys = KeySet::new();
        for key in args.keys.iter().filter(|k| is_valid_key(k)) {
            keys.insert(key.clone(), ());
        }
        self.held.set_tab(&args.tab);
        let fresh = self.namespace() != Some(args.ns.as_str());
        if fresh {
            self.held.clear();
            self.unsaved.clear();
            self.relay = RelaySync::default();
            self.awaiting.clear();
            self.have.clear();
            self.news = true;
        } else if self.config.as_ref().map(|c| &c.keys) != Some(&keys)
            || self.config.as_ref().map(|c| c.resend) != Some(args.resend)
        {
            // Newly bound keys may already have values the Streamlit side has not seen; a
            // new resend count asks for every value again.
            self.news = true;
        }
        let mut prefix = storage_key(&args.ns, "");
        prefix.shrink_to_fit();
        self.config = Some(Config {
            prefix,
            ns: args.ns.clone(),
            keys,
            ttl_ms: args.ttl_ms.filter(|t| *t > 0),
            conflict: args.conflict,
            resend: args.resend,
            devices: args.devices,
            route: args.route.clone().filter(|r| is_valid_name(r)),
        });
        self.settle_awaited(&args.have);
        Ok(fresh)
    }

    /// Takes what the Streamlit side holds (the render args' `have`), and forgets the
    /// awaited entries it holds now (or holds newer).
    fn settle_awaited(&mut self, have: &KeyMap<String>) {
        self.have.clear();
        for (key, stamp) in have.iter() {
            if let Ok(stamp) = stamp.parse::<Stamp>() {
                self.have.insert(key.clone(), stamp);
            }
        }
        let settled: Vec<String> = self
            .awaiting
            .iter()
            .filter(|(key, awaited)| self.python_has(key, awaited))
            .map(|(key, _)| key.clone())
            .collect();
        for key in settled {
            self.awaiting.remove(&key);
        }
    }

    /// Whether the Streamlit side holds `stamp` (or newer) for `key`.
    fn python_has(&self, key: &str, stamp: &Stamp) -> bool {
        self.have.get(key).is_some_and(|held| held >= stamp)
    }

    /// True while some entry that came by this session's server route is not known to have
    /// reached the Streamlit side: the bridge gives the server a while, then calls
    /// [`Engine::server_late`].
    pub fn awaits_server(&self) -> bool {
        !self.awaiting.is_empty()
    }

    /// The server did not bring the awaited entries in time (its rerun of this session was
    /// lost, or the session is busy): a delivery carries them after all.
    pub fn server_late(&mut self) {
        if !self.awaiting.is_empty() {
            self.awaiting.clear();
            self.news = true;
        }
    }

    /// Merges one stored entry found at mount (or on a re-read, or an event). Invalid entries
    /// are counted and ignored. Returns the storage repair to make, if any: the removal of an
    /// expired entry, or this tab's newer entry when storage holds an older one.
    pub fn load(&mut self, storage_key: &str, text: &str, now_ms: u64) -> Option<Effect> {
        let accepted = Envelope::decode_at(storage_key, text).and_then(|e| self.accept(e, now_ms));
        match accepted {
            Ok(Accepted::Merged(Merge::Stale)) => self.reseed(storage_key, now_ms),
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

    /// The write that puts this tab's entry back under `storage_key` (its newer entry over an
    /// older one, or a removed or unsaved one), unless the value has expired.
    fn reseed(&self, storage_key: &str, now_ms: u64) -> Option<Effect> {
        let config = self.config.as_ref()?;
        let rest = storage_key.strip_prefix(KEY_PREFIX)?;
        let key = rest.strip_prefix(config.ns.as_str())?.strip_prefix(':')?;
        let envelope = self
            .held
            .held_entry(&config.ns, key, config.ttl_ms, now_ms)?;
        Some(Effect::Write {
            key: storage_key.to_owned(),
            text: envelope.encode(),
        })
    }

    /// Writes for every held key whose write failed, to try again (for example once space
    /// was freed).
    pub fn retry_unsaved(&self, now_ms: u64) -> Vec<Effect> {
        self.unsaved
            .iter()
            .filter_map(|(key, text)| self.retry(key, text, now_ms))
            .collect()
    }

    /// The write that tries `text` under `storage_key` again: the same text while it holds
    /// the value held (an edit's entry keeps its route), else the held entry.
    fn retry(&self, storage_key: &str, text: &str, now_ms: u64) -> Option<Effect> {
        let failed = Envelope::decode(text).ok()?;
        let same = self
            .held
            .replica()
            .get(&failed.key)
            .is_some_and(|held| held.stamp == failed.stamp);
        let live = failed.expires.is_none_or(|x| x > now_ms);
        if same && live {
            return Some(Effect::Write {
                key: storage_key.to_owned(),
                text: text.to_owned(),
            });
        }
        self.reseed(storage_key, now_ms)
    }

    /// True while some held value could not be written to storage.
    pub fn has_unsaved(&self) -> bool {
        !self.unsaved.is_empty()
    }

    /// Handles a `storage` event: `key` is `None` after `localStorage.clear()`, `new_value`
    /// is `None` after a removal. A newer value of a bound key makes a delivery due
    /// ([`Engine::has_news`]). The returned writes repair storage: a clear or a removal of
    /// this namespace's entries takes nothing from this tab, which writes its values back so
    /// that a tab opened later still gets them.
    pub fn on_storage(
        &mut self,
        key: Option<&str>,
        new_value: Option<&str>,
        now_ms: u64,
    ) -> Vec<Effect> {
        let (Some(ns), Some(prefix)) = (self.namespace(), self.namespace_prefix()) else {
            return Vec::new();
        };
        match (key, new_value) {
            (None, _) => self.held_entries(ns, now_ms),
            (Some(key), _) if !key.starts_with(prefix) => Vec::new(),
            (Some(key), None) => self.reseed(key, now_ms).into_iter().collect(),
            (Some(key), Some(text)) => self.load(key, text, now_ms).into_iter().collect(),
        }
    }

    /// Writes of every unexpired entry this tab holds in its namespace: what it puts back
    /// after a clear, and what it tells a tab that joins when there is no storage.
    pub fn entries_to_share(&self, now_ms: u64) -> Vec<Effect> {
        match self.namespace() {
            Some(ns) => self.held_entries(ns, now_ms),
            None => Vec::new(),
        }
    }

    fn held_entries(&self, ns: &str, now_ms: u64) -> Vec<Effect> {
        self.held
            .replica()
            .iter()
            .filter_map(|(k, _)| self.reseed(&storage_key(ns, k), now_ms))
            .collect()
    }

    /// Takes an entry read from storage (or another tab): one of another namespace is
    /// foreign, a newer value of a bound key is news, unless it came by this session's
    /// server route (then it is awaited from the server).
    fn accept(&mut self, envelope: Envelope, now_ms: u64) -> Result<Accepted, DecodeError> {
        let Some(config) = self.config.as_ref() else {
            return Ok(Accepted::Foreign);
        };
        if config.ns != envelope.ns {
            return Ok(Accepted::Foreign);
        }
        let bound = config.keys.contains_key(&envelope.key);
        let routed = envelope.route.is_some() && envelope.route == config.route;
        let (key, stamp) = (envelope.key.clone(), envelope.stamp.clone());
        let accepted = self.held.accept(envelope, config.ttl_ms, now_ms)?;
        if accepted == Accepted::Merged(Merge::Newer) && bound {
            if routed && self.python_has(&key, &stamp) {
                // The server's run brought it before the storage event did.
            } else if routed {
                self.awaiting.insert(key, stamp);
            } else {
                self.news = true;
            }
        }
        Ok(accepted)
    }

    /// Takes the local edits of `args` not yet handled (nor being handled). Each is to be
    /// finished with [`Engine::commit`]; until then it is not taken again.
    ///
    /// An edit whose value cannot be shared (too large or too deep) is refused on its own:
    /// it is acknowledged (so it is not taken again), its key is named in the reported error,
    /// and the tab keeps the value locally. The other edits of the same render go ahead.
    pub fn begin_edits(&mut self, args: &RenderArgs) -> Vec<PendingEdit> {
        let Some(config) = self.config.as_ref() else {
            return Vec::new();
        };
        let mut pending = Vec::new();
        let mut refused = Vec::new();
        for (key, edit) in &args.edits {
            if !config.keys.contains_key(key)
                || self.acks.get(key) == Some(&edit.id)
                || self.in_flight.contains_key(&edit.id)
            {
                continue;
            }
            let envelope = match own_entry(&edit.e, &config.ns, key, &args.tab) {
                Ok(envelope) => envelope,
                Err(why) => {
                    refused.push((key.clone(), edit.id.clone(), why));
                    continue;
                }
            };
            self.in_flight.insert(edit.id.clone(), ());
            pending.push(PendingEdit {
                key: key.clone(),
                storage_key: storage_key(&config.ns, key),
                id: edit.id.clone(),
                envelope,
                text: edit.e.clone(),
                base: edit.base.clone(),
                compare: config.conflict == ConflictPolicy::Reject,
            });
        }
        for (key, id, why) in refused {
            let mut reason = String::from("the value of '");
            reason.push_str(&key);
            reason.push_str(why);
            self.acks.insert(key, id);
            self.health.note(&reason);
            self.news = true;
        }
        pending
    }

    /// Finishes one edit given the text now stored under its key (read inside the lock for a
    /// compare-and-set). Returns the write to make: the edit's entry as it is, unless it was
    /// refused as a conflict (the stored value is then delivered, with the conflict) or a
    /// newer entry is held (which the Streamlit side then gets).
    pub fn commit(
        &mut self,
        pending: PendingEdit,
        stored: Option<&str>,
        now_ms: u64,
    ) -> Option<Effect> {
        self.in_flight.remove(&pending.id);
        if self
            .namespace_prefix()
            .map(|p| pending.storage_key.starts_with(p))
            != Some(true)
        {
            return None; // the namespace changed meanwhile
        }
        if let Some(text) = stored {
            // Only its effect on the clock and replica matters: the write replaces it.
            let _ = self.load(&pending.storage_key, text, now_ms);
        }
        let key = pending.key;
        self.acks.insert(key.clone(), pending.id.clone());
        if pending.compare {
            if let Some(theirs) = self.held.conflicting(&key, pending.base.as_deref()) {
                self.report_conflict(Conflict {
                    key,
                    id: pending.id,
                    mine: pending.envelope.value,
                    theirs,
                });
                return None;
            }
        }
        let config = self.config.as_ref()?;
        if config.devices {
            self.relay.edit_written(&key, pending.base);
        }
        match self.held.accept_own(pending.envelope) {
            Merge::Newer => Some(Effect::Write {
                key: pending.storage_key,
                text: pending.text,
            }),
            _ => None,
        }
    }

    /// Keeps a refused edit for the next deliveries, the most recent ones only.
    fn report_conflict(&mut self, conflict: Conflict) {
        self.conflicts.push_back(conflict);
        while self.conflicts.len() > MAX_REPORTED_CONFLICTS {
            self.conflicts.pop_front();
        }
        self.news = true;
    }

    /// Both steps at once, for callers without a lock: takes the edits of `args` and commits
    /// each against `stored`, which reads the text under a storage key.
    pub fn apply_edits(
        &mut self,
        args: &RenderArgs,
        now_ms: u64,
        stored: impl Fn(&str) -> Option<String>,
    ) -> Vec<Effect> {
        let pending = self.begin_edits(args);
        pending
            .into_iter()
            .filter_map(|p| {
                let text = stored(&p.storage_key);
                self.commit(p, text.as_deref(), now_ms)
            })
            .collect()
    }

    /// Takes what the server relay holds for this namespace (devices mode), through this
    /// tab's [`RelaySync`]: each entry is read like a stored one (invalid ones are counted and
    /// ignored); one newer than the tab's is merged and returned as a storage write, so the
    /// browser's other tabs get it. No delivery is due for it: the snapshot came with the
    /// Python side's run that applied it. Every held entry that the relay lacks or holds older goes
    /// to the outbox: the relay heals towards the highest stamps, as storage does. An
    /// unchanged snapshot is skipped.
    pub fn relay(&mut self, snapshot: &RelaySnapshot, now_ms: u64) -> Vec<Effect> {
        let Some(config) = self.config.as_ref() else {
            return Vec::new(); // the first configuration starts a fresh relay state anyway
        };
        let tab = Tab {
            config,
            held: &mut self.held,
            now_ms,
        };
        let examined = self.relay.examine(snapshot, tab);
        self.ignored += examined.ignored;
        examined.writes
    }

    /// Records that the write under `storage_key` failed: the tab keeps its value, the status
    /// becomes degraded, and [`Engine::retry_unsaved`] will try again.
    pub fn write_failed(&mut self, storage_key: &str, text: &str, reason: &str) {
        self.unsaved.insert(storage_key.to_owned(), text.to_owned());
        // Only a change of status or reason is news: retries that keep failing the same way
        // must not rerun the tab's script each time.
        self.news |= self.health.write_failed(reason);
    }

    /// Counts an entry the browser layer found malformed before decoding (for example text
    /// that is not valid UTF-16), so it is reported like any other ignored entry.
    pub fn count_ignored(&mut self) {
        self.ignored += 1;
    }

    /// Records that the write under `storage_key` succeeded: once nothing is left unsaved, a
    /// degraded tab is live again.
    pub fn write_succeeded(&mut self, storage_key: &str) {
        self.unsaved.remove(storage_key);
        if self.unsaved.is_empty() && self.health.all_saved() {
            self.news = true;
        }
    }

    /// Records that storage is unavailable but the open tabs can still reach each other (over
    /// `BroadcastChannel`): sync goes on live, nothing persists, and the status stays
    /// degraded with `reason`.
    pub fn storage_replaced(&mut self, reason: &str) {
        self.health.storage_replaced(reason);
        self.news = true;
    }

    /// Records that storage is unavailable: the tab works on its own.
    pub fn storage_blocked(&mut self, reason: &str) {
        self.health.storage_blocked(reason);
        self.news = true;
    }

    /// Takes the id of the last delivery the Streamlit side has seen: the outbox entries it
    /// carried have been handed to the relay and are dropped.
    pub fn seen(&mut self, id: &str) {
        let Some(number) = id
            .strip_prefix(self.instance.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            return; // another instance's delivery (before a re-creation): nothing of ours
        };
        self.relay.seen(number);
    }

    /// Takes the peer count and leadership to report (`None`: unknown, or presence off). A
    /// change makes a delivery due; the same figures again make none, so a tab reruns once
    /// per change of who is here, never for a recount that found nothing new.
    pub fn set_presence(&mut self, peers: Option<u32>, leader: Option<bool>) {
        if self.presence != (peers, leader) {
            self.presence = (peers, leader);
            self.news = true;
        }
    }

    /// Makes a delivery due again with the current state (a delivery that was not seen).
    pub fn redeliver(&mut self) {
        self.news = true;
    }

    /// Records a problem worth reporting that changes nothing else. A new reason makes a
    /// delivery due, so it reaches the app even when nothing else happens.
    pub fn note(&mut self, reason: &str) {
        self.news |= self.health.note(reason);
    }

    /// Records that render args could not be read or were refused (`reason` says why): the
    /// next delivery reports it (status blocked, no values) instead of leaving the Streamlit
    /// side waiting for a first delivery that never comes. Args accepted later clear it.
    pub fn args_refused(&mut self, reason: &str) {
        if self.args_error.as_deref() != Some(reason) {
            self.args_error = Some(reason.to_owned());
            self.news = true;
        }
    }

    /// True when a delivery is due (news since the last one, or none made yet).
    pub fn has_news(&self) -> bool {
        (self.news || self.relay.has_unsent())
            && (self.config.is_some() || self.args_error.is_some())
    }

    /// The delivery due, if any: the newest value of every bound key and the acks.
    pub fn take_delivery(&mut self) -> Option<Delivery> {
        if !self.has_news() {
            return None;
        }
        let quiet = !self.news;
        self.news = false;
        self.deliveries += 1;
        let mut id = self.instance.clone();
        id.push('-');
        write::uint(&mut id, self.deliveries);
        if let Some(reason) = &self.args_error {
            return Some(refused_args_delivery(id, reason.clone(), self.ignored));
        }
        let config = self.config.as_ref()?;
        // Both sources iterate in key order, so each insert appends.
        let mut values = KeyMap::new();
        for (key, held) in self.held.replica().iter() {
            if config.keys.contains_key(key) {
                let value = DeliveredValue {
                    t: held.value.clone(),
                    s: held.stamp.text(),
                };
                values.insert(key.clone(), value);
            }
        }
        let mut acks = KeyMap::new();
        for (key, id) in self.acks.iter() {
            if config.keys.contains_key(key) {
                acks.insert(key.clone(), id.clone());
            }
        }
        Some(Delivery {
            v: PROTOCOL_VERSION,
            id,
            ns: Some(config.ns.clone()),
            status: self.health.status(),
            values,
            acks,
            conflicts: self.conflicts.iter().cloned().collect(),
            ignored: self.ignored,
            error: self.health.error().map(str::to_owned),
            peers: self.presence.0,
            leader: self.presence.1,
            outbox: self.relay.hand_over(self.deliveries),
            quiet,
            browser: None,
        })
    }
}

/// The delivery that reports render args the module could not read: status blocked, no
/// values, only the reason.
fn refused_args_delivery(id: String, reason: String, ignored: u64) -> Delivery {
    Delivery {
        v: PROTOCOL_VERSION,
        id,
        ns: None,
        status: Status::Blocked,
        values: KeyMap::new(),
        acks: KeyMap::new(),
        conflicts: Vec::new(),
        ignored,
        error: Some(reason),
        peers: None,
        leader: None,
        outbox: Vec::new(),
        quiet: false,
        browser: None,
    }
}

/// The entry of a local edit, checked: well-formed, shareable, and of this tab's namespace,
/// key and tab id (render args come from Streamlit, but the check costs little and keeps a
/// mismatched release from writing another key). The error is the end of the reason
/// reported for the key.
fn own_entry(text: &str, ns: &str, key: &str, tab: &str) -> Result<Envelope, &'static str> {
    let envelope = Envelope::decode(text)
        .map_err(|_| "' cannot be shared (too large or too deep); kept in this tab only")?;
    if envelope.ns != ns || envelope.key != key || envelope.stamp.tab != tab {
        return Err("' came in an entry of another key or tab; kept in this tab only");
    }
    Ok(envelope)
}
