//! Presence in the browser: the locks, the queries and the messages behind a tab's peer
//! count and leadership, with [`crate::core::Presence`] deciding what they mean.
//!
//! While running, an instance
//! * holds its own presence lock and, once granted, says so on the [`PRESENCE_CHANNEL`]
//!   (`{ns, here}`), so the instances already there count again;
//! * counts (a lock-manager snapshot) when it starts, when told of a newcomer, and when a
//!   peer goes;
//! * watches each peer it counted (requests the peer's lock in shared mode, granted when the
//!   peer lets go; counts look at exclusive holds only, so a watcher is never taken for the
//!   peer it watches);
//! * waits for the namespace's leadership lock, and holds it once granted.
//!
//! Everything is driven by events; nothing runs on a timer, so an idle tab costs nothing.
//! When the document is frozen or put in the back/forward cache the instance lets go of
//! every lock and withdraws every request (a request granted while frozen would keep a
//! departed peer counted, or make a sleeping tab the leader), and starts again when the
//! document comes back.

use std::cell::RefCell;
use std::rc::Weak;

use gloo_events::EventListener;

use super::{with_bridge, Bridge};
use crate::browser::{Broadcast, LockHold, WebLocks};
use crate::core::{lead_lock, KeyMap, Presence};

/// The `BroadcastChannel` on which instances announce that they have joined.
pub const PRESENCE_CHANNEL: &str = "tabsync:presence";

/// One instance's presence in one namespace. Dropping it releases every lock and withdraws
/// every request.
pub(crate) struct PresenceRun {
    core: Presence,
    ns: String,
    locks: std::rc::Rc<WebLocks>,
    channel: Broadcast,
    own: Option<LockHold>,
    lead: Option<LockHold>,
    watches: KeyMap<LockHold>,
    /// When the run (re)started, to bound how long the first delivery waits for a count.
    started_ms: u64,
    _listeners: Vec<EventListener>,
}

/// How long the first delivery may wait for the first count, in ms: a tab's first rerun then
/// already shows who is here, instead of costing a second rerun a few ms later.
pub const SETTLE_MS: u64 = 250;

impl PresenceRun {
    /// Starts presence for instance `me` of namespace `ns`; `None` where the browser lacks
    /// Web Locks or `BroadcastChannel` (then peers and leadership stay unknown).
    pub(crate) fn start(
        bridge: &Weak<RefCell<Bridge>>,
        locks: Option<std::rc::Rc<WebLocks>>,
        ns: &str,
        me: &str,
        now_ms: u64,
    ) -> Option<PresenceRun> {
        let locks = locks?;
        let channel = Broadcast::open(PRESENCE_CHANNEL).ok()?;
        let mut listeners = Vec::new();
        let on_message = bridge.clone();
        let ours = ns.to_owned();
        listeners.push(channel.listen(move |message| {
            if message.text("ns").as_deref() == Some(ours.as_str()) {
                with_bridge(&on_message, |b| {
                    b.presence_event(|run, this, _| run.count(this))
                });
            }
        }));
        if let Some(window) = web_sys::window() {
            // Frozen (page lifecycle) or cached (back/forward cache): let go; back: start again.
            let mut targets: Vec<(web_sys::EventTarget, &str, bool)> = vec![
                (window.clone().into(), "pagehide", false),
                (window.clone().into(), "pageshow", true),
            ];
            if let Some(document) = window.document() {
                targets.push((document.clone().into(), "freeze", false));
                targets.push((document.into(), "resume", true));
            }
            for (target, name, active) in targets {
                let weak = bridge.clone();
                listeners.push(EventListener::new(&target, name, move |_| {
                    with_bridge(&weak, |b| {
                        b.presence_event(|run, this, now| run.lifecycle(this, active, now))
                    })
                }));
            }
        }
        let mut run = PresenceRun {
            core: Presence::new(ns, me),
            ns: ns.to_owned(),
            locks,
            channel,
            own: None,
            lead: None,
            watches: KeyMap::new(),
            started_ms: now_ms,
            _listeners: listeners,
        };
        run.acquire(bridge, now_ms);
        Some(run)
    }

    /// Requests the leadership lock, then this instance's own lock (the order matters: a
    /// leadership granted at once is then known when the first count lands).
    fn acquire(&mut self, bridge: &Weak<RefCell<Bridge>>, now_ms: u64) {
        self.started_ms = now_ms;
        let weak = bridge.clone();
        self.lead = Some(self.locks.hold(&lead_lock(&self.ns), false, move || {
            with_bridge(&weak, |b| b.presence_event(|run, _, _| run.led()))
        }));
        let weak = bridge.clone();
        self.own = Some(self.locks.hold(&self.core.own_lock(), false, move || {
            with_bridge(&weak, |b| b.presence_event(|run, this, _| run.joined(this)))
        }));
    }

    /// Whether the run is active (holding or requesting its locks), as opposed to suspended.
    pub(crate) fn active(&self) -> bool {
        self.own.is_some()
    }

    /// How long a delivery should still wait for the first count (0: not waiting), at most
    /// [`SETTLE_MS`] after the run started.
    pub(crate) fn settle_wait(&self, now_ms: u64) -> u64 {
        if self.core.peers().is_some() {
            return 0;
        }
        (self.started_ms + SETTLE_MS).saturating_sub(now_ms)
    }

    /// The namespace this run counts in.
    pub(crate) fn namespace(&self) -> &str {
        &self.ns
    }

    /// The figures to report: peer count and leadership.
    pub(crate) fn figures(&self) -> (Option<u32>, Option<bool>) {
        (self.core.peers(), self.core.leader())
    }

    /// Own lock granted: tells the instances already here, and counts.
    pub(crate) fn joined(&mut self, bridge: &Weak<RefCell<Bridge>>) {
        // A failed post leaves the others' counts as they are until they count again.
        let _ = self.channel.post(&[("ns", &self.ns)]);
        self.count(bridge);
    }

    /// Leadership granted.
    pub(crate) fn led(&mut self) {
        self.core.set_leader(true);
    }

    /// Takes a snapshot of the held locks, unless suspended.
    pub(crate) fn count(&mut self, bridge: &Weak<RefCell<Bridge>>) {
        if !self.active() {
            return;
        }
        let ticket = self.core.begin_count();
        let weak = bridge.clone();
        self.locks.held_names(move |names| {
            if let Some(names) = names {
                with_bridge(&weak, |b| {
                    b.presence_event(|run, this, _| run.counted(this, ticket, &names))
                });
            }
        });
    }

    /// Applies a snapshot and watches the new peers.
    pub(crate) fn counted(
        &mut self,
        bridge: &Weak<RefCell<Bridge>>,
        ticket: u64,
        names: &[String],
    ) {
        for id in self.core.counted(ticket, names) {
            let weak = bridge.clone();
            let gone = id.clone();
            // Shared: watchers never queue behind each other, and a snapshot taken while
            // one holds the lock for a moment (counts see exclusive holds only) does not
            // mistake it for the peer.
            let hold = self.locks.hold(&self.core.lock_of(&id), true, move || {
                with_bridge(&weak, |b| {
                    b.presence_event(|run, this, _| run.gone(this, &gone))
                })
            });
            self.watches.insert(id, hold);
        }
    }

    /// A watched peer let go of its lock: forget it, give the lock back, count again.
    pub(crate) fn gone(&mut self, bridge: &Weak<RefCell<Bridge>>, id: &str) {
        self.core.gone(id);
        self.watches.remove(id); // dropped: the lock goes back at once
        self.count(bridge);
    }

    /// Lets go of every lock and request (frozen, cached), or starts again (`active`).
    pub(crate) fn lifecycle(&mut self, bridge: &Weak<RefCell<Bridge>>, active: bool, now_ms: u64) {
        if active == self.active() {
            return;
        }
        if active {
            self.acquire(bridge, now_ms);
        } else {
            self.own = None;
            self.lead = None;
            self.watches.clear();
            self.core.suspend();
        }
    }
}
