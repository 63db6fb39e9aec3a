"""Page 1 of the multipage test app: binds ``zoom`` as a number and ``title``, channel "mp".

Page 2 (``pages/text_zoom.py``) binds ``zoom`` as text on the same channel.
"""

import streamlit as st

import streamlit_tabsync as tabsync

st.session_state["_runs"] = runs = st.session_state.get("_runs", 0) + 1

info = tabsync.sync(["zoom", "title"], channel="mp")

st.number_input("Zoom", min_value=0, max_value=100, value=5, step=1, key="zoom")
st.text_input("Title", value="untitled", key="title")

seen = st.session_state.setdefault("_rejected_seen", [])
seen.extend(k for k in info.rejected if k not in seen)

st.text("page=numbers")
for key in ("zoom", "title"):
    st.text(f"value:{key}={st.session_state[key]!r}")
st.text(f"status={info.status}")
st.text(f"applied={','.join(info.applied)}")
st.text(f"rejected={info.rejected!r}")
st.text(f"rejected_seen={','.join(seen)}")
st.text(f"runs={runs}")
