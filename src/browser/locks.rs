//! The Web Locks API (`navigator.locks`): cross-tab mutexes by name, which the browser
//! releases itself when their holder's document goes away.
//!
//! Two uses: a lock held around a compare-and-set ([`WebLocks::with_lock`]): `localStorage`
//! has no atomic read-modify-write across tabs, and a lock around the read, the compare and
//! the write makes that sequence atomic among tabs that take the same lock; and locks held
//! for as long as an instance lives ([`WebLocks::hold`], [`WebLocks::held_names`]), which
//! presence is built on. Bound by hand (three calls) rather than through web-sys's
//! unstable-API flag.

use std::cell::{Cell, RefCell};
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

    /// `navigator.locks.request(name, options, callback)`.
    #[wasm_bindgen(method, catch, js_name = request)]
    fn request_with(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &js_sys::Function,
    ) -> Result<js_sys::Promise, JsValue>;

    /// `navigator.locks.query()`.
    #[wasm_bindgen(method, catch, js_name = query)]
    fn query(this: &LockManager) -> Result<js_sys::Promise, JsValue>;

    /// A promise, seen through the methods used here.
    type Settling;

    /// `promise.then(onFulfilled, onRejected)` with one-shot JS functions.
    #[wasm_bindgen(method, js_name = then)]
    fn on_settled(this: &Settling, fulfilled: &JsValue, rejected: &JsValue) -> JsValue;

    /// `promise.catch(onRejected)` with a one-shot JS function (js-sys's `catch` wants a
    /// reusable `Closure`).
    #[wasm_bindgen(method, js_name = catch)]
    fn on_rejected(this: &Settling, callback: &JsValue) -> JsValue;
}

/// A one-shot JS function calling `f`. Every callback of this module goes through this one
/// boxed closure type: each distinct closure type given to `Closure::once_into_js` would
/// instantiate its own copy of wasm-bindgen's glue in the .wasm.
fn once(f: impl FnOnce(JsValue) -> JsValue + 'static) -> JsValue {
    let f: Box<dyn FnOnce(JsValue) -> JsValue> = Box::new(f);
    Closure::once_into_js(f)
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
        let granted = once(move |_lock: JsValue| {
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
        let failed = once(move |err: JsValue| {
            let critical = slot.borrow_mut().take();
            if let Some(critical) = critical {
                critical(Err(BrowserError::LockFailed(describe(&err))));
            }
            JsValue::UNDEFINED
        });
        let _settled = promise.unchecked_into::<Settling>().on_rejected(&failed);
    }
}

/// A lock requested with [`WebLocks::hold`]: held from its grant until this is dropped.
/// Dropping it before the grant withdraws the request.
pub struct LockHold {
    state: Rc<HoldState>,
}

struct HoldState {
    /// Set once the hold is dropped: a grant arriving later is given back at once.
    dropped: Cell<bool>,
    /// Resolves the promise the lock is held on (set while the lock is held).
    release: RefCell<Option<js_sys::Function>>,
    /// Withdraws the request while it waits.
    abort: Option<web_sys::AbortController>,
}

impl Drop for LockHold {
    fn drop(&mut self) {
        self.state.dropped.set(true);
        if let Some(abort) = &self.state.abort {
            abort.abort();
        }
        let release = self.state.release.borrow_mut().take();
        if let Some(release) = release {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
    }
}

impl WebLocks {
    /// Requests the lock `name` (exclusive, or `shared`) and keeps it until the returned
    /// [`LockHold`] is dropped; `on_granted` runs once, when the browser grants it (from a
    /// task of its own, never during this call). The browser releases it by itself if the
    /// document goes away.
    ///
    /// A request that fails, or that the browser refuses, is simply never granted: holding
    /// is an optimisation of the callers (presence), which treat "not granted" as the
    /// answer. A pending request is withdrawn when the hold is dropped, so that a document
    /// about to be frozen leaves no request behind that could be granted while it sleeps.
    pub fn hold(&self, name: &str, shared: bool, on_granted: impl FnOnce() + 'static) -> LockHold {
        let abort = web_sys::AbortController::new().ok();
        let state = Rc::new(HoldState {
            dropped: Cell::new(false),
            release: RefCell::new(None),
            abort,
        });
        let granted_state = state.clone();
        let granted = once(move |_lock: JsValue| -> JsValue {
            if granted_state.dropped.get() {
                return JsValue::UNDEFINED; // given back at once
            }
            let mut resolve = None;
            let held = js_sys::Promise::new(&mut |res, _rej| resolve = Some(res));
            *granted_state.release.borrow_mut() = resolve;
            on_granted();
            held.into()
        });
        let options = js_sys::Object::new();
        if shared {
            let _ = js_sys::Reflect::set(&options, &"mode".into(), &"shared".into());
        }
        if let Some(abort) = &state.abort {
            let _ = js_sys::Reflect::set(&options, &"signal".into(), &abort.signal());
        }
        let promise = self
            .manager
            .request_with(name, &options, granted.unchecked_ref())
            .unwrap_or_else(|err| js_sys::Promise::reject(&err));
        // Withdrawn or refused: nothing to report (see above), but never an unhandled rejection.
        let ignore = once(|_err: JsValue| JsValue::UNDEFINED);
        let _settled = promise.unchecked_into::<Settling>().on_rejected(&ignore);
        LockHold { state }
    }

    /// Calls `on_names` once with the names of the locks held *exclusively* in this origin
    /// now (by any tab), from `navigator.locks.query()`; with `None` if the query fails.
    /// Shared holds are left out (presence watches peers with them), and so are entries
    /// that are not as the specification says.
    pub fn held_names(&self, on_names: impl FnOnce(Option<Vec<String>>) + 'static) {
        let slot = Rc::new(RefCell::new(Some(on_names)));
        let on_ok = slot.clone();
        let fulfilled = once(move |snapshot: JsValue| {
            let mut names = Vec::new();
            let held = js_sys::Reflect::get(&snapshot, &"held".into()).unwrap_or_default();
            if let Some(held) = held.dyn_ref::<js_sys::Array>() {
                for info in held.iter() {
                    let mode = js_sys::Reflect::get(&info, &"mode".into()).unwrap_or_default();
                    if mode.as_string().as_deref() != Some("exclusive") {
                        continue;
                    }
                    let name = js_sys::Reflect::get(&info, &"name".into()).unwrap_or_default();
                    if let Some(name) = name.as_string() {
                        names.push(name);
                    }
                }
            }
            if let Some(on_names) = on_ok.borrow_mut().take() {
                on_names(Some(names));
            }
            JsValue::UNDEFINED
        });
        let rejected = once(move |_err: JsValue| {
            if let Some(on_names) = slot.borrow_mut().take() {
                on_names(None);
            }
            JsValue::UNDEFINED
        });
        let promise = self
            .manager
            .query()
            .unwrap_or_else(|err| js_sys::Promise::reject(&err));
        let _ = promise
            .unchecked_into::<Settling>()
            .on_settled(&fulfilled, &rejected);
    }
}
