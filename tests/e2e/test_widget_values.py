"""Values of the common widgets sync with their Python types intact."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import expect

from streamlit_tabsync._edit_rule import SUPERSEDED_GRACE_S

from .harness import TABS_QUIET_S, Profile, StreamlitServer, Tab, wait_settled


def wait_past(seconds: float) -> None:
    """Let ``seconds`` of wall-clock time pass (for behaviour defined by elapsed time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)


@dataclass
class Case:
    key: str
    edit: Callable[[Tab], object]
    #: ``repr`` of the value the receiving tab's script must see (so the type is checked too).
    expected_repr: str
    #: Checks that the receiving tab's widget (not only session_state) shows the value.
    widget_shows: Callable[[Tab], object]


CASES = [
    Case(  # int
        "zoom",
        lambda t: t.press_slider("Zoom", "ArrowRight", "ArrowRight"),
        "7",
        lambda t: expect(t.slider("Zoom")).to_have_attribute("aria-valuetext", "7"),
    ),
    Case(  # str, non-ASCII included
        "title",
        lambda t: t.fill_text("Title", "Riverside — 2nd edition"),
        "'Riverside — 2nd edition'",
        lambda t: expect(t.page.get_by_role("textbox", name="Title")).to_have_value(
            "Riverside — 2nd edition"
        ),
    ),
    Case(  # bool
        "flag",
        lambda t: t.click_checkbox("Flag"),
        "True",
        lambda t: expect(t.page.get_by_role("checkbox", name="Flag")).to_be_checked(),
    ),
    Case(  # list (multiselect)
        "layers",
        lambda t: (t.multiselect_add("Layers", "parks"), t.multiselect_remove("roads")),
        "['parks']",
        lambda t: expect(
            t.page.get_by_role("button", name="Remove parks", exact=True)
        ).to_have_count(1),
    ),
    Case(  # list (pills, multi)
        "tags",
        lambda t: (t.click_pill("blue"), t.click_pill("red")),
        "['blue']",
        lambda t: expect(
            t.page.get_by_test_id("stButtonGroup").get_by_role("button", name="blue")
        ).to_have_attribute("aria-pressed", "true"),
    ),
    Case(  # tuple (range slider): must come back as a tuple, not a list
        "range",
        lambda t: (
            t.press_slider("Range — end", "End"),
            t.press_slider("Range — start", "ArrowRight"),
        ),
        "(3, 10)",
        lambda t: (
            expect(t.slider("Range — start")).to_have_attribute("aria-valuetext", "3"),
            expect(t.slider("Range — end")).to_have_attribute("aria-valuetext", "10"),
        ),
    ),
]


def test_common_widget_values_sync_with_their_types(
    basic_app: StreamlitServer, profile: Profile
) -> None:
    writer, reader = profile.open_tabs(basic_app.url, 2)

    failures: dict[str, str] = {}
    for case in CASES:  # one pair of tabs for all kinds; every kind is checked and reported
        try:
            case.edit(writer)
            writer.expect_value(case.key, case.expected_repr)
            reader.expect_value(case.key, case.expected_repr)
            case.widget_shows(reader)
        except AssertionError as exc:
            failures[case.key] = " ".join(str(exc).splitlines()[:2])
    assert not failures, "values that did not sync: " + "; ".join(
        f"{key}: {why}" for key, why in failures.items()
    )


def test_a_value_set_back_after_another_tab_changed_it_is_shared_not_put_back(
    basic_app: StreamlitServer, profile: Profile
) -> None:
    # The commonest two-tab edit: A ticks a box, B sees it ticked, then B unticks it. B's
    # untick carries the value B held before A's change, which is also what a browser that
    # has not yet drawn the applied run would report; it must be shared, not put back.
    a, b = profile.open_tabs(basic_app.url, 2)
    a.click_checkbox("Flag")
    b.expect_value("flag", "True")
    expect(b.page.get_by_role("checkbox", name="Flag")).to_be_checked()
    wait_settled([a, b], TABS_QUIET_S)
    # The user reads the page before acting: let the grace period of a just-applied value
    # pass (the behaviour under test is defined by it; this is not a synchronisation wait).
    wait_past(SUPERSEDED_GRACE_S)

    b.click_checkbox("Flag")
    a.expect_value("flag", "False")
    b.expect_value("flag", "False")
    wait_settled([a, b], TABS_QUIET_S)
    for tab in (a, b):
        tab.expect_value("flag", "False")
        expect(tab.page.get_by_role("checkbox", name="Flag")).not_to_be_checked()
