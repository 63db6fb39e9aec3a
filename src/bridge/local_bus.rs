//! The instances mounted in one document, and the writes they must hear from each other.
//!
//! A document never gets a `storage` event for its own writes, so two v2 component instances
//! in one page (two `sync()` calls) would not see each other's changes through storage. Each
//! successful write or removal is announced here and handed to every other live instance of
//! the document as if a `storage` event had reported it, after the writer has finished (from
//! a zero-delay timer, never re-entrantly). With one instance per document (the v1 iframe)
//! nothing is queued.

use std::cell::RefCell;
use std::rc::Weak;

use gloo_timers::callback::Timeout;

use super::{with_bridge, Bridge};
use crate::transport::StorageChange;

#[derive(Default)]
struct LocalBus {
    next_id: u64,
    members: Vec<(u64, Weak<RefCell<Bridge>>)>,
    queue: Vec<(u64, StorageChange)>,
    flush: Option<Timeout>,
}

thread_local! {
    static BUS: RefCell<LocalBus> = RefCell::new(LocalBus::default());
}

/// Adds a bridge to this document's bus; returns its id there.
pub(crate) fn join(bridge: &Weak<RefCell<Bridge>>) -> u64 {
    BUS.with(|bus| {
        let mut bus = bus.borrow_mut();
        bus.members.retain(|(_, m)| m.strong_count() > 0);
        bus.next_id += 1;
        let id = bus.next_id;
        bus.members.push((id, bridge.clone()));
        id
    })
}

/// How many live instances this document has.
pub fn members() -> usize {
    BUS.with(|bus| {
        let bus = bus.borrow();
        bus.members
            .iter()
            .filter(|(_, m)| m.strong_count() > 0)
            .count()
    })
}

/// Tells the other instances of this document that instance `from` wrote `text` under `key`
/// (`None`: removed it).
pub(crate) fn announce(from: u64, key: Option<String>, text: Option<String>) {
    BUS.with(|bus| {
        let mut bus = bus.borrow_mut();
        let others = bus
            .members
            .iter()
            .any(|(id, m)| *id != from && m.strong_count() > 0);
        if !others {
            return;
        }
        bus.queue.push((
            from,
            StorageChange {
                key,
                new_value: text,
                well_formed: true,
            },
        ));
        if bus.flush.is_none() {
            bus.flush = Some(Timeout::new(0, flush));
        }
    });
}

fn flush() {
    let (queue, members) = BUS.with(|bus| {
        let mut bus = bus.borrow_mut();
        bus.flush = None;
        bus.members.retain(|(_, m)| m.strong_count() > 0);
        (std::mem::take(&mut bus.queue), bus.members.clone())
    });
    for (from, change) in queue {
        for (id, member) in &members {
            if *id != from {
                with_bridge(member, |b| b.storage_changed(change.clone()));
            }
        }
    }
}
