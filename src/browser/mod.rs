//! Thin RAII wrappers over the browser APIs the bridge uses besides its transports (see
//! [`crate::transport`]) and hosts (see [`crate::host`]), one module per API.
//!
//! Every browser failure comes back as a [`BrowserError`] value; nothing here panics on what
//! the browser, the user or another tab controls.

pub mod error;
pub mod locks;
pub mod memo;

pub use error::BrowserError;
pub use locks::{LockHold, WebLocks};
pub use memo::AckMemo;

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
