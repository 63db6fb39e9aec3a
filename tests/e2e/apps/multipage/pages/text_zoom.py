"""Page 2 of the multipage test app: binds only ``zoom``, as TEXT, on channel "mp"."""

import streamlit as st

import streamlit_tabsync as tabsync

st.session_state["_runs"] = runs = st.session_state.get("_runs", 0) + 1

info = tabsync.sync(["zoom"], channel="mp")

st.text_input("Zoom text", value="5", key="zoom")

st.text("page=text")
st.text(f"value:zoom={st.session_state['zoom']!r}")
st.text(f"status={info.status}")
st.text(f"applied={','.join(info.applied)}")
st.text(f"rejected={info.rejected!r}")
st.text(f"runs={runs}")
