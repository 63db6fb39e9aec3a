//! Thin RAII wrappers over the browser APIs the bridge and its transports use besides
//! `localStorage` (see [`crate::transport`]) and the hosts (see [`crate::host`]), one module
//! per API.
//!
//! Every browser failure comes back as a [`BrowserError`] value; nothing here panics on what
//! the browser, the user or another tab controls.

pub mod channel;
pub mod error;
pub mod identity;
pub mod locks;
pub mod memo;

pub use channel::{Broadcast, Message};
pub use error::BrowserError;
pub use locks::{LockHold, WebLocks};
pub use memo::AckMemo;

/// The text of a JS string, or `None` when it is not a string or not valid UTF-16 (a lossy
/// conversion would turn a malformed entry into a different, well-formed one).
pub(crate) fn checked_text(value: &wasm_bindgen::JsValue) -> Option<String> {
    use wasm_bindgen::JsCast;
    let text = value.dyn_ref::<js_sys::JsString>()?;
    if text.is_valid_utf16() {
        text.as_string()
    } else {
        None
    }
}

/// Milliseconds since the Unix epoch from `Date.now()`, clamped to a non-negative integer.
pub fn now_ms() -> u64 {
    let now = js_sys::Date::now();
    if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    }
}

/// A random id of 12 hex digits (from `Math.random`: ids need to be unique, not secret).
pub fn random_id() -> String {
    let mut out = String::with_capacity(12);
    for _ in 0..2 {
        let n = (js_sys::Math::random() * 16_777_216.0) as u32;
        for shift in (0..6).rev() {
            let digit = (n >> (shift * 4)) & 0xf;
            out.push(char::from_digit(digit, 16).unwrap_or('0'));
        }
    }
    out
}
