//! `BroadcastChannel` as the fallback transport when `localStorage` is unavailable: the open
//! tabs of the origin stay in step live, but nothing persists (a tab opened later asks the
//! open ones for their entries; with no tab open, the state is gone).
//!
//! Messages carry the same storage keys and entry texts as `localStorage` would, so the
//! engine treats them exactly like `storage` events, validation included: any script of the
//! origin can post on the channel, as it can write to storage.

use gloo_events::EventListener;
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BroadcastChannel, MessageEvent};

use super::storage::{checked_text, StorageChange};
use crate::browser::error::{describe, BrowserError};

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
    channel: BroadcastChannel,
}

fn field(data: &JsValue, name: &str) -> JsValue {
    Reflect::get(data, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn set(target: &Object, name: &str, value: &str) {
    // Reflect.set on a plain new object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(name), &JsValue::from_str(value));
}

impl ChannelTransport {
    /// Joins [`CHANNEL_NAME`] (fails where `BroadcastChannel` is missing or refused).
    pub fn open() -> Result<Self, BrowserError> {
        BroadcastChannel::new(CHANNEL_NAME)
            .map(|channel| ChannelTransport { channel })
            .map_err(|e| BrowserError::ChannelUnavailable(describe(&e)))
    }

    fn post(&self, fill: impl FnOnce(&Object)) -> Result<(), BrowserError> {
        let message = Object::new();
        fill(&message);
        self.channel
            .post_message(&message)
            .map_err(|e| BrowserError::ChannelPostFailed(describe(&e)))
    }

    /// Sends an entry to the other tabs, as a write to `localStorage` would.
    pub fn send_entry(&self, key: &str, text: &str) -> Result<(), BrowserError> {
        self.post(|m| {
            set(m, "type", "entry");
            set(m, "key", key);
            set(m, "text", text);
        })
    }

    /// Asks the other tabs for every entry under `prefix`.
    pub fn send_hello(&self, prefix: &str) -> Result<(), BrowserError> {
        self.post(|m| {
            set(m, "type", "hello");
            set(m, "prefix", prefix);
        })
    }

    /// Calls `on_message` for every message another tab (or frame) posts on the channel;
    /// anything that is not one of ours is skipped. The listener is removed when the
    /// returned value is dropped.
    #[must_use = "the listener is removed when dropped"]
    pub fn listen<F>(&self, mut on_message: F) -> EventListener
    where
        F: FnMut(ChannelMessage) + 'static,
    {
        EventListener::new(&self.channel, "message", move |event| {
            let Some(event) = event.dyn_ref::<MessageEvent>() else {
                return;
            };
            let data = event.data();
            match field(&data, "type").as_string().as_deref() {
                Some("entry") => {
                    let (raw_key, raw_text) = (field(&data, "key"), field(&data, "text"));
                    let key = checked_text(&raw_key);
                    let new_value = checked_text(&raw_text);
                    // Unlike a storage event, an entry message always names a key and a text.
                    let well_formed = key.is_some() && new_value.is_some();
                    on_message(ChannelMessage::Entry(StorageChange {
                        key,
                        new_value,
                        well_formed,
                    }));
                }
                Some("hello") => {
                    if let Some(prefix) = checked_text(&field(&data, "prefix")) {
                        on_message(ChannelMessage::Hello { prefix });
                    }
                }
                _ => {}
            }
        })
    }
}

impl ChannelTransport {
    /// Leaves the channel: nothing more is received, and sending fails. Also done on drop.
    pub fn close(&self) {
        self.channel.close();
    }
}

impl Drop for ChannelTransport {
    fn drop(&mut self) {
        self.close();
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
