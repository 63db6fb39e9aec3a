"""An app whose render args the browser side cannot read (as with a frontend of another
release): the tab must report it through ``SyncInfo`` instead of staying "starting".

``?fault=shape`` sends args of the wrong shape, ``?fault=version`` args of another protocol
version. Patched here, in this app's own server process only.
"""

import streamlit as st

import streamlit_tabsync as tabsync
from streamlit_tabsync import _state

fault = st.query_params.get("fault", "shape")
# The original builder, kept across runs (each run patches the module again).
_build = _state.__dict__.setdefault("_original_render_args", _state.render_args)


def _broken(*args, **kwargs):
    built = _build(*args, **kwargs)
    if fault == "version":
        return {**built, "v": 1}
    return {**built, "keys": "zoom"}


_state.render_args = _broken

state = st.session_state
state["_runs"] = runs = state.get("_runs", 0) + 1
info = tabsync.sync(["zoom"], channel="bad-args")
st.slider("Zoom", 1, 20, 5, key="zoom")

st.text(f"status={info.status}")
st.text(f"error={info.error}")
st.text(f"runs={runs}")
