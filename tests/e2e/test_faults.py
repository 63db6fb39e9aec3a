"""Sync keeps working under faults (cleared, full or denied storage, re-created iframes,
missed events) and hostile entries written into storage by another script of the origin."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from .faults_helpers import (
    CHANNEL,
    assert_no_errors,
    component_frame,
    entry,
    envelope_expr,
    fill_number,
    open_tab,
    origin_page,
    poll_until,
    set_raw,
    storage_key,
    text_line,
    write_entry,
)
from .harness import (
    HOST,
    TABS_QUIET_S,
    Profile,
    StreamlitServer,
    Tab,
    assert_no_reruns,
    component_locator,
    in_bridge_frame,
    wait_settled,
)

NOTE = storage_key("note")
COUNT = storage_key("count")


def _share_note_and_count(writer: Tab, readers: list[Tab]) -> None:
    """Writer sets note 'shared note' and count 7; wait until every tab shows both."""
    writer.fill_text("Note", "shared note")
    fill_number(writer, "Count", 7)
    for tab in [writer, *readers]:
        tab.expect_value("note", "'shared note'")
        tab.expect_value("count", "7")


def test_tabs_survive_another_script_clearing_local_storage_and_write_their_values_back(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    a, b = profile.open_tabs(engine_app.url, 2)
    _share_note_and_count(a, [b])
    wait_settled([a, b], TABS_QUIET_S)

    a.page.evaluate("() => localStorage.clear()")  # another script of the origin, in A's page

    # The open tabs write their values back.
    poll_until(
        lambda: (n := entry(a.page, NOTE)) and (c := entry(a.page, COUNT))
        and (n["v"], c["v"]) == ("shared note", 7),
        "the entries to be written back after the clear",
    )
    wait_settled([a, b], TABS_QUIET_S)
    for tab in (a, b):
        assert tab.value("note") == "'shared note'" and tab.value("count") == "7"
        assert tab.status() == "live"
    late = open_tab(profile, engine_app.url)
    late.expect_value("note", "'shared note'")
    late.expect_value("count", "7")
    assert_no_errors(a, b, late)


#: Fills this origin's localStorage with other data until not even one more character fits.
_FILL_STORAGE_JS = """() => {
  let size = 1 << 20, i = 0;
  while (size >= 1) {
    try { localStorage.setItem('filler:' + i, 'x'.repeat(size)); i += 1; }
    catch (e) { size = size >> 1; }
  }
  return i;
}"""
_FREE_STORAGE_JS = """() => {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith('filler:')) localStorage.removeItem(key);
  }
}"""


def test_full_storage_degrades_the_writer_which_keeps_its_value_and_recovers_by_itself(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    a, b = profile.open_tabs(engine_app.url, 2)
    a.fill_text("Note", "before")
    b.expect_value("note", "'before'")
    wait_settled([a, b], TABS_QUIET_S)

    assert b.page.evaluate(_FILL_STORAGE_JS) > 0
    a.fill_text("Note", "while full")

    poll_until(lambda: a.status() == "degraded", "tab A to report degraded")
    a.expect_idle()  # the error line is printed after the status line, in the same run
    assert "quota" in text_line(a, "error=").lower(), text_line(a, "error=")
    assert a.value("note") == "'while full'"
    # The write did not happen: storage keeps the old value. B, a session of the same server
    # process, got the new one from A's run all the same (the server's fast path).
    b.expect_value("note", "'while full'")
    wait_settled([a, b], TABS_QUIET_S)
    assert b.status() == "live"
    assert entry(b.page, NOTE)["v"] == "before"

    b.page.evaluate(_FREE_STORAGE_JS)  # space freed by the other script: sync resumes

    # Status and error lines are redrawn one after the other: poll them together.
    poll_until(
        lambda: a.status() == "live" and text_line(a, "error=") == "None",
        "tab A to be live again, with no error",
    )
    assert entry(b.page, NOTE)["v"] == "while full"
    wait_settled([a, b], TABS_QUIET_S)
    assert a.value("note") == "'while full'"
    assert_no_errors(a, b)


#: Makes localStorage access throw where the bridge runs (see ``in_bridge_frame``).
_DENY_STORAGE_IN_FRAMES_JS = in_bridge_frame("""
  Object.defineProperty(window, 'localStorage', {
    configurable: true,
    get() { throw new DOMException('denied by test', 'SecurityError'); },
  });""")


#: Also removes ``BroadcastChannel`` where the bridge runs (a browser without it).
_DENY_STORAGE_AND_CHANNEL_IN_FRAMES_JS = _DENY_STORAGE_IN_FRAMES_JS + in_bridge_frame(
    "delete window.BroadcastChannel;"
)


def test_denied_storage_falls_back_to_live_sync_between_the_open_tabs(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    a, b = (
        open_tab(profile, engine_app.url, init_script=_DENY_STORAGE_IN_FRAMES_JS, status=None)
        for _ in range(2)
    )
    for tab in (a, b):
        # Status and error lines are redrawn one after the other: poll them together.
        poll_until(
            lambda tab=tab: tab.status() == "degraded"
            and "BroadcastChannel" in text_line(tab, "error="),
            f"tab {tab.name} to degrade, naming the fallback",
        )
        assert "SecurityError" in text_line(tab, "error=")

    a.fill_text("Note", "over the channel")
    b.expect_value("note", repr("over the channel"))
    fill_number(b, "Count", 4)
    a.expect_value("count", "4")

    # A tab opened later asks the open ones and starts with their values.
    c = open_tab(profile, engine_app.url, init_script=_DENY_STORAGE_IN_FRAMES_JS, status=None)
    c.expect_value("note", repr("over the channel"))
    c.expect_value("count", "4")
    wait_settled([a, b, c], TABS_QUIET_S)
    for tab in (a, b, c):
        assert tab.value("note") == repr("over the channel") and tab.value("count") == "4"
        assert tab.status() == "degraded"
    # Nothing reached storage (read from a page without the denial: on the v2 host the
    # app page itself is where storage is denied).
    assert entry(origin_page(profile, engine_app.url), NOTE) is None
    assert_no_errors(a, b, c)


def test_denied_storage_without_a_channel_leaves_a_working_single_tab_app_reporting_blocked(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    tab = open_tab(
        profile, engine_app.url, init_script=_DENY_STORAGE_AND_CHANNEL_IN_FRAMES_JS, status=None
    )
    tab.expect_value("note", "'untitled'")
    # Status and error lines are redrawn one after the other: poll them together.
    poll_until(
        lambda: tab.status() == "blocked" and "SecurityError" in text_line(tab, "error="),
        "the tab to report blocked, with the reason",
    )

    tab.fill_text("Note", "alone")
    fill_number(tab, "Count", 3)
    tab.expect_value("note", "'alone'")
    tab.expect_value("count", "3")
    wait_settled([tab], TABS_QUIET_S)
    assert tab.value("note") == "'alone'" and tab.status() == "blocked"
    assert entry(origin_page(profile, engine_app.url), NOTE) is None  # nothing was written
    assert_no_errors(tab)


def test_a_tab_reads_storage_again_when_shown_again(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    """Events missed while hidden or frozen are made up for on visibilitychange/pageshow.

    A write from the tab's own component frame fires no ``storage`` event in that frame, as
    if the event had been missed; then the frame gets the event that a shown tab gets.
    """
    (a,) = profile.open_tabs(engine_app.url, 1)
    frame = component_frame(a)

    for event_js, value in (
        ("document.dispatchEvent(new Event('visibilitychange', {bubbles: true}))", "seen on show"),
        ("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))",
         "seen on pageshow"),
    ):
        frame.evaluate(f"() => localStorage.setItem({json.dumps(NOTE)}, "
                       f"{envelope_expr('note', json.dumps(value))})")
        # Bounded observation (wait_settled's quiet window): nothing tells the tab yet, so
        # it must not rerun with the value.
        wait_settled([a], TABS_QUIET_S)
        assert a.value("note") != repr(value), "the tab applied a write it got no event for"
        frame.evaluate(f"() => {event_js}")
        a.expect_value("note", repr(value))
    assert_no_errors(a)


def test_a_re_created_component_iframe_neither_reverts_nor_loses_edits(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    a, b = profile.open_tabs(engine_app.url, 2)
    a.fill_text("Note", "A's old edit")
    b.expect_value("note", repr("A's old edit"))
    b.fill_text("Note", "B's newer edit")
    a.expect_value("note", repr("B's newer edit"))
    wait_settled([a, b], TABS_QUIET_S)
    if HOST == "v1":
        component_frame(a).evaluate("() => { window.__oldFrame = true; }")

    # Same component key: the component goes away and comes back (a page switch does the
    # same): a new iframe (v1), a new instance in the page (v2).
    a.click_checkbox("Paused")
    a.wait_rendered("paused")
    expect(component_locator(a.page)).to_have_count(0)
    a.fill_text("Note", "edited while paused")  # a local edit made without the component
    a.click_checkbox("Paused")
    a.wait_rendered("live")
    expect(component_locator(a.page)).to_have_count(1)
    if HOST == "v1":
        assert not component_frame(a).evaluate("() => window.__oldFrame === true")

    # A's edit made while paused is shared, and A's old edit was not written again.
    b.expect_value("note", repr("edited while paused"))
    wait_settled([a, b], TABS_QUIET_S)
    assert entry(a.page, NOTE)["v"] == "edited while paused"

    # Another component key (a new iframe and new bookkeeping) keeps the values, both ways.
    a.click_checkbox("Alt key")
    a.wait_rendered("live")
    wait_settled([a, b], TABS_QUIET_S)
    for tab in (a, b):
        assert tab.value("note") == repr("edited while paused")
    b.fill_text("Note", "B after the switch")
    a.expect_value("note", repr("B after the switch"))
    fill_number(a, "Count", 5)
    b.expect_value("count", "5")
    wait_settled([a, b], TABS_QUIET_S)
    assert a.value("note") == b.value("note") == repr("B after the switch")
    assert_no_errors(a, b)


# --------------------------------------------------------------------------------------------
# Hostile entries
# --------------------------------------------------------------------------------------------

_YEAR_3000_MS = "32503680000000"
_100_KIB_STRING = '"' + "x" * (100 * 1024) + '"'

#: (what, storage key, JS expression of the stored text). Each would win if it were accepted
#: (stamp one second ahead of the writer's clock unless the stamp itself is the fault).
HOSTILE: list[tuple[str, str, str]] = [
    ("not JSON", NOTE, json.dumps('{"f":1,"ns":"e2e-engine","k":"note","v":"x",')),
    ("a JSON array", NOTE, json.dumps("[1,2,3]")),
    ("a stamp that is a string", NOTE,
     json.dumps('{"f":1,"ns":"e2e-engine","k":"note","v":"hostile","s":"soon"}')),
    ("no value", NOTE,
     """'{"f":1,"ns":"e2e-engine","k":"note","s":[' + (Date.now() + 1000) + ',0,"x"]}'"""),
    ("format version 2", NOTE, envelope_expr("note", '"hostile"', version="2")),
    ("another namespace", storage_key("note", "other-ch"),
     envelope_expr("note", '"hostile"', channel="other-ch")),
    ("another namespace under this namespace's key", NOTE,
     envelope_expr("note", '"hostile"', channel="other-ch")),
    ("another key's entry under this key", NOTE, envelope_expr("count", "99")),
    ("a bad tab id in the stamp", NOTE, envelope_expr("note", '"hostile"', tab="no spaces!")),
    ("a stamp in the year 3000", NOTE, envelope_expr("note", '"hostile"', wall=_YEAR_3000_MS)),
    ("NaN as the value", COUNT, envelope_expr("count", "NaN")),
    ("Infinity as the stamp", NOTE, envelope_expr("note", '"hostile"', wall="'Infinity'")),
    ("1e400 as the value", COUNT, envelope_expr("count", "1e400")),
    ("1e400 as the stamp", NOTE, envelope_expr("note", '"hostile"', wall="'1e400'")),
    ("a negative counter", NOTE, envelope_expr("note", '"hostile"', counter="-1")),
    ("arrays nested 100 deep", NOTE, envelope_expr("note", "[" * 100 + "]" * 100)),
    ("a value over 96 KiB", NOTE, envelope_expr("note", _100_KIB_STRING)),
    ("__proto__ as the value", storage_key("prefs"),
     envelope_expr("prefs", '{"__proto__":{"polluted":1}}')),
    ("__proto__ nested in the value", storage_key("prefs"),
     envelope_expr("prefs", '{"theme":{"__proto__":{"polluted":1}}}')),
    # The JSON escape \\ud800 (six characters of the stored text), which decodes to a lone
    # surrogate. (A lone surrogate character in the stored text: see the test below.)
    ("a lone surrogate escape", NOTE, envelope_expr("note", '"\\ud800"')),
    ("a raw NUL in a JSON string", NOTE, envelope_expr("note", '"a\x00b"')),
]


def _beat(observer, tabs: list[Tab], n: int) -> None:
    """Barrier: write ``beat = n`` from the observer and wait until every tab shows it.

    ``storage`` events reach a frame in order, so once ``beat`` arrived every entry written
    before it has been handled too.
    """
    write_entry(observer, "beat", n, counter=str(n), tab="observer")
    for tab in tabs:
        tab.expect_value("beat", str(n))
        tab.expect_idle()  # the lines printed after beat belong to the same finished run


def _assert_untouched(tabs: list[Tab], what: str) -> None:
    for tab in tabs:
        shown = (tab.value("note"), tab.value("count"), tab.value("prefs"))
        assert shown == ("'kept'", "7", "{'theme': 'light'}"), (
            f"after {what}, tab {tab.name} shows {shown}"
        )
        assert text_line(tab, "rejected_log=") == "", (
            f"after {what}, tab {tab.name} had values refused by Python, not by the engine: "
            f"{text_line(tab, 'rejected_log=')}"
        )
        assert tab.status() == "live"
    assert_no_errors(*tabs)


def test_hostile_entries_are_never_applied_and_never_break_syncing(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    a, b = profile.open_tabs(engine_app.url, 2)
    tabs = [a, b]
    observer = origin_page(profile, engine_app.url)
    a.fill_text("Note", "kept")
    fill_number(a, "Count", 7)
    for tab in tabs:
        tab.expect_value("note", "'kept'")
        tab.expect_value("count", "7")

    for n, (what, key, text_expr) in enumerate(HOSTILE, start=1):
        set_raw(observer, key, text_expr)
        _beat(observer, tabs, n)
        _assert_untouched(tabs, what)

    # Nothing polluted Object.prototype, in any frame.
    for tab in tabs:
        for frame in (tab.page.main_frame, component_frame(tab)):
            assert frame.evaluate("() => ({}).polluted === undefined && !('polluted' in {})")

    # A well-formed entry of the wrong type: refused by the Python side and reported.
    set_raw(observer, COUNT, envelope_expr("count", '"seven"'))
    _beat(observer, tabs, len(HOSTILE) + 1)
    for tab in tabs:
        assert tab.value("count") == "7"
        assert text_line(tab, "rejected_log=") == "count"

    # Syncing still works, and the year-3000 stamp did not drag the clocks along.
    b.fill_text("Note", "after the storm")
    fill_number(a, "Count", 8)
    for tab in tabs:
        tab.expect_value("note", "'after the storm'")
        tab.expect_value("count", "8")
    wait_settled(tabs, TABS_QUIET_S)
    now = int(observer.evaluate("() => Date.now()"))
    for key, value in ((NOTE, "after the storm"), (COUNT, 8)):
        stored = entry(observer, key)
        assert stored is not None and stored["v"] == value, stored
        assert stored["s"][0] < now + 60_000, f"a clock was dragged into the future: {stored}"
    assert_no_errors(*tabs)


def test_an_entry_holding_a_lone_surrogate_character_is_not_applied(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    (a,) = profile.open_tabs(engine_app.url, 1)
    observer = origin_page(profile, engine_app.url)
    a.fill_text("Note", "kept")
    fill_number(a, "Count", 7)
    for key, value in ((NOTE, "kept"), (COUNT, 7)):  # written before the hostile entry
        poll_until(lambda key=key, value=value: (e := entry(observer, key)) and e["v"] == value,
                   f"{value!r} in storage")
    # json.dumps turns the lone surrogate into a \\ud800 escape of the JS string literal,
    # so the stored text holds the lone surrogate character itself (not valid Unicode).
    length = set_raw(observer, NOTE, envelope_expr("note", '"\ud800"'))
    assert length > 0
    assert observer.evaluate(
        "(k) => localStorage.getItem(k).includes(String.fromCharCode(0xd800))", NOTE
    )
    _beat(observer, [a], 1)
    _assert_untouched([a], "a lone surrogate in the stored text")


def test_a_degraded_tab_does_not_rerun_while_storage_stays_full(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    (a,) = profile.open_tabs(engine_app.url, 1)
    a.fill_text("Note", "before")
    poll_until(lambda: (e := entry(a.page, NOTE)) and e["v"] == "before", "the first write")
    assert a.page.evaluate(_FILL_STORAGE_JS) > 0
    a.fill_text("Note", "while full")
    poll_until(lambda: a.status() == "degraded", "tab A to report degraded")
    a.expect_idle()
    # Bounded observation: nothing changes while storage stays full, so nothing may rerun.
    assert_no_reruns([a], window_s=3.0)


#: In the writing page: writes note = "burst <i>" with rising stamps, one per 2 ms, for as long
#: as the page lives (the test closes it mid-way). Returns at once.
_ENDLESS_BURST_JS = """([key, channel]) => {
  let i = 0;
  const step = () => {
    const s = [Date.now() + 1000, i, "closing-tab"];
    const entry = {f: 1, ns: channel, k: "note", v: "burst " + i, s};
    localStorage.setItem(key, JSON.stringify(entry));
    i += 1;
    setTimeout(step, 2);
  };
  step();
}"""


def test_a_tab_closed_in_the_middle_of_a_burst_leaves_the_others_on_its_last_write(
    engine_app: StreamlitServer, profile: Profile
) -> None:
    b, c = profile.open_tabs(engine_app.url, 2)
    closing = origin_page(profile, engine_app.url)  # a same-origin tab of the profile
    closing.evaluate(_ENDLESS_BURST_JS, [NOTE, CHANNEL])
    poll_until(
        lambda: (e := entry(b.page, NOTE)) and int(e["v"].split()[1]) >= 50,
        "the burst to be under way",
    )
    closing.close()  # mid-burst: its pending timer dies with it

    # The closed renderer's last few setItem calls can still be in flight to the other tabs
    # when close() returns, so "its last write" is what storage holds once b and c agree with
    # it -- a snapshot taken right after close() may be a write or two behind.
    def converged() -> dict[str, Any] | None:
        seen_b, seen_c = entry(b.page, NOTE), entry(c.page, NOTE)
        if seen_b is None or seen_b != seen_c:
            return None
        shown = repr(seen_b["v"])
        return seen_b if b.value("note") == shown and c.value("note") == shown else None

    last = poll_until(converged, "tabs B and C to show the value storage holds")
    wait_settled([b, c], TABS_QUIET_S)
    final = poll_until(converged, "tabs B and C to still agree with storage once settled")
    assert final["v"].startswith("burst ") and int(final["v"].split()[1]) >= 50
    assert final["s"][2] == "closing-tab", "B and C must not overwrite the closed tab's write"
    assert final["s"] >= last["s"], "storage went back to an older write"
    for tab in (b, c):
        assert tab.status() == "live"
    assert_no_errors(b, c)
