//! Streamlit's v1 component protocol, spoken from inside the component iframe.
//!
//! To the parent: `streamlit:componentReady` (apiVersion 1), `streamlit:setFrameHeight`,
//! `streamlit:setComponentValue` (dataType json), each with `isStreamlitMessage: true`.
//! From the parent: `streamlit:render` with the args. Messages from any other window are
//! ignored, so another frame cannot forge render args.

use gloo_events::EventListener;
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Window};

use super::{Host, HostError};
use crate::js_error::describe;

/// The parent Streamlit page of this component iframe.
#[derive(Debug, Clone)]
pub struct IframeHost {
    parent: Window,
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // Reflect.set on a plain new object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

impl IframeHost {
    /// The host of this frame (its parent window; a top-level page is its own parent).
    pub fn connect() -> Option<Self> {
        let window = web_sys::window()?;
        let parent = window.parent().ok().flatten().unwrap_or(window);
        Some(IframeHost { parent })
    }

    fn post(&self, kind: &str, fill: impl FnOnce(&Object)) -> Result<(), HostError> {
        let message = Object::new();
        set(&message, "isStreamlitMessage", &JsValue::TRUE);
        set(&message, "type", &JsValue::from_str(kind));
        fill(&message);
        self.parent
            .post_message(&message, "*")
            .map_err(|e| HostError::PostFailed(describe(&e)))
    }

    /// Tells Streamlit the component is ready for render messages.
    pub fn ready(&self) -> Result<(), HostError> {
        self.post("streamlit:componentReady", |m| {
            set(m, "apiVersion", &JsValue::from(1))
        })
    }

    /// Sets the iframe's height in pixels (0 keeps the component invisible).
    pub fn set_frame_height(&self, height: u32) -> Result<(), HostError> {
        self.post("streamlit:setFrameHeight", |m| {
            set(m, "height", &JsValue::from(height))
        })
    }

    /// Calls `on_render` with the args of every `streamlit:render` message from the parent.
    /// The listener is removed when the returned value is dropped.
    #[must_use = "the listener is removed when dropped"]
    pub fn on_render<F>(&self, mut on_render: F) -> Option<EventListener>
    where
        F: FnMut(JsValue) + 'static,
    {
        let window = web_sys::window()?;
        let parent_value = JsValue::from(self.parent.clone());
        Some(EventListener::new(&window, "message", move |event| {
            let Some(event) = event.dyn_ref::<MessageEvent>() else {
                return;
            };
            // Compare identities, not types: the parent's window belongs to another realm,
            // so an `instanceof Window` check made here would fail for it.
            let from_parent = event
                .source()
                .is_some_and(|s| JsValue::from(s) == parent_value);
            if !from_parent {
                return;
            }
            let data = event.data();
            let kind = Reflect::get(&data, &JsValue::from_str("type")).ok();
            if kind.and_then(|k| k.as_string()).as_deref() != Some("streamlit:render") {
                return;
            }
            if let Ok(args) = Reflect::get(&data, &JsValue::from_str("args")) {
                on_render(args);
            }
        }))
    }
}

impl Host for IframeHost {
    /// Sets the component's value (`streamlit:setComponentValue`), which reruns the tab's
    /// script with it.
    fn deliver(&self, delivery: &JsValue) -> Result<(), HostError> {
        self.post("streamlit:setComponentValue", |m| {
            set(m, "value", delivery);
            set(m, "dataType", &JsValue::from_str("json"));
        })
    }
}
