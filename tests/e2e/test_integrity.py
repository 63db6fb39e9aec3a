"""Nothing synced may be lost or bent: page round trips, vanished keys, exact values, and
errors that used to vanish.

Apps: ``apps/roundtrip/`` (a number input on the main page, a page binding nothing, a page
binding the key with a slider), ``apps/exact_app.py``, ``apps/bad_args_app.py`` and the engine
app (``apps/engine.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .faults_helpers import (
    assert_no_errors,
    entry,
    fill_number,
    open_tab,
    origin_page,
    poll_until,
    set_raw,
    storage_key,
    text_line,
)
from .harness import APPS, TABS_QUIET_S, Profile, StreamlitServer, Tab, wait_settled

LEVEL = storage_key("level", "rt")


@pytest.fixture(scope="module")
def roundtrip_app(streamlit_server: Callable[[Path], StreamlitServer]) -> StreamlitServer:
    return streamlit_server(APPS / "roundtrip" / "app.py")


def go_to(tab: Tab, page: str) -> None:
    """Switch pages the way a user does: the sidebar link (same session, no reload)."""
    link_name = {"main": "app"}.get(page, page)
    tab.front().page.get_by_test_id("stSidebarNav").get_by_role(
        "link", name=link_name, exact=True
    ).click()
    expect(tab.line("page=")).to_have_text(f"page={page}")
    tab.expect_idle()


def stored_stamp(tab: Tab) -> list:
    stored = entry(tab.page, LEVEL)
    assert stored is not None, "the shared value is stored"
    return stored["s"]


def test_a_page_round_trip_brings_the_shared_value_back_and_publishes_nothing(
    roundtrip_app: StreamlitServer, profile: Profile
) -> None:
    a, b, c = profile.open_tabs(roundtrip_app.url, 3)
    fill_number(a, "Level", 77)
    for tab in (a, b, c):
        tab.expect_value("level", "77")
    wait_settled([a, b, c], TABS_QUIET_S)
    stamp = stored_stamp(a)
    for tab in (a, c):
        tab.record("level")

    # Through a page that binds nothing, and back.
    go_to(b, "blank")
    go_to(b, "main")
    b.expect_value("level", "77")
    wait_settled([a, b, c], TABS_QUIET_S)
    # Through a page binding the key with another widget type (a slider), and back.
    go_to(b, "slider")
    b.expect_value("level", "77")
    wait_settled([a, b, c], TABS_QUIET_S)
    go_to(b, "main")
    b.expect_value("level", "77")
    wait_settled([a, b, c], TABS_QUIET_S)

    for tab in (a, c):
        assert tab.recorded("level") == ["77"], f"tab {tab.name} was bent"
    assert b.value("level") == "77"
    assert stored_stamp(a) == stamp, "nothing was published"
    assert_no_errors(a, b, c)

    # A real edit after the round trip is still shared.
    fill_number(b, "Level", 12)
    for tab in (a, c):
        tab.expect_value("level", "12")


def test_a_widget_left_out_of_some_runs_or_deleted_by_app_code_gets_the_shared_value_back(
    roundtrip_app: StreamlitServer, profile: Profile
) -> None:
    a, b = profile.open_tabs(roundtrip_app.url, 2)
    fill_number(a, "Level", 55)
    b.expect_value("level", "55")
    wait_settled([a, b], TABS_QUIET_S)
    stamp = stored_stamp(a)
    a.record("level")

    # The number input is not drawn for a while (Streamlit drops its state), then again.
    b.click_checkbox("Hide level")
    wait_settled([a, b], TABS_QUIET_S)
    b.click_checkbox("Hide level")
    b.expect_value("level", "55")
    wait_settled([a, b], TABS_QUIET_S)
    # App code deletes the key (a callback): this tab's copy is forgotten, not shared.
    b.front().page.get_by_role("button", name="Forget level").click()
    expect(b.line("restored=")).to_have_text("restored=level")
    b.expect_value("level", "55")
    wait_settled([a, b], TABS_QUIET_S)

    assert a.recorded("level") == ["55"], "the other tab was bent"
    assert stored_stamp(a) == stamp, "nothing was published"
    assert_no_errors(a, b)


@pytest.fixture(scope="module")
def exact_app(streamlit_server: Callable[[Path], StreamlitServer]) -> StreamlitServer:
    return streamlit_server(APPS / "exact_app.py")


def test_values_beyond_what_js_numbers_hold_reach_other_tabs_exactly(
    exact_app: StreamlitServer, profile: Profile
) -> None:
    a, b = profile.open_tabs(exact_app.url, 2)
    a.front().page.get_by_role("button", name="Set exact values").click()
    expected = {
        "big": repr(2**60 + 1),
        "nested": repr({"ids": [2**63 - 1]}),
        "negzero": "-0.0",
        "tagged": repr({"$date": "2026-11-30"}),
    }
    for tab in (a, b):
        for key, shown in expected.items():
            tab.expect_value(key, shown)
    wait_settled([a, b], TABS_QUIET_S)
    assert text_line(b, "rejected=") == "{}"
    assert_no_errors(a, b)


@pytest.mark.parametrize(("fault", "says"), [("shape", "not readable"), ("version", "version 1")])
def test_render_args_the_browser_cannot_read_are_reported_not_left_starting(
    streamlit_server: Callable[[Path], StreamlitServer], profile: Profile, fault: str, says: str
) -> None:
    server = streamlit_server(APPS / "bad_args_app.py")
    tab = open_tab(profile, f"{server.url}/?fault={fault}", status="blocked")
    poll_until(lambda: says in text_line(tab, "error="), f"the error to say {says!r}")
    assert_no_errors(tab)


_REFUSING_LOCKS_JS = """
if (navigator.locks) {
  navigator.locks.request = () => Promise.reject(new DOMException('denied', 'AbortError'));
}
"""


def test_under_reject_a_refused_lock_still_writes_the_edit_and_reports_why(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    url = f"{engine_app.url}/?conflict=reject&ch=locks-refused"
    a = open_tab(profile, url, init_script=_REFUSING_LOCKS_JS)
    b = open_tab(profile, url)
    a.fill_text("Note", "written anyway")
    b.expect_value("note", "'written anyway'")
    poll_until(
        lambda: text_line(a, "error=").startswith("Web Lock request failed: AbortError: denied"),
        "the lock failure reported in the writing tab",
    )
    assert text_line(a, "conflict_calls=") == "0"
    assert_no_errors(a, b)


def test_ignored_entries_are_counted_in_sync_info(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    url = f"{engine_app.url}/?ch=ignored-count"
    a, b = profile.open_tabs(url, 2)
    assert text_line(a, "ignored=") == "0"
    forger = origin_page(profile, engine_app.url)
    set_raw(forger, storage_key("note", "ignored-count"), "'{not json'")
    a.fill_text("Note", "after garbage")
    b.expect_value("note", "'after garbage'")
    # The count travels with B's next delivery (garbage alone makes none, and the edit came
    # from A's run through the server): a tab that joins makes one (a new peer count).
    profile.open_tabs(url, 1)
    poll_until(lambda: text_line(b, "ignored=") == "1", "the garbage counted in B")
    assert b.value("note") == "'after garbage'"
    assert_no_errors(a, b)


def test_switching_to_a_page_that_binds_the_key_as_text_neither_raises_nor_publishes(
    streamlit_server: Callable[[Path], StreamlitServer], profile: Profile
) -> None:
    # Page 1 binds zoom as a number, page 2 as text: assigning the shared number to the
    # text box would raise in the app (Streamlit's text_input takes only str).
    server = streamlit_server(APPS / "multipage" / "app.py")
    a, b = profile.open_tabs(server.url, 2)
    fill_number(a, "Zoom", 7)
    b.expect_value("zoom", "7")
    wait_settled([a, b], TABS_QUIET_S)
    stored = entry(a.page, storage_key("zoom", "mp"))
    assert stored is not None
    a.record("zoom")

    b.front().page.get_by_test_id("stSidebarNav").get_by_role(
        "link", name="text zoom", exact=True
    ).click()
    expect(b.line("page=")).to_have_text("page=text")
    wait_settled([a, b], TABS_QUIET_S)
    assert_no_errors(a, b)
    assert b.value("zoom").startswith("'"), "page 2 holds text"
    assert a.recorded("zoom") == ["7"]
    assert entry(a.page, storage_key("zoom", "mp")) == stored, "nothing was published"
