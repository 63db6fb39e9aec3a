"""A page of the round-trip app that binds nothing (and does not call ``sync``)."""

import streamlit as st

st.session_state["_runs"] = runs = st.session_state.get("_runs", 0) + 1
st.text("page=blank")
st.text(f"runs={runs}")
