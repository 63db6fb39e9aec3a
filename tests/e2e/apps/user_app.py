"""Test app of ``test_api.py``: state scoped to a user taken from the ``?user=`` query param."""

import streamlit as st

import streamlit_tabsync as tabsync

st.session_state["_runs"] = runs = st.session_state.get("_runs", 0) + 1

user = st.query_params.get("user", "anon")
info = tabsync.sync(["title"], channel="c", user=user)

st.text_input("Title", value="untitled", key="title")

st.text(f"user={user}")
st.text(f"value:title={st.session_state['title']!r}")
st.text(f"status={info.status}")
st.text(f"runs={runs}")
