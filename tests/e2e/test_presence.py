"""Presence: each tab counts the other live tabs of its channel, and exactly one leads.

Real tabs of one profile (one browser's lock manager): the count follows tabs opening,
closing, being frozen through the page lifecycle and crashing; leadership passes on when the
leader goes; ``presence=False`` costs no rerun. Each test uses a channel of its own.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from .faults_helpers import poll_until
from .harness import (
    APPS,
    TABS_QUIET_S,
    Profile,
    StreamlitServer,
    Tab,
    assert_no_errors,
    assert_no_reruns,
    component_frame,
    in_bridge_frame,
    run_counts,
    text_line,
    wait_settled,
)

#: The documented bound: a tab that closes, crashes or is frozen drops out of the others'
#: counts, and leadership passes on, within this many seconds (README, "Presence").
BOUND_S = 5.0


@pytest.fixture(scope="session")
def presence_app(streamlit_server: Callable[[Path], StreamlitServer]) -> StreamlitServer:
    return streamlit_server(APPS / "presence_app.py")


def channel_url(app: StreamlitServer, **params: str) -> str:
    """The app's URL on a channel no other test uses."""
    query = {"channel": f"p-{uuid.uuid4().hex[:12]}", **params}
    return f"{app.url.rstrip('/')}/?{urlencode(query)}"


def open_tab(profile: Profile, url: str) -> Tab:
    tab = profile.start_tab(url)
    tab.wait_rendered("live")
    return tab


def close_tab(profile: Profile, tab: Tab) -> None:
    tab.page.close()
    profile.tabs.remove(tab)


def leaders(tabs: list[Tab]) -> list[Tab]:
    return [tab for tab in tabs if text_line(tab, "leader=") == "True"]


def expect_presence(tabs: list[Tab], within_s: float | None = None) -> Tab:
    """Wait until every tab counts the others and exactly one leads; return the leader.

    While waiting, no two tabs may ever show ``leader=True`` at once.
    """
    for tab in tabs:
        kwargs = {} if within_s is None else {"timeout": within_s * 1000}
        expect(tab.line("peers=")).to_have_text(f"peers={len(tabs) - 1}", **kwargs)

    def one_leader() -> Tab | None:
        found = leaders(tabs)
        assert len(found) <= 1, f"two leaders at once: {[t.name for t in found]}"
        return found[0] if found else None

    if within_s is None:
        return poll_until(one_leader, "exactly one leader")
    return poll_until(one_leader, "exactly one leader", deadline_s=within_s)


def lifecycle_event(tab: Tab, name: str) -> None:
    """Fires the page lifecycle event ``name`` in the document the bridge runs in, as Chrome
    does right before it freezes a background tab and right after it thaws it (``freeze``,
    ``resume``, on the document), or puts a page in the back/forward cache and restores it
    (``pagehide``, ``pageshow``, on the window).

    Fired by hand because headless Chromium cannot freeze a tab: its pages are always
    visible, and CDP's ``Page.setWebLifecycleState`` leaves a visible page running (no
    event, timers go on; checked on Chromium 156).
    """
    target = "document" if name in ("freeze", "resume") else "window"
    component_frame(tab).evaluate(f"() => {target}.dispatchEvent(new Event('{name}'))")


def test_the_count_rises_as_tabs_open_and_falls_as_they_close(
    presence_app: StreamlitServer, profile: Profile
) -> None:
    url = channel_url(presence_app)
    a = open_tab(profile, url)
    assert expect_presence([a]) is a
    b = open_tab(profile, url)
    assert expect_presence([a, b]) is a, "the first tab keeps leading"
    c = open_tab(profile, url)
    expect_presence([a, b, c])
    runs = wait_settled([a, b, c], TABS_QUIET_S)

    close_tab(profile, c)
    expect_presence([a, b], within_s=BOUND_S)
    close_tab(profile, b)
    expect_presence([a], within_s=BOUND_S)
    after = wait_settled([a], TABS_QUIET_S)
    # Two changes of who is here: at most one rerun of A each.
    assert after[0] - runs[0] <= 2, f"A reran {after[0] - runs[0]} times for two changes"
    assert after[0] - runs[0] >= 1
    assert_no_errors(a)


def test_the_leaders_closure_hands_leadership_over_within_the_bound(
    presence_app: StreamlitServer, profile: Profile
) -> None:
    url = channel_url(presence_app)
    tabs = [open_tab(profile, url) for _ in range(3)]
    leader = expect_presence(tabs)
    assert leader is tabs[0]
    for _ in range(2):
        close_tab(profile, leader)
        tabs.remove(leader)
        leader = expect_presence(tabs, within_s=BOUND_S)
    assert_no_errors(*tabs)


@pytest.mark.parametrize(("away", "back"), [("freeze", "resume"), ("pagehide", "pageshow")])
def test_a_frozen_tab_drops_out_and_hands_over_and_comes_back_when_resumed(
    presence_app: StreamlitServer, profile: Profile, away: str, back: str
) -> None:
    url = channel_url(presence_app)
    frozen = open_tab(profile, url)
    other = open_tab(profile, url)
    assert expect_presence([frozen, other]) is frozen

    lifecycle_event(frozen, away)
    assert expect_presence([other], within_s=BOUND_S) is other

    lifecycle_event(frozen, back)
    # Back, it counts again, and the tab that led meanwhile keeps leading.
    assert expect_presence([frozen, other]) is other
    assert_no_errors(frozen, other)


def test_a_crashed_tab_drops_out_and_hands_over(
    presence_app: StreamlitServer, profile: Profile
) -> None:
    url = channel_url(presence_app)
    crashed = open_tab(profile, url)
    other = open_tab(profile, url)
    assert expect_presence([crashed, other]) is crashed

    # Chrome's debug URL that crashes the renderer process, typed into the address bar as a
    # user would (a page itself cannot navigate there).
    session = crashed.page.context.new_cdp_session(crashed.page)
    with crashed.page.expect_event("crash"):
        session.send("Page.navigate", {"url": "chrome://crash", "transitionType": "typed"})
    profile.tabs.remove(crashed)
    assert expect_presence([other], within_s=BOUND_S) is other
    assert_no_errors(other)


def test_exactly_one_leader_over_a_churn_of_tabs(
    presence_app: StreamlitServer, profile: Profile
) -> None:
    url = channel_url(presence_app)
    rng = random.Random(1313)
    tabs = [open_tab(profile, url)]
    expect_presence(tabs)
    for _ in range(10):
        if len(tabs) == 1 or (len(tabs) < 4 and rng.random() < 0.55):
            tabs.append(open_tab(profile, url))
        else:
            leaving = rng.choice(tabs)
            close_tab(profile, leaving)
            tabs.remove(leaving)
        expect_presence(tabs)
    assert_no_errors(*tabs)


def test_presence_off_costs_no_rerun_and_reports_nothing(
    presence_app: StreamlitServer, profile: Profile
) -> None:
    url = channel_url(presence_app)
    quiet = open_tab(profile, url.replace("?", "?presence=off&"))
    assert (text_line(quiet, "peers="), text_line(quiet, "leader=")) == ("None", "None")
    (runs,) = wait_settled([quiet], TABS_QUIET_S)

    b = open_tab(profile, url)
    assert expect_presence([b]) is b, "a tab without presence is not counted, nor leads"
    c = open_tab(profile, url)
    expect_presence([b, c])
    close_tab(profile, c)
    expect_presence([b], within_s=BOUND_S)
    # Three changes of who is here in the channel, none of them a rerun of the quiet tab.
    assert run_counts([quiet]) == [runs]
    assert (text_line(quiet, "peers="), text_line(quiet, "leader=")) == ("None", "None")


#: Storage denied where the bridge runs: sync falls back to BroadcastChannel.
_DENY_STORAGE_JS = in_bridge_frame("""
  Object.defineProperty(window, 'localStorage', {
    configurable: true,
    get() { throw new DOMException('denied by test', 'SecurityError'); },
  });""")


def test_presence_works_on_the_broadcast_channel_fallback(
    presence_app: StreamlitServer, profile: Profile
) -> None:
    url = channel_url(presence_app)
    tabs = []
    for _ in range(2):
        tab = profile.start_tab(url, init_script=_DENY_STORAGE_JS)
        tab.wait_rendered("degraded")
        tabs.append(tab)
    first = expect_presence(tabs)
    close_tab(profile, first)
    tabs.remove(first)
    expect_presence(tabs, within_s=BOUND_S)


def test_an_idle_tab_with_presence_does_not_rerun(
    presence_app: StreamlitServer, profile: Profile
) -> None:
    url = channel_url(presence_app)
    a, b = open_tab(profile, url), open_tab(profile, url)
    expect_presence([a, b])
    wait_settled([a, b], TABS_QUIET_S)
    # Nothing changes: no timer of presence may rerun either tab.
    assert_no_reruns([a, b], window_s=3.0)
