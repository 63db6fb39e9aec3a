//! Per-key last-writer-wins view of the shared state.
//!
//! Each key holds the value with the highest [`Stamp`] seen. Merging is idempotent,
//! commutative and associative, so tabs that have seen the same writes, in any order and any
//! number of times, hold the same state.

use super::clock::Stamp;
use super::json::Json;
use super::KeyMap;

/// What merging one write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// The write is newer than what the replica held; it is now the key's value.
    Newer,
    /// The replica already held exactly this write.
    Duplicate,
    /// The replica holds a newer write; this one was dropped.
    Stale,
}

/// A value with the stamp it was written at.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned {
    /// The value.
    pub value: Json,
    /// Its stamp.
    pub stamp: Stamp,
}

/// The highest-stamped write of each key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replica {
    entries: KeyMap<Versioned>,
}

impl Replica {
    /// An empty replica.
    pub fn new() -> Self {
        Self::default()
    }

    /// Merges one write of `key`.
    pub fn merge(&mut self, key: &str, value: Json, stamp: Stamp) -> Merge {
        match self.entries.get(key) {
            Some(held) if held.stamp == stamp => Merge::Duplicate,
            Some(held) if held.stamp > stamp => Merge::Stale,
            _ => {
                self.entries
                    .insert(key.to_owned(), Versioned { value, stamp });
                Merge::Newer
            }
        }
    }

    /// Merges every entry of `other` into this replica.
    pub fn merge_all(&mut self, other: &Replica) {
        for (key, held) in &other.entries {
            self.merge(key, held.value.clone(), held.stamp.clone());
        }
    }

    /// The current value of `key`, if any.
    pub fn get(&self, key: &str) -> Option<&Versioned> {
        self.entries.get(key)
    }

    /// All keys with their current values, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Versioned)> {
        self.entries.iter()
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no key is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forgets every key (used when the namespace changes).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
