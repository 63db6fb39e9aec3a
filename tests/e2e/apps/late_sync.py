"""Test app that calls ``tabsync.sync`` after the widget it binds: it must fail loudly.

The error is caught as the library's base class (proving it is a ``TabSyncError``), noted on the
page, and raised again so Streamlit shows it the way an app author would meet it.
"""

import streamlit as st

import streamlit_tabsync as tabsync

st.slider("Zoom", min_value=1, max_value=20, value=5, key="zoom")
try:
    tabsync.sync(["zoom"], channel="e2e-late")
except tabsync.TabSyncError as exc:
    st.text(f"caught:{type(exc).__name__}")
    raise
st.text("unreachable: sync did not raise")
