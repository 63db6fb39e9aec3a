//! Who else is here: the bookkeeping behind a tab's peer count and leadership.
//!
//! The browser's lock manager (Web Locks) is the source of truth, because it is the one
//! thing every tab of the origin shares whose state the browser itself keeps honest: a lock
//! is released the moment its holder's document goes away, whether the tab was closed, its
//! process was killed or it crashed. Each live instance of a namespace holds the exclusive
//! lock [`here_lock`]`(ns, id)` for its life (and drops it while frozen), and competes for
//! [`lead_lock`]`(ns)`, which the browser grants to one waiter at a time.
//!
//! * A **count** is a snapshot of the lock names held exclusively (`navigator.locks.query()`):
//!   the peers are the other ids holding a presence lock of the namespace. Counts are taken when this
//!   instance starts, when another one says it has joined, and when a peer is seen to go.
//! * A **watch** on a peer is a request for the peer's own presence lock in shared mode: the
//!   browser grants it exactly when the peer lets go, which is how a departure is noticed
//!   without any timer; being shared, a granted watch never shows up in a count.
//!
//! Counts and watches resolve asynchronously and in any order; [`Presence`] decides what
//! they mean. This module is pure: the browser layer (`crate::bridge::presence`) makes the
//! requests and feeds the answers in.

use super::envelope::is_valid_name;
use super::KeySet;

/// Prefix of the presence lock names.
pub const HERE_PREFIX: &str = "tabsync:here:";
/// Prefix of the leadership lock names.
pub const LEAD_PREFIX: &str = "tabsync:lead:";
/// At most this many peers are counted and watched. Anything of the origin can hold locks
/// with our names, so the bookkeeping (and the requests it makes) stays bounded.
pub const MAX_PEERS: usize = 256;

/// The presence lock of instance `id` in namespace `ns`.
pub fn here_lock(ns: &str, id: &str) -> String {
    let mut name = String::with_capacity(HERE_PREFIX.len() + ns.len() + id.len() + 1);
    name.push_str(HERE_PREFIX);
    name.push_str(ns);
    name.push(':');
    name.push_str(id);
    name
}

/// The leadership lock of namespace `ns`.
pub fn lead_lock(ns: &str) -> String {
    let mut name = String::from(LEAD_PREFIX);
    name.push_str(ns);
    name
}

/// One instance's view of who else is here.
#[derive(Debug, Clone)]
pub struct Presence {
    /// `tabsync:here:<ns>:`, against which held lock names are matched.
    prefix: String,
    me: String,
    /// Ids of the peers believed live.
    peers: KeySet,
    /// Ids of the peers with a watch outstanding.
    watched: KeySet,
    /// Tickets of counts issued so far.
    issued: u64,
    /// Counts with a ticket at or below this are stale: a departure was seen, or the
    /// instance was suspended, after they were issued.
    floor: u64,
    /// Whether a count has been applied since the instance (re)started.
    counted: bool,
    leader: bool,
}

impl Presence {
    /// The bookkeeping of instance `me` in namespace `ns`: nothing counted yet, not leader.
    pub fn new(ns: &str, me: &str) -> Self {
        Presence {
            prefix: here_lock(ns, ""),
            me: me.to_owned(),
            peers: KeySet::new(),
            watched: KeySet::new(),
            issued: 0,
            floor: 0,
            counted: false,
            leader: false,
        }
    }

    /// The name of this instance's own presence lock.
    pub fn own_lock(&self) -> String {
        let mut name = self.prefix.clone();
        name.push_str(&self.me);
        name
    }

    /// The presence lock of peer `id` (what a watch on it requests).
    pub fn lock_of(&self, id: &str) -> String {
        let mut name = self.prefix.clone();
        name.push_str(id);
        name
    }

    /// Starts a count: returns its ticket, to hand back with the snapshot to [`Self::counted`].
    pub fn begin_count(&mut self) -> u64 {
        self.issued += 1;
        self.issued
    }

    /// Applies the held lock names of the snapshot taken for count `ticket`. A snapshot older
    /// than one already applied, or than a departure or suspension seen since it was issued,
    /// is dropped: it may still show a peer that has gone. Returns the peers to start
    /// watching (each once while its watch is outstanding).
    ///
    /// Names of other namespaces, malformed ids and this instance's own lock are skipped; at
    /// most [`MAX_PEERS`] peers are kept.
    pub fn counted(&mut self, ticket: u64, held: &[String]) -> Vec<String> {
        if ticket <= self.floor || ticket > self.issued {
            return Vec::new();
        }
        self.floor = ticket;
        self.counted = true;
        let mut peers = KeySet::new();
        for name in held {
            let Some(id) = name.strip_prefix(self.prefix.as_str()) else {
                continue;
            };
            if id == self.me || !is_valid_name(id) || peers.len() >= MAX_PEERS {
                continue;
            }
            peers.insert(id.to_owned(), ());
        }
        let mut to_watch = Vec::new();
        for (id, ()) in peers.iter() {
            if !self.watched.contains_key(id) {
                self.watched.insert(id.clone(), ());
                to_watch.push(id.clone());
            }
        }
        self.peers = peers;
        to_watch
    }

    /// A watch on peer `id` was granted: the peer let go of its lock (closed, crashed, frozen
    /// or unmounted). Every count still in flight is stale from now on. Returns whether the
    /// peer count changed; the caller should release the watch and count again (a count
    /// catches departures of peers beyond those watched).
    pub fn gone(&mut self, id: &str) -> bool {
        self.watched.remove(id);
        self.floor = self.issued;
        self.peers.remove(id).is_some()
    }

    /// A watch on peer `id` ended without being granted (the request failed): the peer may
    /// be watched again after the next count.
    pub fn watch_failed(&mut self, id: &str) {
        self.watched.remove(id);
    }

    /// Records whether this instance holds the namespace's leadership lock.
    pub fn set_leader(&mut self, leader: bool) {
        self.leader = leader;
    }

    /// Forgets the outstanding counts, watches and leadership: the instance let go of its
    /// locks (frozen, or stopped). The last count stays reported until the next one lands.
    pub fn suspend(&mut self) {
        self.floor = self.issued;
        self.watched.clear();
        self.leader = false;
    }

    /// How many other live instances share the namespace; `None` before the first count.
    pub fn peers(&self) -> Option<u32> {
        self.counted
            .then(|| u32::try_from(self.peers.len()).unwrap_or(u32::MAX))
    }

    /// Whether this instance leads; `None` until the first count, so that a tab does not
    /// report "not leader" while its request for the lock is merely being granted.
    pub fn leader(&self) -> Option<bool> {
        self.counted.then_some(self.leader)
    }

    /// Ids of the peers believed live, in order.
    pub fn peer_ids(&self) -> impl Iterator<Item = &str> {
        self.peers.keys().map(String::as_str)
    }

    /// Ids of the peers with a watch outstanding, in order.
    pub fn watched_ids(&self) -> impl Iterator<Item = &str> {
        self.watched.keys().map(String::as_str)
    }
}
