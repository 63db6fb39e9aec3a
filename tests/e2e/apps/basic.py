"""Test app for the end-to-end tests: one synced widget of each common kind.

Every value is also printed as ``value:<key>=<repr>`` in its own ``st.text`` element so the tests
can read what the script saw, and ``runs=<n>`` counts the script runs of this tab (one Streamlit
session). The text lines come last so they always describe a finished run.
"""

import streamlit as st

import streamlit_tabsync as tabsync

KEYS = ["zoom", "title", "flag", "layers", "tags", "range"]

st.session_state["_runs"] = st.session_state.get("_runs", 0) + 1

info = tabsync.sync(KEYS, channel="e2e")

st.slider("Zoom", min_value=1, max_value=20, value=5, key="zoom")
st.text_input("Title", value="untitled", key="title")
st.checkbox("Flag", value=False, key="flag")
st.multiselect(
    "Layers", ["roads", "rivers", "parks", "buildings"], default=["roads"], key="layers"
)
st.pills("Tags", ["red", "green", "blue"], selection_mode="multi", default=["red"], key="tags")
st.slider("Range", min_value=0, max_value=10, value=(2, 8), key="range")

for key in KEYS:
    st.text(f"value:{key}={st.session_state[key]!r}")
st.text(f"status={info.status}")
st.text(f"applied={','.join(info.applied)}")
st.text(f"tab={info.tab_id}")
st.text(f"runs={st.session_state['_runs']}")
