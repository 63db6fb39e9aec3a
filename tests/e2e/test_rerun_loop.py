"""Once a change has settled, no tab reruns by itself."""

from __future__ import annotations

from .harness import (
    TABS_QUIET_S,
    Profile,
    StreamlitServer,
    assert_no_reruns,
    run_counts,
    wait_settled,
)

#: Most script runs one change may cost a tab: the writer's own run plus the run that takes
#: the browser side's acknowledgement, and one run to apply the value in each other tab, with
#: slack. A rerun loop blows through it.
MAX_RUNS_PER_CHANGE = 4


def test_no_tab_reruns_by_itself_once_a_change_has_settled(
    basic_app: StreamlitServer, profile: Profile
) -> None:
    tabs = profile.open_tabs(basic_app.url, 3)
    a, b, c = tabs
    before = wait_settled(tabs, TABS_QUIET_S)
    assert_no_reruns(tabs, window_s=2.0)  # nothing happens in idle tabs either

    # Different kinds of values, from two writers, one after another.
    a.press_slider("Range — end", "ArrowRight")
    for tab in tabs:
        tab.expect_value("range", "(2, 9)")
    b.click_pill("green")
    for tab in tabs:
        tab.expect_value("tags", "['red', 'green']")
    changes = 2

    after = wait_settled(tabs, TABS_QUIET_S)
    assert_no_reruns(tabs)

    for tab, n0, n1 in zip(tabs, before, after, strict=True):
        assert n1 - n0 <= MAX_RUNS_PER_CHANGE * changes, (
            f"tab {tab.name} ran {n1 - n0} times for {changes} changes"
        )
    assert run_counts(tabs) == after
    assert c.value("range") == "(2, 9)" and c.value("tags") == "['red', 'green']"
