"""Tabs of another browser profile (browser context, separate localStorage) are not synced, and
a profile the suite hands to the next test (:class:`~.harness.ContextPool`) keeps nothing."""

from __future__ import annotations

from collections.abc import Callable

from .harness import TABS_QUIET_S, ContextPool, Profile, StreamlitServer, run_counts, wait_settled


def test_other_browser_profile_is_unaffected_both_ways(
    basic_app: StreamlitServer, new_context: Callable[[], Profile]
) -> None:
    a1, a2 = new_context().open_tabs(basic_app.url, 2)
    x1, x2 = new_context().open_tabs(basic_app.url, 2)
    wait_settled([a1, a2, x1, x2], TABS_QUIET_S)
    x_runs = run_counts([x1, x2])

    # Profile A -> its own tabs only. A2 receiving the change shows it has been delivered.
    a1.fill_text("Title", "profile A")
    a2.expect_value("title", "'profile A'")
    wait_settled([a1, a2, x1, x2], TABS_QUIET_S)
    for tab in (x1, x2):
        tab.expect_value("title", "'untitled'")
    assert run_counts([x1, x2]) == x_runs, "profile X tabs reran on profile A's change"

    # Profile X -> its own tabs only.
    a_runs = run_counts([a1, a2])
    x1.press_slider("Zoom", "Home")
    x2.expect_value("zoom", "1")
    wait_settled([a1, a2, x1, x2], TABS_QUIET_S)
    for tab in (a1, a2):
        tab.expect_value("zoom", "5")
        tab.expect_value("title", "'profile A'")
    assert run_counts([a1, a2]) == a_runs, "profile A tabs reran on profile X's change"
    x2.expect_value("title", "'untitled'")


def test_a_profile_given_back_to_the_pool_keeps_nothing_of_the_test_before(
    basic_app: StreamlitServer, context_pool: ContextPool
) -> None:
    before = Profile(context_pool.take(), "A")
    (tab,) = before.open_tabs(basic_app.url, 1)
    tab.fill_text("Title", "left over")
    tab.expect_value("title", "'left over'")
    tab.page.evaluate("() => localStorage.setItem('left-over', '1')")
    context_pool.give_back(before.context)

    after = Profile(context_pool.take(), "A")
    try:
        assert after.context is before.context  # the pool hands back the context just wiped
        (fresh,) = after.open_tabs(basic_app.url, 1)
        fresh.expect_value("title", "'untitled'")
        stored = fresh.local_storage()
        assert "left-over" not in stored, stored
        assert not any("left over" in text for text in stored.values()), stored
    finally:
        context_pool.give_back(after.context)
