"""A page of the round-trip app that binds ``level`` with another widget type (a slider)."""

import streamlit as st

import streamlit_tabsync as tabsync

state = st.session_state
state["_runs"] = runs = state.get("_runs", 0) + 1

info = tabsync.sync(["level"], channel="rt")
st.slider("Level slider", -1000, 1000, key="level")

st.text("page=slider")
st.text(f"value:level={state['level']!r}")
st.text(f"status={info.status}")
st.text(f"restored={','.join(info.restored)}")
st.text(f"runs={runs}")
