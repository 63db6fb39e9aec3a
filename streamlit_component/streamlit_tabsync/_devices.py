"""``sync(across="devices")``: a run's dealings with the relay, and the component's fragment.

The component of a devices-mode ``sync`` runs inside a fragment. A delivery that only hands
stamped entries over for the relay reruns this fragment alone, never the whole script, so
the writer pays one fragment run per edit; news for the tab asks for a run of the whole app,
which applies it before the widgets are drawn. When another session's news reaches the
relay, the hub reruns this fragment, which brings the relay's entries to the browser.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from typing import Any

import streamlit as st

from . import _compat, _settings
from ._component import HostName, delivery_in, mount
from ._protocol import Delivery
from ._relay.hub import RelayHub, RelayView, get_hub
from ._relay.state import RelayState
from ._state import ChannelState
from .errors import TabSyncError

#: How often the polling fallback looks for news, in seconds.
POLL_EVERY_S = 1.0

#: Set while ``sync`` runs the devices fragment as part of the whole script, so the fragment
#: tells that call from a run of the fragment alone.
_full_run = threading.local()

_rerun_probe: bool | None = None


def rerun_works() -> bool:
    """Whether the server can rerun other sessions (probed once per process)."""
    global _rerun_probe
    if _rerun_probe is None:
        _rerun_probe = not _settings.wakeup_forced_to_poll() and _compat.can_rerun_sessions()
    return _rerun_probe


class DevicesRun:
    """One devices-mode ``sync`` run's dealings with the process's relay hub."""

    def __init__(self, hub: RelayHub, namespace: str, state: RelayState) -> None:
        self.hub = hub
        self.namespace = namespace
        self.state = state
        self.session_id = _compat.session_id() or ""
        self.wakeup = "rerun" if rerun_works() else "poll"
        self._view: RelayView | None = None

    @classmethod
    def open(cls, namespace: str, state: ChannelState) -> DevicesRun:
        """This run's dealings with the process's hub (made on first use).

        Raises
        ------
        TabSyncError
            If the relay cannot be set up (the Redis URL is malformed, ``redis`` missing).
        """
        try:
            hub = get_hub()
        except ImportError as exc:
            raise TabSyncError(
                'TABSYNC_REDIS_URL is set but the redis package is missing: pip install '
                '"streamlit-tabsync[redis]"'
            ) from exc
        except ValueError as exc:
            raise TabSyncError(f"the Redis URL cannot be used: {exc}") from exc
        if state.relay is None:
            state.relay = RelayState()
        return cls(hub, namespace, state.relay)

    @property
    def view(self) -> RelayView:
        """The relay's health and entries, read once per run, after the hand-over (so the
        entries include the value that made the relay refuse an edit handed over now)."""
        if self._view is None:
            self._view = self.hub.view(self.namespace)
        return self._view

    def hand_over(self, channel: ChannelState, delivery: Delivery, keys: Collection[str]) -> None:
        """Hands the stamped entries of ``delivery`` for ``keys`` to the relay, once."""
        self.state.hand_over(
            self.hub, self.namespace, self.session_id, delivery, keys, channel.like
        )
        self.state.seen_delivery = delivery.id

    def mount(self, host: HostName, args: dict[str, Any], key: str, state_key: str) -> None:
        """Mounts the component inside the fragment, with the relay's part of the args."""
        args["devices"] = True
        args["relay"] = self.state.render_part(self.view)
        args["seen"] = self.state.seen_delivery
        self.state.last_args = args
        _full_run.args = args
        try:
            _devices_fragment(host, key, state_key, self.namespace)
        finally:
            _full_run.args = None


@st.fragment
def _devices_fragment(host: HostName, key: str, state_key: str, namespace: str) -> None:
    args = getattr(_full_run, "args", None)
    hub = get_hub()
    session_id = _compat.session_id()
    if args is not None:
        if session_id is not None:
            # News reruns this fragment alone (see RelayHub.join).
            hub.join(namespace, session_id, _compat.current_fragment_id())
        mount(host, args, key)
        _poll_if_needed(namespace, state_key)
        return
    # A run of this fragment alone: the component posted a delivery, or the relay has news
    # (the hub asked for this run): the args get the relay's entries as they are now.
    state = st.session_state.get(state_key)
    relay = state.relay if isinstance(state, ChannelState) else None
    if not isinstance(state, ChannelState) or relay is None or relay.last_args is None:
        st.rerun(scope="app")
        return
    if _fragment_needs_app_run(hub, namespace, session_id or "", state, relay, host, key):
        relay.server_run = True
        st.rerun(scope="app")
    relay.last_args = {**relay.last_args, "seen": relay.seen_delivery}
    view = hub.view(namespace)
    if view.entries is not None:
        relay.last_args["relay"] = relay.render_part(view)
    mount(host, relay.last_args, key)
    _poll_if_needed(namespace, state_key)


def _fragment_needs_app_run(
    hub: RelayHub,
    namespace: str,
    origin: str,
    state: ChannelState,
    relay: RelayState,
    host: HostName,
    key: str,
) -> bool:
    """Handles what a run of the fragment alone brought; True when the whole app must run:
    the user's edit came in this batch, the relay refused an edit, or the delivery is news."""
    session = st.session_state
    keys = list((relay.last_args or {}).get("keys", ()))
    changed = _compat.widgets_changed(keys)
    current = {k: session[k] for k in keys if k in session}
    user_edit, put_back = state.keep_drawn_values(keys, current, changed)
    for item in put_back:
        session[item.key] = item.value
    delivery = Delivery.parse(delivery_in(host, session.get(key)))
    if delivery is not None:
        relay.seen_delivery = delivery.id
    if delivery is None or delivery.id == state.last_delivery:
        return user_edit
    refused = relay.hand_over(hub, namespace, origin, delivery, keys, state.like)
    return user_edit or refused or not delivery.quiet or state.has_news_in(delivery)


def _poll_if_needed(namespace: str, state_key: str) -> None:
    """The public fallback when other sessions cannot be rerun: poll the hub for news."""
    if rerun_works():
        return
    _relay_poll(namespace, state_key)


@st.fragment(run_every=POLL_EVERY_S)
def _relay_poll(namespace: str, state_key: str) -> None:
    state = st.session_state.get(state_key)
    relay = state.relay if isinstance(state, ChannelState) else None
    if relay is not None and relay.poll(get_hub().version(namespace)):
        st.rerun(scope="app")
