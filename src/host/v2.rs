//! Streamlit's v2 component API: the module runs in the app page, one bridge per mounted
//! component instance.
//!
//! The component's ES module (frontend/v2.js) calls [`crate::bridge::mount_module`] with a
//! callback that does `setStateValue("delivery", value)`, and hands every new `data` (the
//! render args) to the returned instance.

use wasm_bindgen::JsValue;

use super::{Host, HostError};
use crate::js_error::describe;

/// One mounted v2 component instance's way back to Streamlit.
#[derive(Debug, Clone)]
pub struct ModuleHost {
    set_delivery: js_sys::Function,
}

impl ModuleHost {
    /// A host that hands each delivery to `set_delivery(value)`.
    pub fn new(set_delivery: js_sys::Function) -> Self {
        ModuleHost { set_delivery }
    }
}

impl Host for ModuleHost {
    fn deliver(&self, delivery: &JsValue) -> Result<(), HostError> {
        self.set_delivery
            .call1(&JsValue::NULL, delivery)
            .map(|_| ())
            .map_err(|e| HostError::CallbackFailed(describe(&e)))
    }
}
