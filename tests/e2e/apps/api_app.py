"""Test app of ``test_api.py``: what ``SyncInfo`` reports, run by run.

Binds ``zoom`` (a slider declared with both ``value=`` and ``key=``) and ``title``. Besides the
``value:<key>=`` / ``status=`` / ``runs=`` lines the harness reads, every run prints what
``sync`` returned, and ``log=`` keeps one entry per run (``<run>:<status>:<applied>:<rejected>``)
so a test can see what happened in a run that a later run has since replaced on the page;
``presence=`` does the same for ``SyncInfo.peers`` and ``leader`` (``<run>:<peers>:<leader>``).
"""

import streamlit as st

import streamlit_tabsync as tabsync

st.session_state["_runs"] = runs = st.session_state.get("_runs", 0) + 1

info = tabsync.sync(["zoom", "title"], channel="api")

st.slider("Zoom", 0, 10, value=3, key="zoom")
st.text_input("Title", value="untitled", key="title")

log = st.session_state.setdefault("_log", [])
log.append(
    f"{runs}:{info.status}:{'+'.join(info.applied)}:{'+'.join(sorted(info.rejected))}"
)

for key in ("zoom", "title"):
    st.text(f"value:{key}={st.session_state[key]!r}")
st.text(f"status={info.status}")
st.text(f"applied={','.join(info.applied)}")
st.text(f"rejected={info.rejected!r}")
st.text(f"last_update={info.last_update.isoformat() if info.last_update else None}")
st.text(f"error={info.error}")
st.text(f"log={' '.join(log)}")
presence = st.session_state.setdefault("_presence", [])
presence.append(f"{runs}:{info.peers}:{info.leader}")
st.text(f"presence={' '.join(presence)}")
st.text(f"runs={runs}")
