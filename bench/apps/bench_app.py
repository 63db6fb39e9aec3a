"""App measured by ``make bench`` (bench/run.py).

``val``, ``a`` and ``b`` are synced on channel ``bench``; ``local`` is an ordinary widget that
is *not* synced, so changing it costs exactly one bare rerun of this app (the baseline of the
end-to-end figure). Every value is printed as ``value:<key>=<repr>`` and ``runs=<n>`` counts
this tab's script runs; the text lines come last so they describe a finished run.

``?bare=1`` in the URL leaves ``sync()`` out (status ``bare``): the same app without the
component, whose first render is the baseline of the start-up figures.
"""

import streamlit as st

import streamlit_tabsync as tabsync

st.session_state["_runs"] = st.session_state.get("_runs", 0) + 1
# Synced keys without a widget (the memory figure spreads its writes over three keys).
st.session_state.setdefault("a", 0)
st.session_state.setdefault("b", 0)
# Widget defaults come from session state (no `value=`), so assigning a value from another
# tab before the widget is drawn draws no "default value and Session State API" warning.
st.session_state.setdefault("val", 0)
st.session_state.setdefault("local", 0)

bare = st.query_params.get("bare") == "1"
status = "bare" if bare else tabsync.sync(["val", "a", "b"], channel="bench").status

st.number_input("Value", min_value=0, step=1, key="val")
st.number_input("Local", min_value=0, step=1, key="local")

for key in ("val", "local", "a", "b"):
    st.text(f"value:{key}={st.session_state[key]!r}")
st.text(f"status={status}")
st.text(f"runs={st.session_state['_runs']}")
