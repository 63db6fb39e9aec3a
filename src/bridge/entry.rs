//! The module's entry points, one per Streamlit host, and the handle JS keeps per instance.
//!
//! * v1: the iframe's page calls [`mount_iframe`] once; render args arrive as messages from
//!   the parent page.
//! * v2: the component's ES module calls [`mount_module`] once per mounted component
//!   instance and hands it each new `data` with [`Mounted::render`]; it calls `free()` on the
//!   handle in the component's cleanup, which drops the bridge and all its listeners.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::prelude::*;

use super::{with_bridge, Bridge};
use crate::host::{IframeHost, ModuleHost};

/// A mounted bridge. Dropping it (`free()` from JS) stops it: listeners removed, pending
/// deliveries cancelled.
#[wasm_bindgen]
pub struct Mounted {
    bridge: Rc<RefCell<Bridge>>,
    /// The v1 render-message listener (none for v2, whose args come through `render`).
    _renders: Option<EventListener>,
}

#[wasm_bindgen]
impl Mounted {
    /// Hands new render args to this instance (v2: the component's `data`).
    pub fn render(&self, args: JsValue) {
        with_bridge(&Rc::downgrade(&self.bridge), |b| b.render(args));
    }
}

fn panic_hook() {
    #[cfg(feature = "panic-hook")]
    console_error_panic_hook::set_once();
}

/// Mounts the bridge in a v1 component iframe: listens for render messages from the parent
/// Streamlit page and tells it the component is ready. `None` outside a browser window.
#[wasm_bindgen]
pub fn mount_iframe() -> Option<Mounted> {
    panic_hook();
    let host = IframeHost::connect()?;
    let bridge = Bridge::mount(Box::new(host.clone()));
    let weak = Rc::downgrade(&bridge);
    let renders = host.on_render(move |args| with_bridge(&weak, |b| b.render(args)));
    let _ = host.ready();
    let _ = host.set_frame_height(0);
    Some(Mounted {
        bridge,
        _renders: renders,
    })
}

/// Mounts one bridge for a v2 component instance; `set_delivery(value)` must hand each
/// delivery to Streamlit (`setStateValue("delivery", value)`).
#[wasm_bindgen]
pub fn mount_module(set_delivery: js_sys::Function) -> Mounted {
    panic_hook();
    Mounted {
        bridge: Bridge::mount(Box::new(ModuleHost::new(set_delivery))),
        _renders: None,
    }
}
