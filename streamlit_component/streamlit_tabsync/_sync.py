"""The public :func:`sync` call: glue between Streamlit's session state and the component."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import streamlit as st

from . import _compat, _settings
from ._component import HostName, chosen_host, delivery_in, draw_helpers, mount
from ._protocol import Delivery
from ._relay.hub import RelayHub, RelayView, get_hub
from ._relay.intake import screen_outbox
from ._state import ChannelState, Conflict
from ._validate import Validator
from ._values import to_json_text
from .errors import TabSyncError, WidgetAlreadyCreatedError

ConflictPolicy = Literal["lww", "reject"]
"""``"lww"``: last writer wins. ``"reject"``: an edit made on a value that another tab has
since replaced is not written; the tab gets the stored value and the conflict is reported."""

Across = Literal["tabs", "devices"]
"""``"tabs"``: the tabs of one browser, through its storage, with no server state.
``"devices"``: every tab of every browser of one ``user``, through a relay on the server
(embedded in the Streamlit process, or Redis when ``TABSYNC_REDIS_URL`` is set)."""

Wakeup = Literal["rerun", "poll"]
"""How idle sessions learn of news from the relay: ``"rerun"`` (the server reruns them through
Streamlit's runtime) or ``"poll"`` (a fragment checks every second; the public fallback)."""

SyncStatus = Literal["starting", "live", "degraded", "blocked"]
"""Where a tab stands: ``starting`` until the shared state has been read, then ``live``;
``degraded`` when something is wrong but sync goes on (a write failed, for example storage is
full; or storage is denied and the open tabs sync over ``BroadcastChannel`` without
persistence: :attr:`SyncInfo.error` says which); ``blocked`` when neither storage nor
``BroadcastChannel`` works, in which case the tab works on its own."""

_STATE_PREFIX = "_tabsync_state:"
_CHANNEL_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")

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
        Keys whose values from other tabs were not applied, with the reason.
    conflicts : tuple of Conflict
        This tab's edits refused in this run under ``conflict="reject"``.
    last_update : datetime or None
        When a value from another tab was last applied in this tab (UTC).
    error : str or None
        The last problem the browser side reported, if any.
    ignored : int
        How many entries (from storage or another tab) the browser side ignored as invalid
        since the component started: malformed, oversized, from the far future. With
        ``across="devices"``, also the entries this tab's browser handed over for the relay
        that the server refused since the session started: keys ``sync()`` does not name,
        over the caps (see the README's Security section), malformed.
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


def _default_channel() -> str:
    """One namespace per app: a short hash of the main script's path."""
    path = _compat.main_script_path()
    return "app-" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:12]


def _check_keys(
    keys: Sequence[str] | Mapping[str, Validator | None],
) -> dict[str, Validator | None]:
    """The bound keys with their validators (``None``: the default type check)."""
    if isinstance(keys, Mapping):
        pairs = list(keys.items())
    elif isinstance(keys, str) or not isinstance(keys, Sequence):
        raise TabSyncError("keys must be a list of session_state key names, e.g. ['zoom']")
    else:
        pairs = [(k, None) for k in keys]
    if not pairs:
        raise TabSyncError("keys must name at least one session_state key")
    checked: dict[str, Validator | None] = {}
    for key, validator in pairs:
        if not isinstance(key, str) or not key:
            raise TabSyncError(f"every key must be a non-empty string, got {key!r}")
        if key in checked:
            raise TabSyncError(f"keys must not repeat, {key!r} does")
        if validator is not None and not callable(validator):
            raise TabSyncError(
                f"the validator of {key!r} must be a type or a callable, got {validator!r}"
            )
        checked[key] = validator
    return checked


def _user_id(user: Any) -> str | None:
    """A stable id for ``user``: a string, or a mapping like ``st.user``.

    Of ``st.user`` the identity provider's issuer and subject (``iss`` + ``sub``: stable and
    unique per provider) are used, else ``email``. ``None`` for a user who is not logged in.
    """
    if isinstance(user, str):
        if not user:
            raise TabSyncError("user must not be empty")
        return user
    getter = getattr(user, "get", None)
    if callable(getter):
        if getter("is_logged_in") is False:
            return None
        iss, sub = getter("iss"), getter("sub")
        if isinstance(sub, str) and sub:
            return f"{iss}\0{sub}" if isinstance(iss, str) and iss else sub
        for field_name in ("email", "id"):
            value = getter(field_name)
            if isinstance(value, str) and value:
                return value
    raise TabSyncError(
        "user must be a string id or a mapping with 'sub' or 'email' (such as st.user)"
    )


def _scoped(namespace: str, user_id: str) -> str:
    """The namespace of ``user_id`` within ``namespace``: only a digest of the id is stored
    (an HMAC keyed with ``TABSYNC_SECRET`` when it is set, so a digest confirms no guess)."""
    message = f"{namespace}\0{user_id}".encode()
    secret = _settings.user_secret()
    if secret:
        digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    else:
        digest = hashlib.sha256(message).hexdigest()
    return "u-" + digest[:32]


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
    is then already in ``st.session_state`` when those widgets are drawn.

    Parameters
    ----------
    keys : sequence of str, or mapping of str to validator
        The session state keys to share (usually widget keys). As a mapping, each key's
        validator decides which values from other tabs it accepts: a type (``int``,
        ``str``, ...), a pydantic model class, or a callable returning a bool; ``None``
        keeps the default check (the JSON type of the key's current value).
    channel : str, optional
        Namespace of the shared state: letters, digits, ``_``, ``.`` and ``-``, at most 64.
        Defaults to one namespace per app (derived from the main script's path).
    user : str or mapping, optional
        Scope the shared state to a signed-in user: a user id, or ``st.user`` (its ``iss``
        and ``sub`` claims, else ``email``). Tabs of different users never see each other's
        values, even in one browser. Only a digest of the id is stored (keyed with
        ``TABSYNC_SECRET`` when set). A user who is not logged in shares within the browser.
    across : {"tabs", "devices"}, default "tabs"
        ``"tabs"``: the tabs of this browser. ``"devices"``: every tab of every browser
        where the same ``user`` runs ``sync`` with the same ``channel``, through the server:
        a relay embedded in the Streamlit process, or Redis when ``TABSYNC_REDIS_URL`` (or
        ``redis_url`` under ``[tabsync]`` in secrets) is set, or PostgreSQL when
        ``TABSYNC_DATABASE_URL`` (or ``database_url``) is, for several server processes.
        Needs ``user``.
    ttl : float, optional
        Time to live of shared values, in seconds. Values written longer ago are ignored
        when read and removed from storage, so a tab opened later never brings them back.
    conflict : {"lww", "reject"}, default "lww"
        ``"lww"``: concurrent edits of one key resolve to the last write. ``"reject"``
        (optimistic locking): an edit made on a value another tab has since replaced is not
        written; this tab gets the stored value instead and the conflict is reported in
        :attr:`SyncInfo.conflicts` and to ``on_conflict``. The check is atomic across tabs
        through the Web Locks API; where a browser lacks it, it is made without the lock
        and :attr:`SyncInfo.error` says so.
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
    TabSyncError
        If ``keys``, ``channel`` or ``presence`` is malformed, or ``across="devices"`` has
        no ``user`` or its relay cannot be set up (a URL malformed, its driver not
        installed, both a Redis and a database URL set; :class:`RelaySetupError` when the
        database user may not create the relay's schema).
    """
    validators = _check_keys(keys)
    bound = list(validators)
    channel_name = channel if channel is not None else _default_channel()
    if not isinstance(channel_name, str) or not _CHANNEL_RE.match(channel_name):
        raise TabSyncError(
            f"channel must be 1-64 letters, digits, '_', '.' or '-', got {channel_name!r}"
        )
    if across not in ("tabs", "devices"):
        raise TabSyncError(f'across must be "tabs" or "devices", got {across!r}')
    if across == "devices" and user is None:
        raise TabSyncError(
            'across="devices" needs user= (a user id or st.user): shared state follows one '
            "user across devices and must never reach another user"
        )
    user_id = None if user is None else _user_id(user)
    devices = across == "devices" and user_id is not None
    if user is None:
        namespace = channel_name
    else:
        namespace = _scoped(channel_name, user_id if user_id is not None else "\0anonymous")
    if conflict not in ("lww", "reject"):
        raise TabSyncError(f'conflict must be "lww" or "reject", got {conflict!r}')
    ttl_ms: int | None = None
    if ttl is not None:
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0:
            raise TabSyncError(f"ttl must be a positive number of seconds, got {ttl!r}")
        ttl_ms = math.ceil(ttl * 1000)
    if not isinstance(presence, bool):
        raise TabSyncError(f"presence must be True or False, got {presence!r}")
    for name, callback in (("on_conflict", on_conflict), ("on_change", on_change)):
        if callback is not None and not callable(callback):
            raise TabSyncError(f"{name} must be a callable or None, got {callback!r}")
    component_key = key if key is not None else f"tabsync:{channel_name}"

    created = _compat.widget_keys_this_run()
    for bound_key in bound:
        if bound_key in created:
            raise WidgetAlreadyCreatedError(bound_key)

    session = st.session_state
    # Per namespace: a tab whose user changes starts afresh, keeping nothing of the last one.
    state_key = f"{_STATE_PREFIX}{component_key}:{namespace}"
    state = session.get(state_key)
    if not isinstance(state, ChannelState):
        state = ChannelState(namespace=namespace)
        session[state_key] = state

    page = _compat.page_key()
    # Back from another page: the previous run did not show this page's widgets, so a
    # user cannot have edited them (see ChannelState.detect_edits). A run that merely
    # skipped sync() on the same page does not count: its widgets may have been shown and
    # edited (the edit is then shared when sync() runs again).
    returned = state.live and state.page is not None and state.page != page
    state.page = page
    current = {k: session[k] for k in bound if k in session}
    # A bound key that vanished (page switch, widget not drawn, del) gets the shared value
    # back before its widget is drawn: its widget's default is not an edit.
    restored = state.put_back_vanished(bound, current, page)
    host = chosen_host()
    delivery = delivery_in(host, session.get(component_key))
    relay: _Relay | None = _Relay.open(namespace) if devices else None
    parsed = Delivery.parse(delivery)
    if relay is not None and parsed is not None:
        relay.hand_over(state, parsed, bound)
        state.seen_delivery = parsed.id
    # A delivery not processed yet means the component requested this rerun, not the user
    # (a quiet one only carried entries for the relay).
    news = (
        parsed is not None
        and parsed.id != state.last_delivery
        and not (parsed.quiet and not state.has_news_in(parsed))
    )
    edited, put_back = state.detect_edits(
        bound,
        current,
        _compat.assigned_by_api(bound),
        news=news,
        returned=returned,
        # Only settling keys consult it (see ChannelState.detect_edits): skip the probe of
        # Streamlit's widget state on ordinary reruns.
        changed=_compat.widgets_changed(bound) if returned or state.settling else None,
        beside=lambda: _compat.widgets_changed_beside(bound),
        confirmed=not state.server_rerun,
    )
    state.server_rerun = False
    restored += put_back
    for item in restored:
        session[item.key] = item.value
        current[item.key] = item.value
    outcome = state.take_delivery(
        delivery, bound, current, edited, validators, page=page
    )
    for item in outcome.applied:
        session[item.key] = item.value
        current[item.key] = item.value
    state.remember_shapes(page, current)
    if state.relay_conflicts:
        # Edits the relay refused (across devices), reported here like the browser's own.
        outcome.conflicts.extend(state.relay_conflicts)
        state.relay_conflicts.clear()
    if on_conflict is not None:
        for found in outcome.conflicts:
            on_conflict(found.key, found.mine, found.theirs)

    draw_helpers(host, component_key, _compat.hide_css(host, component_key))
    args = state.render_args(
        namespace, bound, ttl_ms=ttl_ms, conflict=conflict, presence=presence
    )
    if relay is not None:
        args["devices"] = True
        args["relay"] = relay_args(relay.view, state)
        args["seen"] = state.seen_delivery
        state.last_args = args
        _mount_in_fragment(host, args, component_key, state_key, namespace)
    else:
        mount(host, args, component_key)

    status: SyncStatus = "starting"
    if state.live or state.browser_status == "blocked":
        # "blocked" can come before the first shared state: the browser side could not
        # start (no storage and no channel, or render args it could not read).
        status = state.browser_status  # type: ignore[assignment]
    error = state.browser_error
    if relay is not None and not relay.view.healthy:
        # The browser's own sync goes on; only the reach beyond it is missing.
        if status == "live":
            status = "degraded"
        error = error or f"relay ({relay.view.name}) unavailable: {relay.view.reason}"
    last = state.last_update
    info = SyncInfo(
        tab_id=state.tab_id,
        channel=channel_name,
        status=status,
        applied=tuple(item.key for item in outcome.applied),
        rejected={item.key: item.reason for item in outcome.rejected},
        conflicts=tuple(outcome.conflicts),
        last_update=datetime.fromtimestamp(last, tz=UTC) if last else None,
        error=error,
        ignored=state.ignored + state.refused_entries,
        restored=tuple(dict.fromkeys(item.key for item in restored)),
        across="devices" if devices else "tabs",
        relay=relay.view.name if relay is not None else None,
        relay_healthy=relay.view.healthy if relay is not None else None,
        wakeup=relay.wakeup if relay is not None else None,
        # Figures left from a run with presence on are not reported once it is off.
        peers=state.peers if presence else None,
        leader=state.leader if presence else None,
    )
    if on_change is not None and info.applied:
        on_change(info)
    return info


#: Set by :func:`sync` while it runs the devices fragment as part of the whole script, so the
#: fragment tells that call from a run of the fragment alone.
_full_run = threading.local()

#: How often the polling fallback looks for news, in seconds.
POLL_EVERY_S = 1.0


class _Relay:
    """One devices-mode ``sync`` call's dealings with the process's relay hub."""

    def __init__(self, hub: RelayHub, namespace: str, session_id: str | None) -> None:
        self.hub = hub
        self.namespace = namespace
        self.session_id = session_id or ""
        self.wakeup: Wakeup = "rerun" if _rerun_works() else "poll"
        self._view: RelayView | None = None

    @property
    def view(self) -> RelayView:
        """The relay's health and entries, read once per run, after the hand-over (so the
        entries include the value that made the relay refuse an edit handed over now)."""
        if self._view is None:
            self._view = self.hub.view(self.namespace)
        return self._view

    @classmethod
    def open(cls, namespace: str) -> _Relay:
        """This run's dealings with the process's hub (made on first use). The session joins
        the scope in the devices fragment, which knows its fragment id."""
        try:
            hub = get_hub()
        except ImportError as exc:  # the relay's driver: the message names the pip command
            raise TabSyncError(f"the relay URL is set but {exc}") from exc
        except ValueError as exc:  # the message says which URL (never with its password)
            raise TabSyncError(f"the relay URL cannot be used: {exc}") from exc
        return cls(hub, namespace, _compat.session_id())

    def hand_over(self, state: ChannelState, delivery: Delivery, keys: Collection[str]) -> None:
        """Hands the stamped entries of ``delivery`` for ``keys`` to the relay, once per
        delivery (see :func:`hand_over`)."""
        hand_over(self.hub, self.namespace, self.session_id, state, delivery, keys)


def relay_args(view: RelayView, state: ChannelState) -> dict[str, Any] | None:
    """The ``relay`` part of the render args: what the relay holds, when it is reachable."""
    if view.entries is None:
        return None
    args: dict[str, Any] = {"gen": state.relay_gen, "entries": list(view.entries)}
    if state.relay_refused:
        args["refused"] = list(state.relay_refused)
    return args


def hand_over(
    hub: RelayHub,
    namespace: str,
    origin: str,
    state: ChannelState,
    delivery: Delivery,
    keys: Collection[str],
) -> bool:
    """Hands the outbox of ``delivery`` to the relay (once per delivery).

    Only entries of ``keys`` (the keys the app's ``sync()`` names) pass, within the caps of
    :mod:`._relay.intake`; the rest are counted in ``state.refused_entries`` and never reach
    the relay. An entry the relay refuses under ``conflict="reject"`` is named in the next
    render args, so the browser takes the relay's value back; a hand-over that fails (relay
    unreachable) bumps the relay generation, so the browser compares again once the relay
    is back.

    Returns
    -------
    bool
        True when the relay refused an edit: the browser must hear of it in a new render.
    """
    if not delivery.outbox or delivery.id == state.handed_over:
        return False
    state.handed_over = delivery.id
    screened = screen_outbox(delivery.outbox, namespace, keys)
    refused = False
    for item, entry in screened.accepted:
        outcome = hub.put(namespace, entry, base=item.base, compare=item.cas, origin=origin)
        if outcome is None:
            state.relay_gen += 1
        elif outcome.full:
            screened.refused["over the scope's caps"] += 1
        elif (
            not outcome.stored
            and item.cas
            and item.edit_id is not None
            # An entry rides along until seen: the relay holding this very entry is no refusal.
            and (outcome.current is None or outcome.current.text != item.entry)
        ):
            if outcome.current is not None:
                state.note_relay_refusal(
                    outcome.current.key, item.edit_id, item.entry, outcome.current.text
                )
            if item.edit_id not in state.relay_refused:
                state.relay_refused = [*state.relay_refused, item.edit_id][-16:]
            refused = True
    state.refused_entries += screened.refused_count
    return refused


_rerun_probe: bool | None = None


def _rerun_works() -> bool:
    """Whether the server can rerun other sessions (probed once per process)."""
    global _rerun_probe
    if _rerun_probe is None:
        _rerun_probe = not _settings.wakeup_forced_to_poll() and _compat.can_rerun_sessions()
    return _rerun_probe


def _mount_in_fragment(
    host: HostName, args: dict[str, Any], key: str, state_key: str, namespace: str
) -> None:
    """Mounts the component inside a fragment (``across="devices"``).

    A delivery that only hands entries over for the relay then reruns this fragment alone,
    never the whole script: the writer pays one fragment run per edit. A delivery with news
    asks for a run of the whole app, which applies it before the widgets are drawn.
    """
    _full_run.args = args
    try:
        _devices_fragment(host, key, state_key, namespace)
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
    session = st.session_state
    state = session.get(state_key)
    if not isinstance(state, ChannelState) or state.last_args is None:
        st.rerun(scope="app")
    user_edit = _keep_drawn_values(state)
    delivery = Delivery.parse(delivery_in(host, session.get(key)))
    if delivery is not None:
        state.seen_delivery = delivery.id
    if delivery is not None and delivery.id != state.last_delivery:
        keys = state.last_args.get("keys", ())
        refused = hand_over(hub, namespace, session_id or "", state, delivery, keys)
        if refused or not delivery.quiet or state.has_news_in(delivery):
            user_edit = True
    if user_edit:
        state.server_rerun = True
        st.rerun(scope="app")
    update: dict[str, Any] = {"seen": state.seen_delivery}
    view = hub.view(namespace)
    if view.entries is not None:
        update["relay"] = relay_args(view, state)
    state.last_args = {**state.last_args, **update}
    mount(host, state.last_args, key)
    _poll_if_needed(namespace, state_key)


def _keep_drawn_values(state: ChannelState) -> bool:
    """Sorts the widget states a fragment-only run brought from the browser for bound keys:
    undoes the stale ones, keeps a user's edit. Returns True when it kept one (the caller
    then reruns the app, which publishes it).

    A run of this fragment alone comes from the component, and the widget states it carries
    can be older than what the last run of the app drew (the browser had not drawn it yet):
    taken as they are, the app run this fragment asks for would see them as edits and publish
    an old value. But Streamlit sends a user's change of a widget made at the same moment as
    the component's message in the same batch, as a run of this fragment: undone, that edit
    would be lost. A stale state is one the tab held (:meth:`ChannelState.is_old_state`); a
    value it never held can only be the user's, and is kept.
    """
    if state.last_args is None:
        return False
    keys = [k for k in state.last_args.get("keys", ()) if k in state.known]
    changed = _compat.widgets_changed(keys)
    session = st.session_state
    kept = False
    for key in keys:
        if changed.get(key) and key in session and key not in state.local:
            try:
                text = to_json_text(key, session[key])
            except TabSyncError:
                text = None  # not shareable: the app run reports it
            if text is not None and not state.is_old_state(key, text):
                kept = True
                continue
            ok, drawn = state.known[key].shaped_like(session[key])
            if ok:
                session[key] = drawn
    return kept


def _poll_if_needed(namespace: str, state_key: str) -> None:
    """The public fallback when other sessions cannot be rerun: poll the hub for news."""
    if _rerun_works():
        return
    _relay_poll(namespace, state_key)


@st.fragment(run_every=POLL_EVERY_S)
def _relay_poll(namespace: str, state_key: str) -> None:
    state = st.session_state.get(state_key)
    version = get_hub().version(namespace)
    seen = getattr(state, "relay_version", None)
    if isinstance(state, ChannelState):
        state.relay_version = version
    if seen is not None and seen != version:
        st.rerun(scope="app")
