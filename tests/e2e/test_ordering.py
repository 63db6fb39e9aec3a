"""Edits never go backwards, and concurrent edits of different keys all survive."""

from __future__ import annotations

from .harness import TABS_QUIET_S, Profile, StreamlitServer, Tab, wait_settled


def _assert_in_order(tab: Tab, key: str, order: list[str]) -> None:
    """Every value ``tab`` showed for ``key`` came in the order of ``order`` (no way back)."""
    seen = tab.recorded(key)
    assert all(v in order for v in seen), f"tab {tab.name} showed unknown {key} values: {seen}"
    positions = [order.index(v) for v in seen]
    assert positions == sorted(positions), f"tab {tab.name} went back in time on {key}: {seen}"


def test_writer_never_reverts_to_an_older_value(
    basic_app: StreamlitServer, profile: Profile
) -> None:
    a, b = profile.open_tabs(basic_app.url, 2)
    for tab in (a, b):
        tab.record("zoom")
        tab.record("title")

    # Zoom: eight steps up from 5. Every other step waits for the writer's run to show it, the
    # others follow at once, so edits overlap with the browser side's deliveries.
    for step in range(1, 9):
        a.press_slider("Zoom", "ArrowRight")
        if step % 2:
            a.expect_value("zoom", str(5 + step))
    # Title: five submitted edits in a burst.
    drafts = [f"draft {i}" for i in range(1, 6)]
    for draft in drafts:
        a.fill_text("Title", draft)

    for tab in (a, b):
        tab.expect_value("zoom", "13")
        tab.expect_value("title", repr(drafts[-1]))
    wait_settled([a, b], TABS_QUIET_S)
    for tab in (a, b):
        assert tab.value("zoom") == "13" and tab.value("title") == repr(drafts[-1])
        _assert_in_order(tab, "zoom", [str(z) for z in range(5, 14)])
        _assert_in_order(tab, "title", ["'untitled'"] + [repr(d) for d in drafts])


def test_concurrent_edits_of_different_keys_in_different_tabs_all_survive(
    basic_app: StreamlitServer, profile: Profile
) -> None:
    tabs = profile.open_tabs(basic_app.url, 3)
    a, b, c = tabs

    # No waiting between the edits: they are in flight at the same time.
    a.fill_text("Title", "from A")
    b.click_checkbox("Flag")
    c.press_slider("Zoom", "ArrowLeft", "ArrowLeft")
    a.multiselect_add("Layers", "rivers")
    b.press_slider("Range — start", "ArrowRight")

    expected = {
        "title": "'from A'",
        "flag": "True",
        "zoom": "3",
        "layers": "['roads', 'rivers']",
        "range": "(3, 8)",
        "tags": "['red']",
    }
    for tab in tabs:
        for key, value in expected.items():
            tab.expect_value(key, value)
    wait_settled(tabs, TABS_QUIET_S)
    for tab in tabs:
        for key, value in expected.items():
            assert tab.value(key) == value, f"tab {tab.name} lost {key}"


def test_an_edit_made_right_after_another_tabs_change_wins_everywhere(
    basic_app: StreamlitServer, profile: Profile
) -> None:
    a, b = profile.open_tabs(basic_app.url, 2)

    a.press_slider("Zoom", "ArrowRight")  # A: 5 -> 6 ...
    b.expect_value("zoom", "6")  # ... shown in B, whose user at once moves it on:
    b.press_slider("Zoom", "End")  # B: 6 -> 20, the later write

    for tab in (a, b):
        tab.expect_value("zoom", "20")
    wait_settled([a, b], TABS_QUIET_S)
    for tab in (a, b):
        assert tab.value("zoom") == "20", f"tab {tab.name} lost B's edit"
