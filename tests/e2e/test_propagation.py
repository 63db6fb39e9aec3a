"""A change in one tab reaches the other tabs; a tab opened later joins without side effects."""

from __future__ import annotations

from .harness import TABS_QUIET_S, Profile, StreamlitServer, run_counts, wait_settled


def test_change_in_one_tab_shows_up_in_all_other_tabs_without_interaction(
    basic_app: StreamlitServer, profile: Profile
) -> None:
    a, b, c = profile.open_tabs(basic_app.url, 3)

    a.press_slider("Zoom", "ArrowRight", "ArrowRight", "ArrowRight")
    a.fill_text("Title", "Harbour district")

    for tab in (a, b, c):
        tab.expect_value("zoom", "8")
        tab.expect_value("title", "'Harbour district'")
    # B and C applied the values from A (nobody touched them).
    for tab in (b, c):
        assert tab.status() == "live"


def test_tab_opened_later_starts_with_shared_values_and_changes_nothing_elsewhere(
    basic_app: StreamlitServer, profile: Profile
) -> None:
    a, b = profile.open_tabs(basic_app.url, 2)
    a.press_slider("Zoom", "End")
    a.fill_text("Title", "Old town")
    a.press_slider("Range — start", "ArrowLeft", "ArrowLeft")
    for tab in (a, b):
        tab.expect_value("zoom", "20")
        tab.expect_value("title", "'Old town'")
        tab.expect_value("range", "(0, 8)")
    runs_before = wait_settled([a, b], TABS_QUIET_S)

    (late,) = profile.open_tabs(basic_app.url, 1)

    # The late tab's own defaults (zoom 5, 'untitled', (2, 8)) gave way to the shared values.
    late.expect_value("zoom", "20")
    late.expect_value("title", "'Old town'")
    late.expect_value("range", "(0, 8)")
    late.expect_value("flag", "False")
    wait_settled([a, b, late], TABS_QUIET_S)
    # Nothing happened to the values of the tabs already open; each reran exactly once, for
    # its peer count (presence is on by default; tests/e2e/test_presence.py covers it).
    for tab in (a, b):
        tab.expect_value("zoom", "20")
        tab.expect_value("title", "'Old town'")
        tab.expect_value("range", "(0, 8)")
    assert run_counts([a, b]) == [runs + 1 for runs in runs_before]
