//! One bridge per mounted component instance: transport events and render args in,
//! transport writes and host deliveries out, with the engine deciding everything between.
//!
//! The bridge holds a [`Transport`] and a [`Host`] behind their interfaces and knows neither
//! kind. Entry points for the two Streamlit hosts are in [`entry`]; instances mounted in one
//! document (several v2 components in one page) hear each other's writes through the
//! transport's [`local_bus`](crate::transport::local_bus), since a document gets no `storage`
//! event for its own writes.
//!
//! Deliveries are paced ([`pacing`]): the first news after a quiet spell is posted at once,
//! and news that arrives within [`MIN_DELIVERY_GAP_MS`] of the previous delivery is coalesced
//! into one delivery at the end of the gap, carrying the newest value of each key. A burst of
//! writes over T ms thus costs the receiving tab at most `2 + T / MIN_DELIVERY_GAP_MS` reruns
//! (integer division; [`pacing`] says why). Devices mode adds a watch over deliveries the
//! Streamlit side has not seen ([`devices`]).

pub mod devices;
pub mod entry;
pub mod pacing;
pub mod presence;

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;

use crate::browser::{now_ms, random_id, AckMemo, WebLocks};
use crate::core::{Effect, Engine, PendingEdit, RenderArgs};
use crate::host::Host;
use crate::transport::{self, StorageChange, Transport, TransportEvent};
use devices::Devices;
use pacing::Pacing;
use presence::PresenceRun;

pub use devices::{MAX_UNSEEN_TRIES, UNSEEN_MS};
pub use entry::{mount_iframe, mount_module, Mounted};
pub use pacing::MIN_DELIVERY_GAP_MS;

/// How often a failed write (storage full) is tried again, in ms.
pub const RETRY_MS: u32 = 1_000;

/// How long an entry that came by this session's server route waits for the server to bring
/// it to the Streamlit side (a render whose `have` holds it) before a delivery carries it
/// after all, in ms. The server path takes one run of the session (about 0.1 s); this only
/// matters when its rerun was lost or the session is busy.
pub const SERVER_GRACE_MS: u32 = 2_000;

/// One running bridge. Dropping it removes every listener and cancels any pending delivery.
pub struct Bridge {
    /// This instance's random id (its delivery ids, its presence lock).
    instance: String,
    engine: Engine,
    host: Box<dyn Host>,
    transport: Option<Box<dyn Transport>>,
    memo: Option<AckMemo>,
    locks: Option<Rc<WebLocks>>,
    listeners: Vec<EventListener>,
    /// When the next delivery is posted.
    pacing: Pacing,
    /// The next try of the writes that failed (storage full).
    retry: Option<Timeout>,
    /// The end of the wait for the server to bring entries that came by its route.
    server_wait: Option<Timeout>,
    /// Devices mode: the watch over deliveries the Streamlit side has not seen.
    devices: Devices,
    /// Presence in the namespace, while the render args ask for it and the browser can.
    presence: Option<PresenceRun>,
    /// This browser's random id, told in every delivery (see [`crate::browser::identity`]).
    browser: Option<String>,
    this: Weak<RefCell<Bridge>>,
}

/// Runs `f` on the bridge behind `weak`, unless it is gone or busy (a re-entrant call).
pub(crate) fn with_bridge(weak: &Weak<RefCell<Bridge>>, f: impl FnOnce(&mut Bridge)) {
    if let Some(bridge) = weak.upgrade() {
        if let Ok(mut bridge) = bridge.try_borrow_mut() {
            f(&mut bridge);
        }
    }
}

impl Bridge {
    /// Starts a bridge reporting to `host`: picks the transport (which joins the document's
    /// local bus), and listens to it and to the page being shown again. Render args are fed
    /// with [`Bridge::render`] by the entry point.
    pub(crate) fn mount(host: Box<dyn Host>) -> Rc<RefCell<Bridge>> {
        let instance = random_id();
        let mut engine = Engine::new(instance.clone());
        let choice = transport::choose();
        match (&choice.transport, &choice.fallback_reason) {
            (Some(_), Some(reason)) => engine.storage_replaced(reason),
            (None, Some(reason)) => engine.storage_blocked(reason),
            _ => {}
        }
        let bridge = Rc::new_cyclic(|this| {
            RefCell::new(Bridge {
                instance,
                engine,
                host,
                transport: choice.transport,
                memo: None,
                locks: WebLocks::open().map(Rc::new),
                listeners: Vec::new(),
                pacing: Pacing::default(),
                retry: None,
                server_wait: None,
                devices: Devices::default(),
                presence: None,
                browser: crate::browser::identity::browser_id(),
                this: this.clone(),
            })
        });
        let weak = Rc::downgrade(&bridge);
        let mut listeners = Vec::new();
        if let Some(transport) = bridge.borrow().transport.as_ref() {
            let on_event = weak.clone();
            listeners.extend(transport.listen(Box::new(move |event| {
                with_bridge(&on_event, |b| b.transport_event(event))
            })));
        }
        if let Some(window) = web_sys::window() {
            // A tab restored from the back/forward cache, or shown again, missed events while
            // frozen: read the namespace again.
            for event in ["pageshow", "visibilitychange"] {
                let on_show = weak.clone();
                listeners.push(EventListener::new(&window, event, move |_| {
                    with_bridge(&on_show, Bridge::reread)
                }));
            }
        }
        bridge.borrow_mut().listeners = listeners;
        bridge
    }

    /// Takes new render args (the entry point calls it for each render).
    pub(crate) fn render(&mut self, args: JsValue) {
        let text = args_text(&args);
        let args = match RenderArgs::from_json(&text) {
            Ok(args) => args,
            Err(err) => {
                // Reported, not dropped: the Streamlit side would otherwise wait for its
                // first delivery forever, showing "starting".
                self.engine.args_refused(&err.message());
                return self.schedule_delivery();
            }
        };
        match self.engine.configure(&args) {
            Ok(fresh) => {
                if fresh {
                    let ns = self.engine.namespace().unwrap_or_default().to_owned();
                    self.memo = AckMemo::open(&ns);
                    if let Some(memo) = &self.memo {
                        self.engine.restore_acks(memo.load());
                    }
                }
                // Before the stored state is read: the first delivery waits for the count.
                self.keep_presence(args.presence);
                if fresh {
                    self.reread();
                }
            }
            Err(err) => {
                self.engine.args_refused(&err.message());
                return self.schedule_delivery();
            }
        }
        if let Some(snapshot) = &args.relay {
            let writes = self.engine.relay(snapshot, now_ms());
            self.carry_out(writes);
        }
        if let Some(seen) = &args.seen {
            self.engine.seen(seen);
        }
        self.devices.render(&args);
        for pending in self.engine.begin_edits(&args) {
            self.start_commit(pending);
        }
        self.schedule_delivery();
    }

    /// Starts, restarts (new namespace) or stops presence as the render args ask.
    fn keep_presence(&mut self, wanted: bool) {
        match (wanted, self.engine.namespace()) {
            (true, Some(ns)) => {
                if self
                    .presence
                    .as_ref()
                    .is_none_or(|run| run.namespace() != ns)
                {
                    let ns = ns.to_owned();
                    self.presence = None; // the old run lets go before the new one asks
                    self.presence = PresenceRun::start(
                        &self.this,
                        self.locks.clone(),
                        &ns,
                        &self.instance,
                        now_ms(),
                    );
                }
            }
            _ => self.presence = None,
        }
        self.report_presence();
    }

    /// Hands the current peer count and leadership to the engine (a change is news); the
    /// caller schedules the delivery.
    fn report_presence(&mut self) {
        let (peers, leader) = match &self.presence {
            Some(run) => run.figures(),
            None => (None, None),
        };
        self.engine.set_presence(peers, leader);
        if self.pacing.is_settling()
            && self
                .presence
                .as_ref()
                .is_none_or(|r| r.settle_wait(now_ms()) == 0)
        {
            // The delivery held back for the first count can go now.
            self.pacing.settled();
        }
    }

    /// Runs `event` on the presence run (a lock granted, a count answered, a lifecycle
    /// change...), then reports the figures; a change of them makes a delivery due.
    pub(crate) fn presence_event(
        &mut self,
        event: impl FnOnce(&mut PresenceRun, &Weak<RefCell<Bridge>>, u64),
    ) {
        let this = self.this.clone();
        if let Some(run) = &mut self.presence {
            event(run, &this, now_ms());
        }
        self.report_presence();
        self.schedule_delivery();
    }

    /// Commits an edit now, or, for a compare-and-set, once the key's cross-tab lock is held.
    fn start_commit(&mut self, pending: PendingEdit) {
        if !pending.compare {
            return self.commit(pending);
        }
        let Some(locks) = self.locks.clone() else {
            self.engine
                .note("Web Locks unavailable: conflict checks are not atomic across tabs");
            return self.commit(pending);
        };
        let mut name = String::from("tabsync:");
        name.push_str(&pending.storage_key);
        let weak = self.this.clone();
        // The edit ends either way: written (or refused) under the lock, or, when the lock
        // request fails, checked and written without it, with the failure reported.
        locks.with_lock(&name, move |granted| {
            with_bridge(&weak, |b| {
                if let Err(err) = granted {
                    let mut reason = err.message();
                    reason.push_str("; this conflict check ran without the lock");
                    b.engine.note(&reason);
                }
                b.commit(pending)
            })
        });
    }

    fn commit(&mut self, pending: PendingEdit) {
        let stored = self
            .transport
            .as_ref()
            .and_then(|t| t.read(&pending.storage_key));
        let effect = self.engine.commit(pending, stored.as_deref(), now_ms());
        self.carry_out(effect.into_iter().collect());
        // Saved after each commit, written or refused: a re-created iframe must not redo it.
        if let Some(memo) = &self.memo {
            memo.save(self.engine.acks());
        }
        self.schedule_delivery();
    }

    fn carry_out(&mut self, effects: Vec<Effect>) {
        let Some(transport) = &self.transport else {
            return;
        };
        for effect in effects {
            match effect {
                Effect::Write { key, text } => match transport.write(&key, &text) {
                    Ok(()) => self.engine.write_succeeded(&key),
                    Err(err) => self.engine.write_failed(&key, &text, &err.message()),
                },
                Effect::Remove { key } => transport.remove(&key),
            }
        }
        self.schedule_retry();
    }

    /// While a write has failed (storage full), tries again every [`RETRY_MS`]; any storage
    /// event (another tab freeing space) also triggers a try.
    fn schedule_retry(&mut self) {
        if !self.engine.has_unsaved() {
            self.retry = None;
            return;
        }
        if self.retry.is_some() {
            return;
        }
        let weak = self.this.clone();
        self.retry = Some(Timeout::new(RETRY_MS, move || {
            with_bridge(&weak, |b| {
                b.retry = None;
                b.retry_unsaved();
            })
        }));
    }

    fn retry_unsaved(&mut self) {
        let writes = self.engine.retry_unsaved(now_ms());
        self.carry_out(writes);
        self.schedule_delivery();
    }

    pub(crate) fn storage_changed(&mut self, change: StorageChange) {
        if !change.well_formed {
            // Only entries of our namespace count, like every other ignored entry.
            let ours = self
                .engine
                .namespace_prefix()
                .is_some_and(|p| change.key.as_deref().is_none_or(|k| k.starts_with(p)));
            if ours {
                self.engine.count_ignored();
            }
            return;
        }
        let now = now_ms();
        let key = change.key.as_deref();
        let repairs = self
            .engine
            .on_storage(key, change.new_value.as_deref(), now);
        self.carry_out(repairs);
        if self.engine.has_unsaved() {
            self.retry_unsaved();
        }
        self.schedule_delivery();
    }

    /// Something another tab, another instance of this document, or another script did.
    pub(crate) fn transport_event(&mut self, event: TransportEvent) {
        match event {
            TransportEvent::Changed(change) => self.storage_changed(change),
            TransportEvent::PeerAsks { prefix } => {
                if self.engine.namespace_prefix() == Some(prefix.as_str()) {
                    let entries = self.engine.entries_to_share(now_ms());
                    self.carry_out(entries);
                }
            }
        }
    }

    fn reread(&mut self) {
        let (Some(transport), Some(prefix)) = (&self.transport, self.engine.namespace_prefix())
        else {
            return;
        };
        let now = now_ms();
        let mut repairs = Vec::new();
        for (key, text) in transport.catch_up(prefix) {
            match text {
                Some(text) => repairs.extend(self.engine.load(&key, &text, now)),
                None => self.engine.count_ignored(),
            }
        }
        self.carry_out(repairs);
        self.schedule_delivery();
    }

    /// Posts the delivery due now, or schedules it (see [`pacing`]); gives the server a while
    /// to bring what came by its route ([`SERVER_GRACE_MS`]).
    fn schedule_delivery(&mut self) {
        self.await_server();
        if !self.engine.has_news() || self.pacing.is_waiting() {
            return;
        }
        let now = now_ms();
        let pace = self.pacing.gap_left(now);
        let settle = self.presence.as_ref().map_or(0, |run| run.settle_wait(now));
        let wait = pace.max(settle);
        if wait == 0 {
            self.deliver();
            return;
        }
        let weak = self.this.clone();
        self.pacing.schedule(wait, settle > 0, move || {
            with_bridge(&weak, |b| {
                b.pacing.fired();
                b.deliver();
            })
        });
    }

    /// Starts the wait for the server while the engine awaits entries from it; stops it once
    /// the render args show the Streamlit side has them.
    fn await_server(&mut self) {
        if !self.engine.awaits_server() {
            self.server_wait = None;
            return;
        }
        if self.server_wait.is_some() {
            return;
        }
        let weak = self.this.clone();
        self.server_wait = Some(Timeout::new(SERVER_GRACE_MS, move || {
            with_bridge(&weak, |b| {
                b.server_wait = None;
                b.engine.server_late();
                b.schedule_delivery();
            })
        }));
    }

    /// Devices mode: the last delivery is still unseen after a while: post the state again.
    fn unseen_for_long(&mut self) {
        if self.devices.still_unseen() {
            self.engine.redeliver();
            self.schedule_delivery();
        }
    }

    fn deliver(&mut self) {
        let Some(mut delivery) = self.engine.take_delivery() else {
            return;
        };
        // The stored id may have changed (two tabs made one at once): the stored one wins.
        if let Some(stored) = crate::browser::identity::stored_id() {
            self.browser = Some(stored);
        }
        delivery.browser.clone_from(&self.browser);
        // Built by the browser's JSON.parse from the core's text: every key becomes an own
        // property (no setter runs), and the parser costs no wasm bytes.
        if let Ok(value) = js_sys::JSON::parse(&delivery.to_json()) {
            if let Err(err) = self.host.deliver(&value) {
                // Reported with the next delivery that gets through.
                self.engine.note(&err.message());
            }
            self.pacing.delivered(now_ms());
            self.devices.posted(delivery.id, &self.this);
        }
    }
}

/// The render args as JSON text, read by the core's reader. The Streamlit side sends them as
/// one JSON text (v2: the component's `data`, whose UTF-8 bytes `frontend/v2.js` decodes; v1:
/// its `render_args` argument): Streamlit looks for dataframes in every dict or list it is
/// handed, which imports pandas into the app's process, and every script run's garbage
/// collection then walks pandas' objects too. Args of another shape (an older Python side)
/// are serialized by the browser.
fn args_text(args: &JsValue) -> String {
    if let Some(text) = args.as_string() {
        return text;
    }
    let field = js_sys::Reflect::get(args, &JsValue::from_str(RENDER_ARGS_FIELD))
        .ok()
        .and_then(|value| value.as_string());
    if let Some(text) = field {
        return text;
    }
    js_sys::JSON::stringify(args)
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default()
}

/// The v1 component's argument that holds the render args' JSON text.
const RENDER_ARGS_FIELD: &str = "render_args";
