//! When the bridge posts a delivery: at once after a quiet spell, else at the end of the
//! pacing gap, and never before the first presence count has had its chance.
//!
//! Two deliveries are at least [`MIN_DELIVERY_GAP_MS`] apart, and news that arrives within
//! the gap is coalesced into the one delivery made at its end, carrying the newest value of
//! each key. Each delivery but the first of a burst carries news that arrived after the one
//! before it was made. So a burst of writes over T ms (from the first to the last) costs the
//! receiving tab at most `2 + T / MIN_DELIVERY_GAP_MS` deliveries, each one rerun (integer
//! division): every delivery of the burst but the last is made by the time of the last
//! write, a gap or more after the one before, starting no earlier than the first write.
//! The bound is reached: a write delivered at once, then a second one arriving just after a
//! delivery that carried the first, costs two reruns for T = 0. (A timer that fires late
//! only spreads the deliveries further apart.)

use gloo_timers::callback::Timeout;

/// Smallest time between two deliveries to Streamlit, in ms (each delivery is one rerun).
pub const MIN_DELIVERY_GAP_MS: u32 = 100;

/// The pacing state of one bridge.
#[derive(Default)]
pub(crate) struct Pacing {
    /// The delivery waiting for the end of the gap (or for the first presence count).
    pending: Option<Timeout>,
    /// When the last delivery was posted.
    last_delivery_ms: Option<u64>,
    /// True while `pending` waits for the first presence count, not for pacing.
    settling: bool,
}

impl Pacing {
    /// True while a delivery is scheduled.
    pub(crate) fn is_waiting(&self) -> bool {
        self.pending.is_some()
    }

    /// How long a delivery must still wait for the gap after the last one, in ms.
    pub(crate) fn gap_left(&self, now_ms: u64) -> u64 {
        match self.last_delivery_ms {
            Some(last) => (last + u64::from(MIN_DELIVERY_GAP_MS)).saturating_sub(now_ms),
            None => 0,
        }
    }

    /// Schedules `deliver` in `wait_ms`; `settling` when the wait is for the first presence
    /// count. `deliver` must call [`Pacing::fired`] first.
    pub(crate) fn schedule(
        &mut self,
        wait_ms: u64,
        settling: bool,
        deliver: impl FnOnce() + 'static,
    ) {
        self.settling = settling;
        let wait = u32::try_from(wait_ms).unwrap_or(u32::MAX);
        self.pending = Some(Timeout::new(wait, deliver));
    }

    /// The scheduled delivery is being made.
    pub(crate) fn fired(&mut self) {
        self.pending = None;
        self.settling = false;
    }

    /// True while the scheduled delivery waits for the first presence count.
    pub(crate) fn is_settling(&self) -> bool {
        self.settling
    }

    /// The first presence count is in: the delivery held back for it can go now (the caller
    /// schedules it again, paced).
    pub(crate) fn settled(&mut self) {
        self.settling = false;
        self.pending = None;
    }

    /// A delivery was posted at `now_ms`.
    pub(crate) fn delivered(&mut self, now_ms: u64) {
        self.last_delivery_ms = Some(now_ms);
    }
}
