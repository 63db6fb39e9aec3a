//! The Web Locks API (`navigator.locks`): one cross-tab mutex per name, for compare-and-set.
//!
//! `localStorage` has no atomic read-modify-write across tabs; a lock held around the read,
//! the compare and the write makes that sequence atomic among tabs that take the same lock.
//! Bound by hand (two calls) rather than through web-sys's unstable-API flag.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks`.
    type LockManager;

    #[wasm_bindgen(method, js_name = request)]
    fn request(this: &LockManager, name: &str, callback: &js_sys::Function) -> js_sys::Promise;
}

/// `navigator.locks`, where the browser has it.
pub struct WebLocks {
    manager: LockManager,
}

impl WebLocks {
    /// The lock manager, or `None` where the browser lacks Web Locks.
    pub fn open() -> Option<Self> {
        let navigator = web_sys::window()?.navigator();
        let manager = js_sys::Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
        if manager.is_undefined() || manager.is_null() {
            return None;
        }
        Some(WebLocks {
            manager: manager.unchecked_into(),
        })
    }

    /// Runs `critical` while holding the exclusive lock `name`, as soon as it is granted.
    /// The lock is released when `critical` returns.
    pub fn with_lock(&self, name: &str, critical: impl FnOnce() + 'static) {
        let callback = Closure::once_into_js(move |_lock: JsValue| {
            critical();
            JsValue::UNDEFINED
        });
        let _granted = self.manager.request(name, callback.unchecked_ref());
    }
}
