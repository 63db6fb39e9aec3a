"""Test app of ``test_devices_runs.py``: how many times each session's script runs per change.

``?user=`` scopes the shared ``zoom``; the "Work" button makes one run last a few seconds
after ``sync()`` has read the relay, so news can arrive while the session is busy.
"""

import time

import streamlit as st

import streamlit_tabsync as tabsync

st.session_state["_runs"] = runs = st.session_state.get("_runs", 0) + 1

info = tabsync.sync(
    ["zoom"], channel="runs", user=st.query_params.get("user", "ann"), across="devices"
)
st.number_input("Zoom", value=1, step=1, key="zoom")
st.text(f"value:zoom={st.session_state['zoom']!r}")
st.text(f"status={info.status}")
st.text(f"relay={info.relay}")
st.text(f"runs={runs}")
if st.button("Work"):
    st.text(f"working in run {runs}")
    time.sleep(6)  # a long run: news that comes now must wait for its end, and not be lost
