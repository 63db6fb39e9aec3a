"""Test app of ``test_api.py``: a bound widget inside ``st.form``, one outside it."""

import streamlit as st

import streamlit_tabsync as tabsync

st.session_state["_runs"] = runs = st.session_state.get("_runs", 0) + 1

info = tabsync.sync(["note", "flag"], channel="form")

with st.form("edit"):
    st.text_input("Note", value="draft", key="note")
    st.form_submit_button("Save")
st.checkbox("Flag", value=False, key="flag")

for key in ("note", "flag"):
    st.text(f"value:{key}={st.session_state[key]!r}")
st.text(f"status={info.status}")
st.text(f"runs={runs}")
