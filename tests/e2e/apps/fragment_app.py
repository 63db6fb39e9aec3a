"""Test app of ``test_api.py``: the bound widget inside an ``st.fragment``.

``?sync=top`` (default): ``sync`` at the top of the script, the widget in the fragment.
``?sync=fragment``: ``sync`` inside the fragment, before the widget.

``runs=`` counts full script runs; ``fragment_runs=`` counts runs of the fragment (those within
full runs included). The fragment prints the value it drew, so a fragment-only rerun shows it.
"""

import streamlit as st

import streamlit_tabsync as tabsync

st.session_state["_runs"] = runs = st.session_state.get("_runs", 0) + 1
where = st.query_params.get("sync", "top")

if where == "top":
    info = tabsync.sync(["zoom"], channel="frag-top")
    st.text(f"status={info.status}")


@st.fragment
def panel() -> None:
    st.session_state["_fragment_runs"] = st.session_state.get("_fragment_runs", 0) + 1
    if where == "fragment":
        info = tabsync.sync(["zoom"], channel="frag-inside")
        st.text(f"status={info.status}")
    st.slider("Zoom", 0, 10, value=3, key="zoom")
    st.text(f"value:zoom={st.session_state['zoom']!r}")
    st.text(f"fragment_runs={st.session_state['_fragment_runs']}")


panel()

st.text(f"sync={where}")
st.text(f"runs={runs}")
