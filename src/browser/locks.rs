//! The Web Locks API (`navigator.locks`): one cross-tab mutex per name, for compare-and-set.
//!
//! `localStorage` has no atomic read-modify-write across tabs; a lock held around the read,
//! the compare and the write makes that sequence atomic among tabs that take the same lock.
//! Bound by hand (two calls) rather than through web-sys's unstable-API flag.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::error::{describe, BrowserError};

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks`.
    type LockManager;

    /// `navigator.locks.request(name, callback)`; throws for a malformed name, or when a
    /// page script replaced it with something that throws.
    #[wasm_bindgen(method, catch, js_name = request)]
    fn request(
        this: &LockManager,
        name: &str,
        callback: &js_sys::Function,
    ) -> Result<js_sys::Promise, JsValue>;

    /// A promise, seen through the one method used here.
    type Settling;

    /// `promise.catch(onRejected)` with a one-shot JS function (js-sys's `catch` wants a
    /// reusable `Closure`).
    #[wasm_bindgen(method, js_name = catch)]
    fn on_rejected(this: &Settling, callback: &JsValue) -> JsValue;
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

    /// Runs `critical(Ok(()))` while holding the exclusive lock `name`, as soon as it is
    /// granted; the lock is released when `critical` returns. When the request fails
    /// (throws, or its promise rejects before the lock is granted), `critical` gets the
    /// error instead, so the caller can finish its work without the lock and report it.
    /// Either way `critical` runs exactly once, and never before this call has returned.
    pub fn with_lock(&self, name: &str, critical: impl FnOnce(Result<(), BrowserError>) + 'static) {
        let slot = Rc::new(RefCell::new(Some(critical)));
        let on_granted = slot.clone();
        let granted = Closure::once_into_js(move |_lock: JsValue| {
            let critical = on_granted.borrow_mut().take();
            if let Some(critical) = critical {
                critical(Ok(()));
            }
            JsValue::UNDEFINED
        });
        // A synchronous throw becomes a rejected promise, so the failure path also runs
        // later (from a microtask), when the caller no longer holds its own state.
        let promise = self
            .manager
            .request(name, granted.unchecked_ref())
            .unwrap_or_else(|err| js_sys::Promise::reject(&err));
        let failed = Closure::once_into_js(move |err: JsValue| {
            let critical = slot.borrow_mut().take();
            if let Some(critical) = critical {
                critical(Err(BrowserError::LockFailed(describe(&err))));
            }
        });
        let _settled = promise.unchecked_into::<Settling>().on_rejected(&failed);
    }
}
