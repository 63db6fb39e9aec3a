"""The sync engine end to end: convergence, clocks, time to live and optimistic locking."""

from __future__ import annotations

import json
import time

from .faults_helpers import (
    assert_no_errors,
    component_frame,
    entry,
    fill_number,
    js_now,
    open_tab,
    origin_page,
    poll_until,
    storage_key,
    text_line,
)
from .harness import TABS_QUIET_S, Profile, StreamlitServer, in_bridge_frame, wait_settled

NOTE = storage_key("note")

#: Records every value written under a storage key, as seen by ``storage`` events in a page
#: that writes nothing itself (every write of a tab fires an event there).
_RECORD_WRITES_JS = """(key) => {
  window.__writes = [];
  addEventListener('storage', (e) => {
    if (e.key === key && e.newValue !== null) window.__writes.push(e.newValue);
  });
}"""


def _stamp(parsed: dict) -> tuple[int, int, str]:
    wall, counter, tab = parsed["s"]
    return (wall, counter, tab)


def test_rapid_concurrent_edits_of_one_key_in_three_tabs_converge_on_the_last_write(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    tabs = profile.open_tabs(engine_app.url, 3)
    # Opening tabs reruns the open ones (their peer counts change): let that settle, so the
    # edits below cross each other, not the tabs' start-up runs.
    wait_settled(tabs, TABS_QUIET_S)
    observer = origin_page(profile, engine_app.url)
    observer.evaluate(_RECORD_WRITES_JS, NOTE)

    # Two rounds of edits of the same key, one tab after the other without waiting: the
    # writes cross each other in flight.
    typed = []
    for round_ in range(2):
        for tab in tabs:
            text = f"{tab.name} round {round_}"
            tab.fill_text("Note", text)
            typed.append(text)

    def converged() -> str | None:
        stored = entry(observer, NOTE)
        if stored is None:
            return None
        shown = {tab.value("note") for tab in tabs}
        return stored["v"] if shown == {repr(stored["v"])} else None

    # Converged means: agreed and settled (a transient agreement while later writes are still
    # in flight does not count).
    wait_settled(tabs, TABS_QUIET_S)
    final = poll_until(converged, "every tab to show the stored note")
    wait_settled(tabs, TABS_QUIET_S)

    stored = entry(observer, NOTE)
    assert stored is not None and stored["v"] == final, "storage moved after settling"
    assert final in typed
    for tab in tabs:
        assert tab.value("note") == repr(final), f"tab {tab.name} diverged"
    # The surviving value is the write with the highest stamp of all writes made.
    writes = [json.loads(w) for w in observer.evaluate("() => window.__writes")]
    assert writes, "no write was observed"
    highest = max(writes, key=_stamp)
    assert highest["v"] == final and _stamp(highest) == _stamp(stored), (
        f"stored {stored} is not the highest-stamped write among {writes}"
    )
    assert_no_errors(*tabs)


#: Sets this page's clock (every frame: Playwright runs page init scripts in child frames
#: too, the component iframe included) one hour back.
_SLOW_CLOCK_JS = """(() => {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() - 3600000;
})();"""


def test_a_tab_whose_clock_is_an_hour_slow_still_wins_when_it_writes_last(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    (fast,) = profile.open_tabs(engine_app.url, 1)
    slow = open_tab(profile, engine_app.url, init_script=_SLOW_CLOCK_JS)

    # The init script really runs in the slow tab's component iframe, and only there.
    skew_ms = js_now(fast.page) - int(component_frame(slow).evaluate("() => Date.now()"))
    assert 3_590_000 < skew_ms < 3_610_000, f"slow tab's clock is off by {skew_ms} ms"
    assert abs(js_now(fast.page) - time.time() * 1000) < 60_000

    fast.fill_text("Note", "from the fast tab")
    slow.expect_value("note", "'from the fast tab'")
    fast_stamp = _stamp(poll_until(
        lambda: (e := entry(fast.page, NOTE)) and e["v"] == "from the fast tab" and e,
        "the fast tab's write in storage",
    ))

    # Later, the slow tab writes: its wall clock says an hour earlier, yet it wins.
    slow.fill_text("Note", "from the slow tab")
    for tab in (fast, slow):
        tab.expect_value("note", "'from the slow tab'")
    wait_settled([fast, slow], TABS_QUIET_S)
    stored = entry(fast.page, NOTE)
    assert stored is not None and stored["v"] == "from the slow tab"
    assert _stamp(stored) > fast_stamp
    for tab in (fast, slow):
        assert tab.value("note") == "'from the slow tab'"
    assert_no_errors(fast, slow)


def test_an_expired_value_is_not_given_to_a_new_tab_and_is_removed_from_storage(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    url = f"{engine_app.url}/?ttl=2"
    (a,) = profile.open_tabs(url, 1)
    a.fill_text("Note", "short-lived")

    stored = poll_until(
        lambda: (e := entry(a.page, NOTE)) and e["v"] == "short-lived" and e,
        "the edit in storage",
    )
    assert "x" in stored, f"entry written with a ttl has no expiry: {stored}"
    assert 0 < stored["x"] - stored["s"][0] <= 2_000 + 10, stored
    # Wait (by polling the page's clock, not by sleeping) until the entry has expired.
    poll_until(lambda: js_now(a.page) > stored["x"], "the entry to expire")

    late = open_tab(profile, url)
    late.expect_value("note", "'untitled'")
    poll_until(lambda: entry(late.page, NOTE) is None, "the expired entry to be removed")
    wait_settled([a, late], TABS_QUIET_S)
    assert late.value("note") == "'untitled'", "the late tab got the expired value"
    assert entry(late.page, NOTE) is None, "the expired entry came back"
    # The tab that wrote it keeps its own value: only the shared copy expired.
    assert a.value("note") == "'short-lived'"
    assert_no_errors(a, late)


#: Page init script: in the bridge's frame (see ``in_bridge_frame``), listeners of `storage`,
#: `visibilitychange` and `pageshow` (on which the component reads storage again) are
#: skipped while `window.__tabsyncDeaf` is true. Wrapping at registration is deterministic,
#: unlike racing the component's own listener with a capturing one.
_DEAFENABLE_JS = in_bridge_frame("""
  const add = window.addEventListener.bind(window);
  window.addEventListener = (type, listener, options) => {
    if (['storage', 'visibilitychange', 'pageshow'].includes(type)
        && typeof listener === 'function') {
      const inner = listener;
      listener = function (event) {
        if (!window.__tabsyncDeaf) return inner.call(this, event);
      };
    }
    return add(type, listener, options);
  };""")


def test_conflict_reject_lets_exactly_one_of_two_simultaneous_writes_win(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    url = f"{engine_app.url}/?conflict=reject"
    (a,) = profile.open_tabs(url, 1)
    b = open_tab(profile, url, init_script=_DEAFENABLE_JS)
    # A shared base value both tabs have seen, so both edits below are made on it.
    a.fill_text("Note", "base")
    b.expect_value("note", "'base'")
    wait_settled([a, b], TABS_QUIET_S)

    # "At the same moment": B's user edits the base value before B could learn of A's edit.
    # Filling one tab after the other is not enough on a slow machine (A's value can reach
    # B's script before B's Enter does), so B's component stops hearing of other writes:
    # B's edit is then surely made on the base value, and B learns of A's write (if any)
    # only from the stored entry its compare-and-set reads, which is the mechanism on test.
    component_frame(b).evaluate("() => { window.__tabsyncDeaf = true; }")
    mine = {a.name: "A's edit", b.name: "B's edit"}
    a.fill_text("Note", mine[a.name])
    b.fill_text("Note", mine[b.name])

    def agreed() -> str | None:
        shown = {a.value("note"), b.value("note")}
        return shown.pop() if len(shown) == 1 and shown != {"'base'"} else None

    # A transient agreement while an edit is in flight does not count.
    wait_settled([a, b], TABS_QUIET_S)
    final = poll_until(agreed, "both tabs to agree on one note")
    wait_settled([a, b], TABS_QUIET_S)
    assert final in (repr(mine[a.name]), repr(mine[b.name])), final
    winner, loser = (a, b) if final == repr(mine[a.name]) else (b, a)
    stored = entry(a.page, NOTE)
    assert stored is not None and repr(stored["v"]) == final
    for tab in (a, b):
        assert tab.value("note") == final

    # The loser was told, once, through the callback; the winner was not.
    expected = f"note:{mine[loser.name]!r}->{mine[winner.name]!r}"
    # The log and count lines are redrawn one after the other: poll them together.
    poll_until(
        lambda: text_line(loser, "conflict_log=") == expected
        and text_line(loser, "conflict_calls=") == "1",
        "the loser's conflict, reported once",
    )
    assert text_line(winner, "conflict_calls=") == "0"
    assert text_line(winner, "conflict_log=") == ""
    assert_no_errors(a, b)


def test_on_change_is_called_once_per_run_that_applies_other_tabs_values(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    a, b = profile.open_tabs(engine_app.url, 2)
    a.fill_text("Note", "from A")
    b.expect_value("note", repr("from A"))
    fill_number(b, "Count", 7)
    a.expect_value("count", "7")
    wait_settled([a, b], TABS_QUIET_S)

    # Each tab was told of the other's change, once, with the new value already in session
    # state; neither was told of its own edit.
    assert text_line(b, "change_log=") == "note='from A'"
    assert text_line(a, "change_log=") == "count=7"
    assert_no_errors(a, b)
