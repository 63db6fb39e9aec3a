//! Devices mode in the bridge: deliveries the Streamlit side must be seen to take.
//!
//! A delivery travels as a run of the component's fragment, which Streamlit drops when it
//! arrives while a run of the whole app is re-registering its fragments, and the delivery
//! carries the outbox of entries for the server relay. So the bridge watches each delivery
//! until the render args say it was seen (`seen`), and posts the state again after
//! [`UNSEEN_MS`] (doubled after each try, up to [`MAX_UNSEEN_TRIES`] tries). The engine's
//! [`RelaySync`](crate::core::RelaySync) holds the rest of devices mode.

use std::cell::RefCell;
use std::rc::Weak;

use gloo_timers::callback::Timeout;

use super::{with_bridge, Bridge};
use crate::core::RenderArgs;

/// Devices mode: how long a delivery may stay unseen by the Streamlit side before the state
/// is posted again, in ms (doubled after each try, up to [`MAX_UNSEEN_TRIES`] tries).
pub const UNSEEN_MS: u32 = 1_000;
/// Devices mode: how many times an unseen delivery is posted again.
pub const MAX_UNSEEN_TRIES: u32 = 5;

/// The bridge's devices-only state.
#[derive(Default)]
pub(crate) struct Devices {
    /// Whether the latest render args ask for devices mode.
    on: bool,
    /// Id of the last delivery posted, until the Streamlit side has seen it.
    unseen: Option<String>,
    tries: u32,
    timer: Option<Timeout>,
    /// True while the delivery due is a repeat of an unseen one.
    repeating: bool,
}

impl Devices {
    /// Takes the render args: devices mode on or off, and the last delivery seen.
    pub(crate) fn render(&mut self, args: &RenderArgs) {
        self.on = args.devices;
        if self.unseen.is_some() && self.unseen == args.seen {
            self.unseen = None;
            self.timer = None;
        }
    }

    /// A delivery with id `id` was posted: in devices mode, watch for it being seen.
    pub(crate) fn posted(&mut self, id: String, bridge: &Weak<RefCell<Bridge>>) {
        if !self.on {
            return;
        }
        if !std::mem::take(&mut self.repeating) {
            self.tries = 0;
        }
        self.unseen = Some(id);
        if self.tries >= MAX_UNSEEN_TRIES {
            return;
        }
        let wait = UNSEEN_MS.saturating_mul(1 << self.tries);
        let weak = bridge.clone();
        self.timer = Some(Timeout::new(wait, move || {
            with_bridge(&weak, Bridge::unseen_for_long)
        }));
    }

    /// The watch ran out: true when the delivery is still unseen and must be posted again.
    pub(crate) fn still_unseen(&mut self) -> bool {
        self.timer = None;
        if self.unseen.is_none() {
            return false;
        }
        self.tries += 1;
        self.repeating = true;
        true
    }
}
