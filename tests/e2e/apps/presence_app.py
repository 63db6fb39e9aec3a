"""Test app of the presence tests: one synced slider and what ``sync`` says of who is here.

Query parameters choose the variant: ``channel`` (default ``presence``) and ``presence=off``.
It prints ``peers=<n>``, ``leader=<bool>``, ``status=...``, ``runs=<n>`` (script runs of this
tab) and ``value:zoom=...`` as ``st.text`` lines, the run counter last.
"""

import streamlit as st

import streamlit_tabsync as tabsync

st.session_state["_runs"] = st.session_state.get("_runs", 0) + 1

channel = st.query_params.get("channel", "presence")
presence = st.query_params.get("presence", "on") != "off"
info = tabsync.sync(["zoom"], channel=channel, presence=presence)

st.slider("Zoom", min_value=1, max_value=20, value=5, key="zoom")

st.text(f"value:zoom={st.session_state['zoom']!r}")
st.text(f"status={info.status}")
st.text(f"peers={info.peers}")
st.text(f"leader={info.leader}")
st.text(f"tab={info.tab_id}")
st.text(f"runs={st.session_state['_runs']}")
