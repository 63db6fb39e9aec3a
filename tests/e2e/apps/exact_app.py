"""Values no JS number or object could carry intact, set by a callback in one tab.

"Set exact values" assigns ``big`` = 2**60 + 1, ``nested`` = {"ids": [2**63 - 1]},
``negzero`` = -0.0 and ``tagged`` = {"$date": "2026-11-30"} (a plain dict that looks like the
date tag); every other tab must show exactly these.
"""

import streamlit as st

import streamlit_tabsync as tabsync

state = st.session_state
state["_runs"] = runs = state.get("_runs", 0) + 1
state.setdefault("big", 0)
state.setdefault("nested", {"ids": []})
state.setdefault("negzero", 0.0)
state.setdefault("tagged", {})


def _set_exact() -> None:
    state["big"] = 2**60 + 1
    state["nested"] = {"ids": [2**63 - 1]}
    state["negzero"] = -0.0
    state["tagged"] = {"$date": "2026-11-30"}


st.button("Set exact values", on_click=_set_exact)
info = tabsync.sync(["big", "nested", "negzero", "tagged"], channel="exact")

for key in ("big", "nested", "negzero", "tagged"):
    st.text(f"value:{key}={state[key]!r}")
st.text(f"status={info.status}")
st.text(f"rejected={info.rejected!r}")
st.text(f"runs={runs}")
