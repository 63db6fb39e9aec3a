//! What one tab holds of the shared state: its clock, the newest value of each key, when each
//! expires, and which of those values it wrote itself.
//!
//! The [`Engine`](super::Engine) (storage, local edits) and the
//! [`RelaySync`](super::RelaySync) (the server relay) both work on it: an entry read from
//! storage and one read from the relay are accepted by the same [`Holdings::accept`], and a
//! local edit (stamped by the Python side) by [`Holdings::accept_own`].

use super::clock::{HybridClock, Stamp, MAX_WALL_MS};
use super::envelope::Envelope;
use super::error::DecodeError;
use super::json::Json;
use super::replica::{Merge, Replica};
use super::KeyMap;

/// What accepting an entry came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accepted {
    /// Merged into the replica, with this outcome.
    Merged(Merge),
    /// Expired: to be removed.
    Expired,
    /// Of another namespace, or before configuration: ignored.
    Foreign,
}

/// One tab's copy of the shared state (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Holdings {
    /// `None` until the first render args name the tab.
    clock: Option<HybridClock>,
    replica: Replica,
    /// The expiry time each held value's writer set (absent: none set).
    expiry: KeyMap<u64>,
    /// The stamp of this tab's own last write of each key.
    own_writes: KeyMap<Stamp>,
}

impl Holdings {
    /// Stamps with tab id `tab` from now on; a new id starts a new clock.
    pub(crate) fn set_tab(&mut self, tab: &str) {
        if self.clock.as_ref().map(HybridClock::tab) != Some(tab) {
            self.clock = Some(HybridClock::new(tab));
        }
    }

    /// Forgets every value (the namespace changed); the clock keeps its time.
    pub(crate) fn clear(&mut self) {
        self.replica.clear();
        self.own_writes.clear();
        self.expiry.clear();
    }

    /// The newest value of every key held.
    pub(crate) fn replica(&self) -> &Replica {
        &self.replica
    }

    /// Takes an entry of this tab's namespace: an expired one is reported as such, a stamp
    /// too far ahead is refused, anything else advances the clock and is merged.
    pub(crate) fn accept(
        &mut self,
        envelope: Envelope,
        ttl_ms: Option<u64>,
        now_ms: u64,
    ) -> Result<Accepted, DecodeError> {
        if is_expired(&envelope, ttl_ms, now_ms) {
            return Ok(Accepted::Expired);
        }
        let Some(clock) = self.clock.as_mut() else {
            return Ok(Accepted::Foreign);
        };
        if !clock.observe(&envelope.stamp, now_ms) {
            return Err(DecodeError::FromTheFuture);
        }
        let key = envelope.key;
        let merged = self.replica.merge(&key, envelope.value, envelope.stamp);
        if merged == Merge::Newer {
            self.set_expiry(key, envelope.expires);
        }
        Ok(Accepted::Merged(merged))
    }

    /// Takes this tab's own edit, stamped by the Python side (which observed every value it
    /// was shown, so the stamp is above them): merged like any entry, and remembered as the
    /// tab's own write when it is the newest. Its stamp moves the clock without the
    /// far-future check: render args come from Streamlit, not from another tab.
    pub(crate) fn accept_own(&mut self, envelope: Envelope) -> Merge {
        if let Some(clock) = self.clock.as_mut() {
            // As if it were now the end of time: no stamp is ahead of that.
            clock.observe(&envelope.stamp, u64::MAX);
        }
        let key = envelope.key;
        let stamp = envelope.stamp.clone();
        let merged = self.replica.merge(&key, envelope.value, envelope.stamp);
        if merged == Merge::Newer {
            self.set_expiry(key.clone(), envelope.expires);
            self.own_writes.insert(key, stamp);
        }
        merged
    }

    /// The entry of `key` as held, to write back unchanged (healing storage or the relay),
    /// unless it has expired or is not held.
    pub(crate) fn held_entry(
        &self,
        ns: &str,
        key: &str,
        ttl_ms: Option<u64>,
        now_ms: u64,
    ) -> Option<Envelope> {
        let held = self.replica.get(key)?;
        let expires = self.expiry.get(key).copied();
        let expires = expires.or(ttl_ms.map(|t| expiry_of(&held.stamp, t)));
        if expires.is_some_and(|x| x <= now_ms) {
            return None;
        }
        Some(Envelope {
            ns: ns.to_owned(),
            key: key.to_owned(),
            value: held.value.clone(),
            stamp: held.stamp.clone(),
            expires,
            route: None,
        })
    }

    /// True for a stamp this tab made, in this instance or an earlier one of the same tab
    /// (a component re-created by Streamlit keeps its tab id but not its memory).
    pub(crate) fn is_own(&self, stamp: &Stamp) -> bool {
        self.clock.as_ref().map(HybridClock::tab) == Some(stamp.tab.as_str())
    }

    /// The value that makes an edit based on `base` a conflict: one held under a stamp above
    /// both the base and this tab's own last write of the key, and not written by this tab
    /// (the edit itself may be held already: the relay's snapshot, which the Python side put
    /// it to, can come in the same render args).
    pub(crate) fn conflicting(&self, key: &str, base: Option<&str>) -> Option<Json> {
        let held = self.replica.get(key)?;
        if self.is_own(&held.stamp) {
            return None;
        }
        let base: Option<Stamp> = base.and_then(|b| b.parse().ok());
        let own = self.own_writes.get(key);
        let seen = base.as_ref().max(own);
        match seen {
            Some(seen) if held.stamp <= *seen => None,
            _ => Some(held.value.clone()),
        }
    }

    fn set_expiry(&mut self, key: String, expires: Option<u64>) {
        match expires {
            Some(x) => self.expiry.insert(key, x),
            None => self.expiry.remove(&key),
        };
    }
}

/// The expiry time of a value stamped `stamp` that lives `ttl_ms`: at most [`MAX_WALL_MS`],
/// which every reader takes (a time to live of thousands of centuries means forever).
fn expiry_of(stamp: &Stamp, ttl_ms: u64) -> u64 {
    stamp.wall.saturating_add(ttl_ms).min(MAX_WALL_MS)
}

/// Whether an entry has expired: by the time its writer set, or by this tab's own time to
/// live counted from its stamp.
fn is_expired(envelope: &Envelope, ttl_ms: Option<u64>, now_ms: u64) -> bool {
    let by_writer = envelope.expires.is_some_and(|x| x <= now_ms);
    let by_reader = ttl_ms.is_some_and(|t| envelope.stamp.wall.saturating_add(t) <= now_ms);
    by_writer || by_reader
}
