"""Bench app of ``bench/peer.py``: the closest peer, streamlit-server-state, holding one number
input in a server-wide state, bound both ways with its callback pattern.

The widget gets the item's value before it is drawn (reading the item also binds this
session to it); the widget's ``on_change`` writes the item under its lock, which reruns every
other session bound to it, from the writer's thread. Prints ``value:zoom=<n>`` and ``runs=<n>`` like
``devices_bench_app.py``.
"""

import streamlit as st
from streamlit_server_state import server_state, server_state_lock

st.session_state["_runs"] = st.session_state.get("_runs", 0) + 1
#: The server-wide item: one for every session (bench/peer.py opens one group at a time).
item = "zoom"

with server_state_lock[item]:
    if item not in server_state:
        server_state[item] = 0


def share(name: str) -> None:
    """The widget changed in this session: put its value in the server-wide item ``name``
    (passed as an argument: a callback runs before the script, so it must not read the
    script's variables)."""
    with server_state_lock[name]:
        server_state[name] = st.session_state["zoom"]


st.session_state["zoom"] = server_state[item]
st.number_input("Zoom", step=1, key="zoom", on_change=share, args=(item,))
st.text(f"value:zoom={st.session_state['zoom']!r}")
st.text(f"runs={st.session_state['_runs']}")
