"""Exception hierarchy of streamlit-tabsync.

Every error the library raises on purpose derives from :class:`TabSyncError`, so an app can
catch them all with one ``except`` clause. Input that comes from the browser (another tab,
another script on the origin) never raises: it is ignored and reported in
:class:`~streamlit_tabsync.SyncInfo` instead.
"""

from __future__ import annotations

__all__ = [
    "TabSyncError",
    "WidgetAlreadyCreatedError",
    "UnshareableValueError",
    "FrontendNotBuiltError",
    "RelaySetupError",
]


class TabSyncError(Exception):
    """Base class of every error raised by streamlit-tabsync."""


class WidgetAlreadyCreatedError(TabSyncError):
    """A bound key's widget was created before :func:`~streamlit_tabsync.sync` in this run.

    Streamlit forbids assigning a widget's value after the widget was drawn, so shared values
    could not be applied. Call ``sync`` before the widgets it binds.
    """

    def __init__(self, key: str) -> None:
        super().__init__(
            f"The widget with key {key!r} was created before tabsync.sync() in this run, so "
            f"values from other tabs cannot be applied to it. Call tabsync.sync() before "
            f"the widgets it binds (for example at the top of the script)."
        )
        #: The session_state key whose widget came first.
        self.key = key


class UnshareableValueError(TabSyncError):
    """A bound key holds a value that cannot be shared with other tabs.

    Shared values must be JSON data (numbers, strings, booleans, None, lists, tuples and
    dicts with string keys) and at most :data:`~streamlit_tabsync.MAX_VALUE_BYTES` bytes
    once encoded.
    """

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"The value of session_state key {key!r} cannot be shared: {reason}")
        #: The session_state key holding the value.
        self.key = key
        #: Why the value cannot be shared.
        self.reason = reason


class FrontendNotBuiltError(TabSyncError):
    """The component's built frontend is missing from the installed package."""


class RelaySetupError(TabSyncError):
    """The server relay's store cannot be set up or used as configured.

    Raised by :func:`~streamlit_tabsync.sync` with ``across="devices"``, for instance when the
    PostgreSQL user may not create the relay's schema: the message names the SQL an
    administrator runs once. Unlike an outage (the relay unreachable, reported in
    :class:`~streamlit_tabsync.SyncInfo`), this lasts until the deployment is fixed.
    """
