"""Test app of ``test_devices.py``: keys shared across devices for the ``?user=`` of the URL.

``?ttl=<seconds>`` and ``?conflict=reject`` choose those options (on channels of their own, so
tests that use them do not share state with the others).
"""

import streamlit as st

import streamlit_tabsync as tabsync

st.session_state["_runs"] = runs = st.session_state.get("_runs", 0) + 1

user = st.query_params.get("user", "ann")
ttl = st.query_params.get("ttl")
conflict = st.query_params.get("conflict", "lww")
channel = "dev" + (f"-ttl{ttl}" if ttl else "") + (f"-{conflict}" if conflict != "lww" else "")
conflicts = st.session_state.setdefault("_conflicts", [])
info = tabsync.sync(
    ["zoom", "note"],
    channel=channel,
    user=user,
    across="devices",
    ttl=float(ttl) if ttl else None,
    conflict=conflict,
    on_conflict=lambda key, mine, theirs: conflicts.append(f"{key}:{mine}->{theirs}"),
)

st.number_input("Zoom", value=1, step=1, key="zoom")
st.text_input("Note", value="", key="note")

st.text(f"value:zoom={st.session_state['zoom']!r}")
st.text(f"value:note={st.session_state['note']!r}")
st.text(f"status={info.status}")
st.text(f"relay={info.relay} healthy={info.relay_healthy} wakeup={info.wakeup}")
st.text(f"error={info.error}")
st.text(f"conflicts={'|'.join(conflicts)}")
st.text(f"ignored={info.ignored}")
st.text(f"runs={runs}")
