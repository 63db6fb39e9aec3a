//! The pure sync core: no web-sys, no wasm-bindgen, tested natively by `cargo test`.
//!
//! Data flows one way: a stored text is decoded into an [`Envelope`] (validated, capped), its
//! [`Stamp`] advances this tab's [`HybridClock`], the [`Replica`] keeps the highest-stamped
//! value of each key, and the [`Engine`] turns render args and storage changes into
//! [`Effect`]s (storage writes, deliveries to Streamlit) for the browser layer to carry out.

pub mod clock;
pub mod engine;
pub mod envelope;
pub mod error;
pub mod json;
pub mod replica;

/// A map keyed by session-state key (or storage key), in key order.
///
/// A sorted `Vec` rather than a `BTreeMap`: a tab binds a few dozen keys at most, and each
/// `BTreeMap` instantiation costs kilobytes of wasm where this one costs a few hundred bytes.
pub type KeyMap<V> = litemap::LiteMap<String, V>;

/// A set of keys, in key order (a [`KeyMap`] without values).
pub type KeySet = KeyMap<()>;

pub use clock::{HybridClock, Stamp, MAX_AHEAD_MS};
pub use engine::{
    Conflict, ConflictPolicy, DeliveredValue, Delivery, Edit, Effect, Engine, PendingEdit,
    RenderArgs, Status,
};
pub use envelope::{storage_key, Envelope, FORMAT_VERSION, KEY_PREFIX, MAX_DEPTH, MAX_ENTRY_BYTES};
pub use error::{ArgsError, DecodeError};
pub use json::Json;
pub use replica::{Merge, Replica, Versioned};
