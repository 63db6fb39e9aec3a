"""The server path of a ``sync`` call: one run's dealings with a relay hub.

``across="devices"`` (:class:`DevicesRun`): news from another device reaches an idle session
as exactly one run of its whole script: the relay's hub asks for it (with no widget states,
so the run starts from what the last run drew), and ``sync`` applies what the relay holds
that is news to the tab (checked as a delivery's values are) before the widgets are drawn.
The render args then carry the relay's entries to the browser, whose engine writes them to
storage, so the browser's other tabs follow without another trip to the server.

``across="tabs"`` (:class:`TabsRun`): the tabs of one browser that are sessions of this
server process are a group (the browser's random id, kept in its storage, and the
namespace); an edit reaches the group's other sessions the same way, from the run that made
it, while storage carries it as ever (to tabs on other processes, to tabs opened later).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import Any

import streamlit as st

from . import _compat, _settings
from ._component import HostName, mount
from ._conflicts import conflict_of, value_of_entry
from ._options import SyncOptions, keyed_digest
from ._protocol import Delivery, decode_value
from ._relay.base import RelayEntry, RelayEntryError
from ._relay.hub import RelayHub, RelayView, get_hub, get_tabs_hub
from ._relay.state import RelayState
from ._state import Applied, ChannelState, Outcome
from ._values import untag
from .errors import TabSyncError

_LOG = logging.getLogger("streamlit_tabsync")

#: How often the polling fallback looks for news, in seconds.
POLL_EVERY_S = 1.0

_rerun_probe: bool | None = None


def rerun_works() -> bool:
    """Whether the server can rerun other sessions (probed once per process)."""
    global _rerun_probe
    if _rerun_probe is None:
        _rerun_probe = not _settings.wakeup_forced_to_poll() and _compat.can_rerun_sessions()
    return _rerun_probe


class DevicesRun:
    """One devices-mode ``sync`` run's dealings with the process's relay hub."""

    def __init__(
        self, hub: RelayHub, namespace: str, state: RelayState, scope: str | None = None
    ) -> None:
        self.hub = hub
        #: The namespace of the entries (their ``ns``).
        self.namespace = namespace
        #: The hub's scope the session follows: the namespace itself across devices.
        self.scope = scope or namespace
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
            If the relay cannot be set up: a URL malformed, its driver missing, both a Redis
            and a database URL set (:class:`~.errors.RelaySetupError` when the database user
            may not create the relay's schema).
        """
        try:
            hub = get_hub()
        except ImportError as exc:  # the relay's driver: the message names the pip command
            raise TabSyncError(f"the relay URL is set but {exc}") from exc
        except ValueError as exc:  # the message says which URL (never with its password)
            raise TabSyncError(f"the relay URL cannot be used: {exc}") from exc
        if state.relay is None:
            state.relay = RelayState()
        return cls(hub, namespace, state.relay)

    def begin(self, bound: Sequence[str]) -> bool:
        """Joins the scope and pays any run the hub owed this session. Returns True when this
        run is the one the hub asked for: it carries no widget states from the browser (its
        values are what the last run drew), which Streamlit's widget state confirms."""
        if not self.session_id:
            return False
        self.hub.join(self.scope, self.session_id, _compat.run_location())
        owed = self.hub.reading(self.session_id)
        return owed and _compat.fresh_widget_states(bound) is False

    @property
    def healthy(self) -> bool:
        """Whether the relay is reachable, as far as this process knows (no round trip)."""
        return self.hub.relay.healthy[0]

    @property
    def view(self) -> RelayView:
        """The relay's health and entries, read once per run, after the hand-over (so the
        entries include the value that made the relay refuse an edit handed over now)."""
        if self._view is None:
            self._view = self.hub.view(self.scope)
        return self._view

    def hand_over(
        self,
        channel: ChannelState,
        delivery: Delivery,
        keys: Collection[str],
        *,
        ttl_ms: int | None,
    ) -> list[Applied]:
        """Hands what the browser's outbox holds (entries the relay missed) for ``keys`` to
        the relay, once per delivery. An entry the relay refuses under ``conflict="reject"``
        (an edit made while the relay was away, on a value another device has since
        replaced) is reported as a conflict and taken back: the relay's value becomes this
        tab's value again, stamped above both, so it wins in the browser as on the relay.

        Returns
        -------
        list of Applied
            The values taken back, to assign before the edit rule runs.
        """
        refusals = self.state.hand_over(
            self.hub, self.namespace, self.session_id, delivery, keys
        )
        self.state.seen_delivery = delivery.id
        taken = []
        for refusal in refusals:
            mine, theirs = value_of_entry(refusal.item.entry), value_of_entry(refusal.winner.text)
            like = channel.like(refusal.key)
            self.state.report(refusal.item.edit_id, conflict_of(refusal.key, mine, theirs, like))
            applied = channel.take_back(refusal.key, refusal.winner, ttl_ms=ttl_ms)
            edit = channel.track(refusal.key).edit
            if applied is None or edit is None:
                continue
            taken.append(applied)
            entry = RelayEntry.parse(edit["e"], self.namespace)
            self.hub.put(self.namespace, entry, origin=self.session_id)
        return taken

    def publish(
        self,
        channel: ChannelState,
        edited: Sequence[str],
        *,
        compare: bool,
        current: dict[str, Any],
        outcome: Outcome,
    ) -> None:
        """Puts this run's edits to the relay, from the run that made them (the writer pays
        no other run). An edit the relay refuses (another device's value won: a newer stamp,
        or under ``compare`` a write the edit did not see) is withdrawn: the relay's value is
        applied in this run instead, before the widgets are drawn, and under ``compare`` the
        conflict is reported. When the relay is unreachable the edit goes to the browser
        alone, which hands it to the relay once it is back."""
        for key in edited:
            edit = channel.track(key).edit
            if edit is None:
                continue
            try:
                entry = RelayEntry.parse(edit["e"], self.namespace)
            except RelayEntryError as exc:  # our own text: a bug, never the user's problem
                _LOG.warning("tabsync: an edit's entry was not valid: %s", exc)
                continue
            put = self.hub.put(
                self.scope, entry, base=edit["base"], compare=compare, origin=self.session_id
            )
            if put is None:
                # Unreachable: the edit stays in the browser, which resends it once the relay
                # is back; a new generation makes it compare with the relay's entries then,
                # even if they read the same as before the outage (a durable relay).
                self.state.gen += 1
                continue
            if put.stored or put.full or put.current is None:
                continue
            channel.withdraw(key)
            if compare:
                # Kept in the relay state until this run reports it (sync() takes them all at
                # its end): a run cut short by a newer one must not lose the report.
                self.state.report(edit["id"], conflict_of(
                    key, value_of_entry(edit["e"]), value_of_entry(put.current.text),
                    untag(decode_value(edit["t"])),
                ))
            outcome.merge(channel.take_relay({key: put.current}, [key], current, []))

    def mount(self, host: HostName, args: dict[str, Any], key: str, state_key: str) -> None:
        """Mounts the component with the relay's part of the args (and, where the server
        cannot rerun other sessions, the polling fragment)."""
        args["devices"] = True
        args["relay"] = self.state.render_part(self.view)
        args["seen"] = self.state.seen_delivery
        mount(host, args, key)
        if not rerun_works():
            _relay_poll(self.namespace, state_key)


class TabsRun(DevicesRun):
    """A tabs-mode ``sync`` run's fast path through this server process (see the module
    docs): the browser's other tabs that are sessions here get its edits from the run that
    made them, as devices do; storage carries them too, which the engine of a tab reached
    by this process's route does not deliver twice (the entry's ``r``)."""

    @classmethod
    def open_for(cls, options: SyncOptions, state: ChannelState) -> TabsRun | None:
        """This run's fast path, or ``None`` where there is none: the browser has not told
        its id yet (its first run), the server cannot rerun other sessions, or edits are
        compare-and-set (``conflict="reject"``: the check is the browser's, under a lock)."""
        if state.browser is None or options.conflict != "lww" or not rerun_works():
            return None
        if state.relay is None:
            state.relay = RelayState()
        scope = tab_group_scope(state.browser, options.namespace)
        return cls(get_tabs_hub(), options.namespace, state.relay, scope)

    def mount(self, host: HostName, args: dict[str, Any], key: str, state_key: str) -> None:
        """Mounts the component: storage already holds what the group's store holds."""
        mount(host, args, key)


def tab_group_scope(browser: str, namespace: str) -> str:
    """The hub scope of a browser's tabs in ``namespace``: a digest (keyed with
    ``TABSYNC_SECRET`` when set), so the browser's id is never kept in the clear."""
    return "b-" + keyed_digest(browser, namespace)


@st.fragment(run_every=POLL_EVERY_S)
def _relay_poll(namespace: str, state_key: str) -> None:
    state = st.session_state.get(state_key)
    relay = state.relay if isinstance(state, ChannelState) else None
    if relay is not None and relay.poll(get_hub().version(namespace)):
        st.rerun(scope="app")
