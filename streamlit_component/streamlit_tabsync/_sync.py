"""The public :func:`sync` call: glue between Streamlit's session state and the component."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import streamlit as st

from . import _compat
from ._component import HostName, chosen_host, delivery_in, draw_helpers, mount
from ._devices import DevicesRun, TabsRun
from ._options import SyncOptions, sync_options
from ._protocol import Delivery
from ._state import Applied, ChannelState, Conflict, Outcome
from ._validate import Validator
from .errors import WidgetAlreadyCreatedError

ConflictPolicy = Literal["lww", "reject"]
"""``"lww"``: last writer wins. ``"reject"``: an edit made on a value that another tab has
since replaced is not written; the tab gets the stored value and the conflict is reported
(see the ``conflict`` parameter of :func:`sync`)."""

Across = Literal["tabs", "devices"]
"""``"tabs"``: the tabs of one browser, through its storage, with no server state.
``"devices"``: every tab of every browser of one ``user``, through a relay on the server
(embedded in the Streamlit process, or Redis when ``TABSYNC_REDIS_URL``, or ``redis_url``
under ``[tabsync]`` in Streamlit's secrets, is set). Set-up, outages and limits:
``docs/across-devices.md``."""

Wakeup = Literal["rerun", "poll"]
"""How idle sessions learn of news from the relay: ``"rerun"`` (the server reruns them through
Streamlit's runtime) or ``"poll"`` (a fragment checks every second; the public fallback, used
where the runtime offers no rerun of other sessions, or when ``TABSYNC_WAKEUP=poll``)."""

SyncStatus = Literal["starting", "live", "degraded", "blocked"]
"""Where a tab stands: ``starting`` until the shared state has been read, then ``live``;
``degraded`` when something is wrong but sync goes on (a write failed, for example storage is
full; or storage is denied and the open tabs sync over ``BroadcastChannel`` without
persistence: :attr:`SyncInfo.error` says which); ``blocked`` when neither storage nor
``BroadcastChannel`` works, or the browser side could not read what the Python side sent (for
example a frontend of another release), in which case the tab works on its own and
:attr:`SyncInfo.error` says why."""

_STATE_PREFIX = "_tabsync_state:"

@dataclass(frozen=True)
class SyncInfo:
    """What :func:`sync` did in this run.

    Attributes
    ----------
    tab_id : str
        Random id of this tab's sync instance, stable across reruns: one per Streamlit
        session (browser tab), component ``key`` and namespace, so two ``sync`` calls with
        different channels in one tab have different ids, and a tab whose ``user`` changes
        gets a new one. It breaks ties between stamps and prefixes this tab's edit ids.
    channel : str
        The namespace the keys are shared in.
    status : SyncStatus
        ``"starting"`` on a tab's first run, before the shared state has been read; ``"live"``
        once it has; ``"degraded"`` or ``"blocked"`` when something is wrong (see
        :data:`SyncStatus`; :attr:`error` says what).
    applied : tuple of str
        Keys whose values from other tabs were applied in this run.
    rejected : dict of str to str
        Keys whose values from other tabs were not applied, with the reason: the value did
        not fit the key (its JSON type differs from the key's current value's, or the key's
        validator refused it).
    conflicts : tuple of Conflict
        This tab's edits refused in this run under ``conflict="reject"``, each a
        ``Conflict(key, mine, theirs)``.
    last_update : datetime or None
        When a value from another tab was last applied in this tab (UTC).
    error : str or None
        The last problem the browser side reported, if any.
    ignored : int
        How many entries (from storage or another tab) the browser side ignored as invalid
        since the component started: malformed, oversized, from the far future. With
        ``across="devices"``, also the entries this tab's browser handed over for the relay
        that the server refused since the session started: keys ``sync()`` does not name,
        over the caps (see ``docs/security.md``), malformed.
    restored : tuple of str
        Keys whose shared value was put back in this run instead of being shared: the key
        had vanished from session state (a page switch, a widget not drawn in some runs, or
        ``del st.session_state[key]``), or the browser still reported a widget's previous
        value right after another tab's value was applied.
    across : {"tabs", "devices"}
        How far the keys are shared (see :data:`Across`).
    relay : {"embedded", "redis", "postgres"} or None
        The server relay in use with ``across="devices"``; ``None`` within one browser.
    relay_healthy : bool or None
        Whether the relay is reachable (``None`` within one browser). While it is not, the
        status is ``"degraded"``, :attr:`error` says why, and the tabs of each browser keep
        syncing among themselves; edits made meanwhile reach the relay once it is back.
    wakeup : {"rerun", "poll"} or None
        How this session learns of other devices' news (see :data:`Wakeup`).
    peers : int or None
        How many other live tabs (component instances) of this browser follow the same
        channel (the same namespace: channel and ``user`` scope). ``None`` while starting
        (before the browser has counted), with ``presence=False``, or where the browser
        lacks Web Locks or ``BroadcastChannel``. With ``across="devices"`` it still counts
        only this browser's tabs: tabs on other devices are not counted.
    leader : bool or None
        True in exactly one live tab of the channel in this browser (the holder of a Web
        Lock named after the channel's namespace), False in the others. ``None`` while
        starting, with ``presence=False``, or where the browser lacks Web Locks. Leadership
        is per browser, also with ``across="devices"``.
    """

    tab_id: str
    channel: str
    status: SyncStatus
    applied: tuple[str, ...] = ()
    rejected: dict[str, str] = field(default_factory=dict)
    conflicts: tuple[Conflict, ...] = ()
    last_update: datetime | None = None
    error: str | None = None
    ignored: int = 0
    restored: tuple[str, ...] = ()
    across: Across = "tabs"
    relay: str | None = None
    relay_healthy: bool | None = None
    wakeup: Wakeup | None = None
    peers: int | None = None
    leader: bool | None = None


def sync(
    keys: Sequence[str] | Mapping[str, Validator | None],
    *,
    channel: str | None = None,
    user: Any = None,
    across: Across = "tabs",
    ttl: float | None = None,
    conflict: ConflictPolicy = "lww",
    on_conflict: Callable[[str, Any, Any], None] | None = None,
    on_change: Callable[[SyncInfo], None] | None = None,
    key: str | None = None,
    presence: bool = True,
) -> SyncInfo:
    """Keep the listed ``st.session_state`` keys in step across this browser's tabs.

    Call it once per run, before the widgets bound to ``keys``: a value changed in another tab
    is then already in ``st.session_state`` when those widgets are drawn (values from other
    tabs are assigned before it returns). Before a tab has read the shared state (its very
    first run) nothing it holds is published, so a new tab's defaults never overwrite the
    shared state. Only a user's change is shared: a widget's default, or the state a widget
    reports again after a page switch, is not (see ``docs/reliability.md``).

    This docstring is the full reference of the parameters; ``README.md`` has them at a
    glance, and ``docs/`` the behaviour beyond one call.

    Parameters
    ----------
    keys : sequence of str, or mapping of str to validator
        The session state keys to share (usually widget keys). As a mapping, each key's
        validator decides which values from other tabs it accepts: a type (``int``,
        ``str``, ...), a pydantic model class, or a callable returning a bool; ``None``
        keeps the default check: the value's JSON type must fit the key's current value
        (numbers for numbers, lists for lists and tuples, ...); lists come back as tuples
        where the current value is a tuple (a range slider's). A value that does not fit is
        not applied and is listed in :attr:`SyncInfo.rejected`.
    channel : str, optional
        Namespace of the shared state: letters, digits, ``_``, ``.`` and ``-``, at most 64.
        Defaults to one namespace per app (derived from the main script's path).
    user : str or mapping, optional
        Scope the shared state to a signed-in user: a user id, or ``st.user`` (its ``iss``
        and ``sub`` claims, else ``email``, else ``id``). Tabs of different users never see
        each other's values, even in one browser. Only a digest of the id is stored (keyed
        with ``TABSYNC_SECRET`` when set). A user who is not logged in shares within the
        browser.
    across : {"tabs", "devices"}, default "tabs"
        ``"tabs"``: the tabs of this browser. ``"devices"``: every tab of every browser
        where the same ``user`` runs ``sync`` with the same ``channel``, through the server:
        a relay embedded in the Streamlit process, or Redis when ``TABSYNC_REDIS_URL`` (or
        ``redis_url`` under ``[tabsync]`` in secrets) is set, or PostgreSQL when
        ``TABSYNC_DATABASE_URL`` (or ``database_url``) is, for several server processes.
        Needs ``user``. See ``docs/across-devices.md`` and ``docs/relays.md``.
    ttl : float, optional
        Time to live of shared values, in seconds. Values written longer ago are ignored
        when read and removed from storage, so a tab opened later never brings them back.
        With ``across="devices"`` the relay stops handing them out too (in Redis, through
        key expiry).
    conflict : {"lww", "reject"}, default "lww"
        ``"lww"``: concurrent edits of one key resolve to the last write. ``"reject"``
        (optimistic locking): an edit made on a value another tab has since replaced is not
        written; this tab gets the stored value instead and the conflict is reported in
        :attr:`SyncInfo.conflicts` and to ``on_conflict``. The check-and-write is atomic
        across tabs: it runs under a Web Lock named after the key. Where a browser lacks Web
        Locks, or a lock request fails, the check still runs without the lock, the edit is
        written (or refused) all the same, and :attr:`SyncInfo.error` says so. Where storage
        is denied (the open tabs sync over ``BroadcastChannel``) the check is made against
        what the tab has heard, so two edits made at the same moment may both be written
        (the later stamp wins, as under ``"lww"``). With ``across="devices"`` it is also a
        compare-and-set on the relay, atomic across devices and servers: of two edits made
        on the same value the first to reach the relay wins, and the other device takes the
        winning value back and reports the conflict.
    on_conflict : callable, optional
        Called as ``on_conflict(key, mine, theirs)`` once per refused edit, in the run that
        learns of it, before the widgets are drawn.
    on_change : callable, optional
        Called as ``on_change(info)`` (``info`` being the :class:`SyncInfo` this call
        returns) once in each run where values from other tabs were applied, after they are
        in ``st.session_state`` and before the widgets are drawn; ``info.applied`` names the
        keys. Not called for this tab's own edits. A value put back after a refused edit
        (``conflict="reject"``) counts as applied, after ``on_conflict`` is called.
    key : str, optional
        Key of the (invisible) component. Defaults to one derived from ``channel``, so two
        ``sync`` calls with different channels can coexist in one script.
    presence : bool, default True
        Whether this tab counts the other live tabs of its channel in this browser and
        competes for the channel's leadership (:attr:`SyncInfo.peers`,
        :attr:`SyncInfo.leader`). A change of who is here reruns the tab once, paced like
        deliveries (at most one rerun per 100 ms); an idle tab's presence costs no rerun and
        no timer. A tab that closes, crashes or is frozen (page lifecycle freeze,
        back/forward cache) drops out as soon as the browser releases its locks, and the
        other tabs rerun once: within 5 seconds (about 0.2 s measured); a tab whose script
        is stuck but not frozen keeps its place (and its leadership). ``False``: no locks
        are taken, no reruns happen for presence, and ``peers`` and ``leader`` are ``None``.

    Returns
    -------
    SyncInfo
        This tab's id, its status and which keys were applied from other tabs in this run.

    Raises
    ------
    WidgetAlreadyCreatedError
        If the widget of a bound key was created earlier in this run.
    UnshareableValueError
        If a bound key holds a value that is not JSON data or is too large to share.
    FrontendNotBuiltError
        If the component's built frontend is missing (a source checkout without
        ``make build``).
    TabSyncError
        If ``keys`` (a key the engine cannot share included), ``channel``, ``across``,
        ``ttl``, ``conflict``, ``presence`` or a callback is malformed, ``across="devices"``
        has no ``user`` or its relay cannot be set up (a URL malformed, its driver not
        installed, both a Redis and a database URL set; :class:`RelaySetupError` when the
        database user may not create the relay's schema), or ``TABSYNC_HOST`` names no
        host this Streamlit has.
    """
    options = sync_options(
        keys,
        channel=channel,
        user=user,
        across=across,
        ttl=ttl,
        conflict=conflict,
        on_conflict=on_conflict,
        on_change=on_change,
        key=key,
        presence=presence,
    )
    bound = options.bound
    created = _compat.widget_keys_this_run()
    for bound_key in bound:
        if bound_key in created:
            raise WidgetAlreadyCreatedError(bound_key)
    session = st.session_state
    state_key = f"{_STATE_PREFIX}{options.component_key}:{options.namespace}"
    state = _channel_state(session, state_key, options.namespace)
    run = _Run.begin(state, bound, {k: session[k] for k in bound if k in session})
    host = chosen_host()
    raw = delivery_in(host, session.get(options.component_key))
    parsed = Delivery.parse(raw)
    state.note_browser(parsed)
    # The server path: the relay across devices; within one browser, its tabs on this process.
    devices = (
        DevicesRun.open(options.namespace, state)
        if options.devices
        else TabsRun.open_for(options, state)
    )
    server_run = devices is not None and devices.begin(bound)
    if options.devices and devices is not None and parsed is not None:
        taken = devices.hand_over(state, parsed, bound, ttl_ms=options.ttl_ms)
        _assign(session, run.current, taken)
        run.restored += taken
    route = devices.hub.route if devices is not None and devices.healthy else None
    run.restored += run.edits(parsed, server_run, ttl_ms=options.ttl_ms, route=route)
    _assign(session, run.current, run.restored)
    outcome = state.take_delivery(
        raw, bound, run.current, run.edited, options.validators, page=run.page
    )
    if devices is not None:
        devices.publish(
            state, run.edited, compare=options.conflict == "reject", current=run.current,
            outcome=outcome,
        )
    if devices is not None and devices.view.snapshot is not None:
        outcome.merge(state.take_relay(
            devices.view.snapshot, bound, run.current, run.edited, options.validators,
            page=run.page,
        ))
    _assign(session, run.current, outcome.applied)
    state.remember_shapes(run.page, run.current)
    if devices is not None:
        outcome.conflicts.extend(devices.state.take_conflicts())
    if options.on_conflict is not None:
        for found in outcome.conflicts:
            options.on_conflict(found.key, found.mine, found.theirs)
    _mount(host, options, state, devices, state_key)
    info = _info(options, state, devices if options.devices else None, outcome, run.restored)
    if options.on_change is not None and info.applied:
        options.on_change(info)
    return info


def _channel_state(session: Any, state_key: str, namespace: str) -> ChannelState:
    """The tab's bookkeeping of this call (per namespace: a tab whose user changes starts
    afresh, keeping nothing of the last one)."""
    state = session.get(state_key)
    if not isinstance(state, ChannelState):
        state = ChannelState(namespace=namespace)
        session[state_key] = state
    return state


def _assign(session: Any, current: dict[str, Any], items: list[Applied]) -> None:
    """Assigns values to session state before the widgets are drawn."""
    for item in items:
        session[item.key] = item.value
        current[item.key] = item.value


class _Run:
    """What one run of ``sync`` learns of the tab before it applies anything."""

    def __init__(
        self, state: ChannelState, bound: list[str], current: dict[str, Any], page: str,
        returned: bool,
    ) -> None:
        self.state = state
        self.bound = bound
        #: The bound keys' values in session state (updated as values are assigned).
        self.current = current
        self.page = page
        #: Back from another page: the previous run did not show this page's widgets, so a
        #: user cannot have edited them. A run that merely skipped sync() on the same page
        #: does not count: its widgets may have been shown and edited.
        self.returned = returned
        self.restored: list[Applied] = []
        self.edited: list[str] = []

    @classmethod
    def begin(cls, state: ChannelState, bound: list[str], current: dict[str, Any]) -> _Run:
        """Notes the page and puts back the shared value of every bound key that vanished
        (a page switch, a widget not drawn, ``del``): its widget's default is not an edit."""
        page = _compat.page_key()
        returned = state.live and state.page is not None and state.page != page
        state.page = page
        run = cls(state, bound, current, page, returned)
        run.restored = state.put_back_vanished(bound, current, page)
        return run

    def edits(
        self,
        delivery: Delivery | None,
        server_run: bool,
        *,
        ttl_ms: int | None,
        route: str | None,
    ) -> list[Applied]:
        """Finds this run's edits (the edit rule) and stamps them; returns the values to put
        back.

        ``server_run``: the hub asked for this run (news from the relay) and it carries no
        widget states from the browser, so its values are what the last run drew.
        ``ttl_ms`` and ``route`` go into each edit's entry (see :mod:`._entry`).
        """
        state, bound = self.state, self.bound
        # A delivery not processed yet means the component requested this rerun, not the
        # user (a quiet one only carried entries for the relay).
        news = server_run or (
            delivery is not None
            and delivery.id != state.last_delivery
            and not (delivery.quiet and not state.has_news_in(delivery))
        )
        watched = (self.returned or state.settling) and not server_run
        self.edited, put_back = state.detect_edits(
            bound,
            self.current,
            _compat.assigned_by_api(bound),
            news=news,
            returned=self.returned,
            # Only settling keys consult it: skip the probe of Streamlit's widget state on
            # ordinary reruns.
            changed=_compat.widgets_changed(bound) if watched else None,
            beside=lambda: _compat.widgets_changed_beside(bound),
            confirmed=not server_run,
            ttl_ms=ttl_ms,
            route=route,
        )
        return put_back


def _mount(
    host: HostName,
    options: SyncOptions,
    state: ChannelState,
    devices: DevicesRun | None,
    state_key: str,
) -> None:
    """Draws the invisible component with this run's render args."""
    draw_helpers(host, options.component_key, _compat.hide_css(host, options.component_key))
    args = state.render_args(
        options.namespace,
        options.bound,
        ttl_ms=options.ttl_ms,
        conflict=options.conflict,
        presence=options.presence,
        route=devices.hub.route if devices is not None and devices.view.healthy else None,
    )
    if devices is not None:
        devices.mount(host, args, options.component_key, state_key)
    else:
        mount(host, args, options.component_key)


def _info(
    options: SyncOptions,
    state: ChannelState,
    devices: DevicesRun | None,
    outcome: Outcome,
    restored: list[Applied],
) -> SyncInfo:
    """What this run of ``sync`` reports to the app."""
    report = state.report
    status: SyncStatus = "starting"
    if state.live or report.status == "blocked":
        # "blocked" can come before the first shared state: the browser side could not
        # start (no storage and no channel, or render args it could not read).
        status = report.status  # type: ignore[assignment]
    error = report.error
    if devices is not None and not devices.view.healthy:
        # The browser's own sync goes on; only the reach beyond it is missing.
        if status == "live":
            status = "degraded"
        error = error or f"relay ({devices.view.name}) unavailable: {devices.view.reason}"
    last = state.last_update
    refused = state.relay.refused_entries if state.relay is not None else 0
    return SyncInfo(
        tab_id=state.tab_id,
        channel=options.channel,
        status=status,
        applied=tuple(item.key for item in outcome.applied),
        rejected={item.key: item.reason for item in outcome.rejected},
        conflicts=tuple(outcome.conflicts),
        last_update=datetime.fromtimestamp(last, tz=UTC) if last else None,
        error=error,
        ignored=report.ignored + refused,
        restored=tuple(dict.fromkeys(item.key for item in restored if not item.redraw)),
        across="devices" if options.devices else "tabs",
        relay=devices.view.name if devices is not None else None,
        relay_healthy=devices.view.healthy if devices is not None else None,
        wakeup=devices.wakeup if devices is not None else None,  # type: ignore[arg-type]
        # Figures left from a run with presence on are not reported once it is off.
        peers=report.peers if options.presence else None,
        leader=report.leader if options.presence else None,
    )
