//! The pure sync core: no web-sys, no wasm-bindgen, tested natively by `cargo test`.
//!
//! Data flows one way: a stored text is decoded into an [`Envelope`] (validated, capped), its
//! [`Stamp`] advances this tab's [`HybridClock`], the [`Replica`] keeps the highest-stamped
//! value of each key, and the [`Engine`] turns render args and storage changes into
//! [`Effect`]s (storage writes, deliveries to Streamlit) for the browser layer to carry out.
//! In devices mode the engine's [`RelaySync`] reads what the server relay holds and fills
//! the outbox of entries for it.

pub mod clock;
pub mod engine;
pub mod envelope;
pub mod error;
mod health;
mod holdings;
pub mod json;
pub mod presence;
pub mod protocol;
pub mod relay_sync;
pub mod replica;

/// A map keyed by session-state key (or storage key), in key order.
///
/// A sorted `Vec` rather than a `BTreeMap`: a tab binds a few dozen keys at most, and each
/// `BTreeMap` instantiation costs kilobytes of wasm where this one costs a few hundred bytes.
pub type KeyMap<V> = litemap::LiteMap<String, V>;

/// A set of keys, in key order (a [`KeyMap`] without values).
pub type KeySet = KeyMap<()>;

/// Reads a JSON object (or JS object) into a [`KeyMap`] one insert at a time, for
/// `#[serde(deserialize_with)]`. litemap's own `Deserialize` sorts out-of-order input in
/// bulk, which links a sort routine per value type into the wasm for maps of a few keys.
pub fn deserialize_key_map<'de, D, V>(deserializer: D) -> Result<KeyMap<V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: serde::Deserialize<'de>,
{
    struct Entries<V>(std::marker::PhantomData<V>);

    impl<'de, V: serde::Deserialize<'de>> serde::de::Visitor<'de> for Entries<V> {
        type Value = KeyMap<V>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<KeyMap<V>, A::Error> {
            let mut out = KeyMap::new();
            while let Some((key, value)) = map.next_entry::<String, V>()? {
                out.insert(key, value);
            }
            Ok(out)
        }
    }

    deserializer.deserialize_map(Entries(std::marker::PhantomData))
}

pub use clock::{HybridClock, Stamp, MAX_AHEAD_MS, MAX_WALL_MS};
pub use engine::{Effect, Engine, PendingEdit};
pub use envelope::{
    is_valid_key, is_valid_name, storage_key, Envelope, FORMAT_VERSION, KEY_PREFIX, MAX_DEPTH,
    MAX_ENTRY_BYTES,
};
pub use error::{ArgsError, DecodeError};
pub use json::Json;
pub use presence::{here_lock, lead_lock, Presence, HERE_PREFIX, LEAD_PREFIX, MAX_PEERS};
pub use protocol::{
    Conflict, ConflictPolicy, DeliveredValue, Delivery, Edit, OutboxItem, RelaySnapshot,
    RenderArgs, Status, PROTOCOL_VERSION, RENDER_ARG_FIELDS,
};
pub use relay_sync::RelaySync;
pub use replica::{Merge, Replica, Versioned};
