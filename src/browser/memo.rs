//! The tab's memory of which local edits were already written, kept in `sessionStorage`.
//!
//! `sessionStorage` belongs to this tab and survives a re-created component iframe, so a new
//! iframe handed the same render args does not write old edits again (which would revert
//! newer values from other tabs). Edit ids are unique per write, so a reloaded or duplicated
//! tab, which keeps a copy of `sessionStorage`, cannot confuse them.

use gloo_storage::{SessionStorage, Storage};

use crate::core::{deserialize_key_map, KeyMap};

/// The saved acks, read through [`deserialize_key_map`] (no bulk sort linked in).
struct SavedAcks(KeyMap<String>);

impl<'de> serde::Deserialize<'de> for SavedAcks {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_key_map(deserializer).map(SavedAcks)
    }
}

/// Acks (edit id per key) of one namespace, in `sessionStorage`.
#[derive(Debug, Clone)]
pub struct AckMemo {
    key: String,
}

impl AckMemo {
    /// The memo of namespace `ns`, or `None` when `sessionStorage` does not work here.
    pub fn open(ns: &str) -> Option<Self> {
        // gloo-storage's accessors throw when storage is missing: probe with web-sys first.
        let storage = web_sys::window()?.session_storage().ok()??;
        storage.set_item("tabsync:probe", "1").ok()?;
        storage.remove_item("tabsync:probe").ok()?;
        let mut key = String::from("tabsync:acks:");
        key.push_str(ns);
        Some(AckMemo { key })
    }

    /// The acks saved by an earlier iframe of this tab (empty when none or unreadable).
    pub fn load(&self) -> KeyMap<String> {
        SessionStorage::get::<SavedAcks>(&self.key)
            .map(|saved| saved.0)
            .unwrap_or_default()
    }

    /// Saves the acks; a failure only costs a possible rewrite of an old edit later.
    pub fn save(&self, acks: &KeyMap<String>) {
        let _ = SessionStorage::set(&self.key, acks);
    }
}
