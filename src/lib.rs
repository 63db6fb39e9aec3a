//! # streamlit-tabsync
//!
//! Keeps chosen Streamlit `session_state` keys in step across every tab of one browser,
//! through `localStorage` and its `storage` event, with no backend.
//!
//! * [`core`] is pure Rust (envelope format, hybrid logical clock, per-key last-writer-wins
//!   replica, the engine) and runs under plain `cargo test`.
//! * On `wasm32`, `browser` wraps `localStorage` and the `storage` event, `host` speaks
//!   Streamlit's component iframe protocol, and `bridge` wires them to the engine. The
//!   module starts itself when loaded (`#[wasm_bindgen(start)]`).
#![deny(missing_docs)]
// Nothing the browser, the user or another tab controls may abort the module: no unwrap,
// expect or panic outside tests (tests live in tests/, where these lints do not apply).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod bridge;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod host;
