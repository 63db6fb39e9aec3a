"""Test app of ``test_api.py``: three ``sync`` calls in one script, on three channels.

One at the top level, one inside a function, one inside a column; each binds its own key.
"""

import streamlit as st

import streamlit_tabsync as tabsync

st.session_state["_runs"] = runs = st.session_state.get("_runs", 0) + 1

top = tabsync.sync(["zoom"], channel="multi-one")


def bind_title() -> tabsync.SyncInfo:
    return tabsync.sync(["title"], channel="multi-two")


in_function = bind_title()
left, right = st.columns(2)
with left:
    in_column = tabsync.sync(["flag"], channel="multi-three")
    st.checkbox("Flag", value=False, key="flag")
with right:
    st.slider("Zoom", 0, 10, value=3, key="zoom")
st.text_input("Title", value="untitled", key="title")

for key in ("zoom", "title", "flag"):
    st.text(f"value:{key}={st.session_state[key]!r}")
infos = (top, in_function, in_column)
st.text(f"channels={','.join(i.channel for i in infos)}")
st.text(f"statuses={','.join(i.status for i in infos)}")
st.text(f"status={'live' if all(i.status == 'live' for i in infos) else 'starting'}")
st.text(f"runs={runs}")
