"""The per-tab bookkeeping: what counts as a local edit, what a delivery applies."""

import json

from streamlit_tabsync._edit_rule import SUPERSEDED_GRACE_S
from streamlit_tabsync._state import ChannelState

KEYS = ["zoom", "layers"]


def delivery(n, values=None, acks=None):
    """A delivery as the browser side posts it: values as JSON text (see _protocol)."""
    return {
        "v": 2,
        "id": f"inst-{n}",
        "ns": "",
        "status": "live",
        "values": {k: {"t": json.dumps(v), "s": s} for k, (v, s) in (values or {}).items()},
        "acks": acks or {},
    }


def live_state(current):
    state = ChannelState(tab_id="me")
    state.take_delivery(delivery(0), KEYS, current, [])
    return state


def test_nothing_is_an_edit_before_the_shared_state_has_been_read():
    state = ChannelState(tab_id="me")
    edited, _ = state.detect_edits(KEYS, {"zoom": 1})
    assert edited == []
    assert state.edits == {}


def test_the_first_delivery_applies_shared_values_over_defaults_and_goes_live():
    state = ChannelState(tab_id="me")
    out = state.take_delivery(delivery(1, {"zoom": (8, "s1")}), KEYS, {"zoom": 1}, [])
    assert [(a.key, a.value) for a in out.applied] == [("zoom", 8)]
    assert out.rejected == []
    assert state.live


def test_a_changed_value_is_published_once_as_an_edit_with_a_unique_id():
    state = live_state({"zoom": 1})
    edited, _ = state.detect_edits(KEYS, {"zoom": 4})
    assert edited == ["zoom"]
    first = state.render_args("gis", KEYS)["edits"]["zoom"]
    assert json.loads(first["e"])["v"] == 4
    assert state.detect_edits(KEYS, {"zoom": 4})[0] == []
    state.detect_edits(KEYS, {"zoom": 5})
    second = state.render_args("gis", KEYS)["edits"]["zoom"]
    assert second["id"] != first["id"]


def test_a_delivery_made_before_our_edit_was_written_does_not_revert_it():
    state = live_state({"zoom": 1})
    state.detect_edits(KEYS, {"zoom": 4})
    edit_id = state.edits["zoom"]["id"]
    stale = state.take_delivery(delivery(1, {"zoom": (2, "s2")}), KEYS, {"zoom": 4}, [])
    assert stale.applied == []
    newer = state.take_delivery(
        delivery(2, {"zoom": (7, "s9")}, {"zoom": edit_id}), KEYS, {"zoom": 4}, []
    )
    assert [(a.key, a.value) for a in newer.applied] == [("zoom", 7)]


def test_a_local_edit_wins_over_news_in_the_same_run():
    state = live_state({"zoom": 1})
    edited, _ = state.detect_edits(KEYS, {"zoom": 3})
    out = state.take_delivery(
        delivery(1, {"zoom": (9, "s5")}, {"zoom": state.edits["zoom"]["id"]}),
        KEYS,
        {"zoom": 3},
        edited,
    )
    assert out.applied == []


def test_a_delivery_is_applied_once():
    state = live_state({"zoom": 1})
    d = delivery(1, {"zoom": (2, "s2")})
    assert len(state.take_delivery(d, KEYS, {"zoom": 1}, []).applied) == 1
    assert state.take_delivery(d, KEYS, {"zoom": 1}, []).applied == []


def applied_state():
    """A live tab that has just applied zoom 1 -> 2 and range (2, 8) -> (3, 9) from others."""
    state = live_state({"zoom": 1, "range": (2, 8)})
    current = {"zoom": 1, "range": (2, 8)}
    state.take_delivery(
        delivery(1, {"zoom": (2, "s2"), "range": ([3, 9], "s3")}), ["zoom", "range"], current, []
    )
    return state, ["zoom", "range"], current


def test_a_superseded_widget_value_is_put_back_not_published():
    state, keys, current = applied_state()
    # A rerun requested before the browser had drawn the applied run: it still says 1.
    edited, restore = state.detect_edits(keys, current)
    assert edited == []
    assert [(r.key, r.value) for r in restore] == [("zoom", 2), ("range", (3, 9))]
    # Once the browser shows 2, going back to 1 is a real edit.
    state.detect_edits(keys, {"zoom": 2, "range": (3, 9)})
    edited, restore = state.detect_edits(keys, {"zoom": 1, "range": (3, 9)})
    assert edited == ["zoom"]
    assert restore == []


def test_runs_the_server_asks_for_draw_an_applied_value_again_until_the_browser_shows_it():
    # Runs the server asks for back to back reach the browser in one burst, where the
    # element of the run that applied a value can be replaced before it is drawn.
    state, keys, _ = applied_state()
    shown = {"zoom": 2, "range": (3, 9)}
    edited, again = state.detect_edits(keys, shown, confirmed=False)
    assert edited == []
    assert [(r.key, r.value, r.redraw) for r in again] == [
        ("zoom", 2, True), ("range", (3, 9), True)
    ]
    # The browser's own rerun reporting the values shows it draws them: no more redraws.
    assert state.detect_edits(keys, shown) == ([], [])
    assert state.detect_edits(keys, shown, confirmed=False) == ([], [])


def applied_at(t):
    """A live tab that applied flag False -> True from another tab at monotonic time ``t``."""
    state = live_state({"flag": False})
    state.take_delivery(delivery(1, {"flag": (True, "s2")}), ["flag"], {"flag": False}, [], now=t)
    return state


def test_a_set_back_value_in_a_rerun_the_user_requested_after_the_grace_is_an_edit():
    state = applied_at(100.0)
    edited, restore = state.detect_edits(
        ["flag"], {"flag": False}, news=False, now=100.0 + SUPERSEDED_GRACE_S + 0.1
    )
    assert edited == ["flag"] and restore == []
    assert json.loads(state.render_args("ns", ["flag"])["edits"]["flag"]["e"])["v"] is False


def test_a_set_back_value_within_the_grace_or_with_news_is_put_back():
    state = applied_at(100.0)
    edited, restore = state.detect_edits(["flag"], {"flag": False}, news=False, now=100.5)
    assert edited == [] and [(r.key, r.value) for r in restore] == [("flag", True)]
    # A rerun the component requested (a new delivery) puts it back however late it comes:
    # chains of runs interrupted by deliveries may never have reached the widget.
    state = applied_at(100.0)
    edited, restore = state.detect_edits(["flag"], {"flag": False}, news=True, now=500.0)
    assert edited == [] and [(r.key, r.value) for r in restore] == [("flag", True)]


def test_a_set_back_value_reported_with_another_widgets_change_is_put_back_however_late():
    # The browser had not drawn the applied run when the user moved another widget: the
    # rerun carries that change and the stale copy together.
    state = applied_at(100.0)
    edited, restore = state.detect_edits(
        ["flag"], {"flag": False}, news=False, now=500.0, beside=lambda: {"flag": True}
    )
    assert edited == [] and [(r.key, r.value) for r in restore] == [("flag", True)]
    # Alone in its rerun, after the grace, the same value is the user's set-back.
    state = applied_at(100.0)
    edited, restore = state.detect_edits(
        ["flag"], {"flag": False}, news=False, now=500.0, beside=lambda: {"flag": False}
    )
    assert edited == ["flag"] and restore == []


def test_other_widgets_changes_are_only_asked_for_a_superseded_value_and_once():
    calls = []

    def beside():
        calls.append(1)
        return {}

    state, keys, current = applied_state()
    state.detect_edits(keys, {"zoom": 2, "range": (3, 9)}, news=False, beside=beside)
    assert calls == []  # the browser shows the shared values: nothing to ask
    state, keys, current = applied_state()
    state.detect_edits(keys, current, news=False, now=1e9, beside=beside)
    assert calls == [1]  # two superseded values, one question


def test_putting_a_value_back_restarts_the_grace():
    state = applied_at(100.0)
    state.detect_edits(["flag"], {"flag": False}, news=True, now=200.0)  # put back
    edited, _ = state.detect_edits(["flag"], {"flag": False}, news=False, now=201.0)
    assert edited == []  # within the grace of the put-back at 200 (and put back again)
    edited, _ = state.detect_edits(
        ["flag"], {"flag": False}, news=False, now=201.0 + SUPERSEDED_GRACE_S + 0.1
    )
    assert edited == ["flag"]


def test_a_previous_value_assigned_through_the_api_is_an_edit():
    state, keys, current = applied_state()
    edited, restore = state.detect_edits(keys, current, assigned={"zoom"})
    assert edited == ["zoom"]
    assert [r.key for r in restore] == ["range"]


def test_wrong_typed_values_are_rejected_with_a_reason_and_not_applied():
    state = live_state({"zoom": 1})
    out = state.take_delivery(delivery(1, {"zoom": ("high", "s2")}), KEYS, {"zoom": 1}, [])
    assert out.applied == []
    assert [(r.key, r.reason) for r in out.rejected] == [("zoom", "expected a number")]


def test_malformed_deliveries_are_ignored():
    state = live_state({"zoom": 1})
    for junk in [
        None,
        3,
        "x",
        {"id": 5},
        {"id": "z", "values": [1]},
        {"id": "y", "values": {"zoom": 5}},
    ]:
        out = state.take_delivery(junk, KEYS, {"zoom": 1}, [])
        assert (out.applied, out.rejected, out.conflicts) == ([], [], [])


def test_a_delivery_for_another_namespace_is_ignored():
    state = ChannelState(tab_id="me", namespace="u-bob")
    d = delivery(1, {"zoom": (8, "s1")})
    d["ns"] = "u-alice"
    out = state.take_delivery(d, KEYS, {"zoom": 1}, [])
    assert out.applied == [] and not state.live
    d["ns"] = "u-bob"
    assert [a.value for a in state.take_delivery(d, KEYS, {"zoom": 1}, []).applied] == [8]


def test_dates_times_and_datetimes_travel_tagged_and_come_back_typed():
    import datetime as dt

    day, next_day = dt.date(2026, 1, 1), dt.date(2026, 1, 2)
    state = live_state({"day": day, "span": (day, next_day)})
    keys = ["day", "span", "at", "when"]
    current = {
        "day": dt.date(2026, 1, 1),
        "span": (dt.date(2026, 1, 1), dt.date(2026, 1, 2)),
        "at": dt.time(9, 30),
        "when": dt.datetime(2026, 1, 1, 12, 0),
    }
    state.detect_edits(keys, current)
    state.detect_edits(keys, {**current, "day": dt.date(2026, 5, 4)})
    assert json.loads(state.edits["day"]["t"]) == {"$date": "2026-05-04"}
    out = state.take_delivery(
        delivery(
            1,
            {
                "span": ([{"$date": "2026-02-01"}, {"$date": "2026-02-09"}], "s1"),
                "at": ({"$time": "10:15:00"}, "s2"),
                "when": ({"$datetime": "2026-03-01T08:00:00"}, "s3"),
            },
        ),
        keys,
        current,
        [],
    )
    got = {a.key: a.value for a in out.applied}
    assert got == {
        "span": (dt.date(2026, 2, 1), dt.date(2026, 2, 9)),
        "at": dt.time(10, 15),
        "when": dt.datetime(2026, 3, 1, 8, 0),
    }
    wrong = state.take_delivery(delivery(2, {"at": ("10:15", "s9")}), keys, current, [])
    assert [r.reason for r in wrong.rejected] == ["expected a time"]


def test_validators_replace_the_default_type_check_and_never_raise():
    state = live_state({"zoom": 1, "title": "a", "n": 1})
    keys = ["zoom", "title", "n"]

    def boom(value):
        raise RuntimeError("bad")

    validators = {"zoom": lambda v: isinstance(v, int) and 1 <= v <= 20, "title": str, "n": boom}
    out = state.take_delivery(
        delivery(1, {"zoom": (99, "s1"), "title": (5, "s2"), "n": (2, "s3")}),
        keys,
        {"zoom": 1, "title": "a", "n": 1},
        [],
        validators,
    )
    assert out.applied == []
    assert out.rejected and {r.key for r in out.rejected} == {"zoom", "title", "n"}
    reasons = {r.key: r.reason for r in out.rejected}
    assert reasons["title"] == "expected str" and "RuntimeError" in reasons["n"]
    ok = state.take_delivery(delivery(2, {"zoom": (7, "s4")}), keys, {"zoom": 1}, [], validators)
    assert [(a.key, a.value) for a in ok.applied] == [("zoom", 7)]


def test_ranges_come_back_as_tuples():
    state = live_state({"range": (2, 8)})
    out = state.take_delivery(
        delivery(1, {"range": ([3, 9], "s2")}), ["range"], {"range": (2, 8)}, []
    )
    assert out.applied[0].value == (3, 9)


def test_edits_carry_the_stamp_they_were_based_on():
    state = ChannelState(tab_id="me")
    state.take_delivery(delivery(1, {"zoom": (1, "s1")}), KEYS, {"zoom": 0}, [])
    state.detect_edits(KEYS, {"zoom": 5})
    assert state.edits["zoom"]["base"] == "s1"


def test_a_refused_edit_is_reported_once_and_the_stored_value_applied():
    state = ChannelState(tab_id="me")
    state.take_delivery(delivery(1, {"zoom": (1, "s1")}), KEYS, {"zoom": 0}, [])
    state.detect_edits(KEYS, {"zoom": 5})
    edit_id = state.edits["zoom"]["id"]
    d = delivery(2, {"zoom": (9, "s2")}, {"zoom": edit_id})
    d["conflicts"] = [{"key": "zoom", "id": edit_id, "mine": "5", "theirs": "9"}]
    out = state.take_delivery(d, KEYS, {"zoom": 5}, [])
    assert [(c.key, c.mine, c.theirs) for c in out.conflicts] == [("zoom", 5, 9)]
    assert [(a.key, a.value) for a in out.applied] == [("zoom", 9)]
    d["id"] = "inst-3"
    assert state.take_delivery(d, KEYS, {"zoom": 9}, []).conflicts == []


# --------------------------------------------------------------------------------------------
# A bound key that vanishes from session state (page switch, widget not drawn, del)
# --------------------------------------------------------------------------------------------


def _live_on(page, current):
    state = ChannelState(tab_id="me")
    state.take_delivery(delivery(0, {"zoom": (77, "s1")}), KEYS, current, [], page=page)
    state.remember_shapes(page, {"zoom": 77})
    return state


def test_a_vanished_key_gets_the_shared_value_back_shaped_like_on_its_page():
    state = _live_on("p1", {"zoom": -1000})
    restored = state.put_back_vanished(KEYS, {}, "p1")
    assert [(a.key, a.value) for a in restored] == [("zoom", 77)]
    assert state.resend == 0
    edited, _ = state.detect_edits(KEYS, {"zoom": 77})
    assert edited == [] and state.edits == {}


def test_a_vanished_key_on_a_page_that_never_showed_it_keeps_its_widget_default_locally():
    state = _live_on("p1", {"zoom": -1000})
    assert state.put_back_vanished(KEYS, {}, "p2") == []
    assert state.resend == 1, "a fresh delivery is asked for"
    # The widget on p2 drew its default (a text box here): not an edit.
    edited, _ = state.detect_edits(KEYS, {"zoom": "5"})
    assert edited == [] and state.edits == {}
    # The fresh delivery (same stamp) is checked against the widget's value: refused here.
    out = state.take_delivery(delivery(1, {"zoom": (77, "s1")}), KEYS, {"zoom": "5"}, [], page="p2")
    assert out.applied == [] and [r.key for r in out.rejected] == ["zoom"]
    state.remember_shapes("p2", {"zoom": "5"})
    # Still not an edit while it stays; a real edit there (the browser reports the widget
    # changed) is shared.
    assert state.detect_edits(KEYS, {"zoom": "5"})[0] == []
    assert state.detect_edits(KEYS, {"zoom": "wide"}, changed={"zoom": True})[0] == ["zoom"]


def test_a_default_drawn_where_the_shared_value_fits_is_replaced_by_it():
    state = _live_on("p1", {"zoom": -1000})
    state.put_back_vanished(KEYS, {}, "p2")
    edited, restore = state.detect_edits(KEYS, {"zoom": 0})
    assert edited == [] and [(a.key, a.value) for a in restore] == [("zoom", 77)]


def test_after_a_page_switch_a_value_the_browser_did_not_change_is_never_an_edit():
    # A leftover of another page, or a widget's own first default: Streamlit says the
    # browser did not change the widget in this rerun.
    state = _live_on("p1", {"zoom": -1000})
    edited, restore = state.detect_edits(KEYS, {"zoom": 77}, returned=True, now=10.0)
    assert edited == [] and restore == []
    edited, restore = state.detect_edits(KEYS, {"zoom": 5}, changed={"zoom": False}, now=20.0)
    assert edited == [] and [(a.key, a.value) for a in restore] == [("zoom", 77)]
    edited, restore = state.detect_edits(KEYS, {"zoom": "5"}, changed={"zoom": False}, now=30.0)
    assert edited == [] and restore == [], "another type: kept locally, not shared"
    edited, _ = state.detect_edits(KEYS, {"zoom": 6}, changed={"zoom": True}, now=40.0)
    assert edited == ["zoom"], "a change the browser reported is an edit"


def test_on_the_same_page_an_unchanged_widget_test_does_not_hide_an_edit():
    # A run interrupted before sync() (fast reruns) compacts the browser's new value, so the
    # next run's test says "unchanged": off the settling period the value is still an edit.
    state = _live_on("p1", {"zoom": -1000})
    state.detect_edits(KEYS, {"zoom": 77}, now=1.0)
    edited, _ = state.detect_edits(KEYS, {"zoom": 5}, changed={"zoom": False}, now=50.0)
    assert edited == ["zoom"]


def test_a_fresh_delivery_is_asked_for_once_per_vanishing():
    state = _live_on("p1", {"zoom": -1000})
    state.put_back_vanished(KEYS, {}, "p2")
    # p2 never draws zoom: the next run puts the value back as it is instead of asking again.
    restored = state.put_back_vanished(KEYS, {}, "p2")
    assert state.resend == 1
    assert [(a.key, a.value) for a in restored] == [("zoom", 77)]


def test_a_vanished_key_whose_page_holds_another_type_is_not_given_a_wrong_typed_value():
    state = _live_on("p1", {"zoom": -1000})
    state.remember_shapes("p2", {"zoom": "five"})
    assert state.put_back_vanished(KEYS, {}, "p2") == []
    assert state.detect_edits(KEYS, {"zoom": "5"})[0] == []


def test_a_value_assigned_through_the_api_after_the_key_vanished_is_an_edit():
    state = _live_on("p1", {"zoom": -1000})
    state.put_back_vanished(KEYS, {}, "p2")
    edited, _ = state.detect_edits(KEYS, {"zoom": 12}, assigned={"zoom"})
    assert edited == ["zoom"]


def test_nothing_is_put_back_before_the_tab_is_live():
    state = ChannelState(tab_id="me")
    assert state.put_back_vanished(KEYS, {}, "p1") == []


def test_the_ignored_count_of_a_delivery_is_kept():
    state = ChannelState(tab_id="me")
    d = delivery(1)
    d["ignored"] = 4
    state.take_delivery(d, KEYS, {}, [])
    assert state.report.ignored == 4


def test_a_widget_shown_again_reporting_its_old_state_is_put_back_not_published():
    # Seen with a real browser: back on a page, the number input first shows the shared
    # value, then reports the state it had before (its default) in the next rerun.
    state = live_state({"zoom": -1000})
    state.take_delivery(delivery(1, {"zoom": (77, "s1")}), KEYS, {"zoom": -1000}, [], now=0.0)
    state.detect_edits(KEYS, {"zoom": 77}, now=1.0)
    # Back from another page: the first run holds the shared value...
    edited, restore = state.detect_edits(KEYS, {"zoom": 77}, returned=True, now=100.0)
    assert edited == [] and restore == []
    # ...and the next one (the remounted component's delivery) the widget's old state.
    edited, restore = state.detect_edits(KEYS, {"zoom": -1000}, news=True, now=100.5)
    assert edited == [] and [(a.key, a.value) for a in restore] == [("zoom", 77)]


def test_a_differing_value_in_the_first_run_back_on_a_page_is_put_back():
    state = live_state({"zoom": 1})
    state.take_delivery(delivery(1, {"zoom": (77, "s1")}), KEYS, {"zoom": 1}, [], now=0.0)
    edited, restore = state.detect_edits(KEYS, {"zoom": 3}, returned=True, now=50.0)
    assert edited == [] and [(a.key, a.value) for a in restore] == [("zoom", 77)]
    # Unless app code assigned it (a callback of the page left): that is shared.
    edited, _ = state.detect_edits(KEYS, {"zoom": 4}, {"zoom"}, returned=True, now=60.0)
    assert edited == ["zoom"]


def test_a_user_edit_well_after_coming_back_is_shared():
    state = live_state({"zoom": -1000})
    state.take_delivery(delivery(1, {"zoom": (77, "s1")}), KEYS, {"zoom": -1000}, [], now=0.0)
    state.detect_edits(KEYS, {"zoom": 77}, returned=True, now=100.0)
    edited, _ = state.detect_edits(
        KEYS, {"zoom": 12}, news=False, changed={"zoom": True}, now=110.0
    )
    assert edited == ["zoom"]


def test_an_entry_the_relay_refused_is_returned_once_per_delivery_and_reported_once():
    from streamlit_tabsync._conflicts import conflict_of, value_of_entry
    from streamlit_tabsync._protocol import Delivery
    from streamlit_tabsync._relay.embedded import EmbeddedRelay
    from streamlit_tabsync._relay.hub import RelayHub
    from streamlit_tabsync._relay.state import RelayState

    hub = RelayHub(EmbeddedRelay(), lambda sid, wanted: True, lambda sid: True)
    theirs = '{"f":1,"ns":"u-x","k":"zoom","v":9,"s":[3,0,"d"]}'
    assert hub.publish("u-x", theirs).stored  # another device wrote first
    relay = RelayState()
    # An edit made while the relay was away, resent by the browser as the compare-and-set
    # it was: the relay refuses it.
    mine = '{"f":1,"ns":"u-x","k":"zoom","v":5,"s":[2,0,"t"]}'
    item = {"e": mine, "cas": True, "base": "1.0.t", "id": "t.1"}

    def hand_over(n):
        delivery = Delivery.parse({"id": f"d-{n}", "ns": "u-x", "outbox": [item]})
        assert delivery is not None
        return relay.hand_over(hub, "u-x", "me", delivery, ["zoom"])

    (refusal,) = hand_over(1)
    assert (refusal.key, refusal.item.edit_id, refusal.winner.text) == ("zoom", "t.1", theirs)
    assert hand_over(1) == [], "each delivery is handed over once"
    for _ in range(2):
        relay.report("t.1", conflict_of("zoom", value_of_entry(mine), value_of_entry(theirs), 0))
    assert [(c.key, c.mine, c.theirs) for c in relay.take_conflicts()] == [("zoom", 5, 9)]
    assert relay.take_conflicts() == [], "reported once"
    # A value that does not decode is reported as it came (screened entries always decode;
    # the fallback keeps a conflict report from ever raising in the app).
    from streamlit_tabsync._conflicts import value_of_text

    assert value_of_entry("not json") == "not json" and value_of_text("{") == "{"


def presence_delivery(n, peers, leader, values=None, acks=None, quiet=False):
    """A delivery carrying the peer count and leadership (None: left out, as the module does)."""
    d = delivery(n, values, acks)
    if peers is not None:
        d["peers"] = peers
    if leader is not None:
        d["leader"] = leader
    if quiet:
        d["quiet"] = True
    return d


def test_the_peer_count_and_leadership_of_the_last_delivery_are_kept():
    state = ChannelState(tab_id="me")
    assert (state.report.peers, state.report.leader) == (None, None)
    state.take_delivery(presence_delivery(1, 2, True), KEYS, {}, [])
    assert (state.report.peers, state.report.leader) == (2, True)
    state.take_delivery(presence_delivery(2, 0, False), KEYS, {}, [])
    assert (state.report.peers, state.report.leader) == (0, False)
    # Left out (presence turned off, or the browser lost count): unknown again.
    state.take_delivery(presence_delivery(3, None, None), KEYS, {}, [])
    assert (state.report.peers, state.report.leader) == (None, None)


def test_presence_figures_of_another_namespace_are_not_taken():
    state = ChannelState(namespace="gis", tab_id="me")
    d = presence_delivery(1, 3, True)
    d["ns"] = "other"
    state.take_delivery(d, KEYS, {}, [])
    assert (state.report.peers, state.report.leader) == (None, None)


def test_a_delivery_that_only_changes_the_peer_count_applies_nothing_and_edits_nothing():
    state = live_state({"zoom": 1})
    state.take_delivery(presence_delivery(1, 1, True, {"zoom": (5, "s5")}), KEYS, {"zoom": 1}, [])
    current = {"zoom": 5}
    state.detect_edits(KEYS, current)  # the browser draws 5
    edits_before = dict(state.edits)
    # Another tab opens: the same values under the same stamps, one more peer.
    d = presence_delivery(2, 2, True, {"zoom": (5, "s5")})
    edited, restore = state.detect_edits(KEYS, current, news=True)
    out = state.take_delivery(d, KEYS, current, edited)
    assert (edited, restore) == ([], [])
    assert (out.applied, out.rejected, out.conflicts) == ([], [], [])
    assert state.edits == edits_before and state.pending == {}
    assert state.report.peers == 2
    assert state.render_args("gis", KEYS)["edits"] == {}


def test_a_peer_count_change_before_our_edit_is_written_keeps_the_edit_pending():
    state = live_state({"zoom": 1})
    edited, _ = state.detect_edits(KEYS, {"zoom": 4})
    assert edited == ["zoom"]
    edit = dict(state.edits["zoom"])
    # The count changed before the module wrote the edit: the delivery's zoom is stale.
    out = state.take_delivery(
        presence_delivery(1, 1, False, {"zoom": (1, "s0")}), KEYS, {"zoom": 4}, []
    )
    assert out.applied == []
    assert state.edits["zoom"] == edit and state.pending == {"zoom": edit["id"]}
    assert state.detect_edits(KEYS, {"zoom": 4}, news=True) == ([], [])
    assert state.report.peers == 1 and state.report.leader is False


def test_a_change_of_who_is_here_is_news_even_in_a_quiet_delivery():
    # Devices mode runs the app for a quiet delivery only when it brings news: Streamlit keeps
    # the latest component value, so a quiet one may carry an unprocessed count change.
    state = live_state({"zoom": 1})
    state.take_delivery(presence_delivery(1, 1, True), KEYS, {"zoom": 1}, [])
    from streamlit_tabsync._protocol import Delivery

    same = Delivery.parse(presence_delivery(2, 1, True, quiet=True))
    assert same is not None and not state.has_news_in(same)
    for peers, leader in ((2, True), (1, False), (None, True), (1, None)):
        changed = Delivery.parse(presence_delivery(3, peers, leader, quiet=True))
        assert changed is not None and state.has_news_in(changed), (peers, leader)


def test_the_render_args_ask_for_presence_only_when_it_is_on():
    state = ChannelState(tab_id="me")
    assert state.render_args("gis", KEYS, presence=True)["presence"] is True
    assert "presence" not in state.render_args("gis", KEYS, presence=False)
    assert "presence" not in state.render_args("gis", KEYS)


# ---- stale widget states versus a user's new value (fragment-only runs, across devices) ----


def test_values_the_tab_held_are_old_states_and_a_new_one_is_not():
    state, _, _ = applied_state()  # zoom 1 -> 2 applied from another tab
    assert state.is_old_state("zoom", "1")  # what the browser may still report
    assert state.is_old_state("zoom", "2")
    assert not state.is_old_state("zoom", "5")  # never held: only the user can have made it


def test_a_default_drawn_before_the_tab_went_live_is_an_old_state():
    state = ChannelState(tab_id="me")
    # First run, before the shared state is read: the widget draws its default "".
    state.detect_edits(["note"], {"note": ""})
    # The shared value arrives when the key is not in session state (sync runs before the
    # widget is drawn again), so the delivery alone does not see the default.
    state.take_delivery(delivery(1, {"note": ("kept", "s1")}), ["note"], {}, [])
    assert state.is_old_state("note", '""')
    assert not state.is_old_state("note", '"typed"')


def test_old_states_are_remembered_far_beyond_the_recent_history():
    state = live_state({"zoom": 0})
    for value in range(1, 100):
        state.detect_edits(["zoom"], {"zoom": value})
    assert state.is_old_state("zoom", "0")
    assert not state.is_old_state("zoom", "100")
