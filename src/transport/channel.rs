//! `BroadcastChannel` as the fallback transport when `localStorage` is unavailable: the open
//! tabs of the origin stay in step live, but nothing persists (a tab opened later asks the
//! open ones for their entries; with no tab open, the state is gone).
//!
//! Messages carry the same storage keys and entry texts as `localStorage` would, so the
//! engine treats them exactly like `storage` events, validation included: any script of the
//! origin can post on the channel, as it can write to storage.

use gloo_events::EventListener;

use super::storage::StorageChange;
use crate::browser::{Broadcast, BrowserError};

/// Name of the channel every tab of the origin joins.
pub const CHANNEL_NAME: &str = "tabsync:v1";

/// A message received on the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelMessage {
    /// Another tab wrote an entry, as a `storage` event would report it.
    Entry(StorageChange),
    /// A tab that just joined asks for every entry under `prefix`.
    Hello {
        /// The storage-key prefix of the asker's namespace.
        prefix: String,
    },
}

/// This frame's end of the channel; closed when dropped.
#[derive(Debug)]
pub struct ChannelTransport {
    channel: Broadcast,
}

impl ChannelTransport {
    /// Joins [`CHANNEL_NAME`] (fails where `BroadcastChannel` is missing or refused).
    pub fn open() -> Result<Self, BrowserError> {
        Broadcast::open(CHANNEL_NAME).map(|channel| ChannelTransport { channel })
    }

    /// Sends an entry to the other tabs, as a write to `localStorage` would.
    pub fn send_entry(&self, key: &str, text: &str) -> Result<(), BrowserError> {
        self.channel
            .post(&[("type", "entry"), ("key", key), ("text", text)])
    }

    /// Asks the other tabs for every entry under `prefix`.
    pub fn send_hello(&self, prefix: &str) -> Result<(), BrowserError> {
        self.channel.post(&[("type", "hello"), ("prefix", prefix)])
    }

    /// Calls `on_message` for every message another tab (or frame) posts on the channel;
    /// anything that is not one of ours is skipped. The listener is removed when the
    /// returned value is dropped.
    #[must_use = "the listener is removed when dropped"]
    pub fn listen<F>(&self, mut on_message: F) -> EventListener
    where
        F: FnMut(ChannelMessage) + 'static,
    {
        self.channel
            .listen(move |message| match message.text("type").as_deref() {
                Some("entry") => {
                    let key = message.text("key");
                    let new_value = message.text("text");
                    // Unlike a storage event, an entry message always names a key and a text.
                    let well_formed = key.is_some() && new_value.is_some();
                    on_message(ChannelMessage::Entry(StorageChange {
                        key,
                        new_value,
                        well_formed,
                    }));
                }
                Some("hello") => {
                    if let Some(prefix) = message.text("prefix") {
                        on_message(ChannelMessage::Hello { prefix });
                    }
                }
                _ => {}
            })
    }

    /// Leaves the channel: nothing more is received, and sending fails. Also done on drop.
    pub fn close(&self) {
        self.channel.close();
    }
}

impl super::Transport for ChannelTransport {
    fn catch_up(&self, prefix: &str) -> Vec<(String, Option<String>)> {
        // Nothing stored to read: ask the open tabs (their answers arrive as entries).
        let _ = self.send_hello(prefix);
        Vec::new()
    }

    fn read(&self, _key: &str) -> Option<String> {
        None
    }

    fn write(&self, key: &str, text: &str) -> Result<(), BrowserError> {
        self.send_entry(key, text)
    }

    fn remove(&self, _key: &str) {
        // Nothing persists: an expired entry just stays unsent.
    }

    fn listen(&self, mut on_event: Box<dyn FnMut(super::TransportEvent)>) -> Vec<EventListener> {
        vec![ChannelTransport::listen(self, move |message| {
            on_event(match message {
                ChannelMessage::Entry(change) => super::TransportEvent::Changed(change),
                ChannelMessage::Hello { prefix } => super::TransportEvent::PeerAsks { prefix },
            })
        })]
    }
}
