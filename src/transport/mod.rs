//! How entries travel between tabs, behind one interface.
//!
//! A [`Transport`] carries stored-entry texts under storage keys, and reports what other tabs
//! (or other scripts of the origin) did as [`TransportEvent`]s, which the engine checks like
//! any untrusted input. [`choose`] picks the first one that works here, in the spirit of
//! pubkey/broadcast-channel's method chooser:
//!
//! 1. [`StorageTransport`]: `localStorage` and its `storage` event; persistent.
//! 2. [`ChannelTransport`]: `BroadcastChannel`, when storage is denied; live between the open
//!    tabs only.
//!
//! The bridge holds a `Box<dyn Transport>` and never asks which one it is: what differs (a
//! catch-up that reads storage or asks the open tabs, whether removal means anything) is a
//! method, and [`choose`] says why it fell back, which the engine reports as the status.
//! [`choose`] hands the transport over wrapped in [`InDocument`] (see [`local_bus`]), so the
//! other instances mounted in the same document hear its writes too.

pub mod channel;
pub mod local_bus;
pub mod storage;

use gloo_events::EventListener;

use crate::browser::BrowserError;

pub use channel::{ChannelMessage, ChannelTransport};
pub use local_bus::InDocument;
pub use storage::{StorageChange, StorageTransport};

/// Something another tab (or script of the origin) did, as a transport reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportEvent {
    /// An entry was written, removed, or everything was cleared (`key` is `None`).
    Changed(StorageChange),
    /// A tab that just joined asks for every entry under `prefix` (transports without
    /// persistence only: the open tabs are the only memory).
    PeerAsks {
        /// The storage-key prefix of the asker's namespace.
        prefix: String,
    },
}

/// One way of carrying entries between the tabs of a browser.
pub trait Transport {
    /// Starts a catch-up on the namespace under `prefix`: returns the entries it can read
    /// now, as (storage key, text; `None` when the text is not valid UTF-16); a transport
    /// without memory asks the open tabs instead, whose answers arrive as events.
    fn catch_up(&self, prefix: &str) -> Vec<(String, Option<String>)>;

    /// The text now under `key`, read for a compare-and-set (`None`: none, or no memory).
    fn read(&self, key: &str) -> Option<String>;

    /// Writes (or sends) `text` under `key`.
    fn write(&self, key: &str, text: &str) -> Result<(), BrowserError>;

    /// Removes the expired entry under `key` (nothing to do without memory).
    fn remove(&self, key: &str);

    /// Reports every event to `on_event` until the returned listeners are dropped.
    fn listen(&self, on_event: Box<dyn FnMut(TransportEvent)>) -> Vec<EventListener>;
}

/// What [`choose`] found.
pub struct Choice {
    /// The transport to use, if any works.
    pub transport: Option<Box<dyn Transport>>,
    /// Why the preferred transport is not in use, when it is not.
    pub fallback_reason: Option<String>,
}

/// The first transport that works here: `localStorage`, else `BroadcastChannel`, else none;
/// joined to this document's [`local_bus`].
pub fn choose() -> Choice {
    let in_document = |inner: Box<dyn Transport>| -> Option<Box<dyn Transport>> {
        Some(Box::new(InDocument::join(inner)))
    };
    match StorageTransport::open() {
        Ok(storage) => Choice {
            transport: in_document(Box::new(storage)),
            fallback_reason: None,
        },
        Err(storage_err) => {
            let mut reason = storage_err.message();
            match ChannelTransport::open() {
                Ok(channel) => {
                    reason.push_str(
                        "; syncing live between open tabs over BroadcastChannel, nothing persists",
                    );
                    Choice {
                        transport: in_document(Box::new(channel)),
                        fallback_reason: Some(reason),
                    }
                }
                Err(_) => Choice {
                    transport: None,
                    fallback_reason: Some(reason),
                },
            }
        }
    }
}
