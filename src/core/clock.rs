//! Hybrid logical clock: stamps that order writes across tabs without trusting wall clocks.
//!
//! A [`Stamp`] is (wall-clock ms, counter, tab id) compared in that order, a total order. A
//! tab's [`HybridClock`] never goes backwards when `Date.now()` does, and every stamp it
//! observes from another tab pushes it forward, so a write made after seeing another tab's
//! write always carries the higher stamp, whatever the two wall clocks say.

use std::fmt;

use super::envelope::is_valid_name;
use super::json::write;

/// The largest wall time (and expiry time) an entry may carry, in ms: 2^53 - 1, the largest
/// integer every reader holds exactly (JS numbers, the Lua doubles of the Redis relay). Some
/// 285,000 years from now; anything beyond is malformed, on every side
/// (`tests/protocol/stamps.json`).
pub const MAX_WALL_MS: u64 = (1 << 53) - 1;

/// How far ahead of this tab's wall clock an observed stamp may be. Beyond this the stamp is
/// refused (the entry is ignored and counted): a forged stamp from the far future would
/// otherwise freeze every tab's clock at that time and make every later write lose to it.
pub const MAX_AHEAD_MS: u64 = 24 * 60 * 60 * 1000;

/// A point in the total order of writes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    /// Milliseconds since the Unix epoch, as the clock saw them (never less than the last).
    pub wall: u64,
    /// Tie-breaker among stamps of the same `wall`.
    pub counter: u32,
    /// Id of the tab that wrote; breaks the last ties, so no two tabs make equal stamps.
    pub tab: String,
}

impl Stamp {
    /// Builds a stamp.
    pub fn new(wall: u64, counter: u32, tab: impl Into<String>) -> Self {
        Stamp {
            wall,
            counter,
            tab: tab.into(),
        }
    }
}

impl Stamp {
    /// The text form: `wall.counter.tab` with fixed-width numbers, so that text order is
    /// stamp order. Written without `core::fmt` (whose padding code the module would
    /// otherwise carry for this one use); `Display` writes the same.
    pub fn text(&self) -> String {
        let mut out = String::with_capacity(28 + self.tab.len());
        write::uint_padded(&mut out, self.wall, 16);
        out.push('.');
        write::uint_padded(&mut out, u64::from(self.counter), 10);
        out.push('.');
        out.push_str(&self.tab);
        out
    }
}

impl fmt::Display for Stamp {
    /// [`Stamp::text`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl std::str::FromStr for Stamp {
    type Err = ();

    /// Parses the text form made by `Display` (`wall.counter.tab`): the wall and counter in
    /// ASCII digits (any number of leading zeros, no sign), the wall at most
    /// [`MAX_WALL_MS`], the counter a `u32`, the tab id a valid name. The rule is shared with
    /// the Python side through `tests/protocol/stamps.json`.
    fn from_str(text: &str) -> Result<Self, ()> {
        let mut parts = text.splitn(3, '.');
        let wall = parts.next().and_then(digits).filter(|w| *w <= MAX_WALL_MS);
        let counter = parts.next().and_then(digits).map(u32::try_from);
        let tab = parts.next().filter(|t| is_valid_name(t));
        match (wall, counter, tab) {
            (Some(wall), Some(Ok(counter)), Some(tab)) => Ok(Stamp::new(wall, counter, tab)),
            _ => Err(()),
        }
    }
}

/// The value of a non-empty run of ASCII digits (`u64::from_str` would also take a `+`).
fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// One tab's hybrid logical clock.
#[derive(Debug, Clone)]
pub struct HybridClock {
    tab: String,
    wall: u64,
    counter: u32,
}

impl HybridClock {
    /// A clock for the tab `tab` that has seen nothing yet.
    pub fn new(tab: impl Into<String>) -> Self {
        HybridClock {
            tab: tab.into(),
            wall: 0,
            counter: 0,
        }
    }

    /// The tab id this clock stamps with.
    pub fn tab(&self) -> &str {
        &self.tab
    }

    /// A new stamp, greater than every stamp this clock made or observed before.
    ///
    /// `now_ms` is the current wall clock; if it went backwards the clock keeps its own
    /// time and counts up instead.
    pub fn tick(&mut self, now_ms: u64) -> Stamp {
        if now_ms > self.wall {
            self.wall = now_ms;
            self.counter = 0;
        } else if let Some(next) = self.counter.checked_add(1) {
            self.counter = next;
        } else {
            self.wall = self.wall.saturating_add(1);
            self.counter = 0;
        }
        Stamp::new(self.wall, self.counter, self.tab.clone())
    }

    /// Moves the clock past a stamp seen from another tab.
    ///
    /// Returns `false` (and changes nothing) for a stamp more than [`MAX_AHEAD_MS`] ahead of
    /// `now_ms`.
    pub fn observe(&mut self, stamp: &Stamp, now_ms: u64) -> bool {
        if stamp.wall > now_ms.saturating_add(MAX_AHEAD_MS) {
            return false;
        }
        if stamp.wall > self.wall {
            self.wall = stamp.wall;
            self.counter = stamp.counter;
        } else if stamp.wall == self.wall && stamp.counter > self.counter {
            self.counter = stamp.counter;
        }
        true
    }
}
