//! `BroadcastChannel`: messages between the documents of the origin (tabs, frames), each a
//! flat object of text fields.
//!
//! Two users: the fallback transport ([`crate::transport::ChannelTransport`]) and presence
//! (`crate::bridge::presence`). Any script of the origin can post on a channel, so a received
//! field is read as checked text ([`Message::text`]), never trusted to be one.

use gloo_events::EventListener;
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::MessageEvent;

use super::checked_text;
use super::error::{describe, BrowserError};

/// This document's end of one named channel; closed when dropped.
#[derive(Debug)]
pub struct Broadcast {
    channel: web_sys::BroadcastChannel,
}

/// A message received on a [`Broadcast`].
pub struct Message(JsValue);

impl Message {
    /// The text of field `name`; `None` when the message has no such field, or it is not a
    /// string, or not valid UTF-16.
    pub fn text(&self, name: &str) -> Option<String> {
        let value = Reflect::get(&self.0, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
        checked_text(&value)
    }
}

impl Broadcast {
    /// Joins the channel `name` (fails where `BroadcastChannel` is missing or refused).
    pub fn open(name: &str) -> Result<Self, BrowserError> {
        web_sys::BroadcastChannel::new(name)
            .map(|channel| Broadcast { channel })
            .map_err(|e| BrowserError::ChannelUnavailable(describe(&e)))
    }

    /// Posts an object of the text fields `fields` to the other documents on the channel
    /// (the sender does not get it back).
    pub fn post(&self, fields: &[(&str, &str)]) -> Result<(), BrowserError> {
        let message = Object::new();
        for (name, value) in fields {
            // Reflect.set on a plain new object cannot fail.
            let _ = Reflect::set(
                &message,
                &JsValue::from_str(name),
                &JsValue::from_str(value),
            );
        }
        self.channel
            .post_message(&message)
            .map_err(|e| BrowserError::ChannelPostFailed(describe(&e)))
    }

    /// Calls `on_message` for every message another document posts on the channel. The
    /// listener is removed when the returned value is dropped.
    #[must_use = "the listener is removed when dropped"]
    pub fn listen<F>(&self, mut on_message: F) -> EventListener
    where
        F: FnMut(&Message) + 'static,
    {
        EventListener::new(&self.channel, "message", move |event| {
            if let Some(event) = event.dyn_ref::<MessageEvent>() {
                on_message(&Message(event.data()));
            }
        })
    }

    /// Leaves the channel: nothing more is received, and posting fails. Also done on drop.
    pub fn close(&self) {
        self.channel.close();
    }
}

impl Drop for Broadcast {
    fn drop(&mut self) {
        self.close();
    }
}
