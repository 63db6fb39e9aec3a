"""The public sync() call, run inside Streamlit's AppTest (no browser: the component does not
render there, so these cover the Python side: validation, errors, the first-run status, and,
with a stand-in for the component (``browser``), the render args and what deliveries do)."""

import json

import pytest
from streamlit.testing.v1 import AppTest


def run(script: str) -> AppTest:
    at = AppTest.from_string(script, default_timeout=30)
    return at.run()


def test_first_run_reports_starting_with_a_tab_id():
    at = run(
        """
import streamlit as st
import streamlit_tabsync as tabsync
info = tabsync.sync(["zoom"], channel="t")
st.slider("Zoom", 1, 20, key="zoom")
st.text(f"{info.status}|{len(info.tab_id)}|{info.channel}")
"""
    )
    assert not at.exception
    assert at.text[0].value == "starting|12|t"


def test_sync_after_the_bound_widget_raises_a_clear_error():
    at = run(
        """
import streamlit as st
import streamlit_tabsync as tabsync
st.slider("Zoom", 1, 20, key="zoom")
tabsync.sync(["zoom"], channel="t")
"""
    )
    assert at.exception
    message = at.exception[0].message
    assert "'zoom'" in message and "before" in message
    assert "WidgetAlreadyCreatedError" in "".join(at.exception[0].stack_trace)


def test_two_channels_coexist_in_one_script():
    at = run(
        """
import streamlit as st
import streamlit_tabsync as tabsync
a = tabsync.sync(["x"], channel="one")
b = tabsync.sync(["y"], channel="two")
st.text(f"{a.channel},{b.channel}")
"""
    )
    assert not at.exception
    assert at.text[0].value == "one,two"


def test_tab_id_is_one_per_session_component_key_and_namespace():
    # The documented rule: stable across reruns; another channel (another component key and
    # namespace) or another user (another namespace, same component key) gets its own id.
    at = run(
        """
import streamlit as st
import streamlit_tabsync as tabsync
a = tabsync.sync(["x"], channel="one")
b = tabsync.sync(["y"], channel="two")
c = tabsync.sync(["z"], channel="three", user=st.session_state.get("who", "ann"))
st.text(f"{a.tab_id} {b.tab_id} {c.tab_id}")
"""
    )
    assert not at.exception
    first = at.text[0].value.split()
    assert len(set(first)) == 3, "each sync call has its own id"
    at.run()
    assert at.text[0].value.split() == first, "stable across reruns"
    at.session_state["who"] = "bob"
    at.run()
    again = at.text[0].value.split()
    assert again[:2] == first[:2]
    assert again[2] != first[2], "another user, another namespace: a new id"
    at.session_state["who"] = "ann"
    at.run()
    assert at.text[0].value.split() == first, "back to the first user: its id again"


def test_status_stays_starting_only_until_the_browser_side_reports():
    from streamlit_tabsync._state import ChannelState

    state = ChannelState(namespace="n", tab_id="me")
    state.take_delivery(
        {"v": 2, "id": "x-1", "ns": None, "status": "blocked", "error": "args unreadable"},
        ["zoom"],
        {},
        [],
    )
    assert (state.report.status, state.report.error) == ("blocked", "args unreadable")
    assert not state.live


def test_bad_arguments_raise_tabsync_errors():
    calls = [
        'tabsync.sync("zoom")',
        "tabsync.sync([])",
        'tabsync.sync(["a"], channel="a b")',
        'tabsync.sync(["a"], ttl=0)',
        'tabsync.sync(["a"], ttl="1h")',
        'tabsync.sync(["a"], conflict="first")',
        'tabsync.sync(["a"], on_change="refresh")',
        'tabsync.sync(["a"], on_conflict=1)',
        'tabsync.sync(["a\\nb"])',
        'tabsync.sync(["k" * 257])',
    ]
    for call in calls:
        at = run(
            "import streamlit as st\nimport streamlit_tabsync as tabsync\n"
            f"try:\n    {call}\nexcept tabsync.TabSyncError as exc:\n    st.text(str(exc))\n"
        )
        assert not at.exception, call
        assert at.text and at.text[0].value, call


def test_the_default_channel_is_stable_per_app():
    script = """
import streamlit as st
import streamlit_tabsync as tabsync
st.text(tabsync.sync(["x"]).channel)
"""
    first, second = run(script), run(script)
    assert first.text[0].value == second.text[0].value
    assert first.text[0].value.startswith("app-")


def test_user_scopes_get_their_own_namespace_holding_only_a_hash():
    from streamlit_tabsync._options import scoped_namespace as _scoped
    from streamlit_tabsync._options import user_id_of as _user_id

    alice = _scoped("gis", _user_id("alice@example.com"))
    bob = _scoped("gis", _user_id({"is_logged_in": True, "email": "bob@example.com"}))
    assert alice != bob
    assert alice == _scoped("gis", "alice@example.com")
    assert alice != _scoped("other", "alice@example.com")
    assert "alice" not in alice and "example" not in alice
    assert _user_id({"is_logged_in": False}) is None


def test_st_user_is_identified_by_issuer_and_subject_before_email():
    from streamlit_tabsync._options import user_id_of as _user_id

    claims = {"is_logged_in": True, "iss": "https://idp", "sub": "42", "email": "a@b.c"}
    assert _user_id(claims) == "https://idp\x0042"
    assert _user_id({**claims, "iss": None}) == "42"
    assert _user_id({"is_logged_in": True, "email": "a@b.c"}) == "a@b.c"


def test_a_secret_keys_the_user_digest(monkeypatch):
    from streamlit_tabsync._options import scoped_namespace as _scoped

    plain = _scoped("gis", "alice")
    monkeypatch.setenv("TABSYNC_SECRET", "s3cret")
    keyed = _scoped("gis", "alice")
    monkeypatch.setenv("TABSYNC_SECRET", "other")
    assert len({plain, keyed, _scoped("gis", "alice")}) == 3


def test_across_devices_needs_a_user_and_a_known_mode():
    for call in (
        'tabsync.sync(["a"], across="devices")',
        'tabsync.sync(["a"], user="ann", across="everywhere")',
    ):
        at = run(
            "import streamlit as st\nimport streamlit_tabsync as tabsync\n"
            f"try:\n    {call}\nexcept tabsync.TabSyncError as exc:\n    st.text(str(exc))\n"
        )
        assert not at.exception, call
        assert "user" in at.text[0].value or "across" in at.text[0].value, call


def test_across_devices_reports_the_embedded_relay():
    at = run(
        "import streamlit as st\nimport streamlit_tabsync as tabsync\n"
        'info = tabsync.sync(["a"], user="ann", across="devices")\n'
        "st.text(f'{info.across} {info.relay} {info.relay_healthy}')\n"
    )
    assert not at.exception
    assert at.text[0].value == "devices embedded True"


def test_a_pydantic_model_can_validate_a_key():
    import pydantic

    from streamlit_tabsync._validate import check

    class View(pydantic.BaseModel):
        lat: float
        lon: float

    assert check({"lat": 1.0, "lon": 2.0}, {"lat": 0.0, "lon": 0.0}, View) == (
        True,
        {"lat": 1.0, "lon": 2.0},
    )
    ok, reason = check({"lat": "north"}, {"lat": 0.0, "lon": 0.0}, View)
    assert not ok and "ValidationError" in reason


class Browser:
    """Stands in for the component in AppTest runs: records the render args each run mounts
    and hands ``sync`` the delivery set in ``posted`` (what the module would have posted)."""

    def __init__(self) -> None:
        self.args: list[dict] = []
        self.posted: dict | None = None


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Browser:
    from streamlit_tabsync import _sync

    fake = Browser()
    from streamlit_tabsync import _devices

    for module in (_sync, _devices):  # devices mode mounts the component from _devices
        monkeypatch.setattr(module, "mount", lambda host, args, key: fake.args.append(dict(args)))
    monkeypatch.setattr(_sync, "delivery_in", lambda host, value: fake.posted)
    return fake


def posted(n: int, values: dict | None = None, ns: str = "t", **figures) -> dict:
    """A delivery of namespace ``ns`` (values as ``key: (value, stamp)``) plus ``figures``."""
    return {
        "v": 2,
        "id": f"inst-{n}",
        "ns": ns,
        "status": "live",
        "values": {k: {"t": json.dumps(v), "s": s} for k, (v, s) in (values or {}).items()},
        "acks": {},
        **figures,
    }


PRESENCE_APP = """
import streamlit as st
import streamlit_tabsync as tabsync
info = tabsync.sync(["zoom"], channel="t", presence=st.session_state.get("presence", True))
st.slider("Zoom", 1, 20, key="zoom")
st.text(f"{info.status}|{info.peers}|{info.leader}|{','.join(info.applied)}")
"""


def test_presence_must_be_a_bool():
    for value in ('"yes"', "1", "0", "None"):
        at = run(
            "import streamlit as st\nimport streamlit_tabsync as tabsync\n"
            f"try:\n    tabsync.sync(['a'], channel='t', presence={value})\n"
            "except tabsync.TabSyncError as exc:\n    st.text(str(exc))\n"
        )
        assert not at.exception, value
        assert at.text, f"presence={value} was accepted"
        assert at.text[0].value.startswith("presence must be True or False"), value


def test_the_render_args_ask_for_presence_unless_it_is_off(browser: Browser):
    at = run(PRESENCE_APP)
    assert not at.exception
    assert browser.args[-1]["presence"] is True, "on by default"
    at.session_state["presence"] = False
    at.run()
    assert not at.exception
    assert "presence" not in browser.args[-1]


def test_devices_render_args_ask_for_presence_too(browser: Browser):
    app = (
        "import streamlit as st\nimport streamlit_tabsync as tabsync\n"
        "tabsync.sync(['a'], channel='t', user='ann', across='devices',"
        " presence=st.session_state.get('presence', True))\n"
    )
    at = run(app)
    assert not at.exception
    assert browser.args[-1]["devices"] is True and browser.args[-1]["presence"] is True
    at.session_state["presence"] = False
    at.run()
    assert not at.exception
    assert "presence" not in browser.args[-1]


def test_sync_info_reports_the_peer_count_and_leadership_of_the_delivery(browser: Browser):
    at = run(PRESENCE_APP)
    assert at.text[0].value == "starting|None|None|", "nothing counted before the browser side"
    browser.posted = posted(1, {"zoom": (7, "s1")})  # live, not counted yet
    at.run()
    assert at.text[0].value == "live|None|None|zoom"
    browser.posted = posted(2, {"zoom": (7, "s1")}, peers=2, leader=True)
    at.run()
    assert at.text[0].value == "live|2|True|"
    browser.posted = posted(3, {"zoom": (7, "s1")}, peers=0, leader=False)
    at.run()
    assert at.text[0].value == "live|0|False|"
    assert not at.exception


def test_with_presence_off_peers_and_leader_are_none(browser: Browser):
    at = run(PRESENCE_APP)
    browser.posted = posted(1, {"zoom": (7, "s1")}, peers=2, leader=True)
    at.run()
    assert at.text[0].value == "live|2|True|zoom"
    # Turned off: figures the module still sent (or left from before) are not reported.
    at.session_state["presence"] = False
    at.run()
    assert at.text[0].value == "live|None|None|"
    browser.posted = posted(2, {"zoom": (7, "s1")}, peers=3, leader=False)
    at.run()
    assert at.text[0].value == "live|None|None|"
    assert not at.exception


def test_a_delivery_that_only_changes_the_peer_count_keeps_values_and_publishes_nothing(
    browser: Browser,
):
    at = run(PRESENCE_APP)
    browser.posted = posted(1, {"zoom": (7, "s1")}, peers=1, leader=True)
    at.run()
    assert at.slider[0].value == 7 and browser.args[-1]["edits"] == {}
    # This tab's own edit, then a count change before the module has written it.
    at.slider[0].set_value(12).run()
    (edit,) = browser.args[-1]["edits"].values()
    assert json.loads(edit["e"])["v"] == 12
    browser.posted = posted(2, {"zoom": (7, "s1")}, peers=2, leader=True)
    at.run()
    assert at.text[0].value == "live|2|True|"
    assert at.slider[0].value == 12, "the stale delivery did not revert the edit"
    assert browser.args[-1]["edits"] == {"zoom": edit}, "no new edit was published"
    # The module writes it (acks it), and one more tab opens: still one edit, value kept.
    browser.posted = {
        **posted(3, {"zoom": (12, "s2")}, peers=3, leader=False),
        "acks": {"zoom": edit["id"]},
    }
    at.run()
    assert at.text[0].value == "live|3|False|"
    assert at.slider[0].value == 12
    assert browser.args[-1]["edits"] == {"zoom": edit}
    assert not at.exception


def test_a_count_change_right_after_a_value_from_another_tab_publishes_nothing(
    browser: Browser, monkeypatch: pytest.MonkeyPatch
):
    from streamlit_tabsync import _edit_rule

    # No grace period: only the delivery itself tells this rerun from a user's.
    monkeypatch.setattr(_edit_rule, "SUPERSEDED_GRACE_S", 0.0)
    at = run(PRESENCE_APP)
    browser.posted = posted(1, {"zoom": (7, "s1")}, peers=1, leader=True)
    at.run()
    browser.posted = posted(2, {"zoom": (9, "s2")}, peers=1, leader=True)
    at.run()
    assert at.text[0].value == "live|1|True|zoom" and at.slider[0].value == 9
    # A tab leaves before the browser has drawn 9: the rerun the count change asks for still
    # carries the slider's previous state, 7. It is put back, not shared.
    browser.posted = posted(3, {"zoom": (9, "s2")}, peers=0, leader=True)
    at.slider[0].set_value(7).run()
    assert at.text[0].value == "live|0|True|"
    assert at.slider[0].value == 9
    assert browser.args[-1]["edits"] == {}
    assert not at.exception
