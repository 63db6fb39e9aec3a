//! The tab's memory of which local edits were already written, kept in `sessionStorage`.
//!
//! `sessionStorage` belongs to this tab and survives a re-created component iframe, so a new
//! iframe handed the same render args does not write old edits again (which would revert
//! newer values from other tabs). Edit ids are unique per write, so a reloaded or duplicated
//! tab, which keeps a copy of `sessionStorage`, cannot confuse them.

use crate::core::json::read::Reader;
use crate::core::json::write::{self, Object};
use crate::core::KeyMap;

/// Acks (edit id per key) of one namespace, in `sessionStorage`.
#[derive(Debug, Clone)]
pub struct AckMemo {
    key: String,
    storage: web_sys::Storage,
}

impl AckMemo {
    /// The memo of namespace `ns`, or `None` when `sessionStorage` does not work here.
    pub fn open(ns: &str) -> Option<Self> {
        // web-sys rather than gloo-storage: gloo-storage's typed accessors bring serde_json
        // into the module (about 20 kB), and the memo is one JSON object of strings, which
        // the core's reader and writer handle.
        let storage = web_sys::window()?.session_storage().ok()??;
        storage.set_item("tabsync:probe", "1").ok()?;
        storage.remove_item("tabsync:probe").ok()?;
        let mut key = String::from("tabsync:acks:");
        key.push_str(ns);
        Some(AckMemo { key, storage })
    }

    /// The acks saved by an earlier iframe of this tab (empty when none or unreadable).
    pub fn load(&self) -> KeyMap<String> {
        let Ok(Some(text)) = self.storage.get_item(&self.key) else {
            return KeyMap::new();
        };
        let mut acks = KeyMap::new();
        let read = Reader::new(&text).object(|key, r| {
            acks.insert(key.to_owned(), r.string()?.into_owned());
            Ok(())
        });
        match read {
            Ok(()) => acks,
            Err(_) => KeyMap::new(),
        }
    }

    /// Saves the acks; a failure only costs a possible rewrite of an old edit later.
    pub fn save(&self, acks: &KeyMap<String>) {
        let mut text = String::new();
        let mut object = Object::new(&mut text);
        for (key, id) in acks.iter() {
            write::string(object.key(key), id);
        }
        object.end();
        let _ = self.storage.set_item(&self.key, &text);
    }
}
