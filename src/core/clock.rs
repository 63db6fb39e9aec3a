//! Hybrid logical clock: stamps that order writes across tabs without trusting wall clocks.
//!
//! A [`Stamp`] is (wall-clock ms, counter, tab id) compared in that order, a total order. A
//! tab's [`HybridClock`] never goes backwards when `Date.now()` does, and every stamp it
//! observes from another tab pushes it forward, so a write made after seeing another tab's
//! write always carries the higher stamp, whatever the two wall clocks say.

use std::fmt;

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

impl fmt::Display for Stamp {
    /// `wall.counter.tab` with fixed-width numbers, so that text order is stamp order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016}.{:010}.{}", self.wall, self.counter, self.tab)
    }
}

impl std::str::FromStr for Stamp {
    type Err = ();

    /// Parses the text form made by `Display` (`wall.counter.tab`).
    fn from_str(text: &str) -> Result<Self, ()> {
        let mut parts = text.splitn(3, '.');
        let wall = parts.next().and_then(|w| w.parse().ok()).ok_or(())?;
        let counter = parts.next().and_then(|c| c.parse().ok()).ok_or(())?;
        let tab = parts.next().filter(|t| !t.is_empty()).ok_or(())?;
        Ok(Stamp::new(wall, counter, tab))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_increase_when_wall_clock_goes_backwards() {
        let mut clock = HybridClock::new("a");
        let first = clock.tick(1_000);
        let second = clock.tick(500);
        let third = clock.tick(500);
        assert!(first < second && second < third);
        assert_eq!(second.wall, 1_000);
    }

    #[test]
    fn a_slow_clock_that_writes_last_still_wins() {
        let hour = 3_600_000;
        let mut fast = HybridClock::new("fast");
        let mut slow = HybridClock::new("slow");
        let from_fast = fast.tick(10 * hour);
        assert!(slow.observe(&from_fast, 9 * hour));
        let from_slow = slow.tick(9 * hour);
        assert!(from_slow > from_fast);
    }

    #[test]
    fn far_future_stamps_are_refused_and_do_not_move_the_clock() {
        let mut clock = HybridClock::new("a");
        let forged = Stamp::new(1_000 + MAX_AHEAD_MS + 1, 0, "evil");
        assert!(!clock.observe(&forged, 1_000));
        assert_eq!(clock.tick(1_000).wall, 1_000);
    }

    #[test]
    fn display_order_is_stamp_order() {
        let a = Stamp::new(99, 10, "b");
        let b = Stamp::new(100, 2, "a");
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
    }

    #[test]
    fn text_form_parses_back() {
        let stamp = Stamp::new(1_764_000_000_000, 7, "tab.with-dots");
        assert_eq!(stamp.to_string().parse(), Ok(stamp));
        assert_eq!("x.1.t".parse::<Stamp>(), Err(()));
        assert_eq!("1.2.".parse::<Stamp>(), Err(()));
    }

    #[test]
    fn counter_overflow_moves_wall_forward() {
        let mut clock = HybridClock::new("a");
        clock.observe(&Stamp::new(5, u32::MAX, "b"), 5);
        let next = clock.tick(5);
        assert_eq!((next.wall, next.counter), (6, 0));
    }
}
