//! # streamlit-tabsync
//!
//! Keeps chosen Streamlit `session_state` keys in step across every tab of one browser,
//! through `localStorage` and its `storage` event, with no backend.
//!
//! * [`core`] is pure Rust (envelope format, hybrid logical clock, per-key last-writer-wins
//!   replica, the engine) and runs under plain `cargo test`.
//! * On `wasm32`, `transport` carries entries between tabs (`localStorage`, else
//!   `BroadcastChannel`) behind one interface, `host` hands deliveries to Streamlit (the v1
//!   iframe protocol or the v2 module API) behind another, `browser` wraps the other browser
//!   APIs used (Web Locks, `sessionStorage`), and `bridge` wires one transport and one host to
//!   an engine per mounted component instance (`mount_iframe`, `mount_module`).
#![deny(missing_docs)]
// Nothing the browser, the user or another tab controls may abort the module: no unwrap,
// expect or panic outside tests (tests live in tests/, where these lints do not apply).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod core;

/// talc rather than Rust's default dlmalloc: a fraction of the bytes every tab downloads.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(target_arch = "wasm32")]
pub mod bridge;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod host;
#[cfg(target_arch = "wasm32")]
mod js_error;
#[cfg(target_arch = "wasm32")]
pub mod transport;
