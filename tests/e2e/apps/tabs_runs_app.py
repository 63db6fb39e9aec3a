"""Test app of ``test_tabs_runs.py``: two synced numbers within one browser
(``across="tabs"``), and how many times this session's script ran."""

import sys

import streamlit as st

import streamlit_tabsync as tabsync

st.session_state["_runs"] = runs = st.session_state.get("_runs", 0) + 1
# A test reads a busy tab's runs here (its page cannot show them): one line per run.
run_log = st.query_params.get("runlog")
if run_log:
    with open(run_log, "a", encoding="utf-8") as log:
        log.write(f"{runs}\n")
info = tabsync.sync(["zoom", "level"], channel="tabs-runs")
st.number_input("Zoom", value=1, step=1, key="zoom")
st.number_input("Level", value=1, step=1, key="level")
st.text(f"value:zoom={st.session_state['zoom']!r}")
st.text(f"value:level={st.session_state['level']!r}")
st.text(f"status={info.status}")
st.text(f"runs={runs}")
# The component's args must not make Streamlit import pandas (see _component.mount).
st.text(f"pandas={'pandas' in sys.modules}")
