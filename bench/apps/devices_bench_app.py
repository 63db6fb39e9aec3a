"""Bench app of ``bench/devices.py``: one synced number, across ``?across=`` for ``?user=``."""

import streamlit as st

import streamlit_tabsync as tabsync

across = st.query_params.get("across", "devices")
user = st.query_params.get("user", "bench")
tabsync.sync(["zoom"], channel="bench-dev", user=user, across=across)
st.number_input("Zoom", value=0, step=1, key="zoom")
st.text(f"value:zoom={st.session_state['zoom']!r}")
