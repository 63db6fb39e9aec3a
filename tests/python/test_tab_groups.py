"""The tabs fast path's pieces: the browser id a delivery tells, the group scope it makes,
and the hub of tab groups that forgets a group with its last session."""

from __future__ import annotations

import json

import pytest

from streamlit_tabsync._devices import tab_group_scope
from streamlit_tabsync._protocol import Delivery
from streamlit_tabsync._relay.embedded import EmbeddedRelay
from streamlit_tabsync._relay.hub import RelayHub
from streamlit_tabsync._rules import is_valid_name
from streamlit_tabsync._state import ChannelState

BROWSER = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("told", "kept"),
    [
        (BROWSER, BROWSER),
        (BROWSER.upper(), None),
        (BROWSER[:-1], None),
        (BROWSER + "0", None),
        (7, None),
        ("g" * 32, None),
    ],
)
def test_a_delivery_tells_a_browser_id_of_32_lowercase_hex_digits_or_none(told, kept):
    delivery = Delivery.parse({"id": "d", "ns": "n", "browser": told})
    assert delivery is not None and delivery.browser == kept


def test_a_state_keeps_the_browser_id_of_its_own_namespace_only():
    state = ChannelState(namespace="mine")
    state.note_browser(Delivery.parse({"id": "d1", "ns": "other", "browser": BROWSER}))
    assert state.browser is None
    state.note_browser(Delivery.parse({"id": "d2", "ns": "mine", "browser": BROWSER}))
    assert state.browser == BROWSER
    state.note_browser(None)
    assert state.browser == BROWSER


def test_the_group_scope_is_a_name_that_hides_the_id_and_parts_namespaces(monkeypatch):
    monkeypatch.delenv("TABSYNC_SECRET", raising=False)
    scope = tab_group_scope(BROWSER, "gis")
    assert is_valid_name(scope) and BROWSER not in scope
    assert scope == tab_group_scope(BROWSER, "gis")
    assert scope != tab_group_scope(BROWSER, "other")
    assert scope != tab_group_scope("f" * 32, "gis")
    monkeypatch.setenv("TABSYNC_SECRET", "s3cret")
    assert tab_group_scope(BROWSER, "gis") != scope, "keyed with the secret when set"


def test_a_group_whose_last_session_ended_is_forgotten_with_its_entries():
    relay = EmbeddedRelay()
    open_sessions = {"a", "b"}
    hub = RelayHub(
        relay,
        rerun=lambda sid, wanted, where: sid in open_sessions,
        alive=lambda sid: sid in open_sessions,
        on_empty=relay.drop,
    )
    hub.join("b-group", "a")
    hub.join("b-group", "b")
    text = json.dumps({"f": 1, "ns": "gis", "k": "zoom", "v": 1, "s": [1, 0, "t"]})
    from streamlit_tabsync._relay.base import RelayEntry

    assert hub.put("b-group", RelayEntry.parse(text, "gis"), origin="a").stored
    assert relay.snapshot("b-group")
    open_sessions.discard("a")
    hub.sweep()
    assert relay.snapshot("b-group"), "kept while a session follows it"
    open_sessions.discard("b")
    hub.sweep()
    assert relay.snapshot("b-group") == {}, "forgotten with its last session"
