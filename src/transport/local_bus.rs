//! The instances mounted in one document, and the writes they must hear from each other.
//!
//! A document never gets a `storage` event for its own writes, so two v2 component instances
//! in one page (two `sync()` calls) would not see each other's changes through storage.
//! [`InDocument`] wraps the transport [`choose`](super::choose) picked: each successful write
//! or removal is announced on this document's bus and reported to every other instance's
//! listener as a [`TransportEvent::Changed`], as if a `storage` event had reported it, after
//! the writer has finished (from a zero-delay timer, never re-entrantly). With one instance
//! per document (the v1 iframe) nothing is queued.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;

use super::{StorageChange, Transport, TransportEvent};
use crate::browser::BrowserError;

/// A member's listener, shared by the transport's own events and the bus.
type Listener = Rc<RefCell<Box<dyn FnMut(TransportEvent)>>>;

#[derive(Default)]
struct LocalBus {
    next_id: u64,
    /// Every instance of the document, with its listener once it listens.
    members: Vec<(u64, Option<Listener>)>,
    queue: Vec<(u64, StorageChange)>,
    flush: Option<Timeout>,
}

thread_local! {
    static BUS: RefCell<LocalBus> = RefCell::new(LocalBus::default());
}

/// How many instances this document has on its bus.
pub fn members() -> usize {
    BUS.with(|bus| bus.borrow().members.len())
}

/// A transport whose writes the other instances of this document hear too. It leaves the
/// document's bus when dropped.
pub struct InDocument {
    inner: Box<dyn Transport>,
    /// This instance's id on the bus.
    member: u64,
}

impl InDocument {
    /// Joins this document's bus with `inner` as the transport between tabs.
    pub fn join(inner: Box<dyn Transport>) -> Self {
        let member = BUS.with(|bus| {
            let mut bus = bus.borrow_mut();
            bus.next_id += 1;
            let id = bus.next_id;
            bus.members.push((id, None));
            id
        });
        InDocument { inner, member }
    }

    /// Tells the other instances of this document that this one wrote `text` under `key`
    /// (`None`: removed it).
    fn announce(&self, key: &str, text: Option<&str>) {
        BUS.with(|bus| {
            let mut bus = bus.borrow_mut();
            if !bus.members.iter().any(|(id, _)| *id != self.member) {
                return;
            }
            let change = StorageChange {
                key: Some(key.to_owned()),
                new_value: text.map(str::to_owned),
                well_formed: true,
            };
            bus.queue.push((self.member, change));
            if bus.flush.is_none() {
                bus.flush = Some(Timeout::new(0, flush));
            }
        });
    }
}

impl Drop for InDocument {
    fn drop(&mut self) {
        // `try_with`: the bus may already be gone when the page's thread is torn down.
        let _ = BUS.try_with(|bus| {
            if let Ok(mut bus) = bus.try_borrow_mut() {
                bus.members.retain(|(id, _)| *id != self.member);
            }
        });
    }
}

/// Hands each queued change to every instance but its writer.
fn flush() {
    let (queue, members) = BUS.with(|bus| {
        let mut bus = bus.borrow_mut();
        bus.flush = None;
        (std::mem::take(&mut bus.queue), bus.members.clone())
    });
    for (from, change) in queue {
        for (id, listener) in &members {
            if *id == from {
                continue;
            }
            if let Some(Ok(mut listener)) = listener.as_ref().map(|l| l.try_borrow_mut()) {
                listener(TransportEvent::Changed(change.clone()));
            }
        }
    }
}

impl Transport for InDocument {
    fn catch_up(&self, prefix: &str) -> Vec<(String, Option<String>)> {
        self.inner.catch_up(prefix)
    }

    fn read(&self, key: &str) -> Option<String> {
        self.inner.read(key)
    }

    fn write(&self, key: &str, text: &str) -> Result<(), BrowserError> {
        self.inner.write(key, text)?;
        self.announce(key, Some(text));
        Ok(())
    }

    fn remove(&self, key: &str) {
        self.inner.remove(key);
        self.announce(key, None);
    }

    fn listen(&self, on_event: Box<dyn FnMut(TransportEvent)>) -> Vec<EventListener> {
        let listener: Listener = Rc::new(RefCell::new(on_event));
        BUS.with(|bus| {
            let mut bus = bus.borrow_mut();
            if let Some(member) = bus.members.iter_mut().find(|(id, _)| *id == self.member) {
                member.1 = Some(listener.clone());
            }
        });
        let forward = listener;
        self.inner.listen(Box::new(move |event| {
            if let Ok(mut listener) = forward.try_borrow_mut() {
                listener(event);
            }
        }))
    }
}
