"""streamlit-tabsync: keep chosen ``st.session_state`` keys in step across browser tabs.

Every tab of the app that calls :func:`sync` renders an invisible component served from the
app's own origin. The tabs share ``localStorage``; a change in one tab reaches the others as a
``storage`` event, which the component's WASM module checks and hands to its tab, whose script
reruns with the new values applied before its widgets are drawn.

Examples
--------
>>> import streamlit as st
>>> import streamlit_tabsync as tabsync
>>> tabsync.sync(["zoom", "layers"], channel="gis")  # doctest: +SKIP
>>> st.slider("Zoom", 1, 20, key="zoom")  # doctest: +SKIP
"""

from __future__ import annotations

from ._conflicts import Conflict
from ._sync import Across, ConflictPolicy, SyncInfo, SyncStatus, Wakeup, sync
from ._validate import Validator
from ._values import MAX_VALUE_BYTES
from .errors import (
    FrontendNotBuiltError,
    RelaySetupError,
    TabSyncError,
    UnshareableValueError,
    WidgetAlreadyCreatedError,
)

__all__ = [
    "sync",
    "SyncInfo",
    "SyncStatus",
    "Across",
    "Wakeup",
    "Conflict",
    "ConflictPolicy",
    "Validator",
    "MAX_VALUE_BYTES",
    "TabSyncError",
    "WidgetAlreadyCreatedError",
    "UnshareableValueError",
    "FrontendNotBuiltError",
    "RelaySetupError",
]

__version__ = "0.1.0"
