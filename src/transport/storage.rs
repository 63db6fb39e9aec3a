//! `localStorage` as a transport: probe, read a namespace, write, and listen for `storage`.

use gloo_events::EventListener;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Storage, StorageEvent};

use crate::browser::checked_text;
use crate::browser::error::{describe, BrowserError};

const PROBE_KEY: &str = "tabsync:probe";

/// A change made to `localStorage` by another document of this origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageChange {
    /// The changed key; `None` after `localStorage.clear()`.
    pub key: Option<String>,
    /// The new text; `None` after a removal or a clear, or when it is not well formed.
    pub new_value: Option<String>,
    /// False when the key or new text is not valid UTF-16 (a lone surrogate): Rust strings
    /// would silently replace it, so such a change is reported as malformed instead.
    pub well_formed: bool,
}

/// `localStorage`, once shown to work.
#[derive(Debug, Clone)]
pub struct StorageTransport {
    storage: Storage,
}

impl StorageTransport {
    /// Opens `localStorage` and proves it works by writing and removing a probe key
    /// (access can throw, or storage can be missing, read-only or full).
    pub fn open() -> Result<Self, BrowserError> {
        let window = web_sys::window()
            .ok_or_else(|| BrowserError::StorageUnavailable("no window".to_owned()))?;
        let storage = window
            .local_storage()
            .map_err(|e| BrowserError::StorageUnavailable(describe(&e)))?
            .ok_or_else(|| BrowserError::StorageUnavailable("no localStorage".to_owned()))?;
        storage
            .set_item(PROBE_KEY, "1")
            .and_then(|()| storage.remove_item(PROBE_KEY))
            .map_err(|e| BrowserError::StorageUnavailable(describe(&e)))?;
        Ok(StorageTransport { storage })
    }

    /// Every entry whose key starts with `prefix`, as (key, text); a text that is not valid
    /// UTF-16 comes back as `None`.
    pub fn entries_with_prefix(&self, prefix: &str) -> Vec<(String, Option<String>)> {
        let count = self.storage.length().unwrap_or(0);
        let mut out = Vec::new();
        for index in 0..count {
            let Ok(Some(key)) = self.storage.key(index) else {
                continue;
            };
            if !key.starts_with(prefix) {
                continue;
            }
            let value = js_sys::Reflect::get(&self.storage, &JsValue::from_str(&key));
            if let Ok(value) = value {
                if !value.is_undefined() && !value.is_null() {
                    out.push((key, checked_text(&value)));
                }
            }
        }
        out
    }

    /// The text stored under `key`, if any (a failed read counts as none).
    pub fn read(&self, key: &str) -> Option<String> {
        self.storage.get_item(key).ok().flatten()
    }

    /// Removes the entry under `key` (a failure leaves it for the next reader to remove).
    pub fn remove(&self, key: &str) {
        let _ = self.storage.remove_item(key);
    }

    /// Writes `text` under `key`; fails with the browser's reason (for example the quota).
    pub fn write(&self, key: &str, text: &str) -> Result<(), BrowserError> {
        self.storage
            .set_item(key, text)
            .map_err(|e| BrowserError::WriteFailed(describe(&e)))
    }

    /// Calls `on_change` for every `storage` event on `localStorage` of this window. The
    /// listener is removed when the returned value is dropped.
    #[must_use = "the listener is removed when dropped"]
    pub fn listen<F>(&self, mut on_change: F) -> Option<EventListener>
    where
        F: FnMut(StorageChange) + 'static,
    {
        let window = web_sys::window()?;
        let local = self.storage.clone();
        Some(EventListener::new(&window, "storage", move |event| {
            let Some(event) = event.dyn_ref::<StorageEvent>() else {
                return;
            };
            // sessionStorage changes of other same-tab frames fire here too: skip them.
            if let Some(area) = event.storage_area() {
                if area != local {
                    return;
                }
            }
            let raw_key =
                js_sys::Reflect::get(event, &JsValue::from_str("key")).unwrap_or_default();
            let raw_new =
                js_sys::Reflect::get(event, &JsValue::from_str("newValue")).unwrap_or_default();
            let key = checked_text(&raw_key);
            let new_value = checked_text(&raw_new);
            let well_formed =
                (raw_key.is_null() || key.is_some()) && (raw_new.is_null() || new_value.is_some());
            on_change(StorageChange {
                key,
                new_value,
                well_formed,
            });
        }))
    }
}

impl super::Transport for StorageTransport {
    fn catch_up(&self, prefix: &str) -> Vec<(String, Option<String>)> {
        self.entries_with_prefix(prefix)
    }

    fn read(&self, key: &str) -> Option<String> {
        StorageTransport::read(self, key)
    }

    fn write(&self, key: &str, text: &str) -> Result<(), BrowserError> {
        StorageTransport::write(self, key, text)
    }

    fn remove(&self, key: &str) {
        StorageTransport::remove(self, key)
    }

    fn listen(&self, mut on_event: Box<dyn FnMut(super::TransportEvent)>) -> Vec<EventListener> {
        StorageTransport::listen(self, move |change| {
            on_event(super::TransportEvent::Changed(change))
        })
        .into_iter()
        .collect()
    }
}
