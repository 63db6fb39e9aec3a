//! `localStorage` as a transport: probe, read a namespace, write, and listen for `storage`.

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{Storage, StorageEvent};

use super::error::{describe, BrowserError};

const PROBE_KEY: &str = "tabsync:probe";

/// A change made to `localStorage` by another document of this origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageChange {
    /// The changed key; `None` after `localStorage.clear()`.
    pub key: Option<String>,
    /// The new text; `None` after a removal or a clear.
    pub new_value: Option<String>,
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

    /// Every entry whose key starts with `prefix`, as (key, text).
    pub fn entries_with_prefix(&self, prefix: &str) -> Vec<(String, String)> {
        let count = self.storage.length().unwrap_or(0);
        let mut out = Vec::new();
        for index in 0..count {
            let Ok(Some(key)) = self.storage.key(index) else {
                continue;
            };
            if !key.starts_with(prefix) {
                continue;
            }
            if let Ok(Some(text)) = self.storage.get_item(&key) {
                out.push((key, text));
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
            on_change(StorageChange {
                key: event.key(),
                new_value: event.new_value(),
            });
        }))
    }
}
