//! Hybrid logical clock: monotonic under clock jumps, advanced by what it observes.

use tabsync::core::*;

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
