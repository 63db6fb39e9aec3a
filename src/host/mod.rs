//! Where deliveries go: the Streamlit page, through one of its two component APIs.
//!
//! * [`IframeHost`] (v1): the module runs in the component's iframe and speaks Streamlit's
//!   postMessage protocol with its parent page (render args arrive as messages).
//! * [`ModuleHost`] (v2, Streamlit >= 1.51): the module runs in the app page itself; the
//!   component's ES module hands each instance its `data` (the render args) and a callback
//!   that sets the component's state value.
//!
//! The bridge only calls [`Host::deliver`]; how render args arrive is the entry point's
//! business (see `crate::bridge`).

pub mod error;
pub mod v1;
pub mod v2;

pub use error::HostError;
pub use v1::IframeHost;
pub use v2::ModuleHost;

/// A place deliveries can be handed to; each delivery reruns the tab's script once.
pub trait Host {
    /// Hands a delivery (a plain JS object built from the protocol's JSON) to Streamlit.
    fn deliver(&self, delivery: &wasm_bindgen::JsValue) -> Result<(), HostError>;
}
