"""Bench app of ``bench/devices.py`` and ``bench/peer.py``: one synced number, across
``?across=`` for ``?user=``; ``runs=<n>`` counts this session's script runs, and
``run_ms=<ms>`` is how long this run took on the server (``?bare=1``: the same page without
``sync()``, the baseline of that figure)."""

import time

import streamlit as st

import streamlit_tabsync as tabsync

started = time.perf_counter()
st.session_state["_runs"] = st.session_state.get("_runs", 0) + 1
across = st.query_params.get("across", "devices")
user = st.query_params.get("user", "bench")
if not st.query_params.get("bare"):
    tabsync.sync(["zoom"], channel="bench-dev", user=user, across=across)
st.number_input("Zoom", value=0, step=1, key="zoom")
st.text(f"value:zoom={st.session_state['zoom']!r}")
st.text(f"runs={st.session_state['_runs']}")
st.text(f"run_ms={(time.perf_counter() - started) * 1000:.2f}")
