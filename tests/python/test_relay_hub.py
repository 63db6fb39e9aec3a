"""The relay hub: which sessions hear of news, and that ended sessions are forgotten."""

from __future__ import annotations

import json

from streamlit_tabsync._relay.embedded import EmbeddedRelay
from streamlit_tabsync._relay.hub import RelayHub, parse_stamp_text


def entry(scope: str, key: str, value: object, wall: int, tab: str = "t1") -> str:
    return json.dumps(
        {"f": 1, "ns": scope, "k": key, "v": value, "s": [wall, 0, tab]}, separators=(",", ":")
    )


class Sessions:
    """Stands in for Streamlit's runtime: which sessions exist, and the reruns asked of them."""

    def __init__(self) -> None:
        self.open: set[str] = set()
        self.reruns: list[str] = []

    def rerun(self, sid: str, wanted=None, location=None) -> bool:
        if sid not in self.open:
            return False
        self.reruns.append(sid)
        return True

    def alive(self, sid: str) -> bool:
        return sid in self.open


def make_hub() -> tuple[RelayHub, Sessions]:
    sessions = Sessions()
    return RelayHub(EmbeddedRelay(), sessions.rerun, sessions.alive), sessions


def test_news_reruns_the_scopes_other_sessions_not_the_writer_nor_other_scopes():
    hub, sessions = make_hub()
    sessions.open |= {"a", "b", "c"}
    hub.join("u-ann", "a")
    hub.join("u-ann", "b")
    hub.join("u-bob", "c")
    sessions.reruns.clear()  # the first subscription's health report reran nobody yet
    outcome = hub.publish("u-ann", entry("u-ann", "zoom", 3, 1000), origin="a")
    assert outcome is not None and outcome.stored
    assert sessions.reruns == ["b"]
    view = hub.view("u-ann")
    assert view.healthy and view.name == "embedded"
    assert view.entries == (entry("u-ann", "zoom", 3, 1000),)
    assert hub.view("u-bob").entries == ()


def test_an_older_entry_changes_nothing_and_reruns_nobody():
    hub, sessions = make_hub()
    sessions.open |= {"a", "b"}
    hub.join("u-ann", "a")
    hub.join("u-ann", "b")
    hub.publish("u-ann", entry("u-ann", "zoom", 3, 1000), origin="a")
    sessions.reruns.clear()
    outcome = hub.publish("u-ann", entry("u-ann", "zoom", 1, 999), origin="b")
    assert outcome is not None and not outcome.stored
    assert sessions.reruns == []
    assert "3" in hub.view("u-ann").entries[0]


def test_malformed_or_foreign_entries_are_refused_without_raising():
    hub, _ = make_hub()
    assert hub.publish("u-ann", "not json") is None
    assert hub.publish("u-ann", entry("u-bob", "zoom", 1, 5)) is None
    assert hub.view("u-ann").entries == ()


def test_a_thousand_sessions_opened_and_closed_leave_nothing_behind():
    hub, sessions = make_hub()
    for n in range(1000):
        sid = f"s{n}"
        sessions.open.add(sid)
        hub.join(f"u-{n % 7}", sid)
        sessions.open.discard(sid)  # the tab is closed
    hub.sweep()
    assert hub.session_count() == 0
    # News for a scope whose sessions ended forgets them too, without a sweep.
    sessions.open.add("x")
    hub.join("u-x", "x")
    sessions.open.discard("x")
    hub.publish("u-x", entry("u-x", "k", 1, 1), origin="other")
    assert hub.session_count() == 0


def test_the_periodic_sweep_bounds_the_registry_while_sessions_come_and_go():
    hub, sessions = make_hub()
    for n in range(1000):
        sid = f"s{n}"
        sessions.open.add(sid)
        hub.join("u-ann", sid)
        sessions.open.discard(sid)
    assert hub.session_count() < 64 + 1


def test_stamp_texts_parse_to_the_stamps_they_print():
    assert parse_stamp_text("0000001764110000000.0000000003.ab-c") == (1764110000000, 3, "ab-c")
    for bad in (None, "", "1.2", "x.1.t", "1.y.t", "1.2."):
        assert parse_stamp_text(bad) is None


def test_a_hand_over_of_made_up_keys_stores_nothing_and_reruns_nobody():
    from streamlit_tabsync._protocol import Delivery
    from streamlit_tabsync._relay.state import RelayState

    def hand_over(hub, scope, origin, state, delivery, keys):
        return state.hand_over(hub, scope, origin, delivery, keys)

    hub, sessions = make_hub()
    sessions.open |= {"hostile", "member"}
    hub.join("u-ann", "hostile")
    hub.join("u-ann", "member")
    sessions.reruns.clear()
    state = RelayState()
    junk = [{"e": entry("u-ann", f"junk-{n}", n, 1000 + n)} for n in range(3000)]
    delivery = Delivery.parse({"id": "d-1", "ns": "u-ann", "outbox": junk, "quiet": True})
    assert delivery is not None and len(delivery.outbox) == 3000
    hand_over(hub, "u-ann", "hostile", state, delivery, keys=["zoom"])
    assert hub.view("u-ann").entries == ()
    assert sessions.reruns == []
    assert state.refused_entries == 3000

    # The named key in the next delivery goes through, and its news reruns the member once.
    named = {"e": entry("u-ann", "zoom", 4, 5000)}
    delivery = Delivery.parse({"id": "d-2", "ns": "u-ann", "outbox": [*junk[:5], named]})
    assert delivery is not None
    hand_over(hub, "u-ann", "hostile", state, delivery, keys=["zoom"])
    assert hub.view("u-ann").entries == (named["e"],)
    assert sessions.reruns == ["member"]
    assert state.refused_entries == 3005


def test_news_owes_each_other_session_one_run_until_it_reads_the_relay():
    hub, sessions = make_hub()
    wanted = []
    sessions.open |= {"writer", "reader"}

    def rerun(sid, still_wanted, location):
        sessions.reruns.append(sid)
        wanted.append(still_wanted)
        return True

    hub._rerun = rerun
    hub.join("u-ann", "writer")
    hub.join("u-ann", "reader")
    for n in range(3):  # a burst of news: one run owed, one asked for
        hub.publish("u-ann", entry("u-ann", "zoom", n, 1000 + n), origin="writer")
    assert sessions.reruns == ["reader"]
    assert wanted[0]() is True
    assert hub.reading("reader") is True, "the run pays the debt"
    assert wanted[0]() is False, "a rerun not started yet is dropped once the news is read"
    assert hub.reading("reader") is False
    # News after the read (while the reader's run goes on) owes it another run.
    hub.publish("u-ann", entry("u-ann", "zoom", 9, 2000), origin="writer")
    assert sessions.reruns == ["reader", "reader"]
