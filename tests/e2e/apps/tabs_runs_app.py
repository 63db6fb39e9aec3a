"""Test app of ``test_tabs_runs.py``: one synced number within one browser
(``across="tabs"``), and how many times this session's script ran."""

import streamlit as st

import streamlit_tabsync as tabsync

st.session_state["_runs"] = runs = st.session_state.get("_runs", 0) + 1
info = tabsync.sync(["zoom"], channel="tabs-runs")
st.number_input("Zoom", value=1, step=1, key="zoom")
st.text(f"value:zoom={st.session_state['zoom']!r}")
st.text(f"status={info.status}")
st.text(f"runs={runs}")
